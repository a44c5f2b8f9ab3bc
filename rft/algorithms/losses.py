"""Policy losses and the ways a per-token loss is reduced to a scalar.

Every policy loss has one signature and is looked up by name in `POLICY_LOSSES`
(`algorithm.policy_loss`):

    loss_fn(logprobs, old_logprobs, advantages, response_mask, *, clip_eps, clip_eps_high,
            ref_logprobs, kl_coef, kl_kind, agg, normalizer, token_weights) -> (loss, metrics)

with (N, T) log-prob tensors, (N,) or (N, T) advantages, and metrics a dict of detached 0-dim
tensors. A loss registered by a user (`@POLICY_LOSSES.register("mine")` in their module, named
`module:mine` in the YAML) takes the same arguments.

  "ppo_clip"  PPO's clipped surrogate (Schulman et al. 2017), which GRPO, DAPO, Dr. GRPO, RLOO and
              REINFORCE++ all use; the clip range may be asymmetric (DAPO's clip-higher), and
              the KL to the reference may be added per token (GRPO's k3 penalty).

Notation used for tensor shapes:
    B: prompts, G: samples per prompt, N = B * G sequences, T: response tokens.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

from rft.algorithms.core import KL_ESTIMATORS, kl_estimate, masked_mean, masked_sum
from rft.registry import Registry

POLICY_LOSSES: Registry[Callable[..., tuple[Tensor, dict[str, Tensor]]]] = Registry("policy loss")
AGGREGATIONS: Registry[Callable[..., Tensor]] = Registry("loss aggregation")


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


@POLICY_LOSSES.register("ppo_clip")
def clipped_policy_loss(
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
    token_weights: Tensor | None = None,
) -> tuple[Tensor, dict[str, Tensor]]:
    """PPO's clipped surrogate loss with an optional per-token KL penalty (GRPO's form).

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
        token_weights: (N, T) per-token weights of the policy-gradient term, e.g. the truncated
            importance weights of `tis_weights` (no gradient flows through them); None: all 1.

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
    if token_weights is not None:  # TIS: w_t * pg_loss_t, the weights a constant of the loss
        pg_loss = pg_loss * torch.where(mask, token_weights.detach().float(), zero)
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


def tis_weights(learner_logprobs: Tensor, sampler_logprobs: Tensor, response_mask: Tensor, cap: float) -> Tensor:
    """Truncated importance sampling (Yao et al. 2025, "Your efficient RL framework secretly brings
    you off-policy RL training"): the sampler (an inference engine) and the learner compute slightly
    different probabilities for the same tokens, so the sampled tokens come from pi_sampler, not
    the pi_old the PPO ratio assumes. Each token's loss is weighted by

        w_t = min(pi_learner(x_t) / pi_sampler(x_t), cap)

    Args:
        learner_logprobs: (N, T) log-probs of the sampled tokens under the learner's copy of the
            sampling weights (recomputed, or the first epoch's forward).
        sampler_logprobs: (N, T) the same tokens' log-probs as the sampler reported them.
        response_mask: (N, T) 0/1; positions outside it get weight 0.
        cap: C > 0, the truncation.

    Returns:
        (N, T) float32 weights in [0, cap], no gradient.
    """
    if cap <= 0:
        raise ValueError(f"cap must be > 0, got {cap}")
    mask = response_mask.bool()
    zero = torch.zeros((), device=learner_logprobs.device)
    log_ratio = torch.where(mask, learner_logprobs.detach().float() - sampler_logprobs.detach().float(), zero)
    return torch.where(mask, torch.exp(log_ratio).clamp(max=cap), zero)
