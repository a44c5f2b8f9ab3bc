"""Tests for rft.algorithms: every expected number is worked out by hand in the comment beside it.

Shape letters as in the library: N sequences, T response tokens, V vocabulary, G group size.
"""
import math

import pytest
import torch
from torch.testing import assert_close

from rft.algorithms import (
    ADVANTAGES,
    AGGREGATIONS,
    KL_ESTIMATORS,
    POLICY_LOSSES,
    aggregate,
    entropy_from_logits,
    group_advantages,
    clipped_policy_loss,
    tis_weights,
    kl_estimate,
    logprobs_from_logits,
    masked_mean,
    masked_sum,
    uniform_groups,
)

LN2 = math.log(2.0)


# --------------------------------------------------------------------------- logprobs, entropy


def test_logprobs_from_logits_by_hand():
    logits = torch.tensor([[[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]]])  # (N=1, T=2, V=3)
    labels = torch.tensor([[0, 2]])
    expected = torch.tensor(
        [
            [
                # uniform over 3: log(1/3) = -1.098612
                -math.log(3.0),
                # 3 - logsumexp(1, 2, 3) = -log(e^-2 + e^-1 + 1) = -log(1.503214) = -0.407606
                -math.log(1.0 + math.exp(-1.0) + math.exp(-2.0)),
            ]
        ]
    )
    assert_close(logprobs_from_logits(logits, labels), expected)


def test_logprobs_temperature_divides_without_mutating():
    logits = torch.tensor([[[0.0, 2.0 * math.log(3.0)]]])  # (1, 1, 2)
    before = logits.clone()
    out = logprobs_from_logits(logits, torch.tensor([[1]]), temperature=2.0)
    # logits / 2 = [0, ln 3] -> probs [1/4, 3/4]; log(3/4) = -0.287682
    assert_close(out, torch.tensor([[math.log(0.75)]]))
    assert torch.equal(logits, before)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_logprobs_match_log_softmax_oracle(seed):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(3, 5, 11, generator=g) * 4
    labels = torch.randint(0, 11, (3, 5), generator=g)
    oracle = torch.log_softmax(logits, -1).gather(-1, labels.unsqueeze(-1)).squeeze(-1)
    assert_close(logprobs_from_logits(logits, labels), oracle)
    out_bf16 = logprobs_from_logits(logits.bfloat16(), labels)
    assert out_bf16.dtype == torch.float32 and out_bf16.shape == (3, 5)


def test_entropy_uniform_is_log_v_and_by_hand():
    # any constant row is uniform: H = log V = log 5 = 1.609438
    logits = torch.full((2, 3, 5), 7.0)
    assert_close(entropy_from_logits(logits), torch.full((2, 3), math.log(5.0)))
    # logits [0, ln 3] -> p = [1/4, 3/4]:
    # H = 1/4 ln 4 + 3/4 ln(4/3) = 0.346574 + 0.215762 = 0.562335
    two = torch.tensor([[[0.0, math.log(3.0)]]])
    expected = 0.25 * math.log(4.0) + 0.75 * math.log(4.0 / 3.0)
    out = entropy_from_logits(two.bfloat16())
    assert out.dtype == torch.float32
    assert_close(entropy_from_logits(two), torch.tensor([[expected]]))


# --------------------------------------------------------------------------- KL estimators


