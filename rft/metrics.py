"""Run metrics: metrics.jsonl (one line per RL step), sft_metrics.jsonl (one per warm-up step),
optional TensorBoard / W&B, and the curve PNG."""
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


def truncate_jsonl(path: Path, step: int) -> None:
    """Keep the lines of a per-step JSONL log whose `step` is <= `step` (a resumed run redoes the rest)."""
    if not path.exists():
        return
    keep = []
    for ln in path.read_text().splitlines():
        try:
            if json.loads(ln)["step"] <= step:
                keep.append(ln)
        except (json.JSONDecodeError, KeyError, TypeError):
            pass  # a line cut short by the kill that interrupted the run
    path.write_text("".join(ln + "\n" for ln in keep))


class MetricsWriter:
    def __init__(self, run_dir: Path, cfg: LoggingConfig, resume: bool = False):
        self.run_dir = Path(run_dir)
        self.path = self.run_dir / "metrics.jsonl"
        self.sft_path = self.run_dir / "sft_metrics.jsonl"
        self.tb = self.wandb = None
        if cfg.tensorboard:
            from torch.utils.tensorboard import SummaryWriter  # needs the `tensorboard` package

            self.tb = SummaryWriter(str(self.run_dir / "tb"))
        if cfg.wandb:
            import wandb

            self.wandb = wandb.init(project=cfg.wandb_project, dir=str(self.run_dir), resume="allow")

    def truncate(self, step: int) -> None:
        """On resume: drop lines logged after the checkpoint, so the file reads as one run."""
        truncate_jsonl(self.path, step)

    def log(self, m: dict) -> None:
        with self.path.open("a") as f:
            f.write(json.dumps(m) + "\n")
        if self.tb:
            for k, v in m.items():
                if k != "step" and isinstance(v, (int, float)):
                    self.tb.add_scalar(k, v, m["step"])
        if self.wandb:
            self.wandb.log(m, step=m["step"])

    def start_sft(self) -> None:
        """A warm-up (re)starts from step 1: its log does too."""
        self.sft_path.write_text("")

    def log_sft(self, m: dict) -> None:
        with self.sft_path.open("a") as f:
            f.write(json.dumps(m) + "\n")
        if self.tb:
            self.tb.add_scalar("sft/loss", m["loss"], m["step"])

    def rows(self, path: Path | None = None) -> list[dict]:
        path = path or self.path
        if not path.exists():
            return []
        return [json.loads(ln) for ln in path.read_text().splitlines() if ln]

    def plot(self, evals: list[dict]) -> Path | None:
        """reward_curve.png: train reward and sampled accuracy per RL step (smoothed) with the greedy
        eval points; beside it the warm-up loss when the run had one."""
        rows, sft = self.rows(), self.rows(self.sft_path)
        if not rows and not evals and not sft:
            return None
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        if sft:
            fig, (ax_sft, ax) = plt.subplots(1, 2, figsize=(12, 4.5), dpi=110, width_ratios=[1, 2])
            xs = [r["step"] for r in sft]
            ax_sft.plot(xs, [r["loss"] for r in sft], color="tab:purple", alpha=0.3, lw=0.8)
            ax_sft.plot(xs, _smooth([r["loss"] for r in sft]), color="tab:purple", lw=2, label="loss, smoothed")
            ax_sft.set_yscale("log")
            ax_sft.set_xlabel("SFT step")
            ax_sft.set_title("SFT warm-up: loss on response tokens")
            ax_sft.grid(alpha=0.3, which="both")
            ax_sft.legend(loc="upper right", fontsize=8)
        else:
            fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
        steps = [r["step"] for r in rows]
        for key, label, color in (("reward/mean", "train reward (mean)", "tab:blue"),
                                  ("reward/accuracy", "train sampled accuracy", "tab:green")):
            if rows:
                ys = [r[key] for r in rows]
                ax.plot(steps, ys, color=color, alpha=0.2, lw=0.8)
                ax.plot(steps, _smooth(ys), color=color, lw=2, label=f"{label}, smoothed")
        if evals:
            xs, ys = [e["step"] for e in evals], [e["accuracy"] for e in evals]
            lo = [e["accuracy"] - e["wilson95"][0] for e in evals]
            hi = [e["wilson95"][1] - e["accuracy"] for e in evals]
            ax.errorbar(xs, ys, yerr=[lo, hi], fmt="o-", color="tab:red", capsize=3,
                        label=f"greedy eval accuracy (n={evals[0]['n']}, 95% Wilson)")
        ax.set_xlabel("RL step")
        if not rows:  # no RL (train.steps 0): the eval of the warm-up result alone, at step 0
            ax.set_xlim(-1, 1)
            ax.set_xticks([0])
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=8)
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


def _smooth(xs: list[float]) -> list[float]:
    """Trailing moving average over about 1/30 of the series."""
    w, out, acc = max(1, len(xs) // 30), [], 0.0
    for i, x in enumerate(xs):
        acc += x - (xs[i - w] if i >= w else 0.0)
        out.append(acc / min(i + 1, w))
    return out
