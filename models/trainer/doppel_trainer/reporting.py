"""A transformers TrainerCallback that turns Trainer state into contract
events, honours a graceful stop (SIGTERM) by checkpointing first, and
injects faults for Doppel's failure-path tests (DOPPEL_TRAINER_FAULT)."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

from transformers import TrainerCallback

from . import events

# Set by the SIGTERM handler; the callback stops training after the current
# step and saves a checkpoint so the run can be resumed.
STOP = {"requested": False, "signal": 0}


def install_signal_handlers() -> None:
    def handler(signum: int, _frame: Any) -> None:
        if STOP["requested"]:
            raise KeyboardInterrupt  # a second signal: give up now
        # Only flags here: the handler runs between any two bytecodes of the
        # main thread, which may hold the event writer's lock.
        STOP["requested"] = True
        STOP["signal"] = signum

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def memory_bytes() -> int | None:
    try:
        import torch

        if torch.cuda.is_available():
            return int(torch.cuda.max_memory_allocated())
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return int(torch.mps.current_allocated_memory())
    except Exception:  # noqa: BLE001 - memory is informational
        pass
    try:
        import psutil

        return int(psutil.Process().memory_info().rss)
    except Exception:  # noqa: BLE001
        return None


def _fault() -> tuple[str, int]:
    spec = os.environ.get("DOPPEL_TRAINER_FAULT", "")
    if "@" not in spec:
        return "", 0
    kind, _, step = spec.partition("@")
    try:
        return kind, int(step)
    except ValueError:
        return "", 0


class Reporter(TrainerCallback):
    def __init__(self, phase: str, step_offset: int = 0) -> None:
        self.phase = phase
        self.offset = step_offset
        self.t0 = 0.0
        self.first_step = 0
        self.last_t = 0.0
        self.last_tokens = 0
        self.tps: float | None = None
        self.fault = _fault()
        self.announced = False

    def on_train_begin(self, args, state, control, **kw):  # noqa: ANN001
        self.t0 = self.last_t = time.time()
        self.first_step = state.global_step
        self.last_tokens = int(getattr(state, "num_input_tokens_seen", 0) or 0)
        events.emit("phase", phase=self.phase, step=state.global_step, total_steps=state.max_steps)

    def on_step_end(self, args, state, control, **kw):  # noqa: ANN001
        now = time.time()
        tokens = int(getattr(state, "num_input_tokens_seen", 0) or 0)
        dt = now - self.last_t
        if dt > 0 and tokens > self.last_tokens:
            self.tps = (tokens - self.last_tokens) / dt
        self.last_t, self.last_tokens = now, tokens
        kind, at = self.fault
        if kind and state.global_step == at:
            self._inject(kind)
        if STOP["requested"]:
            if not self.announced:
                self.announced = True
                events.emit("stopping", signal=STOP["signal"], step=state.global_step,
                            message="checkpointing at this step, then stopping")
            control.should_save = True
            control.should_training_stop = True
        return control

    def _inject(self, kind: str) -> None:
        import sys

        print(f"DOPPEL_TRAINER_FAULT: injecting {kind}", file=sys.stderr, flush=True)
        if kind == "abort":
            os.abort()
        if kind == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if kind == "oom":
            import torch

            raise torch.OutOfMemoryError("injected: CUDA out of memory. Tried to allocate 2.00 GiB")
        if kind == "error":
            raise RuntimeError("injected trainer error")

    def _eta(self, state) -> float | None:  # noqa: ANN001
        done = state.global_step - self.first_step
        if done <= 0 or state.max_steps <= 0:
            return None
        per = (time.time() - self.t0) / done
        return round(per * (state.max_steps - state.global_step), 1)

    def on_log(self, args, state, control, logs=None, **kw):  # noqa: ANN001
        logs = logs or {}
        if "loss" in logs:
            events.emit(
                "step",
                phase=self.phase,
                step=state.global_step + self.offset,
                total_steps=state.max_steps + self.offset,
                epoch=round(float(logs.get("epoch", state.epoch or 0)), 4),
                loss=float(logs["loss"]),
                learning_rate=logs.get("learning_rate"),
                grad_norm=logs.get("grad_norm"),
                tokens_per_s=round(self.tps, 1) if self.tps else None,
                tokens_seen=int(getattr(state, "num_input_tokens_seen", 0) or 0),
                memory=memory_bytes(),
                eta_s=self._eta(state),
                cpu_s=round(time.process_time(), 3),
            )
        if "eval_loss" in logs:
            events.emit("eval", phase=self.phase, step=state.global_step + self.offset, eval_loss=float(logs["eval_loss"]))

    def on_save(self, args, state, control, **kw):  # noqa: ANN001
        path = os.path.join(args.output_dir, f"checkpoint-{state.global_step}")
        events.emit("checkpoint", phase=self.phase, step=state.global_step + self.offset, path=path)
