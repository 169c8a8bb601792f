#!/usr/bin/env bash
# Feature pipeline benchmarks behind docs/bench/feature.md:
#  - indexing throughput (pipeline vs bare api Embed on the same chunks, same run)
#  - search latency p50/p95 per mode at 10k and 100k synthetic 384-d chunks, with peak RSS
# Needs a test Ollama with all-minilm:l6-v2: DOPPEL_TEST_OLLAMA_URL=http://127.0.0.1:PORT
set -euo pipefail
cd "$(dirname "$0")/.."
export DOPPEL_BENCH=1
go test -tags sqlite_fts5 -count=1 -run '^TestIndexThroughputBench$' -v ./backend/feature/ | grep '^BENCH'
go test -tags sqlite_fts5 -count=1 -timeout 20m -run '^TestSearchLatencyBench$' -v ./backend/search/ | grep '^BENCH'
