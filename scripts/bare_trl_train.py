"""Bare TRL baseline for docs/bench/train.md: the same LoRA SFT as Doppel's
trainer (same model folder, data, LoRA and batch settings), written as the
plain TRL script a user would write, printing tokens/s over the timed steps.

    python scripts/bare_trl_train.py MODEL_DIR EXPORT_DIR STEPS WARMUP_STEPS [BATCH [MAX_LEN]]
"""

import json
import sys
import time

import torch
from datasets import Dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
from trl import SFTConfig, SFTTrainer

model_dir, export, steps, warm = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rows = [json.loads(line) for line in open(f"{export}/train.jsonl", encoding="utf-8")]
ds = Dataset.from_list([{"prompt": r["messages"][:-1], "completion": r["messages"][-1:]} for r in rows])
tok = AutoTokenizer.from_pretrained(model_dir)
cuda = torch.cuda.is_available()
# The same precision Doppel's trainer proposes: bf16 on CUDA, fp32 on the CPU.
model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.bfloat16 if cuda else torch.float32)
batch, max_len = int(sys.argv[5]) if len(sys.argv) > 5 else 2, int(sys.argv[6]) if len(sys.argv) > 6 else 128


class Clock(TrainerCallback):
    def __init__(self):
        self.t = None
        self.tokens = 0

    def on_step_end(self, args, state, control, **kw):
        if state.global_step == warm:
            self.t, self.cpu, self.tokens = time.time(), time.process_time(), state.num_input_tokens_seen
        if state.global_step == steps:
            dt, dcpu = time.time() - self.t, time.process_time() - self.cpu
            n = state.num_input_tokens_seen - self.tokens
            print(json.dumps({"bare_tokens_per_s": n / dt, "bare_tokens_per_cpu_s": n / dcpu, "tokens": n,
                              "seconds": dt, "cpu_seconds": dcpu}), flush=True)


args = SFTConfig(output_dir="/tmp/bare-trl-out", per_device_train_batch_size=batch, gradient_accumulation_steps=1,
                 max_steps=steps, learning_rate=2e-4, lr_scheduler_type="cosine", logging_steps=1, save_strategy="no",
                 max_length=max_len, use_cpu=not cuda, bf16=cuda, gradient_checkpointing=False, report_to=[], disable_tqdm=True, include_num_input_tokens_seen=True,
                 seed=42, data_seed=42)
lora = LoraConfig(r=16, lora_alpha=32, lora_dropout=0.05, task_type="CAUSAL_LM",
                  target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
SFTTrainer(model=model, args=args, train_dataset=ds, processing_class=tok, peft_config=lora, callbacks=[Clock()]).train()
