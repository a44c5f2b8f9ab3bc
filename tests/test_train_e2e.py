"""`rft train` end to end on the tiny model: the run directory, resuming after a kill, refusing to clobber.

Each run is a real subprocess of the CLI, as a user would start it. The budgets are shrunk so a run
takes seconds on two shared CPU cores; each knob says why it is safe to shrink:
- TINY (conftest): a 2-layer, 64-wide model; the behaviour under test does not depend on size.
- sft.steps=4, sft.batch_size=8: the warm-up only has to produce an `sft/` model to start from.
- train.prompts_per_step=4, sampler.n=4: 16 sequences a step still make groups with a spread of
  rewards, so advantages are non-zero and the update moves the weights.
- data.train.args.n=400: the arithmetic generator builds the train split up front; 20,000 rows
  cost more than the whole run.
- train.eval_limit=20, sampler.max_new_tokens=16: greedy evals and sampling are most of a step.
- train.threads=1: on two cores shared with other jobs, two OpenMP threads spin against each
  other; one thread ran the whole run in ~1 s where two took 25-50 s.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from conftest import ROOT, TINY, run_cli
from rft.config import load_config

pytestmark = pytest.mark.slow

SMALL = [*TINY, "--set", "sft.steps=4", "--set", "sft.batch_size=8", "--set", "train.eval_limit=20",
         "--set", "train.prompts_per_step=4", "--set", "sampler.n=4",
         "--set", "train.save_every=2", "--set", "data.train.args.n=400", "--set", "sampler.max_new_tokens=16",
         "--set", "train.threads=1"]
# 12 RL steps with save_every=2: checkpoints at 2, 4, ..., 10; a kill as soon as step 4 is saved leaves
# several steps undone, so the resumed run has real work to redo (the final model is never saved before)
STEPS = 12
RUN = [*SMALL, "--set", f"train.steps={STEPS}"]
STEP_KEYS = ["reward/mean", "reward/std", "reward/accuracy", "reward/unparseable", "loss/kl", "policy/entropy",
             "policy/clip_frac", "response/length", "perf/tokens_per_s", "time/sample", "time/verify",
             "time/update"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _metrics(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines() if line]


def _overrides(args: list[str]) -> list[str]:
    return [a for prev, a in zip(args, args[1:]) if prev == "--set"]


def _build_tiny_model() -> None:
    """Build the tiny model into the session cache before any run that is compared with another.

    The build runs under torch.random.fork_rng (test_building_the_tiny_model_does_not_change_sampling
    checks it); building first keeps the timing-sensitive kill test from also paying for the build.
    """
    from rft.models import tiny_path

    tiny_path(load_config(ROOT / "tasks" / "arith.yaml", _overrides(TINY)).model.tiny)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    """One uninterrupted run, shared by the artifact tests and as the reference of the resume test."""
    _build_tiny_model()
    out = tmp_path_factory.mktemp("e2e") / "run"
    run_cli("train", "tasks/arith.yaml", *RUN, "--output", str(out), check=True)
    return out


def test_train_exits_zero_and_writes_the_resolved_config(run_dir):
    saved = load_config(run_dir / "config.yaml")
    expected = load_config(ROOT / "tasks" / "arith.yaml", _overrides(RUN))
    assert saved.model_dump() == expected.model_dump()  # every --set is in the saved config, nothing else moved
    assert saved.train.steps == STEPS and saved.model.tiny.hidden_size == 64


def test_metrics_has_one_line_per_step_with_every_key(run_dir):
    rows = _metrics(run_dir)
    assert [r["step"] for r in rows] == list(range(1, STEPS + 1))
    for r in rows:
        missing = [k for k in STEP_KEYS if k not in r]
        assert not missing, f"step {r['step']} lacks {missing}"
        assert all(math.isfinite(r[k]) for k in STEP_KEYS), r
        for k in ("reward/accuracy", "reward/unparseable", "policy/clip_frac"):
            assert 0.0 <= r[k] <= 1.0, (k, r[k])
        assert r["reward/std"] >= 0 and r["response/length"] > 0 and r["perf/tokens_per_s"] > 0


def test_sft_metrics_has_one_line_per_warm_up_step(run_dir):
    rows = [json.loads(ln) for ln in (run_dir / "sft_metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2, 3, 4]
    assert all(math.isfinite(r["loss"]) and r["loss"] > 0 for r in rows)


def test_reward_curve_is_a_real_png(run_dir):
    data = (run_dir / "reward_curve.png").read_bytes()
    assert data[:8] == PNG_MAGIC
    assert len(data) > 5_000  # an 880x495 plot with axes and curves, not an empty image


def test_sft_and_final_models_load_and_training_changed_the_weights(run_dir):
    from transformers import AutoModelForCausalLM

    params = {}
    for name in ("sft", "final"):
        assert (run_dir / name / "model.safetensors").is_file()
        model = AutoModelForCausalLM.from_pretrained(run_dir / name)
        params[name] = {k: v.detach().clone() for k, v in model.named_parameters()}
    assert params["sft"].keys() == params["final"].keys()
    changed = [k for k in params["sft"] if not torch.equal(params["sft"][k], params["final"][k])]
    # As TRL's test_train: RL must move the parameters away from where the warm-up left them.
    assert changed, "no parameter changed between sft/ and final/"


def test_summary_has_first_and_last_eval(run_dir):
    summary = json.loads((run_dir / "summary.json").read_text())
    ev = summary["eval"]
    assert ev["first"]["tag"] == "sft" and ev["last"]["tag"] == "final"
    for which in ("first", "last"):
        assert 0.0 <= ev[which]["accuracy"] <= 1.0
        assert ev[which]["n"] == 20  # train.eval_limit
        lo, hi = ev[which]["wilson95"]
        assert 0.0 <= lo <= ev[which]["accuracy"] <= hi <= 1.0
    assert [h["step"] for h in ev["history"]] == [0, STEPS]
    assert summary["steps"] == STEPS


def test_killed_run_resumes_to_the_same_weights_and_metrics(run_dir, tmp_path):
    out = tmp_path / "run"
    ckpt = out / "checkpoints" / "step-000004"
    cmd = [sys.executable, "-m", "rft.cli", "train", "tasks/arith.yaml", *RUN, "--output", str(out)]
    log = tmp_path / "killed.log"  # a file, not a pipe: a full pipe would stall the child before step 4
    with log.open("w") as f:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT, env={**os.environ, "COLUMNS": "200"})
        try:
            deadline = time.monotonic() + 120
            # a checkpoint directory appears by rename only after trainer_state.pt is written into it
            while not (ckpt / "trainer_state.pt").exists():
                assert proc.poll() is None, f"run ended before step 4 was saved:\n{log.read_text()[-3000:]}"
                assert time.monotonic() < deadline, "no checkpoint at step 4 within 120 s"
                time.sleep(0.01)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not (out / "final").exists(), "the run finished before it could be killed; slow it down"

    run_cli("train", "tasks/arith.yaml", *RUN, "--output", str(out), "--resume", check=True)

    resumed, straight = _metrics(out), _metrics(run_dir)
    assert [r["step"] for r in resumed] == list(range(1, STEPS + 1))  # each step once, in order
    for a, b in zip(resumed, straight):
        for k in ("reward/mean", "reward/std", "reward/accuracy", "reward/unparseable"):
            assert a[k] == b[k], f"step {a['step']} {k}: resumed {a[k]} != uninterrupted {b[k]}"
    got, want = load_file(out / "final" / "model.safetensors"), load_file(run_dir / "final" / "model.safetensors")
    assert got.keys() == want.keys()
    for k in want:
        torch.testing.assert_close(got[k], want[k], atol=1e-5, rtol=0, msg=lambda m, k=k: f"{k}: {m}")


def test_resume_survives_a_metrics_line_cut_short_by_the_kill(run_dir, tmp_path):
    out = tmp_path / "run"
    shutil.copytree(run_dir, out)
    shutil.rmtree(out / "final")
    with (out / "metrics.jsonl").open("a") as f:
        f.write('{"reward/mean": 0.1, "st')  # SIGKILL in the middle of MetricsWriter.log
    proc = run_cli("train", "tasks/arith.yaml", *RUN, "--output", str(out), "--resume")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert [r["step"] for r in _metrics(out)] == list(range(1, STEPS + 1))


def test_resume_before_the_first_checkpoint_logs_each_step_once(run_dir, tmp_path):
    out = tmp_path / "run"
    shutil.copytree(run_dir, out)  # as if killed after the last step was logged but before any checkpoint
    for d in ("checkpoints", "final"):
        shutil.rmtree(out / d)
    (out / "summary.json").unlink()
    proc = run_cli("train", "tasks/arith.yaml", *RUN, "--output", str(out), "--resume")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert [r["step"] for r in _metrics(out)] == list(range(1, STEPS + 1))


def _snapshot(d: Path) -> dict:
    return {p.relative_to(d): (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(d.rglob("*")) if p.is_file()}


def test_existing_run_dir_is_refused_without_resume_or_overwrite(tmp_path):
    out = tmp_path / "run"
    (out / "checkpoints" / "step-000002").mkdir(parents=True)
    (out / "config.yaml").write_text("name: earlier\n")
    (out / "metrics.jsonl").write_text('{"step": 1, "reward/mean": 0.5}\n')
    (out / "checkpoints" / "step-000002" / "trainer_state.pt").write_bytes(b"state")
    before = _snapshot(out)

    proc = run_cli("train", "tasks/arith.yaml", *TINY, "--output", str(out))

    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), proc.stderr
    assert str(out) in lines[0] and "train.output_dir" in lines[0]
    assert "--resume" in lines[0] and "--overwrite" in lines[0]  # the message says how to go on
    assert "Traceback" not in proc.stderr + proc.stdout
    assert _snapshot(out) == before


def test_overwrite_replaces_an_existing_run_dir(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "old.txt").write_text("from an earlier run\n")
    # smallest real run: no warm-up, one RL step of 2 prompts x 2 samples, an 8-prompt eval
    proc = run_cli("train", "tasks/arith.yaml", *TINY, "--set", "sft.steps=0", "--set", "train.steps=1",
                   "--set", "train.prompts_per_step=2", "--set", "sampler.n=2", "--set", "train.eval_limit=8",
                   "--set", "data.train.args.n=50", "--set", "sampler.max_new_tokens=8", "--set", "train.threads=1",
                   "--output", str(out), "--overwrite")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert not (out / "old.txt").exists()
    assert [r["step"] for r in _metrics(out)] == [1]
    assert (out / "final" / "model.safetensors").is_file()


def test_overwrite_with_a_bad_model_path_keeps_the_old_run(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "old.txt").write_text("from an earlier run\n")
    proc = run_cli("train", "tasks/arith.yaml", "--set", "model.name=/nonexistent/dir", "--output", str(out),
                   "--overwrite")
    assert proc.returncode == 2 and "model.name" in proc.stderr
    assert (out / "old.txt").exists()


def test_building_the_tiny_model_leaves_the_global_rng_alone(tmp_path, monkeypatch):
    from rft.models import tiny_path

    tiny = load_config(ROOT / "tasks" / "arith.yaml", _overrides(TINY)).model.tiny
    monkeypatch.setenv("RFT_CACHE", str(tmp_path))
    torch.manual_seed(123)
    tiny_path(tiny)  # cold cache: builds
    cold = torch.rand(4)
    torch.manual_seed(123)
    tiny_path(tiny)  # warm cache: loads nothing, draws nothing
    warm = torch.rand(4)
    torch.testing.assert_close(cold, warm, rtol=0, atol=0)
