"""GRPO: group-relative advantages and the clipped policy-gradient loss.

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

from typing import Callable

import torch
from torch import Tensor

from rft.algorithms.core import KL_ESTIMATORS, kl_estimate, masked_mean, masked_sum
from rft.registry import Registry

ADVANTAGES: Registry[Callable[..., Tensor]] = Registry("advantage estimator")
POLICY_LOSSES: Registry[Callable[..., tuple[Tensor, dict[str, Tensor]]]] = Registry("policy loss")
AGGREGATIONS: Registry[Callable[..., Tensor]] = Registry("loss aggregation")


def uniform_groups(rewards: Tensor, group_size: int) -> Tensor:
    """(B,) bool: groups whose rewards are all equal, so every advantage in them is 0.

    Exact equality, not std == 0: in float32 the std of eight 0.1s is 8e-9, not 0.
    """
    r = rewards.view(-1, group_size)
    return (r == r[:, :1]).all(dim=-1)


@ADVANTAGES.register("grpo")
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


@AGGREGATIONS.register("token-mean")
def _token_mean(loss: Tensor, mask: Tensor, normalizer: float | None) -> Tensor:
    # sum_{i,t} mask * loss / (normalizer or sum_{i,t} mask)
    if normalizer is None:
        return masked_mean(loss, mask)
    return masked_sum(loss, mask) / normalizer


@AGGREGATIONS.register("seq-mean-token-mean")
def _seq_mean_token_mean(loss: Tensor, mask: Tensor, normalizer: float | None) -> Tensor:
    # mean_i [ sum_t mask * loss / sum_t mask ]
    if normalizer is not None:
        raise ValueError(
            "agg='seq-mean-token-mean' takes no normalizer (each sequence is divided by its own "
            f"token count), got {normalizer}; pass normalizer=None or use 'token-mean'"
        )
    return masked_mean(loss, mask, dim=-1).mean()


@AGGREGATIONS.register("seq-mean-token-sum")
def _seq_mean_token_sum(loss: Tensor, mask: Tensor, normalizer: float | None) -> Tensor:
    # mean_i [ sum_t mask * loss / normalizer ]
    if normalizer is None:
        normalizer = loss.shape[-1]
    return (masked_sum(loss, mask, dim=-1) / normalizer).mean()


def aggregate(
    loss: Tensor, mask: Tensor, mode: str = "token-mean", normalizer: float | None = None
) -> Tensor:
    """Reduce a per-token loss to a scalar.

    Modes (names in AGGREGATIONS):
        "token-mean": sum of masked tokens / their count, or / `normalizer` when given. To
            split a batch into micro-batches, pass the token count of the whole batch as the
            normalizer of each: the micro-batch losses (and gradients) then sum to the
            full-batch token-mean.
        "seq-mean-token-mean": mean over sequences of each sequence's token mean (the GRPO
            paper). Takes no normalizer.
        "seq-mean-token-sum": mean over sequences of (sum of its tokens / normalizer), where the
            normalizer should be a constant such as the maximum response length (Dr. GRPO);
            it defaults to T, the padded length, which varies from batch to batch.

    Args:
        loss: (N, T) per-token loss.
        mask: (N, T) 0/1 response mask.
        mode: one of the modes above.
        normalizer: see the modes above.

    Returns:
        0-dim tensor.
    """
    return AGGREGATIONS.get(mode)(loss, mask, normalizer)


@POLICY_LOSSES.register("grpo")
def grpo_policy_loss(
    logprobs: Tensor,
    old_logprobs: Tensor,
    advantages: Tensor,
    response_mask: Tensor,
    *,
    clip_eps: float = 0.2,
    clip_eps_high: float | None = None,
    ref_logprobs: Tensor | None = None,
    kl_coef: float = 0.0,
    kl_kind: str = "k3",
    agg: str = "token-mean",
    normalizer: float | None = None,
) -> tuple[Tensor, dict[str, Tensor]]:
    """GRPO's clipped surrogate loss with an optional per-token KL penalty.

    Args:
        logprobs: (N, T) logprobs of the sampled tokens under the policy being trained.
        old_logprobs: (N, T) the same under the policy that sampled them (no gradient).
        advantages: (N,) one advantage per sequence (or (N, T) per token).
        response_mask: (N, T) 0/1, 1 on the response tokens to train on.
        clip_eps: the ratio is clipped to [1 - clip_eps, 1 + clip_eps_high].
        clip_eps_high: upper clip range; None means clip_eps (symmetric).
        ref_logprobs: (N, T) logprobs under the frozen reference model, or None.
        kl_coef: weight of the KL penalty; > 0 requires ref_logprobs.
        kl_kind: KL estimator for the penalty, a name in KL_ESTIMATORS.
        agg, normalizer: how the per-token loss is reduced, see `aggregate`.

    Returns:
        loss: 0-dim tensor to call backward() on.
        metrics: detached 0-dim tensors: "loss/policy" (the aggregated clipped surrogate),
            "loss/kl" (masked mean KL to the reference; only when ref_logprobs is given, even
            with kl_coef=0), "policy/clip_frac" (fraction of response tokens where clipping
            zeroed the gradient), "policy/ratio_mean", "policy/approx_kl_old" (masked mean
            k3 estimate of KL(old || new)).
    """
    if kl_coef > 0 and ref_logprobs is None:
        raise ValueError(
            f"kl_coef={kl_coef} needs ref_logprobs; pass the reference model's logprobs or set "
            "kl_coef=0 to train without a KL penalty"
        )
    KL_ESTIMATORS.get(kl_kind)  # fail fast on a misspelt name, even when no KL is computed
    eps_low = clip_eps
    eps_high = clip_eps if clip_eps_high is None else clip_eps_high
    mask = response_mask.bool()
    zero = torch.zeros((), device=logprobs.device)

    # Zero the logprobs on padding before any exp(): padding may hold any value, and an exp()
    # that overflows there would turn the masked-out gradient into 0 * inf = NaN. Equal inputs
    # on padding make the ratio 1 and every KL estimate 0 there.
    logprobs = torch.where(mask, logprobs.float(), zero)  # new tensors; the inputs are untouched
    old_logprobs = torch.where(mask, old_logprobs.detach().float(), zero)
    ratio = torch.exp(logprobs - old_logprobs)  # (N, T) pi(x) / pi_old(x)
    adv = advantages.float()
    if adv.dim() == 1:
        adv = adv.unsqueeze(-1)  # (N, 1): every token of a sequence shares its advantage
    clipped_ratio = ratio.clamp(1.0 - eps_low, 1.0 + eps_high)
    # pg_loss = max(-A * ratio, -A * clip(ratio, 1 - eps_low, 1 + eps_high)): the pessimistic
    # bound, so a ratio already past the clip range in the advantage's direction gets no gradient.
    pg_loss = torch.maximum(-adv * ratio, -adv * clipped_ratio)
    pg_agg = aggregate(pg_loss, mask, agg, normalizer)
    loss = pg_agg

    metrics: dict[str, Tensor] = {"loss/policy": pg_agg.detach()}
    if ref_logprobs is not None:
        ref_logprobs = torch.where(mask, ref_logprobs.detach().float(), zero)
        kl = kl_estimate(logprobs, ref_logprobs, kl_kind)  # (N, T)
        if kl_coef > 0:
            # aggregate is linear, so this equals aggregating pg_loss + kl_coef * kl per token.
            loss = loss + kl_coef * aggregate(kl, mask, agg, normalizer)
        metrics["loss/kl"] = masked_mean(kl.detach(), mask)

    with torch.no_grad():
        # Clipping is active (gradient zero) where the ratio left the range in the direction
        # the advantage pushes it: above 1 + eps_high with A > 0, below 1 - eps_low with A < 0.
        clipped = ((ratio > 1.0 + eps_high) & (adv > 0)) | ((ratio < 1.0 - eps_low) & (adv < 0))
        metrics["policy/clip_frac"] = masked_mean(clipped.float(), mask)
        metrics["policy/ratio_mean"] = masked_mean(ratio, mask)
        # KL(old || new), estimated from tokens sampled from old: k3 = (ratio - 1) - log ratio.
        metrics["policy/approx_kl_old"] = masked_mean(kl_estimate(old_logprobs, logprobs), mask)
    return loss, metrics
