"""Device, precision and data-parallel ranks, through accelerate.

`Dist` wraps one `accelerate.Accelerator`: it picks the device (`train.device`), the mixed
precision (`model.dtype`), wraps the trained models for DDP (or FSDP / DeepSpeed from an accelerate
config file) and gives the few collectives the trainer needs: sums and means over ranks for loss
normalisers and metrics, and gathering Python objects (eval results, RNG states). On one process
every collective is the identity, so a single-process run does exactly what it did before ranks
existed.

Ranks are launched by `accelerate launch` (`rft train --num-processes N` calls it); each rank runs
the same program and learns its place from the environment accelerate sets.
"""
from __future__ import annotations

import os
from contextlib import nullcontext

import torch

from rft.errors import UserError

MIXED = {"float32": "no", "bfloat16": "bf16", "float16": "fp16"}


def resolve_device(device: str, file: str | None = None) -> str:
    """`auto` -> cuda when a GPU is visible, else cpu; `cuda` without one is bad input."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise UserError("expected `auto` or `cpu` on this machine: no CUDA GPU is visible to torch "
                        f"(torch {torch.__version__}, CUDA build: {torch.version.cuda or 'no'})",
                        file=file, field="train.device")
    return device


def check_precision(dtype: str, device: str, file: str | None = None) -> None:
    if dtype == "float16" and device != "cuda":
        raise UserError("float16 trains with a loss scaler, which needs a CUDA GPU; use bfloat16 "
                        "(no scaler needed) or float32 on a CPU", file=file, field="model.dtype")


def check_ranks(cfg, world: int) -> None:
    """Whole groups on every rank: the step's prompts and the warm-up's batch split evenly; and
    one-step-off on one learner process (its rollout thread's collectives would otherwise
    interleave with the learner's on the same process group)."""
    for part in ("sampler", "verifier"):
        sec = getattr(cfg, part)
        if world > 1 and sec.executor == "ray" and not sec.ray_address:
            raise UserError(f"with {world} learner processes every rank must join one Ray cluster: start it "
                            "(`ray start --head`) and set ray_address: auto (or host:6379)",
                            file=cfg._source, field=f"{part}.ray_address")
    if world > 1 and cfg.train.async_ != "off":
        raise UserError(f"one-step-off training runs on one learner process here, got {world}; set "
                        "train.async: off, or scale the rollout side with sampler.executor: ray",
                        file=cfg._source, field="train.async")
    for field, n in (("train.prompts_per_step", cfg.train.prompts_per_step), ("sft.batch_size", cfg.sft.batch_size)):
        if n % world:
            raise UserError(f"expected a multiple of the number of processes ({world}), got {n}",
                            file=cfg._source, field=field)


def world_size_from_env() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


class Dist:
    def __init__(self, device: str = "cpu", dtype: str = "float32"):
        from accelerate import Accelerator
        from accelerate.state import AcceleratorState

        if world_size_from_env() == 1:
            # one process: a fresh state, so runs in one Python process (tests, benches) may each
            # pick their own device and precision; accelerate keeps a process-wide singleton
            AcceleratorState._reset_state(reset_partial_state=True)
        self.accelerator = Accelerator(cpu=device == "cpu", mixed_precision=MIXED[dtype])
        self.device = self.accelerator.device
        self.rank, self.world = self.accelerator.process_index, self.accelerator.num_processes
        self.is_main = self.accelerator.is_main_process

    @property
    def distributed(self) -> bool:
        return self.world > 1

    # ------------------------------------------------------------------ models
    def prepare(self, *objs):
        """Models and their optimizers for training on `device`: DDP (or FSDP/DeepSpeed) across ranks,
        autocast in the forward under mixed precision, a loss scaler for float16."""
        return self.accelerator.prepare(*objs)

    def backward(self, loss: torch.Tensor) -> None:
        self.accelerator.backward(loss)

    def clip_grad_norm_(self, params, max_norm: float) -> torch.Tensor:
        return self.accelerator.clip_grad_norm_(params, max_norm)

    def no_sync(self, model, skip: bool):
        """Inside: backward passes accumulate gradients locally, with no all-reduce (all but the
        last micro-batch of an optimizer step)."""
        return self.accelerator.no_sync(model) if skip and self.distributed else nullcontext()

    def autocast(self):
        """Autocast to `model.dtype` for forwards outside the prepared models (reference, no-grad passes)."""
        return self.accelerator.autocast()

    @property
    def sharded(self) -> bool:
        """Whether weights and optimizer state are split over ranks (FSDP, DeepSpeed ZeRO)."""
        return self.accelerator.distributed_type.value in ("FSDP", "DEEPSPEED")

    def full_state_dict(self, model) -> dict | None:
        """The whole model's weights, gathered from the ranks when they are sharded (a collective:
        every rank calls it); None when the model's own `state_dict()` already is that."""
        return self.accelerator.get_state_dict(model) if self.sharded else None

    # ------------------------------------------------------------------ collectives
    def sum(self, x: torch.Tensor) -> torch.Tensor:
        """Sum of a tensor over ranks (the identity on one process)."""
        if not self.distributed:
            return x
        y = x.detach().clone().to(self.device) if not x.requires_grad else x.to(self.device)
        torch.distributed.all_reduce(y, op=torch.distributed.ReduceOp.SUM)
        return y.to(x.device)

    def mean_dict(self, d: dict[str, float], max_keys: tuple[str, ...] = ()) -> dict[str, float]:
        """Per-rank metrics as one dict: the mean over ranks, or the max for `max_keys` (times,
        memory). Every rank must pass the same keys."""
        if not self.distributed:
            return d
        keys = sorted(d)
        v = torch.tensor([float(d[k]) for k in keys], dtype=torch.float64, device=self.device)
        mean = v.clone()
        torch.distributed.all_reduce(mean, op=torch.distributed.ReduceOp.SUM)
        mx = v.clone()
        torch.distributed.all_reduce(mx, op=torch.distributed.ReduceOp.MAX)
        return {k: float(mx[i] if k in max_keys else mean[i] / self.world) for i, k in enumerate(keys)}

    def gather_object(self, obj) -> list:
        """[obj of rank 0, obj of rank 1, ...] on every rank."""
        if not self.distributed:
            return [obj]
        out = [None] * self.world
        torch.distributed.all_gather_object(out, obj)
        return out

    def any(self, flag: bool) -> bool:
        return bool(self.sum(torch.tensor(float(flag))).item() > 0)

    def barrier(self) -> None:
        if self.distributed:
            self.accelerator.wait_for_everyone()

    def shard(self, n: int) -> slice:
        """This rank's contiguous share of n items (n divisible by the world size)."""
        k = n // self.world
        return slice(self.rank * k, (self.rank + 1) * k)

    def end(self) -> None:
        """Leave the process group together (a rank that tears it down early can stall the others).

        Drop the DDP-wrapped models first: their reducers hold the group, which then outlives
        `destroy_process_group` and is torn down at interpreter exit, where its gloo threads can
        deadlock against the GIL (a finished rank that never exits)."""
        if self.distributed:
            self.barrier()
            self.accelerator.end_training()
