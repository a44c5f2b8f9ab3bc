"""The sampler protocol and what it returns.

A sampler turns prompts into responses with the log-prob of every sampled token. It knows nothing
of rewards or optimizers. Training and evaluation both sample through it (evaluation with
`SamplingParams(greedy=True)`), so a backend that samples faster (vLLM, next) speeds up both.

Shapes: B prompts, G samples per prompt, N = B*G rows, P prompt tokens (left-padded),
T response tokens (right-padded after the first EOS).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Protocol, Sequence

import torch

# on_groups(groups, texts, truncated): indices (into `prompts`) of groups whose n rows have all
# ended, with those rows' decoded texts and truncated flags, n per group, group after group.
GroupsCallback = Callable[[list[int], list[str], list[bool]], None]


@dataclass(frozen=True)
class SamplingParams:
    max_new_tokens: int
    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = 0  # 0: off
    greedy: bool = False  # argmax decoding (evaluation); temperature, top_p and top_k are ignored
    logprobs: bool = True  # keep the log-prob of each sampled token (training needs them; eval does not)


@dataclass
class Turn:
    """One model turn sampled from a token context (`generate_ids`): the tokens, their log-probs,
    and why it ended: `eos`, `stop` (a stop string appeared; its tokens are included) or `length`."""

    tokens: list[int]
    logprobs: list[float] | None
    finish: str


@dataclass
class Rollout:
    prompt_ids: torch.Tensor  # (N, P) left-padded; rows of one prompt are adjacent
    prompt_mask: torch.Tensor  # (N, P) 1 on real prompt tokens
    response_ids: torch.Tensor  # (N, T) right-padded with pad_token_id after EOS
    response_mask: torch.Tensor  # (N, T) 1 on sampled tokens up to and including EOS
    logprobs: torch.Tensor | None  # (N, T) float32 log-prob of each sampled token (None if not asked for)
    texts: list[str]  # (N,) decoded responses, special tokens removed
    truncated: torch.Tensor  # (N,) bool: no EOS within max_new_tokens
    group_size: int  # G
    # multi-turn rollouts (rft.sampling.episodes) only; None for single-turn ones:
    loss_mask: torch.Tensor | None = None  # (N, T) 1 on the tokens the model sampled, 0 on observations
    scores: list | None = None  # (N,) the environment's Score per row (None: the task's verifier scores it)
    episodes: list[dict] | None = None  # (N,) turns, tool calls/errors/timeouts, tool tokens, transcript

    @property
    def num_tokens(self) -> int:
        return int(self.response_mask.sum())

    @property
    def attention_mask(self) -> torch.Tensor:
        """(N, P + T): the prompt's and the response's real tokens."""
        return torch.cat([self.prompt_mask, self.response_mask], dim=1)

    def input_ids(self) -> torch.Tensor:
        return torch.cat([self.prompt_ids, self.response_ids], dim=1)

    def to(self, device: torch.device | str) -> "Rollout":
        """The rollout with its tensors on `device` (itself when they are there already)."""
        device = torch.device(device)
        if self.prompt_ids.device == device:
            return self
        lp = None if self.logprobs is None else self.logprobs.to(device)
        lm = None if self.loss_mask is None else self.loss_mask.to(device)
        return Rollout(prompt_ids=self.prompt_ids.to(device), prompt_mask=self.prompt_mask.to(device),
                       response_ids=self.response_ids.to(device), response_mask=self.response_mask.to(device),
                       logprobs=lp, texts=self.texts, truncated=self.truncated.to(device), group_size=self.group_size,
                       loss_mask=lm, scores=self.scores, episodes=self.episodes)

    @staticmethod
    def cat(parts: list["Rollout"], pad_id: int) -> "Rollout":
        """Rollouts of one group size as one, rows in order: prompts re-padded on the left (pad id,
        mask 0), responses on the right (pad id; masks and log-probs 0), as `Batch.cat` does."""
        if not parts:
            raise ValueError("Rollout.cat needs at least one rollout")
        if len(parts) == 1:
            return parts[0]
        G = parts[0].group_size
        if any(r.group_size != G for r in parts):
            raise ValueError(f"Rollout.cat: group sizes differ ({[r.group_size for r in parts]})")
        for what in ("logprobs", "loss_mask", "scores", "episodes"):
            if len({getattr(r, what) is None for r in parts}) > 1:
                raise ValueError(f"Rollout.cat: some rollouts have {what} and some do not")
        P = max(r.prompt_ids.shape[1] for r in parts)
        T = max(r.response_ids.shape[1] for r in parts)

        def pad(x: torch.Tensor, width: int, value, left: bool) -> torch.Tensor:
            if x.shape[1] == width:
                return x
            fill = x.new_full((x.shape[0], width - x.shape[1]), value)
            return torch.cat([fill, x] if left else [x, fill], dim=1)

        return Rollout(prompt_ids=torch.cat([pad(r.prompt_ids, P, pad_id, True) for r in parts]),
                       prompt_mask=torch.cat([pad(r.prompt_mask, P, 0, True) for r in parts]),
                       response_ids=torch.cat([pad(r.response_ids, T, pad_id, False) for r in parts]),
                       response_mask=torch.cat([pad(r.response_mask, T, 0, False) for r in parts]),
                       logprobs=None if parts[0].logprobs is None else
                       torch.cat([pad(r.logprobs, T, 0.0, False) for r in parts]),
                       texts=[t for r in parts for t in r.texts], truncated=torch.cat([r.truncated for r in parts]),
                       group_size=G,
                       loss_mask=None if parts[0].loss_mask is None else
                       torch.cat([pad(r.loss_mask, T, 0, False) for r in parts]),
                       scores=None if parts[0].scores is None else [s for r in parts for s in r.scores],
                       episodes=None if parts[0].episodes is None else [e for r in parts for e in r.episodes])


class Sampler(Protocol):
    def generate(self, prompts: list[str], n: int, params: SamplingParams | None = None,
                 on_groups: GroupsCallback | None = None) -> Rollout:
        """n responses to each prompt (rows of one prompt adjacent); `params` default to the sampler's own.

        `on_groups(groups, texts, truncated)`, if given, may be called (possibly several times, from
        any thread, while sampling goes on) with the indices into `prompts` of groups whose n rows
        have all ended, and those rows' decoded texts and truncated flags (n per group, group after
        group), exactly as the returned Rollout will hold them. Each group is reported at most once;
        a group not reported by the time `generate` returns is not reported at all (the caller takes
        it from the Rollout). A sampler may report nothing. Keep the callback short (hand the work
        to another thread): a sampler may call it between two decoding steps.
        """
        ...

    def generate_ids(self, contexts: list[list[int]], params: SamplingParams, stop: Sequence[str] = (),
                     max_new: list[int] | None = None) -> list[Turn]:
        """One turn per token context (multi-turn rollouts): each context as given, never
        re-tokenized; a turn ends at EOS, when one of the `stop` strings appears in its text, or at
        its row's `max_new` tokens (default `params.max_new_tokens`)."""
        ...

    def load_weights(self, weights: Iterable[tuple[str, torch.Tensor]], version: int) -> None:
        """Take the learner's weights (`Learner.export_weights()`). A sampler that shares the
        learner's model in memory (HF) has nothing to copy and only records the version."""
        ...
