"""Verifiers: rule-based scorers of completions (text in, `Score` out; no torch); environments
(multi-turn tasks) and the tools a rollout may call."""
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
from rft.verifiers import format as _format  # noqa: F401,E402  (registers "format")
from rft.verifiers import math as _math  # noqa: F401,E402  (registers "math")
from rft.verifiers import weighted as _weighted  # noqa: F401,E402  (registers "weighted")
from rft.verifiers import code as _code  # noqa: F401,E402  (registers "code"; the sandbox loads on first use)
from rft.verifiers import program as _program  # noqa: F401,E402  (registers "program")
from rft.verifiers.tools import TOOLS, Tool, ToolFormat, ToolResult, register_tool  # noqa: F401,E402
from rft.verifiers.envs import ENVIRONMENTS, Environment, Step, ToolEnv, register_env  # noqa: F401,E402
