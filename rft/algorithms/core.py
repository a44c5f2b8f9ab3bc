"""Tensor primitives shared by the RL losses: masked reductions, token logprobs, entropy, KL.

Everything here is a pure function of tensors: no config objects, no I/O, inputs are never
modified in place. Per-token results come back in float32 whatever the input dtype, because
differences of bf16 logprobs lose most of their bits (OpenRLHF's `compute_approx_kl` upcasts
for the same reason).

Notation used for tensor shapes:
    N: number of sequences in the batch (B prompts x G samples per prompt)
    T: number of response tokens (padded)
    V: vocabulary size

Masks are 0/1 (bool or any numeric dtype) and mark the real response tokens; values at
positions where the mask is 0 are never read, so padding may hold anything, even inf or NaN.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

from rft.registry import Registry

KLEstimator = Callable[[Tensor, Tensor], Tensor]
KL_ESTIMATORS: Registry[KLEstimator] = Registry("KL estimator")


def masked_sum(x: Tensor, mask: Tensor, dim: int | None = None) -> Tensor:
    """Sum of `x` over the positions where `mask` is set.

    Args:
        x: values, any shape, e.g. (N, T).
        mask: 0/1 or bool, broadcastable to `x`.
        dim: dimension to reduce; None reduces everything to a scalar.

    Returns:
        `x.sum(dim)` with masked-out positions counted as 0.
    """
    # `torch.where`, not `x * mask`: padding holding inf would give inf * 0 = NaN.
    kept = torch.where(mask.bool(), x, torch.zeros((), dtype=x.dtype, device=x.device))
    return kept.sum() if dim is None else kept.sum(dim)


def masked_mean(x: Tensor, mask: Tensor, dim: int | None = None) -> Tensor:
    """Mean of `x` over the positions where `mask` is set; 0 where nothing is set.

    Args:
        x: values, any shape, e.g. (N, T).
        mask: 0/1 or bool, broadcastable to `x`.
        dim: dimension to reduce; None reduces everything to a scalar.

    Returns:
        masked_sum / count, the count clamped to at least 1 so an all-zero mask gives 0, not NaN.
    """
    count = masked_sum(torch.ones_like(x), mask, dim)
    return masked_sum(x, mask, dim) / count.clamp(min=1)


def logprobs_from_logits(logits: Tensor, labels: Tensor, temperature: float = 1.0) -> Tensor:
    """Log-probability of each label token under softmax(logits / temperature).

    log p(label) = logit[label] - logsumexp(logits): one gather and one logsumexp, without
    materialising a (N, T, V) log_softmax (OpenRLHF's `log_probs_from_logits`).

    Args:
        logits: (N, T, V), the model's logits aligned with `labels` (already shifted).
        labels: (N, T) int64 token ids.
        temperature: the sampling temperature; logits are divided by it (out of place, unlike
            OpenRLHF's `logits.div_`) so the logprobs match the distribution that was sampled.

    Returns:
        (N, T) float32 logprobs.
    """
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}; use 1.0 for raw logits")
    logits = logits.float()  # no copy when already float32; never modified below
    if temperature != 1.0:
        logits = logits / temperature
    label_logits = logits.gather(-1, labels.unsqueeze(-1)).squeeze(-1)
    return label_logits - torch.logsumexp(logits, dim=-1)


def entropy_from_logits(logits: Tensor) -> Tensor:
    """Entropy of softmax(logits) at each position.

    H = -sum_v p_v log p_v = logsumexp(z) - sum_v p_v z_v, which needs no log_softmax.

    Args:
        logits: (N, T, V).

    Returns:
        (N, T) float32 entropies in nats; log V for a uniform distribution.
    """
    logits = logits.float()
    probs = torch.softmax(logits, dim=-1)
    return torch.logsumexp(logits, dim=-1) - (probs * logits).sum(-1)


# KL(pi || ref) estimators from per-token logprobs of tokens sampled from pi, as in Schulman,
# "Approximating KL Divergence" (http://joschu.net/blog/kl-approx.html). With
# r = ref(x) / pi(x), i.e. log r = ref_logprobs - logprobs:
#   k1 = -log r                 unbiased, high variance, can be negative
#   k2 = (log r)^2 / 2          biased, low variance, >= 0
#   k3 = (r - 1) - log r        unbiased, low variance, >= 0 (since log r <= r - 1)
# Both arguments are upcast to float32 before the difference is taken.


@KL_ESTIMATORS.register("k1")
def _kl_k1(logprobs: Tensor, ref_logprobs: Tensor) -> Tensor:
    # k1 = log pi(x) - log ref(x)
    return logprobs.float() - ref_logprobs.float()


@KL_ESTIMATORS.register("k2")
def _kl_k2(logprobs: Tensor, ref_logprobs: Tensor) -> Tensor:
    # k2 = 0.5 * (log pi(x) - log ref(x))^2
    return 0.5 * (logprobs.float() - ref_logprobs.float()).square()


@KL_ESTIMATORS.register("k3")
def _kl_k3(logprobs: Tensor, ref_logprobs: Tensor) -> Tensor:
    # k3 = exp(log r) - log r - 1, log r = log ref(x) - log pi(x)
    log_r = ref_logprobs.float() - logprobs.float()
    return torch.exp(log_r) - log_r - 1.0


def kl_estimate(logprobs: Tensor, ref_logprobs: Tensor, kind: str = "k3") -> Tensor:
    """Per-token estimate of KL(pi || ref) from logprobs of tokens sampled from pi.

    Args:
        logprobs: (N, T) logprobs under the sampling policy pi.
        ref_logprobs: (N, T) logprobs of the same tokens under the reference policy.
        kind: a name in KL_ESTIMATORS: "k1", "k2" or "k3" (see the formulas above).

    Returns:
        (N, T) float32 estimates; reduce them with `masked_mean`.
    """
    return KL_ESTIMATORS.get(kind)(logprobs, ref_logprobs)
