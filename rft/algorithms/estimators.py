"""Advantage estimators beyond GRPO, PPO's value loss, and DAPO's overlong shaping.

All pure functions of tensors (inputs are never modified in place, results are float32); the
registered estimators in `advantages.py` call them:

  "rloo"          RLOO (Ahmadian et al. 2024, arXiv:2402.14740): leave-one-out group baseline.
  "dr_grpo"       Dr. GRPO (Liu et al. 2025, arXiv:2503.20783): group mean centring, no std.
                  A thin wrapper over `group_advantages(scale="none")`; its other half, no length
                  normalisation, is the loss aggregation `agg="seq-mean-token-sum"`.
  "reinforce_pp"  REINFORCE++ (Hu 2025, arXiv:2501.03262): per-token returns (score at the
                  last token minus a per-token KL penalty, summed to go) whitened over the batch.
  "gae"           GAE (Schulman et al. 2016, arXiv:1506.02438) with a critic, for PPO. Returns
                  (advantages, returns).

Where this departs from the papers / reference implementations:
  1. RLOO zeroes groups whose rewards are all equal exactly, as `group_advantages` does, rather
     than leaving rounding noise.
  2. REINFORCE++ uses gamma = 1 (the paper's setting for LLM RL) and no clipping of the
     whitened advantages.
  3. `whiten` uses the unbiased variance (verl's `masked_whiten`; OpenRLHF uses the biased one)
     and returns 0 outside the mask, so padding may hold anything, even NaN.
  4. GAE assumes right padding (the response mask is a prefix of ones), as verl and OpenRLHF do.
  5. `overlong_penalty` requires 0 < cache_len <= max_len (DAPO eq. 13 divides by cache_len).

Notation used for tensor shapes:
    B: prompts, G: samples per prompt, N = B * G sequences, T: response tokens.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

from rft.algorithms.core import masked_mean, masked_sum
from rft.algorithms.grpo import group_advantages, uniform_groups


def _check_groups(rewards: Tensor, group_size: int) -> None:
    if group_size < 2:
        raise ValueError(
            f"group_size must be >= 2, got {group_size}: a leave-one-out or group baseline needs "
            "at least two samples per prompt; sample more completions per prompt"
        )
    if rewards.numel() % group_size:
        raise ValueError(
            f"{rewards.numel()} rewards do not split into groups of {group_size}; expected "
            "B * G rewards with the G samples of each prompt contiguous"
        )


def rloo_advantages(rewards: Tensor, group_size: int) -> Tensor:
    """RLOO: each reward minus the mean of the other G - 1 rewards for the same prompt.

    A_i = r_i - 1/(G-1) * sum_{j != i} r_j  =  G/(G-1) * (r_i - mean(group))

    Args:
        rewards: (N,) with N = B * G, the G samples of each prompt contiguous.
        group_size: G, at least 2.

    Returns:
        (N,) float32 advantages, exactly 0 for groups whose rewards are all equal.
    """
    _check_groups(rewards, group_size)
    r = rewards.float().view(-1, group_size)  # (B, G)
    baseline = (r.sum(dim=-1, keepdim=True) - r) / (group_size - 1)  # mean of the others
    adv = r - baseline
    adv = torch.where(uniform_groups(r, group_size)[:, None], torch.zeros_like(adv), adv)
    return adv.view(-1)


def dr_grpo_advantages(rewards: Tensor, group_size: int) -> Tensor:
    """Dr. GRPO: group-mean-centred rewards without the std division.

    A_i = r_i - mean(group)   (group_advantages with scale="none")

    Args:
        rewards: (N,) with N = B * G, the G samples of each prompt contiguous.
        group_size: G, at least 2.

    Returns:
        (N,) float32 advantages.
    """
    return group_advantages(rewards, group_size, scale="none")


def _check_mask_shape(name: str, x: Tensor, response_mask: Tensor) -> None:
    if x.shape != response_mask.shape:
        raise ValueError(
            f"{name} has shape {tuple(x.shape)} but response_mask has "
            f"{tuple(response_mask.shape)}; both must be (N, T)"
        )


def token_level_rewards(
    scores: Tensor, response_mask: Tensor, kl: Tensor | None = None, kl_coef: float = 0.0
) -> Tensor:
    """Per-token rewards: the verifier score on the last response token, minus a KL penalty.

    r_t = score * [t == last valid token] - kl_coef * kl_t,   0 outside the mask

    Args:
        scores: (N,) one verifier score per sequence.
        response_mask: (N, T) 0/1 response mask; a row with no valid token gets no score.
        kl: (N, T) per-token KL estimate to the reference, or None for no penalty.
        kl_coef: weight of the per-token KL penalty.

    Returns:
        (N, T) float32 token rewards.
    """
    mask = response_mask.bool()
    n, t = mask.shape
    if scores.shape != (n,):
        raise ValueError(f"scores has shape {tuple(scores.shape)}, expected ({n},) for {n} rows")
    # Index of the last set position: argmax of mask * (1..T) (ties impossible, values distinct).
    positions = torch.arange(1, t + 1, device=mask.device)
    last = (mask.long() * positions).argmax(dim=-1)  # (N,)
    is_last = torch.zeros_like(mask)
    is_last[torch.arange(n, device=mask.device), last] = True  # writes a fresh tensor only
    is_last &= mask  # rows with an empty mask get no score
    zero = torch.zeros((), device=mask.device)
    rewards = torch.where(is_last, scores.float()[:, None], zero)
    if kl is not None:
        _check_mask_shape("kl", kl, response_mask)
        rewards = rewards - kl_coef * torch.where(mask, kl.float(), zero)
    return rewards


def whiten(x: Tensor, mask: Tensor, shift_mean: bool = True, eps: float = 1e-8,
           reduce: Callable[[Tensor], Tensor] | None = None) -> Tensor:
    """Masked whitening over all valid positions of the batch.

    y = (x - mean) / sqrt(var + eps)     (+ mean again when shift_mean=False)
    mean, var: masked mean and unbiased masked variance (n - 1 clamped to at least 1).

    Args:
        x: (N, T) values; padding may hold anything.
        mask: (N, T) 0/1 mask of the valid positions.
        shift_mean: False keeps the original mean (only the scale is normalised).
        eps: added to the variance.
        reduce: sums a 0-dim tensor over data-parallel ranks, so that the statistics are those of
            the global batch; None: this batch alone.

    Returns:
        (N, T) float32, 0 outside the mask.
    """
    reduce = reduce or (lambda t: t)
    x = x.float()
    count = reduce(masked_sum(torch.ones_like(x), mask))
    mean = reduce(masked_sum(x, mask)) / count.clamp(min=1)
    var = reduce(masked_sum((x - mean).square(), mask)) / (count - 1).clamp(min=1)
    y = (x - mean) * torch.rsqrt(var + eps)
    if not shift_mean:
        y = y + mean
    return torch.where(mask.bool(), y, torch.zeros((), device=x.device))


def reinforce_pp_advantages(
    rewards: Tensor, response_mask: Tensor, kl: Tensor | None = None, kl_coef: float = 0.0,
    reduce: Callable[[Tensor], Tensor] | None = None,
) -> Tensor:
    """REINFORCE++: whitened per-token returns with the KL penalty folded into the reward.

    r_t = score * [t == last] - kl_coef * kl_t
    G_t = sum_{k >= t} r_k            (gamma = 1, reward-to-go)
    A_t = whiten(G_t) over all valid tokens of the batch, 0 outside the mask

    Args:
        rewards: (N,) one verifier score per sequence (N = B * G; no grouping is needed).
        response_mask: (N, T) 0/1 response mask.
        kl: (N, T) per-token KL estimate to the reference (e.g. `kl_estimate`), or None.
        kl_coef: weight of the per-token KL penalty.
        reduce: see `whiten` (the batch is the global one across data-parallel ranks).

    Returns:
        (N, T) float32 advantages.
    """
    token_rewards = token_level_rewards(rewards, response_mask, kl, kl_coef)  # 0 on padding
    # Reward-to-go: reverse cumulative sum along T (flip, cumsum, flip: no loop, no mutation).
    returns = token_rewards.flip(-1).cumsum(-1).flip(-1)
    return whiten(returns, response_mask, reduce=reduce)


def gae_advantages(
    rewards: Tensor, values: Tensor, response_mask: Tensor, gamma: float = 1.0, lam: float = 0.95
) -> tuple[Tensor, Tensor]:
    """Generalised advantage estimation with a critic (PPO).

    delta_t = r_t + gamma * V_{t+1} * m_{t+1} - V_t
    A_t     = delta_t + gamma * lam * A_{t+1}          (A_T = 0)
    R_t     = A_t + V_t                                (the value targets)
    t+1 is the next position inside the mask (a multi-turn rollout's tool results are skipped);
    rewards and values at masked positions are ignored, so padding may hold anything, and the
    value after the last valid token is 0 (the episode ends there).

    Args:
        rewards: (N, T) token-level rewards, e.g. from `token_level_rewards`.
        values: (N, T) the critic's values of the response tokens (no gradient is taken).
        response_mask: (N, T) 0/1 mask of the model's tokens (right-padded; may have gaps).
        gamma: discount factor.
        lam: GAE lambda.

    Returns:
        advantages: (N, T) float32, 0 outside the mask (not whitened; see `whiten`).
        returns: (N, T) float32 value targets, 0 outside the mask.
    """
    _check_mask_shape("rewards", rewards, response_mask)
    _check_mask_shape("values", values, response_mask)
    mask = response_mask.bool()
    zero = torch.zeros((), device=rewards.device)
    r = torch.where(mask, rewards.detach().float(), zero)
    v = torch.where(mask, values.detach().float(), zero)
    # The recursion A_t = delta_t + gamma * lam * A_{t+1} is sequential in t; a loop of T steps,
    # each vectorised over N, is what verl and OpenRLHF do (a closed form needs a (T, T) matrix).
    # "t+1" is the next position inside the mask: masked positions (padding, and the tool results
    # between a multi-turn rollout's model turns) are skipped, carrying the next value and advantage
    # through them, so a model turn followed by a tool result bootstraps from the model's next turn
    # and not from an episode end. With right padding only, this is the usual recursion.
    next_v = torch.zeros_like(v[:, 0])
    adv_t = torch.zeros_like(v[:, 0])
    adv_rev = []
    for t in reversed(range(v.shape[-1])):
        m = mask[:, t]
        delta = r[:, t] + gamma * next_v - v[:, t]
        adv_t = torch.where(m, delta + gamma * lam * adv_t, adv_t)
        next_v = torch.where(m, v[:, t], next_v)
        adv_rev.append(adv_t)
    advantages = torch.where(mask, torch.stack(adv_rev[::-1], dim=-1), zero)
    returns = torch.where(mask, advantages + v, zero)
    return advantages, returns


def clipped_value_loss(
    values: Tensor,
    old_values: Tensor,
    returns: Tensor,
    response_mask: Tensor,
    clip_range: float = 0.2,
) -> tuple[Tensor, dict[str, Tensor]]:
    """PPO's clipped value loss, masked token mean.

    V_clip = V_old + clip(V - V_old, -clip_range, clip_range)
    loss   = 0.5 * max((V - R)^2, (V_clip - R)^2)

    Args:
        values: (N, T) the critic's current values (with gradient).
        old_values: (N, T) the values at rollout time (no gradient).
        returns: (N, T) value targets, e.g. from `gae_advantages` (no gradient).
        response_mask: (N, T) 0/1 response mask.
        clip_range: how far the new values may move from the old before the loss stops pulling.

    Returns:
        loss: 0-dim tensor.
        metrics: detached 0-dim tensors: "loss/value", "value/clip_frac" (fraction of response
            tokens where the clipped term is the larger, so the gradient is zero), "value/mean".
    """
    mask = response_mask.bool()
    zero = torch.zeros((), device=values.device)
    # Zero padding first so NaN/inf there cannot reach the loss or its gradient.
    v = torch.where(mask, values.float(), zero)
    v_old = torch.where(mask, old_values.detach().float(), zero)
    ret = torch.where(mask, returns.detach().float(), zero)
    v_clipped = v_old + (v - v_old).clamp(-clip_range, clip_range)
    unclipped_loss = (v - ret).square()
    clipped_loss = (v_clipped - ret).square()
    loss = 0.5 * masked_mean(torch.maximum(unclipped_loss, clipped_loss), mask)
    with torch.no_grad():
        metrics = {
            "loss/value": loss.detach(),
            "value/clip_frac": masked_mean((clipped_loss > unclipped_loss).float(), mask),
            "value/mean": masked_mean(v, mask),
        }
    return loss, metrics


def overlong_penalty(lengths: Tensor, max_len: int, cache_len: int) -> Tensor:
    """DAPO's soft overlong punishment (eq. 13), added to the verifier score.

    p(L) = 0                                  if L <= max_len - cache_len
         = (max_len - cache_len - L) / cache_len  if max_len - cache_len < L <= max_len
         = -1                                 if L > max_len

    Args:
        lengths: (N,) response lengths in tokens.
        max_len: L_max, the longest response that is not fully penalised.
        cache_len: L_cache, width of the window before max_len where the penalty ramps to -1.

    Returns:
        (N,) float32 penalties in [-1, 0].
    """
    if not 0 < cache_len <= max_len:
        raise ValueError(
            f"need 0 < cache_len <= max_len, got cache_len={cache_len}, max_len={max_len}; "
            "to turn the soft penalty off, do not call overlong_penalty"
        )
    expected = max_len - cache_len
    # The ramp is 0 at L = expected and -1 at L = max_len; clamping it to [-1, 0] gives all
    # three cases at once (L beyond max_len ramps below -1 and is clamped to -1).
    return ((expected - lengths.float()) / cache_len).clamp(-1.0, 0.0)


def overlong_filter_mask(truncated: Tensor) -> Tensor:
    """DAPO's overlong filtering: drop truncated samples from the loss.

    keep_i = 0 if sample i was truncated, else 1

    Args:
        truncated: (N,) bool, True where the response hit the length limit without finishing.

    Returns:
        (N,) float32 0/1; multiply it into the response mask: `response_mask * keep[:, None]`.
    """
    return (~truncated.bool()).float()
