"""The rollout container and the sampler protocol.

Shapes: B prompts, G samples per prompt, N = B*G rows, P prompt tokens (left-padded),
T response tokens (right-padded after the first EOS).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import torch


@dataclass
class Rollout:
    prompt_ids: torch.Tensor  # (N, P) left-padded; rows of one prompt are adjacent
    prompt_mask: torch.Tensor  # (N, P) 1 on real prompt tokens
    response_ids: torch.Tensor  # (N, T) right-padded with pad_token_id after EOS
    response_mask: torch.Tensor  # (N, T) 1 on sampled tokens up to and including EOS
    logprobs: torch.Tensor  # (N, T) float32 log-prob of each sampled token under the sampling policy
    texts: list[str]  # (N,) decoded responses, special tokens removed
    truncated: torch.Tensor  # (N,) bool: no EOS within max_new_tokens
    group_size: int  # G

    @property
    def num_tokens(self) -> int:
        return int(self.response_mask.sum())

    def group_rows(self, groups: torch.Tensor) -> torch.Tensor:
        """Row indices of the given groups, group after group."""
        return (groups.view(-1, 1) * self.group_size + torch.arange(self.group_size)).view(-1)

    def select_groups(self, groups: torch.Tensor) -> "Rollout":
        """The rollout restricted to the given group indices (whole groups, order kept)."""
        G, rows = self.group_size, self.group_rows(groups)
        return Rollout(prompt_ids=self.prompt_ids[rows], prompt_mask=self.prompt_mask[rows],
                       response_ids=self.response_ids[rows], response_mask=self.response_mask[rows],
                       logprobs=self.logprobs[rows], texts=[self.texts[i] for i in rows.tolist()],
                       truncated=self.truncated[rows], group_size=G)

    @staticmethod
    def cat(parts: list["Rollout"], pad_id: int) -> "Rollout":
        """Rollouts of the same group size as one: prompts re-padded on the left, responses on the right."""
        P = max(r.prompt_ids.shape[1] for r in parts)
        T = max(r.response_ids.shape[1] for r in parts)

        def pad(x: torch.Tensor, width: int, value, left: bool) -> torch.Tensor:
            fill = x.new_full((x.shape[0], width - x.shape[1]), value)
            return torch.cat([fill, x] if left else [x, fill], dim=1)

        return Rollout(prompt_ids=torch.cat([pad(r.prompt_ids, P, pad_id, True) for r in parts]),
                       prompt_mask=torch.cat([pad(r.prompt_mask, P, 0, True) for r in parts]),
                       response_ids=torch.cat([pad(r.response_ids, T, pad_id, False) for r in parts]),
                       response_mask=torch.cat([pad(r.response_mask, T, 0, False) for r in parts]),
                       logprobs=torch.cat([pad(r.logprobs, T, 0.0, False) for r in parts]),
                       texts=[t for r in parts for t in r.texts],
                       truncated=torch.cat([r.truncated for r in parts]), group_size=parts[0].group_size)

    def input_ids(self) -> torch.Tensor:
        return torch.cat([self.prompt_ids, self.response_ids], dim=1)

    def attention_mask(self) -> torch.Tensor:
        return torch.cat([self.prompt_mask, self.response_mask], dim=1)


class Sampler(Protocol):
    def generate(self, prompts: list[str], n: int) -> Rollout: ...
