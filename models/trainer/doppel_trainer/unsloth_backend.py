"""The Unsloth backend (NVIDIA GPUs): Unsloth's patched model and LoRA, then
the same TRL SFT loop, events and merge as the PEFT backend."""

from __future__ import annotations

import os
import time
from typing import Any

from . import events
from .config import Config
from .hardware import Hardware, Proposal
from .modelio import _check_tokenizer, ensure_pad, load_base
from .peft_backend import DEFAULT_TARGETS, finish, run_sft, torch_dtype


class UnslothUnavailable(RuntimeError):
    pass


def available() -> bool:
    from .hardware import importable

    return importable("unsloth")


def train(cfg: Config, hw: Hardware, p: Proposal, train_rows: list, test_rows: list) -> dict[str, Any]:
    if hw.device != "cuda":
        raise UnslothUnavailable("the unsloth backend needs an NVIDIA GPU (CUDA); use backend peft")
    try:
        from unsloth import FastLanguageModel  # noqa: I001 - must be imported before transformers patches
    except ImportError as e:
        raise UnslothUnavailable(f"unsloth is not installed in the trainer environment: {e}") from e
    t0 = time.time()
    events.emit("phase", phase="loading", base_model=cfg.base_model)
    base = cfg.base_model
    if base.endswith(".gguf"):
        # Unsloth loads folders or hub ids: dequantize the GGUF into the cache first.
        cache = cfg.base_cache_dir or os.path.join(cfg.output_dir, "base")
        load_base(base, torch_dtype("fp32"), cache)
        from .modelio import _gguf_key

        base = os.path.join(cache, _gguf_key(cfg.base_model))
    model, tok = FastLanguageModel.from_pretrained(
        model_name=base,
        max_seq_length=p.max_length,
        dtype=None,
        load_in_4bit=p.quantization == "4bit",
    )
    ensure_pad(tok)
    model = FastLanguageModel.get_peft_model(
        model,
        r=cfg.lora.r,
        lora_alpha=cfg.lora.alpha,
        lora_dropout=cfg.lora.dropout,
        target_modules=cfg.lora.target_modules or DEFAULT_TARGETS,
        use_gradient_checkpointing="unsloth" if p.gradient_checkpointing else False,
        random_state=cfg.seed,
    )
    trainer, stopped = run_sft(cfg, hw, p, model, tok, train_rows, test_rows, None)

    def merge(m: Any, t: Any, out: str, lineage: dict[str, Any]) -> None:
        import json
        import shutil

        tmp = out + ".partial"
        shutil.rmtree(tmp, ignore_errors=True)
        m.save_pretrained_merged(tmp, t, save_method="merged_16bit")
        _check_tokenizer(tmp, t)
        with open(os.path.join(tmp, "doppel.json"), "w", encoding="utf-8") as f:
            json.dump(lineage, f, indent=2)
        shutil.rmtree(out, ignore_errors=True)
        os.replace(tmp, out)

    return finish(cfg, hw, p, trainer, tok, base, t0, stopped, merge_fn=merge)
