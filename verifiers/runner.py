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

Scoring is asynchronous: `submit(completions, fields)` queues a batch and returns at once with a
`concurrent.futures.Future`, whose `result()` blocks until every row is scored and gives the
scores in input order; `score_batch(...)` is `submit(...).result()`. The trainer submits each
group of completions as soon as it is sampled, so scoring overlaps the rest of sampling. Any
thread may submit, and several batches may be in flight: their rows are handed out oldest batch
first, and a hang in one batch delays another only by the worker it holds.

Workers start at construction, are reused across batches and are started with the "spawn"
method: the trainer holds torch threads and CUDA state, which must not be forked. The verifier is
pickled once in the parent, so it must be picklable and its class importable by module path
(a class defined in `__main__` of an interactive session is not); a script that builds a runner
needs the usual `if __name__ == "__main__":` guard. A verifier that cannot be loaded in a worker,
or a worker that dies before it is ready, is a setup bug, not a row to score, and restarting
would only loop: every batch in flight raises RuntimeError from `result()` and the runner
closes. Workers are not daemonic, so a verifier may start processes of its own (a code sandbox
would); `close()` (or the context manager, garbage collection, or interpreter exit) stops them,
and a worker whose parent dies exits on its own. Workers ignore SIGINT: Ctrl-C interrupts the
parent, which then stops them.

One dispatcher thread per runner (a daemon thread, started with the workers) owns the worker
pipes. It waits on the pipes of busy workers and on a wake-up socket that `submit` and `close`
write to, with a timeout at the earliest row deadline, so a new batch is handed out, an answer
read and a hang caught as soon as each happens. Rows go out in contiguous chunks (a batch of n
rows in chunks of ceil(n / workers)), one chunk to each idle worker, and each worker answers row
by row, so the dispatcher always knows which row is running and since when. After a failure the
rest of that chunk goes back to the head of the queue, for the first free worker. The queue,
the set of batches in flight and `stats` are shared with submitting threads under one lock; the
workers themselves are touched by the dispatcher only. The thread holds the pool, never the
runner, so an unreferenced runner is still garbage-collected and its workers stopped. Its own
work (pickling chunks, reading answers) is small, so the caller's thread keeps the GIL nearly
all the time the workers score. A Future's done-callbacks run on the dispatcher thread: keep
them short, and never wait in one for a batch of the same runner.

`workers=0` scores in this process, in one background thread (batches in submission order); it
shares the GIL with the caller, so it overlaps only the caller's waits (on the GPU, on I/O).
Exceptions become errors, but there is no protection against hangs or crashes, and `close()`
cannot stop a batch that is already being scored. It is for tests, debugging and verifiers
known to be trivial.

A batch still in flight when the runner closes raises RuntimeError from `result()`; `submit` and
`score_batch` on a closed runner raise RuntimeError("VerifierRunner is closed").

Overhead (measured on a 2-core CPU machine, Python 3.11): a batch of 64 arithmetic rows through
warm workers takes ~1.1 ms wall with 1 or 2 workers (~1.3 ms with 4), of which the math
verifier's own work is ~0.4 ms; handing the batch to the dispatcher thread and the scores back
to `result()` adds ~0.1 ms. tests/test_verifier_runner.py holds it under 20 ms. Starting a
worker costs ~50-150 ms (spawn + imports), and a worker's first sympy comparison ~0.2 s (import).
"""
from __future__ import annotations

import multiprocessing as mp
import pickle
import signal
import socket
import threading
import time
import weakref
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from multiprocessing.connection import Connection, wait
from typing import Any

from rft.verifiers.base import Score, Verifier, takes_field

STARTUP_TIMEOUT_S = 60.0  # a fresh worker must import and unpickle the verifier within this


def row_fields(verifier: Verifier, completions: list[str], fields: list[dict],
               truncated: list[bool] | None) -> list[dict]:
    """The keyword fields each row is scored with: the row's own, plus `truncated` when the
    verifier's `score` takes it. Mismatched lengths are a ValueError, before anything is queued."""
    if len(completions) != len(fields):
        raise ValueError(f"{len(completions)} completions but {len(fields)} field dicts")
    if truncated is None:
        return fields
    if len(truncated) != len(fields):
        raise ValueError(f"{len(completions)} completions but {len(truncated)} truncated flags")
    if not takes_field(verifier, "truncated"):
        return fields
    return [{**f, "truncated": bool(t)} for f, t in zip(fields, truncated)]


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


