"""The trainer's JSON config (see ../CONTRACT.md)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any


class ConfigError(ValueError):
    """A config that cannot be run; reported as an error event of kind "config"."""


@dataclass
class LoRA:
    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    # Empty means every linear projection of the attention and MLP blocks.
    target_modules: list[str] = field(default_factory=list)
    # Adapt only the last N transformer layers (0 = all). Fewer layers also
    # means a shorter backward pass: the CPU tests use this.
    last_layers: int = 0


@dataclass
class DPO:
    # A preference export (train.jsonl with prompt/chosen/rejected); empty = no DPO.
    dataset_dir: str = ""
    beta: float = 0.1
    max_steps: int = -1
    epochs: float = 1.0
    learning_rate: float = 5e-6


@dataclass
class Config:
    # A GGUF file, a Hugging Face model folder, or a hub repo id (needs its cache).
    base_model: str = ""
    # The Ollama/catalog name of the base, for lineage only.
    base_name: str = ""
    # A dataset export: train.jsonl (+ test.jsonl) in the messages format.
    dataset_dir: str = ""
    output_dir: str = ""
    backend: str = "auto"  # auto | peft | unsloth | mlx
    # "" (fresh), "last" (newest checkpoint in output_dir/checkpoints) or a checkpoint folder.
    resume_from: str = ""
    max_steps: int = -1
    epochs: float = 1.0
    # None = proposed by hardware detection.
    batch_size: int | None = None
    grad_accum: int | None = None
    max_length: int | None = None
    precision: str = "auto"  # auto | fp32 | bf16 | fp16
    quantization: str = "auto"  # auto | none | 4bit
    gradient_checkpointing: bool | None = None
    learning_rate: float = 2e-4
    lr_scheduler: str = "cosine"
    warmup_steps: int = 0
    weight_decay: float = 0.0
    logging_steps: int = 1
    save_steps: int = 20
    save_total_limit: int = 2
    eval_steps: int = 0  # 0 = evaluate at the end only
    seed: int = 42
    threads: int = 0  # CPU threads for torch; 0 = torch's default
    lora: LoRA = field(default_factory=LoRA)
    dpo: DPO = field(default_factory=DPO)
    merge: bool = True
    # Where a dequantized GGUF base is kept as safetensors for the next run; "" = no cache.
    base_cache_dir: str = ""
    # Held back from training to measure eval loss when the export has no test.jsonl.
    max_eval_samples: int = 64

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _build(cls: type, data: dict[str, Any], where: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected an object")
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {', '.join(unknown)}")
    kw: dict[str, Any] = {}
    for k, v in data.items():
        if k == "lora":
            kw[k] = _build(LoRA, v, "lora")
        elif k == "dpo":
            kw[k] = _build(DPO, v, "dpo")
        else:
            kw[k] = v
    return cls(**kw)


def parse(data: dict[str, Any]) -> Config:
    cfg = _build(Config, data, "config")
    validate(cfg)
    return cfg


def load(path: str) -> Config:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as e:
        raise ConfigError(f"read config {path}: {e}") from e
    except json.JSONDecodeError as e:
        raise ConfigError(f"config {path} is not JSON: {e}") from e
    return parse(data)


def validate(c: Config) -> None:
    if not c.base_model:
        raise ConfigError("base_model is required")
    if not c.dataset_dir:
        raise ConfigError("dataset_dir is required")
    if not c.output_dir:
        raise ConfigError("output_dir is required")
    if c.backend not in ("auto", "peft", "unsloth", "mlx"):
        raise ConfigError(f"backend {c.backend!r}: want auto, peft, unsloth or mlx")
    if c.precision not in ("auto", "fp32", "bf16", "fp16"):
        raise ConfigError(f"precision {c.precision!r}: want auto, fp32, bf16 or fp16")
    if c.quantization not in ("auto", "none", "4bit"):
        raise ConfigError(f"quantization {c.quantization!r}: want auto, none or 4bit")
    for name in ("batch_size", "grad_accum", "max_length"):
        v = getattr(c, name)
        if v is not None and (not isinstance(v, int) or v < 1):
            raise ConfigError(f"{name} must be a positive integer, got {v!r}")
    if c.max_steps == 0 or c.max_steps < -1:
        raise ConfigError(f"max_steps must be -1 (use epochs) or positive, got {c.max_steps}")
    if c.max_steps == -1 and not c.epochs > 0:
        raise ConfigError(f"epochs must be positive, got {c.epochs}")
    if not c.learning_rate > 0:
        raise ConfigError(f"learning_rate must be positive, got {c.learning_rate}")
    if c.lora.r < 1 or c.lora.alpha < 1:
        raise ConfigError("lora.r and lora.alpha must be positive")
    if not 0 <= c.lora.dropout < 1:
        raise ConfigError("lora.dropout must be in [0, 1)")
    if c.save_steps < 1:
        raise ConfigError("save_steps must be positive")
