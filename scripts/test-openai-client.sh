#!/usr/bin/env bash
# Runs the official Python `openai` package (pinned) against a running
# `doppel serve`: a streamed and a non-streamed chat completion, the model
# list, and the citations Doppel adds. Used by backend/server's
# TestOpenAIPythonClient; also runnable by hand:
#   scripts/test-openai-client.sh http://127.0.0.1:8765 doppel
# The venv lives in $DOPPEL_CACHE/venv-openai (created on first use, from PyPI).
# With --setup only, it just makes sure the venv exists.
set -euo pipefail
OPENAI_VERSION="3.51.0"
CACHE="${DOPPEL_CACHE:-$HOME/.cache/doppel}"
VENV="$CACHE/venv-openai-$OPENAI_VERSION"
if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c "import openai" 2>/dev/null; then
  python3 -m venv "$VENV" >&2
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "openai==$OPENAI_VERSION" >&2
fi
[[ "${1:-}" == "--setup" ]] && { echo "$VENV/bin/python"; exit 0; }
BASE="${1:?usage: $0 BASE_URL MODEL}"
MODEL="${2:-doppel}"
exec "$VENV/bin/python" "$(dirname "$0")/openai_client_check.py" "$BASE" "$MODEL"
