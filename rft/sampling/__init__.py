"""Samplers: prompts in, `Rollout`s (token ids, sampled log-probs, text) out. No rewards here."""
from rft.sampling.base import Rollout, Sampler, SamplingParams  # noqa: F401
from rft.sampling.hf import HFSampler  # noqa: F401


def vllm_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("vllm") is not None


def backend_of(cfg, device: str) -> str:
    """`sampler.backend` resolved: auto is vllm on a GPU when vLLM is installed, else hf."""
    b = cfg.sampler.backend
    if b == "auto":
        return "vllm" if device == "cuda" and vllm_available() else "hf"
    return b


def build_sampler(cfg, model, tokenizer, device: str, model_path: str | None = None, make_env=None):
    """The sampler named by `sampler.backend` and `sampler.executor`, over the learner's policy
    `model` on `device`; `model_path`: where a sampler with its own copy of the weights (vllm, or
    hf under one-step-off training) loads them from first. Ray rollout actors build their model
    from `model`'s config and sample nothing before the trainer's first `load_weights`.
    `make_env` (tools or an environment): the backend wrapped in an `EpisodeSampler`, one
    environment per rollout."""
    s = cfg.sampler
    if make_env is not None:
        from rft.sampling.episodes import EpisodeSampler

        backend = build_sampler(cfg, model, tokenizer, device, model_path)
        return EpisodeSampler(backend, tokenizer, make_env, backend.params, max_turns=s.max_turns,
                              workers=s.env_workers)
    params = SamplingParams(max_new_tokens=s.max_new_tokens, temperature=s.temperature, top_p=s.top_p, top_k=s.top_k)
    if s.executor == "ray":
        from rft.sampling.ray import RaySampler

        return RaySampler(cfg, model, tokenizer, params, workers=s.workers, device=device, address=s.ray_address)
    backend = backend_of(cfg, device)
    if backend == "vllm":
        from rft.sampling.vllm import VLLMSampler

        return VLLMSampler(model_path, tokenizer, params, device=device, dtype=cfg.model.dtype, seed=cfg.train.seed,
                           gpu_memory_utilization=s.gpu_memory_utilization,
                           trust_remote_code=cfg.model.trust_remote_code, sleep=cfg.train.async_ == "off")
    cache = s.cache if s.cache != "auto" else ("static" if device == "cuda" else "dynamic")
    if cfg.train.async_ != "off":  # it samples while the learner updates: a model of its own
        from rft.models import load_model

        own = load_model(model_path, cfg.model, trainable=False).to(device)
        return HFSampler(own, tokenizer, params, share_prompt=cfg.train.share_prompt, cache=cache, owns_weights=True)
    return HFSampler(model, tokenizer, params, share_prompt=cfg.train.share_prompt, cache=cache)
