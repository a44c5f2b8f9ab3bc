"""Tests for rft.algorithms.estimators: every expected number is worked out by hand beside it.

Shape letters as in the library: B prompts, G group size, N = B * G sequences, T response tokens.
"""
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.testing import assert_close

from rft.algorithms import (
    ADVANTAGES,
    AdvantageInputs,
    clipped_value_loss,
    dr_grpo_advantages,
    gae_advantages,
    group_advantages,
    overlong_filter_mask,
    overlong_penalty,
    reinforce_pp_advantages,
    rloo_advantages,
    token_level_rewards,
    whiten,
)

NAN = float("nan")


# --------------------------------------------------------------------------- group estimators


def test_rloo_advantages_by_hand():
    # G = 3; A_i = r_i - (sum - r_i) / 2
    rewards = torch.tensor([1.0, 0.0, 0.5, 3.0, 0.0, 0.0, 2.0, 2.0, 2.0])
    expected = torch.tensor(
        [
            # group [1, 0, 0.5], sum 1.5: 1 - 0.5/2, 0 - 1.5/2, 0.5 - 1/2
            0.75, -0.75, 0.0,
            # group [3, 0, 0], sum 3: 3 - 0/2, 0 - 3/2, 0 - 3/2
            3.0, -1.5, -1.5,
            # all equal: exactly 0
            0.0, 0.0, 0.0,
        ]
    )  # fmt: skip
    out = rloo_advantages(rewards, 3)
    assert out.dtype == torch.float32
    assert_close(out, expected)


def test_rloo_is_g_over_g_minus_one_times_centred():
    # RLOO = G / (G - 1) * (r - mean): with G = 4, 4/3 times Dr. GRPO's advantage.
    g = torch.Generator().manual_seed(0)
    rewards = torch.randint(0, 3, (4 * 4,), generator=g).float() / 2
    assert_close(rloo_advantages(rewards, 4), 4 / 3 * dr_grpo_advantages(rewards, 4))


def test_dr_grpo_advantages_by_hand_and_reuses_group_advantages():
    rewards = torch.tensor([1.0, 0.0, 0.5, 3.0, 0.0, 0.0])
    # group means 0.5 and 1: r - mean, no std division
    expected = torch.tensor([0.5, -0.5, 0.0, 2.0, -1.0, -1.0])
    assert_close(dr_grpo_advantages(rewards, 3), expected)
    assert_close(dr_grpo_advantages(rewards, 3), group_advantages(rewards, 3, scale="none"))


GROUP_FNS = {"rloo": rloo_advantages, "dr_grpo": dr_grpo_advantages, "grpo": group_advantages}


@pytest.mark.parametrize("name", ["rloo", "dr_grpo", "grpo"])
def test_group_estimators_reject_bad_group_sizes(name):
    fn = GROUP_FNS[name]
    for bad in (0, 1):
        with pytest.raises(ValueError, match="group_size"):
            fn(torch.ones(4), bad)
    with pytest.raises(ValueError, match="groups of 3"):
        fn(torch.ones(4), 3)


@settings(max_examples=50, deadline=None, derandomize=True)
@given(data=st.data(), b=st.integers(1, 4), g=st.integers(2, 6))
def test_group_advantages_are_permutation_equivariant(data, b, g):
    # Permuting the samples within each group permutes their advantages the same way. Integer
    # rewards keep the group sums exact, so no rounding differs between the two orders.
    values = data.draw(st.lists(st.integers(-3, 3), min_size=b * g, max_size=b * g))
    rewards = torch.tensor(values, dtype=torch.float32)
    perm = torch.cat(
        [torch.tensor(data.draw(st.permutations(range(g)))) + i * g for i in range(b)]
    )
    for name in ("rloo", "grpo", "dr_grpo"):  # grpo: scale "group"; dr_grpo: scale "none"
        fn = GROUP_FNS[name]
        assert_close(fn(rewards[perm], g), fn(rewards, g)[perm])