def _count(stats: dict, lock: threading.RLock, scores: list[Score]) -> None:
    with lock:
        stats["rows"] += len(scores)
        stats["errors"] += sum(s.outcome == "error" for s in scores)


class _Job:
    """One submitted batch: its Future, its scores so far, and how many rows are still out."""

    def __init__(self, n: int):
        self.future: Future = Future()
        self.future.set_running_or_notify_cancel()  # cannot be cancelled: its rows may be running
        self.results: list[Score | None] = [None] * n
        self.left = n


class _Worker:
    """One process, its pipe, and the rows of `job` it has been given but not yet answered."""

    def __init__(self, ctx, payload: bytes, timeout_s: float):
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=_worker_main, args=(child, payload), name="rft-verifier", daemon=False)
        self.proc.start()
        child.close()  # so the parent sees EOF when the worker dies
        self.timeout_s = timeout_s
        self.ready = False
        self.job: _Job | None = None
        self.pending: deque = deque()  # (index, completion, fields) sent and not yet answered
        self.deadline = float("inf")

    def give(self, job: _Job, chunk: list) -> None:
        self.conn.send(chunk)  # pickles first: an unpicklable row raises before anything is written
        self.job = job
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


class _Pool:
    """The worker processes and the dispatcher thread that feeds them. Everything the thread
    touches lives here, not on the runner, so that the runner can be collected while the thread runs.

    `lock` guards `queue` (chunks not yet handed out, oldest first), `jobs` (batches in flight),
    `closed` and `stats`; `workers` belong to the dispatcher thread alone. It is re-entrant
    because the runner's finalizer may run (garbage collection) on any thread, at any point."""

    def __init__(self, verifier: Verifier, payload: bytes, workers: int, timeout_s: float, stats: dict):
        self.verifier, self.payload, self.timeout_s, self.stats = verifier, payload, timeout_s, stats
        self.lock = threading.RLock()
        self.ctx = mp.get_context("spawn")
        self.n_workers = workers
        self.workers = [_Worker(self.ctx, payload, timeout_s) for _ in range(workers)]
        self.queue: deque[tuple[_Job, list]] = deque()
        self.jobs: set[_Job] = set()
        self.closed = False
        self.fatal: RuntimeError | None = None
        self.wake_r, self.wake_w = socket.socketpair()
        self.wake_r.setblocking(False)
        self.wake_w.setblocking(False)
        self.thread = threading.Thread(target=self._run, name="rft-verifier-dispatch", daemon=True)
        self.thread.start()

    def submit(self, completions: list[str], fields: list[dict]) -> Future:
        n = len(completions)
        job = _Job(n)
        rows = [(i, completions[i], fields[i]) for i in range(n)]
        size = -(-n // self.n_workers)
        with self.lock:
            if self.closed:
                raise RuntimeError("VerifierRunner is closed") from self.fatal
            if n:
                self.jobs.add(job)
                self.queue.extend((job, rows[k:k + size]) for k in range(0, n, size))
                self._wake()
        if not n:
            job.future.set_result([])
        return job.future

    def close(self) -> None:
        """Stop the dispatcher, which stops the workers and fails the batches in flight. On the
        dispatcher thread itself (a done-callback, garbage collection there) it only asks."""
        with self.lock:
            if not self.closed:
                self.closed = True
                self._wake()
        if threading.current_thread() is not self.thread:
            self.thread.join()

    def _wake(self) -> None:
        """Wake the dispatcher. Call with `lock` held and `closed` false: the dispatcher closes
        the socket under the lock once `closed` is set."""
        try:
            self.wake_w.send(b"\0")
        except BlockingIOError:  # the buffer is full of wake-ups not yet read: one is enough
            pass

    # -- the dispatcher thread --------------------------------------------------------------

    def _run(self) -> None:
        """Dispatch until closed or a fatal error; then stop the workers and fail what is left."""
        error = RuntimeError("VerifierRunner is closed")
        try:
            self._dispatch()
        except RuntimeError as e:  # a worker cannot start: every batch in flight raises it
            error = self.fatal = e
        except BaseException as e:  # noqa: BLE001 - a bug here must not leave result() waiting forever
            error = self.fatal = RuntimeError(f"VerifierRunner dispatcher failed: {type(e).__name__}: {e}")
            error.__cause__ = e
        with self.lock:
            self.closed = True
            jobs, self.jobs = self.jobs, set()
            self.queue.clear()
            self.wake_r.close()
            self.wake_w.close()
        _stop_all(self.workers)
        for job in jobs:
            job.future.set_exception(error)

    def _dispatch(self) -> None:
        while True:
            with self.lock:
                if self.closed:
                    return
            self._hand_out()
            busy = [w for w in self.workers if w.pending]
            timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic()) if busy else None
            ready = wait([self.wake_r, *(w.conn for w in busy)], timeout)
            if self.wake_r in ready:
                try:
                    while self.wake_r.recv(4096):
                        pass
                except BlockingIOError:
                    pass
            for w in busy:
                if w.conn in ready:
                    self._drain(w)
                elif time.monotonic() >= w.deadline:
                    self._fail(w, "timeout")

    def _hand_out(self) -> None:
        """Give queued chunks, oldest first, to idle workers."""
        while True:
            with self.lock:
                idle = next((w for w in self.workers if not w.pending), None)
                if idle is None or not self.queue:
                    return
                job, chunk = self.queue.popleft()
            self._give(idle, job, chunk)

    def _set(self, job: _Job, i: int, score: Score) -> None:
        """Row `i` of `job` is scored; the last row completes the job's Future."""
        job.results[i] = score
        job.left -= 1
        if not job.left:
            with self.lock:
                self.jobs.discard(job)
            _count(self.stats, self.lock, job.results)
            job.future.set_result(job.results)

    def _bump(self, key: str) -> None:
        with self.lock:
            self.stats[key] += 1

    def _give(self, w: _Worker, job: _Job, chunk: list, retry: bool = True) -> None:
        try:
            w.give(job, chunk)
            return
        except Exception as e:  # noqa: BLE001 - sorted out below
            err = e
        unpicklable = {row[0]: msg for row in chunk if (msg := _pickle_error(row))}
        if unpicklable:  # only those rows score error; nothing was written to the pipe
            good = [row for row in chunk if row[0] not in unpicklable]
            for i, msg in unpicklable.items():
                self._set(job, i, self.verifier.error(f"exception: cannot send row to worker: {msg}"))
            if good:
                self._give(w, job, good, retry)
        elif retry:  # the pipe is broken: the worker died while idle
            self._check_started(w)
            self._bump("crashes")
            self._give(self._replace(w), job, chunk, retry=False)
        else:
            for i, _, _ in chunk:
                self._set(job, i, self.verifier.error(f"worker unavailable: {type(err).__name__}: {err}"))

    def _drain(self, w: _Worker) -> None:
        """Read every message waiting on `w`'s pipe; a closed pipe means the worker died."""
        try:
            while w.conn.poll():
                msg = w.conn.recv()
                if msg[0] == "ready":
                    w.ready = True
                    w.answered()
                elif msg[0] == "fatal":  # the verifier cannot be loaded at all: no row can be scored
                    raise RuntimeError(msg[1])
                else:
                    i, (value, outcome, reason) = msg
                    w.pending.popleft()
                    w.answered()
                    self._set(w.job, i, Score(value, outcome, reason))
        except (EOFError, OSError):
            self._fail(w, "crash")

    def _fail(self, w: _Worker, why: str) -> None:
        """Kill `w`, score its running row as an error, requeue the rest of its chunk, restart it."""
        if why == "timeout" and not w.ready:
            reason = f"worker did not start within {STARTUP_TIMEOUT_S:.0f}s"
        elif why == "timeout":
            reason = f"timeout after {self.timeout_s:g}s"
            self._bump("timeouts")
        w.proc.kill()
        w.proc.join(1.0)
        if why == "crash":
            self._check_started(w)
            code = w.proc.exitcode
            reason = f"worker died (exit code {code})" if code is None or code >= 0 else f"worker killed by signal {-code}"
            self._bump("crashes")
        running = w.pending.popleft()[0] if w.pending else None
        if w.pending:
            with self.lock:
                self.queue.appendleft((w.job, list(w.pending)))
        self._replace(w)
        if running is not None:  # last: it may complete the job, whose stats must be final by then
            self._set(w.job, running, self.verifier.error(reason))

    def _check_started(self, w: _Worker) -> None:
        """A worker that dies before saying "ready" will die again: stop instead of looping (with
        its "fatal" message if it sent one before the pipe broke)."""
        try:
            while not w.ready and w.conn.poll():
                msg = w.conn.recv()
                if msg[0] == "fatal":
                    raise RuntimeError(msg[1])
                w.ready = msg[0] == "ready"
        except (EOFError, OSError):
            pass
        if not w.ready:
            w.proc.join(1.0)
            raise RuntimeError(
                f"a verifier worker exited while starting (exit code {w.proc.exitcode}); see its traceback "
                "above. Workers use the spawn start method, which re-imports the main script: a script that "
                "starts a VerifierRunner needs an `if __name__ == '__main__':` guard")

    def _replace(self, w: _Worker) -> _Worker:
        w.stop()
        new = _Worker(self.ctx, self.payload, self.timeout_s)
        self.workers[self.workers.index(w)] = new
        self._bump("restarts")
        return new


