"""`Sandbox`: a pool of warm zygote processes (see `_zygote.py`), one program at a time each.

Thread-safe: `run` may be called from many threads; each call borrows an idle worker (blocking
until one is free), so at most `workers` programs run at once.
"""
from __future__ import annotations

import atexit
import json
import os
import queue
import struct
import subprocess
import sys
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

from .limits import Limits, Result

ZYGOTE = str(Path(__file__).with_name("_zygote.py"))
UID_BASE = 200000  # programs run as uid/gid UID_BASE + the zygote's pid (above any system or login uid)


class NotIsolatedWarning(RuntimeWarning):
    """The sandbox is missing an essential protection: programs may reach the network or the host's files."""


class _Worker:
    """One zygote process and the pipe protocol to it (4-byte length + JSON, both ways)."""

    def __init__(self, mode: str):
        self.mode = mode
        self.proc: subprocess.Popen | None = None
        self.protections: dict = {}
        self.start()

    def start(self) -> None:
        # env={}: the zygote's environment is what /proc/self/environ shows every program, so it holds nothing
        self.proc = subprocess.Popen([sys.executable, "-I", ZYGOTE, str(UID_BASE), self.mode], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env={}, cwd="/", close_fds=True, bufsize=0)
        hello = self._recv()
        if hello is None:
            raise RuntimeError(f"sandbox worker failed to start (exit {self.proc.wait()})")
        self.protections = hello["protections"]
        self.uid = hello["uid"]  # the programs' uid and gid: UID_BASE + the zygote's pid, unique among live workers

    def _recv(self):
        head = self.proc.stdout.read(4)
        if len(head) < 4:
            return None
        n = struct.unpack("<I", head)[0]
        data = self.proc.stdout.read(n)
        return json.loads(data) if len(data) == n else None

    def run(self, code: str, stdin: str, limits: Limits) -> Result:
        if self.proc.poll() is not None:  # killed between runs: replace it before use
            self.restart()
        job = json.dumps({"code": code, "stdin": stdin, "limits": asdict(limits)}).encode()
        try:
            self.proc.stdin.write(struct.pack("<I", len(job)) + job)
            reply = self._recv()
        except (OSError, ValueError):
            reply = None
        if reply is None:  # the zygote died during the run (killed from outside): report it, start a fresh one
            self.restart()
            return Result("killed", None, "", "sandbox worker died during the run", 0.0)
        return Result(**reply)

    def restart(self) -> None:
        self.close()
        self.start()

    def close(self) -> None:
        if self.proc is None:
            return
        pid = self.proc.pid
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        for ctl in ("memory", "pids"):  # the zygote removes these itself; left behind only when it was killed
            try:
                os.rmdir(f"/sys/fs/cgroup/{ctl}/rft-sandbox-{pid}")
            except OSError:
                pass
        self.proc = None


class Sandbox:
    """A warm pool of `workers` sandbox workers.

    Args:
        workers: programs that may run at once (one zygote process each).
        limits: the default `Limits` of `run` / `run_many`.
        isolation: "auto" (every protection the machine allows; see `protections()`) or "rlimits"
            (fork + rlimits + process-group kill only: NOT isolated; for benchmarks and comparison).
    """

    ESSENTIAL = ("network namespace", "pid namespace", "minimal read-only root (mount namespace)", "uid/gid drop")

    def __init__(self, workers: int = 2, limits: Limits | None = None, isolation: str = "auto"):
        if isolation not in ("auto", "rlimits"):
            raise ValueError(f"isolation must be 'auto' or 'rlimits', got {isolation!r}")
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.limits = limits or Limits()
        self.isolation = isolation
        self._closed = True
        self._workers = [_Worker(isolation) for _ in range(workers)]
        self._idle: queue.Queue[_Worker] = queue.Queue()
        for w in self._workers:
            self._idle.put(w)
        self._closed = False
        if isolation == "auto" and not self.isolated:
            warnings.warn(f"rft.sandbox is {self.protections()['isolation']} on this machine: programs may reach "
                          "the network or write where this user can. Run as root on Linux for namespaces and a "
                          "uid drop.", NotIsolatedWarning, stacklevel=2)

    @property
    def isolated(self) -> bool:
        """True when every essential protection (ESSENTIAL) is active."""
        p = self._workers[0].protections
        return all(p.get(k) for k in self.ESSENTIAL)

    def protections(self) -> dict[str, bool | str]:
        """What is active, by name (as the first worker probed it), then "isolation", then why anything is off."""
        p = dict(self._workers[0].protections)
        errors = p.pop("errors", {})
        missing = [k for k in self.ESSENTIAL if not p.get(k)]
        if not missing:
            p["isolation"] = "isolated"
        elif len(missing) == len(self.ESSENTIAL):
            p["isolation"] = "NOT ISOLATED (rlimits only)"
        else:
            p["isolation"] = "PARTLY ISOLATED, missing: " + ", ".join(missing)
        for name, err in errors.items():
            p[f"{name}: unavailable because"] = str(err)
        return p

    def run(self, code: str, stdin: str = "", limits: Limits | None = None) -> Result:
        """Run Python source `code` in a fresh sandboxed process; never raises for what the program does."""
        if self._closed:
            raise RuntimeError("Sandbox is closed")
        worker = self._idle.get()
        try:
            return worker.run(code, stdin, limits or self.limits)
        finally:
            self._idle.put(worker)

    def run_many(self, codes: list[str], limits: Limits | None = None, stdins: list[str] | None = None) -> list[Result]:
        """Run each program over the pool in parallel; results in input order."""
        stdins = stdins or [""] * len(codes)
        with ThreadPoolExecutor(len(self._workers)) as ex:
            return list(ex.map(lambda cs: self.run(cs[0], cs[1], limits), zip(codes, stdins)))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for w in self._workers:
            w.close()

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


_default: Sandbox | None = None
_default_lock = threading.Lock()


def default_sandbox() -> Sandbox:
    """The process-wide pool behind `run` (os.cpu_count() workers), created on first use."""
    global _default
    with _default_lock:
        if _default is None or _default._closed:
            _default = Sandbox(workers=os.cpu_count() or 1)
            atexit.register(_default.close)
        return _default


def run(code: str, stdin: str = "", limits: Limits | None = None, **limit_fields) -> Result:
    """Run `code` in the default pool. Keyword limits override `limits` field by field: run(code, wall_s=1)."""
    sb = default_sandbox()
    base = limits or sb.limits
    if limit_fields:
        base = Limits(**{**asdict(base), **limit_fields})
    return sb.run(code, stdin, base)
