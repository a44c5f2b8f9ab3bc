"""Sampling on Ray actors: `workers` rollout actors, each with its own copy of the policy.

What runs where:
- The trainer process (the Ray driver) keeps the learner and a `RaySampler`. It never samples.
- Each rollout actor (`RolloutWorker`, placed by Ray on any node of the cluster with room: one GPU
  each on a GPU cluster, `threads` CPUs each otherwise) builds the model from the `transformers`
  config object and the tokenizer that the driver sends it once (both pickled through the object
  store: no model directory, no shared filesystem, nothing downloaded on the worker's node), with
  `AutoModelForCausalLM.from_config` in `model.dtype`, and samples with an `HFSampler` over it.
- Weights go from the learner to the actors through the object store: `load_weights` copies the
  learner's named tensors to host memory once (in the actors' dtype), `ray.put`s them once, and
  every actor reads that one object (from its node's store: on a multi-node cluster Ray moves it
  once per node) and copies it into its model, strict about names. It returns when every actor
  has the new weights, so no batch mixes two versions.
- `generate` splits the prompts into `workers` contiguous shares of whole groups; each actor runs
  its share as a streaming task that yields ("groups", ...) as its HFSampler reports finished
  groups (the decoding runs in a thread of the actor; the callback queues, the task yields) and a
  final ("rollout", Rollout). The driver drains all streams at once (`ray.wait` over them), calls
  `on_groups` with global group indices as groups arrive, and returns the shares' rollouts
  concatenated in prompt order, on the driver's device.

Scaling to a multi-node cluster: point `address` at it (`auto`, `host:6379`, `ray://host:10001`);
`rft` must be importable on the workers (installed there, as Ray needs for any library actor).
Actors are placed by Ray's scheduler, so `workers` is bounded only by the cluster's GPUs (or
CPUs); every step's cost on the driver is one host copy of the weights and one `ray.put`.

Out of scope here: NCCL weight broadcast between GPUs (learner GPU -> actor GPUs without the
host round trip) and tensor/pipeline-parallel actors. The object-store path works on GPUs too;
it costs a device-to-host copy on the learner and a host-to-device copy per actor per update.
"""
from __future__ import annotations

import os
import queue
import threading
from typing import Iterable

import torch

from rft.sampling.base import GroupsCallback, Rollout, SamplingParams
from rft.sampling.hf import load_named_weights  # noqa: F401  (the actors load with it)


class RolloutWorker:
    """One rollout actor: a model built from a config, weights pushed by the driver, an HFSampler.

    Wrapped with `ray.remote` by `RaySampler` (so this module imports without Ray).
    """

    def __init__(self, model_config, generation_config, tokenizer, params: SamplingParams, *, dtype: str,
                 device: str, seed: int, index: int, threads: int, share_prompt: bool, cache: str,
                 trust_remote_code: bool = False):
        from transformers import AutoModelForCausalLM

        from rft.models import DTYPES
        from rft.sampling.hf import HFSampler

        self.threads = threads if device == "cpu" else None
        if self.threads:
            torch.set_num_threads(self.threads)
        torch.manual_seed(seed + index)
        self.index, self.device = index, torch.device(device)
        # built on its device and initialised as usual (seconds on a GPU): transformers' no_init_weights
        # would also skip tying lm_head to the embeddings, and any buffer set up by _init_weights
        with self.device:
            model = AutoModelForCausalLM.from_config(model_config, dtype=DTYPES[dtype],
                                                     trust_remote_code=trust_remote_code)
        if generation_config is not None:
            model.generation_config = generation_config
        model.eval().requires_grad_(False)
        self.sampler = HFSampler(model, tokenizer, params, share_prompt=share_prompt, cache=cache)
        self.weights_version: int | None = None

    def ready(self) -> dict:
        import socket

        return {"index": self.index, "host": socket.gethostname(), "device": str(self.device),
                "threads": torch.get_num_threads()}

    def load_weights(self, weights: dict[str, torch.Tensor], version: int) -> int:
        load_named_weights(self.sampler.model, weights)
        self.weights_version = version
        self.sampler.load_weights((), version)
        return version

    def generate(self, prompts: list[str], n: int, params: SamplingParams | None, report: bool):
        """Streaming: ("groups", local group indices, texts, truncated) as groups finish (if
        `report`), then ("rollout", Rollout on the CPU, weights version)."""
        if self.weights_version is None:
            raise RuntimeError(f"rollout actor {self.index} has no weights: load_weights first")
        items: queue.SimpleQueue = queue.SimpleQueue()

        def on_groups(groups, texts, truncated):
            items.put(("groups", list(groups), list(texts), list(truncated)))

        def run():
            try:
                if self.threads:  # a new thread may not inherit the intra-op thread count
                    torch.set_num_threads(self.threads)
                out = self.sampler.generate(prompts, n, params, on_groups=on_groups if report else None)
                items.put(("rollout", out.to("cpu"), self.weights_version))
            except BaseException as e:  # noqa: BLE001 - re-raised in the actor's task below
                items.put(("error", e))

        threading.Thread(target=run, name=f"rollout-{self.index}", daemon=True).start()
        while True:
            item = items.get()
            if item[0] == "error":
                raise item[1]
            yield item
            if item[0] == "rollout":
                return


def shares(num_prompts: int, workers: int) -> list[tuple[int, int]]:
    """[lo, hi) prompt ranges, contiguous, as even as can be; the first `num_prompts % workers` get one more."""
    base, extra = divmod(num_prompts, workers)
    out, lo = [], 0
    for i in range(workers):
        hi = lo + base + (i < extra)
        out.append((lo, hi))
        lo = hi
    return out


