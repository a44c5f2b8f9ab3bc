"""sympy, with a hard deadline: `simplify(a - b) == 0` in a child process that can be killed.

sympy's simplification can run for minutes inside C-level loops (gmpy, big-integer factoring)
that no signal-based alarm interrupts, so every sympy call goes to a child process: the parent
waits `timeout_s` for the answer and, past it, kills the child (SIGKILL) and reports the pair as
undecided ("sympy timed out after 1s"), which the verifier scores `error`. The next call starts a
fresh child. One child serves every MathVerifier of a process; it is started on the first call
(~0.5 s to spawn and import sympy, not counted against the deadline) and stopped at exit.

Trees (see `expr.py`) are turned into sympy objects by hand, never by `sympify` or `parse_expr`
on model text, so nothing a model writes is evaluated as Python.
"""
from __future__ import annotations

import atexit
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from fractions import Fraction
from pathlib import Path

import rft

STARTUP_TIMEOUT_S = 60.0


def to_sympy(node):
    """The sympy expression of an `expr.py` tree.

    >>> to_sympy(("div", ("const", "pi"), ("num", Fraction(2))))
    pi/2
    """
    import sympy as sp

    kind = node[0]
    if kind == "num":
        v: Fraction = node[1]
        return sp.Rational(v.numerator, v.denominator)
    if kind == "sym":
        return sp.Symbol(node[1])
    if kind == "const":
        return {"pi": sp.pi, "e": sp.E, "i": sp.I, "oo": sp.oo}[node[1]]
    if kind == "add":
        return sp.Add(*[to_sympy(c) for c in node[1]])
    if kind == "mul":
        return sp.Mul(*[to_sympy(c) for c in node[1]])
    if kind == "neg":
        return -to_sympy(node[1])
    if kind == "div":
        return to_sympy(node[1]) / to_sympy(node[2])
    if kind == "pow":
        return sp.Pow(to_sympy(node[1]), to_sympy(node[2]))
    if kind == "root":
        return sp.root(to_sympy(node[2]), to_sympy(node[1]))
    if kind == "fact":
        return sp.factorial(to_sympy(node[1]))
    if kind == "binom":
        return sp.binomial(to_sympy(node[1]), to_sympy(node[2]))
    if kind == "log":
        return sp.log(to_sympy(node[2]), to_sympy(node[1]))
    if kind == "fn":
        fn = {"sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "sec": sp.sec, "csc": sp.csc, "cot": sp.cot,
              "arcsin": sp.asin, "arccos": sp.acos, "arctan": sp.atan, "sinh": sp.sinh, "cosh": sp.cosh,
              "tanh": sp.tanh, "ln": sp.log, "log": sp.log, "exp": sp.exp, "abs": sp.Abs}[node[1]]
        return fn(to_sympy(node[2]))
    raise ValueError(f"unknown node {kind}")


def _compare(a, b) -> tuple[bool | None, str]:
    """In the child: sympy's verdict on two trees."""
    import sympy as sp

    try:
        diff = to_sympy(a) - to_sympy(b)
        if diff == 0 or sp.expand(diff) == 0 or sp.simplify(diff) == 0:
            return True, "sympy"
        zero = diff.equals(0)  # numeric and structural tests; None when sympy cannot tell
        return (True, "sympy") if zero else (False, "sympy") if zero is False else (None, "sympy cannot tell")
    except Exception as e:  # noqa: BLE001 - any sympy failure leaves the pair undecided
        return None, f"sympy failed ({type(e).__name__}: {str(e)[:80]})"


def _sleep(seconds: float) -> tuple[bool | None, str]:  # for tests of the deadline
    time.sleep(seconds)
    return True, "slept"


_JOBS = {"compare": _compare, "sleep": _sleep}


def _send(f, obj) -> None:
    data = pickle.dumps(obj)
    f.write(struct.pack("<I", len(data)) + data)
    f.flush()


def _recv(f):
    head = f.read(4)
    if len(head) < 4:
        raise EOFError("pipe closed")
    return pickle.loads(f.read(struct.unpack("<I", head)[0]))


