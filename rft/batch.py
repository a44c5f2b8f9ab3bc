"""`Batch`: the one typed container between the rollout side (collector) and the learner.

The collector fills it (samples, verifier outcomes, shaped rewards); the learner reads it and adds
nothing to it. Shapes: B prompts x G samples per prompt = N rows, the G rows of a prompt adjacent
(a group); P prompt tokens (left-padded); T response tokens (right-padded after the first EOS).

Two masks, on purpose: `attention_mask` says which tokens the model sees, `loss_mask` which
response tokens the loss trains on. They are the same today except where DAPO's overlong filter
drops a truncated response from the loss, and in a multi-turn rollout, where the response holds
tool results and environment observations after the model's turns: attended to, never trained on
(their log-probs are 0 and their loss mask 0).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor


@dataclass
class Batch:
    prompt_ids: Tensor  # (N, P) long, left-padded with the pad id
    response_ids: Tensor  # (N, T) long, the pad id after the first EOS
    attention_mask: Tensor  # (N, P + T) long: 1 on every real prompt and response token
    loss_mask: Tensor  # (N, T) float32: 1 on the response tokens the loss trains on
    logprobs: Tensor  # (N, T) float32: log-prob of each sampled token under the weights that sampled it
    rewards: Tensor  # (N,) float32: the shaped reward (score table + overlong penalty)
    outcomes: list[str]  # (N,) verifier outcome: correct | wrong | unparseable | error
    reasons: list[str]  # (N,) the verifier's reason for it
    group_ids: Tensor  # (N,) long: index of the prompt in the train set; one group shares it
    truncated: Tensor  # (N,) bool: no EOS within max_new_tokens
    texts: list[str]  # (N,) decoded responses
    group_size: int  # G
    weights_version: int = 0  # how many learner updates the sampling weights had seen
    stats: dict[str, float] = field(default_factory=dict)  # the collection's per-step metrics
    episodes: list[dict] | None = None  # (N,) multi-turn rollouts: turns, tool calls, transcript (Rollout.episodes)

    @property
    def num_rows(self) -> int:
        return self.response_ids.shape[0]

    @property
    def response_mask(self) -> Tensor:
        """(N, T) long: the attended response tokens (sampled tokens up to and including EOS)."""
        return self.attention_mask[:, self.prompt_ids.shape[1]:]

    def input_ids(self) -> Tensor:
        return torch.cat([self.prompt_ids, self.response_ids], dim=1)

    def group_rows(self, groups: Tensor) -> Tensor:
        """Row indices of the given group indices, group after group."""
        G = self.group_size
        return (groups.view(-1, 1) * G + torch.arange(G, device=groups.device)).view(-1)

    def select_groups(self, groups: Tensor) -> "Batch":
        """The batch restricted to the given group indices (whole groups, order kept)."""
        rows = self.group_rows(groups.cpu())
        idx = rows.tolist()
        return Batch(prompt_ids=self.prompt_ids[rows], response_ids=self.response_ids[rows],
                     attention_mask=self.attention_mask[rows], loss_mask=self.loss_mask[rows],
                     logprobs=self.logprobs[rows], rewards=self.rewards[rows],
                     outcomes=[self.outcomes[i] for i in idx], reasons=[self.reasons[i] for i in idx],
                     group_ids=self.group_ids[rows], truncated=self.truncated[rows],
                     texts=[self.texts[i] for i in idx], group_size=self.group_size,
                     weights_version=self.weights_version, stats=self.stats,
                     episodes=None if self.episodes is None else [self.episodes[i] for i in idx])

    @staticmethod
    def cat(parts: list["Batch"], pad_id: int) -> "Batch":
        """Batches of one group size as one: prompts re-padded on the left, responses on the right."""
        if len(parts) == 1:
            return parts[0]
        P = max(b.prompt_ids.shape[1] for b in parts)
        T = max(b.response_ids.shape[1] for b in parts)

        def pad(x: Tensor, width: int, value, left: bool) -> Tensor:
            fill = x.new_full((x.shape[0], width - x.shape[1]), value)
            return torch.cat([fill, x] if left else [x, fill], dim=1)

        def attn(b: Batch) -> Tensor:
            p = b.prompt_ids.shape[1]
            return torch.cat([pad(b.attention_mask[:, :p], P, 0, True), pad(b.attention_mask[:, p:], T, 0, False)], 1)

        return Batch(prompt_ids=torch.cat([pad(b.prompt_ids, P, pad_id, True) for b in parts]),
                     response_ids=torch.cat([pad(b.response_ids, T, pad_id, False) for b in parts]),
                     attention_mask=torch.cat([attn(b) for b in parts]),
                     loss_mask=torch.cat([pad(b.loss_mask, T, 0.0, False) for b in parts]),
                     logprobs=torch.cat([pad(b.logprobs, T, 0.0, False) for b in parts]),
                     rewards=torch.cat([b.rewards for b in parts]),
                     outcomes=[o for b in parts for o in b.outcomes], reasons=[r for b in parts for r in b.reasons],
                     group_ids=torch.cat([b.group_ids for b in parts]), truncated=torch.cat([b.truncated for b in parts]),
                     texts=[t for b in parts for t in b.texts], group_size=parts[0].group_size,
                     weights_version=parts[0].weights_version, stats=parts[0].stats,
                     episodes=None if any(b.episodes is None for b in parts) else [e for b in parts for e in b.episodes])