class RaySampler:
    """`Sampler` on `workers` Ray actors, each with its own copy of the weights (see the module doc).

    `model`: a model directory or hub id (its config and generation config are read here, on the
    driver), a `transformers` config object, or a model (its config; a peft wrapper's base model's).
    `device`: where the returned Rollout's tensors go (the learner's device). `actor_device`:
    where the actors sample; default `device` (cuda: one GPU per actor, requested from Ray).
    """

    def __init__(self, cfg, model, tokenizer, params: SamplingParams, *, workers: int, device: str,
                 address: str | None = None, actor_device: str | None = None, start_timeout_s: float = 600.0):
        from rft.cluster import connect, require_ray

        ray = require_ray(field="sampler.executor")
        self.cfg, self.tok, self.params, self.workers = cfg, tokenizer, params, workers
        self.device = torch.device(device)
        actor_device = actor_device or self.device.type
        model_config, generation_config = _model_config(model, cfg)
        from rft.models import DTYPES

        self.dtype_name = cfg.model.dtype
        self.dtype = DTYPES[self.dtype_name]
        gpu = actor_device == "cuda"
        threads = 1 if gpu else max(1, (os.cpu_count() or 1) // workers)
        connect(address, num_cpus=workers * threads, field="sampler.ray_address")
        cache = cfg.sampler.cache if cfg.sampler.cache != "auto" else ("static" if gpu else "dynamic")
        remote = ray.remote(RolloutWorker).options(num_cpus=threads, num_gpus=1 if gpu else 0)
        shared = [ray.put(x) for x in (model_config, generation_config, tokenizer)]  # once, for every actor
        self.actors = [
            remote.remote(*shared, params, dtype=self.dtype_name, device=actor_device,
                          seed=cfg.train.seed, index=i, threads=threads, share_prompt=cfg.train.share_prompt,
                          cache=cache, trust_remote_code=cfg.model.trust_remote_code)
            for i in range(workers)]
        try:
            self.placement = ray.get([a.ready.remote() for a in self.actors], timeout=start_timeout_s)
        except ray.exceptions.GetTimeoutError:
            self.close()
            from rft.errors import UserError

            need = f"{workers} GPU(s)" if gpu else f"{workers * threads} CPU(s)"
            raise UserError(f"the {workers} rollout actor(s) did not start within {start_timeout_s:.0f} s: "
                            f"does the Ray cluster have {need} free?", field="sampler.workers") from None
        self.weights_version = 0
        self.loaded = False

    # ------------------------------------------------------------------ weights
    def load_weights(self, weights: Iterable[tuple[str, torch.Tensor]], version: int) -> None:
        """Copy `weights` to host memory once (in the actors' dtype), put them in the object store
        once, and load them into every actor; returns when all have them."""
        import ray

        host = {name: t.detach().to(device="cpu", dtype=self.dtype if t.is_floating_point() else t.dtype, copy=True)
                for name, t in weights}  # copied while iterating: a LoRA export is merged only meanwhile
        ref = ray.put(host)
        del host
        ray.get([a.load_weights.remote(ref, version) for a in self.actors])
        self.weights_version, self.loaded = version, True

    # ------------------------------------------------------------------ sampling
    def generate(self, prompts: list[str], n: int, params: SamplingParams | None = None,
                 on_groups: GroupsCallback | None = None) -> Rollout:
        """n responses to each prompt, sampled by the actors in contiguous shares of whole groups.
        `on_groups` is called from this thread with global group indices as the actors report them."""
        import ray

        if not self.loaded:
            raise RuntimeError("RaySampler.generate before load_weights: the rollout actors have no weights yet "
                               "(load_weights(learner.export_weights(), version) first)")
        if not prompts:
            raise ValueError("RaySampler.generate: no prompts")
        p = params or self.params
        streams, offsets = [], []
        for actor, (lo, hi) in zip(self.actors, shares(len(prompts), self.workers)):
            if hi > lo:
                streams.append(actor.generate.options(num_returns="streaming").remote(
                    prompts[lo:hi], n, p, on_groups is not None))
                offsets.append(lo)
        parts: dict[int, Rollout] = {}
        pending = list(range(len(streams)))
        while pending:
            ready, _ = ray.wait([streams[i] for i in pending], num_returns=1)
            for gen in ready:
                i = next(j for j in pending if streams[j] is gen)
                try:
                    item = ray.get(next(gen))
                except StopIteration:
                    pending.remove(i)
                    continue
                if item[0] == "groups":
                    _, groups, texts, truncated = item
                    on_groups([offsets[i] + g for g in groups], texts, truncated)
                else:
                    parts[i] = item[1]
        return Rollout.cat([parts[i] for i in range(len(streams))], self.tok.pad_token_id).to(self.device)

    def close(self) -> None:
        """Kill the actors (their models and memory go with them)."""
        try:
            import ray
        except ImportError:
            return
        for a in getattr(self, "actors", []):
            try:
                ray.kill(a)
            except Exception:  # noqa: BLE001 - already gone
                pass
        self.actors = []


def _model_config(model, cfg):
    """(transformers config, generation config or None) of a path/hub id, a config, or a model."""
    from transformers import AutoConfig, GenerationConfig, PretrainedConfig

    if isinstance(model, (str, os.PathLike)):
        m = cfg.model
        config = AutoConfig.from_pretrained(str(model), revision=m.revision, trust_remote_code=m.trust_remote_code)
        try:
            gen = GenerationConfig.from_pretrained(str(model), revision=m.revision)
        except OSError:  # no generation_config.json: the one from_config derives
            gen = None
        return config, gen
    if isinstance(model, PretrainedConfig):
        return model, None
    from rft.models import unwrap, unwrap_ddp

    base = unwrap(unwrap_ddp(model))
    return base.config, getattr(base, "generation_config", None)
