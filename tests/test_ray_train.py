"""`rft train` with its rollout and verification workers on Ray, as a user runs it: the CLI
starts a local Ray cluster, two rollout actors sample on their own copies of the weights (pushed
through the object store after every update), two verifier actors score, one step off; and the
same run on the sequential loop. The cluster is stopped when the run ends."""
from __future__ import annotations

import json

import pytest

from conftest import ROOT, TINY, run_cli

pytest.importorskip("ray")

SMALL = ["sft.steps=0", "train.prompts_per_step=4", "sampler.n=4", "sampler.max_new_tokens=8", "train.eval_every=0",
         "train.sample_every=0", "data.eval.args.eval_n=8", "train.save_every=0", "train.threads=1",
         "verifier.options={fallback_when_truncated: true}", "train.steps=3",
         "sampler.executor=ray", "sampler.workers=2", "verifier.executor=ray", "verifier.workers=2"]


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["off", "one_step"])
def test_rft_train_samples_and_verifies_on_ray_actors(tmp_path, mode):
    out = tmp_path / "run"
    sets = [a for s in [*SMALL, f"train.async={mode}"] for a in ("--set", s)]
    proc = run_cli("train", str(ROOT / "tasks" / "arith.yaml"), *TINY, *sets, "--output", str(out), timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    metrics = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    rl = [m for m in metrics if "async/staleness" in m]
    assert [m["step"] for m in rl] == [1, 2, 3]
    assert [m["async/staleness"] for m in rl] == ([0, 0, 0] if mode == "off" else [0, 1, 1])
    assert all(m["reward/error"] == 0 for m in rl)  # every row was scored, none lost to a worker
    summary = json.loads((out / "summary.json").read_text())
    assert summary["verifier"]["rows"] >= 3 * 16
    assert "accuracy" in summary["eval"]["last"]
    assert "Started a local Ray instance" in proc.stderr


@pytest.mark.parametrize("sets,field,expected", [
    (["verifier.executor=ray", "verifier.ray_address=127.0.0.1:9"], "verifier.ray_address", "cannot reach the Ray cluster"),
    (["sampler.executor=ray", "sampler.ray_address=127.0.0.1:9"], "sampler.ray_address", "cannot reach the Ray cluster"),
    (["sampler.executor=ray", "sampler.backend=vllm"], "sampler.executor", "sample with hf"),
    (["verifier.executor=ray", "verifier.ray_address=auto", "sampler.executor=ray", "sampler.ray_address=h:6379"],
     "sampler.ray_address", "one Ray cluster"),
    (["verifier.executor=raid"], "verifier.executor", "'inprocess', 'pool' or 'ray'"),
])
def test_bad_ray_settings_are_one_line_errors_naming_the_field(tmp_path, sets, field, expected):
    out = tmp_path / "run"
    proc = run_cli("train", str(ROOT / "tasks" / "arith.yaml"), *TINY, *[a for s in sets for a in ("--set", s)],
                   "--output", str(out))
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert field in proc.stderr and expected in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()  # nothing written


def test_several_learner_ranks_need_an_address_to_share_one_cluster(tmp_path):
    proc = run_cli("train", str(ROOT / "tasks" / "arith.yaml"), *TINY, "--set", "sampler.executor=ray",
                   "--num-processes", "2", "--output", str(tmp_path / "run"))
    assert proc.returncode == 2 and "sampler.ray_address" in proc.stderr and "ray start --head" in proc.stderr
