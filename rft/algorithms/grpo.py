"""GRPO: group-relative advantages (its loss, PPO's clipped surrogate, is in `losses.py`).

GRPO (Shao et al. 2024, "DeepSeekMath", arXiv:2402.03300) samples G completions per prompt,
scores each with a verifier, and uses the reward standardised within its group as the advantage
of every token of that completion, so no value network is needed. The loss is PPO's clipped
surrogate plus a KL penalty towards a frozen reference model.

Where this implementation departs from the paper:
  1. Aggregation is token-level by default ("token-mean": sum over all response tokens of the
     batch / token count), as in DAPO (arXiv:2503.14476), not the paper's mean over tokens of
     each sequence then over sequences, which gives every token of a long answer less weight.
     The paper's form is available as `agg="seq-mean-token-mean"`, Dr. GRPO's
     (arXiv:2503.20783) as `agg="seq-mean-token-sum"` with a constant normalizer.
  2. The group std is the unbiased one (torch.std's default), as in TRL and verl; the paper
     does not say. `scale="none"` drops the division altogether (Dr. GRPO).
  3. Groups whose rewards are all equal get advantage exactly 0 (they carry no signal), rather
     than the rounding noise that (r - mean) / (std + eps) would give.
  4. The KL term is the k3 estimator (the paper's choice) by default, added to the per-token
     loss before aggregation, and can be switched off (kl_coef=0, as DAPO and Dr. GRPO do).
  5. The clip range may be asymmetric (`clip_eps_high`, DAPO's "clip-higher").

Notation used for tensor shapes:
    B: prompts, G: samples per prompt, N = B * G sequences, T: response tokens.
"""
from __future__ import annotations

import torch
from torch import Tensor


def uniform_groups(rewards: Tensor, group_size: int) -> Tensor:
    """(B,) bool: groups whose rewards are all equal, so every advantage in them is 0.

    Exact equality, not std == 0: in float32 the std of eight 0.1s is 8e-9, not 0.
    """
    r = rewards.view(-1, group_size)
    return (r == r[:, :1]).all(dim=-1)


def group_advantages(
    rewards: Tensor, group_size: int, eps: float = 1e-6, scale: str = "group"
) -> Tensor:
    """Group-relative advantages: each reward compared with the others for the same prompt.

    A_i = (r_i - mean(group)) / (std(group) + eps)   for scale="group" (unbiased std)
    A_i =  r_i - mean(group)                         for scale="none"  (Dr. GRPO)

    Args:
        rewards: (N,) with N = B * G, the G samples of each prompt contiguous.
        group_size: G, at least 2.
        eps: added to the std so that near-constant groups do not blow up.
        scale: "group" or "none".

    Returns:
        (N,) float32 advantages, exactly 0 for groups whose rewards are all equal.
    """
    if group_size < 2:
        raise ValueError(
            f"group_size must be >= 2, got {group_size}: with one sample per prompt every "
            "group-relative advantage is 0; sample more completions per prompt"
        )
    if rewards.numel() % group_size:
        raise ValueError(
            f"{rewards.numel()} rewards do not split into groups of {group_size}; expected "
            "B * G rewards with the G samples of each prompt contiguous"
        )
    if scale not in ("group", "none"):
        raise ValueError(f"unknown scale {scale!r}; expected 'group' or 'none'")
    r = rewards.float().view(-1, group_size)  # (B, G)
    adv = r - r.mean(dim=-1, keepdim=True)
    if scale == "group":
        adv = adv / (r.std(dim=-1, keepdim=True) + eps)
    # The mean of equal floats need not round back to the same float (in float32 the mean of
    # three 0.9s is off by 6e-8, giving 6e-8 / (0 + 1e-6) = 0.06); zero such groups explicitly.
    adv = torch.where(uniform_groups(r, group_size)[:, None], torch.zeros_like(adv), adv)
    return adv.view(-1)
