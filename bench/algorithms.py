"""grpo, dr_grpo, rloo, reinforce_pp and ppo on the same arith run: accuracy, speed and memory.

Every algorithm trains from the same SFT warm-up model, with the same seed, data order, sampler,
learning rate, KL weight and step budget: tasks/arith.yaml as it stands, with only
`algorithm.name` changed (plus `algorithm.loss_agg=seq-mean-token-sum` for dr_grpo, whose other
half is that aggregation; see --no-dr-agg). Each run is the user's command, in a subprocess:

    rft train tasks/arith.yaml --model <warm-up> --set sft.steps=0 --set algorithm.name=NAME

The warm-up (tasks/arith.yaml's SFT stage) runs once first, and its wall time is added to each
algorithm's RL wall time for the 10-minute budget check, since `rft train` would run it too.

Reported per algorithm (greedy accuracy on the task's 500 held-out prompts, Wilson 95%):
  final accuracy, the paired difference to the warm-up model, accuracy at each eval, s/step
  (median of time/step), total wall time (warm-up + RL + evals), peak RSS of the run's process
  tree (polled every 50 ms), and the accuracy at the last eval reached within --budget-min.

Outputs: a table on stdout, bench/results/algorithms.json and bench/results/algorithms.png
(greedy accuracy against RL step, one line per algorithm, the warm-up model at step 0).

Usage:
  .venv/bin/python bench/algorithms.py [--algorithms grpo,ppo] [--steps 450] [--out-dir bench/results]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_step import TreeRSS, _cpu_model  # noqa: E402  (the same process-tree RSS poller)

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
TASK = REPO / "tasks" / "arith.yaml"
ALGORITHMS = ["grpo", "dr_grpo", "rloo", "reinforce_pp", "ppo"]
RFT = [sys.executable, "-m", "rft.cli", "train", str(TASK)]


def sets(*items: str) -> list[str]:
    return [x for item in items for x in ("--set", item)]


def run(cmd: list[str], log_path: Path) -> tuple[int, float, float]:
    """Run `cmd`, output to `log_path`; (exit code, wall seconds, peak RSS of its process tree in GB)."""
    t0 = time.perf_counter()
    with open(log_path, "w") as f:
        proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, cwd=REPO,
                                env={**os.environ, "COLUMNS": "160"})
        mem = TreeRSS(pid=proc.pid)  # the child's tree, not this light parent
        mem.start()
        rc = proc.wait()
        mem.stop()
    return rc, time.perf_counter() - t0, mem.peak / 2**30


def warm_up(work: Path, common: list[str], console: Console) -> tuple[Path, float]:
    out = work / "warmup"
    console.print(f"warm-up: tasks/arith.yaml's SFT stage -> {out / 'sft'}")
    rc, wall, _ = run(RFT + sets(*common, "train.steps=0", "data.eval=null") + ["--output", str(out)],
                      work / "warmup.log")
    if rc != 0:
        raise SystemExit(f"warm-up failed (exit {rc}); see {work / 'warmup.log'}")
    return out / "sft", wall


def run_algorithm(name: str, sft: Path, work: Path, common: list[str], dr_agg: bool) -> dict:
    extra = [f"algorithm.name={name}", "sft.steps=0"]
    if name == "dr_grpo" and dr_agg:
        extra.append("algorithm.loss_agg=seq-mean-token-sum")
    out = work / name
    cmd = RFT + sets(*common, *extra) + ["--model", str(sft), "--output", str(out)]
    rc, wall, peak = run(cmd, work / f"{name}.log")
    if rc != 0:
        tail = (work / f"{name}.log").read_text(errors="replace").strip().splitlines()[-3:]
        return {"error": f"exit {rc}: " + " / ".join(tail), "overrides": extra}
    summary = json.loads((out / "summary.json").read_text())
    steps = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines() if line]
    ev = summary["eval"]
    # the run's wall clock at each eval: time/elapsed (since the run started: load, first eval, steps,
    # evals) plus what came after the last step (final save and eval), counted at every eval
    tail = wall - steps[-1]["time/elapsed"]
    at = {0: 0.0, **{m["step"]: m["time/elapsed"] for m in steps if "eval/accuracy" in m}}
    at[summary["steps"]] = steps[-1]["time/elapsed"]
    return {
        "overrides": extra,
        "final_accuracy": ev["last"]["accuracy"], "final_wilson95": ev["last"]["wilson95"],
        "sft_accuracy": ev["first"]["accuracy"], "n_eval": ev["last"]["n"],
        "paired_difference": ev.get("difference"),
        "history": ev["history"],
        "rl_wall_s_at_eval": {str(k): round(v + tail, 1) for k, v in at.items()},
        "s_per_step": round(statistics.median(m["time/step"] for m in steps), 3),
        "update_s_per_step": round(statistics.median(m["time/update"] for m in steps), 3),
        "rl_wall_s": round(wall, 1),
        "peak_rss_gb": round(peak, 3),
        "rft_reported_peak_rss_gb": round(summary["peak_rss_gb"], 3),
        "final_train_reward": round(statistics.fmean(m["reward/mean"] for m in steps[-20:]), 4),
        "final_train_accuracy": round(statistics.fmean(m["reward/accuracy"] for m in steps[-20:]), 4),
        "run_dir": str(out),
    }


def within_budget(r: dict, sft_wall: float, budget_s: float) -> dict | None:
    """The last eval done within the budget, counting the warm-up's wall time too (as `rft train` would)."""
    best = None
    for h in r.get("history", []):
        at = sft_wall + r["rl_wall_s_at_eval"][str(h["step"])]
        if at <= budget_s:
            best = {"step": h["step"], "accuracy": h["accuracy"], "wall_s": round(at, 1)}
    return best


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    sft = None
    for name, r in results.items():
        if "history" not in r:
            continue
        steps = [h["step"] for h in r["history"]]
        acc = [100 * h["accuracy"] for h in r["history"]]
        ax.plot(steps, acc, marker="o", label=f"{name} ({acc[-1]:.1f}%)")
        sft = acc[0]
    if sft is not None:
        ax.axhline(sft, color="gray", linestyle="--", linewidth=1, label=f"SFT warm-up only ({sft:.1f}%)")
    ax.set_xlabel("RL step")
    ax.set_ylabel("greedy accuracy on 500 held-out prompts (%)")
    ax.set_title("tasks/arith.yaml: same warm-up, seed and budget per algorithm")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def render(res: dict, console: Console) -> None:
    t = Table(title=f"bench/algorithms.py: tasks/arith.yaml, {res['steps']} RL steps each, same warm-up and seed")
    for col in ("algorithm", "final acc [95% CI]", "vs SFT (paired, 95% CI)", f"acc within {res['budget_min']:g} min",
                "s/step", "wall (SFT+RL)", "peak RSS GB"):
        t.add_column(col, justify="right" if col != "algorithm" else "left")
    for name, r in res["results"].items():
        if "error" in r:
            t.add_row(name, r["error"], "", "", "", "", "")
            continue
        lo, hi = r["final_wilson95"]
        d = r["paired_difference"] or {}
        diff = (f"{100 * d['delta']:+.1f} [{100 * d['ci95'][0]:+.1f}, {100 * d['ci95'][1]:+.1f}]"
                if "ci95" in d else "")
        wb = r.get("within_budget") or {}
        t.add_row(name, f"{100 * r['final_accuracy']:.1f}% [{100 * lo:.1f}, {100 * hi:.1f}]", diff,
                  f"{100 * wb['accuracy']:.1f}% (step {wb['step']})" if wb else "-",
                  f"{r['s_per_step']:.2f}", f"{(res['sft_wall_s'] + r['rl_wall_s']) / 60:.1f} min",
                  f"{r['peak_rss_gb']:.2f}")
    console.print(t)
    console.print(f"SFT warm-up: {res['sft_wall_s']:.0f} s; greedy accuracy after it "
                  f"{100 * res['sft_accuracy']:.1f}%" if res.get("sft_accuracy") is not None else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--algorithms", default=",".join(ALGORITHMS))
    ap.add_argument("--steps", type=int, default=None, help="RL steps per algorithm (default: the task's train.steps)")
    ap.add_argument("--eval-every", type=int, default=None, help="default: the task's train.eval_every")
    ap.add_argument("--budget-min", type=float, default=10.0)
    ap.add_argument("--no-dr-agg", action="store_true", help="dr_grpo with the task's loss_agg instead of seq-mean-token-sum")
    ap.add_argument("--set", dest="extra", action="append", default=[], help="more overrides for every run")
    ap.add_argument("--out-dir", default=str(REPO / "bench" / "results"))
    ap.add_argument("--keep", help="keep the run directories here (default: a temporary folder)")
    ap.add_argument("--merge", action="store_true",
                    help="replace only these algorithms' rows in an existing algorithms.json (same steps and overrides)")
    args = ap.parse_args()
    console = Console(stderr=True)
    names = [n.strip() for n in args.algorithms.split(",") if n.strip()]
    common = ["train.save_every=0", "train.sample_every=0", *args.extra]
    if args.steps is not None:
        common.append(f"train.steps={args.steps}")
    if args.eval_every is not None:
        common.append(f"train.eval_every={args.eval_every}")
    sys.path.insert(0, str(REPO))
    from rft.config import load_config

    cfg = load_config(TASK, [c for c in common if not c.startswith("algorithm.")])
    work = Path(args.keep or tempfile.mkdtemp(prefix="rft-bench-algos-"))
    work.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    sft, sft_wall = warm_up(work, common, console)
    results: dict[str, dict] = {}
    for name in names:
        console.print(f"{name}: {cfg.train.steps} RL steps (log: {work / (name + '.log')})")
        r = run_algorithm(name, sft, work, common, not args.no_dr_agg)
        r["within_budget"] = within_budget(r, sft_wall, 60 * args.budget_min)
        results[name] = r
        if "error" not in r:
            console.print(f"  final {100 * r['final_accuracy']:.1f}% | {r['s_per_step']:.2f} s/step | "
                          f"wall {r['rl_wall_s']:.0f} s | peak {r['peak_rss_gb']:.2f} GB")
        else:
            console.print(f"  [red]{r['error']}[/]")
    this_command = " ".join(["python", "bench/algorithms.py", *sys.argv[1:]])
    commands = [this_command]
    out_dir = Path(args.out_dir)
    previous = out_dir / "algorithms.json"
    reran = {n: time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()) for n in results}  # when these rows ran
    if args.merge and previous.exists():
        old = json.loads(previous.read_text())
        if old["steps"] != cfg.train.steps or old["common_overrides"] != common:
            raise SystemExit(f"--merge: {previous} was run with other steps or overrides")
        for name, r in old["results"].items():
            if name not in results:
                results[name] = r
        results = {n: results[n] for n in ALGORITHMS if n in results}
        reran = {**old.get("rerun", {}), **reran}
        commands = [*old.get("commands", [old["command"]]), this_command]
    ok = [r for r in results.values() if "error" not in r]
    res = {
        "command": this_command,
        "commands": commands,  # with --merge, every invocation whose rows are in this file
        "task": "tasks/arith.yaml", "steps": cfg.train.steps, "seed": cfg.train.seed,
        "eval_every": cfg.train.eval_every, "budget_min": args.budget_min, "common_overrides": common,
        "sft_wall_s": round(sft_wall, 1), "sft_accuracy": ok[0]["sft_accuracy"] if ok else None,
        "results": results,
        "rerun": reran if args.merge else {},
        "machine": {"cpu_model": _cpu_model(), "cpu_count": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(), "load_avg_before": load_before,
                    "load_avg_after": os.getloadavg()},
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "algorithms.json").write_text(json.dumps(res, indent=2))
    plot(results, out_dir / "algorithms.png")
    render(res, Console())
    console.print(f"wrote {out_dir / 'algorithms.json'} and {out_dir / 'algorithms.png'}; runs in {work}")


if __name__ == "__main__":
    main()
