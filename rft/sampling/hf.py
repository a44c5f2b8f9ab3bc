"""Sampling on Hugging Face `generate`: batched, n samples per prompt, KV cache on.

The log-prob of every sampled token is computed from the raw logits `generate` returns
(`output_logits=True`) at the sampling temperature, so the first optimizer epoch uses them as the
"old" log-probs and needs no extra forward pass. With top_p/top_k < full vocabulary the recorded
log-prob is still that of the temperature-scaled policy (not the truncated distribution), which
is what the importance ratio compares against.

With `share_prompt` (the default) each distinct prompt is prefilled once and its KV cache
repeated n times before `generate` continues from it: the n samples of a group share the prompt,
so this draws from the same distribution while the prefill costs 1/n as much.
"""
from __future__ import annotations

import torch

from rft.algorithms import logprobs_from_logits
from rft.models import cache_kwarg, prefill_and_repeat
from rft.sampling.base import Rollout


def _response_mask(response_ids: torch.Tensor, eos_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """1 up to and including the first EOS; and whether a row never produced EOS."""
    is_eos = response_ids == eos_id
    # tokens strictly after the first EOS: a cumulative count of EOS seen before this position
    after = (is_eos.cumsum(dim=1) - is_eos.long()) > 0
    return (~after).long(), ~is_eos.any(dim=1)


class HFSampler:
    def __init__(self, model, tokenizer, *, temperature: float = 1.0, top_p: float = 1.0, top_k: int = 0,
                 max_new_tokens: int = 32, share_prompt: bool = True):
        self.model, self.tok, self.share_prompt = model, tokenizer, share_prompt
        self.temperature, self.top_p, self.top_k, self.max_new_tokens = temperature, top_p, top_k, max_new_tokens

    @torch.no_grad()
    def generate(self, prompts: list[str], n: int) -> Rollout:
        enc = self.tok(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
        prompt_ids = enc["input_ids"].repeat_interleave(n, dim=0)
        prompt_mask = enc["attention_mask"].repeat_interleave(n, dim=0)
        was_training = self.model.training
        self.model.eval()
        extra = {}
        if self.share_prompt and n > 1 and prompt_ids.shape[1] > 1:
            # the cache of all but the last prompt token, once per prompt: `generate` sees a cache
            # shorter than its input and runs only that last token, as a full prefill would
            _, cache = prefill_and_repeat(self.model, enc["input_ids"][:, :-1], enc["attention_mask"][:, :-1], n)
            extra[cache_kwarg(self.model)] = cache
        out = self.model.generate(
            input_ids=prompt_ids, attention_mask=prompt_mask, do_sample=True, temperature=self.temperature,
            top_p=self.top_p, top_k=self.top_k or None, max_new_tokens=self.max_new_tokens,
            pad_token_id=self.tok.pad_token_id, eos_token_id=self.tok.eos_token_id,
            output_logits=True, return_dict_in_generate=True, use_cache=True, **extra,
        )
        self.model.train(was_training)
        response_ids = out.sequences[:, prompt_ids.shape[1]:]
        logits = torch.stack(out.logits, dim=1)  # (N, T, V) raw, before temperature/top-p
        logprobs = logprobs_from_logits(logits, response_ids, temperature=self.temperature)
        response_mask, truncated = _response_mask(response_ids, self.tok.eos_token_id)
        response_ids = response_ids.masked_fill(response_mask == 0, self.tok.pad_token_id)
        texts = self.tok.batch_decode(response_ids, skip_special_tokens=True)
        return Rollout(prompt_ids=prompt_ids, prompt_mask=prompt_mask, response_ids=response_ids,
                       response_mask=response_mask, logprobs=logprobs * response_mask, texts=texts,
                       truncated=truncated, group_size=n)


@torch.no_grad()
def greedy_generate(model, tokenizer, prompts: list[str], max_new_tokens: int, batch_size: int = 100,
                    n: int = 1, temperature: float = 1.0) -> list[list[str]]:
    """Completions per prompt: greedy when n == 1, else n samples at `temperature` (for pass@k)."""
    was_training = model.training
    model.eval()
    out: list[list[str]] = []
    for i in range(0, len(prompts), batch_size):
        enc = tokenizer(prompts[i:i + batch_size], return_tensors="pt", padding=True, add_special_tokens=False)
        seqs = model.generate(**enc, do_sample=n > 1, temperature=temperature if n > 1 else None,
                              top_p=None, top_k=None, num_return_sequences=n, max_new_tokens=max_new_tokens,
                              pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id)
        texts = tokenizer.batch_decode(seqs[:, enc["input_ids"].shape[1]:], skip_special_tokens=True)
        out += [texts[j * n:(j + 1) * n] for j in range(len(texts) // n)]
    model.train(was_training)
    return out
