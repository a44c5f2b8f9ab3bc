"""`rft train | eval | verify | sandbox check`: parse, call, report. Errors the user can fix exit 2 in one line."""
from __future__ import annotations

import gc
import importlib
import json
import os
import shutil
import sys
from importlib import resources
from pathlib import Path
from typing import List, Optional

import typer

from rft.errors import UserError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="rft: verifier-driven reinforcement fine-tuning (SFT warm-up, then GRPO, PPO and kin).")


def _quiet_libraries() -> None:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    import transformers

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()


def task_path(path: str) -> Path:
    """A task YAML on disk, or a built-in one (`tasks/arith.yaml` works from any directory)."""
    p = Path(path)
    if p.exists() or p.parent.name != "tasks":
        return p
    packaged = resources.files("rft.tasks") / p.name
    return Path(str(packaged)) if packaged.is_file() else p


def check_run_dir(run_dir: Path, resume: bool, overwrite: bool) -> None:
    """Refuse to touch an existing run unless asked; deletes nothing (that waits for valid inputs)."""
    if run_dir.exists() and not run_dir.is_dir():
        raise UserError("exists and is not a directory", file=str(run_dir), field="train.output_dir")
    if resume and overwrite:
        raise UserError("--resume and --overwrite contradict each other; pick one", field="flags")
    if resume:
        if not run_dir.exists():
            raise UserError("nothing to resume: the run directory does not exist", file=str(run_dir), field="--resume")
        return
    if run_dir.exists() and any(run_dir.iterdir()):
        if not overwrite:
            raise UserError("run directory already exists; pass --resume to continue it or --overwrite to replace it",
                            file=str(run_dir), field="train.output_dir")


def _launch_ranks(n: int | None, accelerate_config: str | None, argv: list[str]) -> int:
    """`rft train ... --num-processes N`: the same command on N ranks through `accelerate launch`."""
    import socket
    import subprocess

    with socket.socket() as sock:  # a free port for the ranks' rendezvous, so two runs never collide
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--main_process_port", str(port)]
    cmd += ["--num_processes", str(n)] if n else []  # None: the config file's
    # without a config file: plain DDP (`--multi_gpu` is also accelerate's multi-process CPU mode, gloo)
    cmd += ["--config_file", accelerate_config] if accelerate_config else [
        "--multi_gpu", "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no"]
    cmd += ["-m", "rft.cli", "train", *argv]
    # PYTHONSAFEPATH (Python >= 3.11): `-m` must not put the working directory first on the ranks'
    # sys.path, where a source checkout's `rft/` would shadow the installed package
    return subprocess.run(cmd, env={**os.environ, "RFT_LAUNCHED": "1", "PYTHONSAFEPATH": "1"}).returncode


@app.command()
def train(task: str = typer.Argument(..., help="Task YAML (e.g. tasks/arith.yaml)."),
          set_: Optional[List[str]] = typer.Option(None, "--set", help="Override a key: --set algorithm.lr=1e-5"),
          resume: bool = typer.Option(False, "--resume", help="Continue the run from its latest checkpoint."),
          overwrite: bool = typer.Option(False, "--overwrite", help="Delete an existing run directory first."),
          output: Optional[str] = typer.Option(None, "--output", help="Run directory (default: train.output_dir)."),
          model: Optional[str] = typer.Option(None, "--model", help="Start from this model instead of model.name."),
          num_processes: Optional[int] = typer.Option(None, "--num-processes", min=1, help="Data-parallel ranks (one per GPU; gloo processes on a CPU), launched through accelerate (default: 1, or the accelerate config's)."),
          accelerate_config: Optional[str] = typer.Option(None, "--accelerate-config", help="An accelerate config file (FSDP, DeepSpeed ZeRO, several machines) for the ranks.")):
    """SFT warm-up on reference solutions, then RL (algorithm.name: grpo, ppo, ...) against the task's verifier."""
    from rft.config import load_config

    cfg = load_config(task_path(task), set_ or [])
    run_dir = Path(output or cfg.output_dir)
    launched = os.environ.get("RFT_LAUNCHED") == "1"  # a rank started by the command below
    rank = int(os.environ.get("RANK", "0"))
    if accelerate_config and not Path(accelerate_config).is_file():
        raise UserError("accelerate config file not found", file=accelerate_config, field="--accelerate-config")
    if not launched and rank == 0:
        check_run_dir(run_dir, resume, overwrite)
    _quiet_libraries()
    from rft.console import ConsoleReporter, console, print_summary
    from rft.trainer import Trainer

    if ((num_processes or 1) > 1 or accelerate_config) and not launched and "WORLD_SIZE" not in os.environ:
        from rft.distributed import check_precision, resolve_device
        from rft.trainer import load_inputs

        # bad input fails here, once, in one line; this also builds the tiny model before the ranks read it
        check_precision(cfg.model.dtype, resolve_device(cfg.train.device, str(task)), str(task))
        load_inputs(cfg, model, num_processes or 1)
        if overwrite and run_dir.exists():
            shutil.rmtree(run_dir)
        argv = [task, *[x for s in set_ or [] for x in ("--set", s)], "--output", str(run_dir),
                *(["--resume"] if resume else []), *(["--model", model] if model else [])]
        console.print(f"[bold]rft train[/] {task} -> {run_dir} on {num_processes or 'the configured'} processes")
        code = _launch_ranks(num_processes, accelerate_config, argv)
        if code:
            print(f"error: a rank exited with code {code} (its message is above)", file=sys.stderr)
        sys.exit(code)

    reporter = ConsoleReporter()
    trainer = Trainer(cfg, run_dir, model_path=model, callbacks=[reporter])  # model, data, verifier checked here
    if overwrite and run_dir.exists() and trainer.is_main:
        shutil.rmtree(run_dir)
    if trainer.is_main:
        console.print(f"[bold]rft train[/] {task} -> {run_dir}")
    with reporter:
        summary = trainer.train(resume=resume)
    if trainer.is_main:
        print_summary(summary, str(run_dir))
        console.print(f"metrics: {run_dir / 'metrics.jsonl'} | curve: {run_dir / 'reward_curve.png'} | model: {run_dir / 'final'}")
    dist = trainer.dist
    del trainer  # its DDP models hold the process group: release them before leaving it
    gc.collect()
    dist.end()


