"""Per-step speed of rft's RL loop on a fixed CPU workload, optionally next to TRL's GRPOTrainer.

The workload is the one in the TRL peer (/work/shared/peers/trl_grpo_cpu/README.md):
  model     rft's built-in `tiny` recipe: Qwen2, hidden 256, 4 layers, 4 heads, intermediate 1024,
            tied embeddings, fp32 (the peer builds the same architecture with its own tokenizer)
  per step  8 prompts x 8 samples = 64 responses, at most 32 new tokens, temperature 1.0, top_p 1,
            no KL (kl_coef 0, so no reference model), one optimizer pass (epochs 1, micro-batch 64),
            AdamW lr 1e-4 decaying linearly to 0, grad clip 1.0, token-mean loss, 2 torch threads
  data      arithmetic word problems with operands up to 50, as in the peer's task.py

The model is first warmed up with rft's SFT (200 steps by default, the peer's count), so both sides
sample from a model that answers in the format and stops at EOS (~19 tokens). The warm model is
built once in a child process, so its memory never counts below, and cached under
~/.cache/rft/bench-sft-<hash> (or $RFT_CACHE) keyed by everything that changes it.

What is measured, from the `step` metrics of `rft.trainer.Trainer` (steps 3..N; the first two
pay one-off costs such as allocator growth and lazy imports):
  s_per_step                   median of time/step (sample + verify + advantages + update)
  tokens_per_second            sampled response tokens / sampling seconds (generate only)
  tokens_per_second_end_to_end the same tokens / step seconds
  split                        mean seconds of sample, verify and update, and their share of the step
  peak_rss_gb                  peak RSS of the whole process tree (this process + verifier
                               workers), polled every 50 ms during the RL run
Evals (200 prompts, greedy, before and after RL) run outside the step timings, as in the peer.

--vs-trl runs the peer's run.sh with the same step count (from a copy in a temporary folder, since
run.sh writes results.json beside itself) and reports TRL's median step time and
`ratio` = rft s/step / TRL s/step.

Usage:
  .venv/bin/python bench/train_step.py [--steps 20] [--vs-trl] [--json] [--out PATH]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing as mp
import os
import platform
import resource
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import psutil
from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
TASK = REPO / "tasks" / "arith.yaml"
RESULTS = REPO / "bench" / "results" / "train_step.json"
PEER = Path("/work/shared/peers/trl_grpo_cpu")
SKIP = 2  # steps 1..2 are warm-up; statistics use steps 3..N, as the peer does

# The peer's workload, as rft overrides ("a.b=value", parsed as YAML). Every setting that changes
# the work is pinned here, so edits to tasks/arith.yaml (a tuning target) do not move the bench.
WORKLOAD = [
    "model.name=tiny", "model.dtype=float32",
    "data.train.args.n=20000", "data.train.args.seed=1", "data.train.args.max_operand=50",
    "data.train.args.demo_error_rate=0.0", "data.train.args.demo_bias=0.0", "data.eval.args.max_operand=50", "data.eval.args.eval_n=500",
    "verifier.name=math", "verifier.workers=1", "verifier.timeout_s=2.0",
    # the warm-up as in the peer's sft_warmup.py: batch 32, lr 2e-3 cosine, 20 warm-up steps, max length 128
    "sft.lr=2e-3", "sft.lr_schedule=cosine", "sft.warmup_steps=20", "sft.batch_size=32", "sft.weight_decay=0.0",
    "sft.grad_clip=1.0", "sft.max_length=128",
    "sampler.n=8", "sampler.temperature=1.0", "sampler.top_p=1.0", "sampler.top_k=0", "sampler.max_new_tokens=32",
    "algorithm.lr=1e-4", "algorithm.lr_schedule=linear", "algorithm.warmup_steps=0", "algorithm.weight_decay=0.0",
    "algorithm.kl_coef=0.0", "algorithm.epochs=1", "algorithm.clip_eps=0.2", "algorithm.adv_scale=group",
    "algorithm.loss_agg=token-mean", "algorithm.grad_clip=1.0",
    # TRL runs every row through the update; at kl_coef 0 skipping all-equal groups would be the same
    # update for less work, but the bench compares the same work
    "algorithm.skip_uniform_groups=false", "train.share_prompt=true",
    "train.prompts_per_step=8", "train.micro_batch=64", "train.seed=0",
    "train.eval_every=0", "train.save_every=0", "train.sample_every=0",
    "train.eval_limit=200", "train.eval_batch_size=50",
]


def overrides(steps: int, sft_steps: int, threads: int) -> list[str]:
    return WORKLOAD + [f"train.steps={steps}", f"sft.steps={sft_steps}", f"train.threads={threads}"]


# ---------------------------------------------------------------------------- warm-up (SFT)
def _quiet() -> None:
    """No "Loading weights" / "Writing model shards" bars between the step lines."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()


