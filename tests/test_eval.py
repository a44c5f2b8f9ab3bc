"""Evaluation: the statistics in rft.evaluation against hand-computed values, and `rft eval` end to end."""
from __future__ import annotations

import json
import math

import pytest

from conftest import TINY, run_cli
from rft.evaluation import pass_at_k, paired_difference, wilson

# ---------------------------------------------------------------- pass@k


def test_pass_at_k_hand_values():
    # 1 - C(n-c, k) / C(n, k)
    assert pass_at_k(4, 1, 2) == pytest.approx(0.5)  # 1 - C(3,2)/C(4,2) = 1 - 3/6
    assert pass_at_k(4, 2, 2) == pytest.approx(5 / 6)  # 1 - C(2,2)/C(4,2) = 1 - 1/6
    assert pass_at_k(5, 2, 1) == pytest.approx(0.4)  # k=1 is the plain fraction c/n
    assert pass_at_k(4, 0, 2) == 0.0  # nothing correct: never passes
    assert pass_at_k(4, 3, 2) == 1.0  # n-c=1 < k=2: every draw of 2 holds a correct one
    assert pass_at_k(4, 4, 4) == 1.0


@pytest.mark.parametrize("n", [1, 2, 5, 10])
def test_pass_at_k_matches_the_binomial_formula_and_grows_with_k(n):
    for c in range(n + 1):
        values = [pass_at_k(n, c, k) for k in range(1, n + 1)]
        want = [1.0 - math.comb(n - c, k) / math.comb(n, k) for k in range(1, n + 1)]
        assert values == pytest.approx(want)
        assert all(a <= b + 1e-12 for a, b in zip(values, values[1:]))  # more tries never hurt


# ---------------------------------------------------------------- Wilson interval


def test_wilson_hand_values():
    # k=8, n=10, z=1.96: p=0.8, d = 1 + z^2/n = 1.38416
    #   centre = (p + z^2/2n) / d = 0.99208 / 1.38416 = 0.716738
    #   half   = z * sqrt(p(1-p)/n + z^2/4n^2) / d = 1.96 * sqrt(0.025604) / 1.38416 = 0.226581
    lo, hi = wilson(8, 10)
    assert lo == pytest.approx(0.716738 - 0.226581, abs=1e-5)  # 0.490157
    assert hi == pytest.approx(0.716738 + 0.226581, abs=1e-5)  # 0.943319


def test_wilson_edges():
    assert wilson(0, 0) == [0.0, 1.0]  # no data: the whole range
    lo, hi = wilson(0, 20)
    assert lo == 0.0 and 0 < hi < 0.2  # no successes: the upper end stays above 0 (unlike Wald)
    lo, hi = wilson(20, 20)
    assert hi == pytest.approx(1.0) and 0.8 < lo < 1.0


# ---------------------------------------------------------------- paired difference


def test_wilson_interval_contains_the_observed_rate_even_at_a_perfect_score():
    # floating point put 500/500's upper end at 1 - 1e-16 once, and the reward-curve plot then
    # crashed on a negative error bar at the end of a run that scored 100%
    for n in (1, 7, 100, 500, 1319):
        for k in range(n + 1):
            lo, hi = wilson(k, n)
            assert 0.0 <= lo <= k / n <= hi <= 1.0, (k, n, lo, hi)
    assert wilson(500, 500)[1] == 1.0 and wilson(0, 500)[0] == 0.0


def test_reward_curve_draws_an_eval_history_that_reaches_100_percent(tmp_path):
    from rft.config import LoggingConfig
    from rft.metrics import MetricsWriter

    w = MetricsWriter(tmp_path, LoggingConfig())
    w.log({"step": 1, "reward/mean": 1.0, "reward/accuracy": 1.0})
    evals = [{"step": s, "accuracy": a, "wilson95": wilson(round(a * 500), 500), "n": 500}
             for s, a in ((0, 0.92), (1, 1.0))]
    png = w.plot(evals)
    w.close()
    assert png is not None and png.stat().st_size > 10_000


