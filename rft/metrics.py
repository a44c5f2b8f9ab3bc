"""Run metrics: metrics.jsonl (one line per RL step), optional TensorBoard / W&B, and the curve PNG."""
from __future__ import annotations

import json
import resource
from pathlib import Path

from rft.config import LoggingConfig


def peak_rss_gb() -> float:
    """Peak resident memory of this process plus the largest child (verifier workers), in GiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + kids) / 1024 / 1024


class MetricsWriter:
    def __init__(self, run_dir: Path, cfg: LoggingConfig, resume: bool = False):
        self.run_dir = Path(run_dir)
        self.path = self.run_dir / "metrics.jsonl"
        self.tb = self.wandb = None
        if cfg.tensorboard:
            from torch.utils.tensorboard import SummaryWriter  # needs the `tensorboard` package

            self.tb = SummaryWriter(str(self.run_dir / "tb"))
        if cfg.wandb:
            import wandb

            self.wandb = wandb.init(project=cfg.wandb_project, dir=str(self.run_dir), resume="allow")

    def truncate(self, step: int) -> None:
        """On resume: drop lines logged after the checkpoint, so the file reads as one run."""
        if not self.path.exists():
            return
        keep = []
        for ln in self.path.read_text().splitlines():
            try:
                if json.loads(ln)["step"] <= step:
                    keep.append(ln)
            except (json.JSONDecodeError, KeyError, TypeError):
                pass  # a line cut short by the kill that interrupted the run
        self.path.write_text("".join(ln + "\n" for ln in keep))

    def log(self, m: dict) -> None:
        with self.path.open("a") as f:
            f.write(json.dumps(m) + "\n")
        if self.tb:
            for k, v in m.items():
                if k != "step" and isinstance(v, (int, float)):
                    self.tb.add_scalar(k, v, m["step"])
        if self.wandb:
            self.wandb.log(m, step=m["step"])

    def rows(self) -> list[dict]:
        if not self.path.exists():
            return []
        return [json.loads(ln) for ln in self.path.read_text().splitlines() if ln]

    def plot(self, evals: list[dict]) -> Path | None:
        """reward_curve.png: train reward and sampled accuracy per step (smoothed), greedy eval points."""
        rows = self.rows()
        if not rows and not evals:
            return None
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
        steps = [r["step"] for r in rows]

        def smooth(xs, w=max(1, len(rows) // 30)):
            out, acc = [], 0.0
            for i, x in enumerate(xs):
                acc += x - (xs[i - w] if i >= w else 0.0)
                out.append(acc / min(i + 1, w))
            return out

        if rows:
            for key, label, color in (("reward/mean", "train reward (mean)", "tab:blue"),
                                      ("reward/accuracy", "train sampled accuracy", "tab:green")):
                ys = [r[key] for r in rows]
                ax.plot(steps, ys, color=color, alpha=0.2, lw=0.8)
                ax.plot(steps, smooth(ys), color=color, lw=2, label=f"{label}, smoothed")
        if evals:
            xs, ys = [e["step"] for e in evals], [e["accuracy"] for e in evals]
            lo = [e["accuracy"] - e["wilson95"][0] for e in evals]
            hi = [e["wilson95"][1] - e["accuracy"] for e in evals]
            ax.errorbar(xs, ys, yerr=[lo, hi], fmt="o-", color="tab:red", capsize=3,
                        label=f"greedy eval accuracy (n={evals[0]['n']}, 95% Wilson)")
        ax.set_xlabel("RL step")
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
        ax.set_title(f"{self.run_dir.name}: reward and accuracy")
        fig.tight_layout()
        out = self.run_dir / "reward_curve.png"
        fig.savefig(out)
        plt.close(fig)
        return out

    def close(self) -> None:
        if self.tb:
            self.tb.close()
        if self.wandb:
            self.wandb.finish()
