"""Real CPU fine-tunes of SmolLM2-135M-Instruct (GGUF, dequantized) on the
fixture export, through `python -m doppel_trainer` as Doppel runs it."""

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from conftest import FIXTURE, SMOLLM2, TRAINER

if not os.path.isfile(SMOLLM2):
    if os.environ.get("DOPPEL_REQUIRE_OLLAMA") == "1":
        raise RuntimeError(f"{SMOLLM2} is missing: run scripts/fetch-models.sh")
    pytest.skip("SmolLM2 GGUF not fetched (scripts/fetch-models.sh)", allow_module_level=True)

STEPS_PER_EPOCH = 4  # 8 samples, batch 2


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    d = tmp_path_factory.mktemp("train")
    sub = d / "export"
    sub.mkdir()
    lines = open(os.path.join(FIXTURE, "train.jsonl"), encoding="utf-8").read().splitlines()[:8]
    (sub / "train.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    shutil.copy(os.path.join(FIXTURE, "test.jsonl"), sub / "test.jsonl")
    return d


def config(work, out, **kw):
    c = {
        "base_model": SMOLLM2, "base_name": "smollm2:135m", "dataset_dir": str(work / "export"),
        "output_dir": str(work / out), "base_cache_dir": str(work / "base-cache"),
        "max_steps": 16, "batch_size": 2, "grad_accum": 1, "max_length": 96, "learning_rate": 2e-3,
        "save_steps": 8, "lora": {"r": 8, "alpha": 16, "last_layers": 4}, "seed": 7,
    }
    c.update(kw)
    p = work / f"{out}.json"
    p.write_text(json.dumps(c))
    return str(p)


def start(cfg_path, env=None):
    e = dict(os.environ, PYTHONPATH=TRAINER)
    e.update(env or {})
    return subprocess.Popen([sys.executable, "-m", "doppel_trainer", "--config", cfg_path], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=e)


def events_of(proc, on_event=None, timeout=600):
    evs = []
    deadline = time.time() + timeout
    for line in proc.stdout:
        ev = json.loads(line)  # every stdout line must be JSON
        evs.append(ev)
        if on_event:
            on_event(ev)
        assert time.time() < deadline, "trainer took too long"
    proc.wait(timeout=60)
    return evs


def steps(evs):
    return [e for e in evs if e["event"] == "step"]


def test_lora_finetune_loss_falls_and_merged_model_is_importable(work):
    p = start(config(work, "run1"))
    evs = events_of(p)
    err = p.stderr.read()
    assert p.returncode == 0, err[-3000:]
    kinds = [e["event"] for e in evs]
    assert kinds[0] == "start" and kinds[-1] == "done"
    st = steps(evs)
    assert [s["step"] for s in st] == list(range(1, 17))
    assert all(s["total_steps"] == 16 and s["tokens_per_s"] and s["memory"] and s["learning_rate"] is not None for s in st)
    first = sum(s["loss"] for s in st[:STEPS_PER_EPOCH]) / STEPS_PER_EPOCH
    last = sum(s["loss"] for s in st[-STEPS_PER_EPOCH:]) / STEPS_PER_EPOCH
    assert last < first * 0.9, f"loss did not fall: first epoch {first:.3f}, last epoch {last:.3f}"
    done = evs[-1]
    assert done["eval_loss"] > 0 and done["steps"] == 16
    assert {e["step"] for e in evs if e["event"] == "checkpoint"} == {8, 16}

    merged = done["merged_dir"]
    for f in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "doppel.json"):
        assert os.path.isfile(os.path.join(merged, f)), f
    conf = json.load(open(os.path.join(merged, "config.json")))
    assert conf["architectures"] == ["LlamaForCausalLM"] and conf["rope_theta"] == 100000.0
    tj = json.load(open(os.path.join(merged, "tokenizer.json")))
    assert tj["model"]["type"] == "BPE" and len(tj["model"]["merges"]) > 40000
    tc = json.load(open(os.path.join(merged, "tokenizer_config.json")))
    assert tc["bos_token"] == "<|im_start|>" and tc["eos_token"] == "<|im_end|>"

    # The merged weights differ from the base: the LoRA was really merged.
    from safetensors import safe_open

    key = "model.layers.29.self_attn.q_proj.weight"
    cache = os.path.join(str(work / "base-cache"), os.listdir(str(work / "base-cache"))[0])
    with safe_open(os.path.join(merged, "model.safetensors"), "pt") as m, \
         safe_open(os.path.join(cache, "model.safetensors"), "pt") as b:
        diff = (m.get_tensor(key).float() - b.get_tensor(key).float()).abs().max().item()
        untouched = (m.get_tensor("model.layers.0.self_attn.q_proj.weight").float()
                     - b.get_tensor("model.layers.0.self_attn.q_proj.weight").float()).abs().max().item()
    assert diff > 1e-3 and untouched < 1e-2