class _InProcess:
    """workers=0: one thread of this process scores the submitted batches in order."""

    def __init__(self, verifier: Verifier, stats: dict):
        self.verifier, self.stats = verifier, stats
        self.lock = threading.RLock()  # re-entrant for the same reason as _Pool's
        self.executor: ThreadPoolExecutor | None = None  # started by the first submit
        self.closed = False

    def submit(self, completions: list[str], fields: list[dict]) -> Future:
        with self.lock:
            if self.closed:
                raise RuntimeError("VerifierRunner is closed")
            if self.executor is None:
                self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rft-verifier")
            return self.executor.submit(self._score, completions, fields)

    def _score(self, completions: list[str], fields: list[dict]) -> list[Score]:
        if self.closed:  # queued behind the batch that was running at close
            raise RuntimeError("VerifierRunner is closed")
        out = [Score(*_score_one(self.verifier, c, f)) for c, f in zip(completions, fields)]
        _count(self.stats, self.lock, out)
        return out

    def close(self) -> None:
        with self.lock:
            self.closed = True
            executor = self.executor
        if executor is not None:
            executor.shutdown(wait=False)


class VerifierRunner:
    """Scores batches with `verifier` in `workers` processes, each row bounded by `timeout_s`.

    Args:
        verifier: the Verifier instance (pickled once and sent to every worker).
        workers: number of worker processes; 0 scores in-process (no hang or crash protection).
        timeout_s: longest one row may take before its worker is killed and it scores `error`.

    `stats` counts rows, errors (rows scored "error", whatever the cause), timeouts, crashes
    (workers that died) and restarts (workers started again after a timeout or crash); a batch
    counts in rows and errors once it is complete.
    """

    def __init__(self, verifier: Verifier, workers: int = 1, timeout_s: float = 2.0):
        if workers < 0:
            raise ValueError(f"workers must be >= 0, got {workers}")
        if not timeout_s > 0:
            raise ValueError(f"timeout_s must be > 0, got {timeout_s}")
        self.verifier, self.n_workers, self.timeout_s = verifier, workers, float(timeout_s)
        self.stats = {"rows": 0, "errors": 0, "timeouts": 0, "crashes": 0, "restarts": 0}
        self._backend: _Pool | _InProcess
        if workers:
            try:
                payload = pickle.dumps(verifier)
            except Exception as e:  # noqa: BLE001
                raise TypeError(f"verifier {type(verifier).__name__} cannot be pickled for worker processes "
                                f"({e}); use workers=0 or make it picklable") from None
            self._backend = _Pool(verifier, payload, workers, self.timeout_s, self.stats)
        else:
            self._backend = _InProcess(verifier, self.stats)
        self._finalizer = weakref.finalize(self, self._backend.close)

    # -- public -----------------------------------------------------------------------------

    def submit(self, completions: list[str], fields: list[dict[str, Any]],
               truncated: list[bool] | None = None) -> Future[list[Score]]:
        """Queue a batch and return at once; the Future's `result(timeout=None)` gives the scores
        in input order. `fields[i]` are the keyword fields (answer, ...) of row i, and
        `truncated[i]` whether row i was cut at the token limit (passed on as the `truncated`
        keyword when the verifier's `score` takes it). The lists are copied: the caller may reuse
        them."""
        fields = row_fields(self.verifier, completions, fields, truncated)
        return self._backend.submit(list(completions), list(fields))

    def score_batch(self, completions: list[str], fields: list[dict[str, Any]],
                    truncated: list[bool] | None = None) -> list[Score]:
        """`submit(...).result()`: the scores in input order, once all are in."""
        return self.submit(completions, fields, truncated).result()

    def close(self) -> None:
        self._finalizer()

    def __enter__(self) -> VerifierRunner:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
