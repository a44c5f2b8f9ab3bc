"""`RayVerifierRunner`: the `VerifierRunner` interface, with the scoring done by Ray actors.

What runs where
  The driver (the trainer) holds the verifier for two things only: whether its `score` takes
  `truncated`, and building `error` scores. It pickles the verifier once and starts `actors` Ray
  actors (each asking for `processes_per_actor` CPUs, at least 1) whose creation tasks carry the
  bytes (a restart reuses them). Each actor unpickles the verifier and holds its own
  `VerifierRunner(verifier, workers=processes_per_actor, timeout_s)`: a pool of spawned
  processes on that actor's node, which is where the verifier runs - and, for the `code`
  verifier, where its sandbox starts its children. `submit` splits a batch into contiguous
  chunks (about ceil(n / actors) rows each) and sends each to the least-loaded actor (fewest rows
  in flight), so submissions pipeline; `Pending.result()` gathers the chunks in input order.

A hung or crashing row
  is handled inside its actor exactly as `VerifierRunner` handles it: a row running past
  `timeout_s` has its worker process SIGKILLed and restarted and scores `error` ("timeout after
  <timeout_s>s"); a worker that dies scores its row `error` ("worker died (exit code N)"); the
  other rows of the chunk, and every other actor, go on. So a hung row costs its own deadline on
  its own actor and nothing else. `processes_per_actor=0` scores in the actor's own process (no
  hang bound; a crash takes the actor down, see below): for trivial verifiers and tests.

Fault handling
  An actor that dies while it holds a chunk (its process killed, OOM, a lost node) turns that
  chunk's rows into `error` scores ("ray worker died: ...") and counts one crash in `stats`.
  Actors are created with `max_restarts=-1`, `max_task_retries=0`: Ray restarts a dead actor
  (re-running its constructor with the same verifier bytes) and does not re-run the lost chunk.
  Until the restarted actor answers a probe, later submissions go to the other actors (a call
  made right after a death can still reach the dead process); `submit` waits only when every
  actor is down. An actor Ray reports as dead for good is replaced by a new one. `stats` sums
  the actors' runners' counters (rows, errors, timeouts, crashes, restarts; each chunk's result
  carries its actor's increments, so reading them costs no extra call), plus the rows lost with
  a dead actor, its crash, and its restart once it is back; a chunk's counters are added when
  its `Pending.result()` is first read. An actor whose constructor fails (the verifier's class
  cannot be imported on that node), a verifier that cannot load in the actor's worker
  processes, or actors the cluster cannot place within `READY_TIMEOUT_S` raise RuntimeError:
  those are setup bugs, not rows to score.

A real cluster
  `address` goes to `rft.cluster.connect`: `"auto"` joins the cluster `ray start --head` left on
  this node, `"ray://head:10001"` (Ray client) or `"head:6379"` a remote head; `None` starts a
  local cluster with at least `actors * processes_per_actor` logical CPUs. A process already
  connected stays on its cluster. `close()` asks the actors to close their runners and then
  kills them; it never shuts Ray down, since the cluster may be shared with rollout workers.

What the workers must import
  rft itself (this module's actor class is sent by reference; install rft, with the same
  version, on every node) and the verifier's class by its module path, as for `VerifierRunner`
  (a class defined in `__main__` is not importable elsewhere). `rft.cluster.connect` passes the
  driver's `sys.path` to the workers as PYTHONPATH, which reaches a verifier module on a shared
  file system or on a local cluster; on separate machines, install the module there (or ship it
  with a Ray runtime_env of your own before calling connect).
"""
from __future__ import annotations

import os
import pickle
import threading
import time
import weakref
from typing import Any

from rft.verifiers.base import Score, Verifier
from rft.verifiers.runner import VerifierRunner, row_fields

READY_TIMEOUT_S = 120.0  # the actors must be placed, started and have loaded the verifier within this
CLOSE_WAIT_S = 2.0  # how long close() lets the actors stop their worker pools before killing them
STAT_KEYS = ("rows", "errors", "timeouts", "crashes", "restarts")