def test_kl_estimators_by_hand():
    logprobs = torch.tensor([[math.log(0.5), math.log(0.25), -1.3]])
    ref_logprobs = torch.tensor([[math.log(0.25), math.log(0.5), -1.3]])
    # token 0: logp - ref = ln 2 = 0.693147; token 1: -ln 2; token 2: equal -> 0 for every k
    # k1 = logp - ref
    assert_close(kl_estimate(logprobs, ref_logprobs, "k1"), torch.tensor([[LN2, -LN2, 0.0]]))
    # k2 = 0.5 * (logp - ref)^2 = 0.5 * 0.480453 = 0.240227 for both
    k2 = 0.5 * LN2**2
    assert_close(kl_estimate(logprobs, ref_logprobs, "k2"), torch.tensor([[k2, k2, 0.0]]))
    # k3 = exp(ref - logp) - (ref - logp) - 1
    #   token 0: 0.5 + ln 2 - 1 = 0.193147;  token 1: 2 - ln 2 - 1 = 0.306853
    k3 = torch.tensor([[0.5 + LN2 - 1.0, 2.0 - LN2 - 1.0, 0.0]])
    assert_close(kl_estimate(logprobs, ref_logprobs, "k3"), k3)
    assert_close(kl_estimate(logprobs, ref_logprobs), k3)  # k3 is the default


def test_kl_upcasts_to_float32_and_k3_nonnegative():
    g = torch.Generator().manual_seed(0)
    logprobs = torch.randn(64, 32, generator=g) * 3
    ref_logprobs = torch.randn(64, 32, generator=g) * 3
    assert (kl_estimate(logprobs, ref_logprobs, "k3") >= 0).all()
    assert (kl_estimate(logprobs, ref_logprobs, "k2") >= 0).all()
    for kind in KL_ESTIMATORS.names():
        out = kl_estimate(logprobs.bfloat16(), ref_logprobs.bfloat16(), kind)
        assert out.dtype == torch.float32


# --------------------------------------------------------------------------- group advantages


def test_group_advantages_by_hand():
    rewards = torch.tensor([1.0, 0.0, 0.0, 2.0, 4.0, 6.0])  # B=2 prompts, G=3
    # group 0: mean 1/3, r - mean = [2/3, -1/3, -1/3],
    #   unbiased var = (4/9 + 1/9 + 1/9) / 2 = 1/3, std = 0.577350
    #   A = [2/3, -1/3, -1/3] / 0.577350 = [1.154701, -0.577350, -0.577350]
    # group 1: mean 4, r - mean = [-2, 0, 2], unbiased var = (4 + 0 + 4) / 2 = 4, std = 2
    #   A = [-1, 0, 1]
    s = math.sqrt(1.0 / 3.0)
    expected = torch.tensor([2 / 3 / s, -1 / 3 / s, -1 / 3 / s, -1.0, 0.0, 1.0])
    assert_close(group_advantages(rewards, 3, eps=0.0), expected)
    # default eps=1e-6 only nudges the denominators
    assert_close(group_advantages(rewards, 3), expected, atol=1e-5, rtol=1e-5)


def test_group_advantages_scale_none_is_centering():
    rewards = torch.tensor([1.0, 0.0, 0.0, 2.0, 4.0, 6.0])
    # Dr. GRPO: r - group mean; group 0 mean 1/3, group 1 mean 4
    expected = torch.tensor([2 / 3, -1 / 3, -1 / 3, -2.0, 0.0, 2.0])
    assert_close(group_advantages(rewards, 3, scale="none"), expected)


def test_uniform_groups_uses_equality_not_a_zero_std():
    # eight 0.1s (the default `wrong` score): float32 std is 8e-9, so `std == 0` missed this group
    rewards = torch.tensor([0.1] * 8 + [1.0] * 8 + [1.0] * 7 + [0.1])
    assert rewards[:8].view(1, 8).std(dim=1).item() != 0.0
    assert uniform_groups(rewards, 8).tolist() == [True, True, False]


def test_group_advantages_all_equal_group_is_exactly_zero():
    # In float32 (0.9 + 0.9 + 0.9) / 3 rounds to 0.9 - 6e-8, so without special care the group
    # would get (6e-8) / (0 + 1e-6) = 0.056 instead of 0: the constant group must give exact 0s.
    rewards = torch.tensor([0.9, 0.9, 0.9, 1.0, 0.0, 1.0, 5.0, 5.0, 5.0])
    for scale in ("group", "none"):
        adv = group_advantages(rewards, 3, scale=scale)
        assert torch.equal(adv[:3], torch.zeros(3)) and torch.equal(adv[6:], torch.zeros(3))
    # group 1: mean 2/3, r - mean = [1/3, -2/3, 1/3], var = (1/9 + 4/9 + 1/9) / 2 = 1/3
    s = math.sqrt(1.0 / 3.0)
    expected = torch.tensor([1 / 3, -2 / 3, 1 / 3]) / s
    assert_close(group_advantages(rewards, 3, eps=0.0)[3:6], expected)


