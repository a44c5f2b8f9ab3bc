"""Tools a model may call in the middle of a rollout, and the text syntax of a call.

A tool turns the text of a call into the text of its result (no torch, like a verifier)::

    <calc>4821*397</calc>                  the model's turn ends at the closing tag
    <output>1913937</output>               the tool's result, appended; the model goes on after it

`ToolFormat` is that syntax (configurable per task: `sampler.tool_format`). A model turn ends at
EOS or at the closing tag of a tool the task offers; a call is the last `open ... close` pair of
the turn. The result goes back as `result` with `{output}` filled in, tokenized on its own and
appended after the tokens the model sampled (the earlier tokens are never re-tokenized), attended
to by the next turns and left out of the loss.

Built-in tools, registered by name like verifiers:
  calc    exact arithmetic on integers, decimals and fractions (+ - * / // % ** and parentheses),
          evaluated from the expression's syntax tree in this process, never with eval
  python  the call is a Python program, run in the sandbox (`rft.sandbox`) with its limits; the
          result is what it printed, or the last line of its error

Writing one::

    from rft.verifiers.tools import Tool, ToolResult, register_tool

    @register_tool("upper")
    class Upper(Tool):
        def run(self, args: str) -> ToolResult:
            return ToolResult(args.upper())
"""
from __future__ import annotations

import ast
import operator
import re
import threading
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from rft.registry import Registry

Status = Literal["ok", "error", "timeout"]


@dataclass(frozen=True)
class ToolResult:
    """What a tool call gave: the text the model will read, and whether the call worked."""

    output: str
    status: Status = "ok"  # error: the call was malformed or raised; timeout: it ran past its limit


class Tool:
    """Base class: `run(args) -> ToolResult`. Options from the task YAML reach `__init__`.
    A tool may be called from several threads at once."""

    name: str = "tool"
    max_output_chars: int = 400  # longer results are cut (a model reads them back as prompt tokens)

    def run(self, args: str) -> ToolResult:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must implement run(args)")

    def __call__(self, args: str) -> ToolResult:
        try:
            res = self.run(args)
        except Exception as e:  # a tool's bug is the call's error, not the rollout's crash
            res = ToolResult(f"{type(e).__name__}: {e}", "error")
        out = res.output
        if len(out) > self.max_output_chars:
            out = out[: self.max_output_chars] + "...[truncated]"
        return ToolResult(out, res.status)

    def close(self) -> None:
        pass


TOOLS: Registry[type[Tool]] = Registry("tool")


def register_tool(name: str):
    """Class decorator: make a Tool subclass available to task YAMLs (`sampler.tools`) under `name`."""

    def deco(cls: type[Tool]) -> type[Tool]:
        cls.name = name
        return TOOLS.register(name)(cls)

    return deco


def build_tool(spec: str, options: dict | None = None) -> Tool:
    """A registry name (`calc`) or `module:Class` (imported, then looked up by the class's name)."""
    from rft.registry import resolve

    if ":" in spec:
        import importlib

        module, _, attr = spec.partition(":")
        try:
            cls = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as e:
            raise KeyError(f"cannot import tool {spec!r}: {e}") from None
        if not (isinstance(cls, type) and issubclass(cls, Tool)):
            raise KeyError(f"{spec!r} is not a subclass of rft.verifiers.tools.Tool")
    else:
        cls = resolve(TOOLS, spec)
    return cls(**(options or {}))


@dataclass(frozen=True)
class ToolFormat:
    """The text of a tool call and of its result. `{name}` is the tool's name, `{output}` its result."""

    open: str = "<{name}>"
    close: str = "</{name}>"
    result: str = "<output>{output}</output>"

    def __post_init__(self):
        if "{name}" not in self.close:
            raise ValueError(f"tool_format.close must contain {{name}} (it ends the model's turn), got {self.close!r}")
        if "{output}" not in self.result:
            raise ValueError(f"tool_format.result must contain {{output}}, got {self.result!r}")

    def stops(self, names: list[str]) -> list[str]:
        """The strings that end a model turn (besides EOS): each tool's closing tag."""
        return [self.close.format(name=n) for n in names]

    def parse(self, turn: str, names: list[str]) -> tuple[str, str] | None:
        """(tool name, args) of the call that ends `turn`, or None when the turn ends without one."""
        best = None
        for n in names:
            close = self.close.format(name=n)
            end = turn.rfind(close)
            if end < 0 or turn[end + len(close):].strip():
                continue  # the turn must end at this tool's closing tag
            start = turn.rfind(self.open.format(name=n), 0, end)
            if start < 0:
                continue
            if best is None or end > best[2]:
                best = (n, turn[start + len(self.open.format(name=n)):end], end)
        return None if best is None else (best[0], best[1].strip())

    def render(self, output: str) -> str:
        return self.result.replace("{output}", output)

    def segments(self, text: str) -> list[tuple[str, bool]]:
        """A demonstration split into (text, the model wrote it): tool results are not the
        model's, so SFT tokenizes them apart and trains on the rest only, as RL does."""
        head, _, tail = self.result.partition("{output}")
        pattern = re.compile(re.escape(head) + ".*?" + re.escape(tail), re.DOTALL)
        out, pos = [], 0
        for m in pattern.finditer(text):
            if m.start() > pos:
                out.append((text[pos:m.start()], True))
            out.append((m.group(0), False))
            pos = m.end()
        if pos < len(text):
            out.append((text[pos:], True))
        return out


