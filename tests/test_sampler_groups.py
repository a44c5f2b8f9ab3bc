"""`on_groups`: HFSampler reports each group as soon as all its rows have produced EOS, with the
texts and flags the Rollout will hold, without changing what is sampled; `Rollout.cat`."""
import torch

from rft.config import ModelConfig, TinyModelConfig
from rft.models import load_model, load_tokenizer, tiny_path
from rft.sampling import HFSampler, Rollout, SamplingParams
from rft.tasks.arith import generate

CFG = ModelConfig(tiny=TinyModelConfig(hidden_size=64, num_layers=2, num_heads=2, intermediate_size=128))
G = 4


def eos_prone(model, tok, k: float = 5.5) -> None:
    """Make the (untrained) tiny model end its responses early, at varied lengths: the EOS row of
    the tied embeddings is pointed along the mean final hidden state of some prompts (in place).
    With k = 5.5, 12 new tokens and the 8 prompts of `prompts()`, about half the groups end every
    row with EOS (after 1 to 9 tokens) and the rest have a row cut at the limit."""
    enc = tok(prompts(), return_tensors="pt", padding=True, add_special_tokens=False)
    with torch.no_grad():
        h = model(**enc, output_hidden_states=True).hidden_states[-1][enc["attention_mask"].bool()]
        m = h.mean(0)
        model.get_input_embeddings().weight[tok.eos_token_id] = k * m / m.norm() ** 2


def prompts(n: int = 8) -> list[str]:
    return [f"Q: {r['question']}\nA:" for r in generate("train", n=n, seed=5)]  # different lengths: left padding


def tiny():
    path = str(tiny_path(CFG.tiny))
    tok, model = load_tokenizer(path, CFG), load_model(path, CFG)
    eos_prone(model, tok)
    return model, tok


def sample(model, tok, on_groups=None, seed=0, **kw):
    torch.manual_seed(seed)
    return HFSampler(model, tok, SamplingParams(max_new_tokens=12), **kw).generate(prompts(), G, on_groups=on_groups)


def test_on_groups_reports_each_finished_group_once_with_the_rollouts_rows_and_samples_the_same():
    model, tok = tiny()
    for kw in ({}, {"share_prompt": False}, {"share_prompt": False, "cache": "static"}):
        calls = []
        out = sample(model, tok, lambda g, t, tr: calls.append((list(g), list(t), list(tr))), **kw)
        plain = sample(model, tok, **kw)
        # the callback changes nothing that was sampled
        assert torch.equal(out.response_ids, plain.response_ids)
        assert torch.equal(out.logprobs, plain.logprobs)  # bit-identical
        assert out.texts == plain.texts and torch.equal(out.truncated, plain.truncated)

        reported = [g for groups, _, _ in calls for g in groups]
        assert len(reported) == len(set(reported))  # each group at most once
        ended = [g for g in range(len(prompts())) if not out.truncated[g * G:(g + 1) * G].any()]
        assert sorted(reported) == ended  # every group whose rows all produced EOS, and only those
        assert 0 < len(ended) < len(prompts())  # the model makes both kinds (else the test proves little)
        assert len(calls) > 1  # reported as they finished, not all at once at the end
        for groups, texts, truncated in calls:
            rows = [g * G + j for g in groups for j in range(G)]
            assert texts == [out.texts[r] for r in rows]
            assert truncated == [bool(out.truncated[r]) for r in rows] == [False] * len(rows)
        # reported in the order the groups finished: a group reported earlier is no longer
        lengths = out.response_mask.sum(1).view(-1, G).max(1).values
        order = [lengths[g].item() for groups, _, _ in calls for g in groups]
        assert order == sorted(order)


def test_greedy_decoding_reports_groups_too():
    model, tok = tiny()
    calls = []
    params = SamplingParams(max_new_tokens=12, greedy=True, logprobs=False)
    out = HFSampler(model, tok, params).generate(prompts(), 2, on_groups=lambda g, t, tr: calls.append((g, t)))
    for groups, texts in calls:
        assert texts == [out.texts[g * 2 + j] for g in groups for j in range(2)]
    assert sorted(g for groups, _ in calls for g in groups) == \
        [g for g in range(len(prompts())) if not out.truncated[g * 2:(g + 1) * 2].any()]


def test_rollout_cat_repads_prompts_left_and_responses_right():
    model, tok = tiny()
    ps, pad = prompts(), tok.pad_token_id
    sampler = HFSampler(model, tok, SamplingParams(max_new_tokens=12))
    torch.manual_seed(0)
    a = sampler.generate(ps[:3], G)
    b = sampler.generate(ps[3:], G)
    cat = Rollout.cat([a, b], pad)
    N = len(ps) * G
    P = max(a.prompt_ids.shape[1], b.prompt_ids.shape[1])
    T = max(a.response_ids.shape[1], b.response_ids.shape[1])
    assert cat.prompt_ids.shape == cat.prompt_mask.shape == (N, P)
    assert cat.response_ids.shape == cat.response_mask.shape == cat.logprobs.shape == (N, T)
    assert cat.texts == a.texts + b.texts and cat.group_size == G
    assert torch.equal(cat.truncated, torch.cat([a.truncated, b.truncated]))
    for part, rows in ((a, slice(0, 3 * G)), (b, slice(3 * G, N))):
        p, t = part.prompt_ids.shape[1], part.response_ids.shape[1]
        assert torch.equal(cat.prompt_ids[rows, P - p:], part.prompt_ids)  # real tokens on the right
        assert (cat.prompt_ids[rows, :P - p] == pad).all() and (cat.prompt_mask[rows, :P - p] == 0).all()
        assert torch.equal(cat.response_ids[rows, :t], part.response_ids)
        assert (cat.response_ids[rows, t:] == pad).all() and (cat.response_mask[rows, t:] == 0).all()
        assert (cat.logprobs[rows, t:] == 0).all() and torch.equal(cat.logprobs[rows, :t], part.logprobs)
        # each row's tokens are the same sequence: decoding the padded rows gives the same texts
    assert tok.batch_decode(cat.response_ids, skip_special_tokens=True) == cat.texts
    assert Rollout.cat([a], pad) is a