def test_group_advantages_does_not_mutate_and_rejects_bad_shapes():
    rewards = torch.tensor([1.0, 0.0, 3.0, 3.0])
    before = rewards.clone()
    group_advantages(rewards, 2)
    assert torch.equal(rewards, before)
    with pytest.raises(ValueError, match="groups of 3"):
        group_advantages(rewards, 3)
    with pytest.raises(ValueError, match="group_size"):
        group_advantages(rewards, 1)
    with pytest.raises(ValueError, match="scale"):
        group_advantages(rewards, 2, scale="batch")


def _group_advantages_loop(rewards, group_size, eps):
    """Loop oracle: one group at a time, plain Python statistics."""
    out = []
    values = rewards.tolist()
    for start in range(0, len(values), group_size):
        grp = values[start : start + group_size]
        mean = sum(grp) / len(grp)
        std = math.sqrt(sum((x - mean) ** 2 for x in grp) / (len(grp) - 1))
        out += [0.0 if std == 0 else (x - mean) / (std + eps) for x in grp]
    return torch.tensor(out)


@pytest.mark.parametrize("seed,b,g", [(0, 1, 2), (1, 4, 8), (2, 16, 5)])
def test_group_advantages_match_loop_oracle(seed, b, g):
    gen = torch.Generator().manual_seed(seed)
    rewards = torch.randint(0, 3, (b * g,), generator=gen).float() / 2  # rewards in {0, 0.5, 1}
    assert_close(group_advantages(rewards, g), _group_advantages_loop(rewards, g, 1e-6))


# --------------------------------------------------------------------------- masked ops, aggregate


def test_masked_mean_and_sum_ignore_padding():
    x = torch.tensor([[1.0, 2.0, float("inf")], [3.0, float("nan"), 100.0]])
    mask = torch.tensor([[1, 1, 0], [1, 0, 0]])
    # (1 + 2 + 3) / 3 = 2; the inf / nan / 100 sit on padding
    assert_close(masked_sum(x, mask), torch.tensor(6.0))
    assert_close(masked_mean(x, mask), torch.tensor(2.0))
    # per row: (1 + 2) / 2 = 1.5, 3 / 1 = 3
    assert_close(masked_mean(x, mask, dim=-1), torch.tensor([1.5, 3.0]))
    assert_close(masked_mean(x, mask.bool(), dim=-1), torch.tensor([1.5, 3.0]))


def test_masked_mean_all_zero_mask_is_zero_not_nan():
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    mask = torch.tensor([[0, 0], [1, 0]])
    assert_close(masked_mean(x, torch.zeros_like(mask)), torch.tensor(0.0))  # 0 / clamp(0, 1)
    # row 0 has no tokens: 0 / 1 = 0; row 1: 3 / 1 = 3
    assert_close(masked_mean(x, mask, dim=-1), torch.tensor([0.0, 3.0]))


LOSS = torch.tensor([[1.0, 2.0, 3.0], [4.0, 9.0, 9.0]])  # the 9s are padding
MASK = torch.tensor([[1, 1, 1], [1, 0, 0]])


