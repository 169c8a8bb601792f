"""JSON-lines events on stdout: the trainer's only output channel to Doppel.

Libraries print to stdout too (progress bars, warnings from C code), so at
start-up the real stdout file descriptor is kept for events and both the
Python-level and the OS-level stdout are pointed at stderr.
"""

from __future__ import annotations

import json
import math
import os
import sys
import threading
import time
from typing import Any, TextIO

_lock = threading.RLock()
_out: TextIO | None = None


def install() -> None:
    """Reserve the process's stdout for events; everything else goes to stderr."""
    global _out
    if _out is not None:
        return
    sys.stdout.flush()
    fd = os.dup(1)
    os.dup2(2, 1)
    _out = os.fdopen(fd, "w", buffering=1, encoding="utf-8")
    sys.stdout = sys.stderr


def _clean(v: Any) -> Any:
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    return v


def emit(event: str, **fields: Any) -> None:
    """Write one event line: {"event": ..., "time": unix seconds, ...fields}."""
    rec = {"event": event, "time": round(time.time(), 3)}
    rec.update({k: v for k, v in fields.items() if v is not None})
    line = json.dumps(_clean(rec), ensure_ascii=False, default=str)
    with _lock:
        out = _out if _out is not None else sys.stdout
        out.write(line + "\n")
        out.flush()


def log(message: str, level: str = "info") -> None:
    emit("log", level=level, message=message)