def _sft_child(ovr: list[str], run_dir: str) -> None:
    """Runs in a spawned process: SFT only (no RL steps, no eval); writes <run_dir>/sft."""
    from rft.config import load_config
    from rft.trainer import Trainer

    _quiet()
    Trainer(load_config(TASK, ovr + ["train.steps=0", "data.eval=null"]), run_dir).train()


def warm_model(sft_steps: int, threads: int, log: Console) -> dict:
    """Path of the SFT-warmed tiny model for this workload, built on first use and cached."""
    from rft.config import load_config
    from rft.models import cache_dir

    ovr = overrides(0, sft_steps, threads)
    cfg = load_config(TASK, ovr)
    # everything that changes the warm model; threads and RL settings do not
    key_src = {"model": cfg.model.model_dump(), "data": cfg.data.model_dump(), "sft": cfg.sft.model_dump(),
               "seed": cfg.train.seed}
    key = hashlib.sha256(json.dumps(key_src, sort_keys=True, default=str).encode()).hexdigest()[:12]
    path = cache_dir() / f"bench-sft-{key}"
    meta = path / "bench_sft.json"
    if meta.exists():
        return {**json.loads(meta.read_text()), "path": str(path), "cached": True}
    log.print(f"warm-up: {sft_steps} SFT steps (once; cached at {path})")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rft-bench-sft-") as tmp:
        proc = mp.get_context("spawn").Process(target=_sft_child, args=(ovr, tmp))
        proc.start()
        proc.join()
        if proc.exitcode != 0:
            raise SystemExit(f"SFT warm-up failed (exit code {proc.exitcode}); see the traceback above")
        info = {"sft_steps": sft_steps, "seconds": round(time.perf_counter() - t0, 1)}
        (Path(tmp) / "sft" / "bench_sft.json").write_text(json.dumps(info))
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(path, ignore_errors=True)
        shutil.move(str(Path(tmp) / "sft"), str(path))  # meta written last inside: a partial copy has none
    return {**info, "path": str(path), "cached": False}


# ---------------------------------------------------------------------------- memory
class TreeRSS(threading.Thread):
    """Polls the RSS of a process (this one by default) plus all its descendants; `peak` is the largest sum seen, in bytes."""

    def __init__(self, interval_s: float = 0.05, pid: int | None = None):
        super().__init__(daemon=True)
        self.interval_s, self.peak, self._done = interval_s, 0, threading.Event()
        self.proc = psutil.Process(pid)  # None: this process

    def run(self) -> None:
        while not self._done.is_set():
            total = 0
            for p in [self.proc] + self.proc.children(recursive=True):
                try:
                    total += p.memory_info().rss
                except psutil.Error:  # a worker that exited between listing and reading
                    pass
            self.peak = max(self.peak, total)
            self._done.wait(self.interval_s)

    def stop(self) -> None:
        self._done.set()
        self.join()


