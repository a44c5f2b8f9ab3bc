"""RL algorithms as pure functions of tensors: masked ops, logprobs, KL estimators, advantage
estimators (GRPO, Dr. GRPO, RLOO, REINFORCE++, PPO's GAE), policy losses, PPO's value loss and
DAPO's overlong shaping.

Imports only torch and `rft.registry`. Algorithms are looked up by name through the registries
(`ADVANTAGES`, `POLICY_LOSSES`, `KL_ESTIMATORS`, `AGGREGATIONS`), each with one signature (see
`advantages.py` and `losses.py`); an unknown name raises a KeyError listing the known ones.
"""
from rft.algorithms.advantages import (
    ADVANTAGES,
    AdvantageInputs,
    Advantages,
    Estimator,
    register_estimator,
)
from rft.algorithms.core import (
    KL_ESTIMATORS,
    entropy_from_logits,
    kl_estimate,
    logprobs_from_logits,
    masked_mean,
    masked_sum,
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
from rft.algorithms.grpo import group_advantages, uniform_groups
from rft.algorithms.losses import AGGREGATIONS, POLICY_LOSSES, aggregate, clipped_policy_loss, tis_weights

__all__ = [
    "ADVANTAGES",
    "AGGREGATIONS",
    "AdvantageInputs",
    "Advantages",
    "Estimator",
    "KL_ESTIMATORS",
    "POLICY_LOSSES",
    "aggregate",
    "clipped_policy_loss",
    "clipped_value_loss",
    "dr_grpo_advantages",
    "entropy_from_logits",
    "gae_advantages",
    "group_advantages",
    "kl_estimate",
    "logprobs_from_logits",
    "masked_mean",
    "masked_sum",
    "overlong_filter_mask",
    "overlong_penalty",
    "register_estimator",
    "reinforce_pp_advantages",
    "rloo_advantages",
    "tis_weights",
    "token_level_rewards",
    "uniform_groups",
    "whiten",
]
