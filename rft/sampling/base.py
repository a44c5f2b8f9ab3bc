"""The sampler protocol and what it returns.

A sampler turns prompts into responses with the log-prob of every sampled token. It knows nothing
of rewards or optimizers. Training and evaluation both sample through it (evaluation with
`SamplingParams(greedy=True)`), so a backend that samples faster (vLLM, next) speeds up both.

Shapes: B prompts, G samples per prompt, N = B*G rows, P prompt tokens (left-padded),
T response tokens (right-padded after the first EOS).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Protocol

import torch


@dataclass(frozen=True)
class SamplingParams:
    max_new_tokens: int
    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = 0  # 0: off
    greedy: bool = False  # argmax decoding (evaluation); temperature, top_p and top_k are ignored
    logprobs: bool = True  # keep the log-prob of each sampled token (training needs them; eval does not)


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

    @property
    def num_tokens(self) -> int:
        return int(self.response_mask.sum())

    @property
    def attention_mask(self) -> torch.Tensor:
        """(N, P + T): the prompt's and the response's real tokens."""
        return torch.cat([self.prompt_mask, self.response_mask], dim=1)

    def input_ids(self) -> torch.Tensor:
        return torch.cat([self.prompt_ids, self.response_ids], dim=1)


class Sampler(Protocol):
    def generate(self, prompts: list[str], n: int, params: SamplingParams | None = None) -> Rollout:
        """n responses to each prompt (rows of one prompt adjacent); `params` default to the sampler's own."""
        ...

    def load_weights(self, weights: Iterable[tuple[str, torch.Tensor]], version: int) -> None:
        """Take the learner's weights (`Learner.export_weights()`). A sampler that shares the
        learner's model in memory (HF) has nothing to copy and only records the version."""
        ...
