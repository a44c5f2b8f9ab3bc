"""Verifiers: rule-based scorers of completions (text in, `Score` out; no torch)."""
from rft.verifiers.base import (  # noqa: F401
    OUTCOMES,
    VERIFIERS,
    Outcome,
    Score,
    ScoreTable,
    Verifier,
    build_verifier,
    register_verifier,
    resolve_verifier_class,
)
from rft.verifiers import math as _math  # noqa: F401,E402  (registers "math")
