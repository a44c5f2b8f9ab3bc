"""Memory of the RL stage: full fine-tuning vs LoRA, with and without gradient checkpointing and a critic.

Each configuration is `rft train tasks/arith.yaml` in a subprocess for a few RL steps (no warm-up,
no evals) on a larger tiny model (hidden 512, 8 layers, ~25M parameters by default), so the
weights, gradients and optimizer state stand out from the ~0.4 GB that Python, torch and the
verifier worker take anyway. Reported per configuration:

  copies     the full weight copies held in memory: policy, reference, critic (summary.json)
  trainable  parameters with requires_grad (the ones that get gradients and AdamW state)
  peak RSS   of the run's process tree, polled every 50 ms (GB)
  s/step     median time/step

The micro-batch is 8 sequences (of 64 a step), so that activations, which a CPU allocator keeps
resident once touched, do not swamp the differences in weight state; RSS is still a coarse
measure (freed memory stays resident), so the copies and trainable counts are the exact figures.

Usage:
  .venv/bin/python bench/memory.py [--steps 4] [--hidden 512] [--layers 8]
Writes bench/results/memory.json and prints a table.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from algorithms import REPO, RFT, run, sets  # noqa: E402

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

CONFIGS = {
    "full, KL (policy + reference)": ["algorithm.kl_coef=0.05"],
    "full, no KL (no reference)": ["algorithm.kl_coef=0"],
    "full, KL, gradient checkpointing": ["algorithm.kl_coef=0.05", "model.gradient_checkpointing=true"],
    "LoRA r=16, KL (reference = adapters off)": ["algorithm.kl_coef=0.05", "model.lora.r=16"],
    "LoRA r=16, KL, gradient checkpointing": ["algorithm.kl_coef=0.05", "model.lora.r=16",
                                              "model.gradient_checkpointing=true"],
    "ppo, full, KL (policy + reference + critic)": ["algorithm.kl_coef=0.05", "algorithm.name=ppo"],
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--hidden", type=int, default=512)
    ap.add_argument("--layers", type=int, default=8)
    ap.add_argument("--micro-batch", type=int, default=8,
                    help="sequences per forward/backward: small, so activations do not hide the weight state")
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / "memory.json"))
    args = ap.parse_args()
    console = Console(stderr=True)
    common = [f"model.tiny.hidden_size={args.hidden}", f"model.tiny.num_layers={args.layers}",
              "model.tiny.num_heads=8", f"model.tiny.intermediate_size={4 * args.hidden}",
              "sft.steps=0", f"train.steps={args.steps}", "train.save_every=0", "train.sample_every=0",
              "data.eval=null", "data.train.args.n=2000", f"train.micro_batch={args.micro_batch}"]
    work = Path(tempfile.mkdtemp(prefix="rft-bench-mem-"))
    rows = {}
    for label, extra in CONFIGS.items():
        slug = "".join(c if c.isalnum() else "_" for c in label)[:40]
        out = work / slug
        console.print(f"{label}: {args.steps} RL steps")
        rc, wall, peak = run(RFT + sets(*common, *extra) + ["--output", str(out)], work / f"{slug}.log")
        if rc != 0:
            rows[label] = {"error": f"exit {rc}, see {work / (slug + '.log')}", "overrides": extra}
            continue
        steps = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines() if x]
        rows[label] = {"overrides": extra, "peak_rss_gb": round(peak, 3),
                       "s_per_step": round(statistics.median(m["time/step"] for m in steps[1:] or steps), 3),
                       "update_s": round(statistics.median(m["time/update"] for m in steps[1:] or steps), 3),
                       **json.loads((out / "summary.json").read_text())["models"]}
    ok = [r for r in rows.values() if "error" not in r]
    params = ok[0]["params"] / ok[0]["weight_copies"] if ok else 0
    res = {"command": " ".join(["python", "bench/memory.py", *sys.argv[1:]]), "common_overrides": common,
           "model_params": params, "results": rows, "load_avg": os.getloadavg()}
    Path(args.out).write_text(json.dumps(res, indent=2))
    t = Table(title=f"bench/memory.py: RL stage, tiny model at {params / 1e6:.1f}M parameters, "
                    f"{args.steps} steps, 64 sequences a step, micro-batch {args.micro_batch}")
    for col in ("configuration", "weight copies", "trainable params", "peak RSS GB", "s/step"):
        t.add_column(col, justify="left" if col == "configuration" else "right")
    for label, r in rows.items():
        if "error" in r:
            t.add_row(label, r["error"], "", "", "")
            continue
        t.add_row(label, str(r["weight_copies"]), f"{r['trainable_params'] / 1e6:.2f}M", f"{r['peak_rss_gb']:.2f}",
                  f"{r['s_per_step']:.2f}")
    Console().print(t)
    console.print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
