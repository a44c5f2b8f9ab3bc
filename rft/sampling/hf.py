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

`on_groups` (see `Sampler.generate`) is served by a `StoppingCriteria` that never stops anything:
after each decoding step it marks the rows whose new token is EOS and, once every row of a group
has one, decodes those rows (up to and including the first EOS, special tokens skipped: the very
strings `batch_decode` gives for the final padded rows) and calls `on_groups` from the decoding
loop, so the caller can score that group while the others decode. It draws no random numbers and
changes no logits, so the sampled tokens and log-probs are the same with and without it; rows
cut at `max_new_tokens` are only known when `generate` returns, and their groups are not
reported. Without `on_groups` it is not installed at all.

`cache="static"` (the default on a GPU) asks transformers for its static KV cache, which it
compiles; the per-token Python overhead of the dynamic cache is most of a small model's decode
time on a GPU. A static cache cannot take the shared prefill, so the prompt runs n times then.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import torch
from transformers import LogitsProcessor, LogitsProcessorList, StoppingCriteria, StoppingCriteriaList

from rft.models import cache_kwarg, prefill_and_repeat, unwrap_ddp
from rft.sampling.base import GroupsCallback, Rollout, SamplingParams, Turn


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


class GroupReporter(StoppingCriteria):
    """Calls `on_groups` with each group as soon as all its n rows have produced EOS; stops nothing.

    Called by `generate` after every decoding step with the sequences so far (prompt included, the
    step's token last). One comparison and one `any()` per step; decoding only for groups that
    have just finished.
    """

    def __init__(self, tokenizer, n: int, prompt_len: int, on_groups: GroupsCallback):
        self.tok, self.n, self.prompt_len, self.on_groups = tokenizer, n, prompt_len, on_groups
        self.eos_id = tokenizer.eos_token_id
        self.ended = None  # (N,) bool: the row has produced EOS
        self.reported = None  # (B,) bool: the group has been reported

    def __call__(self, input_ids: torch.Tensor, scores, **kwargs) -> torch.Tensor:
        is_eos = input_ids[:, -1] == self.eos_id
        if self.ended is None:
            self.ended = is_eos.clone()
            self.reported = torch.zeros(input_ids.shape[0] // self.n, dtype=torch.bool, device=input_ids.device)
        else:
            self.ended |= is_eos
        new = self.ended.view(-1, self.n).all(dim=1) & ~self.reported
        if new.any():
            self.reported |= new
            self._report(input_ids, new.nonzero().view(-1).tolist())
        return torch.zeros_like(is_eos)  # never stops a row: EOS and max_new_tokens do that

    def _report(self, input_ids: torch.Tensor, groups: list[int]) -> None:
        rows = [g * self.n + j for g in groups for j in range(self.n)]
        resp = input_ids[rows, self.prompt_len:].cpu()
        first_eos = (resp == self.eos_id).int().argmax(dim=1)  # every reported row has one
        texts = self.tok.batch_decode([r[:k + 1].tolist() for r, k in zip(resp, first_eos.tolist())],
                                      skip_special_tokens=True)
        self.on_groups(groups, texts, [False] * len(rows))


class StopStrings(StoppingCriteria):
    """Ends each row's turn once one of `stops` appears in the text of its new tokens (the tokens
    that complete it stay in the turn). Per step it decodes only the last few tokens of the rows
    still going; `at[i]` is how many new tokens row i had when it stopped (-1: it did not)."""

    def __init__(self, tokenizer, stops: list[str], start: int):
        self.tok, self.stops, self.start = tokenizer, list(stops), start
        self.window = max(len(x) for x in self.stops) + 1  # every token is at least one character
        self.at: list[int] | None = None

    def __call__(self, input_ids: torch.Tensor, scores, **kwargs) -> torch.Tensor:
        new = input_ids[:, self.start:]
        N, k = new.shape
        if self.at is None:
            self.at = [-1] * N
        hit = torch.zeros(N, dtype=torch.bool, device=input_ids.device)
        rows = [i for i in range(N) if self.at[i] < 0]
        if rows:
            tails = self.tok.batch_decode(new[rows, max(0, k - self.window):].tolist(), skip_special_tokens=True)
            for i, text in zip(rows, tails):
                if any(x in text for x in self.stops):
                    self.at[i], hit[i] = k, True
        return hit


def load_named_weights(model: torch.nn.Module, weights: dict[str, torch.Tensor]) -> None:
    """Copy `weights` (name -> tensor) into `model` in place, strict about names.

    Every parameter must be present under one of its names (a tied lm_head is the embedding: one
    name for both is enough); a name the model does not have, or a shape that differs, is an error.
    Persistent buffers are loaded when given.
    """
    by_tensor: dict[int, tuple[torch.Tensor, list[str], bool]] = {}
    param_ids = {id(p) for p in model.parameters()}
    for name, t in model.state_dict(keep_vars=True).items():
        entry = by_tensor.setdefault(id(t), (t, [], id(t) in param_ids))
        entry[1].append(name)
    known = {name for _, names, _ in by_tensor.values() for name in names}
    unknown = sorted(set(weights) - known)
    missing = [names[0] for _, names, is_param in by_tensor.values()
               if is_param and not any(n in weights for n in names)]
    if unknown or missing:
        def some(names: list[str]) -> str:
            return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")

        raise ValueError("the weights do not match the rollout model: "
                         + "; ".join(([f"missing {some(missing)}"] if missing else [])
                                     + ([f"unknown {some(unknown)}"] if unknown else [])))
    with torch.no_grad():
        for t, names, _ in by_tensor.values():
            name = next((n for n in names if n in weights), None)
            if name is None:
                continue  # a buffer that was not sent: the model's own
            w = weights[name]
            if w.shape != t.shape:
                raise ValueError(f"the weights do not match the rollout model: {name} has shape "
                                 f"{tuple(w.shape)}, the model's is {tuple(t.shape)}")
            t.copy_(w)


class HFSampler:
    """`Sampler` over a transformers causal LM: by default the learner's own policy module (no
    weight copy, nothing to load); with `owns_weights` a model of its own, into which
    `load_weights` copies the learner's (one-step-off training samples while the learner updates,
    so the two cannot share one module)."""

    def __init__(self, model, tokenizer, params: SamplingParams, *, share_prompt: bool = True, cache: str = "dynamic",
                 owns_weights: bool = False):
        self.model, self.tok, self.params = unwrap_ddp(model), tokenizer, params
        self.share_prompt, self.cache, self.owns_weights = share_prompt, cache, owns_weights
        self.weights_version = 0

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def load_weights(self, weights: Iterable[tuple[str, torch.Tensor]], version: int) -> None:
        if self.owns_weights:  # copied while iterating: a LoRA export's merged views change after
            load_named_weights(self.model, {k: v.detach().clone() for k, v in weights})
        self.weights_version = version  # else the policy module is shared with the learner: nothing to copy

    @torch.no_grad()
    def generate(self, prompts: list[str], n: int, params: SamplingParams | None = None,
                 on_groups: GroupsCallback | None = None) -> Rollout:
        """n responses to each prompt, rows of one prompt adjacent. `on_groups`: called from this
        thread, between decoding steps, with each group whose rows have all produced EOS (see
        `Sampler.generate`); groups with a row cut at max_new_tokens are never reported."""
        p = params or self.params
        enc = self.tok(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(self.device)
        was_training = self.model.training
        self.model.eval()
        kw = dict(max_new_tokens=p.max_new_tokens, pad_token_id=self.tok.pad_token_id,
                  eos_token_id=self.tok.eos_token_id, use_cache=True)
        if self.cache == "static":
            kw["cache_implementation"] = "static"
        if on_groups is not None:
            P = enc["input_ids"].shape[1]
            kw["stopping_criteria"] = StoppingCriteriaList([GroupReporter(self.tok, n, P, on_groups)])
        prompt_ids = enc["input_ids"].repeat_interleave(n, dim=0)
        prompt_mask = enc["attention_mask"].repeat_interleave(n, dim=0)
        try:
            if p.greedy:  # evaluation: argmax decoding, the prompt as given n times (transformers refuses
                # num_return_sequences > 1 without sampling, so the rows are repeated here)
                seqs = self.model.generate(input_ids=prompt_ids, attention_mask=prompt_mask, do_sample=False,
                                           temperature=None, top_p=None, top_k=None, **kw)
                recorder = None
            else:
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
        finally:
            self.model.train(was_training)
        response_ids = seqs[:, prompt_ids.shape[1]:]
        response_mask, truncated = _response_mask(response_ids, self.tok.eos_token_id)
        response_ids = response_ids.masked_fill(response_mask == 0, self.tok.pad_token_id)
        logprobs = recorder.finish(response_ids) * response_mask if recorder else None
        texts = self.tok.batch_decode(response_ids, skip_special_tokens=True)
        return Rollout(prompt_ids=prompt_ids, prompt_mask=prompt_mask, response_ids=response_ids,
                       response_mask=response_mask, logprobs=logprobs, texts=texts, truncated=truncated,
                       group_size=n)


    @torch.no_grad()
    def generate_ids(self, contexts: list[list[int]], params: SamplingParams, stop: Sequence[str] = (),
                     max_new: list[int] | None = None) -> list[Turn]:
        """One turn per token context (see `Sampler.generate_ids`). The contexts are left-padded
        into one batch and decoded together (dynamic KV cache, each context prefilled in full: a
        multi-turn rollout re-reads its earlier turns as tokens, it never re-tokenizes their text);
        rows that stop early are padded until the batch ends and their padding is cut off here."""
        p = params
        max_new = list(max_new) if max_new is not None else [p.max_new_tokens] * len(contexts)
        L = max(len(c) for c in contexts)
        pad = self.tok.pad_token_id
        ids = torch.tensor([[pad] * (L - len(c)) + list(c) for c in contexts], dtype=torch.long, device=self.device)
        mask = torch.tensor([[0] * (L - len(c)) + [1] * len(c) for c in contexts], dtype=torch.long,
                            device=self.device)
        kw = dict(max_new_tokens=max(max_new), pad_token_id=pad, eos_token_id=self.tok.eos_token_id, use_cache=True)
        stopper = StopStrings(self.tok, list(stop), L) if stop else None
        if stopper is not None:
            kw["stopping_criteria"] = StoppingCriteriaList([stopper])
        was_training = self.model.training
        self.model.eval()
        try:
            if p.greedy:
                seqs = self.model.generate(input_ids=ids, attention_mask=mask, do_sample=False, temperature=None,
                                           top_p=None, top_k=None, **kw)
                recorder = None
            else:
                recorder = TokenLogprobs(p.temperature) if p.logprobs else None
                seqs = self.model.generate(input_ids=ids, attention_mask=mask, do_sample=True,
                                           temperature=p.temperature, top_p=p.top_p, top_k=p.top_k or None,
                                           logits_processor=LogitsProcessorList([recorder]) if recorder else None,
                                           **kw)
        finally:
            self.model.train(was_training)
        new = seqs[:, L:]
        lps = recorder.finish(new).tolist() if recorder is not None and new.shape[1] else None
        eos = self.tok.eos_token_id
        out = []
        for i, toks in enumerate(new.tolist()):
            end, finish = len(toks), "length"
            if eos in toks:
                end, finish = toks.index(eos) + 1, "eos"
            if stopper is not None and stopper.at and 0 <= stopper.at[i] <= end:  # <=: a batch whose last
                # row stopped ends on that row's stop token
                end, finish = stopper.at[i], "stop"
            if end > max_new[i]:
                end, finish = max_new[i], "length"
            out.append(Turn(toks[:end], None if lps is None else lps[i][:end], finish))
        return out
