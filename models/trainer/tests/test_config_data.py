import json
import os

import pytest
from conftest import FIXTURE

from doppel_trainer import config, data


def base_cfg(**kw):
    d = {"base_model": "m.gguf", "dataset_dir": FIXTURE, "output_dir": "/tmp/x"}
    d.update(kw)
    return d


@pytest.mark.parametrize(
    "patch, err",
    [
        ({"base_model": ""}, "base_model is required"),
        ({"backend": "tpu"}, "backend 'tpu'"),
        ({"batch_size": 0}, "batch_size must be a positive integer"),
        ({"max_steps": 0}, "max_steps must be -1"),
        ({"learning_rate": -1}, "learning_rate must be positive"),
        ({"lora": {"r": 0}}, "lora.r and lora.alpha"),
        ({"lora": {"rank": 8}}, "lora: unknown field(s) rank"),
        ({"bogus": 1}, "unknown field(s) bogus"),
        ({"precision": "int8"}, "precision 'int8'"),
    ],
)
def test_config_rejects(patch, err):
    with pytest.raises(config.ConfigError, match=err.replace("(", r"\(").replace(")", r"\)")):
        config.parse(base_cfg(**patch))


def test_config_defaults_and_overrides():
    c = config.parse(base_cfg(batch_size=3, lora={"r": 4, "alpha": 8, "last_layers": 2}))
    assert c.batch_size == 3 and c.grad_accum is None
    assert (c.lora.r, c.lora.alpha, c.lora.last_layers, c.lora.dropout) == (4, 8, 2, 0.05)
    assert c.to_dict()["lora"]["r"] == 4


def test_config_file_errors(tmp_path):
    p = tmp_path / "c.json"
    p.write_text("{not json")
    with pytest.raises(config.ConfigError, match="not JSON"):
        config.load(str(p))
    with pytest.raises(config.ConfigError, match="read config"):
        config.load(str(tmp_path / "missing.json"))


def test_fixture_loads_as_prompt_completion():
    train, test = data.load_sft(FIXTURE, 64, 0)
    assert len(train) >= 30 and len(test) >= 4
    for r in train + test:
        assert r["completion"][0]["role"] == "assistant"
        assert [m["role"] for m in r["prompt"]] == ["system", "user"]


@pytest.mark.parametrize(
    "lines, err",
    [
        (["{bad"], "not JSON"),
        ([json.dumps({"text": "x"})], "no messages list"),
        ([json.dumps({"messages": [{"role": "user", "content": "hi"}]})], "does not end with an assistant"),
        ([json.dumps({"messages": [{"role": "bot", "content": "hi"}]})], "each message needs a role"),
        ([], "no samples"),
    ],
)
def test_bad_exports(tmp_path, lines, err):
    (tmp_path / "train.jsonl").write_text("\n".join(lines) + ("\n" if lines else ""))
    with pytest.raises(data.DataError, match=err):
        data.load_sft(str(tmp_path), 8, 0)


def test_missing_train_jsonl(tmp_path):
    with pytest.raises(data.DataError, match="no train.jsonl"):
        data.load_sft(str(tmp_path), 8, 0)


def test_mlx_report_lines_parse():
    from doppel_trainer.mlx_backend import parse_line

    ev = parse_line("Iter 10: Train loss 2.345, Learning Rate 1.000e-05, It/sec 0.500, Tokens/sec 120.5, "
                    "Trained Tokens 2048, Peak mem 1.25 GB", 100)
    assert ev["event"] == "step" and ev["step"] == 10 and ev["loss"] == pytest.approx(2.345)
    assert ev["tokens_per_s"] == pytest.approx(120.5) and ev["eta_s"] == pytest.approx(180.0)
    assert ev["memory"] == int(1.25 * 1024**3)
    assert parse_line("Iter 20: Val loss 2.100, Val took 1.2s", 100) == {
        "event": "eval", "phase": "sft", "step": 20, "eval_loss": 2.1}
    assert parse_line("Loading pretrained model", 100) is None
