"""RayVerifierRunner: the VerifierRunner interface on Ray actors - same scores as in-process,
the code sandbox inside a Ray worker, hung and dying rows bounded inside their actor, a dead
actor's rows scored `error` and the actor back for the next submission, and `submit` returning
before the scoring is done.

One local Ray cluster serves the module (starting one takes ~5 s on 2 cores). The test verifiers
live at module level: pytest puts tests/ on sys.path, `rft.cluster.connect` hands sys.path to
the Ray workers as PYTHONPATH, and the actors (and their spawned processes) import this module
by name to unpickle them.
"""
from __future__ import annotations

import os
import sys
import time

import pytest

pytest.importorskip("ray")

from rft import cluster  # noqa: E402
from rft.errors import UserError  # noqa: E402
from rft.verifiers import Score, ScoreTable, Verifier  # noqa: E402
from rft.verifiers.code import CodeVerifier  # noqa: E402
from rft.verifiers.math import MathVerifier  # noqa: E402
from rft.verifiers.ray_runner import RayVerifierRunner  # noqa: E402
from rft.verifiers.runner import VerifierRunner  # noqa: E402

TIMEOUT_S = 1.0
SLACK_S = 4.0  # killing and restarting the worker, Ray's round trips, CI jitter; a real hang takes 100 s


class ScriptedVerifier(Verifier):
    """Does what the completion says: "hang" sleeps 100 s, "die" exits its process, "slow" takes
    0.5 s; anything else is correct iff it equals the answer. The reason carries the pid."""

    def score(self, completion, answer=None, **fields):
        if completion == "hang":
            time.sleep(100)
        if completion == "die":
            os._exit(3)
        if completion == "slow":
            time.sleep(0.5)
            completion = str(answer)
        reason = f"{fields.get('i')}@{os.getpid()}"
        return self.correct(reason) if completion == str(answer) else self.wrong(reason)


class FailsToLoadVerifier(Verifier):
    """Pickles fine in the driver, raises when an actor unpickles it."""

    def __setstate__(self, state):
        raise RuntimeError("no GPU here")


def _batch(completions):
    return list(completions), [{"answer": c, "i": i} for i, c in enumerate(completions)]


def _pid(score: Score) -> int:
    return int(score.reason.split("@")[1])


@pytest.fixture(scope="module", autouse=True)
def ray_cluster():
    cluster.connect(None, num_cpus=4)
    yield
    cluster.shutdown()


@pytest.fixture(scope="module")
def scripted():
    """Two actors of one worker process each, shared by the fault tests (they read stats as deltas)."""
    with RayVerifierRunner(ScriptedVerifier(scores=ScoreTable(error=-1.0)), actors=2, timeout_s=TIMEOUT_S) as r:
        yield r


# ---------------------------------------------------------------- same scores as in-process


def test_math_rows_score_through_two_actors_exactly_as_in_process():
    comps = ["2 + 2 = 4. The answer is 4.", "The answer is 5.", "I am not sure.", r"So \boxed{\frac{1}{2}}.",
             "Half of it: 0.5", "so far 3 + 4 = 7 and then", "The answer is 7.", "7"] * 3
    answers = ["4", "4", "4", "0.5", "1/2", "7", "7", "7"] * 3
    fields = [{"answer": a} for a in answers]
    truncated = [False] * 8 + [True] * 8 + [i % 2 == 0 for i in range(8)]
    local = VerifierRunner(MathVerifier(), workers=0)
    with RayVerifierRunner(MathVerifier(), actors=2) as r:
        assert r.score_batch(comps, fields) == local.score_batch(comps, fields)
        got, want = r.score_batch(comps, fields, truncated), local.score_batch(comps, fields, truncated)
        assert got == want
        assert {s.outcome for s in got} == {"correct", "wrong", "unparseable"}
        # a completion without a final answer: its last number counts unless it was cut off
        assert got[5].outcome == "correct" and got[13].outcome == "unparseable"
        assert r.stats == {"rows": 48, "errors": 0, "timeouts": 0, "crashes": 0, "restarts": 0}


def test_rows_are_split_across_both_actors_and_come_back_in_input_order(scripted):
    comps, fields = _batch([str(i) for i in range(20)])
    fields[7]["answer"] = "not 7"
    out = scripted.score_batch(comps, fields)
    assert [s.reason.split("@")[0] for s in out] == [str(i) for i in range(20)]
    assert [s.outcome for s in out] == ["wrong" if i == 7 else "correct" for i in range(20)]
    pids = [_pid(s) for s in out]
    assert len(set(pids[:10])) == 1 and len(set(pids[10:])) == 1 and pids[0] != pids[10]  # contiguous chunks
    assert os.getpid() not in pids


def test_code_rows_run_in_the_sandbox_inside_a_ray_worker():
    mbpp = {"test_list": ["assert add(1, 2) == 3", "assert add(2, 2) == 4"], "test_imports": []}
    humaneval = {"prompt": "def add(a, b):\n", "entry_point": "add",
                 "test": "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(-1, 1) == 0\n"}
    good = "```python\ndef add(a, b):\n    return a + b\n```"
    bad = "```python\ndef add(a, b):\n    return a - b\n```"
    with RayVerifierRunner(CodeVerifier(timeout_s=3.0, memory_mb=256), actors=1, timeout_s=10.0) as r:
        out = r.score_batch([good, bad, good, bad, "no code here"], [mbpp, mbpp, humaneval, humaneval, mbpp])
    assert [s.outcome for s in out] == ["correct", "wrong", "correct", "wrong", "unparseable"]
    assert out[0].reason == "passed 2/2" and out[1].reason.startswith("passed 0/2")


