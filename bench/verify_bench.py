"""rft's math verifier next to Hugging Face's math-verify, on the same human-labelled rows, in one run.

Input is JSONL as for `rft verify`: `completion`, `answer` (reference), `label` (a person's
judgement, bool), optional `category` and `truncated` (the completion was cut at the token limit:
rft gets it as the sampler would pass it; math-verify has no such input and sees the text alone).
Positive class = correct; a verifier predicts positive iff
  rft          MathVerifier().score(completion, answer=answer, truncated=...).outcome == "correct"
  math-verify  verify(parse(gold), parse(completion)) is True, as its README shows: the gold is
               the answer inside `$...$`, parsed with [LatexExtractionConfig(), ExprExtractionConfig()];
               the completion with parse's defaults (the same two). A GSM8K solution
               ("... #### 72") is cut to what follows its last `####` first, and a reference that
               holds `\\boxed` is passed as is. An exception or a timeout (math-verify's own
               signal.alarm, set to ceil(--deadline-s)) predicts negative.

What is measured, per verifier:
  accuracy, precision, recall, F1, tp/fp/tn/fn   (undefined ratios are 0.0, as in `rft verify`)
  ms per row, p50/p99/max   in-process, time.perf_counter around each call
  rows/s                    in-process; and 1 and 2 worker processes: rft through
                            VerifierRunner(workers=W, timeout_s=--deadline-s), math-verify through
                            a spawn Pool(W) with the rows in W contiguous chunks
  rows over the deadline    in-process calls slower than --deadline-s, and runner timeouts
  per-category accuracy     when rows carry `category`
Warm start: every measurement first scores one warm-up row that is not in the set (one per side,
each taking that side through sympy, so rft's sympy child process is up), in the measuring
process or in each worker, before the clock starts. The cold start (a fresh interpreter importing the verifier
and scoring that row) is measured apart. Each rft measurement uses a fresh MathVerifier, so no
result cache carries over between passes. Metrics come from the in-process pass;
`pass_mismatches` counts rows whose prediction differs in the worker passes (a timeout, say).
Writes bench/results/verify_bench.json and bench/results/verify_bench_disagreements.jsonl (every
row that either verifier gets wrong against the label, with both predictions and rft's reason).

Usage (math-verify is a benchmark-only dependency; `make bench-verify` installs it and runs this):
  .venv/bin/pip install "math-verify[antlr4_13_2]"
  .venv/bin/python bench/verify_bench.py [--data tests/data/math_verify_set.jsonl] [--limit N]
                                         [--deadline-s 2.0] [--out bench/results/verify_bench.json]
"""
from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import platform
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "math_verify_set.jsonl"
RESULTS = REPO / "bench" / "results" / "verify_bench.json"
INSTALL = 'math-verify is not installed: run `make bench-verify`, or `.venv/bin/pip install "math-verify[antlr4_13_2]"`'
# One warm-up row per side, in no data set, each chosen to take that side through sympy before the
# clock. rft's values overflow its numeric evaluation, so rft settles it in its sympy child process,
# which is then up; math-verify's is symbolic, so its LaTeX parser and first simplify are done.
WARMUP = {"rft": ("Warm-up: the value is $\\boxed{2 \\cdot 2^{4999}}$.", "2^{5000}"),
          "math_verify": ("Warm-up: the area is $\\boxed{(t+1)^2}$.", "t^2+2t+1")}


# ---------------------------------------------------------------------------- math-verify
def mv_gold_text(answer) -> str:
    s = str(answer).strip()
    if "####" in s:  # a GSM8K solution: the final answer follows the last ####
        s = s.rsplit("####", 1)[1].strip()
    return s if "\\boxed" in s else f"${s}$"


def mv_score(completion: str, answer, timeout_s: int) -> tuple[bool, object, object]:
    """(predicted correct, parsed gold, parsed prediction); an exception or timeout is (False, ...)."""
    from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse, verify
    from math_verify.errors import TimeoutException

    gold = pred = None
    try:
        gold = parse(mv_gold_text(answer), extraction_config=[LatexExtractionConfig(), ExprExtractionConfig()],
                     parsing_timeout=timeout_s)
        pred = parse(completion, parsing_timeout=timeout_s)
        return bool(verify(gold, pred, timeout_seconds=timeout_s)), gold, pred
    except (Exception, TimeoutException) as e:  # noqa: BLE001 - TimeoutException is a BaseException
        return False, gold, f"{type(e).__name__}: {e}"


