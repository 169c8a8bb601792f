"""Loss and perplexity of several models on one dataset's test split.

Only the author's own text (the last assistant turn) is scored, exactly as
training computes its loss, so the numbers of a base model, the accepted twin
and a new candidate are comparable. Reads a JSON config:

    {"dataset_dir": "...", "models": [{"role": "candidate", "path": "..."}, ...],
     "max_eval_samples": 64, "max_length": 512, "base_cache_dir": "...", "threads": 0}

and writes JSON-line events: one `model_loss` per model (or `model_error`
when a model cannot be loaded), then `done`.
"""

from __future__ import annotations

import json
import math
import os
import time
from typing import Any

from . import events
from .data import DataError, check_messages, read_jsonl
from .modelio import ModelError, ensure_pad, load_base


def test_rows(dataset_dir: str, limit: int) -> list[dict[str, Any]]:
    p = os.path.join(dataset_dir, "test.jsonl")
    if not os.path.isfile(p):
        raise DataError(f"{dataset_dir}: no test.jsonl (export the dataset with a test split)")
    rows = read_jsonl(p)
    check_messages(rows, p)
    if not rows:
        raise DataError(f"{p}: no samples")
    return rows[:limit] if limit > 0 else rows


def encode(tok: Any, messages: list[dict[str, str]], max_length: int) -> tuple[list[int], int]:
    """Token ids of the whole conversation and how many of them are prompt.

    The prompt is rendered with the generation prompt, so the scored tokens
    are the assistant's text and its end-of-turn marker (what the model has
    to produce)."""
    prompt = tok.apply_chat_template(messages[:-1], add_generation_prompt=True, tokenize=False)
    full = tok.apply_chat_template(messages, tokenize=False)
    if not full.startswith(prompt):  # an unusual template: score the raw answer after the prompt
        full = prompt + messages[-1]["content"] + (tok.eos_token or "")
    p_ids = tok(prompt, add_special_tokens=False)["input_ids"]
    c_ids = tok(full[len(prompt):], add_special_tokens=False)["input_ids"]
    ids = (p_ids + c_ids)[:max_length]
    return ids, min(len(p_ids), len(ids))


def score(model: Any, tok: Any, rows: list[dict[str, Any]], max_length: int) -> tuple[float, int]:
    """Mean negative log-likelihood per scored token, and the token count."""
    import torch

    nll, n = 0.0, 0
    with torch.no_grad():
        for r in rows:
            ids, n_prompt = encode(tok, r["messages"], max_length)
            if len(ids) - n_prompt < 1:
                continue
            x = torch.tensor([ids])
            labels = x.clone()
            labels[0, :n_prompt] = -100
            out = model(input_ids=x, labels=labels)
            k = int((labels[0, 1:] != -100).sum().item())
            nll += float(out.loss.item()) * k
            n += k
    if n == 0:
        raise DataError("no test sample has answer tokens within max_length")
    return nll / n, n


def evaluate(cfg_path: str) -> int:
    try:
        with open(cfg_path, encoding="utf-8") as f:
            cfg = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        events.emit("error", kind="config", message=f"evaluation config {cfg_path}: {e}")
        return 2
    models = cfg.get("models") or []
    if not isinstance(models, list) or not all(isinstance(m, dict) and m.get("path") for m in models):
        events.emit("error", kind="config", message="evaluation config: models must be a list of {role, path}")
        return 2
    try:
        import torch

        if int(cfg.get("threads") or 0) > 0:
            torch.set_num_threads(int(cfg["threads"]))
        rows = test_rows(cfg.get("dataset_dir", ""), int(cfg.get("max_eval_samples") or 64))
    except DataError as e:
        events.emit("error", kind="data", message=str(e))
        return 1
    max_length = int(cfg.get("max_length") or 512)
    for m in models:
        t0 = time.time()
        role, path = m.get("role", ""), m["path"]
        events.emit("phase", phase="scoring", role=role, path=path)
        try:
            model, tok, _ = load_base(path, torch.float32, cfg.get("base_cache_dir", ""))
            ensure_pad(tok)
            model.eval()
            loss, n = score(model, tok, rows, max_length)
        except (ModelError, DataError, OSError, ValueError) as e:
            events.emit("model_error", role=role, path=path, message=f"{type(e).__name__}: {e}"[:1000])
            continue
        events.emit("model_loss", role=role, path=path, loss=round(loss, 5), perplexity=round(math.exp(min(loss, 50)), 4),
                    tokens=n, samples=len(rows), duration_s=round(time.time() - t0, 2))
        del model
    events.emit("done", samples=len(rows))
    return 0
