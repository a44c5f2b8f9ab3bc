r"""The environment API: multi-turn tasks, where the model's turn gets an answer before it goes on.

An environment holds one episode: `reset(row)` takes a data row and returns the first prompt;
`step(turn)` takes the text of the model's turn and returns a `Step`: an observation (appended
to the conversation, attended to by the next turns and never trained on) or done, with a `Score`
built from the task's score table like a verifier's. The sampler keeps the tokens: the model's
are the tokens it sampled, an observation is tokenized on its own, and nothing is re-tokenized.
Writing one for a new domain (the README has a complete one, which a test runs)::

    @register_env("guess")
    class Guess(Environment):
        stop = ("\n",)                   # a turn is one line (it also ends at EOS)

        def reset(self, row):
            self.secret = int(row["answer"])
            return row["prompt"]

        def step(self, turn):
            guess = int(turn.split()[-1])
            if guess == self.secret:
                return self.done(self.correct("found it"))
            return self.observe(" higher.\n" if guess < self.secret else " lower.\n")

An episode also ends, without the environment's say, at `sampler.max_turns` model turns or when
the response reaches `sampler.max_new_tokens` tokens (the environment's `timeout()` scores it).
A task names its environment in the YAML (`env: {name: guess, options: {...}}`); single-turn
tasks keep using verifiers. Tool calls (`sampler.tools`) run through the built-in `ToolEnv`,
which leaves the final answer to the task's verifier.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from rft.registry import Registry
from rft.verifiers.base import Score, ScoreTable
from rft.verifiers.tools import Tool, ToolFormat, build_tool


@dataclass(frozen=True)
class Step:
    """What an environment answers to one model turn: an observation, or done (with a score)."""

    observation: str | None = None  # text appended after the turn; the model then takes another turn
    done: bool = False
    score: Score | None = None  # when done: the episode's score (None: the task's verifier scores it)
    info: dict[str, Any] = field(default_factory=dict)  # `tool` and `status` of a tool call, for metrics


class Environment:
    """Base class of multi-turn environments: one instance per episode, built with the task's
    score table and the YAML's `env.options`. Subclasses implement `reset` and `step`."""

    name: str = "env"
    stop: tuple[str, ...] = ()  # strings that end a model turn besides EOS (they stay in the turn)
    scores_episodes: bool = True  # False: `done` carries no score and the task's verifier scores the text

    def __init__(self, scores: ScoreTable | dict | None = None):
        if isinstance(scores, dict):
            scores = ScoreTable(**scores)
        self.scores = scores or ScoreTable()

    def reset(self, row: dict[str, Any]) -> str:  # pragma: no cover - abstract
        """The first prompt of an episode on `row` (the data row's fields, and `prompt`: the task's
        prompt for it)."""
        raise NotImplementedError(f"{type(self).__name__} must implement reset(row)")

    def step(self, turn: str) -> Step:  # pragma: no cover - abstract
        """The answer to the model's turn (its decoded text, ending at EOS or a `stop` string)."""
        raise NotImplementedError(f"{type(self).__name__} must implement step(turn)")

    def timeout(self, reason: str) -> Score:
        """The score of an episode cut before the environment said done (max_turns, token budget)."""
        return self.unparseable(reason)

    def close(self) -> None:
        pass

    def observe(self, text: str, **info) -> Step:
        """The step that appends `text` for the model's next turn."""
        return Step(observation=text, info=info)

    def done(self, score: Score | None = None, **info) -> Step:
        """The step that ends the episode with `score`."""
        return Step(done=True, score=score, info=info)

    # scores from the task's score table, the one place it is applied (as for verifiers)
    def correct(self, reason: str = "") -> Score:
        return Score(self.scores.correct, "correct", reason)

    def wrong(self, reason: str = "") -> Score:
        return Score(self.scores.wrong, "wrong", reason)

    def unparseable(self, reason: str = "") -> Score:
        return Score(self.scores.unparseable, "unparseable", reason)

    def error(self, reason: str = "") -> Score:
        return Score(self.scores.error, "error", reason)


ENVIRONMENTS: Registry[type[Environment]] = Registry("environment")


def register_env(name: str):
    """Class decorator: make an Environment subclass available to task YAMLs under `name`."""

    def deco(cls: type[Environment]) -> type[Environment]:
        cls.name = name
        return ENVIRONMENTS.register(name)(cls)

    return deco


def resolve_env_class(spec: str) -> type[Environment]:
    """A registry name or an import path `pkg.module:Class`."""
    if ":" in spec:
        module, _, attr = spec.partition(":")
        try:
            cls = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as e:
            raise KeyError(f"cannot import environment {spec!r}: {e}") from None
        if not (isinstance(cls, type) and issubclass(cls, Environment)):
            raise KeyError(f"{spec!r} is not a subclass of rft.verifiers.Environment")
        return cls
    return ENVIRONMENTS.get(spec)


@register_env("tools")
class ToolEnv(Environment):
    """Tool calls inside a rollout: a turn that ends with a call gets the tool's result as its
    observation; a turn without one is the answer, and the episode ends for the task's verifier
    to score (the model's turns, tool results left out, as `Rollout.texts`)."""

    scores_episodes = False

    def __init__(self, scores: ScoreTable | dict | None = None, *, tools: dict[str, Tool],
                 format: ToolFormat | None = None):
        super().__init__(scores)
        self.tools, self.format = tools, format or ToolFormat()
        self.stop = tuple(self.format.stops(list(tools)))

    @staticmethod
    def build(names: list[str], options: dict[str, dict] | None = None) -> dict[str, Tool]:
        """The tools named in `sampler.tools` (registry names or `module:Class`), by their call
        names, each built once and shared by every episode; `options` by the names as given."""
        options = options or {}
        tools = [build_tool(n, options.get(n)) for n in names]
        return {t.name: t for t in tools}

    def reset(self, row: dict[str, Any]) -> str:
        return row["prompt"]

    def timeout(self, reason: str) -> None:
        return None  # the verifier scores what the model wrote (told it was truncated)

    def step(self, turn: str) -> Step:
        call = self.format.parse(turn, list(self.tools))
        if call is None:
            return self.done()
        name, args = call
        res = self.tools[name](args)
        return self.observe(self.format.render(res.output), tool=name, status=res.status)
