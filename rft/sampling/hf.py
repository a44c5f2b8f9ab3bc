"""Sampling on Hugging Face `generate`: batched, n samples per prompt, KV cache on, on the model's device.

The log-prob of every sampled token is taken from the raw logits at the sampling temperature by a
logits processor that runs before temperature/top-p/top-k, one decoding step at a time (it holds
one (N, V) row of logits, never the (N, T, V) stack that `output_logits=True` would keep: 10 GB
in bf16 for 128 x 256 tokens of a 152k vocabulary). The first optimizer epoch uses them as the
"old" log-probs and needs no extra forward pass. With top_p/top_k below the full vocabulary the
recorded log-prob is still that of the temperature-scaled policy (not the truncated distribution),
which is what the importance ratio compares against.

With `share_prompt` (the default) each distinct prompt is prefilled once and its KV cache
repeated n times before `generate` continues from it: the n samples of a group share the prompt,
so this draws from the same distribution while the prefill costs 1/n as much.

`cache="static"` (the default on a GPU) asks transformers for its static KV cache, which it
compiles; the per-token Python overhead of the dynamic cache is most of a small model's decode
time on a GPU. A static cache cannot take the shared prefill, so the prompt runs n times then.
"""
from __future__ import annotations

from typing import Iterable

import torch
from transformers import LogitsProcessor, LogitsProcessorList

from rft.models import cache_kwarg, prefill_and_repeat, unwrap_ddp
from rft.sampling.base import Rollout, SamplingParams


def _response_mask(response_ids: torch.Tensor, eos_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """1 up to and including the first EOS; and whether a row never produced EOS."""
    is_eos = response_ids == eos_id
    # tokens strictly after the first EOS: a cumulative count of EOS seen before this position
    after = (is_eos.cumsum(dim=1) - is_eos.long()) > 0
    return (~after).long(), ~is_eos.any(dim=1)


class TokenLogprobs(LogitsProcessor):
    """Records log softmax(raw logits / temperature) of each sampled token, one step behind.

    At step t it sees the logits of step t and the token chosen at step t - 1 (the last column of
    `input_ids`), so it keeps one step's logits; `finish` reads the last token from the output.
    """

    def __init__(self, temperature: float):
        self.temperature, self.prev, self.out = temperature, None, []

    def _take(self, token: torch.Tensor) -> None:
        logits = self.prev.float()  # never modified: the sampler goes on with its own copy
        if self.temperature != 1.0:
            logits = logits / self.temperature
        picked = logits.gather(-1, token[:, None]).squeeze(-1)
        self.out.append(picked - torch.logsumexp(logits, dim=-1))

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        if self.prev is not None:
            self._take(input_ids[:, -1])
        self.prev = scores
        return scores

    def finish(self, response_ids: torch.Tensor) -> torch.Tensor:
        """(N, T) float32 log-probs of the response tokens."""
        if self.prev is not None and len(self.out) < response_ids.shape[1]:
            self._take(response_ids[:, len(self.out)])
        self.prev = None
        return torch.stack(self.out, dim=1)


class HFSampler:
    """`Sampler` over a transformers causal LM (the learner's own policy module: no weight copy)."""

    def __init__(self, model, tokenizer, params: SamplingParams, *, share_prompt: bool = True, cache: str = "dynamic"):
        self.model, self.tok, self.params = unwrap_ddp(model), tokenizer, params
        self.share_prompt, self.cache = share_prompt, cache
        self.weights_version = 0

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def load_weights(self, weights: Iterable[tuple[str, torch.Tensor]], version: int) -> None:
        self.weights_version = version  # the policy module is shared with the learner: nothing to copy

    @torch.no_grad()
    def generate(self, prompts: list[str], n: int, params: SamplingParams | None = None) -> Rollout:
        p = params or self.params
        enc = self.tok(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(self.device)
        was_training = self.model.training
        self.model.eval()
        kw = dict(max_new_tokens=p.max_new_tokens, pad_token_id=self.tok.pad_token_id,
                  eos_token_id=self.tok.eos_token_id, use_cache=True)
        if self.cache == "static":
            kw["cache_implementation"] = "static"
        if p.greedy:  # evaluation: argmax decoding, the prompt as given n times
            seqs = self.model.generate(**enc, do_sample=False, temperature=None, top_p=None, top_k=None,
                                       num_return_sequences=n, **kw)
            prompt_ids = enc["input_ids"].repeat_interleave(n, dim=0)
            prompt_mask = enc["attention_mask"].repeat_interleave(n, dim=0)
            recorder = None
        else:
            prompt_ids = enc["input_ids"].repeat_interleave(n, dim=0)
            prompt_mask = enc["attention_mask"].repeat_interleave(n, dim=0)
            if self.share_prompt and self.cache != "static" and n > 1 and prompt_ids.shape[1] > 1:
                # the cache of all but the last prompt token, once per prompt: `generate` sees a cache
                # shorter than its input and runs only that last token, as a full prefill would
                _, cache = prefill_and_repeat(self.model, enc["input_ids"][:, :-1], enc["attention_mask"][:, :-1], n)
                kw[cache_kwarg(self.model)] = cache
            recorder = TokenLogprobs(p.temperature) if p.logprobs else None
            seqs = self.model.generate(
                input_ids=prompt_ids, attention_mask=prompt_mask, do_sample=True, temperature=p.temperature,
                top_p=p.top_p, top_k=p.top_k or None,
                logits_processor=LogitsProcessorList([recorder]) if recorder else None, **kw)
        self.model.train(was_training)
        response_ids = seqs[:, prompt_ids.shape[1]:]
        response_mask, truncated = _response_mask(response_ids, self.tok.eos_token_id)
        response_ids = response_ids.masked_fill(response_mask == 0, self.tok.pad_token_id)
        logprobs = recorder.finish(response_ids) * response_mask if recorder else None
        texts = self.tok.batch_decode(response_ids, skip_special_tokens=True)
        return Rollout(prompt_ids=prompt_ids, prompt_mask=prompt_mask, response_ids=response_ids,
                       response_mask=response_mask, logprobs=logprobs, texts=texts, truncated=truncated,
                       group_size=n)