# ---------------------------------------------------------------------------- rft
def run_rft(steps: int, threads: int, model_path: str, log: Console) -> dict:
    from rft.config import load_config
    from rft.trainer import Trainer

    cfg = load_config(TASK, overrides(steps, 0, threads))
    rows: list[dict] = []
    evals: dict[str, float] = {}
    me = psutil.Process()
    last = [time.perf_counter(), _cpu_s(me)]

    def on_event(event: str, p: dict) -> None:
        now, cpu = time.perf_counter(), _cpu_s(me)
        if event == "rl_start":
            last[:] = [now, cpu]
        elif event == "eval":
            evals[p["tag"]] = p["accuracy"]
        elif event == "step":
            # CPU seconds of this process (all its threads) between step events: with 2 threads and
            # an idle machine it approaches 2x the wall time; far less means others held the cores
            rows.append({**p, "wall_s": now - last[0], "cpu_s": cpu - last[1]})
            last[:] = [now, cpu]
            log.print(f"rft step {p['step']}/{steps} | {p['time/step']:.3f} s | sample {p['time/sample']:.3f} s | "
                      f"verify {p['time/verify']:.4f} s | update {p['time/update']:.3f} s | "
                      f"len {p['response/length']:.1f} | reward {p['reward/mean']:.3f} | "
                      f"cpu/wall {rows[-1]['cpu_s'] / rows[-1]['wall_s']:.2f}", highlight=False, soft_wrap=True)

    mem = TreeRSS()
    mem.start()
    try:
        with tempfile.TemporaryDirectory(prefix="rft-bench-run-") as run_dir:
            summary = Trainer(cfg, run_dir, model_path=model_path, callbacks=[on_event]).train()
    finally:
        mem.stop()
    out = summarize(rows, cfg.batch_size)
    out.update({
        "peak_rss_gb": round(mem.peak / 2**30, 3),
        "main_process_peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 3),
        "rft_reported_peak_rss_gb": round(summary["peak_rss_gb"], 3),
        "greedy_accuracy": {"before_rl": evals.get("sft"), "after_rl": evals.get("final"), "n": 200},
    })
    return out


def _cpu_s(p: psutil.Process) -> float:
    t = p.cpu_times()
    return t.user + t.system


def summarize(rows: list[dict], batch_size: int) -> dict:
    """Step statistics over steps 3..N (all steps if there are fewer than 3)."""
    steady = rows[SKIP:] if len(rows) > SKIP else rows
    tokens = [r["response/length"] * batch_size for r in steady]  # the mask includes EOS, as TRL counts
    total = {k: sum(r[f"time/{k}"] for r in steady) for k in ("step", "sample", "verify", "update")}
    n = len(steady)
    split = {k: {"s": round(total[k] / n, 4), "pct": round(100 * total[k] / total["step"], 1)}
             for k in ("sample", "verify", "update")}
    other = total["step"] - total["sample"] - total["verify"] - total["update"]
    split["other"] = {"s": round(other / n, 4), "pct": round(100 * other / total["step"], 1)}
    return {
        "s_per_step": round(statistics.median(r["time/step"] for r in steady), 4),
        "s_per_step_mean": round(total["step"] / n, 4),
        "s_per_step_wall": round(statistics.median(r["wall_s"] for r in steady), 4),
        "cpu_s_per_step": round(statistics.median(r["cpu_s"] for r in steady), 4),
        "cpu_per_wall": round(sum(r["cpu_s"] for r in steady) / sum(r["wall_s"] for r in steady), 2),
        "first_steps_s": [round(r["time/step"], 3) for r in rows[:SKIP]],
        "tokens_per_second": round(sum(tokens) / total["sample"], 1),
        "tokens_per_second_end_to_end": round(sum(tokens) / total["step"], 1),
        "mean_response_length": round(statistics.fmean(r["response/length"] for r in steady), 2),
        "truncated_frac": round(statistics.fmean(r["response/truncated"] for r in steady), 4),
        "reward_mean": round(statistics.fmean(r["reward/mean"] for r in steady), 4),
        "split": split,
        "steps_measured": n,
        "per_step": [{"step": r["step"], "s": round(r["time/step"], 4), "wall_s": round(r["wall_s"], 4),
                      "sample_s": round(r["time/sample"], 4), "verify_s": round(r["time/verify"], 5),
                      "update_s": round(r["time/update"], 4), "cpu_s": round(r["cpu_s"], 4),
                      "response_length": round(r["response/length"], 2),
                      "reward": round(r["reward/mean"], 4)} for r in rows],
    }


