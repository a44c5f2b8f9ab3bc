"""RL algorithms as pure functions of tensors: masked ops, logprobs, KL estimators, GRPO,
and the other advantage estimators (RLOO, Dr. GRPO, REINFORCE++, GAE), PPO's value loss and
DAPO's overlong shaping (`rft.algorithms.estimators`).

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
from rft.algorithms.estimators import (
    clipped_value_loss,
    dr_grpo_advantages,
    gae_advantages,
    overlong_filter_mask,
    overlong_penalty,
    reinforce_pp_advantages,
    rloo_advantages,
    token_level_rewards,
    whiten,
)

__all__ = [
    "ADVANTAGES",
    "AGGREGATIONS",
    "KL_ESTIMATORS",
    "POLICY_LOSSES",
    "aggregate",
    "clipped_value_loss",
    "dr_grpo_advantages",
    "entropy_from_logits",
    "gae_advantages",
    "group_advantages",
    "grpo_policy_loss",
    "kl_estimate",
    "logprobs_from_logits",
    "masked_mean",
    "masked_sum",
    "overlong_filter_mask",
    "overlong_penalty",
    "reinforce_pp_advantages",
    "rloo_advantages",
    "token_level_rewards",
    "uniform_groups",
    "whiten",
]
