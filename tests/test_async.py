"""One-step-off training (`train.async: one_step`) and overlapped verification.

- `off` is exactly the sequential loop: collect, update, sync, step after step;
- `one_step`: every batch after the first was sampled by the weights one update older than the
  learner's at its update (checked against the log-probs those weights give its tokens), the
  staleness is logged, and a checkpoint taken with a batch in flight resumes from before it;
- a group is verified while the rest of its batch is still sampling.

Real tiny models, the real HF sampler and verifier runner, on the shrunken recipe of conftest.
"""
from __future__ import annotations

import json
import threading
import time

import pytest
import torch

from conftest import ROOT, TINY, run_cli
from rft.algorithms import logprobs_from_logits
from rft.collector import Collector
from rft.config import load_config
from rft.learner import Learner, forward_logits
from rft.models import load_model
from rft.sampling import Rollout
from rft.trainer import Trainer
from rft.verifiers import Verifier
from rft.verifiers.runner import VerifierRunner

TINY_SETS = [a for prev, a in zip(TINY, TINY[1:]) if prev == "--set"]
# untrained tiny model, 8-token samples: read whatever number it writes, cut or not
SMALL = ["train.threads=null", "sft.steps=0", "train.prompts_per_step=2", "sampler.n=4", "sampler.max_new_tokens=8",
         "train.eval_every=0", "train.sample_every=0", "data.eval=null", "train.save_every=0",
         "verifier.options={fallback_when_truncated: true}", "algorithm.lr=1e-3"]


def _cfg(*overrides: str):
    return load_config(ROOT / "tasks" / "arith.yaml", [*TINY_SETS, *SMALL, *overrides])


def _policy_state(trainer) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in trainer.learner.module.state_dict().items()}


def test_async_off_is_exactly_the_sequential_loop(tmp_path):
    cfg = _cfg("train.steps=3", "train.async=off")
    torch.manual_seed(0)
    trainer = Trainer(cfg, tmp_path / "a")
    trainer.train()
    by_trainer = _policy_state(trainer)

    # the same steps by hand, from the same seed: collect, update, sync
    torch.manual_seed(0)
    manual = Trainer(cfg, tmp_path / "b")
    manual.setup()
    try:
        manual.build(manual.base_path, None)
        for _ in range(3):
            batch = manual.collector.collect()
            manual.learner.update(batch)
            manual.collector.sync(manual.learner)
    finally:
        manual.cleanup()
    by_hand = _policy_state(manual)
    assert by_trainer.keys() == by_hand.keys()
    assert all(torch.equal(by_trainer[k], by_hand[k]) for k in by_hand), "async off changed the maths"


def _logprobs_under(state: dict, cfg, base_path: str, batch) -> torch.Tensor:
    model = load_model(base_path, cfg.model)
    model.load_state_dict(state)
    with torch.no_grad():
        logits = forward_logits(model.eval(), batch, slice(0, batch.num_rows), share_prompt=False)
        return logprobs_from_logits(logits, batch.response_ids, temperature=cfg.sampler.temperature) * batch.loss_mask


def test_one_step_samples_every_batch_with_the_weights_one_update_older(tmp_path):
    cfg = _cfg("train.steps=4", "train.async=one_step")
    trainer = Trainer(cfg, tmp_path / "run")
    seen = []  # (learner version at the update, the batch, the weights of every version so far)
    versions: dict[int, dict] = {}
    original = Learner.update

    def recording_update(self, batch):
        versions[self.version] = {k: v.detach().clone() for k, v in self.module.state_dict().items()}
        seen.append((self.version, batch))
        return original(self, batch)

    Learner.update = recording_update
    try:
        trainer.train()
    finally:
        Learner.update = original
    assert [v for v, _ in seen] == [0, 1, 2, 3]
    assert [b.weights_version for _, b in seen] == [0, 0, 1, 2]  # step k+1 sampled by the weights of step k-1
    for version, batch in seen[1:]:
        stale, fresh = batch.weights_version, version
        sampled = batch.logprobs * batch.loss_mask
        under_stale = _logprobs_under(versions[stale], cfg, trainer.base_path, batch)
        under_fresh = _logprobs_under(versions[fresh], cfg, trainer.base_path, batch)
        torch.testing.assert_close(sampled, under_stale, atol=1e-4, rtol=0)  # the weights that sampled
        assert (sampled - under_fresh).abs().max() > 1e-3  # not the learner's newer ones
    metrics = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    rl = [m for m in metrics if "async/staleness" in m]
    assert [m["async/staleness"] for m in rl] == [0, 1, 1, 1]
    assert all(m["time/wait"] >= 0 for m in rl)


