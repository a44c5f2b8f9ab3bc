"""Data parallelism through accelerate (gloo processes on this CPU): N ranks sharing a global batch
make the update one process makes on all of it, and `rft train --num-processes 2` runs, logs once,
and resumes.

Tolerance: the ranks' gradients meet in one all-reduce (a sum of two float32 numbers, exact in
either order) and each rank runs the micro-batches the single process runs on its half, so the
updates agree to float32 rounding of the loss scaling; 1e-6 on weights after three AdamW steps at
lr 5e-5 leaves room for that and nothing else (a normaliser counted per rank instead of globally
moves weights by about lr = 5e-5).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from conftest import ROOT, TINY, run_cli, to_batch
from rft.config import load_config
from rft.models import load_model, load_tokenizer
from rft.sampling import HFSampler, SamplingParams
from rft.tasks.arith import generate

TINY_SETS = [a for prev, a in zip(TINY, TINY[1:]) if prev == "--set"]
WORKER = Path(__file__).parent / "dp_worker.py"
G = 4


def _port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return str(s.getsockname()[1])


def _global_batch(tiny_dir, path: Path) -> None:
    """4 prompts x 4 samples from the tiny model; groups 0-1 have mixed rewards, 2-3 all-equal ones,
    so with two ranks the second holds no signal at all (and must still join the all-reduce)."""
    cfg = load_config(ROOT / "tasks" / "arith.yaml", TINY_SETS)
    tok, model = load_tokenizer(str(tiny_dir), cfg.model), load_model(str(tiny_dir), cfg.model)
    prompts = [f"Q: {r['question']}\nA:" for r in generate("train", n=4, seed=5)]
    torch.manual_seed(0)
    rollout = HFSampler(model, tok, SamplingParams(max_new_tokens=10)).generate(prompts, G)
    rewards = torch.tensor([1.0, 0.1, 0.1, 0.0, 0.1, 1.0, 0.0, 0.1] + [0.1] * 4 + [1.0] * 4)
    torch.save(to_batch(rollout, rewards), path)


def _run(args: list[str], ranks: int) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    if ranks == 1:
        cmd = [sys.executable, str(WORKER), *args]
    else:
        cmd = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", str(ranks),
               "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
               "--main_process_port", _port(), str(WORKER), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-4000:]
    counts = re.findall(r"threads at start (\d+), after end (\d+)", proc.stdout)  # the ranks' lines may interleave
    assert len(counts) == ranks, proc.stdout
    for start, end in counts:  # each rank left the process group with its threads joined
        assert int(end) <= int(start) + 1, proc.stdout


@pytest.mark.slow
@pytest.mark.parametrize("overrides", [
    # grpo, KL in the loss, all-equal groups skipped: rank 1 has none left and joins with a zero loss
    ["algorithm.name=grpo", "algorithm.skip_uniform_groups=true", "algorithm.kl_coef=0.05"],
    # ppo: a critic (its own DDP), the KL in the reward, GAE advantages whitened over the global batch
    ["algorithm.name=ppo", "algorithm.critic.warmup_steps=0", "algorithm.kl_coef=0.05"],
], ids=["grpo", "ppo"])
def test_two_ranks_make_the_one_process_update(tiny_dir, tmp_path, overrides):
    batch = tmp_path / "batch.pt"
    _global_batch(tiny_dir, batch)
    # micro-batch = one rank's rows, so the single process runs the same micro-batches in turn
    sets = [*TINY_SETS, "train.micro_batch=8", "algorithm.lr=5e-5", *overrides]
    _run([str(batch), str(tmp_path / "one.pt"), "3", *sets], ranks=1)
    _run([str(batch), str(tmp_path / "two.pt"), "3", *sets], ranks=2)
    one, two = torch.load(tmp_path / "one.pt"), torch.load(tmp_path / "two.pt")
    start = load_file(Path(tiny_dir) / "model.safetensors")
    moved = max((one["weights"][f"policy.{k}"] - v).abs().max().item() for k, v in start.items())
    assert moved > 1e-5, "the updates changed nothing: the comparison would prove nothing"
    assert one["weights"].keys() == two["weights"].keys()
    for k, w in one["weights"].items():
        torch.testing.assert_close(two["weights"][k], w, atol=1e-6, rtol=0, msg=lambda m, k=k: f"{k}: {m}")
    for s1, s2 in zip(one["stats"], two["stats"]):  # the global normalisers give the same loss
        assert abs(s1["policy/grad_norm"] - s2["policy/grad_norm"]) < 1e-4 * max(1.0, s1["policy/grad_norm"])


RUN = [*TINY, "--set", "sft.steps=4", "--set", "sft.batch_size=8", "--set", "train.eval_limit=6",
       "--set", "train.prompts_per_step=2", "--set", "sampler.n=4", "--set", "data.train.args.n=100",
       "--set", "sampler.max_new_tokens=8", "--set", "train.threads=1", "--set", "train.sample_every=0",
       "--set", "train.steps=4", "--set", "train.save_every=2"]


def _metrics(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines() if line]


@pytest.mark.slow
def test_rft_train_on_two_processes_logs_once_and_resumes_exactly(tmp_path):
    straight = tmp_path / "straight"
    proc = run_cli("train", "tasks/arith.yaml", *RUN, "--num-processes", "2", "--output", str(straight), timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    rows = _metrics(straight)
    assert [r["step"] for r in rows] == [1, 2, 3, 4]  # rank 0 alone writes: one line per step
    assert len((straight / "sft_metrics.jsonl").read_text().splitlines()) == 4
    summary = json.loads((straight / "summary.json").read_text())
    assert summary["processes"] == 2 and summary["eval"]["last"]["n"] == 6  # eval shards gathered
    assert (straight / "final" / "model.safetensors").is_file() and (straight / "reward_curve.png").is_file()
    ckpt = straight / "checkpoints" / "step-000002"
    assert len(torch.load(ckpt / "trainer_state.pt", weights_only=False)["rng"]) == 2  # both ranks' RNG

    resumed = tmp_path / "resumed"
    shutil.copytree(straight, resumed)  # as if killed after step 2 was saved: steps 3-4 are redone
    shutil.rmtree(resumed / "final")
    (resumed / "summary.json").unlink()
    proc = run_cli("train", "tasks/arith.yaml", *RUN, "--num-processes", "2", "--output", str(resumed), "--resume",
                   timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert [r["step"] for r in _metrics(resumed)] == [1, 2, 3, 4]
    got, want = load_file(resumed / "final" / "model.safetensors"), load_file(straight / "final" / "model.safetensors")
    for k in want:
        assert torch.equal(got[k], want[k]), f"{k} differs after a two-process resume"
    for a, b in zip(_metrics(resumed)[2:], rows[2:]):
        assert a["reward/mean"] == b["reward/mean"] and a["loss/policy"] == b["loss/policy"]


def test_asking_for_cuda_without_a_gpu_is_one_error_line(tmp_path):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    out = tmp_path / "run"
    proc = run_cli("train", "tasks/arith.yaml", "--set", "train.device=cuda", "--output", str(out))
    assert proc.returncode == 2, proc.stderr[-3000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "train.device" in lines[0] and "Traceback" not in proc.stderr
    assert not out.exists()


@pytest.mark.parametrize("override, field", [
    ("train.prompts_per_step=3", "train.prompts_per_step"),  # whole groups on each of 2 ranks
    ("verifier.name=nosuch", "verifier.name"),  # checked once, before any rank starts
])
def test_bad_input_with_two_processes_is_one_error_line_before_any_rank_starts(tmp_path, override, field):
    out = tmp_path / "run"
    proc = run_cli("train", "tasks/arith.yaml", *TINY, "--set", override, "--num-processes", "2",
                   "--output", str(out))
    assert proc.returncode == 2, proc.stderr[-3000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and field in lines[0] and "Traceback" not in proc.stderr
    assert not out.exists()


@pytest.mark.slow
def test_bfloat16_trains_in_mixed_precision_with_float32_weights(tmp_path):
    out = tmp_path / "run"
    proc = run_cli("train", "tasks/arith.yaml", *RUN, "--set", "model.dtype=bfloat16", "--set", "train.steps=2",
                   "--set", "train.device=cpu", "--output", str(out))
    assert proc.returncode == 0, proc.stderr[-4000:]
    per = json.loads((out / "summary.json").read_text())["models"]["per_model"]
    # the trained policy and its AdamW state stay float32; the frozen reference is stored in bfloat16
    assert per["policy"]["dtype"] == "float32" and per["reference"]["dtype"] == "bfloat16"
    assert per["policy"]["optimizer_gb"] == pytest.approx(2 * per["policy"]["weights_gb"], rel=0.01)
    assert per["reference"]["weights_gb"] == pytest.approx(per["policy"]["weights_gb"] / 2, rel=0.01)
    rows = _metrics(out)
    assert all(torch.isfinite(torch.tensor(r["loss/policy"])) for r in rows)
    final = load_file(out / "final" / "model.safetensors")
    assert all(v.dtype == torch.float32 and torch.isfinite(v).all() for v in final.values())


def test_float16_on_a_cpu_is_refused_in_one_line(tmp_path):
    out = tmp_path / "run"
    proc = run_cli("train", "tasks/arith.yaml", "--set", "model.dtype=float16", "--set", "train.device=cpu",
                   "--output", str(out))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "model.dtype" in lines[0] and "loss scaler" in lines[0]
    assert not out.exists()
