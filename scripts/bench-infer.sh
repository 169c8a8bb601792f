#!/usr/bin/env bash
# Inference benchmark for docs/bench/infer.md: prompt assembly time, the
# twin's time to first token against a direct Ollama chat with the same final
# prompt (same run), and 10 concurrent streamed chats.
#   DOPPEL_TEST_OLLAMA_URL=http://127.0.0.1:11500 scripts/bench-infer.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DOPPEL_TEST_OLLAMA_URL:?set DOPPEL_TEST_OLLAMA_URL to a running Ollama with the test chat model}"
DOPPEL_BENCH=1 go test -tags sqlite_fts5 -count=1 -timeout 20m -run '^TestInferBench$' -v ./backend/server/ 2>&1 \
  | sed -n '/| measure/,/raw direct/p' | sed 's/^ *//'
