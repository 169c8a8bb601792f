#!/usr/bin/env bash
# Dataset builder benchmarks behind docs/bench/dataset.md:
#  - llm generation: the llm generator (a full Build) vs a bare loop of concurrent
#    api Chat calls on the same prompts, interleaved bare/pipeline in ABBA rounds in
#    one process; per-round ratios (median, range) and pooled totals
#  - heuristic build of 10,000 documents vs reading and cutting them
#  - export of 50,000 samples vs a bare select + marshal + write
# The llm part needs a test Ollama with smollm2:135m (DOPPEL_TEST_OLLAMA_URL) and takes
# 3-6 minutes on 2 shared cores; DOPPEL_BENCH_N (extracts per run, default 12) and
# DOPPEL_BENCH_ROUNDS (default 4) trade time for a tighter median.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${DOPPEL_TEST_OLLAMA_URL:-}" ]; then
  go test -tags sqlite_fts5 -count=1 -timeout 40m -run '^$' -bench '^BenchmarkLLMThroughput$' -benchtime 1x ./backend/dataset/ \
    | grep -E 'Benchmark|round|all|extracts'
else
  echo "llm generation: skipped (set DOPPEL_TEST_OLLAMA_URL)"
fi
go test -tags sqlite_fts5 -count=1 -timeout 20m -run '^$' -bench 'HeuristicBuild10k|HeuristicBaseline10k|Export50k|ExportBaseline50k' -benchtime 1x ./backend/dataset/ \
  | grep -E '^Benchmark'
