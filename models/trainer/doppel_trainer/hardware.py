"""Hardware detection and the settings proposed for it.

``detect()`` looks at the accelerator and memory; ``propose()`` turns that and
the base model's shape into a batch size, gradient accumulation, precision,
quantization and max length that fit. Every proposal is only a default: the
config overrides each one.
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
from dataclasses import asdict, dataclass, field
from typing import Any

GiB = 1024**3


@dataclass
class Hardware:
    device: str  # cuda | mps | cpu
    name: str
    memory_total: int  # bytes usable for training (GPU memory, or system RAM)
    memory_available: int
    cpu_count: int
    bf16: bool = False
    backends: list[str] = field(default_factory=list)  # importable backends, best first

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ModelShape:
    params: int
    layers: int
    hidden: int
    context: int
    vocab: int = 0


@dataclass
class Proposal:
    backend: str
    batch_size: int
    grad_accum: int
    max_length: int
    precision: str
    quantization: str
    gradient_checkpointing: bool
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _system_memory() -> tuple[int, int]:
    try:
        import psutil

        vm = psutil.virtual_memory()
        return int(vm.total), int(vm.available)
    except ImportError:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        return pages, pages // 2


def importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def detect() -> Hardware:
    import torch

    total, avail = _system_memory()
    cpus = os.cpu_count() or 1
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        free, tot = torch.cuda.mem_get_info(0)
        hw = Hardware("cuda", props.name, int(tot), int(free), cpus, bool(torch.cuda.is_bf16_supported()))
        if importable("unsloth"):
            hw.backends.append("unsloth")
        hw.backends.append("peft")
        return hw
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        hw = Hardware("mps", platform.processor() or "Apple Silicon", total, avail, cpus, False)
        if importable("mlx_lm"):
            hw.backends.append("mlx")
        hw.backends.append("peft")
        return hw
    return Hardware("cpu", platform.processor() or platform.machine(), total, avail, cpus, False, ["peft"])


def shape_from_config(cfg: dict[str, Any]) -> ModelShape:
    layers = int(cfg.get("num_hidden_layers", 0))
    hidden = int(cfg.get("hidden_size", 0))
    inter = int(cfg.get("intermediate_size", 4 * hidden))
    vocab = int(cfg.get("vocab_size", 0))
    ctx = int(cfg.get("max_position_embeddings", 2048))
    params = layers * (4 * hidden * hidden + 3 * hidden * inter) + vocab * hidden
    return ModelShape(params, layers, hidden, ctx, vocab)


def shape_of(base: str) -> ModelShape | None:
    """Reads a base model's shape without loading its weights."""
    try:
        if base.endswith(".gguf") and os.path.isfile(base):
            from gguf import GGUFReader

            r = GGUFReader(base)
            arch = _field(r, "general.architecture") or "llama"
            params = sum(int(t.n_elements) for t in r.tensors)
            return ModelShape(
                params,
                int(_field(r, f"{arch}.block_count") or 0),
                int(_field(r, f"{arch}.embedding_length") or 0),
                int(_field(r, f"{arch}.context_length") or 2048),
            )
        cfgp = os.path.join(base, "config.json")
        if os.path.isfile(cfgp):
            with open(cfgp, encoding="utf-8") as f:
                return shape_from_config(json.load(f))
    except Exception:  # noqa: BLE001 - a shape is a hint; without it the proposal is conservative
        return None
    return None


def _field(reader: Any, key: str) -> Any:
    f = reader.fields.get(key)
    if f is None:
        return None
    v = f.parts[f.data[0]]
    if f.types and f.types[0].name == "STRING":
        return bytes(v).decode("utf-8")
    return v[0] if len(v) else None


def _pow2_floor(n: float) -> int:
    p = 1
    while p * 2 <= n:
        p *= 2
    return p


def propose(hw: Hardware, shape: ModelShape | None, requested_backend: str = "auto") -> Proposal:
    reasons: list[str] = []
    backend = requested_backend if requested_backend != "auto" else (hw.backends[0] if hw.backends else "peft")
    if requested_backend == "auto":
        reasons.append(f"backend {backend}: best available on {hw.device} ({', '.join(hw.backends)})")
    shape = shape or ModelShape(params=500_000_000, layers=24, hidden=1024, context=2048)

    if hw.device == "cuda":
        precision = "bf16" if hw.bf16 else "fp16"
    else:
        precision = "fp32"
    wbytes = {"fp32": 4, "bf16": 2, "fp16": 2}[precision]
    quant = "none"
    weights = shape.params * wbytes
    if hw.device == "cuda" and weights > 0.4 * hw.memory_total and (importable("bitsandbytes") or backend == "unsloth"):
        quant = "4bit"
        weights = shape.params // 2 + shape.params // 16
        reasons.append("4-bit base: 16-bit weights would take over 40% of GPU memory")
    reasons.append(f"precision {precision} on {hw.device}")

    if hw.device == "cpu":
        max_len = 256
        reasons.append("max length 256: CPU steps stay short")
    elif hw.device == "mps":
        max_len = 1024
    else:
        max_len = 2048 if hw.memory_total >= 16 * GiB else 1024
    max_len = min(max_len, shape.context or max_len)

    # Budget: what is left after weights (+ LoRA states, a few %) with a safety margin.
    mem = hw.memory_total if hw.device == "cuda" else min(hw.memory_total, hw.memory_available)
    budget = max(0.0, 0.7 * mem - weights * 1.1)
    act_per_token = max(1, shape.layers) * max(1, shape.hidden) * 20 * wbytes
    per_seq = act_per_token * max_len
    ckpt = False
    fit = budget / per_seq if per_seq else 1
    if fit < 2 and hw.device != "cpu":
        ckpt = True
        fit = budget / (per_seq / 6)
        reasons.append("gradient checkpointing: activations would not fit otherwise")
    target = 8 if hw.device == "cuda" else 4
    batch = max(1, min(target, _pow2_floor(fit))) if fit >= 1 else 1
    if hw.device == "cpu":
        batch = min(batch, 2)
    accum = max(1, target // batch)
    reasons.append(f"batch {batch} x accumulation {accum} (~{budget / GiB:.1f} GiB for activations)")
    return Proposal(backend, batch, accum, max_len, precision, quant, ckpt, reasons)
