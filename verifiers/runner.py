"""Bounded-time, crash-proof scoring: a pool of worker processes around one `Verifier`.

A verifier is user code on model output: it can raise, loop forever inside sympy's C-level
simplification, or take its process down. None of that may stop training, so `VerifierRunner`
turns each into an `error` score (worth the table's `error` value) with a reason, and every other
row of the batch is still scored:

  exception    caught in the worker; reason "exception: <Type>: <message>"
  hang         a row that runs past `timeout_s` gets its worker killed (SIGKILL: a C loop may not
               answer SIGTERM) and restarted; reason "timeout after <timeout_s>s"
  dead worker  a worker that exits (os._exit, segfault, OOM kill) is restarted; reason
               "worker died (exit code N)"

Workers start at construction, are reused across batches and are started with the "spawn"
method: the trainer holds torch threads and CUDA state, which must not be forked. The verifier is
pickled once in the parent, so it must be picklable and its class importable by module path
(a class defined in `__main__` of an interactive session is not); a script that builds a runner
needs the usual `if __name__ == "__main__":` guard. A verifier that cannot be loaded in a worker,
or a worker that dies before it is ready, raises RuntimeError: that is a setup bug, not a row to
score, and restarting would only loop. Workers are not daemonic, so a verifier may start
processes of its own (a code sandbox would); `close()` (or the context manager, garbage
collection, or interpreter exit) stops them, and a worker whose parent dies exits on its own.
Workers ignore SIGINT: Ctrl-C interrupts the parent, which then stops them.

Rows go out in contiguous chunks, one per worker, and each worker answers row by row, so the
parent always knows which row is running and how long it has run. After a failure the rest of
that chunk is handed to the first free worker. Results come back in input order.

`workers=0` scores in the calling process: exceptions become errors, but there is no protection
against hangs or crashes. It is for tests, debugging and verifiers known to be trivial.

Overhead (measured on a 2-core CPU machine, Python 3.11): a batch of 64 arithmetic rows through
warm workers takes ~1.1 ms wall with 1 or 2 workers (~1.3 ms with 4), of which the math
verifier's own work is ~0.4 ms; tests/test_verifier_runner.py holds it under 20 ms. Starting a
worker costs ~50-150 ms (spawn + imports), and a worker's first sympy comparison ~0.2 s (import).
"""
from __future__ import annotations

import multiprocessing as mp
import pickle
import signal
import time
import weakref
from collections import deque
from multiprocessing.connection import Connection, wait
from typing import Any

from rft.verifiers.base import Score, Verifier, takes_field

STARTUP_TIMEOUT_S = 60.0  # a fresh worker must import and unpickle the verifier within this


def _score_one(verifier: Verifier, completion: str, fields: dict) -> tuple[float, str, str]:
    """One row as a plain (value, outcome, reason) tuple: cheaper to pickle than a dataclass."""
    try:
        s = verifier.score(completion, **fields)
        if not isinstance(s, Score):
            raise TypeError(f"{type(verifier).__name__}.score returned {type(s).__name__}, not Score")
        return s.value, s.outcome, s.reason
    except Exception as e:  # noqa: BLE001 - any verifier bug is an error score, not a crash
        return verifier.scores.error, "error", f"exception: {type(e).__name__}: {e}"


