"""Reading a Doppel dataset export (train.jsonl, test.jsonl, README.md)."""

from __future__ import annotations

import json
import os
from typing import Any

ROLES = ("system", "user", "assistant")


class DataError(ValueError):
    """A dataset export that cannot be trained on; reported as kind "data"."""


def read_jsonl(path: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    try:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise DataError(f"{path}:{n}: not JSON: {e.msg}") from e
    except OSError as e:
        raise DataError(f"read {path}: {e}") from e
    return rows


def check_messages(rows: list[dict[str, Any]], path: str) -> None:
    for n, r in enumerate(rows, 1):
        msgs = r.get("messages") if isinstance(r, dict) else None
        if not isinstance(msgs, list) or not msgs:
            raise DataError(f"{path}: sample {n} has no messages list")
        for m in msgs:
            if not isinstance(m, dict) or m.get("role") not in ROLES or not isinstance(m.get("content"), str):
                raise DataError(f"{path}: sample {n}: each message needs a role (system|user|assistant) and string content")
        if msgs[-1]["role"] != "assistant":
            raise DataError(f"{path}: sample {n} does not end with an assistant message")


def to_prompt_completion(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Splits each conversation before its last assistant turn, so that the
    loss is computed on the author's own text only (TRL's completion-only loss)."""
    return [{"prompt": r["messages"][:-1], "completion": r["messages"][-1:]} for r in rows]


def load_sft(dataset_dir: str, max_eval: int, seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    train_p = os.path.join(dataset_dir, "train.jsonl")
    if not os.path.isfile(train_p):
        raise DataError(f"{dataset_dir}: no train.jsonl (is this a Doppel dataset export?)")
    train = read_jsonl(train_p)
    if not train:
        raise DataError(f"{train_p}: no samples")
    check_messages(train, train_p)
    test_p = os.path.join(dataset_dir, "test.jsonl")
    test: list[dict[str, Any]] = []
    if os.path.isfile(test_p):
        test = read_jsonl(test_p)
        check_messages(test, test_p)
    return to_prompt_completion(train), to_prompt_completion(test[:max_eval])


def load_preference(dataset_dir: str) -> list[dict[str, Any]]:
    p = os.path.join(dataset_dir, "train.jsonl")
    rows = read_jsonl(p)
    for n, r in enumerate(rows, 1):
        if not all(isinstance(r.get(k), (str, list)) for k in ("prompt", "chosen", "rejected")):
            raise DataError(f"{p}: sample {n} needs prompt, chosen and rejected")
    if not rows:
        raise DataError(f"{p}: no samples")
    return rows
