"""The PEFT + TRL backend: SFT with LoRA (QLoRA with a 4-bit base on CUDA),
then optional DPO, on any torch device including the CPU."""

from __future__ import annotations

import os
import time
from typing import Any

from . import events
from .config import Config
from .hardware import Hardware, Proposal
from .modelio import ensure_pad, load_base, save_for_ollama
from .reporting import STOP, Reporter

DEFAULT_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def torch_dtype(precision: str):  # noqa: ANN201
    import torch

    return {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[precision]


def checkpoint_dir(cfg: Config) -> str:
    return os.path.join(cfg.output_dir, "checkpoints")


def resolve_resume(cfg: Config) -> str | None:
    if not cfg.resume_from:
        return None
    if cfg.resume_from == "last":
        from transformers.trainer_utils import get_last_checkpoint

        d = checkpoint_dir(cfg)
        last = get_last_checkpoint(d) if os.path.isdir(d) else None
        if last is None:
            events.log(f"no checkpoint in {d}; starting from the beginning", "warning")
        return last
    if not os.path.isdir(cfg.resume_from):
        from .config import ConfigError

        raise ConfigError(f"resume_from {cfg.resume_from}: no such checkpoint folder")
    return cfg.resume_from


def sft_args(cfg: Config, hw: Hardware, p: Proposal, eval_ds: Any):  # noqa: ANN201
    from trl import SFTConfig

    return SFTConfig(
        output_dir=checkpoint_dir(cfg),
        per_device_train_batch_size=p.batch_size,
        per_device_eval_batch_size=p.batch_size,
        gradient_accumulation_steps=p.grad_accum,
        max_steps=cfg.max_steps,
        num_train_epochs=cfg.epochs,
        learning_rate=cfg.learning_rate,
        lr_scheduler_type=cfg.lr_scheduler,
        warmup_steps=cfg.warmup_steps,
        weight_decay=cfg.weight_decay,
        logging_steps=cfg.logging_steps,
        save_strategy="steps",
        save_steps=cfg.save_steps,
        save_total_limit=cfg.save_total_limit,
        eval_strategy="steps" if (cfg.eval_steps and eval_ds is not None) else "no",
        eval_steps=cfg.eval_steps or None,
        max_length=p.max_length,
        packing=False,
        bf16=p.precision == "bf16",
        fp16=p.precision == "fp16",
        use_cpu=hw.device == "cpu",
        gradient_checkpointing=p.gradient_checkpointing,
        seed=cfg.seed,
        data_seed=cfg.seed,
        report_to=[],
        disable_tqdm=True,
        include_num_input_tokens_seen=True,
        dataloader_num_workers=0,
        dataset_num_proc=None,
        save_only_model=False,
    )


def lora_config(cfg: Config, num_layers: int = 0):  # noqa: ANN201
    from peft import LoraConfig

    layers = None
    if cfg.lora.last_layers and num_layers:
        n = min(cfg.lora.last_layers, num_layers)
        layers = list(range(num_layers - n, num_layers))
    return LoraConfig(
        layers_to_transform=layers,
        r=cfg.lora.r,
        lora_alpha=cfg.lora.alpha,
        lora_dropout=cfg.lora.dropout,
        target_modules=cfg.lora.target_modules or DEFAULT_TARGETS,
        bias="none",
        task_type="CAUSAL_LM",
    )


def load(cfg: Config, hw: Hardware, p: Proposal):  # noqa: ANN201
    qcfg = None
    if p.quantization == "4bit":
        import torch
        from transformers import BitsAndBytesConfig

        qcfg = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16 if p.precision == "bf16" else torch.float16,
        )
    model, tok, source = load_base(cfg.base_model, torch_dtype(p.precision), cfg.base_cache_dir, quantization_config=qcfg)
    ensure_pad(tok)
    if qcfg is not None:
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=p.gradient_checkpointing)
    return model, tok, source


def run_sft(cfg: Config, hw: Hardware, p: Proposal, model: Any, tok: Any, train: list, test: list, peft_config: Any):  # noqa: ANN201
    """Runs SFT; returns (trainer, stopped_early)."""
    from datasets import Dataset
    from trl import SFTTrainer

    train_ds = Dataset.from_list(train)
    eval_ds = Dataset.from_list(test) if test else None
    trainer = SFTTrainer(
        model=model,
        args=sft_args(cfg, hw, p, eval_ds),
        train_dataset=train_ds,
        eval_dataset=eval_ds,
        processing_class=tok,
        peft_config=peft_config,
        callbacks=[Reporter("sft")],
    )
    resume = resolve_resume(cfg)
    if resume:
        events.log(f"resuming from {resume}")
    trainer.train(resume_from_checkpoint=resume)
    return trainer, STOP["requested"]


