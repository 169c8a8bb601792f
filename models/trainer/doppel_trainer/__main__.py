"""python -m doppel_trainer --config CONFIG.json | --evaluate CONFIG.json | --detect [--base MODEL]"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="doppel_trainer", description="Doppel's LoRA trainer (JSON-line events on stdout)")
    ap.add_argument("--config", help="training config (JSON); see CONTRACT.md")
    ap.add_argument("--evaluate", metavar="CONFIG", help="score models on a test split (loss, perplexity); see CONTRACT.md")
    ap.add_argument("--detect", action="store_true", help="print the hardware and proposed settings, then exit")
    ap.add_argument("--base", default="", help="with --detect: the base model to size the proposal for")
    ap.add_argument("--backend", default="auto", help="with --detect: auto|peft|unsloth|mlx")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    from . import events

    events.install()
    if args.detect:
        from .hardware import detect, propose, shape_of

        hw = detect()
        shape = shape_of(args.base) if args.base else None
        events.emit("hardware", hardware=hw.to_dict(), proposal=propose(hw, shape, args.backend).to_dict(),
                    model_params=shape.params if shape else None)
        return 0
    if args.evaluate:
        from .evaluate import evaluate

        return evaluate(args.evaluate)
    if not args.config:
        events.emit("error", kind="config", message="--config is required")
        return 2
    from .config import ConfigError, load
    from .run import EXIT_CONFIG, run

    try:
        cfg = load(args.config)
    except ConfigError as e:
        events.emit("error", kind="config", message=str(e))
        return EXIT_CONFIG
    return run(cfg)


if __name__ == "__main__":
    sys.exit(main())