# ---------------------------------------------------------------------------------------- calc
# CPython 3.11's ast.parse is not thread-safe ("AST constructor recursion depth mismatch",
# gh-106905), and environments step in threads.
_PARSE_LOCK = threading.Lock()
_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}


def _fmt(x: Fraction) -> str:
    if x.denominator == 1:
        return str(x.numerator)
    f = float(x)
    return repr(round(f, 10)) if abs(f) < 1e15 else str(x)


@register_tool("calc")
class Calculator(Tool):
    """Exact arithmetic: numbers, + - * / // % ** and parentheses (`7 * (12 - 5) / 2` -> `24.5`).

    Args:
        max_digits: a result (or an intermediate) with more digits is an error, and so is an
            exponent above 1000, so a call cannot stall the rollout.
    """

    def __init__(self, max_digits: int = 200):
        self.max_digits = int(max_digits)

    def run(self, args: str) -> ToolResult:
        expr = args.strip().replace("×", "*").replace("÷", "/").replace(",", "")
        try:
            with _PARSE_LOCK:
                tree = ast.parse(expr, mode="eval")
        except SyntaxError:
            return ToolResult(f"error: cannot parse {expr[:60]!r}", "error")
        try:
            return ToolResult(_fmt(self._eval(tree.body)))
        except ZeroDivisionError:
            return ToolResult("error: division by zero", "error")
        except (ValueError, TypeError) as e:
            return ToolResult(f"error: {e}", "error")

    def _eval(self, node) -> Fraction:
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return Fraction(str(node.value)) if isinstance(node.value, float) else Fraction(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
            v = self._eval(node.operand)
            return v if isinstance(node.op, ast.UAdd) else -v
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            a, b = self._eval(node.left), self._eval(node.right)
            if isinstance(node.op, ast.Pow):
                if b.denominator != 1 or abs(b) > 1000:
                    raise ValueError("exponent must be an integer of at most 1000")
                if a == 0 and b < 0:
                    raise ZeroDivisionError
            elif isinstance(node.op, (ast.FloorDiv, ast.Mod)) and b == 0:
                raise ZeroDivisionError
            v = _BINOPS[type(node.op)](a, b)
            if len(str(abs(v.numerator))) > self.max_digits:
                raise ValueError(f"result longer than {self.max_digits} digits")
            return Fraction(v)
        raise ValueError(f"unsupported expression ({type(node).__name__})")


# -------------------------------------------------------------------------------------- python
@register_tool("python")
class Python(Tool):
    """The call is a Python program, run in the sandbox; the result is its printed output (the
    last line of its error when it raises, `timeout` past its limits).

    Args:
        timeout_s, memory_mb: the sandbox's limits for one call.
        workers: calls that may run at once (sandbox slots, started on the first call).
    """

    def __init__(self, timeout_s: float = 5.0, memory_mb: int = 256, workers: int = 2):
        if not timeout_s > 0:
            raise ValueError(f"timeout_s must be > 0, got {timeout_s!r}")
        self.timeout_s, self.memory_mb, self.workers = float(timeout_s), int(memory_mb), int(workers)
        self._sandbox = None

    def sandbox(self):
        if self._sandbox is None:
            from rft.sandbox import Sandbox

            self._sandbox = Sandbox(workers=self.workers)
        return self._sandbox

    def run(self, args: str) -> ToolResult:
        from rft.sandbox import Limits

        program = args.strip()
        if program.startswith("```"):  # a fenced block inside the call
            program = re.sub(r"^```[a-zA-Z]*\n?|```$", "", program).strip()
        res = self.sandbox().run(program, limits=Limits(wall_s=self.timeout_s, cpu_s=self.timeout_s,
                                                         memory_mb=self.memory_mb))
        if res.status == "timeout":
            return ToolResult(f"timeout after {self.timeout_s:g}s", "timeout")
        if res.status == "ok" and not res.exit_code:
            return ToolResult(res.stdout.strip())
        last = ((res.stderr or "").strip().splitlines() or [res.status])[-1]
        return ToolResult(last, "error")

    def close(self) -> None:
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None

    def __getstate__(self):
        return {**self.__dict__, "_sandbox": None}
