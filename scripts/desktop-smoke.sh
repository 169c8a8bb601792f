#!/usr/bin/env bash
# Starts the real desktop binary (bin/doppel-desktop) under Xvfb on a fresh
# data dir, waits until the window has painted the app (the navigation bar's
# colour appears on screen), saves a screenshot, and checks that the window
# reached the backend through the AssetServer (the Models page lists models).
#   scripts/desktop-smoke.sh OUT.png
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-docs/screenshots/desktop.png}"
DATA="$(mktemp -d /tmp/doppel-desktop.XXXXXX)"
trap 'rm -rf "$DATA"' EXIT
CONVERT=/usr/bin/convert
export OUT DATA CONVERT DOPPEL_LOG=debug
# Use the harness's Ollama when there is one (else the app starts its own).
[[ -n "${DOPPEL_TEST_OLLAMA_URL:-}" ]] && export OLLAMA_HOST="$DOPPEL_TEST_OLLAMA_URL"
xvfb-run -a -s '-screen 0 1280x800x24' bash -c '
  set -euo pipefail
  ./bin/doppel-desktop --data-dir "$DATA" >"$DATA/desktop.log" 2>&1 &
  pid=$!
  shot() { xwd -root -silent | $CONVERT xwd:- "$1"; }
  # The nav bar is #1f2330 = rgb(31,35,48); sample a pixel inside it.
  painted=0
  for i in $(seq 1 120); do
    px="$(xwd -root -silent | $CONVERT xwd:- -format "%[pixel:p{20,400}]" info: 2>/dev/null || true)"
    if [[ "$px" == "srgb(31,35,48)" ]]; then painted=1; break; fi
    kill -0 $pid 2>/dev/null || { echo "desktop app exited early"; cat "$DATA/desktop.log"; exit 1; }
    sleep 0.5
  done
  if [[ $painted != 1 ]]; then echo "window never painted the app (last pixel: $px)"; shot "$OUT"; cat "$DATA/desktop.log"; kill $pid; exit 1; fi
  # Give the Models page time to fetch from the backend, then capture it.
  sleep 4
  shot "$OUT"
  kill $pid; wait $pid 2>/dev/null || true
'
# The page must have reached the Go handler through Wails' AssetServer (with
# the real method and path: the webkit2_40 tag) and got the model list.
if grep -q "panic" "$DATA/desktop.log" 2>/dev/null; then echo "desktop app panicked"; cat "$DATA/desktop.log"; exit 1; fi
# Uncaught errors in the page are reported to the backend (src/boot.ts).
if grep -q 'msg="ui error"' "$DATA/desktop.log"; then echo "the page threw in the desktop window:"; grep 'ui error' "$DATA/desktop.log"; exit 1; fi
if ! grep -q 'method=GET path=/api/v1/models status=200' "$DATA/desktop.log"; then
  echo "the window never listed models through the AssetServer handler"; cat "$DATA/desktop.log"; exit 1
fi
colors="$($CONVERT "$OUT" -format "%k" info:)"
echo "screenshot $OUT: $colors distinct colours"
if (( colors < 50 )); then echo "screenshot looks blank"; exit 1; fi
echo "desktop smoke ok"
