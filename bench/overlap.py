"""Step time against its parts: verification executors x synchronous / one-step-off training.

One run of the arith task (tasks/arith.yaml, the tiny model after a short SFT warm-up made once at
the start) per configuration, in this process, all with the same seed and budget:

  verifier   `sleep`: the math verifier plus a fixed wall time per row (--cost-s), standing for a
             remote judge or a slow test suite; `mbpp`: the math verifier plus the real code
             verifier running one MBPP reference program against its tests in the sandbox per
             row (see bench/overlap_verifiers.py)
  executor   `inprocess` (a thread of the trainer), `pool` (--workers processes), `ray`
             (--workers Ray actors of one process each, on a local cluster started once)
  mode       `off` (sample -> verify -> update, groups verified while the rest sample) and
             `one_step` (train.async: the next batch samples and verifies during this update)

Per configuration, over the steady steps (the first --warmup and, for one_step, the last are
left out: the pipeline fills and drains there), the means of the run's own per-step metrics:
  step_s          time/step: the loop's wall time per step (the learner's wait for its batch,
                  the weight sync, the update)
  sample_s        time/sample: the sampler's generate call
  verify_s        time/verify: the verifier's busy span, first group submitted to last score
  update_s        time/update: the learner's update
  sum_parts_s     sample + verify + update;  largest_part_s: the largest of the three
Each part is timed where it runs, so in one_step its time includes the contention with the
parts running beside it (2 CPU cores here: sampling and the update share them). Each row also
gives `speedup_vs_off` and `step_over_largest_alone`: its step against the largest part of the
`off` run of the same verifier and executor, where the parts ran one after the other.

Target (issue 14): step_s within 15% of largest_part_s for pool and ray with one_step.

Usage:
  .venv/bin/python bench/overlap.py [--steps 8] [--cost-s 0.05] [--workers 2] [--json]
      [--verifiers sleep,mbpp] [--executors inprocess,pool,ray] [--modes off,one_step]
Writes bench/results/overlap.json (--out); --json prints that object ({"rows": [...], ...});
--show FILE prints the table of a result file.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # overlap_verifiers, for pool and Ray workers too
from train_step import _cpu_model  # noqa: E402

REPO = HERE.parent
TASK = REPO / "tasks" / "arith.yaml"
VERIFIERS = {"sleep": "overlap_verifiers:SleepMath", "mbpp": "overlap_verifiers:MBPPCost"}


def warm_model(out: Path, sft_steps: int) -> str:
    """The arith task's SFT stage alone: a model that answers in a few tokens and stops."""
    from rft.config import load_config
    from rft.trainer import Trainer

    cfg = load_config(TASK, ["train.steps=0", "data.eval=null", f"sft.steps={sft_steps}", "train.sample_every=0"])
    Trainer(cfg, out).train()
    return str(out / "sft")