# ---------------------------------------------------------------- faults


def test_hung_row_times_out_in_its_actor_while_the_other_rows_score(scripted):
    before = dict(scripted.stats)
    t = time.monotonic()
    out = scripted.score_batch(*_batch(["1", "2", "hang", "3", "4", "5"]))
    assert time.monotonic() - t < TIMEOUT_S + SLACK_S
    assert [s.outcome for s in out] == ["correct", "correct", "error", "correct", "correct", "correct"]
    assert out[2] == Score(-1.0, "error", f"timeout after {TIMEOUT_S:g}s")
    assert scripted.stats["timeouts"] - before["timeouts"] == 1
    assert scripted.stats["restarts"] - before["restarts"] == 1
    assert scripted.stats["rows"] - before["rows"] == 6 and scripted.stats["errors"] - before["errors"] == 1


def test_row_that_kills_its_process_scores_error_and_the_next_submission_works(scripted):
    before = dict(scripted.stats)
    out = scripted.score_batch(*_batch(["1", "die", "2", "3"]))
    assert [s.outcome for s in out] == ["correct", "error", "correct", "correct"]
    assert out[1].reason == "worker died (exit code 3)"
    assert scripted.stats["crashes"] - before["crashes"] == 1
    nxt = scripted.score_batch(*_batch([str(i) for i in range(6)]))
    assert all(s.outcome == "correct" for s in nxt)


def test_dead_actor_scores_its_rows_error_and_ray_restarts_it():
    # processes_per_actor=0 scores in the actor's own process, so "die" takes the actor down
    with RayVerifierRunner(ScriptedVerifier(), actors=2, processes_per_actor=0) as r:
        first = r.score_batch(*_batch(["1", "die", "2", "3"]))
        assert [s.outcome for s in first] == ["error", "error", "correct", "correct"]  # chunks [1, die] and [2, 3]
        assert first[0].reason.startswith("ray worker died: ")
        assert r.stats["crashes"] == 1 and r.stats["rows"] == 4 and r.stats["errors"] == 2
        out = r.score_batch(*_batch([str(i) for i in range(6)]))  # the survivor takes it all if need be
        assert all(s.outcome == "correct" for s in out)
        deadline = time.monotonic() + 30
        while len({_pid(s) for s in out}) < 2 and time.monotonic() < deadline:  # until Ray restarted the actor
            time.sleep(0.1)
            out = r.score_batch(*_batch([str(i) for i in range(6)]))
        assert all(s.outcome == "correct" for s in out)
        pids = {_pid(s) for s in out}
        assert len(pids) == 2 and _pid(first[2]) in pids
        assert r.stats["restarts"] == 1 and r.stats["errors"] == 2


def test_submit_returns_before_scoring_finishes_and_result_is_recallable(scripted):
    comps, fields = _batch(["slow", "1", "slow", "2"])
    t = time.monotonic()
    pending = scripted.submit(comps, fields)
    assert time.monotonic() - t < 0.25
    assert not pending.done()
    with pytest.raises(TimeoutError):
        pending.result(timeout=0.05)
    out = pending.result()
    assert pending.done() and time.monotonic() - t >= 0.5
    assert [s.outcome for s in out] == ["correct"] * 4
    assert [s.reason.split("@")[0] for s in out] == ["0", "1", "2", "3"]
    assert pending.result() == out


def test_submissions_pipeline_and_go_to_the_least_loaded_actor(scripted):
    slow = scripted.submit(*_batch(["slow"]))  # one row: one actor busy for 0.5 s
    quick = scripted.submit(*_batch(["1"]))
    assert _pid(quick.result()[0]) != _pid(slow.result()[0])
    assert scripted.submit([], []).result() == []


# ---------------------------------------------------------------- interface


def test_mismatched_lengths_are_refused(scripted):
    with pytest.raises(ValueError, match="2 completions but 1 field"):
        scripted.submit(["1", "2"], [{}])
    with pytest.raises(ValueError, match="2 completions but 1 truncated"):
        scripted.submit(["1", "2"], [{}, {}], truncated=[True])


def test_row_ray_cannot_serialize_scores_error_alone(scripted):
    import threading

    comps, fields = _batch(["1", "2", "3"])
    fields[1]["lock"] = threading.Lock()  # neither pickle nor cloudpickle can send a lock
    out = scripted.score_batch(comps, fields)
    assert [s.outcome for s in out] == ["correct", "error", "correct"]
    assert out[1].reason.startswith("exception: cannot send row to Ray worker")


def test_verifier_that_cannot_load_in_an_actor_raises_at_construction():
    with pytest.raises(RuntimeError, match="failed to start: .*no GPU here"):
        RayVerifierRunner(FailsToLoadVerifier(), actors=1)


def test_close_kills_the_actors_leaves_ray_running_and_is_idempotent():
    import ray

    r = RayVerifierRunner(ScriptedVerifier(), actors=1)
    actor = r._actors[0]
    assert r.score_batch(["1"], [{"answer": "1"}])[0].outcome == "correct"
    r.close()
    r.close()
    assert ray.is_initialized()
    # ray.kill is asynchronous: a call made right after it may still be served; within seconds
    # the actor must be gone for good (no restart)
    deadline = time.monotonic() + 20
    with pytest.raises(ray.exceptions.RayActorError):
        while time.monotonic() < deadline:
            ray.get(actor.ready.remote(), timeout=10)
            time.sleep(0.2)
    with pytest.raises(RuntimeError, match="closed"):
        r.submit(["1"], [{"answer": "1"}])


def test_without_ray_it_is_a_user_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(UserError, match="needs Ray"):
        RayVerifierRunner(ScriptedVerifier())
