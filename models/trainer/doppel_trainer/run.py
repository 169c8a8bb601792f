"""Runs one training config end to end and reports through events."""

from __future__ import annotations

import json
import os
import time
import traceback
from typing import Any

from . import __version__, events
from .config import Config, ConfigError
from .data import DataError, load_sft
from .hardware import Proposal, detect, propose, shape_of
from .modelio import ModelError

# Exit codes (see CONTRACT.md).
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CONFIG = 2
EXIT_STOPPED = 3


def settings(cfg: Config, hw: Any) -> Proposal:
    """The proposal for this hardware, with every setting the config gives applied on top."""
    p = propose(hw, shape_of(cfg.base_model), cfg.backend)
    if cfg.batch_size:
        p.batch_size = cfg.batch_size
    if cfg.grad_accum:
        p.grad_accum = cfg.grad_accum
    if cfg.max_length:
        p.max_length = cfg.max_length
    if cfg.precision != "auto":
        p.precision = cfg.precision
    if cfg.quantization != "auto":
        p.quantization = cfg.quantization
    if cfg.gradient_checkpointing is not None:
        p.gradient_checkpointing = cfg.gradient_checkpointing
    return p


def classify(e: BaseException) -> str:
    msg = str(e).lower()
    name = type(e).__name__
    if name == "OutOfMemoryError" or isinstance(e, MemoryError) or "out of memory" in msg:
        return "oom"
    if isinstance(e, ConfigError):
        return "config"
    if isinstance(e, DataError):
        return "data"
    if isinstance(e, ModelError):
        return "model"
    if name in ("UnslothUnavailable", "MLXUnavailable"):
        return "backend"
    return "runtime"


def run(cfg: Config) -> int:
    from .reporting import STOP, install_signal_handlers

    install_signal_handlers()
    t0 = time.time()
    try:
        import torch

        if cfg.threads > 0:
            torch.set_num_threads(cfg.threads)
        hw = detect()
        p = settings(cfg, hw)
        events.emit("start", version=__version__, backend=p.backend, device=hw.device, hardware=hw.to_dict(),
                     settings=p.to_dict(), config=cfg.to_dict(), pid=os.getpid())
        train_rows, test_rows = load_sft(cfg.dataset_dir, cfg.max_eval_samples, cfg.seed)
        events.emit("dataset", train=len(train_rows), test=len(test_rows), path=cfg.dataset_dir)
        os.makedirs(cfg.output_dir, exist_ok=True)
        if p.backend == "unsloth":
            from . import unsloth_backend as backend
        elif p.backend == "mlx":
            from . import mlx_backend as backend  # type: ignore[no-redef]
        else:
            from . import peft_backend as backend  # type: ignore[no-redef]
        from transformers import set_seed

        set_seed(cfg.seed)
        result = backend.train(cfg, hw, p, train_rows, test_rows)
        result["backend"] = p.backend
        with open(os.path.join(cfg.output_dir, "result.json"), "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2)
        if STOP["requested"]:
            events.emit("stopped", step=result.get("steps"), checkpoint=result.get("checkpoint"),
                        duration_s=round(time.time() - t0, 1))
            return EXIT_STOPPED
        events.emit("done", **result)
        return EXIT_OK
    except KeyboardInterrupt:
        events.emit("error", kind="interrupted", message="stopped before a checkpoint could be written")
        return EXIT_STOPPED
    except BaseException as e:  # noqa: BLE001 - every failure is reported as an event
        kind = classify(e)
        traceback.print_exc()
        msg = str(e) or type(e).__name__
        events.emit("error", kind=kind, message=f"{type(e).__name__}: {msg}"[:2000])
        return EXIT_CONFIG if kind == "config" else EXIT_ERROR