def evaluate(work, name, models, test_lines):
    d = work / name
    d.mkdir(exist_ok=True)
    (d / "test.jsonl").write_text("\n".join(test_lines) + "\n", encoding="utf-8")
    cfg = work / f"{name}.json"
    cfg.write_text(json.dumps({"dataset_dir": str(d), "models": models, "max_length": 128,
                               "base_cache_dir": str(work / "base-cache")}))
    e = dict(os.environ, PYTHONPATH=TRAINER)
    p = subprocess.Popen([sys.executable, "-m", "doppel_trainer", "--evaluate", str(cfg)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=e)
    evs = events_of(p)
    assert p.returncode == 0, p.stderr.read()[-3000:]
    return evs


def test_evaluate_scores_the_trained_model_better_on_what_it_learned(work):
    """`--evaluate` puts every model on the same footing: on the samples the
    run trained on, the merged model's loss is below the base's; a model that
    cannot be loaded is reported and the others are still scored."""
    merged = work / "run1" / "merged"
    assert merged.is_dir(), "needs the merged model of the first test"
    seen = open(os.path.join(FIXTURE, "train.jsonl"), encoding="utf-8").read().splitlines()[:8]
    evs = evaluate(work, "eval-seen", [{"role": "candidate", "path": str(merged)}, {"role": "base", "path": SMOLLM2},
                                       {"role": "accepted", "path": str(work / "no-such-model")}], seen)
    by = {e["role"]: e for e in evs if e["event"] == "model_loss"}
    errs = [e for e in evs if e["event"] == "model_error"]
    assert set(by) == {"candidate", "base"} and [e["role"] for e in errs] == ["accepted"], evs
    assert "no-such-model" in errs[0]["message"]
    for e in by.values():
        assert e["samples"] == 8 and e["tokens"] > 100 and abs(e["perplexity"] - math.exp(e["loss"])) < 1e-2 * e["perplexity"]
    assert by["candidate"]["loss"] < by["base"]["loss"] * 0.9, by
    assert evs[-1]["event"] == "done"


def test_evaluate_without_test_split_is_a_data_error(work, tmp_path):
    cfg = tmp_path / "e.json"
    cfg.write_text(json.dumps({"dataset_dir": str(tmp_path), "models": [{"role": "base", "path": SMOLLM2}]}))
    p = subprocess.run([sys.executable, "-m", "doppel_trainer", "--evaluate", str(cfg)], capture_output=True, text=True,
                       env=dict(os.environ, PYTHONPATH=TRAINER), timeout=120)
    last = json.loads(p.stdout.splitlines()[-1])
    assert p.returncode == 1 and last["event"] == "error" and last["kind"] == "data" and "test.jsonl" in last["message"]


def test_sigterm_checkpoints_then_resume_continues(work):
    cfg = config(work, "run3", max_steps=8, save_steps=100, merge=False)
    p = start(cfg)
    sent = []

    def on(ev):
        if ev["event"] == "step" and ev["step"] >= 2 and not sent:
            p.send_signal(signal.SIGTERM)
            sent.append(ev["step"])

    evs = events_of(p, on)
    assert p.returncode == 3, p.stderr.read()[-3000:]
    assert [e for e in evs if e["event"] == "stopping"]
    stopped = [e for e in evs if e["event"] == "stopped"]
    assert stopped, [e["event"] for e in evs]
    at = stopped[0]["step"]
    assert 2 <= at < 8 and stopped[0]["checkpoint"].endswith(f"checkpoint-{at}") and os.path.isdir(stopped[0]["checkpoint"])
    assert not [e for e in evs if e["event"] == "done"]

    # Resuming continues after the checkpoint instead of starting again at step 1.
    p = start(config(work, "run3", max_steps=8, save_steps=100, merge=False, resume_from="last"))
    evs = events_of(p)
    assert p.returncode == 0, p.stderr.read()[-3000:]
    assert [s["step"] for s in steps(evs)] == list(range(at + 1, 9))
    assert any(e["event"] == "log" and "resuming from" in e["message"] for e in evs)


def test_injected_oom_is_reported(work):
    cfg = config(work, "run4", max_steps=4, merge=False)
    p = start(cfg, {"DOPPEL_TRAINER_FAULT": "oom@1"})
    evs = events_of(p)
    assert p.returncode == 1
    err = [e for e in evs if e["event"] == "error"]
    assert err and err[0]["kind"] == "oom" and "out of memory" in err[0]["message"]


def test_bad_config_exits_2_with_error_event(work, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"base_model": SMOLLM2, "dataset_dir": str(work / "export"), "output_dir": str(tmp_path),
                               "backend": "tpu"}))
    p = start(str(bad))
    evs = events_of(p)
    assert p.returncode == 2 and evs[-1]["event"] == "error" and evs[-1]["kind"] == "config"


def test_sft_then_dpo_on_preference_pairs(work):
    """The optional DPO stage runs after SFT on a preference export
    (prompt/chosen/rejected; chosen = the author's text) and reports its
    steps under phase "dpo", continuing the step count."""
    pref = work / "pref"
    pref.mkdir(exist_ok=True)
    rows = []
    for line in open(os.path.join(FIXTURE, "train.jsonl"), encoding="utf-8").read().splitlines()[:6]:
        msgs = json.loads(line)["messages"]
        rows.append({"prompt": [m for m in msgs if m["role"] == "user"][-1]["content"],
                     "chosen": msgs[-1]["content"],
                     "rejected": "As an AI language model, I cannot share personal opinions on this topic."})
    (pref / "train.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    p = start(config(work, "run-dpo", max_steps=4, merge=False, save_steps=100,
                     dpo={"dataset_dir": str(pref), "max_steps": 3, "beta": 0.1, "learning_rate": 1e-4}))
    evs = events_of(p)
    assert p.returncode == 0, p.stderr.read()[-3000:]
    phases = [e["phase"] for e in evs if e["event"] == "phase"]
    assert "dpo" in phases and phases.index("dpo") < phases.index("saving"), phases
    sft = [s for s in steps(evs) if s["phase"] == "sft"]
    dpo = [s for s in steps(evs) if s["phase"] == "dpo"]
    assert [s["step"] for s in sft] == [1, 2, 3, 4]
    assert [s["step"] for s in dpo] == [5, 6, 7], [s["step"] for s in dpo]
    assert all(s["loss"] is not None and math.isfinite(s["loss"]) for s in dpo)
    assert evs[-1]["event"] == "done" and os.path.isdir(evs[-1]["adapter_dir"])
