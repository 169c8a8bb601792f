"""The MLX backend (Apple Silicon): mlx-lm's LoRA trainer, run as
`python -m mlx_lm lora`, its report lines turned into contract events, then
`mlx_lm fuse --dequantize` to merge the adapter into a safetensors folder.

Not exercised by CI (no Apple Silicon there); parse_line is unit-tested."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from typing import Any

from . import events
from .config import Config
from .hardware import Hardware, Proposal

_TRAIN = re.compile(r"Iter (\d+): Train loss ([0-9.eE+-]+|nan), Learning Rate ([0-9.eE+-]+), It/sec ([0-9.eE+-]+), "
                    r"Tokens/sec ([0-9.eE+-]+), Trained Tokens (\d+), Peak mem ([0-9.]+) GB")
_VAL = re.compile(r"Iter (\d+): Val loss ([0-9.eE+-]+|nan)")
_SAVE = re.compile(r"Iter (\d+): Saved adapter weights to (\S+?)(?: and (\S+))?\.?$")


class MLXUnavailable(RuntimeError):
    pass


def parse_line(line: str, total: int) -> dict[str, Any] | None:
    """Turns one mlx_lm.lora report line into an event dict, or None."""
    if m := _TRAIN.search(line):
        step = int(m.group(1))
        its = float(m.group(4))
        return {"event": "step", "phase": "sft", "step": step, "total_steps": total, "loss": float(m.group(2)),
                "learning_rate": float(m.group(3)), "tokens_per_s": float(m.group(5)), "tokens_seen": int(m.group(6)),
                "memory": int(float(m.group(7)) * 1024**3), "eta_s": round((total - step) / its, 1) if its > 0 else None}
    if m := _VAL.search(line):
        return {"event": "eval", "phase": "sft", "step": int(m.group(1)), "eval_loss": float(m.group(2))}
    if m := _SAVE.search(line):
        return {"event": "checkpoint", "phase": "sft", "step": int(m.group(1)), "path": m.group(3) or m.group(2)}
    return None


def train(cfg: Config, hw: Hardware, p: Proposal, train_rows: list, test_rows: list) -> dict[str, Any]:
    from .hardware import importable

    if not importable("mlx_lm"):
        raise MLXUnavailable("mlx-lm is not installed in the trainer environment (Apple Silicon only)")
    t0 = time.time()
    base = cfg.base_model
    if base.endswith(".gguf"):
        from .modelio import _gguf_key, load_base
        from .peft_backend import torch_dtype

        cache = cfg.base_cache_dir or os.path.join(cfg.output_dir, "base")
        load_base(base, torch_dtype("fp32"), cache)
        base = os.path.join(cache, _gguf_key(cfg.base_model))
    data = os.path.join(cfg.output_dir, "mlx-data")
    os.makedirs(data, exist_ok=True)
    for name, rows in (("train", train_rows), ("valid", test_rows or train_rows[:4])):
        with open(os.path.join(data, name + ".jsonl"), "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps({"messages": r["prompt"] + r["completion"]}, ensure_ascii=False) + "\n")
    iters = cfg.max_steps if cfg.max_steps > 0 else max(1, int(cfg.epochs * len(train_rows) / p.batch_size))
    adapter = os.path.join(cfg.output_dir, "adapter")
    cmd = [sys.executable, "-m", "mlx_lm", "lora", "--model", base, "--train", "--data", data,
           "--iters", str(iters), "--batch-size", str(p.batch_size), "--learning-rate", str(cfg.learning_rate),
           "--adapter-path", adapter, "--max-seq-length", str(p.max_length), "--steps-per-report", str(cfg.logging_steps),
           "--steps-per-eval", str(cfg.eval_steps or iters), "--save-every", str(cfg.save_steps), "--seed", str(cfg.seed),
           "--mask-prompt", "--num-layers", "-1"]
    resume = os.path.join(adapter, "adapters.safetensors")
    if cfg.resume_from and os.path.isfile(resume):
        cmd += ["--resume-adapter-file", resume]
    events.emit("phase", phase="sft", step=0, total_steps=iters)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    last: dict[str, Any] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        print(line, end="", file=sys.stderr)
        ev = parse_line(line, iters)
        if ev:
            kind = ev.pop("event")
            events.emit(kind, **ev)
            if kind == "step":
                last = ev
    if proc.wait() != 0:
        raise RuntimeError(f"mlx_lm lora exited with status {proc.returncode}")
    result: dict[str, Any] = {"steps": last.get("step", iters), "total_steps": iters, "train_loss": last.get("loss"),
                              "adapter_dir": adapter}
    if cfg.merge:
        events.emit("phase", phase="merging")
        merged = os.path.join(cfg.output_dir, "merged")
        subprocess.run([sys.executable, "-m", "mlx_lm", "fuse", "--model", base, "--adapter-path", adapter,
                        "--save-path", merged, "--dequantize"], check=True, stdout=sys.stderr)
        result["merged_dir"] = merged
        events.emit("artifact", kind="merged", path=merged)
    result["duration_s"] = round(time.time() - t0, 1)
    return result