def test_paired_difference_hand_example():
    before = [1, 0, 0, 1, 0]
    after = [1, 1, 0, 0, 1]
    # per prompt after - before: d = [0, 1, 0, -1, 1]; mean = 1/5 = 0.2
    # sample variance = ((-0.2)^2 + 0.8^2 + (-0.2)^2 + (-1.2)^2 + 0.8^2) / 4 = 2.8 / 4 = 0.7
    # half width = 1.96 * sqrt(0.7 / 5) = 1.96 * 0.374166 = 0.733365
    out = paired_difference(before, after)
    assert out["delta"] == pytest.approx(0.2)
    assert out["ci95"] == pytest.approx([0.2 - 0.733365, 0.2 + 0.733365], abs=1e-6)
    assert (out["n"], out["wrong_to_right"], out["right_to_wrong"]) == (5, 2, 1)


def test_paired_difference_of_identical_runs_is_zero():
    mask = [1, 0, 1, 1]
    out = paired_difference(mask, mask)
    assert out["delta"] == 0.0 and out["ci95"] == [0.0, 0.0]
    assert out["wrong_to_right"] == out["right_to_wrong"] == 0


# ---------------------------------------------------------------- rft eval end to end


@pytest.fixture(scope="module")
def sft_model(tmp_path_factory):
    """A model directory from a tiny warm-up only (train.steps=0): `rft eval` needs any saved model."""
    out = tmp_path_factory.mktemp("eval") / "run"
    run_cli("train", "tasks/arith.yaml", *TINY, "--set", "sft.steps=4", "--set", "sft.batch_size=8",
            "--set", "train.steps=0", "--set", "data.train.args.n=50", "--set", "train.eval_limit=4",
            "--set", "sampler.max_new_tokens=8", "--set", "train.threads=1", "--output", str(out), check=True)
    return out / "sft"


@pytest.mark.slow
def test_eval_json_reports_accuracy_and_pass_at_k(sft_model, monkeypatch):
    # `rft eval` has no thread setting; one OpenMP thread avoids spinning against other jobs on 2 cores
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    proc = run_cli("eval", "tasks/arith.yaml", "--model", str(sft_model), "--k", "4", "--json", "--limit", "20",
                   "--set", "sampler.max_new_tokens=16", check=True)
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1, proc.stdout
    res = json.loads(lines[0])
    assert (res["n"], res["k"]) == (20, 4)
    assert 0.0 <= res["accuracy"] <= 1.0 and res["correct"] == round(res["accuracy"] * 20)
    lo, hi = res["wilson95"]
    assert 0.0 <= lo <= res["accuracy"] <= hi <= 1.0
    assert set(res["pass_at_k"]) == {"1", "4"}
    assert all(0.0 <= v <= 1.0 for v in res["pass_at_k"].values())
    # both estimates come from the same 4 samples per prompt, and per prompt c/4 <= 1 - C(4-c,4)/C(4,4);
    # pass@1 here is the sampled estimate, not the greedy accuracy, so it is not compared with that
    assert res["pass_at_k"]["4"] >= res["pass_at_k"]["1"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["gsm8k", "math500", "humaneval", "mbpp"])
def test_eval_on_each_real_data_task_reports_accuracy_as_json(name, tiny_dir, monkeypatch):
    """The built-in tasks on ../shared/data, through their row maps and verifiers, with any HF model dir."""
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # see test_eval_json_reports_accuracy_and_pass_at_k
    proc = run_cli("eval", f"tasks/{name}.yaml", "--model", str(tiny_dir), "--limit", "3",
                   "--set", "sampler.max_new_tokens=8", "--json", check=True)
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1, proc.stdout
    res = json.loads(lines[0])
    assert res["n"] == 3 and 0.0 <= res["accuracy"] <= 1.0
    if name in ("humaneval", "mbpp"):
        assert res["accuracy"] == 0.0  # the tiny model writes no code