# ---------------------------------------------------------------------------- TRL peer
def run_trl(steps: int, timeout_s: float, log: Console) -> dict:
    """Run the peer's run.sh and parse its results.json; failures come back as {"error": ...}."""
    if not (PEER / "run.sh").exists():
        return {"error": f"TRL peer not found at {PEER}"}
    # run.sh writes results.json beside itself, and the peer folder is shared and meant read-only
    # (its mode bits do not stop root), so a copy always runs in a temporary folder
    work = Path(tempfile.mkdtemp(prefix="trl-peer-"))
    shutil.copytree(PEER, work, dirs_exist_ok=True, copy_function=shutil.copyfile)
    os.chmod(work, 0o755)  # copytree copies the source folder's read-only mode onto the copy
    results, log_path = work / "results.json", work / "bench_run.log"
    results.unlink(missing_ok=True)  # the copied reference results must not pass as this run's
    log.print(f"TRL peer: bash {work / 'run.sh'} {steps} (log: {log_path}; the first run builds /tmp/peer-venv)")
    t0 = time.perf_counter()
    try:
        with open(log_path, "w") as f:
            rc = subprocess.run(["bash", str(work / "run.sh"), str(steps)], stdout=f, stderr=subprocess.STDOUT,
                                timeout=timeout_s, cwd=work, check=False).returncode
    except subprocess.TimeoutExpired:
        return {"error": f"run.sh ran past {timeout_s:.0f} s", "log": str(log_path)}
    wall = round(time.perf_counter() - t0, 1)
    if rc != 0 or not results.exists():
        lines = log_path.read_text(errors="replace").strip().splitlines()
        tail = [ln for ln in lines if not ln.startswith("WARNING: Location")][-5:]  # pip's find-links noise
        return {"error": f"run.sh exited with {rc}: " + " / ".join(tail), "log": str(log_path)}
    try:
        return {**parse_trl(json.loads(results.read_text())), "wall_s": wall, "results": str(results)}
    except (KeyError, ValueError, TypeError, ZeroDivisionError) as e:
        return {"error": f"cannot parse {results}: {type(e).__name__}: {e}"}


def parse_trl(res: dict) -> dict:
    """The peer's figures under the same names as rft's (steps 3..N, means for the split)."""
    t, per_step = res["timing"], res["per_step"]
    steady = per_step[SKIP:] if len(per_step) > SKIP else per_step
    n, total = len(steady), sum(s["seconds"] for s in steady)
    phase = {"sample": "generate_s", "verify": "reward_s", "update": "train_s(fwd+bwd+opt=step-prepare)"}
    split = {k: sum(s[v] for s in steady) for k, v in phase.items()}
    split["other"] = total - sum(split.values())  # tokenising, padding, advantages inside _prepare_inputs
    mem_mb = res["memory"]["peak_rss_mb(ru_maxrss, whole process)"]
    return {
        "s_per_step": t["median_s_per_step(after first 2)"],
        "s_per_step_mean": t["mean_s_per_step(after first 2)"],
        "first_steps_s": t["first_2_steps_s"],
        "tokens_per_second": t["completion_tokens_per_s(generate only)"],
        "tokens_per_second_end_to_end": t["completion_tokens_per_s(end-to-end)"],
        "mean_response_length": round(statistics.fmean(s["mean_length"] for s in steady), 2),
        "reward_mean": round(statistics.fmean(s["reward"] for s in steady), 4),
        "split": {k: {"s": round(v / n, 4), "pct": round(100 * v / total, 1)} for k, v in split.items()},
        "peak_rss_gb": round(mem_mb / 1024, 3),  # ru_maxrss of its one process (no workers)
        "greedy_accuracy": {"before_rl": res["accuracy_before"]["accuracy"],
                            "after_rl": res["accuracy_after"]["accuracy"], "n": res["accuracy_before"]["n"]},
        "steps_measured": n,
        "versions": res.get("versions", {}),
    }


