"""Programs per second through rft.sandbox, per mechanism, beside a plain `python3 -c` subprocess.

Workloads:
  trivial     print(1)
  humaneval   a 40-line function (run-length encoding, parsing, sorting) and 10 asserts against it,
              about the size of a HumanEval completion plus its check(candidate)
Mechanisms (each with 1 and 2 workers, all in one invocation, on the same machine):
  isolated    Sandbox(isolation="auto"): every protection `rft sandbox check` lists as active
  rlimits     Sandbox(isolation="rlimits"): fork + rlimits + process-group kill, NOT isolated
  subprocess  subprocess.run([sys.executable, "-c", code]) per program, W threads (no limits at all)
Each cell first runs --warmup programs that are not timed, then N programs through W threads;
programs/s = N / elapsed wall time; p50/p99 are per-program latencies as the caller sees them.
Every program must finish "ok" (exit 0) or the bench fails.

Usage:
  .venv/bin/python bench/sandbox_bench.py [--n 400] [--n-subprocess 80] [--out bench/results/sandbox_bench.json]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rft.sandbox import Limits, Sandbox

TRIVIAL = "print(1)"
HUMANEVAL = '''
from typing import List, Tuple


def encode_runs(text: str) -> List[Tuple[str, int]]:
    """Run-length encode a string: 'aaab' -> [('a', 3), ('b', 1)]."""
    runs: List[Tuple[str, int]] = []
    for ch in text:
        if runs and runs[-1][0] == ch:
            runs[-1] = (ch, runs[-1][1] + 1)
        else:
            runs.append((ch, 1))
    return runs


def decode_runs(runs: List[Tuple[str, int]]) -> str:
    return "".join(ch * n for ch, n in runs)


def summarize(text: str) -> str:
    """The runs as 'a3b1', longest run first, ties by first appearance."""
    runs = encode_runs(text)
    order = sorted(range(len(runs)), key=lambda i: (-runs[i][1], i))
    parts = []
    for i in order:
        ch, n = runs[i]
        if ch.isspace():
            ch = "_"
        parts.append(f"{ch}{n}")
    return "".join(parts)


def parse_summary(summary: str) -> List[Tuple[str, int]]:
    out, i = [], 0
    while i < len(summary):
        ch = summary[i]
        j = i + 1
        while j < len(summary) and summary[j].isdigit():
            j += 1
        out.append((ch, int(summary[i + 1:j])))
        i = j
    return out


def check(candidate):
    assert candidate("") == ""
    assert candidate("a") == "a1"
    assert candidate("aaab") == "a3b1"
    assert candidate("abbb") == "b3a1"
    assert candidate("aabb") == "a2b2"
    assert candidate("a  b") == "_2a1b1"
    assert decode_runs(encode_runs("hello world")) == "hello world"
    assert parse_summary("a3b1") == [("a", 3), ("b", 1)]
    assert sum(n for _, n in parse_summary(candidate("mississippi"))) == 11
    assert candidate("zzzzzzzzzz") == "z10"


check(summarize)
'''


def measure(run_one, codes: list[str], workers: int, warmup: int) -> dict:
    for c in codes[:warmup]:
        run_one(c)
    lat = []

    def timed(code):
        t = time.perf_counter()
        run_one(code)
        lat.append(time.perf_counter() - t)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(workers) as ex:
        list(ex.map(timed, codes))
    elapsed = time.perf_counter() - t0
    lat.sort()
    return {"programs": len(codes), "programs_per_s": len(codes) / elapsed,
            "p50_ms": 1000 * statistics.median(lat), "p99_ms": 1000 * lat[min(len(lat) - 1, int(0.99 * len(lat)))]}


def sandbox_runner(sb: Sandbox):
    def run_one(code):
        res = sb.run(code)
        if res.status != "ok":
            raise SystemExit(f"bench program did not finish ok: {res}")
    return run_one


def subprocess_run_one(code):
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=30)
    if proc.returncode != 0:
        raise SystemExit(f"bench program failed: {proc.stderr[-500:]!r}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=400, help="programs per sandbox cell")
    ap.add_argument("--n-subprocess", type=int, default=80, help="programs per subprocess-baseline cell")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--out", default="bench/results/sandbox_bench.json")
    args = ap.parse_args()
    rows = []
    limits = Limits(wall_s=10, cpu_s=10)
    for workers in (1, 2):
        for mech in ("isolated", "rlimits", "subprocess"):
            for name, code in (("trivial", TRIVIAL), ("humaneval", HUMANEVAL)):
                if mech == "subprocess":
                    cell = measure(subprocess_run_one, [code] * args.n_subprocess, workers, min(5, args.warmup))
                    prot = "none"
                else:
                    with Sandbox(workers=workers, limits=limits, isolation="auto" if mech == "isolated" else "rlimits") as sb:
                        if mech == "isolated" and not sb.isolated:
                            print("warning: 'isolated' is not isolated on this machine", file=sys.stderr)
                        prot = ",".join(k for k, v in sb.protections().items() if v is True)
                        cell = measure(sandbox_runner(sb), [code] * args.n, workers, args.warmup)
                rows.append({"mechanism": mech, "workers": workers, "workload": name, **cell, "protections": prot})
                print(f"{mech:10s} workers={workers} {name:9s} {cell['programs_per_s']:7.1f}/s "
                      f"p50 {cell['p50_ms']:6.1f} ms p99 {cell['p99_ms']:6.1f} ms", file=sys.stderr)
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"rft.sandbox programs/s ({os.cpu_count()} CPUs, {platform.processor() or platform.machine()})")
    for h in ("mechanism", "workers", "workload", "programs/s", "p50 ms", "p99 ms"):
        t.add_column(h, justify="right" if h not in ("mechanism", "workload") else "left")
    for r in rows:
        t.add_row(r["mechanism"], str(r["workers"]), r["workload"], f"{r['programs_per_s']:.1f}",
                  f"{r['p50_ms']:.1f}", f"{r['p99_ms']:.1f}")
    Console().print(t)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    meta = {"python": sys.version.split()[0], "kernel": platform.release(), "cpus": os.cpu_count(),
            "command": " ".join([Path(sys.executable).name, *sys.argv])}
    Path(args.out).write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
