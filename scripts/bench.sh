#!/usr/bin/env bash
# Runs every benchmark script (scripts/bench-*.sh) and prints their tables.
# docs/benchmarks.md records the results with these commands.
set -euo pipefail
cd "$(dirname "$0")/.."
for b in scripts/bench-*.sh; do
  echo "## $b"
  "$b"
  echo
done