def _worker_main(conn: Connection, payload: bytes) -> None:
    """Worker loop: unpickle the verifier, say "ready", then score chunks row by row until None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        verifier = pickle.loads(payload)
    except Exception as e:  # noqa: BLE001
        conn.send(("fatal", f"cannot load verifier in worker: {type(e).__name__}: {e}"))
        return
    conn.send(("ready", None))
    while True:
        try:
            chunk = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if chunk is None:
            return
        for i, completion, fields in chunk:
            conn.send((i, _score_one(verifier, completion, fields)))


class _Worker:
    """One process, its pipe, and the rows it has been given but not yet answered."""

    def __init__(self, ctx, payload: bytes, timeout_s: float):
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=_worker_main, args=(child, payload), name="rft-verifier", daemon=False)
        self.proc.start()
        child.close()  # so the parent sees EOF when the worker dies
        self.timeout_s = timeout_s
        self.ready = False
        self.pending: deque = deque()  # (index, completion, fields) sent and not yet answered
        self.deadline = float("inf")

    def give(self, chunk: list) -> None:
        self.conn.send(chunk)  # pickles first: an unpicklable row raises before anything is written
        self.pending.extend(chunk)
        self.deadline = time.monotonic() + (self.timeout_s if self.ready else STARTUP_TIMEOUT_S)

    def answered(self) -> None:
        """A message arrived: the next row (if any) starts its clock now."""
        self.deadline = time.monotonic() + self.timeout_s

    def stop(self) -> None:
        try:
            if self.proc.is_alive() and not self.pending:
                self.conn.send(None)
                self.proc.join(0.5)
        except (OSError, ValueError):
            pass
        if self.proc.is_alive():
            self.proc.kill()  # SIGKILL: a row stuck in C code may never see SIGTERM
            self.proc.join(1.0)
        self.conn.close()


def _pickle_error(row: tuple) -> str | None:
    try:
        pickle.dumps(row)
    except Exception as e:  # noqa: BLE001
        return f"{type(e).__name__}: {e}"
    return None


def _stop_all(workers: list[_Worker]) -> None:
    for w in workers:
        w.stop()
    workers.clear()


class VerifierRunner:
    """Scores batches with `verifier` in `workers` processes, each row bounded by `timeout_s`.

    Args:
        verifier: the Verifier instance (pickled once and sent to every worker).
        workers: number of worker processes; 0 scores in-process (no hang or crash protection).
        timeout_s: longest one row may take before its worker is killed and it scores `error`.

    `stats` counts rows, errors (rows scored "error", whatever the cause), timeouts, crashes
    (workers that died) and restarts (workers started again after a timeout or crash).
    """

    def __init__(self, verifier: Verifier, workers: int = 1, timeout_s: float = 2.0):
        if workers < 0:
            raise ValueError(f"workers must be >= 0, got {workers}")
        if not timeout_s > 0:
            raise ValueError(f"timeout_s must be > 0, got {timeout_s}")
        self.verifier, self.n_workers, self.timeout_s = verifier, workers, float(timeout_s)
        self.stats = {"rows": 0, "errors": 0, "timeouts": 0, "crashes": 0, "restarts": 0}
        self._workers: list[_Worker] = []
        if workers:
            try:
                self._payload = pickle.dumps(verifier)
            except Exception as e:  # noqa: BLE001
                raise TypeError(f"verifier {type(verifier).__name__} cannot be pickled for worker processes "
                                f"({e}); use workers=0 or make it picklable") from None
            self._ctx = mp.get_context("spawn")
            self._workers = [_Worker(self._ctx, self._payload, timeout_s) for _ in range(workers)]
        self._finalizer = weakref.finalize(self, _stop_all, self._workers)

    # -- public -----------------------------------------------------------------------------

    def score_batch(self, completions: list[str], fields: list[dict[str, Any]],
                    truncated: list[bool] | None = None) -> list[Score]:
        """Scores in input order; `fields[i]` are the keyword fields (answer, ...) of row i, and
        `truncated[i]` whether row i was cut at the token limit (passed on as the `truncated`
        keyword when the verifier's `score` takes it)."""
        if len(completions) != len(fields):
            raise ValueError(f"{len(completions)} completions but {len(fields)} field dicts")
        if truncated is not None:
            if len(truncated) != len(fields):
                raise ValueError(f"{len(completions)} completions but {len(truncated)} truncated flags")
            if takes_field(self.verifier, "truncated"):
                fields = [{**f, "truncated": bool(t)} for f, t in zip(fields, truncated)]
        if not self._finalizer.alive:
            raise RuntimeError("VerifierRunner is closed")
        if self.n_workers == 0:
            out = [Score(*_score_one(self.verifier, c, f)) for c, f in zip(completions, fields)]
        else:
            out = self._score_in_workers(completions, fields)
        self.stats["rows"] += len(out)
        self.stats["errors"] += sum(s.outcome == "error" for s in out)
        return out

    def close(self) -> None:
        self._finalizer()

    def __enter__(self) -> VerifierRunner:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the pool ---------------------------------------------------------------------------

    def _score_in_workers(self, completions: list[str], fields: list[dict]) -> list[Score]:
        n = len(completions)
        results: list[Score | None] = [None] * n
        rows = [(i, completions[i], fields[i]) for i in range(n)]
        size = -(-n // self.n_workers) if n else 1
        queue: deque[list] = deque(rows[k:k + size] for k in range(0, n, size))
        remaining = n

        while remaining:
            for w in self._workers:  # hand out work to idle workers
                if not w.pending and queue:
                    self._give(w, queue.popleft(), results)
            remaining = sum(r is None for r in results)
            if not remaining:
                break
            busy = [w for w in self._workers if w.pending]
            if not busy:  # cannot happen: every row is answered, queued or pending on a worker
                raise RuntimeError(f"VerifierRunner lost {remaining} rows")
            now = time.monotonic()
            timeout = max(0.0, min(w.deadline for w in busy) - now)
            ready = wait([w.conn for w in busy], timeout)
            for w in busy:
                if w.conn in ready:
                    self._drain(w, results, queue)
                elif time.monotonic() >= w.deadline:
                    self._fail(w, results, queue, "timeout")
            remaining = sum(r is None for r in results)
        return results  # type: ignore[return-value]

    def _give(self, w: _Worker, chunk: list, results: list, retry: bool = True) -> None:
        try:
            w.give(chunk)
            return
        except Exception as e:  # noqa: BLE001 - sorted out below
            err = e
        unpicklable = {row[0]: msg for row in chunk if (msg := _pickle_error(row))}
        if unpicklable:  # only those rows score error; nothing was written to the pipe
            for i, msg in unpicklable.items():
                results[i] = self.verifier.error(f"exception: cannot send row to worker: {msg}")
            good = [row for row in chunk if row[0] not in unpicklable]
            if good:
                self._give(w, good, results, retry)
        elif retry:  # the pipe is broken: the worker died while idle
            self._check_started(w)
            self.stats["crashes"] += 1
            self._give(self._replace(w), chunk, results, retry=False)
        else:
            for i, _, _ in chunk:
                results[i] = self.verifier.error(f"worker unavailable: {type(err).__name__}: {err}")

    def _drain(self, w: _Worker, results: list, queue: deque) -> None:
        """Read every message waiting on `w`'s pipe; a closed pipe means the worker died."""
        try:
            while w.conn.poll():
                msg = w.conn.recv()
                if msg[0] == "ready":
                    w.ready = True
                    w.answered()
                elif msg[0] == "fatal":  # the verifier cannot be loaded at all: no row can be scored
                    self.close()
                    raise RuntimeError(msg[1])
                else:
                    i, (value, outcome, reason) = msg
                    results[i] = Score(value, outcome, reason)
                    w.pending.popleft()
                    w.answered()
        except (EOFError, OSError):
            self._fail(w, results, queue, "crash")

    def _fail(self, w: _Worker, results: list, queue: deque, why: str) -> None:
        """Kill `w`, score its running row as an error, requeue the rest of its chunk, restart it."""
        if why == "timeout" and not w.ready:
            reason = f"worker did not start within {STARTUP_TIMEOUT_S:.0f}s"
        elif why == "timeout":
            reason = f"timeout after {self.timeout_s:g}s"
            self.stats["timeouts"] += 1
        w.proc.kill()
        w.proc.join(1.0)
        if why == "crash":
            self._check_started(w)
            code = w.proc.exitcode
            reason = f"worker died (exit code {code})" if code is None or code >= 0 else f"worker killed by signal {-code}"
            self.stats["crashes"] += 1
        if w.pending:
            i = w.pending.popleft()[0]
            results[i] = self.verifier.error(reason)
            if w.pending:
                queue.appendleft(list(w.pending))
            w.pending.clear()
        self._replace(w)

    def _check_started(self, w: _Worker) -> None:
        """A worker that dies before saying "ready" will die again: stop instead of looping."""
        try:
            while not w.ready and w.conn.poll():
                w.ready = w.conn.recv()[0] == "ready"
        except (EOFError, OSError):
            pass
        if not w.ready:
            w.proc.join(1.0)
            code = w.proc.exitcode
            self.close()
            raise RuntimeError(
                f"a verifier worker exited while starting (exit code {code}); see its traceback above. "
                "Workers use the spawn start method, which re-imports the main script: a script that "
                "starts a VerifierRunner needs an `if __name__ == '__main__':` guard")

    def _replace(self, w: _Worker) -> _Worker:
        w.stop()
        new = _Worker(self._ctx, self._payload, self.timeout_s)
        self._workers[self._workers.index(w)] = new
        self.stats["restarts"] += 1
        return new