def test_aggregate_modes_by_hand():
    # token-mean: (1 + 2 + 3 + 4) / 4 tokens = 2.5
    assert_close(aggregate(LOSS, MASK), torch.tensor(2.5))
    # token-mean with normalizer 5: 10 / 5 = 2
    assert_close(aggregate(LOSS, MASK, normalizer=5.0), torch.tensor(2.0))
    # seq-mean-token-mean: mean(6 / 3, 4 / 1) = mean(2, 4) = 3
    assert_close(aggregate(LOSS, MASK, "seq-mean-token-mean"), torch.tensor(3.0))
    # seq-mean-token-sum, normalizer 4: mean(6 / 4, 4 / 4) = mean(1.5, 1) = 1.25
    assert_close(aggregate(LOSS, MASK, "seq-mean-token-sum", 4.0), torch.tensor(1.25))
    # seq-mean-token-sum, default normalizer T = 3: mean(6 / 3, 4 / 3) = 10 / 6 = 1.666667
    assert_close(aggregate(LOSS, MASK, "seq-mean-token-sum"), torch.tensor(10.0 / 6.0))
    with pytest.raises(ValueError, match="normalizer"):
        aggregate(LOSS, MASK, "seq-mean-token-mean", normalizer=4.0)


def test_aggregate_micro_batches_with_normalizer_sum_to_full_batch():
    loss = LOSS.clone().requires_grad_(True)
    full = aggregate(loss, MASK)  # 2.5, as above
    (full_grad,) = torch.autograd.grad(full, loss)
    total_tokens = 4.0  # tokens in the whole batch
    # micro-batch 0 = row 0: 6 / 4 = 1.5; micro-batch 1 = row 1: 4 / 4 = 1; 1.5 + 1 = 2.5
    # (the mean of the micro-batch token-means would be (2 + 4) / 2 = 3, not 2.5)
    micro = aggregate(loss[:1], MASK[:1], normalizer=total_tokens) + aggregate(
        loss[1:], MASK[1:], normalizer=total_tokens
    )
    (micro_grad,) = torch.autograd.grad(micro, loss)
    assert_close(micro, torch.tensor(2.5))
    assert_close(micro, full)
    # d/dloss = mask / 4 on both routes
    assert_close(micro_grad, full_grad)
    assert_close(full_grad, MASK.float() / 4)


# --------------------------------------------------------------------------- GRPO policy loss


def _leaf(values):
    return torch.tensor(values).requires_grad_(True)


def test_policy_loss_ratio_one_is_minus_token_mean_advantage():
    logprobs = _leaf([[-1.0, -2.0, -0.5], [-0.3, -0.7, -9.0]])
    mask = torch.tensor([[1, 1, 1], [1, 1, 0]])
    advantages = torch.tensor([1.0, -2.0])
    loss, metrics = clipped_policy_loss(logprobs, logprobs.detach(), advantages, mask)
    # ratio = 1 everywhere: loss = -mean over 5 tokens of A = -(1 * 3 + (-2) * 2) / 5 = 0.2
    assert_close(loss, torch.tensor(0.2))
    assert_close(metrics["loss/policy"], torch.tensor(0.2))
    assert_close(metrics["policy/ratio_mean"], torch.tensor(1.0))
    assert_close(metrics["policy/clip_frac"], torch.tensor(0.0))
    assert_close(metrics["policy/approx_kl_old"], torch.tensor(0.0))
    assert "loss/kl" not in metrics
    loss.backward()
    # d loss / d logp = -A * ratio / 5: row 0 -> -0.2, row 1 -> 0.4, padding -> 0
    assert_close(logprobs.grad, torch.tensor([[-0.2, -0.2, -0.2], [0.4, 0.4, 0.0]]))


