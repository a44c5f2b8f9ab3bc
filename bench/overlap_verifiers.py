"""The two verification costs of bench/overlap.py, as verifiers the executors can ship to their
workers (a module of its own, so spawned pool processes and Ray workers import it by name: the
bench puts this folder on sys.path, and rft.cluster hands sys.path to Ray workers).

Both score the completion with the real math verifier (the arith task's reward) and add a cost:
  SleepMath  a fixed wall time per row, standing for a remote judge or a slow test suite;
  MBPPCost   the real code verifier running one MBPP reference program against its tests in
             the sandbox per row (the tiny arith model cannot write MBPP code, so the program
             is the reference solution of the next MBPP problem, in turn): the CPU, process
             and sandbox cost of a code reward, on real programs.
"""
from __future__ import annotations

import time

from rft.tasks import code_data
from rft.verifiers import Verifier
from rft.verifiers.code import CodeVerifier
from rft.verifiers.math import MathVerifier


class SleepMath(Verifier):
    def __init__(self, scores=None, cost_s: float = 0.05):
        super().__init__(scores)
        self.cost_s, self.math = float(cost_s), MathVerifier(scores)

    def score(self, completion, truncated=False, **fields):
        time.sleep(self.cost_s)
        return self.math.score(completion, truncated=truncated, **fields)


class MBPPCost(Verifier):
    def __init__(self, scores=None, data: str | None = None):
        super().__init__(scores)
        raw = code_data.mbpp_rows("train", data) if data else code_data.mbpp_rows("train")
        rows = [code_data.mbpp(r) for r in raw]
        self.programs = [(r["solution"], {k: r[k] for k in ("test_list", "test_imports", "answer")}) for r in rows]
        self.math, self.code, self.i = MathVerifier(scores), CodeVerifier(scores, timeout_s=10.0), 0

    def score(self, completion, truncated=False, **fields):
        program, tests = self.programs[self.i % len(self.programs)]
        self.i += 1
        ran = self.code.score(program, **tests)
        if ran.outcome != "correct":  # a reference that fails here is a broken sandbox, not a cost
            return self.error(f"MBPP reference failed: {ran.reason}")
        return self.math.score(completion, truncated=truncated, **fields)
