"""The `format` verifier: does the completion follow the layout the prompt asked for?

A format reward is the usual companion of an answer reward (DeepSeek-R1's `<think>` tags, a boxed
final answer): combined with `math` through the `weighted` verifier it pays a small bonus for the
layout, whatever the answer. Outcomes: `correct` when every required element is present,
`unparseable` otherwise (with the default score table: 1.0 and 0.0), and the reason lists what is
missing.

Checks (options), each on or off:
  boxed         exactly one complete `\\boxed{...}` (`max_boxed` to allow more), non-empty
  boxed_last    nothing but punctuation, `$` and closing words (at most `tail_chars` characters)
                after the last box
  think         the completion starts with `<think>...</think>` (after whitespace), once
  pattern       a regular expression the completion must match (re.search, DOTALL)
"""
from __future__ import annotations

import re
from typing import Any

from rft.verifiers.base import Score, ScoreTable, Verifier, register_verifier
from rft.verifiers.math.extract import braced

_BOX = re.compile(r"\\(?:boxed|fbox)\s*\{")
_THINK = re.compile(r"^\s*<think>(.*?)</think>", re.DOTALL)


@register_verifier("format")
class FormatVerifier(Verifier):
    """Scores the layout of a completion, not its content.

    Args:
        boxed: require a complete, non-empty `\\boxed{...}`.
        max_boxed: most boxes allowed (a completion boxing every candidate is hedging).
        boxed_last: require the last box to end the completion (up to `tail_chars` characters).
        tail_chars: characters allowed after the last box.
        think: require a leading `<think>...</think>` block, and only one.
        pattern: a regular expression the completion must contain (re.search with DOTALL).

    >>> v = FormatVerifier()
    >>> v.score(r"2 + 2 = 4, so the answer is $\\boxed{4}$.")
    Score(value=1.0, outcome='correct', reason='format ok')
    >>> v.score("the answer is 4").reason
    'missing: boxed'
    >>> FormatVerifier(think=True).score("<think>2+2</think> \\\\boxed{4}").outcome
    'correct'
    """

    def __init__(self, scores: ScoreTable | dict | None = None, *, boxed: bool = True, max_boxed: int = 1,
                 boxed_last: bool = True, tail_chars: int = 40, think: bool = False, pattern: str | None = None):
        super().__init__(scores)
        if max_boxed < 1:
            raise ValueError(f"max_boxed must be >= 1, got {max_boxed}")
        try:
            self._pattern = re.compile(pattern, re.DOTALL) if pattern else None
        except re.error as e:
            raise ValueError(f"pattern is not a valid regular expression: {e}") from None
        self.boxed, self.max_boxed, self.boxed_last = boxed, max_boxed, boxed_last
        self.tail_chars, self.think, self.pattern = tail_chars, think, pattern

    def __getstate__(self) -> dict:  # compiled patterns pickle, but keep the state plain
        return {k: v for k, v in self.__dict__.items() if k != "_pattern"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._pattern = re.compile(self.pattern, re.DOTALL) if self.pattern else None

    def score(self, completion: str, **fields: Any) -> Score:
        text = completion or ""
        missing = []
        if self.boxed or self.boxed_last:
            boxes = [(m.start(), braced(text, m.end() - 1)) for m in _BOX.finditer(text)]
            complete = [(start, got) for start, got in boxes if got is not None and got[0].strip()]
            if not complete:
                missing.append("boxed")
            elif len(complete) > self.max_boxed:
                missing.append(f"at most {self.max_boxed} boxed (found {len(complete)})")
            elif self.boxed_last:
                tail = text[complete[-1][1][1]:]
                if len(re.sub(r"[\s$.!)\]\\]", "", tail)) > self.tail_chars:
                    missing.append("boxed answer last")
        if self.think:
            m = _THINK.match(text)
            if not m or not m.group(1).strip() or text.count("<think>") != 1:
                missing.append("<think>...</think> first")
        if self._pattern is not None and not self._pattern.search(text):
            missing.append(f"pattern {self.pattern!r}")
        return self.unparseable("missing: " + ", ".join(missing)) if missing else self.correct("format ok")