def test_policy_loss_clips_high_ratio_with_positive_advantage():
    logprobs = _leaf([[math.log(1.5), math.log(1.1)]])
    old_logprobs = torch.zeros(1, 2)
    mask = torch.ones(1, 2)
    advantages = torch.tensor([1.0])
    loss, metrics = clipped_policy_loss(logprobs, old_logprobs, advantages, mask, clip_eps=0.2)
    # token 0: ratio 1.5 > 1.2, A = 1 -> max(-1.5, -1.2) = -1.2 (clipped)
    # token 1: ratio 1.1 in range -> -1.1;  loss = (-1.2 - 1.1) / 2 = -1.15
    assert_close(loss, torch.tensor(-1.15))
    assert_close(metrics["policy/clip_frac"], torch.tensor(0.5))  # 1 of 2 tokens
    assert_close(metrics["policy/ratio_mean"], torch.tensor(1.3))  # (1.5 + 1.1) / 2
    # approx_kl_old = mean of (ratio - 1) - ln ratio:
    #   (0.5 - 0.405465) = 0.094535, (0.1 - 0.095310) = 0.004690 -> mean 0.049612
    expected_kl = ((0.5 - math.log(1.5)) + (0.1 - math.log(1.1))) / 2
    assert_close(metrics["policy/approx_kl_old"], torch.tensor(expected_kl))
    loss.backward()
    # clipped token: no gradient; token 1: -A * ratio / 2 = -1.1 / 2 = -0.55
    assert_close(logprobs.grad, torch.tensor([[0.0, -0.55]]))


def test_policy_loss_clip_eps_high_widens_upper_range():
    logprobs = torch.tensor([[math.log(1.5), math.log(1.1)]])
    loss, metrics = clipped_policy_loss(
        logprobs, torch.zeros(1, 2), torch.tensor([1.0]), torch.ones(1, 2), clip_eps_high=0.6
    )
    # 1.5 < 1 + 0.6 is no longer clipped: (-1.5 - 1.1) / 2 = -1.3
    assert_close(loss, torch.tensor(-1.3))
    assert_close(metrics["policy/clip_frac"], torch.tensor(0.0))


def test_policy_loss_clips_low_ratio_with_negative_advantage():
    logprobs = _leaf([[math.log(0.5), math.log(0.9), math.log(1.5)]])
    old_logprobs, mask = torch.zeros(1, 3), torch.ones(1, 3)
    loss, metrics = clipped_policy_loss(logprobs, old_logprobs, torch.tensor([-1.0]), mask)
    # A = -1, so -A * ratio = ratio:
    #   token 0: ratio 0.5 < 0.8 -> max(0.5, 0.8) = 0.8 (clipped)
    #   token 1: 0.9 in range -> 0.9
    #   token 2: 1.5 > 1.2 but A < 0 -> max(1.5, 1.2) = 1.5 (not clipped: pessimistic bound)
    #   loss = (0.8 + 0.9 + 1.5) / 3 = 1.066667
    assert_close(loss, torch.tensor(3.2 / 3))
    assert_close(metrics["policy/clip_frac"], torch.tensor(1.0 / 3))
    loss.backward()
    # grads -A * ratio / 3: [0 (clipped), 0.9 / 3 = 0.3, 1.5 / 3 = 0.5]
    assert_close(logprobs.grad, torch.tensor([[0.0, 0.3, 0.5]]))


def test_policy_loss_adds_kl_with_coefficient():
    logprobs = _leaf([[math.log(0.5), math.log(0.25)]])
    ref_logprobs = torch.tensor([[math.log(0.25), math.log(0.5)]])
    mask = torch.ones(1, 2)
    advantages = torch.tensor([1.0])
    # pg: ratio 1, A = 1 -> -1 per token, mean -1
    # k3: [0.5 + ln 2 - 1, 2 - ln 2 - 1] = [0.193147, 0.306853], mean = 0.5 / 2 = 0.25
    loss, metrics = clipped_policy_loss(
        logprobs, logprobs.detach(), advantages, mask, ref_logprobs=ref_logprobs, kl_coef=0.1
    )
    assert_close(loss, torch.tensor(-1.0 + 0.1 * 0.25))  # -0.975
    assert_close(metrics["loss/policy"], torch.tensor(-1.0))
    assert_close(metrics["loss/kl"], torch.tensor(0.25))
    loss.backward()
    # d/dlogp [-ratio + 0.1 * k3] / 2 = (-1 + 0.1 * (1 - exp(ref - logp))) / 2
    #   token 0: (-1 + 0.1 * (1 - 0.5)) / 2 = -0.475;  token 1: (-1 + 0.1 * (1 - 2)) / 2 = -0.55
    assert_close(logprobs.grad, torch.tensor([[-0.475, -0.55]]))

    # kl_coef = 0: KL is reported but not added
    loss0, metrics0 = clipped_policy_loss(
        logprobs, logprobs.detach(), advantages, mask, ref_logprobs=ref_logprobs
    )
    assert_close(loss0, torch.tensor(-1.0))
    assert_close(metrics0["loss/kl"], torch.tensor(0.25))
    # k1: [ln 2, -ln 2], mean 0 -> loss -1 + 0.1 * 0 = -1
    loss1, _ = clipped_policy_loss(
        logprobs, logprobs.detach(), advantages, mask,
        ref_logprobs=ref_logprobs, kl_coef=0.1, kl_kind="k1",
    )
    assert_close(loss1, torch.tensor(-1.0))
    with pytest.raises(ValueError, match="ref_logprobs"):
        clipped_policy_loss(logprobs, logprobs.detach(), advantages, mask, kl_coef=0.1)