# --------------------------------------------------------------------------- token rewards, whiten


def test_token_level_rewards_by_hand():
    scores = torch.tensor([1.0, 0.5, 2.0])
    mask = torch.tensor([[1, 1, 1, 0], [1, 0, 0, 0], [0, 0, 0, 0]])
    kl = torch.tensor([[0.1, 0.2, 0.3, NAN], [0.4, 9.0, 9.0, 9.0], [5.0, 5.0, 5.0, 5.0]])
    expected = torch.tensor(
        [
            # -0.5 * kl_t, and the score 1 added on the last valid token (t = 2): 1 - 0.15
            [-0.05, -0.1, 0.85, 0.0],
            # one valid token: 0.5 - 0.5 * 0.4
            [0.3, 0.0, 0.0, 0.0],
            # no valid token: no score, no penalty
            [0.0, 0.0, 0.0, 0.0],
        ]
    )
    assert_close(token_level_rewards(scores, mask, kl, kl_coef=0.5), expected)
    # without KL: only the score on the last valid token
    no_kl = torch.tensor([[0.0, 0.0, 1.0, 0.0], [0.5, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    assert_close(token_level_rewards(scores, mask), no_kl)


def test_whiten_by_hand():
    x = torch.tensor([[1.0, 2.0, 3.0, NAN], [4.0, 7.0, 7.0, 7.0]])
    mask = torch.tensor([[1, 1, 1, 0], [1, 0, 0, 0]])
    # valid values 1, 2, 3, 4: mean 2.5, unbiased var = (2.25 + 0.25 + 0.25 + 2.25) / 3 = 5/3
    std = math.sqrt(5 / 3 + 1e-8)  # 1.290994
    expected = torch.tensor(
        [[-1.5 / std, -0.5 / std, 0.5 / std, 0.0], [1.5 / std, 0.0, 0.0, 0.0]]
    )
    assert_close(whiten(x, mask), expected)
    # shift_mean=False adds the mean 2.5 back on the valid positions only
    kept = torch.tensor(
        [[2.5 - 1.5 / std, 2.5 - 0.5 / std, 2.5 + 0.5 / std, 0.0], [2.5 + 1.5 / std, 0.0, 0.0, 0.0]]
    )
    assert_close(whiten(x, mask, shift_mean=False), kept)


def test_whiten_single_valid_token_is_zero_not_nan():
    # n - 1 = 0 is clamped to 1: var = 0, (x - mean) = 0
    out = whiten(torch.tensor([[3.0, NAN]]), torch.tensor([[1, 0]]))
    assert_close(out, torch.zeros(1, 2))


# --------------------------------------------------------------------------- REINFORCE++


def test_reinforce_pp_advantages_by_hand():
    scores = torch.tensor([1.0, 0.0])
    mask = torch.tensor([[1, 1, 1], [1, 1, 0]])
    kl = torch.tensor([[0.2, 0.0, 0.2], [0.2, 0.2, NAN]])
    # token rewards (score at last token - 0.5 * kl): [-0.1, 0, 0.9] and [-0.1, -0.1, pad]
    # rewards to go: [0.8, 0.9, 0.9] and [-0.2, -0.1, pad]
    # valid returns 0.8, 0.9, 0.9, -0.2, -0.1: mean 2.3 / 5 = 0.46
    # deviations 0.34, 0.44, 0.44, -0.66, -0.56; squares sum 1.252; unbiased var 1.252 / 4 = 0.313
    std = math.sqrt(0.313 + 1e-8)  # 0.559464
    expected = torch.tensor([[0.34 / std, 0.44 / std, 0.44 / std], [-0.66 / std, -0.56 / std, 0.0]])
    assert_close(reinforce_pp_advantages(scores, mask, kl, kl_coef=0.5), expected)


def test_reinforce_pp_without_kl_whitens_scores_to_go():
    scores = torch.tensor([1.0, 0.0])
    mask = torch.tensor([[1, 1], [1, 0]])
    # returns to go: [1, 1] and [0, pad]; mean 2/3; deviations 1/3, 1/3, -2/3;
    # unbiased var = (1/9 + 1/9 + 4/9) / 2 = 1/3
    std = math.sqrt(1 / 3 + 1e-8)
    expected = torch.tensor([[(1 / 3) / std, (1 / 3) / std], [(-2 / 3) / std, 0.0]])
    assert_close(reinforce_pp_advantages(scores, mask), expected)


# --------------------------------------------------------------------------- GAE


def test_gae_by_hand():
    rewards = torch.tensor([[0.0, 0.0, 1.0, 7.0]])
    values = torch.tensor([[0.5, 0.5, 0.5, 99.0]])
    mask = torch.tensor([[1, 1, 1, 0]])
    # gamma = lam = 0.5, gamma * lam = 0.25; V after the last valid token is 0
    # delta_2 = 1 + 0.5 * 0 - 0.5 = 0.5;  delta_1 = delta_0 = 0 + 0.5 * 0.5 - 0.5 = -0.25
    # A_2 = 0.5;  A_1 = -0.25 + 0.25 * 0.5 = -0.125;  A_0 = -0.25 + 0.25 * -0.125 = -0.28125
    # returns = A + V = [0.21875, 0.375, 1.0]
    adv, ret = gae_advantages(rewards, values, mask, gamma=0.5, lam=0.5)
    assert_close(adv, torch.tensor([[-0.28125, -0.125, 0.5, 0.0]]))
    assert_close(ret, torch.tensor([[0.21875, 0.375, 1.0, 0.0]]))


def test_gae_gamma_lam_one_is_reward_to_go_minus_value():
    rewards = torch.tensor([[1.0, 2.0, NAN, 0.0]])
    values = torch.tensor([[3.0, 1.0, NAN, 5.0]])
    mask = torch.tensor([[1, 1, 0, 0]])
    # gamma = lam = 1: A_t = sum_{k >= t} r_k - V_t = [3 - 3, 2 - 1]; returns = [3, 2]
    adv, ret = gae_advantages(rewards, values, mask, gamma=1.0, lam=1.0)
    assert_close(adv, torch.tensor([[0.0, 1.0, 0.0, 0.0]]))
    assert_close(ret, torch.tensor([[3.0, 2.0, 0.0, 0.0]]))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gae_ignores_values_and_rewards_at_masked_positions(seed):
    g = torch.Generator().manual_seed(seed)
    n, t = 4, 6
    rewards = torch.randn(n, t, generator=g)
    values = torch.randn(n, t, generator=g)
    lengths = torch.tensor([6, 4, 1, 3])
    mask = (torch.arange(t)[None, :] < lengths[:, None]).long()
    adv, ret = gae_advantages(rewards, values, mask, gamma=0.9, lam=0.8)
    pad = ~mask.bool()
    values2 = torch.where(pad, torch.randn(n, t, generator=g) * 1e3, values)
    rewards2 = torch.where(pad, torch.full((n, t), float("inf")), rewards)
    adv2, ret2 = gae_advantages(rewards2, values2, mask, gamma=0.9, lam=0.8)
    assert torch.equal(adv, adv2) and torch.equal(ret, ret2)


# --------------------------------------------------------------------------- value loss


def test_clipped_value_loss_by_hand():
    values = torch.tensor([[1.0, 2.0, 0.0, NAN]], requires_grad=True)
    old_values = torch.tensor([[1.0, 1.0, 1.0, 5.0]])
    returns = torch.tensor([[2.0, 3.0, 3.0, 7.0]])
    mask = torch.tensor([[1, 1, 1, 0]])
    # clip_range 0.5: V_clip = old + clip(V - old, -0.5, 0.5) = [1, 1.5, 0.5]
    # t0: (1 - 2)^2 = 1,   (1 - 2)^2 = 1       -> 1
    # t1: (2 - 3)^2 = 1,   (1.5 - 3)^2 = 2.25  -> 2.25 (clipped term larger: clipped)
    # t2: (0 - 3)^2 = 9,   (0.5 - 3)^2 = 6.25  -> 9
    # loss = 0.5 * (1 + 2.25 + 9) / 3 = 2.041667
    loss, metrics = clipped_value_loss(values, old_values, returns, mask, clip_range=0.5)
    assert_close(loss, torch.tensor(0.5 * 12.25 / 3))
    assert_close(metrics["loss/value"], torch.tensor(0.5 * 12.25 / 3))
    assert_close(metrics["value/clip_frac"], torch.tensor(1 / 3))
    assert_close(metrics["value/mean"], torch.tensor(1.0))  # (1 + 2 + 0) / 3
    assert all(not m.requires_grad for m in metrics.values())
    loss.backward()
    # d/dV of 0.5 * (V - R)^2 / 3 = (V - R) / 3: t0 -1/3, t1 0 (clipped), t2 -1; padding 0
    assert_close(values.grad, torch.tensor([[-1 / 3, 0.0, -1.0, 0.0]]))


# --------------------------------------------------------------------------- DAPO overlong


def test_overlong_penalty_by_hand():
    # max_len 10, cache_len 4: free up to 10 - 4 = 6, then (6 - L) / 4, then -1 beyond 10
    lengths = torch.tensor([3, 6, 7, 8, 10, 11, 20])
    expected = torch.tensor([0.0, 0.0, -0.25, -0.5, -1.0, -1.0, -1.0])
    assert_close(overlong_penalty(lengths, max_len=10, cache_len=4), expected)
    for bad in (0, 11):
        with pytest.raises(ValueError, match="cache_len"):
            overlong_penalty(lengths, max_len=10, cache_len=bad)


def test_overlong_filter_mask_drops_truncated():
    truncated = torch.tensor([True, False, False, True])
    assert_close(overlong_filter_mask(truncated), torch.tensor([0.0, 1.0, 1.0, 0.0]))


# --------------------------------------------------------------------------- purity, registry


def test_estimators_do_not_mutate_inputs():
    g = torch.Generator().manual_seed(0)
    rewards = torch.randn(6, generator=g)
    mask = torch.tensor([[1, 1, 0]] * 6)
    kl = torch.randn(6, 3, generator=g)
    tok = torch.randn(6, 3, generator=g)
    vals = torch.randn(6, 3, generator=g)
    inputs = [rewards, mask, kl, tok, vals]
    before = [x.clone() for x in inputs]
    rloo_advantages(rewards, 3)
    dr_grpo_advantages(rewards, 3)
    reinforce_pp_advantages(rewards, mask, kl, 0.1)
    token_level_rewards(rewards, mask, kl, 0.1)
    whiten(tok, mask)
    gae_advantages(tok, vals, mask, 0.9, 0.9)
    clipped_value_loss(vals, tok, kl, mask, 0.2)
    overlong_penalty(rewards, 10, 4)
    for x, b in zip(inputs, before):
        assert torch.equal(x, b)


def test_registered_estimators_are_the_pure_functions_behind_one_signature():
    g = torch.Generator().manual_seed(3)
    rewards = torch.tensor([1.0, 0.1, 0.1, 0.0, 0.1, 0.1])
    mask = torch.tensor([[1, 1, 1], [1, 1, 0], [1, 0, 0], [1, 1, 1], [1, 1, 1], [1, 0, 0]])
    kl = torch.rand(6, 3, generator=g)
    values = torch.randn(6, 3, generator=g)
    x = AdvantageInputs(rewards=rewards, mask=mask, group_size=3, values=values, gamma=0.9, lam=0.8)
    assert_close(ADVANTAGES.get("grpo")(x).advantages, group_advantages(rewards, 3))
    assert_close(ADVANTAGES.get("dr_grpo")(x).advantages, dr_grpo_advantages(rewards, 3))
    assert_close(ADVANTAGES.get("rloo")(x).advantages, rloo_advantages(rewards, 3))
    assert ADVANTAGES.get("grpo")(x).uniform.tolist() == [False, False]
    # the KL in the reward: group estimators see score - kl_coef * (sum of the sequence's KL)
    xk = AdvantageInputs(rewards=rewards, mask=mask, group_size=3, kl=kl, kl_coef=0.5)
    seq = rewards - 0.5 * (kl * mask).sum(-1)
    assert_close(ADVANTAGES.get("rloo")(xk).advantages, rloo_advantages(seq, 3))
    assert_close(ADVANTAGES.get("reinforce_pp")(xk).advantages, reinforce_pp_advantages(rewards, mask, kl, 0.5))
    adv, ret = gae_advantages(token_level_rewards(rewards, mask), values, mask, gamma=0.9, lam=0.8)
    out = ADVANTAGES.get("ppo")(x)
    assert_close(out.advantages, whiten(adv, mask))
    assert_close(out.returns, ret)
    built_in = ["dr_grpo", "grpo", "ppo", "reinforce_pp", "rloo"]
    spec = {n: (ADVANTAGES.get(n).groups, ADVANTAGES.get(n).critic, ADVANTAGES.get(n).kl_in) for n in built_in}
    assert spec == {"dr_grpo": (True, False, "loss"), "grpo": (True, False, "loss"), "ppo": (False, True, "reward"),
                    "reinforce_pp": (False, False, "reward"), "rloo": (True, False, "loss")}


def test_whiten_with_a_cross_rank_sum_uses_the_global_statistics():
    # two "ranks" holding halves of a batch: whitening each half with the sums of both (the reduce a
    # data-parallel run passes) equals whitening the whole batch at once
    g = torch.Generator().manual_seed(0)
    x, mask = torch.randn(4, 5, generator=g), (torch.rand(4, 5, generator=g) > 0.3).long()
    halves = [(x[:2], mask[:2]), (x[2:], mask[2:])]
    for i, (xi, mi) in enumerate(halves):
        other = halves[1 - i]
        sums = iter([])

        def reduce(t, xi=xi, mi=mi, other=other):
            # the same statistic computed on the other half, added: an all-reduce of two ranks
            return t + next(sums)

        from rft.algorithms.core import masked_sum
        ones = masked_sum(torch.ones_like(other[0]), other[1])
        mean = (masked_sum(x, mask)) / masked_sum(torch.ones_like(x), mask)
        sums = iter([ones, masked_sum(other[0], other[1]), masked_sum((other[0] - mean).square(), other[1])])
        assert_close(whiten(xi, mi, reduce=reduce), whiten(x, mask)[2 * i:2 * i + 2])


def test_gae_skips_the_gaps_of_a_multi_turn_mask_as_if_they_were_not_there():
    """Tool results between model turns are outside the mask: GAE over the gapped row equals GAE
    over the same row with the gaps removed (the value after a turn is the next turn's)."""
    torch.manual_seed(0)
    mask = torch.tensor([[1, 1, 0, 0, 1, 1, 0, 1, 0, 0]], dtype=torch.float32)
    rewards, values = torch.randn(1, 10), torch.randn(1, 10)
    adv, ret = gae_advantages(rewards, values, mask, gamma=0.9, lam=0.8)
    keep = mask[0].bool()
    c_adv, c_ret = gae_advantages(rewards[:, keep], values[:, keep], torch.ones(1, int(keep.sum())), gamma=0.9, lam=0.8)
    assert torch.allclose(adv[:, keep], c_adv, atol=1e-6) and torch.allclose(ret[:, keep], c_ret, atol=1e-6)
    assert (adv[:, ~keep] == 0).all() and (ret[:, ~keep] == 0).all()
