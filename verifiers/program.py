"""Program-based chain of thought (P-CoT, as in ReFT): the completion is a Python program; it runs
in the sandbox and the last line it prints is its answer, compared with the reference exactly as
the math verifier compares answers (numbers, fractions, expressions; `MathVerifier.compare`).

    ```python
    apples = 12
    bought = 7
    print(apples + bought)
    ```                                           -> runs, prints 19: correct against "19"

A program that defines `solution()` and prints nothing of its own answers with its return value
(the harness prints `solution()` after the program, so its value is the last line either way).

Outcomes and reasons:
  correct / wrong  the program ran and its last printed line equals / differs from the reference
  unparseable      no program in the completion; it printed nothing; it raised (the exception's
                   last line); it ran past its time, memory or output limit: the model's program
                   gave no answer, worth the table's `unparseable` reward
  error            the sandbox could not run it (killed from outside), or the reference is missing

Programs run through this process's warm sandbox slot (`rft.verifiers.code`), one at a time per
scoring process; parallelism comes from the runner's workers, as for the code verifier.
"""
from __future__ import annotations

from typing import Any

from rft.verifiers.base import Score, ScoreTable, Verifier, register_verifier
from rft.verifiers.code import CodeVerifier, _sandbox, extract_program
from rft.verifiers.math import MathVerifier
from rft.verifiers.math.extract import reference_answer

# after the program: a `solution()` it defines answers with its return value
_FOOTER = """

try:
    _rft_solution = solution
except NameError:
    pass
else:
    if callable(_rft_solution):
        print(_rft_solution())
"""
_NO_ANSWER = {"timeout": "ran past its time limit", "memory": "ran past its memory limit",
              "output-limit": "printed past the output limit"}


@register_verifier("program")
class ProgramVerifier(Verifier):
    """Runs the completion's program and compares what it prints last with the row's `answer`.

    Args:
        scores: reward per outcome.
        fence: which ```python block is the program when there are several (last, first, longest).
        require_fence: only a fenced block is a program (off: a completion without one is taken
            whole as the program, as ReFT's P-CoT responses are).
        timeout_s, memory_mb: the sandbox's limits for one program (wall and CPU seconds, MB).
        rel_tol: relative tolerance of the numeric comparison (as the math verifier's).
    """

    def __init__(self, scores: ScoreTable | dict | None = None, *, fence: str = "last", require_fence: bool = False,
                 timeout_s: float = 5.0, memory_mb: int = 256, rel_tol: float = 1e-6):
        super().__init__(scores)
        if fence not in ("last", "first", "longest"):
            raise ValueError(f"fence must be 'last', 'first' or 'longest', got {fence!r}")
        if not timeout_s > 0:
            raise ValueError(f"timeout_s must be > 0, got {timeout_s!r}")
        if not memory_mb >= 16:
            raise ValueError(f"memory_mb must be >= 16 (the interpreter needs some), got {memory_mb!r}")
        self.fence, self.require_fence = fence, bool(require_fence)
        self.timeout_s, self.memory_mb = float(timeout_s), int(memory_mb)
        self.math = MathVerifier(self.scores, rel_tol=rel_tol)

    limits = CodeVerifier.limits  # the sandbox's limits from timeout_s and memory_mb, as for code

    def score(self, completion: str, answer: Any = None, **fields: Any) -> Score:
        ref = reference_answer(answer)
        if ref is None:
            return self.error(f"reference answer is missing or empty ({answer!r})")
        program = extract_program(completion, self.fence, self.require_fence)
        if program is None:
            return self.unparseable("no fenced program" if self.require_fence else "empty completion")
        res = _sandbox().run(program + _FOOTER, limits=self.limits())
        if res.status in _NO_ANSWER:
            return self.unparseable(f"the program {_NO_ANSWER[res.status]} ({self.timeout_s:g}s, {self.memory_mb} MB)")
        if res.status == "killed":
            return self.error("the sandbox killed the program")
        if res.status != "ok" or res.exit_code:
            last = ((res.stderr or "").strip().splitlines() or ["(no message)"])[-1]
            return self.unparseable(f"the program raised: {last[:200]}")
        lines = [line.strip() for line in (res.stdout or "").splitlines() if line.strip()]
        if not lines:
            return self.unparseable("the program printed nothing")
        ok, why = self.math.compare(lines[-1], ref)
        if ok is None:
            return self.error(f"printed {lines[-1][:100]!r}; {why}")
        return (self.correct if ok else self.wrong)(f"printed {lines[-1][:100]!r}; {why}")

    __setstate__ = CodeVerifier.__setstate__  # unpickled in a worker: start the sandbox there and then