# ---------------------------------------------------------------------------- report
def machine_info() -> dict:
    import torch
    import transformers

    return {"cpu_count": os.cpu_count(), "cpu_affinity": len(os.sched_getaffinity(0)),
            "cpu_model": _cpu_model(), "platform": platform.platform(), "python": platform.python_version(),
            "torch": torch.__version__, "transformers": transformers.__version__,
            "torch_threads": torch.get_num_threads()}


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def render(r: dict, console: Console) -> None:
    trl = r.get("trl") or {}
    rft = r["rft"]
    t = Table(title=f"train_step: {r['steps']} RL steps, statistics over steps {SKIP + 1}..{r['steps']}",
              caption="s/step: median; split: mean per step and share of the step; "
                      "other processes may share the CPU (see load_avg in the JSON)")
    t.add_column("metric")
    t.add_column("rft", justify="right")
    if trl:
        t.add_column("TRL GRPOTrainer", justify="right")

    def row(label: str, fn) -> None:
        cells = [fn(rft)]
        if trl:
            cells.append("-" if "error" in trl else fn(trl))
        t.add_row(label, *cells)

    row("s/step (median)", lambda d: f"{d['s_per_step']:.3f}")
    row("s/step (mean)", lambda d: f"{d['s_per_step_mean']:.3f}")
    row("first 2 steps, s", lambda d: ", ".join(f"{x:.2f}" for x in d["first_steps_s"]))
    row("sampled tok/s (sampling time only)", lambda d: f"{d['tokens_per_second']:.0f}")
    row("sampled tok/s (end to end, step time)", lambda d: f"{d['tokens_per_second_end_to_end']:.0f}")
    row("mean response length, tokens", lambda d: f"{d['mean_response_length']:.1f}")
    for k, label in (("sample", "sample (generate)"), ("verify", "verify (reward)"),
                     ("update", "update (fwd+bwd+opt)"), ("other", "other")):
        row(label, lambda d, k=k: f"{d['split'][k]['s']:.3f} s ({d['split'][k]['pct']:.0f}%)")
    row("peak RSS, GB", lambda d: f"{d['peak_rss_gb']:.2f}")
    t.add_row("CPU s per wall s (2 threads: ≤ 2)", f"{rft['cpu_per_wall']:.2f}", *(["n/a"] if trl else []))
    row("reward mean", lambda d: f"{d['reward_mean']:.3f}")
    row("greedy accuracy before → after", lambda d: "{:.3f} → {:.3f}".format(
        d["greedy_accuracy"]["before_rl"] or 0, d["greedy_accuracy"]["after_rl"] or 0))
    console.print(t)
    if trl.get("error"):
        console.print(f"[red]TRL run failed[/]: {trl['error']}", highlight=False)
    elif trl:
        console.print(f"ratio rft/TRL s/step = [bold]{r['ratio']:.3f}[/] (target ≤ 1.0, goal ≤ 0.5)")
    console.print(f"peak RSS: rft = this process + verifier workers (polled); TRL = its one process "
                  f"(ru_maxrss). Wrote {r['out']}", highlight=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=20, help="RL steps to time (statistics over steps 3..N)")
    ap.add_argument("--sft-steps", type=int, default=200, help="SFT warm-up steps of the cached start model")
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    ap.add_argument("--vs-trl", action="store_true", help="also run the TRL peer with the same step count")
    ap.add_argument("--trl-timeout", type=float, default=3600, help="seconds before the TRL run is given up")
    ap.add_argument("--out", type=Path, default=RESULTS, help="JSON output path")
    ap.add_argument("--json", action="store_true", help="print the result as one JSON object on stdout")
    args = ap.parse_args()
    if args.steps < 1:
        ap.error("--steps must be at least 1")
    log = Console(stderr=True)  # progress goes to stderr, so --json leaves stdout parseable
    _quiet()

    load_start = os.getloadavg()
    warm = warm_model(args.sft_steps, args.threads, log)
    rft = run_rft(args.steps, args.threads, warm["path"], log)
    load_rft = os.getloadavg()
    r = {
        "bench": "train_step", "steps": args.steps,
        "s_per_step": rft["s_per_step"], "tokens_per_second": rft["tokens_per_second"],
        "tokens_per_second_end_to_end": rft["tokens_per_second_end_to_end"],
        "peak_rss_gb": rft["peak_rss_gb"], "mean_response_length": rft["mean_response_length"],
        "rft": rft, "warm_start": warm,
        "workload": {"prompts": 8, "samples_per_prompt": 8, "max_new_tokens": 32, "temperature": 1.0,
                     "top_p": 1.0, "kl_coef": 0.0, "epochs": 1, "lr": 1e-4, "dtype": "float32",
                     "threads": args.threads, "overrides": overrides(args.steps, 0, args.threads)},
        "machine": machine_info(),
        "load_avg": {"start": load_start, "after_rft": load_rft},
    }
    if args.vs_trl:
        trl = run_trl(args.steps, args.trl_timeout, log)
        r["load_avg"]["after_trl"] = os.getloadavg()
        r["trl"] = trl
        r["trl_s_per_step"] = trl.get("s_per_step")
        r["ratio"] = round(rft["s_per_step"] / trl["s_per_step"], 3) if trl.get("s_per_step") else None
        r["trl_error"] = trl.get("error")
    r["out"] = str(args.out)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(r, indent=2) + "\n")
    render(r, log if args.json else Console())
    if args.json:
        print(json.dumps(r))


if __name__ == "__main__":  # the verifier workers (spawn) re-import this file
    main()
