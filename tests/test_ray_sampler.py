"""RaySampler: rollout actors that build the model from its config, take the learner's weights
through the object store, and sample exactly those weights; groups reported through Ray."""
import copy

import pytest
import torch

pytest.importorskip("ray")

from conftest import ROOT, TINY  # noqa: E402
from test_sampler_groups import G, prompts, tiny  # noqa: E402

from rft import algorithms as algo  # noqa: E402
from rft import cluster  # noqa: E402
from rft.learner import forward_logits  # noqa: E402
from rft.sampling import SamplingParams  # noqa: E402
from rft.sampling.ray import RaySampler, load_named_weights, shares  # noqa: E402


@pytest.fixture(scope="module")
def ray_cluster():
    cluster.connect(None, num_cpus=4)
    yield
    cluster.shutdown()


@pytest.fixture(scope="module")
def cfg():
    from rft.config import load_config

    return load_config(ROOT / "tasks" / "arith.yaml", [a for prev, a in zip(TINY, TINY[1:]) if prev == "--set"])


def driver_logprobs(model, rollout) -> torch.Tensor:
    """The driver's own log-probs of the sampled tokens (a plain full forward), 0 past EOS."""
    with torch.no_grad():
        logits = forward_logits(model, rollout, slice(0, rollout.response_ids.shape[0]), share_prompt=False)
        return algo.logprobs_from_logits(logits, rollout.response_ids) * rollout.response_mask


@pytest.mark.parametrize("workers", [1, 2])
def test_actors_sample_with_exactly_the_weights_pushed_to_them(ray_cluster, cfg, workers):
    model, tok = tiny()
    ps = prompts()
    sampler = RaySampler(cfg, model, tok, SamplingParams(max_new_tokens=12), workers=workers, device="cpu")
    try:
        with pytest.raises(RuntimeError, match="load_weights"):
            sampler.generate(ps, G)  # no weights yet

        sampler.load_weights(model.named_parameters(), version=3)
        calls = []
        out = sampler.generate(ps, G, on_groups=lambda g, t, tr: calls.append((g, t, tr)))
        N = len(ps) * G
        assert sampler.weights_version == 3
        assert out.response_ids.shape[0] == out.logprobs.shape[0] == len(out.texts) == N and out.group_size == G
        assert out.response_ids.shape[1] <= 12
        enc = tok(ps, return_tensors="pt", padding=True, add_special_tokens=False)
        assert torch.equal(out.prompt_ids, enc["input_ids"].repeat_interleave(G, 0))  # groups in prompt order
        assert torch.equal(out.prompt_mask, enc["attention_mask"].repeat_interleave(G, 0))
        assert tok.batch_decode(out.response_ids, skip_special_tokens=True) == out.texts
        torch.testing.assert_close(out.logprobs, driver_logprobs(model, out), atol=1e-4, rtol=0)

        # on_groups through Ray: every group whose rows all ended with EOS, once, by global index
        reported = [g for groups, _, _ in calls for g in groups]
        ended = [g for g in range(len(ps)) if not out.truncated[g * G:(g + 1) * G].any()]
        assert sorted(reported) == ended and len(reported) == len(set(reported))
        assert 0 < len(ended) < len(ps)
        for groups, texts, truncated in calls:
            assert texts == [out.texts[g * G + j] for g in groups for j in range(G)]
            assert truncated == [False] * len(texts)

        # new weights on the driver, pushed again: the actors sample the new ones, not the old
        new = copy.deepcopy(model)
        gen = torch.Generator().manual_seed(1)
        with torch.no_grad():
            for p in new.parameters():
                p.add_(0.05 * torch.randn(p.shape, generator=gen))
        sampler.load_weights(new.named_parameters(), version=4)
        out = sampler.generate(ps, G)
        assert sampler.weights_version == 4
        torch.testing.assert_close(out.logprobs, driver_logprobs(new, out), atol=1e-4, rtol=0)
        assert (out.logprobs - driver_logprobs(model, out)).abs().max() > 1e-2

        few = sampler.generate(ps[:1], G)  # fewer prompts than actors: the others sit it out
        assert few.response_ids.shape[0] == G
        torch.testing.assert_close(few.logprobs, driver_logprobs(new, few), atol=1e-4, rtol=0)
    finally:
        sampler.close()


def test_weights_are_loaded_strictly_by_name():
    model, _ = tiny()
    target = copy.deepcopy(model)
    with torch.no_grad():
        for p in target.parameters():
            p.zero_()
    weights = dict(model.named_parameters())
    assert "lm_head.weight" not in weights  # tied: the embedding's name stands for both
    load_named_weights(target, {k: v.detach() for k, v in weights.items()})
    for (name, a), b in zip(model.state_dict().items(), target.state_dict().values()):
        assert torch.equal(a, b), name
    assert target.lm_head.weight is target.get_input_embeddings().weight
    missing = {k: v for k, v in weights.items() if k != "model.norm.weight"}
    with pytest.raises(ValueError, match="missing model.norm.weight"):
        load_named_weights(target, missing)
    with pytest.raises(ValueError, match="unknown model.extra"):
        load_named_weights(target, {**weights, "model.extra": torch.zeros(1)})
    with pytest.raises(ValueError, match="shape"):
        load_named_weights(target, {**weights, "model.norm.weight": torch.zeros(3)})


def test_prompts_are_split_in_contiguous_shares():
    assert shares(8, 2) == [(0, 4), (4, 8)]
    assert shares(7, 3) == [(0, 3), (3, 5), (5, 7)]
    assert shares(1, 3) == [(0, 1), (1, 1), (1, 1)]
