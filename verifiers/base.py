"""The verifier API: a `Verifier` turns (completion text, reference fields) into a `Score`.

A verifier is a function of text: it imports no torch and knows nothing of training. It decides
an *outcome* (correct / wrong / unparseable / error) with a short human-readable reason; the
float reward is then read from the task's score table (1.0 / 0.1 / 0.0 by default), so the same
verifier serves tasks that weigh a wrong answer differently, and each outcome is logged as its
own rate during training.

Writing one for a new domain::

    from rft.verifiers import Verifier, register_verifier

    @register_verifier("exact")
    class Exact(Verifier):
        def score(self, completion, answer, **fields):
            if not completion.strip():
                return self.unparseable("empty completion")
            ok = completion.strip() == str(answer).strip()
            return self.correct("exact match") if ok else self.wrong("differs")
"""
from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass
from typing import Any, Literal

from rft.registry import Registry

Outcome = Literal["correct", "wrong", "unparseable", "error"]
OUTCOMES: tuple[Outcome, ...] = ("correct", "wrong", "unparseable", "error")


@dataclass(frozen=True)
class Score:
    """What a verifier says of one completion: the reward, the outcome behind it, and why."""

    value: float
    outcome: Outcome
    reason: str = ""

    def to_dict(self) -> dict:
        return {"value": self.value, "outcome": self.outcome, "reason": self.reason}


@dataclass(frozen=True)
class ScoreTable:
    """Reward per outcome. Defaults follow ReFT: correct 1.0, wrong 0.1, no parseable answer 0.0."""

    correct: float = 1.0
    wrong: float = 0.1
    unparseable: float = 0.0
    error: float = 0.0

    def value(self, outcome: Outcome) -> float:
        return getattr(self, outcome)


class Verifier:
    """Base class. Subclasses implement `score(completion, **reference_fields) -> Score`.

    `scores` is the task's score table; any other keyword option given in the task YAML
    (`verifier.options`) reaches the subclass's `__init__`. Build scores with `self.correct()`,
    `self.wrong()`, `self.unparseable()` and `self.error()` so the table is applied in one place.
    Raising is allowed: the runner turns an exception or a timeout into an `error` outcome.

    Besides the data row's fields, `score` gets `truncated=True/False` (the sampler cut the
    completion at `max_new_tokens`) when its signature takes `truncated` or `**fields`: a
    completion that stopped mid-reasoning should not be rewarded for a number it happened to reach.
    """

    name: str = "verifier"

    def __init__(self, scores: ScoreTable | dict | None = None):
        if isinstance(scores, dict):
            scores = ScoreTable(**scores)
        self.scores = scores or ScoreTable()

    def score(self, completion: str, **fields: Any) -> Score:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must implement score(completion, **fields)")

    def correct(self, reason: str = "") -> Score:
        return Score(self.scores.correct, "correct", reason)

    def wrong(self, reason: str = "") -> Score:
        return Score(self.scores.wrong, "wrong", reason)

    def unparseable(self, reason: str = "") -> Score:
        return Score(self.scores.unparseable, "unparseable", reason)

    def error(self, reason: str = "") -> Score:
        return Score(self.scores.error, "error", reason)


def takes_field(verifier: Verifier, name: str) -> bool:
    """Whether `verifier.score` accepts the keyword `name` (by name or through `**fields`)."""
    params = inspect.signature(verifier.score).parameters.values()
    return any(p.name == name or p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


VERIFIERS: Registry[type[Verifier]] = Registry("verifier")


def register_verifier(name: str):
    """Class decorator: make a Verifier subclass available to task YAMLs under `name`."""

    def deco(cls: type[Verifier]) -> type[Verifier]:
        cls.name = name
        return VERIFIERS.register(name)(cls)

    return deco


def resolve_verifier_class(spec: str) -> type[Verifier]:
    """A registry name (`math`) or an import path (`my_pkg.module:MyVerifier`)."""
    if ":" in spec:
        module, _, attr = spec.partition(":")
        try:
            cls = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as e:
            raise KeyError(f"cannot import verifier {spec!r}: {e}") from None
        if not (isinstance(cls, type) and issubclass(cls, Verifier)):
            raise KeyError(f"{spec!r} is not a subclass of rft.verifiers.Verifier")
        return cls
    import rft.verifiers  # noqa: F401  (registers the built-ins)

    return VERIFIERS.get(spec)


def build_verifier(spec: str, options: dict | None = None, scores: ScoreTable | dict | None = None) -> Verifier:
    cls = resolve_verifier_class(spec)
    return cls(scores=scores, **(options or {}))
