"""The `weighted` verifier: several verifiers as one reward, e.g. `math` plus a `format` bonus.

    verifier:
      name: weighted
      options:
        parts:
          - {name: math, weight: 1.0}
          - {name: format, weight: 0.2, options: {think: true}}

reward = sum(weight_i * value_i), each part's value read from its own score table (a part's
`scores`, else the task's `verifier.scores`). The outcome is the first part's (the `primary`):
accuracy stays "is the answer right", while the reward carries the bonus. The reason lists every
part. Parts are built by name (or `pkg.module:Class`) like any verifier, so a combination is
itself a verifier and can be nested.
"""
from __future__ import annotations

from typing import Any

from rft.verifiers.base import Score, ScoreTable, Verifier, build_verifier, register_verifier

_PART_KEYS = {"name", "weight", "options", "scores"}


@register_verifier("weighted")
class WeightedVerifier(Verifier):
    """A weighted sum of verifiers; the outcome is that of part `primary` (default the first).

    Args:
        parts: list of {name, weight (default 1.0), options (dict), scores (dict)}.
        primary: index of the part whose outcome the combination reports.

    >>> v = WeightedVerifier(parts=[{"name": "math"}, {"name": "format", "weight": 0.5}])
    >>> v.score(r"so \\boxed{4}", answer="4")
    Score(value=1.5, outcome='correct', reason='math 1*1: boxed; exact 4 | format 0.5*1: format ok')
    >>> v.score("the answer is 5", answer="4").value  # wrong (0.1) and no box (0.0)
    0.1
    """

    def __init__(self, scores: ScoreTable | dict | None = None, *, parts: list[dict], primary: int = 0):
        super().__init__(scores)
        if not isinstance(parts, list) or not parts:
            raise ValueError("parts must be a non-empty list of {name, weight, options, scores}")
        if not 0 <= primary < len(parts):
            raise ValueError(f"primary must index parts (0..{len(parts) - 1}), got {primary}")
        self.parts: list[tuple[str, float, Verifier]] = []
        for i, part in enumerate(parts):
            if not isinstance(part, dict) or "name" not in part:
                raise ValueError(f"parts[{i}] must be a mapping with a `name`, got {part!r}")
            unknown = set(part) - _PART_KEYS
            if unknown:
                raise ValueError(f"parts[{i}] has unknown keys {sorted(unknown)}; expected {sorted(_PART_KEYS)}")
            weight = part.get("weight", 1.0)
            if not isinstance(weight, (int, float)) or isinstance(weight, bool):
                raise ValueError(f"parts[{i}].weight must be a number, got {weight!r}")
            table = ScoreTable(**part["scores"]) if part.get("scores") else self.scores
            self.parts.append((part["name"], float(weight), build_verifier(part["name"], part.get("options"), table)))
        self.primary = primary

    def score(self, completion: str, **fields: Any) -> Score:
        results = [(name, w, v.score(completion, **fields)) for name, w, v in self.parts]
        value = sum(w * s.value for _, w, s in results)
        reason = " | ".join(f"{name} {w:g}*{s.value:g}: {s.reason}" for name, w, s in results)
        return Score(round(value, 12), results[self.primary][2].outcome, reason)