def test_one_step_checkpoint_resumes_from_before_the_batch_in_flight(tmp_path):
    cfg = _cfg("train.steps=3", "train.async=one_step", "train.save_every=2")
    Trainer(cfg, tmp_path / "run").train()
    state = torch.load(tmp_path / "run" / "checkpoints" / "step-000002" / "trainer_state.pt", weights_only=False)
    # the two batches trained on, not the third, which was in flight
    assert state["collector"]["stream"]["pos"] == 2 * cfg.train.prompts_per_step


def test_one_step_run_through_the_cli_logs_staleness_and_resumes(tmp_path):
    out = tmp_path / "run"
    sets = [a for s in SMALL for a in ("--set", s)]
    args = ["train", str(ROOT / "tasks" / "arith.yaml"), *TINY, *sets, "--set", "train.steps=3",
            "--set", "train.async=one_step", "--set", "train.save_every=2", "--output", str(out)]
    run_cli(*args, check=True)
    proc = run_cli(*args[:-2], "--set", "train.steps=4", "--output", str(out), "--resume", check=True)
    metrics = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    steps = [m["step"] for m in metrics if "async/staleness" in m]
    assert steps == [1, 2, 3, 4], proc.stdout[-2000:]


def test_one_step_refuses_several_learner_processes():
    proc = run_cli("train", str(ROOT / "tasks" / "arith.yaml"), *TINY, "--set", "train.async=one_step",
                   "--num-processes", "2")
    assert proc.returncode == 2
    assert "train.async" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_async_value_names_the_field():
    proc = run_cli("train", str(ROOT / "tasks" / "arith.yaml"), "--set", "train.async=two_steps")
    assert proc.returncode == 2 and "train.async" in proc.stderr and "Traceback" not in proc.stderr


# ---------------------------------------------------------------------------------------- overlap

class StampVerifier(Verifier):
    """Correct for every row; its reason is the wall time at which the row was scored."""

    def score(self, completion, **fields):
        time.sleep(0.05)
        return self.correct(repr(time.time()))


class StagedSampler:
    """A sampler that finishes its groups one at a time, 0.3 s apart, reporting each through
    `on_groups` as a real backend does, and returns a well-formed Rollout at the end."""

    weights_version = 0

    def __init__(self):
        self.ended = None

    def generate(self, prompts, n, params=None, on_groups=None):
        texts = [f"{g} {j}" for g in range(len(prompts)) for j in range(n)]
        for g in range(len(prompts)):
            time.sleep(0.3)
            if on_groups is not None and g < len(prompts) - 1:  # the last one "hits the token limit"
                on_groups([g], texts[g * n:(g + 1) * n], [False] * n)
        self.ended = time.time()
        N = len(texts)
        ids = torch.ones((N, 3), dtype=torch.long)
        return Rollout(prompt_ids=ids, prompt_mask=torch.ones_like(ids), response_ids=ids,
                       response_mask=torch.ones_like(ids), logprobs=torch.zeros((N, 3)), texts=texts,
                       truncated=torch.tensor([g == len(prompts) - 1 for g in range(len(prompts)) for _ in range(n)]),
                       group_size=n)


@pytest.mark.parametrize("workers", [0, 2])
def test_groups_are_verified_while_the_rest_of_the_batch_samples(workers):
    cfg = _cfg("train.prompts_per_step=4")
    examples = [type("Ex", (), {"prompt": f"p{i}", "fields": {"answer": str(i)}})() for i in range(10)]
    sampler = StagedSampler()
    with VerifierRunner(StampVerifier(), workers=workers, timeout_s=5) as runner:
        if workers:  # every worker started (one row each): their start-up is not what this measures
            runner.score_batch(["warm"] * workers, [{}] * workers)
        batch = Collector(cfg, examples, sampler, runner, pad_id=0).collect()
    stamps = [float(r) for r in batch.reasons]
    G = cfg.sampler.n
    # the first group was scored before sampling ended; the last (cut at the limit) after
    assert max(stamps[:G]) < sampler.ended - 0.2
    assert min(stamps[-G:]) >= sampler.ended
    assert batch.outcomes == ["correct"] * len(stamps)
    assert batch.stats["time/verify_wait"] < batch.stats["time/verify"]
