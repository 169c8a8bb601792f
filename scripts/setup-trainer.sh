#!/usr/bin/env bash
# Creates the Python environment of the trainer (models/trainer), cached by a
# hash of its lock file: ${DOPPEL_CACHE:-~/.cache/doppel}/trainer-venv-<hash>.
# Idempotent; prints the environment's python on stdout, logs on stderr.
#
# uv (pinned, itself from PyPI) creates the venv and installs the lock with
# --no-deps: the lock is complete, so nothing else is resolved or fetched.
# The Go side (backend/train/env.go) finds the same folder by the same hash,
# and creates its own under the data dir when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
CACHE="${DOPPEL_CACHE:-$HOME/.cache/doppel}"
REQ="$ROOT/models/trainer/requirements.txt"
UV_VERSION=0.13.9
PY="${PYTHON:-python3}"
log() { echo "setup-trainer: $*" >&2; }

hash="$(sha256sum "$REQ" | cut -c1-12)"
venv="$CACHE/trainer-venv-$hash"
if [[ -f "$venv/.complete" ]]; then
  echo "$venv/bin/python"
  exit 0
fi
mkdir -p "$CACHE"

# uv: on PATH, else a pinned copy in the cache.
UV="$(command -v uv || true)"
if [[ -z "$UV" ]]; then
  uvdir="$CACHE/uv-$UV_VERSION"
  if [[ ! -x "$uvdir/bin/uv" ]]; then
    log "installing uv $UV_VERSION"
    rm -rf "$uvdir.partial"
    "$PY" -m pip install --quiet --disable-pip-version-check --target "$uvdir.partial" "uv==$UV_VERSION" >&2
    rm -rf "$uvdir"; mv "$uvdir.partial" "$uvdir"
  fi
  UV="$uvdir/bin/uv"
fi

start=$(date +%s)
log "creating $venv (torch + transformers + peft + trl; several GB on Linux)"
rm -rf "$venv"
"$UV" venv --quiet --python "$PY" "$venv" >&2
UV_CACHE_DIR="${UV_CACHE_DIR:-$CACHE/uv-cache}" \
  "$UV" pip install --quiet --no-deps --python "$venv/bin/python" -r "$REQ" >&2
"$venv/bin/python" -c 'import torch, transformers, peft, trl, datasets, accelerate, gguf, safetensors' >&2
touch "$venv/.complete"
log "ready in $(( $(date +%s) - start )) s: $(du -sh "$venv" | cut -f1)"
echo "$venv/bin/python"