class _ScoringActor:
    """The Ray actor: one `VerifierRunner` around the verifier unpickled from `payload`.
    Turned into a Ray actor class by `_actor_class()` (so importing this module needs no Ray)."""

    def __init__(self, payload: bytes, workers: int, timeout_s: float):
        try:
            verifier = pickle.loads(payload)
        except Exception as e:  # noqa: BLE001
            raise RuntimeError(f"cannot load verifier in a Ray worker: {type(e).__name__}: {e}") from None
        self.runner = VerifierRunner(verifier, workers=workers, timeout_s=timeout_s)

    def ready(self) -> int:
        return os.getpid()

    def score(self, completions: list[str], fields: list[dict]) -> tuple[list[tuple], dict[str, int]]:
        """Plain (value, outcome, reason) tuples in order, and this call's increments of the stats."""
        before = dict(self.runner.stats)
        out = self.runner.score_batch(completions, fields)
        delta = {k: self.runner.stats[k] - before.get(k, 0) for k in STAT_KEYS}
        return [(s.value, s.outcome, s.reason) for s in out], delta

    def close(self) -> None:
        self.runner.close()


_ACTOR_CLASS = None


def _actor_class():
    global _ACTOR_CLASS
    if _ACTOR_CLASS is None:
        import ray

        _ACTOR_CLASS = ray.remote(max_restarts=-1, max_task_retries=0)(_ScoringActor)
    return _ACTOR_CLASS


def _death_errors() -> tuple[type[BaseException], ...]:
    """Exceptions of `ray.get` that mean the actor (or its worker or node) went away."""
    from ray import exceptions as rx

    return tuple(getattr(rx, n) for n in ("RayActorError", "WorkerCrashedError", "NodeDiedError",
                                          "ObjectLostError", "OwnerDiedError") if hasattr(rx, n))


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def _close_actors(actors: list) -> None:
    """Ask every actor to stop its worker pool (briefly), then kill it. Leaves Ray running."""
    import sys

    ray = sys.modules.get("ray")
    try:
        if actors and ray is not None and ray.is_initialized():
            try:
                ray.wait([a.close.remote() for a in actors], num_returns=len(actors), timeout=CLOSE_WAIT_S)
            except Exception:  # noqa: BLE001 - a dead actor is as good as a closed one
                pass
            for a in actors:
                try:
                    ray.kill(a, no_restart=True)
                except Exception:  # noqa: BLE001
                    pass
    finally:
        actors.clear()


class _Part:
    """One chunk in flight: which actor, which rows (input indices), and its ObjectRef."""

    __slots__ = ("slot", "actor", "rows", "ref")

    def __init__(self, slot: int, actor, rows: list[int], ref):
        self.slot, self.actor, self.rows, self.ref = slot, actor, rows, ref


class Pending:
    """A submitted batch. `done()` polls; `result(timeout)` waits and returns the scores in input
    order (the same list on every call). A timeout raises TimeoutError and leaves it pending."""

    def __init__(self, runner: RayVerifierRunner, n: int, parts: list[_Part], fixed: dict[int, Score]):
        self._runner, self._n, self._parts, self._fixed = runner, n, parts, fixed
        self._scores: list[Score] | None = None
        self._lock = threading.Lock()

    def done(self) -> bool:
        if self._scores is not None or not self._parts:
            return True
        import ray

        refs = [p.ref for p in self._parts]
        ready, _ = ray.wait(refs, num_returns=len(refs), timeout=0)
        return len(ready) == len(refs)

    def add_done_callback(self, fn) -> None:
        """Call `fn(self)` once every chunk has its answer (from a Ray thread; at once if done),
        as `concurrent.futures.Future.add_done_callback` does."""
        futures = [p.ref.future() for p in self._parts]
        if not futures:
            fn(self)
            return
        left = [len(futures)]
        lock = threading.Lock()

        def one_done(_) -> None:
            with lock:
                left[0] -= 1
                last = left[0] == 0
            if last:
                fn(self)

        for f in futures:
            f.add_done_callback(one_done)

    def result(self, timeout: float | None = None) -> list[Score]:
        with self._lock:
            if self._scores is None:
                self._scores = self._runner._collect(self._n, self._parts, self._fixed, timeout)
                self._parts = []
            return list(self._scores)


