#!/usr/bin/env bash
# Runs the Python trainer tests (models/trainer/tests) with pytest in the
# trainer environment (created by scripts/setup-trainer.sh if missing).
#   scripts/test-trainer.sh [RESULT.xml]   JUnit XML report when given
set -euo pipefail
cd "$(dirname "$0")/.."
PY="$(./scripts/setup-trainer.sh)"
args=(-q -p no:cacheprovider)
[[ -n "${1:-}" ]] && args+=("--junitxml=$1")
cd models/trainer
PYTHONPATH="$PWD" exec "$PY" -m pytest "${args[@]}" tests
