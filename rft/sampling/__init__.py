"""Samplers: prompts in, `Rollout`s (token ids, sampled log-probs, text) out. No rewards here."""
from rft.sampling.base import Rollout, Sampler, SamplingParams  # noqa: F401
from rft.sampling.hf import HFSampler  # noqa: F401


def build_sampler(cfg, model, tokenizer, device: str):
    """The sampler named by `sampler.backend`, over the learner's policy `model` on `device`."""
    s = cfg.sampler
    params = SamplingParams(max_new_tokens=s.max_new_tokens, temperature=s.temperature, top_p=s.top_p, top_k=s.top_k)
    if s.backend == "hf":
        cache = s.cache if s.cache != "auto" else ("static" if device == "cuda" else "dynamic")
        return HFSampler(model, tokenizer, params, share_prompt=cfg.train.share_prompt, cache=cache)
    raise ValueError(f"unknown sampler.backend {s.backend!r}")  # the config's Literal lists the backends