def _die_with_parent() -> None:
    """Linux: SIGKILL this child when its parent dies, even mid-computation (a killed verifier
    worker must not leave a sympy loop running for hours). Elsewhere, EOF on stdin ends it
    between jobs."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if str(os.getppid()) != os.environ.get("RFT_SYMPY_PARENT", str(os.getppid())):
        os._exit(0)  # the parent died before prctl took effect


def _serve() -> None:
    """The child (`python -m rft.verifiers.math._sympy_child`): jobs in on stdin, results out on stdout."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _die_with_parent()
    import sympy  # noqa: F401  (imported before "ready", so the first call's clock is fair)

    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the protocol
    _send(out, "ready")
    while True:
        try:
            op, args = _recv(inp)
        except EOFError:
            return
        _send(out, _JOBS[op](*args))


_PACKAGE_ROOT = str(Path(rft.__file__).resolve().parents[1])  # the directory holding the `rft` package


class SympyWorker:
    """One child process running sympy jobs, each under a hard deadline.

    The child is a fresh interpreter (`python -m rft.verifiers.math._sympy_child`), not a
    multiprocessing spawn: that would re-import the user's main script, and a script without an
    `if __name__ == "__main__":` guard would then run twice.
    """

    def __init__(self):
        self._proc: subprocess.Popen | None = None
        self._ready = False
        self._lock = threading.Lock()
        self.stats = {"calls": 0, "timeouts": 0, "starts": 0}

    def prestart(self) -> None:
        """Start the child now without waiting for it, so its start-up overlaps other work."""
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._launch()

    def _launch(self) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p), "RFT_SYMPY_PARENT": str(os.getpid())}
        # `python -m` puts its working directory first on sys.path: started from a source checkout,
        # the checkout's `rft/` (which has no `verifiers`) would shadow the installed package. So the
        # child starts where this process found `rft`, and imports that same package.
        self._proc = subprocess.Popen([sys.executable, "-m", "rft.verifiers.math._sympy_child"], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, env=env, cwd=_PACKAGE_ROOT)
        self._ready = False
        self.stats["starts"] += 1

    def _start(self) -> None:
        if self._proc is None or self._proc.poll() is not None:
            self._launch()
        if self._wait(STARTUP_TIMEOUT_S) != "ready":
            self.stop()
            raise RuntimeError(f"the sympy worker did not start within {STARTUP_TIMEOUT_S:.0f}s")
        self._ready = True

    def _wait(self, timeout_s: float):
        """The child's next message, or None after `timeout_s` seconds."""
        ready, _, _ = select.select([self._proc.stdout], [], [], timeout_s)
        return _recv(self._proc.stdout) if ready else None

    def run(self, op: str, args: tuple, timeout_s: float) -> tuple[bool | None, str]:
        with self._lock:
            if self._proc is None or self._proc.poll() is not None or not self._ready:
                self._start()
            self.stats["calls"] += 1
            try:
                _send(self._proc.stdin, (op, args))
                got = self._wait(timeout_s)
            except (EOFError, OSError) as e:
                self.stop()
                return None, f"sympy worker died ({type(e).__name__})"
            if got is not None:
                return got
            self.stats["timeouts"] += 1
            self.stop()
            return None, f"sympy timed out after {timeout_s:g}s"

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.kill()  # SIGKILL: a C loop may never see SIGTERM
            proc.wait(5.0)
            for f in (proc.stdin, proc.stdout):
                f.close()


_worker: SympyWorker | None = None


def worker() -> SympyWorker:
    """This process's sympy worker (created on first use, stopped at exit)."""
    global _worker
    if _worker is None:
        _worker = SympyWorker()
        atexit.register(_worker.stop)
    return _worker


def sympy_equal(a, b, timeout_s: float = 1.0) -> tuple[bool | None, str]:
    """sympy's verdict on two trees within `timeout_s` seconds; None when undecided."""
    return worker().run("compare", (a, b), timeout_s)
