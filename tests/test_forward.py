"""The update's forward pass: recomputed log-probs equal the sampler's, with or without the
shared-prompt path, and the shared path gives the same gradients as running every row in full."""
import torch

from rft import algorithms as algo
from rft.config import ModelConfig, TinyModelConfig
from rft.models import load_model, load_tokenizer, tiny_path
from rft.sampling import HFSampler, SamplingParams
from rft.tasks.arith import generate
from rft.learner import forward_logits

CFG = ModelConfig(tiny=TinyModelConfig(hidden_size=64, num_layers=2, num_heads=2, intermediate_size=128))


def rollout_and_model():
    path = str(tiny_path(CFG.tiny))
    tok, model = load_tokenizer(path, CFG), load_model(path, CFG)
    prompts = [f"Q: {r['question']}\nA:" for r in generate("train", n=3, seed=5)]  # different lengths
    torch.manual_seed(0)
    return HFSampler(model, tok, SamplingParams(max_new_tokens=12)).generate(prompts, 4), model


def logprobs_and_grads(model, rollout, sl, share):
    model.zero_grad()
    lp = algo.logprobs_from_logits(forward_logits(model, rollout, sl, share), rollout.response_ids[sl])
    (lp * rollout.response_mask[sl]).sum().backward()
    return lp.detach(), [p.grad.clone() for p in model.parameters()]


def test_recomputed_logprobs_match_sampled_ones_so_first_ratio_is_one():
    rollout, model = rollout_and_model()
    mask = rollout.response_mask
    for share in (False, True):
        lp, _ = logprobs_and_grads(model, rollout, slice(0, 12), share)
        torch.testing.assert_close(lp * mask, rollout.logprobs, atol=1e-5, rtol=0)


def test_shared_prompt_path_gives_the_full_forward_gradients():
    rollout, model = rollout_and_model()
    lp_full, g_full = logprobs_and_grads(model, rollout, slice(0, 12), share=False)
    lp_shared, g_shared = logprobs_and_grads(model, rollout, slice(0, 12), share=True)
    mask = rollout.response_mask
    torch.testing.assert_close(lp_shared * mask, lp_full * mask, atol=1e-5, rtol=0)
    for a, b in zip(g_full, g_shared):
        torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)


def test_micro_batch_that_splits_a_group_falls_back_to_full_rows():
    rollout, model = rollout_and_model()
    lp, _ = logprobs_and_grads(model, rollout, slice(2, 8), share=True)  # not whole groups of 4
    torch.testing.assert_close(lp * rollout.response_mask[2:8], rollout.logprobs[2:8], atol=1e-5, rtol=0)


def test_sampler_shared_prefill_draws_the_same_tokens_and_logprobs_as_a_full_prefill():
    path = str(tiny_path(CFG.tiny))
    tok, model = load_tokenizer(path, CFG), load_model(path, CFG)
    prompts = [f"Q: {r['question']}\nA:" for r in generate("train", n=3, seed=5)]  # different lengths: left padding
    outs = []
    for share in (False, True):
        torch.manual_seed(0)  # prefill consumes no randomness, so both draw the same samples
        outs.append(HFSampler(model, tok, SamplingParams(max_new_tokens=12), share_prompt=share).generate(prompts, 4))
    full, shared = outs
    assert torch.equal(full.prompt_ids, shared.prompt_ids)
    assert torch.equal(full.response_ids, shared.response_ids)
    torch.testing.assert_close(shared.logprobs, full.logprobs, atol=1e-5, rtol=0)
    assert full.texts == shared.texts


def _update_with(skip: bool, rewards: torch.Tensor, kl_coef: float = 0.0, *extra: str):
    """One policy update of the learner on a fixed rollout; returns the parameter change and its stats.

    Plain SGD at lr 1 so the change is the (clipped) gradient itself, which AdamW's first step
    would turn into lr * sign(grad) and so amplify float noise.
    """
    from conftest import to_batch
    from rft.config import load_config
    from rft.learner import Learner, Models

    rollout, _ = rollout_and_model()
    cfg = load_config("tasks/arith.yaml", [f"algorithm.skip_uniform_groups={str(skip).lower()}",
                                           f"algorithm.kl_coef={kl_coef}", "algorithm.grad_clip=1e9", *extra])
    path = str(tiny_path(CFG.tiny))
    ref = load_model(path, CFG, trainable=False) if kl_coef > 0 else None
    learner = Learner(cfg, algo.ADVANTAGES.get("grpo"), Models(load_model(path, CFG), ref))
    learner.opt = torch.optim.SGD(learner.policy.parameters(), lr=1.0)
    learner.sched = torch.optim.lr_scheduler.LambdaLR(learner.opt, lambda step: 1.0)
    before = [p.detach().clone() for p in learner.policy.parameters()]
    G = rollout.group_size
    adv = algo.Advantages(algo.group_advantages(rewards, G), uniform=algo.uniform_groups(rewards, G))
    stats = learner.update_policy(to_batch(rollout, rewards), adv, None)
    return [p.detach() - b for p, b in zip(learner.policy.parameters(), before)], stats, learner.sched.last_epoch


