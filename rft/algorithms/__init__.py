"""RL algorithms as pure functions of tensors: masked ops, logprobs, KL estimators, GRPO.

Imports only torch and `rft.registry`. Look algorithms up by name through the registries
(`ADVANTAGES`, `POLICY_LOSSES`, `KL_ESTIMATORS`, `AGGREGATIONS`); an unknown name raises a
KeyError listing the known ones.
"""
from rft.algorithms.core import (
    KL_ESTIMATORS,
    entropy_from_logits,
    kl_estimate,
    logprobs_from_logits,
    masked_mean,
    masked_sum,
)
from rft.algorithms.grpo import (
    ADVANTAGES,
    AGGREGATIONS,
    POLICY_LOSSES,
    aggregate,
    group_advantages,
    grpo_policy_loss,
    uniform_groups,
)

__all__ = [
    "ADVANTAGES",
    "AGGREGATIONS",
    "KL_ESTIMATORS",
    "POLICY_LOSSES",
    "aggregate",
    "entropy_from_logits",
    "group_advantages",
    "grpo_policy_loss",
    "kl_estimate",
    "logprobs_from_logits",
    "masked_mean",
    "masked_sum",
    "uniform_groups",
]