class RayVerifierRunner:
    """Scores batches with `verifier` on `actors` Ray actors, each a `VerifierRunner` of
    `processes_per_actor` worker processes with the per-row deadline `timeout_s`.

    `address`: the Ray cluster to join (see `rft.cluster.connect`); None starts a local one.
    Same interface as `VerifierRunner`: `submit` (returns a `Pending` at once), `score_batch`
    (= `submit(...).result()`), `stats`, `close()` and the context manager.
    """

    def __init__(self, verifier: Verifier, actors: int = 1, processes_per_actor: int = 1,
                 timeout_s: float = 2.0, address: str | None = None):
        if actors < 1:
            raise ValueError(f"actors must be >= 1, got {actors}")
        if processes_per_actor < 0:
            raise ValueError(f"processes_per_actor must be >= 0, got {processes_per_actor}")
        if not timeout_s > 0:
            raise ValueError(f"timeout_s must be > 0, got {timeout_s}")
        from rft import cluster

        cluster.require_ray()
        try:
            payload = pickle.dumps(verifier)
        except Exception as e:  # noqa: BLE001
            raise TypeError(f"verifier {type(verifier).__name__} cannot be pickled for Ray actors ({e}); "
                            "make it picklable or score with VerifierRunner(workers=0)") from None
        self.verifier, self.n_actors = verifier, actors
        self.processes_per_actor, self.timeout_s = processes_per_actor, float(timeout_s)
        self.stats = {k: 0 for k in STAT_KEYS}
        self._cpus = max(1, processes_per_actor)  # with 0 processes the actor's own process scores
        cluster.connect(address, num_cpus=actors * self._cpus)
        self._payload = payload  # pickled once; each actor's creation task carries the bytes, and a restart reuses them
        self._lock = threading.Lock()
        self._actors: list = []
        self._inflight: list[list[tuple[Any, int]]] = [[] for _ in range(actors)]  # (ref, rows) per actor
        self._probes: dict[int, Any] = {}  # slot -> `ready` call of an actor seen dying
        self._finalizer = weakref.finalize(self, _close_actors, self._actors)
        self._actors.extend(self._new_actor() for _ in range(actors))
        self._wait_ready()

    # -- public -----------------------------------------------------------------------------

    def submit(self, completions: list[str], fields: list[dict[str, Any]],
               truncated: list[bool] | None = None) -> Pending:
        """Sends the batch to the actors and returns at once; `fields[i]` and `truncated[i]` as in
        `VerifierRunner.score_batch`."""
        fields = row_fields(self.verifier, completions, fields, truncated)
        if not self._finalizer.alive:
            raise RuntimeError("RayVerifierRunner is closed")
        n = len(completions)
        parts: list[_Part] = []
        fixed: dict[int, Score] = {}
        if n:
            with self._lock:
                slots = self._least_loaded(self._live_slots())
                k = min(len(slots), n)
                size = -(-n // k)
                chunks = [list(range(s, min(s + size, n))) for s in range(0, n, size)]
                for rows, slot in zip(chunks, slots):
                    parts += self._send(slot, rows, completions, fields, fixed)
        return Pending(self, n, parts, fixed)

    def score_batch(self, completions: list[str], fields: list[dict[str, Any]],
                    truncated: list[bool] | None = None) -> list[Score]:
        """Scores in input order (= `submit(...).result()`)."""
        return self.submit(completions, fields, truncated).result()

    def close(self) -> None:
        self._finalizer()

    def __enter__(self) -> RayVerifierRunner:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- actors -----------------------------------------------------------------------------

    def _new_actor(self):
        return _actor_class().options(num_cpus=self._cpus).remote(
            self._payload, self.processes_per_actor, self.timeout_s)

    def _wait_ready(self) -> None:
        """Every actor placed, started and holding the verifier, or a RuntimeError saying why not."""
        import ray
        from ray.exceptions import GetTimeoutError, RayActorError

        try:
            ray.get([a.ready.remote() for a in self._actors], timeout=READY_TIMEOUT_S)
        except GetTimeoutError:
            total = ray.cluster_resources().get("CPU", 0)
            self.close()
            raise RuntimeError(
                f"{self.n_actors} verifier actor(s) asking for {self._cpus} CPU(s) each did not start within "
                f"{READY_TIMEOUT_S:.0f}s (the Ray cluster has {total:g} CPUs in all)") from None
        except RayActorError as e:
            self.close()
            raise RuntimeError(f"a verifier actor failed to start: {_init_error(e)}") from None

    def _least_loaded(self, slots: list[int]) -> list[int]:
        """`slots` from the fewest rows in flight to the most (finished chunks are dropped first)."""
        import ray

        refs = [ref for flights in self._inflight for ref, _ in flights]
        if refs:
            ready, _ = ray.wait(refs, num_returns=len(refs), timeout=0)
            done = set(ready)
            self._inflight = [[(r, m) for r, m in flights if r not in done] for flights in self._inflight]
        load = [sum(m for _, m in flights) for flights in self._inflight]
        return sorted(slots, key=lambda s: load[s])

    def _live_slots(self) -> list[int]:
        """The actors that can take rows now. One seen dying is probed (a `ready` call) until it
        answers: right after a death, a call can still reach the dead process and fail, so until
        Ray has restarted it its rows go to the others. Waits only when every actor is down."""
        import ray

        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            for slot, probe in list(self._probes.items()):
                ready, _ = ray.wait([probe], timeout=0)
                if ready:
                    self._check_probe(slot, probe)
            live = [s for s in range(self.n_actors) if s not in self._probes]
            if live:
                return live
            if time.monotonic() > deadline:
                raise RuntimeError(f"no verifier actor came back within {READY_TIMEOUT_S:.0f}s of dying")
            ray.wait(list(self._probes.values()), num_returns=1, timeout=0.1)

    def _check_probe(self, slot: int, probe) -> None:
        import ray
        from ray.exceptions import ActorDiedError

        try:
            ray.get(probe)
        except _death_errors() as e:
            if getattr(e, "actor_init_failed", False):
                raise RuntimeError(f"a verifier actor failed to restart: {_init_error(e)}") from None
            if isinstance(e, ActorDiedError):  # dead for good: Ray will not restart it
                self._replace(slot)
            else:  # reached the old process, or Ray is still restarting it: ask again
                time.sleep(0.02)
                self._probes[slot] = self._actors[slot].ready.remote()
        else:
            del self._probes[slot]
            self.stats["restarts"] += 1

    def _send(self, slot: int, rows: list[int], completions: list, fields: list, fixed: dict) -> list[_Part]:
        """Call the actor on these rows; a row Ray cannot serialize scores error on its own."""
        actor = self._actors[slot]
        try:
            ref = actor.score.remote([completions[i] for i in rows], [fields[i] for i in rows])
        except Exception as e:  # noqa: BLE001 - sorted out below
            err = e
        else:
            self._inflight[slot].append((ref, len(rows)))
            return [_Part(slot, actor, rows, ref)]
        from ray import cloudpickle

        good = []
        for i in rows:
            try:
                cloudpickle.dumps((completions[i], fields[i]))
                good.append(i)
            except Exception as e:  # noqa: BLE001
                fixed[i] = self.verifier.error(f"exception: cannot send row to Ray worker: {type(e).__name__}: {e}")
        if len(good) == len(rows):  # every row serializes: the call itself failed
            for i in rows:
                fixed[i] = self.verifier.error(f"ray call failed: {type(err).__name__}: {_first_line(err)}")
            return []
        return self._send(slot, good, completions, fields, fixed) if good else []

    def _collect(self, n: int, parts: list[_Part], fixed: dict[int, Score], timeout: float | None) -> list[Score]:
        import ray

        if parts:
            refs = [p.ref for p in parts]
            _, waiting = ray.wait(refs, num_returns=len(refs), timeout=timeout)
            if waiting:
                raise TimeoutError(f"{len(waiting)} of {len(refs)} chunks not scored within {timeout}s")
        out: list[Score | None] = [None] * n
        for i, s in fixed.items():
            out[i] = s
        deaths = _death_errors()
        with self._lock:
            for p in parts:
                try:
                    scored, delta = ray.get(p.ref)
                except deaths as e:
                    if getattr(e, "actor_init_failed", False):
                        raise RuntimeError(f"a verifier actor failed to restart: {_init_error(e)}") from None
                    reason = f"ray worker died: {_first_line(e)}"
                    for i in p.rows:
                        out[i] = self.verifier.error(reason)
                    delta = {"rows": len(p.rows), "errors": len(p.rows), "crashes": 1}
                    if self._finalizer.alive and self._actors[p.slot] is p.actor and p.slot not in self._probes:
                        self._probes[p.slot] = p.actor.ready.remote()  # back in use once it answers
                else:
                    for i, row in zip(p.rows, scored):
                        out[i] = Score(*row)
                for k, v in delta.items():
                    self.stats[k] = self.stats.get(k, 0) + v
        fixed_errors = sum(s.outcome == "error" for s in fixed.values())
        with self._lock:
            self.stats["rows"] += len(fixed)
            self.stats["errors"] += fixed_errors
        return out  # type: ignore[return-value]

    def _replace(self, slot: int) -> None:
        """A new actor in `slot` (calls to it wait until it has started)."""
        import ray

        try:
            ray.kill(self._actors[slot], no_restart=True)
        except Exception:  # noqa: BLE001
            pass
        self._actors[slot] = self._new_actor()
        self._inflight[slot] = []
        self._probes.pop(slot, None)
        self.stats["restarts"] += 1


def _init_error(e: BaseException) -> str:
    """The useful line of a failed actor constructor: the exception it raised, not Ray's preamble."""
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    for ln in reversed(lines):
        if "Error" in ln and ":" in ln and not ln.startswith(("class_name", "actor_id", "pid", "namespace", "ip")):
            return ln
    return lines[0] if lines else type(e).__name__
