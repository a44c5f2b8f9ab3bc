"""Everything rich: the live progress bars, the per-step lines, the sample tables, eval reports.

The trainer only emits (event, payload) dicts; `ConsoleReporter` is one such callback.
"""
from __future__ import annotations

from rich.console import Console
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

console = Console(stderr=True)


class ConsoleReporter:
    def __init__(self, console: Console = console):
        self.console = console
        self.progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[info]}"), TimeElapsedColumn(), TextColumn("eta"),
                                 TimeRemainingColumn(), console=console, transient=False)
        self.sft_task = self.rl_task = None
        self.every = 10

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc):
        self.progress.stop()

    def __call__(self, event: str, p: dict) -> None:
        pr = self.progress
        if event == "sft_step":
            if self.sft_task is None:
                self.sft_task = pr.add_task("SFT warm-up", total=p["steps"], info="")
            pr.update(self.sft_task, completed=p["step"], info=f"loss {p['loss']:.3f} | lr {p['lr']:.2e}")
        elif event == "rl_start":
            self.rl_task = pr.add_task(f"RL ({p.get('algorithm', 'grpo')})", total=p["steps"], completed=p["start"], info="")
            self.every = max(1, p["steps"] // 20)
        elif event == "step":
            info = f"reward {p['reward/mean']:.3f} | acc {p['reward/accuracy']:.2f} | {p['time/step']:.2f}s/step"
            pr.update(self.rl_task, completed=p["step"], info=info)
            if p["step"] % self.every == 0:
                self.console.print(
                    f"step {p['step']} | reward {p['reward/mean']:.3f} ± {p['reward/std']:.3f} | "
                    f"acc {p['reward/accuracy']:.3f} | unparseable {p['reward/unparseable']:.3f} | "
                    f"kl {p.get('loss/kl', 0.0):.4f} | entropy {p.get('policy/entropy', 0.0):.3f} | "
                    f"clip {p.get('policy/clip_frac', 0.0):.3f} | len {p['response/length']:.1f} | "
                    f"{p['perf/tokens_per_s']:.0f} tok/s | sample {p['time/sample']:.2f}s verify "
                    f"{p['time/verify']:.3f}s update {p['time/update']:.2f}s"
                    + (f" | turns {p['episode/turns']:.2f} tool calls {p['tool/calls']:.0f} "
                       f"({p['tool/call_rate']:.2f} of turns) errors {p['tool/errors']:.0f}"
                       if "tool/calls" in p else "")
                    + (f" | value loss {p['loss/value']:.4f} expl. var {p['critic/explained_var']:.2f}"
                       if "loss/value" in p else ""), highlight=False)
        elif event == "eval":
            lo, hi = p["wilson95"]
            self.console.print(f"[bold]eval ({p['tag']})[/]: greedy accuracy {p['accuracy']:.3f} "
                               f"[{lo:.3f}, {hi:.3f}] on {p['n']} prompts | unparseable {p['unparseable']:.3f} "
                               f"| {p['seconds']:.1f}s")
        elif event == "samples":
            table = Table(show_lines=True, expand=True)
            for col in ("prompt", "completion", "outcome", "reward", "reason"):
                table.add_column(col)
            multi = False
            for prompt, text, outcome, reason, reward in p["rows"][:4]:
                if isinstance(text, list):  # a multi-turn rollout: (text, the model wrote it) segments
                    multi, shown = True, Text()
                    for seg, mine in text:
                        shown.append(seg, style=None if mine else "bold cyan")
                    text = shown
                table.add_row(Text(prompt[-80:]), Text(text) if isinstance(text, str) else text, outcome,
                              f"{reward:.2f}", Text(reason))
            title = f"samples at step {p['step']}" + (" (tool results and observations in cyan)" if multi else "")
            self.console.print(Panel(table, title=title))
        elif event == "info":
            self.console.print(p["message"])


def print_summary(summary: dict, run_dir: str) -> None:
    ev = summary.get("eval")
    t = Table(title=f"run {run_dir}")
    t.add_column("what")
    t.add_column("value", justify="right")
    if ev:
        for key in ("first", "last"):
            e = ev[key]
            t.add_row(f"greedy accuracy ({e['tag']})", f"{e['accuracy']:.3f} [{e['wilson95'][0]:.3f}, {e['wilson95'][1]:.3f}]")
        if "difference" in ev:
            d = ev["difference"]
            t.add_row("paired difference", f"{d['delta']:+.3f} [{d['ci95'][0]:+.3f}, {d['ci95'][1]:+.3f}]")
    t.add_row("RL steps", str(summary["steps"]))
    t.add_row("wall time", f"{summary['wall_seconds']:.0f} s")
    t.add_row("peak RSS", f"{summary['peak_rss_gb']:.2f} GiB")
    console.print(t)


def print_report(title: str, rows: dict) -> None:
    t = Table(title=title)
    t.add_column("metric")
    t.add_column("value", justify="right")
    for k, v in rows.items():
        t.add_row(k, f"{v:.4f}" if isinstance(v, float) else str(v))
    Console().print(t)


def print_table(title: str, header: list[str], rows: list[list]) -> None:
    """A plain rich table: one header row, then `rows` (cells as given, wrapped in Text)."""
    t = Table(title=title)
    for h in header:
        t.add_column(h)
    for r in rows:
        t.add_row(*(Text(str(c)) for c in r))
    Console().print(t)
