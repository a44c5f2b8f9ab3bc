"""What tools buy: `tasks/arith_tool.yaml` over seeds, RL against its SFT start and against SFT
alone given the same wall time, paired on the same held-out prompts.

For each seed S it runs, as a user would:
  1. `rft train tasks/arith_tool.yaml --set train.seed=S`: SFT warm-up, then GRPO with the `calc`
     tool in the rollouts; greedy eval after SFT and after RL;
  2. `rft train ... --set train.steps=0 --set sft.steps=K`: SFT alone, K chosen so its warm-up
     takes the wall time run 1 spent training (warm-up + RL, evals left out), at the
     warm-up's measured speed.
It prints a table (accuracy overall, on the easy and the hard problems, the share of greedy
answers that called the tool, paired differences with 95% intervals) and writes JSON.

    .venv/bin/python bench/tool_task.py --seeds 0 1 2 --json bench/results/tool_task.json
    .venv/bin/python bench/tool_task.py --show bench/results/tool_task.json
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def train(out: Path, sets: list[str]) -> dict:
    cmd = [sys.executable, "-m", "rft.cli", "train", str(ROOT / "tasks" / "arith_tool.yaml"), "--output", str(out),
           "--overwrite"] + [a for s in sets for a in ("--set", s)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    summary = json.loads((out / "summary.json").read_text())
    summary["command_seconds"] = time.perf_counter() - t0
    return summary


def metric_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def breakdown(ev: dict, kinds: list[str]) -> dict:
    mask = ev["correct_mask"]
    out = {"accuracy": ev["accuracy"], "wilson95": ev["wilson95"], "tool_use": ev.get("tool_use")}
    for k in sorted(set(kinds)):
        rows = [c for c, kk in zip(mask, kinds) if kk == k]
        out[k] = sum(rows) / len(rows)
    return out


def run_seed(seed: int, work: Path, kinds: list[str]) -> dict:
    from rft.evaluation import paired_difference

    rl_dir = work / f"rl_seed{seed}"
    rl = train(rl_dir, [f"train.seed={seed}"])
    sft_s = metric_lines(rl_dir / "sft_metrics.jsonl")[-1]["seconds"]
    steps = metric_lines(rl_dir / "metrics.jsonl")
    rl_s = sum(m["time/step"] for m in steps)
    sft_steps = 300
    k = round(sft_steps * (sft_s + rl_s) / sft_s)
    alone_dir = work / f"sft_alone_seed{seed}"
    alone = train(alone_dir, [f"train.seed={seed}", "train.steps=0", f"sft.steps={k}"])
    first, last, only = rl["eval"]["first"], rl["eval"]["last"], alone["eval"]["last"]
    return {"seed": seed, "sft_seconds": sft_s, "rl_seconds": rl_s, "sft_alone_steps": k,
            "sft_alone_seconds": metric_lines(alone_dir / "sft_metrics.jsonl")[-1]["seconds"],
            "after_sft": breakdown(first, kinds), "after_rl": breakdown(last, kinds),
            "sft_alone": breakdown(only, kinds),
            "rl_minus_sft": paired_difference(first["correct_mask"], last["correct_mask"]),
            "rl_minus_sft_alone": paired_difference(only["correct_mask"], last["correct_mask"]),
            "tool_call_rate": [m["tool/call_rate"] for m in steps]}


def show(rows: list[dict]) -> None:
    from rft.console import print_table

    def pct(x):
        return f"{100 * x:.1f}%"

    def diff(d):
        return f"{100 * d['delta']:+.1f} [{100 * d['ci95'][0]:+.1f}, {100 * d['ci95'][1]:+.1f}]"

    print_table("arith_tool: greedy accuracy on 500 held-out prompts (easy / hard), tool use",
                ["seed", "after SFT", "after RL", "RL - SFT, paired [95%]", "SFT alone, same time",
                 "RL - SFT alone, paired [95%]", "tool calls/turn, first -> last 10 steps"],
                [[r["seed"],
                  f"{pct(r['after_sft']['accuracy'])} ({pct(r['after_sft']['easy'])} / {pct(r['after_sft']['hard'])}), "
                  f"tool {pct(r['after_sft']['tool_use'])}",
                  f"{pct(r['after_rl']['accuracy'])} ({pct(r['after_rl']['easy'])} / {pct(r['after_rl']['hard'])}), "
                  f"tool {pct(r['after_rl']['tool_use'])}",
                  diff(r["rl_minus_sft"]),
                  f"{pct(r['sft_alone']['accuracy'])} ({pct(r['sft_alone']['easy'])} / "
                  f"{pct(r['sft_alone']['hard'])}), tool {pct(r['sft_alone']['tool_use'])}, {r['sft_alone_steps']} steps",
                  diff(r["rl_minus_sft_alone"]),
                  f"{sum(r['tool_call_rate'][:10]) / 10:.2f} -> {sum(r['tool_call_rate'][-10:]) / 10:.2f}"]
                 for r in rows])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--work", default=str(ROOT / "runs" / "bench_tool"))
    ap.add_argument("--json", help="write the rows here")
    ap.add_argument("--show", help="print the table of a saved result and exit")
    args = ap.parse_args()
    if args.show:
        show(json.loads(Path(args.show).read_text())["rows"])
        return
    from rft.tasks.arith import generate_tool

    import yaml

    eval_args = yaml.safe_load((ROOT / "tasks" / "arith_tool.yaml").read_text())["data"]["eval"]["args"]
    kinds = [r["kind"] for r in generate_tool("eval", **eval_args)]
    rows = []
    for seed in args.seeds:
        rows.append(run_seed(seed, Path(args.work), kinds))
        show(rows)
        if args.json:
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            Path(args.json).write_text(json.dumps({"task": "tasks/arith_tool.yaml", "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
