"""One learner on its share of a fixed global batch, for the data-parallel equivalence test.

    python tests/dp_worker.py BATCH.pt OUT.pt STEPS OVERRIDE...              (one process)
    accelerate launch --multi_gpu --num_processes 2 tests/dp_worker.py ...   (two gloo ranks)

Each rank takes its contiguous share of the batch's groups, runs STEPS updates on it and rank 0
writes the policy's (and critic's) final weights to OUT.pt.
"""
import gc
import os
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from conftest import ROOT  # noqa: E402
from rft import algorithms as algo  # noqa: E402
from rft.config import load_config  # noqa: E402
from rft.distributed import Dist  # noqa: E402
from rft.learner import Learner, Models  # noqa: E402
from rft.models import load_critic, load_model, tiny_path, unwrap_ddp  # noqa: E402


def threads() -> int:
    return len(os.listdir("/proc/self/task"))


def main(batch_path: str, out_path: str, steps: int, overrides: list[str]) -> None:
    torch.set_num_threads(1)
    before = threads()
    cfg = load_config(ROOT / "tasks" / "arith.yaml", overrides)
    dist = Dist("cpu")
    batch = torch.load(batch_path, weights_only=False)
    groups = batch.num_rows // batch.group_size
    local = batch.select_groups(torch.arange(groups)[dist.shard(groups)])
    path = str(tiny_path(cfg.model.tiny))
    est = algo.ADVANTAGES.get(cfg.algorithm.name)
    ref = load_model(path, cfg.model, trainable=False) if cfg.algorithm.kl_coef > 0 else None
    torch.manual_seed(0)  # the critic's new head: the same draw on every rank and in one process
    critic = load_critic(path, cfg.model) if est.critic else None
    learner = Learner(cfg, est, Models(load_model(path, cfg.model), ref, critic), dist)
    stats = [learner.update(local) for _ in range(steps)]
    if dist.is_main:
        weights = {f"policy.{k}": v.clone() for k, v in learner.module.state_dict().items()}
        if critic is not None:
            weights.update({f"critic.{k}": v.clone() for k, v in unwrap_ddp(learner.critic).state_dict().items()})
        torch.save({"weights": weights, "stats": stats}, out_path)
    del learner, critic  # the DDP models hold the process group: release them before leaving it
    gc.collect()
    dist.end()
    # the group's gloo threads are joined now, not at interpreter exit (where they can deadlock
    # against the GIL); tqdm's monitor thread may be the one extra
    print(f"threads at start {before}, after end {threads()}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:])