def run_dpo(cfg: Config, hw: Hardware, p: Proposal, model: Any, tok: Any, step_offset: int):  # noqa: ANN201
    from datasets import Dataset
    from trl import DPOConfig, DPOTrainer

    from .data import load_preference

    rows = load_preference(cfg.dpo.dataset_dir)
    args = DPOConfig(
        output_dir=os.path.join(cfg.output_dir, "dpo-checkpoints"),
        per_device_train_batch_size=p.batch_size,
        gradient_accumulation_steps=p.grad_accum,
        max_steps=cfg.dpo.max_steps,
        num_train_epochs=cfg.dpo.epochs,
        learning_rate=cfg.dpo.learning_rate,
        beta=cfg.dpo.beta,
        max_length=p.max_length,
        logging_steps=cfg.logging_steps,
        save_strategy="no",
        bf16=p.precision == "bf16",
        fp16=p.precision == "fp16",
        use_cpu=hw.device == "cpu",
        report_to=[],
        disable_tqdm=True,
        include_num_input_tokens_seen=True,
        seed=cfg.seed,
    )
    trainer = DPOTrainer(model=model, args=args, train_dataset=Dataset.from_list(rows), processing_class=tok,
                         callbacks=[Reporter("dpo", step_offset)])
    trainer.train()
    return trainer


def finish(cfg: Config, hw: Hardware, p: Proposal, trainer: Any, tok: Any, source: str, t0: float,
           stopped: bool, merge_fn: Any = None) -> dict[str, Any]:
    """Evaluates, saves the adapter and the merged model, and returns the result."""
    state = trainer.state
    losses = [h["loss"] for h in state.log_history if "loss" in h]
    result: dict[str, Any] = {
        "steps": state.global_step,
        "total_steps": state.max_steps,
        "train_loss": losses[-1] if losses else None,
        "first_loss": losses[0] if losses else None,
        "tokens_seen": int(getattr(state, "num_input_tokens_seen", 0) or 0),
    }
    if stopped:
        from transformers.trainer_utils import get_last_checkpoint

        result["checkpoint"] = get_last_checkpoint(checkpoint_dir(cfg))
        return result
    if trainer.eval_dataset is not None:
        events.emit("phase", phase="evaluating")
        ev = trainer.evaluate()
        result["eval_loss"] = ev.get("eval_loss")
    if cfg.dpo.dataset_dir:
        events.emit("phase", phase="dpo")
        trainer = run_dpo(cfg, hw, p, trainer.model, tok, state.global_step)
    events.emit("phase", phase="saving")
    adapter = os.path.join(cfg.output_dir, "adapter")
    trainer.model.save_pretrained(adapter)
    tok.save_pretrained(adapter)
    result["adapter_dir"] = adapter
    events.emit("artifact", kind="adapter", path=adapter)
    if cfg.merge:
        events.emit("phase", phase="merging")
        merged_dir = os.path.join(cfg.output_dir, "merged")
        lineage = {"base_model": cfg.base_model, "base_name": cfg.base_name, "dataset_dir": cfg.dataset_dir,
                   "backend": p.backend, "steps": state.global_step, "loaded_from": source}
        if merge_fn is not None:
            merge_fn(trainer.model, tok, merged_dir, lineage)
        else:
            merged = trainer.model.merge_and_unload()
            save_for_ollama(merged, tok, merged_dir, lineage)
        result["merged_dir"] = merged_dir
        events.emit("artifact", kind="merged", path=merged_dir)
    result["duration_s"] = round(time.time() - t0, 1)
    return result


def train(cfg: Config, hw: Hardware, p: Proposal, train_rows: list, test_rows: list) -> dict[str, Any]:
    t0 = time.time()
    events.emit("phase", phase="loading", base_model=cfg.base_model)
    model, tok, source = load(cfg, hw, p)
    trainer, stopped = run_sft(cfg, hw, p, model, tok, train_rows, test_rows, lora_config(cfg, int(getattr(model.config, "num_hidden_layers", 0) or 0)))
    return finish(cfg, hw, p, trainer, tok, source, t0, stopped)
