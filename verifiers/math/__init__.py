"""The `math` verifier: the final answer of a completion against the reference answer.

Pure text in, `Score` out; no torch. The pieces, each a module of plain functions:
  extract.py    where the answer is (`\\boxed{}`, "final answer:", "the answer is", `####`,
                the final sentence's last math span or number; `strict` = boxed only)
  normalize.py  one canonical string per answer (LaTeX, units, percent, degrees, prefixes)
  expr.py       LaTeX expressions as trees, with exact (Fraction) and complex values
  answer.py     the comparison: numbers, expressions, tuples, intervals, sets, matrices,
                equations, choices, text
  symbolic.py   sympy in a killable child process, for pairs that evaluation cannot settle

The Score's reason says how the answer was found and which comparison decided, e.g.
`boxed; numeric 0.5 == \\frac{1}{2}`. Results are cached per (prediction, reference).
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any

from rft.verifiers.base import Score, ScoreTable, Verifier, register_verifier
from rft.verifiers.math import symbolic
from rft.verifiers.math.answer import answers_equal, parse_answer  # noqa: F401
from rft.verifiers.math.expr import ParseError
from rft.verifiers.math.extract import FALLBACKS, all_boxed, extract_answer, last_boxed, reference_answer  # noqa: F401
from rft.verifiers.math.normalize import normalize  # noqa: F401


def _list_length(ref: str) -> int:
    """Items of a reference that is a list (`-4, 12`: 2); 1 for anything else."""
    try:
        parsed = parse_answer(normalize(ref))
    except (ParseError, RecursionError):
        return 1
    return len(parsed[1]) if parsed[0] in ("list", "set") else 1


@register_verifier("math")
class MathVerifier(Verifier):
    """Scores a completion's final answer against the row's `answer` (int, float or string).

    Args:
        scores: reward per outcome (see `ScoreTable`).
        strict: accept only a `\\boxed{}` answer (else "final answer:", "the answer is", `####`
            and the last-number fallback apply too).
        fallback_last_number: with no answer marker, use the last math span or number of the
            final sentence (for a completion cut off at the token limit, `truncated`, only with
            `fallback_when_truncated`).
        fallback_when_truncated: let a cut-off completion's final sentence count as its answer too
            (off: a cut-off completion needs a box or a marker; a number met mid-reasoning is a
            guess, and rewarding it pays the policy for stopping mid-thought).
        rel_tol: relative tolerance for numbers and constants that are not exactly equal.
        use_sympy: let sympy settle the pairs that evaluation cannot (off: they count as wrong).
        sympy_timeout_s: hard deadline of one sympy call; past it the row scores `error`.
        cache_size: (prediction, reference) results kept (0: no cache).

    >>> v = MathVerifier()
    >>> v.score("12 + 7 = 19. The answer is 19.", answer="19")
    Score(value=1.0, outcome='correct', reason='answer_is; exact 19')
    >>> v.score(r"so the interval is $\\boxed{\\left( 3, 4 \\right]}$", answer="(3,4)").outcome
    'wrong'
    >>> v.score("I don't know", answer=3)
    Score(value=0.0, outcome='unparseable', reason='no answer found')
    """

    def __init__(self, scores: ScoreTable | dict | None = None, *, strict: bool = False,
                 fallback_last_number: bool = True, fallback_when_truncated: bool = False,
                 rel_tol: float = 1e-6, use_sympy: bool = True,
                 sympy_timeout_s: float = 1.0, cache_size: int = 100_000):
        super().__init__(scores)
        if not rel_tol >= 0:
            raise ValueError(f"rel_tol must be >= 0, got {rel_tol!r}")
        if not sympy_timeout_s > 0:
            raise ValueError(f"sympy_timeout_s must be > 0, got {sympy_timeout_s!r}")
        if cache_size < 0:
            raise ValueError(f"cache_size must be >= 0, got {cache_size!r}")
        self.strict, self.fallback_last_number = bool(strict), bool(fallback_last_number)
        self.fallback_when_truncated = bool(fallback_when_truncated)
        self.rel_tol, self.use_sympy = float(rel_tol), bool(use_sympy)
        self.sympy_timeout_s, self.cache_size = float(sympy_timeout_s), int(cache_size)
        self._cache: OrderedDict[tuple[str, str], tuple[bool | None, str]] = OrderedDict()

    def __setstate__(self, state: dict) -> None:
        """Unpickled in a verifier worker: start the sympy child now, not inside a row's deadline."""
        self.__dict__.update(state)
        if self.use_sympy:
            symbolic.worker().prestart()

    def compare(self, pred: str, ref: str) -> tuple[bool | None, str]:
        """`answers_equal` with this verifier's options, through the LRU cache."""
        key = (pred, ref)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        got = answers_equal(pred, ref, self.rel_tol, self.use_sympy, self.sympy_timeout_s)
        if self.cache_size:
            self._cache[key] = got
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return got

    def score(self, completion: str, answer: Any = None, truncated: bool = False, **fields: Any) -> Score:
        """`truncated`: the completion was cut off at the token limit. Then only an explicit answer
        (a box or a marker) counts: a number met mid-reasoning is a guess, not an answer."""
        ref = reference_answer(answer)
        if ref is None:
            return self.error(f"reference answer is missing or empty ({answer!r})")
        pred, how = extract_answer(completion or "", self.fallback_last_number, self.strict)
        if pred is None:
            return self.unparseable("no boxed answer" if self.strict else "no answer found")
        if truncated and how in FALLBACKS and not self.fallback_when_truncated:
            return self.unparseable(f"cut off at the token limit before a final answer ({how} {pred!r} not taken)")
        ok, why = self.compare(pred, ref)
        if ok is False and how == "boxed":  # parts answered in turn: "the minimum is \boxed{-4} ... maximum \boxed{12}"
            boxes = all_boxed(completion)
            if len(boxes) > 1 and len(boxes) == _list_length(ref):
                ok2, why2 = self.compare(", ".join(boxes), ref)
                if ok2:
                    ok, why = ok2, f"every box, one per part; {why2}"
        if ok is None:
            return self.error(f"{how}; {why}")
        return (self.correct if ok else self.wrong)(f"{how}; {why}")
