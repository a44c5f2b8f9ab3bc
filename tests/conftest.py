import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
# Small and fast: every end-to-end test uses this shrunken tiny recipe and a few steps.
TINY = ["--set", "model.tiny.hidden_size=64", "--set", "model.tiny.num_layers=2",
        "--set", "model.tiny.num_heads=2", "--set", "model.tiny.intermediate_size=128"]


@pytest.fixture(scope="session", autouse=True)
def _rft_cache(tmp_path_factory):
    """One model cache for the session, so the tiny recipe is built once, not per test."""
    os.environ.setdefault("RFT_CACHE", str(tmp_path_factory.mktemp("rft-cache")))
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def run_cli(*args, cwd=ROOT, timeout=300, check=False):
    """Run the real `rft` console entry point in a subprocess, as a user would."""
    proc = subprocess.run([sys.executable, "-m", "rft.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "COLUMNS": "200"})
    if check and proc.returncode != 0:
        raise AssertionError(f"rft {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return proc


@pytest.fixture(scope="session")
def tiny_dir():
    """A real Hugging Face model directory on disk: the shrunken tiny recipe, built once per session."""
    from rft.config import load_config
    from rft.models import tiny_path

    sets = [a for prev, a in zip(TINY, TINY[1:]) if prev == "--set"]
    return tiny_path(load_config(ROOT / "tasks" / "arith.yaml", sets).model.tiny)


def to_batch(rollout, rewards=None):
    """A learner `Batch` of a sampled rollout (rewards 0 unless given; group ids 0, 1, ...)."""
    import torch

    from rft.batch import Batch

    N, G = rollout.response_ids.shape[0], rollout.group_size
    return Batch(prompt_ids=rollout.prompt_ids, response_ids=rollout.response_ids, attention_mask=rollout.attention_mask,
                 loss_mask=rollout.response_mask.float(), logprobs=rollout.logprobs,
                 rewards=torch.zeros(N) if rewards is None else rewards, outcomes=["wrong"] * N, reasons=[""] * N,
                 group_ids=torch.arange(N // G).repeat_interleave(G), truncated=rollout.truncated,
                 texts=rollout.texts, group_size=G)
