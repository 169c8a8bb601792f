import os

import pytest
from conftest import SMOLLM2

from doppel_trainer import hardware
from doppel_trainer.hardware import GiB, Hardware, ModelShape, propose

SMALL = ModelShape(params=135_000_000, layers=30, hidden=576, context=8192)
SEVEN_B = ModelShape(params=7_000_000_000, layers=32, hidden=4096, context=32768)


def test_cpu_proposal_is_small_and_fp32():
    hw = Hardware("cpu", "x86_64", 24 * GiB, 20 * GiB, 2, False, ["peft"])
    p = propose(hw, SMALL)
    assert p.backend == "peft" and p.precision == "fp32" and p.quantization == "none"
    assert p.max_length == 256 and 1 <= p.batch_size <= 2 and p.batch_size * p.grad_accum >= 4


def test_big_gpu_small_model_uses_large_batches_in_bf16():
    hw = Hardware("cuda", "H200", 140 * GiB, 139 * GiB, 16, True, ["unsloth", "peft"])
    p = propose(hw, SMALL)
    assert p.backend == "unsloth" and p.precision == "bf16" and p.quantization == "none"
    assert p.max_length == 2048 and p.batch_size == 8 and not p.gradient_checkpointing


def test_small_gpu_big_model_goes_4bit_with_checkpointing(monkeypatch):
    monkeypatch.setattr(hardware, "importable", lambda m: m == "bitsandbytes")
    hw = Hardware("cuda", "T4", 16 * GiB, 15 * GiB, 4, False, ["peft"])
    p = propose(hw, SEVEN_B)
    assert p.precision == "fp16" and p.quantization == "4bit"
    assert p.gradient_checkpointing and p.batch_size >= 1
    assert any("4-bit" in r for r in p.reasons)


def test_requested_backend_is_kept():
    hw = Hardware("cuda", "A100", 80 * GiB, 80 * GiB, 8, True, ["unsloth", "peft"])
    assert propose(hw, SMALL, "peft").backend == "peft"


def test_detect_runs_here():
    hw = hardware.detect()
    assert hw.device in ("cpu", "cuda", "mps") and hw.memory_total > 0 and "peft" in hw.backends


@pytest.mark.skipif(not os.path.isfile(SMOLLM2), reason="SmolLM2 GGUF not fetched (scripts/fetch-models.sh)")
def test_shape_of_gguf_reads_metadata_only():
    s = hardware.shape_of(SMOLLM2)
    assert (s.layers, s.hidden, s.context) == (30, 576, 8192)
    assert 100_000_000 < s.params < 200_000_000
