"""Doppel's trainer: LoRA fine-tuning of a chat model on a Doppel dataset export.

Run as ``python -m doppel_trainer --config CONFIG.json``; it reports progress as
JSON lines on stdout (see ../CONTRACT.md).
"""

__version__ = "0.1.0"
