#!/usr/bin/env bash
# Runs every Doppel test against real components:
#   Go unit + integration tests (a real Ollama with the offline models),
#   Vitest (frontend units), Playwright + Debian Chromium against `doppel serve`,
#   the desktop binary under Xvfb (screenshot), and the Python trainer tests.
# It installs what is missing first (scripts/setup.sh --for-tests).
# Ends with one line: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export DOPPEL_CACHE="${DOPPEL_CACHE:-$HOME/.cache/doppel}"
RESULTS="$ROOT/test-results"
rm -rf "$RESULTS"; mkdir -p "$RESULTS"
log() { echo "== $*" >&2; }

[[ "${DOPPEL_SKIP_SETUP:-0}" == 1 ]] || ./scripts/setup.sh --for-tests || { echo "setup failed"; exit 1; }

log "build (frontend, CLI, desktop)"
make -s frontend cli desktop || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

# A private Ollama for the whole run, with the offline models imported.
OLLAMA_BIN="$(./scripts/install-ollama.sh)"
TEST_HOME="$(mktemp -d /tmp/doppel-test.XXXXXX)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
log "starting Ollama ($OLLAMA_BIN) on 127.0.0.1:$PORT"
HOME="$TEST_HOME/ollama" OLLAMA_HOST="127.0.0.1:$PORT" OLLAMA_MODELS="$TEST_HOME/ollama/models" \
  "$OLLAMA_BIN" serve >"$RESULTS/ollama.log" 2>&1 &
OLLAMA_PID=$!
cleanup() { kill "$OLLAMA_PID" 2>/dev/null; wait "$OLLAMA_PID" 2>/dev/null; rm -rf "$TEST_HOME"; }
trap cleanup EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/api/version" >/dev/null && break; sleep 0.2; done
export DOPPEL_TEST_OLLAMA_URL="http://127.0.0.1:$PORT"
export DOPPEL_TEST_CHAT_MODEL="smollm2:135m" DOPPEL_TEST_EMBED_MODEL="all-minilm:l6-v2"
export DOPPEL_REQUIRE_OLLAMA=1
MODELS="$DOPPEL_CACHE/models"
log "importing the offline models"
OLLAMA_HOST="127.0.0.1:$PORT" DOPPEL_HOME="$TEST_HOME/setup" ./bin/doppel models setup >/dev/null || { echo "importing the offline models failed"; exit 1; }
export DOPPEL_TEST_MODELS_DIR="$MODELS"

status=0
log "go vet"
go vet -tags sqlite_fts5 ./... || status=1

log "third_party: patched copies match upstream + patch"
./scripts/third-party.sh verify || status=1

log "go test"
go test -tags sqlite_fts5 -count=1 -json -timeout 30m ./... >"$RESULTS/go.json" 2>"$RESULTS/go.stderr"
go_rc=$?
python3 scripts/testsummary.py go "$RESULTS/go.json" || true
[[ $go_rc == 0 ]] || status=1

log "vitest"
(cd frontend && npx vitest run --reporter=default --reporter=json --outputFile="$RESULTS/vitest.json") || status=1

log "playwright (Chromium) against doppel serve"
(cd frontend && node --test --test-reporter=spec --test-reporter=tap --test-reporter-destination=stdout \
  --test-reporter-destination="$RESULTS/e2e.tap" e2e/) || status=1

log "desktop window under Xvfb"
./scripts/desktop-smoke.sh "$RESULTS/desktop.png" >"$RESULTS/desktop.txt" 2>&1 && echo "desktop smoke: ok" || { cat "$RESULTS/desktop.txt"; status=1; }

if [[ -d models/trainer/tests ]]; then
  log "python trainer tests"
  ./scripts/test-trainer.sh "$RESULTS/pytest.xml" || status=1
fi

python3 scripts/testsummary.py all "$RESULTS"
exit $status