def run_one(model: str, verifier: str, executor: str, mode: str, args, run_dir: Path) -> dict:
    from rft.config import load_config
    from rft.trainer import Trainer

    options = json.dumps({"cost_s": args.cost_s} if verifier == "sleep" else {})
    cfg = load_config(TASK, [
        f"model.name={model}", "sft.steps=0", "data.eval=null", f"train.steps={args.steps}", "train.save_every=0",
        "train.sample_every=0", "train.eval_every=0", f"train.async={mode}", f"verifier.name={VERIFIERS[verifier]}",
        f"verifier.options={options}", f"verifier.executor={executor}", f"verifier.workers={args.workers}",
        "verifier.timeout_s=30"])
    steps: list[dict] = []
    t0 = time.perf_counter()
    Trainer(cfg, run_dir, callbacks=[lambda e, p: steps.append(p) if e == "step" else None]).train()
    wall = time.perf_counter() - t0
    steady = steps[args.warmup:len(steps) - (mode == "one_step")]

    def mean(key: str) -> float:
        return round(statistics.fmean(s[key] for s in steady), 4)

    parts = {"sample_s": mean("time/sample"), "verify_s": mean("time/verify"), "update_s": mean("time/update")}
    step = mean("time/step")
    largest = max(parts.values())
    return {"verifier": verifier, "executor": executor, "mode": mode, "step_s": step, **parts,
            "largest_part_s": round(largest, 4), "sum_parts_s": round(sum(parts.values()), 4),
            "step_over_largest": round(step / largest, 3), "wait_s": mean("time/wait"),
            "verify_wait_s": mean("time/verify_wait"), "staleness": mean("async/staleness"),
            "accuracy": mean("reward/accuracy"), "steady_steps": len(steady), "wall_s": round(wall, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--warmup", type=int, default=2, help="first steps left out of the means")
    ap.add_argument("--cost-s", type=float, default=0.05, help="sleep verifier: seconds per row")
    ap.add_argument("--workers", type=int, default=2, help="pool processes / Ray actors")
    ap.add_argument("--sft-steps", type=int, default=150)
    ap.add_argument("--verifiers", default="sleep,mbpp")
    ap.add_argument("--executors", default="inprocess,pool,ray")
    ap.add_argument("--modes", default="off,one_step")
    ap.add_argument("--out", default=str(HERE / "results" / "overlap.json"))
    ap.add_argument("--json", action="store_true", help="print the result object on stdout")
    ap.add_argument("--show", metavar="JSON", help="print the table of a result file and exit")
    args = ap.parse_args()
    if args.show:
        result = json.loads(Path(args.show).read_text())
        compare(result["rows"])
        show(result)
        return
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    executors = args.executors.split(",")
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="rft-overlap-") as tmp:
        t0 = time.perf_counter()
        model = warm_model(Path(tmp) / "warm", args.sft_steps)
        warm_s = time.perf_counter() - t0
        ray_start_s = None
        if "ray" in executors:
            from rft import cluster

            t0 = time.perf_counter()
            cluster.connect(None, num_cpus=args.workers)
            ray_start_s = round(time.perf_counter() - t0, 2)
        rows = []
        for verifier in args.verifiers.split(","):
            for executor in executors:
                for mode in args.modes.split(","):
                    row = run_one(model, verifier, executor, mode, args, Path(tmp) / f"{verifier}-{executor}-{mode}")
                    rows.append(row)
                    print(json.dumps(row), file=sys.stderr, flush=True)
        if "ray" in executors:
            cluster.shutdown()
    compare(rows)
    result = {
        "rows": rows,
        "target": "one_step with pool and ray: step_s <= 1.15 x largest_part_s",
        "config": {"task": "tasks/arith.yaml", "steps": args.steps, "warmup": args.warmup, "cost_s": args.cost_s,
                   "workers": args.workers, "sft_steps": args.sft_steps, "rows_per_step": 64,
                   "warm_model_s": round(warm_s, 1), "ray_start_s": ray_start_s},
        "machine": {"cpu_model": _cpu_model(), "cpu_count": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(), "load_avg_before": load_before},
        "command": "python bench/overlap.py " + " ".join(sys.argv[1:]),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    if args.json:
        print(json.dumps(result))
        return
    show(result)
    print(f"wrote {args.out}")


def compare(rows: list[dict]) -> None:
    """Each row against the `off` run of its verifier and executor: the speed-up, and the step
    against the largest part as measured there, where the parts ran one after the other and did
    not share the CPUs (in a one_step run each part is slowed by the others running beside it)."""
    for r in rows:
        off = next((o for o in rows if (o["verifier"], o["executor"], o["mode"]) == (r["verifier"], r["executor"], "off")), None)
        r["speedup_vs_off"] = round(off["step_s"] / r["step_s"], 3) if off else None
        r["largest_part_alone_s"] = off["largest_part_s"] if off else None
        r["step_over_largest_alone"] = round(r["step_s"] / off["largest_part_s"], 3) if off else None


def show(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    c = result["config"]
    t = Table(title=f"step time against its parts (s): {c['steps']} steps ({c['warmup']} warm-up), "
                    f"{c['rows_per_step']} rows/step, {result['machine']['cpu_count']} CPUs")
    cols = ("verifier", "executor", "mode", "step", "sample", "verify", "update", "largest", "sum", "step/largest",
            "step/largest alone", "vs off")
    for col in cols:
        t.add_column(col, justify="left" if col in ("verifier", "executor", "mode") else "right")
    for r in result["rows"]:
        t.add_row(r["verifier"], r["executor"], r["mode"], f"{r['step_s']:.2f}", f"{r['sample_s']:.2f}",
                  f"{r['verify_s']:.2f}", f"{r['update_s']:.2f}", f"{r['largest_part_s']:.2f}",
                  f"{r['sum_parts_s']:.2f}", f"{r['step_over_largest']:.2f}", f"{r['step_over_largest_alone']:.2f}",
                  f"{r['speedup_vs_off']:.2f}x")
    Console(width=200).print(t)


if __name__ == "__main__":
    main()