def test_policy_loss_ignores_padding_in_value_and_gradient():
    g = torch.Generator().manual_seed(0)
    clean = torch.randn(2, 3, generator=g) - 2
    old = clean + 0.1 * torch.randn(2, 3, generator=g)
    ref = clean + 0.1 * torch.randn(2, 3, generator=g)
    advantages = torch.tensor([0.7, -1.3])
    mask = torch.tensor([[1, 1, 1], [1, 1, 1]])
    kwargs = dict(kl_coef=0.05)

    short_lp = clean.clone().requires_grad_(True)
    ref_loss, ref_metrics = clipped_policy_loss(
        short_lp, old, advantages, mask, ref_logprobs=ref, **kwargs
    )
    ref_loss.backward()

    # the same batch padded with two garbage positions per row (exp(50 - -50) overflows float32)
    pad = torch.full((2, 2), 50.0)
    padded_lp = torch.cat([clean, pad], 1).requires_grad_(True)
    padded_mask = torch.cat([mask, torch.zeros(2, 2, dtype=mask.dtype)], 1)
    loss, metrics = clipped_policy_loss(
        padded_lp,
        torch.cat([old, -pad], 1),
        advantages,
        padded_mask,
        ref_logprobs=torch.cat([ref, -pad - 30], 1),
        **kwargs,
    )
    loss.backward()
    assert_close(loss, ref_loss)
    for key in ref_metrics:
        assert_close(metrics[key], ref_metrics[key])
    assert torch.isfinite(padded_lp.grad).all()
    assert_close(padded_lp.grad[:, :3], short_lp.grad)
    assert torch.equal(padded_lp.grad[:, 3:], torch.zeros(2, 2))


def test_policy_loss_does_not_mutate_inputs_and_metrics_are_detached():
    g = torch.Generator().manual_seed(1)
    logprobs = (torch.randn(4, 5, generator=g) - 1).requires_grad_(True)
    old = (logprobs.detach() + 0.3 * torch.randn(4, 5, generator=g)).requires_grad_(False)
    ref = logprobs.detach() + 0.3 * torch.randn(4, 5, generator=g)
    advantages = torch.randn(4, generator=g)
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]])
    inputs = [logprobs, old, ref, advantages, mask]
    before = [x.detach().clone() for x in inputs]
    loss, metrics = clipped_policy_loss(
        logprobs, old, advantages, mask, ref_logprobs=ref, kl_coef=0.1, clip_eps_high=0.28
    )
    loss.backward()
    for x, b in zip(inputs, before):
        assert torch.equal(x.detach(), b)
    assert set(metrics) == {
        "loss/policy",
        "loss/kl",
        "policy/clip_frac",
        "policy/ratio_mean",
        "policy/approx_kl_old",
    }
    for value in metrics.values():
        assert isinstance(value, torch.Tensor) and value.dim() == 0 and not value.requires_grad


