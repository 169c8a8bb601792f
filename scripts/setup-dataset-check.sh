#!/usr/bin/env bash
# Creates (once, cached) the Python venv that the export tests use to load
# every export format with Hugging Face `datasets` (pinned). Prints the
# venv's python on stdout. DOPPEL_CACHE overrides ~/.cache/doppel.
set -euo pipefail
DATASETS_VERSION="5.2.0"
CACHE="${DOPPEL_CACHE:-$HOME/.cache/doppel}"
VENV="$CACHE/venv-datasets-$DATASETS_VERSION"
if [[ -f "$VENV/.ok" ]]; then echo "$VENV/bin/python"; exit 0; fi
mkdir -p "$CACHE"
rm -rf "$VENV"
python3 -m venv "$VENV" >&2
"$VENV/bin/pip" install --quiet --disable-pip-version-check "datasets==$DATASETS_VERSION" >&2
"$VENV/bin/python" -c "import datasets" >&2
touch "$VENV/.ok"
echo "$VENV/bin/python"