_BARRIER = None


def _mv_init(barrier, timeout_s: int) -> None:
    """Pool initializer: imports and the first call happen here, before the clock starts."""
    global _BARRIER
    _BARRIER = barrier
    mv_score(*WARMUP["math_verify"], timeout_s)


def _mv_ready(_) -> int:
    _BARRIER.wait(300)  # blocks until all W processes are in: each takes exactly one of these
    return os.getpid()


def _mv_chunk(args) -> list[bool]:
    pairs, timeout_s = args
    return [mv_score(c, a, timeout_s)[0] for c, a in pairs]


def mv_pool(rows: list[dict], procs: int, timeout_s: int) -> dict:
    ctx = mp.get_context("spawn")
    pairs = [(r["completion"], r["answer"]) for r in rows]
    size = -(-len(pairs) // procs)
    chunks = [(pairs[k:k + size], timeout_s) for k in range(0, len(pairs), size)]
    with ctx.Pool(procs, initializer=_mv_init, initargs=(ctx.Barrier(procs), timeout_s)) as pool:
        pool.map(_mv_ready, range(procs), chunksize=1)
        t0 = time.perf_counter()
        # a bound, not a target: every call inside is already bounded by math-verify's alarms
        out = pool.map_async(_mv_chunk, chunks, chunksize=1).get(timeout=60 + 3 * timeout_s * len(rows))
        seconds = time.perf_counter() - t0
    return {"seconds": seconds, "rows_per_second": len(rows) / seconds, "preds": [p for c in out for p in c]}


def timed_pass(rows: list[dict], fn) -> dict:
    """fn(row) for every row in this process, each call timed with perf_counter."""
    out, lat = [], []
    t0 = time.perf_counter()
    for r in rows:
        t = time.perf_counter()
        out.append(fn(r))
        lat.append(time.perf_counter() - t)
    seconds = time.perf_counter() - t0
    return {"results": out, "latency": lat, "seconds": seconds, "rows_per_second": len(rows) / seconds}


def mv_inprocess(rows: list[dict], timeout_s: int) -> dict:
    mv_score(*WARMUP["math_verify"], timeout_s)
    res = timed_pass(rows, lambda r: mv_score(r["completion"], r["answer"], timeout_s))
    return {**res, "preds": [x[0] for x in res["results"]],
            "parsed": [(_short(g), _short(p)) for _, g, p in res["results"]]}


def _short(x, n: int = 80) -> str:
    try:
        s = str(x)
    except Exception as e:  # noqa: BLE001 - str() of a huge sympy object can fail
        s = f"<{type(e).__name__}>"
    return s if len(s) <= n else s[:n - 1] + "…"


# ---------------------------------------------------------------------------- rft
def rft_inprocess(rows: list[dict]) -> dict:
    from rft.verifiers.base import Score
    from rft.verifiers.math import MathVerifier

    v = MathVerifier()  # fresh: its result cache starts empty
    v.score(WARMUP["rft"][0], answer=WARMUP["rft"][1])

    def one(r: dict) -> Score:
        try:
            return v.score(r["completion"], answer=r["answer"], truncated=r.get("truncated", False))
        except Exception as e:  # noqa: BLE001 - as the runner does: an exception is an error score
            return Score(0.0, "error", f"exception: {type(e).__name__}: {e}")

    res = timed_pass(rows, one)
    return {**res, "scores": res["results"], "preds": [s.outcome == "correct" for s in res["results"]]}


def rft_runner(rows: list[dict], workers: int, deadline_s: float) -> dict:
    from rft.verifiers.math import MathVerifier
    from rft.verifiers.runner import VerifierRunner

    completions, fields = [r["completion"] for r in rows], [{"answer": r["answer"]} for r in rows]
    with VerifierRunner(MathVerifier(), workers=workers, timeout_s=deadline_s) as runner:
        # one warm-up row per worker (the runner gives each worker one contiguous chunk)
        runner.score_batch([WARMUP["rft"][0]] * workers, [{"answer": WARMUP["rft"][1]}] * workers)
        before = dict(runner.stats)
        t0 = time.perf_counter()
        scores = runner.score_batch(completions, fields, truncated=[r.get("truncated", False) for r in rows])
        seconds = time.perf_counter() - t0
        timeouts = runner.stats["timeouts"] - before["timeouts"]
    return {"seconds": seconds, "rows_per_second": len(rows) / seconds, "timeouts": timeouts,
            "preds": [s.outcome == "correct" for s in scores]}


def cold_start_ms(side: str) -> float:
    """Import + first call (the warm-up row) in a fresh interpreter: what each new worker pays once."""
    call = {"rft": "from rft.verifiers.math import MathVerifier; MathVerifier().score(c, answer=a)",
            "math_verify": "from verify_bench import mv_score; mv_score(c, a, 5)"}[side]
    code = (f"import sys, time; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            f"c, a = {WARMUP[side]!r}; t = time.perf_counter(); {call}; "
            "print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return 1e3 * float(out.stdout.split()[-1])


# ---------------------------------------------------------------------------- statistics
def confusion(preds: list[bool], labels: list[bool]) -> dict:
    tp = sum(p and y for p, y in zip(preds, labels))
    fp = sum(p and not y for p, y in zip(preds, labels))
    fn = sum(y and not p for p, y in zip(preds, labels))
    tn = len(labels) - tp - fp - fn
    ratio = lambda a, b: a / b if b else 0.0  # noqa: E731
    precision, recall = ratio(tp, tp + fp), ratio(tp, tp + fn)
    return {"accuracy": ratio(tp + tn, len(labels)), "precision": precision, "recall": recall,
            "f1": ratio(2 * precision * recall, precision + recall), "tp": tp, "fp": fp, "tn": tn, "fn": fn}


def latency_ms(lat: list[float]) -> dict:
    s = sorted(lat)
    rank = lambda q: s[min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))]  # noqa: E731 - nearest rank
    return {"p50": 1e3 * rank(0.5), "p99": 1e3 * rank(0.99), "max": 1e3 * s[-1]}


