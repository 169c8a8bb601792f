"""Loading a base model (GGUF, Hugging Face folder or hub id) and saving the
merged result as a safetensors folder that Ollama imports."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from typing import Any

from . import events


class ModelError(RuntimeError):
    """A base model that cannot be loaded; reported as kind "model"."""


def _gguf_key(path: str) -> str:
    st = os.stat(path)
    h = hashlib.sha256(f"{os.path.abspath(path)}|{st.st_size}|{int(st.st_mtime)}".encode()).hexdigest()
    return h[:16]


def load_base(base: str, dtype: Any, cache_dir: str = "", device_map: Any = None, quantization_config: Any = None):
    """Returns (model, tokenizer, source) for a GGUF file, a folder or a hub id.

    A GGUF is dequantized by transformers into trainable full-precision
    weights; with cache_dir the result is kept as safetensors so the next run
    skips the (slow) conversion.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kw: dict[str, Any] = {"dtype": dtype}
    if device_map is not None:
        kw["device_map"] = device_map
    if quantization_config is not None:
        kw["quantization_config"] = quantization_config
    try:
        if base.endswith(".gguf"):
            if not os.path.isfile(base):
                raise ModelError(f"base model {base}: no such GGUF file")
            cached = os.path.join(cache_dir, _gguf_key(base)) if cache_dir else ""
            if cached and os.path.isfile(os.path.join(cached, ".complete")):
                events.log(f"base model from cache {cached}")
                return AutoModelForCausalLM.from_pretrained(cached, **kw), AutoTokenizer.from_pretrained(cached), cached
            folder, name = os.path.split(os.path.abspath(base))
            events.log(f"dequantizing GGUF base {base}")
            tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
            model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, **kw)
            plain(model)
            if cached and quantization_config is None:
                tmp = cached + ".partial"
                shutil.rmtree(tmp, ignore_errors=True)
                model.save_pretrained(tmp)
                tok.save_pretrained(tmp)
                open(os.path.join(tmp, ".complete"), "w").close()
                shutil.rmtree(cached, ignore_errors=True)
                os.replace(tmp, cached)
            return model, tok, base
        return AutoModelForCausalLM.from_pretrained(base, **kw), AutoTokenizer.from_pretrained(base), base
    except ModelError:
        raise
    except OSError as e:
        raise ModelError(f"load base model {base}: {e}") from e


def plain(model: Any) -> Any:
    """Forgets that the weights came from a GGUF: they are dequantized,
    full-precision tensors now, and transformers would refuse to save them."""
    if getattr(model, "hf_quantizer", None) is not None and type(model.hf_quantizer).__name__ == "GgufHfQuantizer":
        model.hf_quantizer = None
        for attr in ("is_quantized", "quantization_method"):
            if hasattr(model, attr):
                try:
                    setattr(model, attr, False if attr == "is_quantized" else None)
                except AttributeError:
                    pass
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
    return model


def ensure_pad(tok: Any) -> None:
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token


def save_for_ollama(model: Any, tok: Any, out_dir: str, lineage: dict[str, Any]) -> str:
    """Writes a safetensors folder Ollama's converter reads: config.json with
    the architecture, model.safetensors, tokenizer.json (BPE with merges) and
    tokenizer_config.json naming bos/eos. Written to a temp folder, then moved."""
    import torch

    tmp = out_dir + ".partial"
    shutil.rmtree(tmp, ignore_errors=True)
    plain(model)
    model = model.to(torch.float16) if model.dtype == torch.float32 else model
    model.save_pretrained(tmp, safe_serialization=True, max_shard_size="100GB")
    tok.save_pretrained(tmp)
    _check_tokenizer(tmp, tok)
    with open(os.path.join(tmp, "doppel.json"), "w", encoding="utf-8") as f:
        json.dump(lineage, f, indent=2)
    shutil.rmtree(out_dir, ignore_errors=True)
    os.replace(tmp, out_dir)
    return out_dir


def _check_tokenizer(folder: str, tok: Any) -> None:
    tj = os.path.join(folder, "tokenizer.json")
    if not os.path.isfile(tj):
        raise ModelError(f"{folder}: tokenizer.json was not written (Ollama needs it)")
    with open(tj, encoding="utf-8") as f:
        data = json.load(f)
    m = data.get("model", {})
    if m.get("type") == "BPE" and not m.get("merges"):
        raise ModelError(f"{tj}: BPE tokenizer without merges; Ollama would mis-tokenize")
    tcp = os.path.join(folder, "tokenizer_config.json")
    cfg: dict[str, Any] = {}
    if os.path.isfile(tcp):
        with open(tcp, encoding="utf-8") as f:
            cfg = json.load(f)
    changed = False
    for k in ("bos_token", "eos_token", "pad_token"):
        v = getattr(tok, k, None)
        if v and not cfg.get(k):
            cfg[k] = v
            changed = True
    if changed:
        with open(tcp, "w", encoding="utf-8") as f:
            json.dump(cfg, f, indent=2, ensure_ascii=False)
    cp = os.path.join(folder, "config.json")
    with open(cp, encoding="utf-8") as f:
        conf = json.load(f)
    if not conf.get("architectures"):
        raise ModelError(f"{cp} has no architectures; Ollama cannot pick a converter")
    # transformers 5 nests rope_theta in rope_parameters; Ollama's converter
    # reads the top-level key (without it the model gets the wrong RoPE base).
    rp = conf.get("rope_parameters") or {}
    if "rope_theta" not in conf and isinstance(rp, dict) and "rope_theta" in rp:
        conf["rope_theta"] = rp["rope_theta"]
        if rp.get("rope_type", "default") != "default":
            conf["rope_scaling"] = rp
        with open(cp, "w", encoding="utf-8") as f:
            json.dump(conf, f, indent=2)