@app.command("eval")
def eval_(task: str = typer.Argument(..., help="Task YAML whose eval split is used."),
          model: str = typer.Option(..., "--model", help="Model directory (e.g. runs/arith/final) or hub id."),
          k: int = typer.Option(1, "--k", min=1, help="Samples per prompt for pass@k (1: greedy only)."),
          limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Evaluate the first N eval rows."),
          set_: Optional[List[str]] = typer.Option(None, "--set", help="Override a task key."),
          as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")):
    """Greedy accuracy and unbiased pass@k of a model on the task's eval split."""
    from rft.config import load_config

    cfg = load_config(task_path(task), set_ or [])
    if cfg.data.eval is None:
        raise UserError("task has no eval split", file=task, field="data.eval")
    _quiet_libraries()
    from rft.data import load_examples
    from rft.distributed import resolve_device
    from rft.evaluation import evaluate
    from rft.models import load_model, load_tokenizer, resolve_model_path
    from rft.sampling import build_sampler
    from rft.verifiers import ScoreTable, build_verifier
    from rft.verifiers.runner import VerifierRunner

    if cfg.train.threads:
        import torch

        torch.set_num_threads(cfg.train.threads)
    device = resolve_device(cfg.train.device, task)
    path = resolve_model_path(cfg.model, model)
    tok = load_tokenizer(path, cfg.model)
    from rft.trainer import build_env

    make_env = build_env(cfg)  # tools or an environment: multi-turn rollouts, as in training
    mdl = load_model(path, cfg.model, trainable=False).to(device)
    sampler = build_sampler(cfg, mdl, tok, device, model_path=path, make_env=make_env)
    examples = load_examples(cfg, "eval", tok)[:limit]
    v = cfg.verifier
    try:
        verifier = build_verifier(v.name, v.options, ScoreTable(**v.scores.model_dump()))
    except KeyError as e:
        raise UserError(str(e).strip('"'), file=task, field="verifier.name") from None
    except (TypeError, ValueError) as e:
        raise UserError(f"bad verifier options: {e}", file=task, field="verifier.options") from None
    with VerifierRunner(verifier, workers=v.workers, timeout_s=v.timeout_s) as runner:
        res = evaluate(sampler, examples, runner, max_new_tokens=cfg.sampler.max_new_tokens,
                       batch_size=cfg.train.eval_batch_size, k=k, temperature=cfg.sampler.temperature)
    res.pop("correct_mask")
    if as_json:
        print(json.dumps(res))
        return
    from rft.console import print_report

    print_report(f"rft eval {task} --model {model}", {
        "accuracy": res["accuracy"], "wilson95": f"[{res['wilson95'][0]:.3f}, {res['wilson95'][1]:.3f}]",
        **{f"pass@{j}": v for j, v in res["pass_at_k"].items()}, "unparseable": res["unparseable"],
        **({"tool use": res["tool_use"], "tool calls / answer": res["tool_calls"]} if "tool_use" in res else {}),
        "prompts": res["n"], "seconds": res["seconds"]})


@app.command()
def verify(data: str = typer.Argument(..., help="JSONL rows with completion, answer, label."),
           verifier: str = typer.Option("math", "--verifier", help="Registry name or pkg.module:Class."),
           options: Optional[str] = typer.Option(None, "--options", help="Verifier options as a JSON object."),
           workers: int = typer.Option(1, "--workers", min=0, help="Scoring processes."),
           timeout: float = typer.Option(2.0, "--timeout", help="Per-row deadline in seconds."),
           out: Optional[str] = typer.Option(None, "--out", help="Where disagreeing rows go (default DATA.disagreements.jsonl)."),
           as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")):
    """Accuracy of a verifier against human labels: precision, recall, F1, confusion, rows/s."""
    from rft.verifiers import build_verifier
    from rft.verifiers.runner import VerifierRunner
    from rft.verify import evaluate_verifier, load_labeled_rows, write_disagreements

    try:
        opts = json.loads(options) if options else {}
    except json.JSONDecodeError as e:
        raise UserError(f"not a JSON object: {e}", field="--options") from None
    try:
        v = build_verifier(verifier, opts)
    except KeyError as e:
        raise UserError(str(e).strip('"'), field="--verifier") from None
    except (TypeError, ValueError) as e:
        raise UserError(f"bad verifier options: {e}", field="--options") from None
    rows = load_labeled_rows(data)
    with VerifierRunner(v, workers=workers, timeout_s=timeout) as runner:
        report = evaluate_verifier(rows, runner)
    out_path = out or str(Path(data).with_suffix("")) + ".disagreements.jsonl"
    write_disagreements(report.pop("disagreements"), out_path)
    report["disagreements_file"] = out_path
    if as_json:
        print(json.dumps(report))
        return
    from rft.console import print_report

    per_category = report.pop("by_category", None)
    print_report(f"rft verify {data} --verifier {verifier}", report)
    if per_category:
        print_report("by category: accuracy (fp, fn)",
                     {k: f"{c['accuracy']:.3f} ({c['fp']}, {c['fn']}) of {c['rows']}" for k, c in per_category.items()})


sandbox_app = typer.Typer(no_args_is_help=True, help="The code sandbox: what isolates programs on this machine.")
app.add_typer(sandbox_app, name="sandbox")

SMOKE = [("print", "print('hello')", "ok"), ("infinite loop", "while True:\n    pass", "timeout"),
         ("network", "import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=1)", "error")]


@sandbox_app.command("check")
def sandbox_check():
    """Print which protections are active here, then run three programs (ok, timeout, no network)."""
    from rft.console import print_table
    from rft.sandbox import Limits, Sandbox

    with Sandbox(workers=1, limits=Limits(wall_s=1.0, cpu_s=1.0)) as sb:
        prot = sb.protections()
        got = {name: sb.run(code) for name, code, _ in SMOKE}
    print_table("rft sandbox: protections on this machine", ["protection", "state"],
                [[k, "active" if v is True else "OFF" if v is False else v] for k, v in prot.items()])
    print_table("smoke test", ["program", "expected", "got", "ms"],
                [[name, want, got[name].status, f"{got[name].wall_s * 1000:.0f}"] for name, _, want in SMOKE])
    if any(got[name].status != want for name, _, want in SMOKE):
        print("error: the sandbox smoke test got an unexpected status (see the table)", file=sys.stderr)
        sys.exit(1)


def _click_exceptions() -> tuple[tuple[type, ...], tuple[type, ...], tuple[type, ...]]:
    """(UsageError, ClickException, Abort) classes of click and of the copy recent typer vendors."""
    usage, other, abort = [], [], []
    for name in ("typer._click.exceptions", "click.exceptions"):
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        for bucket, cls in ((usage, "UsageError"), (other, "ClickException"), (abort, "Abort")):
            if isinstance(getattr(mod, cls, None), type):
                bucket.append(getattr(mod, cls))
    return tuple(usage), tuple(other), tuple(abort)


def main() -> None:
    try:
        app(standalone_mode=False)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as e:
        usage, other, abort = _click_exceptions()
        if isinstance(e, usage):  # bad command line: one line, exit 2, like every other input error
            cmd = e.ctx.command_path if e.ctx is not None else "rft"
            print(f"error: {e.format_message()} (see `{cmd} --help`)", file=sys.stderr)
            sys.exit(2)
        if isinstance(e, other):
            e.show()
            sys.exit(e.exit_code)
        if isinstance(e, abort):
            sys.exit(130)
        raise


if __name__ == "__main__":
    main()