def test_skipping_uniform_groups_leaves_the_policy_gradient_unchanged():
    rewards = torch.tensor([1.0] * 4 + [1.0, 0.1, 0.1, 0.0] + [0.1] * 4)  # only the middle group has signal
    full, _, _ = _update_with(False, rewards)
    skipped, stats, _ = _update_with(True, rewards)
    assert stats["policy/kept_groups"] == 1 / 3
    assert any(d.abs().max() > 1e-4 for d in full)  # the update did something
    for a, b in zip(full, skipped):
        torch.testing.assert_close(b, a, atol=1e-6, rtol=1e-4)


def test_a_batch_of_uniform_groups_is_updated_in_full_and_logs_every_statistic():
    change, stats, sched_steps = _update_with(True, torch.tensor([1.0] * 12))
    assert stats["policy/kept_groups"] == 0.0
    assert {"loss/policy", "policy/entropy", "policy/clip_frac", "policy/grad_norm"} <= stats.keys()
    assert all(d.abs().max() == 0 for d in change)  # no advantage, no KL term: nothing to change
    assert sched_steps == 1


def test_static_cache_the_gpu_default_draws_the_same_tokens_and_logprobs_as_the_dynamic_cache():
    # sampler.cache auto is static on CUDA (transformers compiles it there); on this CPU it runs
    # uncompiled, which checks the sampler's use of it: same draws, same recorded log-probs
    path = str(tiny_path(CFG.tiny))
    tok, model = load_tokenizer(path, CFG), load_model(path, CFG)
    prompts = [f"Q: {r['question']}\nA:" for r in generate("train", n=3, seed=5)]
    outs = []
    for cache in ("dynamic", "static"):
        torch.manual_seed(0)
        outs.append(HFSampler(model, tok, SamplingParams(max_new_tokens=12), share_prompt=False, cache=cache)
                    .generate(prompts, 4))
    dynamic, static = outs
    assert torch.equal(dynamic.response_ids, static.response_ids)
    torch.testing.assert_close(static.logprobs, dynamic.logprobs, atol=1e-5, rtol=0)


def test_recomputed_old_logprobs_and_tis_change_nothing_when_the_sampler_is_the_learners_model():
    # HF samples with the learner's own weights, so the sampler's log-probs equal a recomputation up
    # to float noise: the ratio-1 update and the TIS weights (all 1 up to 1e-6) leave the update as it was
    rewards = torch.tensor([1.0, 0.1, 0.1, 0.0] * 3)
    plain, stats, _ = _update_with(False, rewards)
    fixed, fstats, _ = _update_with(False, rewards, 0.0, "sampler.recompute_logprobs=true", "algorithm.tis_cap=2.0")
    assert stats["mismatch/logprob_abs_diff"] < 1e-5 and abs(stats["mismatch/max_ratio"] - 1) < 1e-4
    assert abs(fstats["mismatch/tis_weight_mean"] - 1) < 1e-4
    assert any(d.abs().max() > 1e-4 for d in plain)
    for a, b in zip(plain, fixed):
        torch.testing.assert_close(b, a, atol=1e-5, rtol=1e-4)


def test_weights_loaded_from_two_files_compute_the_same_bits(tmp_path):
    # transformers 5 left CPU weights as views into the mapped file, aligned by its header's
    # length; the vectorised kernels then rounded differently for a checkpoint than for the start
    # weights, and a resumed PPO run drifted from the straight one by a float ulp
    import shutil
    from safetensors.torch import load_file, save_file
    from rft.models import load_critic

    src = tiny_path(CFG.tiny)
    copy = tmp_path / "copy"
    shutil.copytree(src, copy)
    save_file(load_file(src / "model.safetensors"), copy / "model.safetensors", metadata={"format": "pt", "pad": "x" * 20})
    models = [load_model(str(p), CFG) for p in (src, copy)]
    x = torch.randint(0, models[0].config.vocab_size, (4, 24))
    for m in [*models, load_critic(str(copy), CFG)]:
        assert all(t.data_ptr() % 64 == 0 for t in m.parameters()), "a weight is not in memory of its own"
    assert models[0].lm_head.weight is models[0].model.embed_tokens.weight  # the tie survives the copy
    with torch.no_grad():
        assert torch.equal(models[0](x).logits, models[1](x).logits)