def test_policy_loss_aggregation_modes_pass_through():
    logprobs = torch.zeros(2, 3)
    mask = torch.tensor([[1, 1, 1], [1, 0, 0]])
    advantages = torch.tensor([1.0, -2.0])
    # ratio 1, per-token loss -A: row 0 [-1, -1, -1], row 1 [2]
    # seq-mean-token-mean: mean(-1, 2) = 0.5
    loss, _ = clipped_policy_loss(logprobs, logprobs, advantages, mask, agg="seq-mean-token-mean")
    assert_close(loss, torch.tensor(0.5))
    # seq-mean-token-sum, normalizer 4: mean(-3 / 4, 2 / 4) = -0.125
    loss, _ = clipped_policy_loss(
        logprobs, logprobs, advantages, mask, agg="seq-mean-token-sum", normalizer=4.0
    )
    assert_close(loss, torch.tensor(-0.125))


# --------------------------------------------------------------------------- registries


def test_registries_hold_the_functions():
    # the built-ins (a test module may register its own beside them)
    assert {"dr_grpo", "grpo", "ppo", "reinforce_pp", "rloo"} <= set(ADVANTAGES.names())
    assert POLICY_LOSSES.get("ppo_clip") is clipped_policy_loss
    assert KL_ESTIMATORS.names() == ["k1", "k2", "k3"]
    assert AGGREGATIONS.names() == ["seq-mean-token-mean", "seq-mean-token-sum", "token-mean"]


@pytest.mark.parametrize(
    "lookup,known",
    [
        (lambda: ADVANTAGES.get("ppo-gae"), "grpo"),
        (lambda: POLICY_LOSSES.get("dpo"), "ppo_clip"),
        (lambda: kl_estimate(torch.zeros(1, 1), torch.zeros(1, 1), "k4"), "k1, k2, k3"),
        (lambda: aggregate(LOSS, MASK, "token-sum"), "token-mean"),
        (lambda: clipped_policy_loss(LOSS, LOSS, torch.ones(2), MASK, kl_kind="kl"), "k1, k2, k3"),
    ],
)
def test_unknown_names_raise_key_error_listing_known(lookup, known):
    with pytest.raises(KeyError, match=known):
        lookup()


# --------------------------------------------------------------------------- TIS


def test_tis_weights_by_hand():
    learner = torch.tensor([[-1.0, -2.0, -0.5, 7.0]])
    sampler = torch.tensor([[-1.5, -1.0, -0.5, 0.0]])
    mask = torch.tensor([[1, 1, 1, 0]])
    # min(exp(learner - sampler), 1.5): exp(0.5) = 1.6487 -> 1.5; exp(-1) = 0.3679; exp(0) = 1; padding 0
    torch.testing.assert_close(tis_weights(learner, sampler, mask, 1.5), torch.tensor([[1.5, 0.36788, 1.0, 0.0]]),
                               atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match="cap"):
        tis_weights(learner, sampler, mask, 0.0)


def test_token_weights_scale_each_tokens_policy_gradient_term():
    logprobs = torch.tensor([[-1.0, -2.0, -3.0]], requires_grad=True)
    mask = torch.tensor([[1, 1, 0]])
    adv = torch.tensor([2.0])
    w = torch.tensor([[0.5, 2.0, 9.0]])
    loss, _ = clipped_policy_loss(logprobs, logprobs.detach(), adv, mask, token_weights=w)
    # ratio 1, so each token's loss is -A * w_t; token-mean over the 2 valid tokens: -(2*0.5 + 2*2) / 2
    torch.testing.assert_close(loss, torch.tensor(-2.5))
    loss.backward()
    # d/d logprob_t of -A * w_t * exp(lp - old) / 2 at ratio 1 = -A * w_t / 2
    torch.testing.assert_close(logprobs.grad, torch.tensor([[-0.5, -2.0, 0.0]]))
