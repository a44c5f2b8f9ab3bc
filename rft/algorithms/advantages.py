"""Advantage estimators behind one signature, looked up by name in `ADVANTAGES` (`algorithm.name`).

    estimator(x: AdvantageInputs) -> Advantages

`AdvantageInputs` holds the batch's shaped rewards, its loss mask, the group size, the per-token
KL when the KL goes in the reward, a critic's values, the few hyperparameters the built-in
estimators read, and `reduce`, which sums a tensor over data-parallel ranks (identity on one
process) for estimators whose statistics span the batch. A user's estimator is a function of the
same signature, registered in their module and named `module:name` in the YAML:

    from rft.algorithms import Advantages, register_estimator

    @register_estimator("centred", groups=True)
    def centred(x):
        r = x.rewards.view(-1, x.group_size)
        return Advantages((r - r.mean(-1, keepdim=True)).view(-1))

`register_estimator` also records what an estimator needs, which the trainer checks before a run:
`groups` (compares the G samples of a prompt: sampler.n >= 2, whole groups on one rank),
`critic` (PPO's value model is loaded and trained) and `kl_in` (where the KL goes by default).

Built in:
  "grpo"          (r - group mean) / group std (`adv_scale: none` drops the std)   groups
  "dr_grpo"       r - group mean                                                   groups
  "rloo"          r - mean of the other G - 1                                      groups
  "reinforce_pp"  whitened reward-to-go, per-token KL in the reward                KL in the reward
  "ppo"           GAE over token rewards with a critic, whitened                   critic, KL in the reward
With the KL in the reward, the group estimators see score - kl_coef * (sum of the sequence's KL).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from torch import Tensor

from rft.algorithms.core import masked_sum
from rft.algorithms.estimators import (gae_advantages, reinforce_pp_advantages, rloo_advantages, token_level_rewards,
                                       whiten)
from rft.algorithms.grpo import group_advantages, uniform_groups
from rft.registry import Registry


@dataclass
class AdvantageInputs:
    """What an estimator may read. N = B * G rows (the G rows of a prompt adjacent), T response tokens."""

    rewards: Tensor  # (N,) shaped rewards: the score table's value plus any overlong penalty
    mask: Tensor  # (N, T) 0/1 loss mask
    group_size: int  # G
    kl: Tensor | None = None  # (N, T) per-token KL to the reference when the KL goes in the reward, else None
    kl_coef: float = 0.0  # its weight
    values: Tensor | None = None  # (N, T) a critic's values at sampling time (estimators with critic=True)
    gamma: float = 1.0  # GAE discount
    lam: float = 1.0  # GAE lambda
    scale: str = "group"  # grpo: "group" (divide by the group std) or "none"
    whiten: bool = True  # ppo: whiten the advantages over the batch
    reduce: Callable[[Tensor], Tensor] = lambda t: t  # sum over data-parallel ranks


@dataclass
class Advantages:
    advantages: Tensor  # (N,) one per sequence, or (N, T) one per token
    returns: Tensor | None = None  # (N, T) value targets, for a critic
    uniform: Tensor | None = None  # (B,) bool: groups whose advantages are all 0 (the update may skip them)


@dataclass(frozen=True)
class Estimator:
    fn: Callable[[AdvantageInputs], Advantages]
    groups: bool = False
    critic: bool = False
    kl_in: str = "loss"

    def __call__(self, x: AdvantageInputs) -> Advantages:
        return self.fn(x)


ADVANTAGES: Registry[Estimator] = Registry("advantage estimator")


def register_estimator(name: str, *, groups: bool = False, critic: bool = False, kl_in: str = "loss"):
    """Register `fn(AdvantageInputs) -> Advantages` under `name`; see the module docstring."""
    if kl_in not in ("loss", "reward"):
        raise ValueError(f"kl_in must be 'loss' or 'reward', got {kl_in!r}")

    def deco(fn: Callable[[AdvantageInputs], Advantages]):
        ADVANTAGES.register(name)(Estimator(fn, groups=groups, critic=critic, kl_in=kl_in))
        return fn

    return deco


def sequence_rewards(x: AdvantageInputs) -> Tensor:
    """(N,) the rewards, less kl_coef * the sequence's summed KL when the KL is in the reward."""
    if x.kl is None:
        return x.rewards
    return x.rewards - x.kl_coef * masked_sum(x.kl, x.mask, dim=-1)


@register_estimator("grpo", groups=True)
def grpo(x: AdvantageInputs) -> Advantages:
    seq = sequence_rewards(x)
    return Advantages(group_advantages(seq, x.group_size, scale=x.scale), uniform=uniform_groups(seq, x.group_size))


@register_estimator("dr_grpo", groups=True)
def dr_grpo(x: AdvantageInputs) -> Advantages:
    seq = sequence_rewards(x)
    return Advantages(group_advantages(seq, x.group_size, scale="none"), uniform=uniform_groups(seq, x.group_size))


@register_estimator("rloo", groups=True)
def rloo(x: AdvantageInputs) -> Advantages:
    seq = sequence_rewards(x)
    return Advantages(rloo_advantages(seq, x.group_size), uniform=uniform_groups(seq, x.group_size))


@register_estimator("reinforce_pp", kl_in="reward")
def reinforce_pp(x: AdvantageInputs) -> Advantages:
    coef = x.kl_coef if x.kl is not None else 0.0
    return Advantages(reinforce_pp_advantages(x.rewards, x.mask, x.kl, coef, reduce=x.reduce))


@register_estimator("ppo", critic=True, kl_in="reward")
def ppo(x: AdvantageInputs) -> Advantages:
    if x.values is None:
        raise ValueError("the ppo estimator needs a critic's values (AdvantageInputs.values)")
    coef = x.kl_coef if x.kl is not None else 0.0
    token_rewards = token_level_rewards(x.rewards, x.mask, x.kl, coef)
    adv, returns = gae_advantages(token_rewards, x.values, x.mask, gamma=x.gamma, lam=x.lam)
    if x.whiten:
        adv = whiten(adv, x.mask, reduce=x.reduce)
    return Advantages(adv, returns=returns)