def summarize(inproc: dict, w1: dict, w2: dict, labels: list[bool], deadline_s: float) -> dict:
    return {**confusion(inproc["preds"], labels),
            "rows_per_second": {"in_process": inproc["rows_per_second"], "workers_1": w1["rows_per_second"],
                                "workers_2": w2["rows_per_second"]},
            "latency_ms": latency_ms(inproc["latency"]),
            "over_deadline": sum(x > deadline_s for x in inproc["latency"]),
            "timeouts": {"workers_1": w1.get("timeouts", 0), "workers_2": w2.get("timeouts", 0)},
            "pass_mismatches": sum(a != b or a != c for a, b, c in zip(inproc["preds"], w1["preds"], w2["preds"]))}


def versions() -> dict:  # all installed by now: math-verify was imported
    pkgs = ("math-verify", "latex2sympy2_extended", "antlr4-python3-runtime", "sympy", "mpmath")
    return {"python": platform.python_version(), **{p: metadata.version(p) for p in pkgs}}


def cpu_model() -> str | None:
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    return next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("model name")), None)


# ---------------------------------------------------------------------------- output
def render(r: dict, bad: list[dict], show: int) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    con, a, b = Console(), r["rft"], r["math_verify"]
    t = Table(title=f"verify_bench: {r['rows']} rows of {r['data']} (deadline {r['deadline_s']:g}s)")
    t.add_column("")
    t.add_column("rft math", justify="right")
    t.add_column(f"math-verify {r['versions']['math-verify']}", justify="right")
    for label, f in [
        ("acc / precision / recall", lambda d: f"{d['accuracy']:.3f} / {d['precision']:.3f} / {d['recall']:.3f}"),
        ("F1", lambda d: f"{d['f1']:.3f}"),
        ("tp / fp / tn / fn", lambda d: f"{d['tp']} / {d['fp']} / {d['tn']} / {d['fn']}"),
        ("rows/s in-process", lambda d: f"{d['rows_per_second']['in_process']:,.0f}"),
        ("rows/s 1 / 2 workers", lambda d: "{:,.0f} / {:,.0f}".format(*list(d["rows_per_second"].values())[1:])),
        ("ms/row p50 / p99 / max", lambda d: "{p50:.3g} / {p99:.3g} / {max:.3g}".format(**d["latency_ms"])),
        ("over deadline; timeouts",
         lambda d: f"{d['over_deadline']}; {d['timeouts']['workers_1']} + {d['timeouts']['workers_2']}"),
        ("cold start, ms", lambda d: f"{d['cold_start_ms']:.0f}"),
        ("pass mismatches", lambda d: str(d["pass_mismatches"])),
    ]:
        t.add_row(label, f(a), f(b))
    con.print(t)
    if r["per_category"]:
        c = Table(title="accuracy per category")
        for col in ("category", "rows", "rft", "math-verify"):
            c.add_column(col, justify="left" if col == "category" else "right")
        for name, d in r["per_category"].items():
            c.add_row(Text(name), str(d["rows"]), f"{d['rft']:.3f}", f"{d['math_verify']:.3f}")
        con.print(c)
    d = r["disagreements"]
    con.print(f"rft vs math-verify disagree on {d['rft_vs_math_verify']} rows; wrong vs label: rft {d['rft_wrong']}, "
              f"math-verify {d['math_verify_wrong']} (both {d['both_wrong']}). All in {d['path']}", highlight=False)
    if bad:
        t = Table(title=f"rows either gets wrong (first {min(show, len(bad))} of {len(bad)})", show_lines=False)
        for col in ("row", "label", "rft", "m-v", "answer", "completion (end)", "rft reason", "m-v parse (gold | pred)"):
            t.add_column(col, overflow="fold")
        yn = lambda x: "✓" if x else "✗"  # noqa: E731
        for x in bad[:show]:
            t.add_row(str(x["row"]), yn(x["label"]), yn(x["rft"]), yn(x["math_verify"]), Text(str(x["answer"])[-30:]),
                      Text(x["completion"][-50:]), Text(x["rft_reason"][:50]), Text(f"{x['mv_gold']} | {x['mv_pred']}"))
        con.print(t)
    for tg in r["targets"]:
        con.print(f"[{'green' if tg['met'] else 'red'}]{'met' if tg['met'] else 'NOT met'}[/]  {tg['target']}: "
                  f"{tg['value']}", highlight=False)
    con.print(r["warm_up"], highlight=False)
    m = r["machine"]
    busy = m["load_avg"]["start"][0] > 1.0  # a decaying average: an earlier run of this bench also shows
    con.print(f"1-min load average {m['load_avg']['start'][0]:.2f} at start, {m['load_avg']['end'][0]:.2f} at end, on "
              f"{m['cpu_affinity']} cores" + (": other processes may have shared the cores (rows/s understated)"
                                             if busy else ""), highlight=False)
    con.print(f"Wrote {r['out']}", highlight=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DATA, help="labelled JSONL (completion, answer, label[, category])")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N rows (0: all)")
    ap.add_argument("--deadline-s", type=float, default=2.0, help="rft's per-row deadline (VerifierRunner timeout_s)")
    ap.add_argument("--out", type=Path, default=RESULTS, help="JSON output; the disagreements go beside it")
    ap.add_argument("--show", type=int, default=20, help="rows of the disagreement table to print")
    args = ap.parse_args()
    try:
        import math_verify  # noqa: F401
    except ImportError:
        sys.exit(INSTALL)
    from rich.console import Console
    from rft.errors import UserError
    from rft.verify import load_labeled_rows

    try:
        rows = load_labeled_rows(args.data)
    except UserError as e:
        hint = " (until it exists: --data tests/data/verify_sample.jsonl)" if args.data == DATA else ""
        sys.exit(f"error: {e}{hint}")
    rows = rows[:args.limit] if args.limit > 0 else rows
    labels, mv_timeout = [bool(r["label"]) for r in rows], max(1, math.ceil(args.deadline_s))
    log = Console(stderr=True)
    load_start = os.getloadavg()

    log.print(f"{len(rows)} rows; rft in-process, then 1 and 2 runner workers")
    rft_in = rft_inprocess(rows)
    rft_w = {w: rft_runner(rows, w, args.deadline_s) for w in (1, 2)}
    log.print("math-verify in-process, then 1 and 2 pool processes")
    mv_in = mv_inprocess(rows, mv_timeout)
    mv_w = {w: mv_pool(rows, w, mv_timeout) for w in (1, 2)}

    rft = {**summarize(rft_in, rft_w[1], rft_w[2], labels, args.deadline_s), "cold_start_ms": cold_start_ms("rft")}
    rft["outcomes"] = {o: sum(s.outcome == o for s in rft_in["scores"]) for o in ("correct", "wrong", "unparseable", "error")}
    mv = {**summarize(mv_in, mv_w[1], mv_w[2], labels, args.deadline_s), "timeout_s": mv_timeout,
          "cold_start_ms": cold_start_ms("math_verify")}
    bad = []
    for n, (row, s, p, (g_s, p_s)) in enumerate(zip(rows, rft_in["scores"], mv_in["preds"], mv_in["parsed"]), start=1):
        r_ok, y = s.outcome == "correct", bool(row["label"])
        if r_ok != y or p != y:
            kind = "both_wrong" if r_ok != y and p != y else ("rft_wrong" if r_ok != y else "math_verify_wrong")
            bad.append({"row": n, "kind": kind, "category": row.get("category"), "label": y, "rft": r_ok,
                        "math_verify": p, "rft_outcome": s.outcome, "rft_reason": s.reason, "mv_gold": g_s,
                        "mv_pred": p_s, "answer": row["answer"], "completion": row["completion"]})
    bad.sort(key=lambda x: x["kind"] == "both_wrong")  # rft-vs-math-verify disagreements first
    cats = sorted({str(r["category"]) for r in rows if r.get("category") is not None})
    per_cat = {}
    for c in cats:
        idx = [i for i, r in enumerate(rows) if str(r.get("category")) == c]
        acc = lambda preds: sum(preds[i] == labels[i] for i in idx) / len(idx)  # noqa: E731
        per_cat[c] = {"rows": len(idx), "rft": acc(rft_in["preds"]), "math_verify": acc(mv_in["preds"])}

    speedup = {k: rft["rows_per_second"][k] / mv["rows_per_second"][k] for k in rft["rows_per_second"]}
    jsonl = args.out.with_name(args.out.stem + "_disagreements.jsonl")
    count = lambda k: sum(x["kind"] == k for x in bad)  # noqa: E731
    targets = [
        {"target": "rft F1 >= math-verify F1 and >= 0.98", "value": f"{rft['f1']:.3f} vs {mv['f1']:.3f}",
         "met": rft["f1"] >= mv["f1"] and rft["f1"] >= 0.98},
        {"target": "rft rows/s >= 20x math-verify, in-process", "value": f"{speedup['in_process']:.1f}x",
         "met": speedup["in_process"] >= 20},
        {"target": "rft rows/s >= 20x math-verify, 2 workers vs 2 processes", "value": f"{speedup['workers_2']:.1f}x",
         "met": speedup["workers_2"] >= 20},
        {"target": f"no rft row above its {args.deadline_s:g}s deadline",
         "value": f"{rft['over_deadline']} in-process, {sum(rft['timeouts'].values())} runner timeouts",
         "met": rft["over_deadline"] == 0 and sum(rft["timeouts"].values()) == 0},
    ]
    r = {
        "bench": "verify_bench", "data": str(args.data), "rows": len(rows), "deadline_s": args.deadline_s,
        "rft": rft, "math_verify": mv, "speedup": speedup, "per_category": per_cat,
        "disagreements": {"rft_vs_math_verify": count("rft_wrong") + count("math_verify_wrong"),
                          "rft_wrong": count("rft_wrong") + count("both_wrong"),
                          "math_verify_wrong": count("math_verify_wrong") + count("both_wrong"),
                          "both_wrong": count("both_wrong"), "path": str(jsonl),
                          "rows": {k: [x["row"] for x in bad if x["kind"] == k]
                                   for k in ("rft_wrong", "math_verify_wrong", "both_wrong")}},
        "targets": targets,
        "warm_up": (f"Warm start: every pass first scored one row outside the set (rft {WARMUP['rft']!r}, math-verify "
                    f"{WARMUP['math_verify']!r}) in the timing process or in each worker, before the clock. Cold start "
                    f"(fresh interpreter, import + that call): rft {rft['cold_start_ms']:.0f} ms, "
                    f"math-verify {mv['cold_start_ms']:.0f} ms."),
        "versions": versions(),
        "machine": {"cpu_count": os.cpu_count(), "cpu_affinity": len(os.sched_getaffinity(0)),
                    "cpu_model": cpu_model(), "platform": platform.platform(),
                    "load_avg": {"start": load_start, "end": os.getloadavg()}},
        "out": str(args.out),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(r, indent=2, default=str) + "\n")
    with jsonl.open("w", encoding="utf-8") as f:
        for x in bad:
            f.write(json.dumps(x, ensure_ascii=False, default=str) + "\n")
    render(r, bad, args.show)


if __name__ == "__main__":  # spawned workers (rft's runner and the math-verify pool) re-import this file
    main()
