"""A user's own advantage estimator and policy loss, registered in their module and named in the
YAML as `module:name`, run in a real training run; unknown names are one error line."""
from __future__ import annotations

import torch

from conftest import ROOT, TINY
from rft import algorithms as algo
from rft.config import load_config
from rft.trainer import Trainer

TINY_SETS = [a for prev, a in zip(TINY, TINY[1:]) if prev == "--set"]
CALLS = {"estimator": 0, "loss": 0}


@algo.register_estimator("centred_median", groups=True)
def centred_median(x: algo.AdvantageInputs) -> algo.Advantages:
    """Reward minus the group's median: a baseline no built-in estimator uses."""
    CALLS["estimator"] += 1
    r = x.rewards.view(-1, x.group_size)
    return algo.Advantages((r - r.median(dim=-1, keepdim=True).values).view(-1))


@algo.POLICY_LOSSES.register("plain_pg")
def plain_pg(logprobs, old_logprobs, advantages, response_mask, *, ref_logprobs=None, kl_coef=0.0, kl_kind="k3",
             agg="token-mean", normalizer=None, clip_eps=0.2, clip_eps_high=None, token_weights=None):
    """-A * log pi, token-mean: REINFORCE without a ratio or clipping."""
    CALLS["loss"] += 1
    loss = algo.aggregate(-advantages[:, None] * logprobs, response_mask, agg, normalizer)
    return loss, {"loss/policy": loss.detach()}


def test_a_user_estimator_and_loss_named_in_the_yaml_train(tmp_path, tiny_dir):
    cfg = load_config(ROOT / "tasks" / "arith.yaml", [
        *TINY_SETS, "train.threads=null", "sft.steps=0", "train.steps=2", "train.eval_limit=4", "train.prompts_per_step=2",
        "sampler.n=4", "sampler.max_new_tokens=8", "data.train.args.n=50", "train.sample_every=0", "verifier.workers=0",
        "algorithm.kl_coef=0", "algorithm.name=test_plugins:centred_median", "algorithm.policy_loss=test_plugins:plain_pg",
        # the untrained model's 8-token samples are all cut: let their last number count, for a spread of rewards
        "verifier.options={fallback_when_truncated: true}"])
    CALLS.update(estimator=0, loss=0)
    steps = []
    summary = Trainer(cfg, tmp_path / "run", callbacks=[lambda e, p: steps.append(p) if e == "step" else None]).train()
    assert CALLS["estimator"] == 2 and CALLS["loss"] >= 2
    assert [s["step"] for s in steps] == [1, 2] and all("policy/grad_norm" in s for s in steps)
    assert summary["steps"] == 2
    final = (tmp_path / "run" / "final" / "model.safetensors")
    from safetensors.torch import load_file

    start, end = load_file(tiny_dir / "model.safetensors"), load_file(final)
    assert any(not torch.equal(start[k], end[k]) for k in start), "the user's loss trained nothing"


def test_an_unknown_estimator_names_the_known_ones(tmp_path):
    from conftest import run_cli

    out = tmp_path / "run"
    proc = run_cli("train", "tasks/arith.yaml", "--set", "algorithm.name=nosuch", "--output", str(out))
    assert proc.returncode == 2
    line = proc.stderr.strip().splitlines()[-1]
    assert "algorithm.name" in line and "grpo" in line and "ppo" in line and not out.exists()
