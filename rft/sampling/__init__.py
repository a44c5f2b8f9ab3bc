"""Samplers: prompts in, `Rollout`s (token ids, sampled log-probs, text) out. No rewards here."""
from rft.sampling.base import Rollout, Sampler  # noqa: F401
from rft.sampling.hf import HFSampler, greedy_generate  # noqa: F401
