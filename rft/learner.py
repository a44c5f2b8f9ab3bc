"""The learner side: policy, reference, critic, their optimizers and schedules, the KL, the
advantages and the update. It reads a `Batch` and never calls a verifier.

One update (`Learner.update(batch)`):
  reference log-probs (when the KL goes in the reward) -> critic values (estimators that need a
  critic) -> advantages (the estimator named in `algorithm.name`, through `ADVANTAGES`) ->
  `algorithm.epochs` passes of the policy loss (`algorithm.policy_loss`, through `POLICY_LOSSES`)
  over micro-batches -> the critic's clipped value loss.

Data-parallel ranks (DDP through accelerate) each hold whole groups. The loss normalisers (the
token count of token-mean, the row count of the per-sequence aggregations) are global, and each
rank's loss is scaled by the world size because DDP averages gradients over ranks: so N ranks
sharing a global batch make the update one process makes on all of it. Gradients are all-reduced
once per optimizer step (every micro-batch but the last runs under `no_sync`).

Shapes: N rows (B prompts x G samples), P prompt tokens, T response tokens, V vocabulary.
"""
from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from typing import Callable, Iterator

import torch

from rft import algorithms as algo
from rft.batch import Batch
from rft.config import TaskConfig
from rft.distributed import Dist
from rft.models import cache_kwarg, prefill_and_repeat, unwrap_ddp
from rft.registry import resolve


def lr_lambda(schedule: str, warmup: int, total: int) -> Callable[[int], float]:
    def f(step: int) -> float:
        if warmup and step < warmup:
            return (step + 1) / warmup
        if schedule == "constant" or total <= warmup:
            return 1.0
        frac = min(1.0, (step - warmup) / max(1, total - warmup))
        return 1.0 - frac if schedule == "linear" else 0.5 * (1 + math.cos(math.pi * frac))

    return f


def whole_groups(x, sl: slice) -> bool:
    """Whether rows `sl` are whole groups of more than one row, so their prompts can run once."""
    G = x.group_size
    return G > 1 and sl.start % G == 0 and (sl.stop - sl.start) % G == 0


def forward_logits(model, x, sl: slice, share_prompt: bool = True) -> torch.Tensor:
    """Logits predicting each response token of rows `sl` of `x` (a Batch or a Rollout): (n, T, V).

    Position ids follow the attention mask (left padding), exactly as `generate` computed them,
    so the recomputed log-probs match the sampled ones and the first importance ratio is 1.
    With `share_prompt` and a slice of whole groups, each prompt is run once and its KV cache
    repeated G times before the responses run on top of it: the G rows of a group share the
    prompt, so this is the same function (gradients flow back through the repeated cache) at
    about 60% of the cost when prompts are as long as responses. The prefill runs on the module
    inside a DDP wrapper and the responses through the wrapper, whose hooks then see every
    parameter's gradient once.
    """
    G, T = x.group_size, x.response_ids.shape[1]
    ids, attn = x.input_ids()[sl], x.attention_mask[sl]
    pos = (attn.cumsum(-1) - 1).clamp(min=0)
    if not (share_prompt and whole_groups(x, sl)):
        out = model(input_ids=ids, attention_mask=attn, position_ids=pos, logits_to_keep=T + 1, use_cache=False)
        return out.logits[:, :-1]
    P = x.prompt_ids.shape[1]
    last, cache = prefill_and_repeat(unwrap_ddp(model), ids[::G, :P], attn[::G, :P], G)
    resp = model(input_ids=ids[:, P:], attention_mask=attn, position_ids=pos[:, P:], use_cache=True,
                 **{cache_kwarg(unwrap_ddp(model)): cache})
    return torch.cat([last.repeat_interleave(G, dim=0), resp.logits[:, :-1]], dim=1)


def value_forward(critic, x, sl: slice, share_prompt: bool = True) -> torch.Tensor:
    """The critic's value of the state before each response token of rows `sl`: (n, T) float32.

    The value of response token t is read at the position that predicts it (the last prompt token
    for t = 0), as the policy's logits are, so V_t estimates the return from choosing token t on.
    With `share_prompt` and whole groups, each prompt runs once and its KV cache is repeated, as in
    `forward_logits`.
    """
    G, P, T = x.group_size, x.prompt_ids.shape[1], x.response_ids.shape[1]
    ids, attn = x.input_ids()[sl], x.attention_mask[sl]
    pos = (attn.cumsum(-1) - 1).clamp(min=0)
    if not (share_prompt and whole_groups(x, sl)):
        out = critic(input_ids=ids, attention_mask=attn, position_ids=pos)
        return out.logits[:, P - 1:P + T - 1, 0].float()
    inner = unwrap_ddp(critic)
    body = inner.base_model  # the backbone; the head is `critic.score` (no dropout: see load_critic)
    pre = body(input_ids=ids[::G, :P], attention_mask=attn[::G, :P], position_ids=pos[::G, :P], use_cache=True)
    cache = getattr(pre, "cache", None)
    cache = cache if cache is not None else pre.past_key_values
    cache.batch_repeat_interleave(G)
    first = inner.score(pre.last_hidden_state[:, -1:]).repeat_interleave(G, dim=0)  # value at P - 1
    resp = critic(input_ids=ids[:, P:], attention_mask=attn, position_ids=pos[:, P:], use_cache=True,
                  **{cache_kwarg(inner): cache})
    return torch.cat([first.float(), resp.logits[:, :-1].float()], dim=1)[..., 0]


@dataclass
class Models:
    policy: torch.nn.Module
    ref: torch.nn.Module | None = None  # None: no KL, or LoRA (the policy with its adapters off)
    critic: torch.nn.Module | None = None


class Learner:
    def __init__(self, cfg: TaskConfig, estimator: algo.Estimator, models: Models, dist: Dist | None = None):
        self.cfg, self.estimator, self.dist = cfg, estimator, dist or Dist()
        a = cfg.algorithm
        self.policy_loss = resolve(algo.POLICY_LOSSES, a.policy_loss)
        self.version = 0  # updates done; sampling weights are tagged with it
        policy, ref, critic = models.policy, models.ref, models.critic
        trainable = [p for p in policy.parameters() if p.requires_grad]  # with LoRA, the adapters only
        opt = torch.optim.AdamW(trainable, lr=a.lr, weight_decay=a.weight_decay)
        self.sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda(a.lr_schedule, a.warmup_steps, cfg.train.steps))
        self.policy, self.opt = self.dist.prepare(policy, opt)
        self.ref = ref.to(self.dist.device) if ref is not None else None
        self.critic = self.critic_opt = None
        if critic is not None:
            copt = torch.optim.AdamW(critic.parameters(), lr=a.critic.lr, weight_decay=a.critic.weight_decay)
            self.critic, self.critic_opt = self.dist.prepare(critic, copt)

    # ------------------------------------------------------------------ properties
    @property
    def kl_placement(self) -> str | None:
        """`loss`, `reward`, or None when the KL is off."""
        a = self.cfg.algorithm
        if a.kl_coef == 0:
            return None
        return a.kl_in or self.estimator.kl_in

    @property
    def share_prompt(self) -> bool:
        # gradient checkpointing recomputes the forward, which cannot take a repeated KV cache
        return self.cfg.train.share_prompt and not self.cfg.model.gradient_checkpointing

    @property
    def module(self):
        """The policy as a plain transformers (or peft) model, outside any DDP wrapper."""
        return unwrap_ddp(self.policy)

    def _micro(self, N: int) -> list[tuple[int, int]]:
        mb = self.cfg.train.micro_batch
        return [(i, min(mb, N - i)) for i in range(0, N, mb)]

    # ------------------------------------------------------------------ one update
    def update(self, batch: Batch) -> dict[str, float]:
        """One RL update on this rank's share of the step's batch; metrics (reduced over ranks)."""
        ref_logprobs = self.reference_logprobs(batch) if self.kl_placement == "reward" else None
        values, value_graph = self.values(batch) if self.critic is not None else (None, None)
        adv = self.advantages(batch, ref_logprobs, values)
        stats = self.update_policy(batch, adv, ref_logprobs)
        if self.critic is not None:
            stats.update(self.update_critic(batch, adv.returns, values, value_graph))
        self.version += 1
        return self.dist.mean_dict(stats, max_keys=("mismatch/max_ratio",))

    def advantages(self, batch: Batch, ref_logprobs: torch.Tensor | None, values: torch.Tensor | None) -> algo.Advantages:
        """The estimator named in `algorithm.name`, with the KL folded into the reward when it goes there."""
        a = self.cfg.algorithm
        kl = algo.kl_estimate(batch.logprobs, ref_logprobs, a.kl_kind) if ref_logprobs is not None else None
        return self.estimator(algo.AdvantageInputs(
            rewards=batch.rewards, mask=batch.loss_mask, group_size=batch.group_size, kl=kl, kl_coef=a.kl_coef,
            values=values, gamma=a.gamma, lam=a.lam, scale=a.adv_scale, whiten=a.whiten_advantages,
            reduce=self.dist.sum))

    @torch.no_grad()
    def logprobs_of(self, model, batch: Batch, ctx=None) -> torch.Tensor:
        """(N, T) log-probs of the sampled tokens under `model` in eval mode, no gradient. Eval mode
        switches checkpointing off, so each prompt's cache can be shared here."""
        was_training = model.training
        model.eval()
        with ctx or contextlib.nullcontext(), self.dist.autocast():
            out = torch.cat([
                algo.logprobs_from_logits(forward_logits(model, batch, slice(i, i + mb), self.cfg.train.share_prompt),
                                          batch.response_ids[i:i + mb], temperature=self.cfg.sampler.temperature)
                for i, mb in self._micro(batch.num_rows)])
        model.train(was_training)
        return out

    def reference_logprobs(self, batch: Batch) -> torch.Tensor:
        """Under the frozen reference: a separate model, or with LoRA the policy's own base weights
        with the adapters switched off."""
        if self.ref is not None:
            return self.logprobs_of(self.ref, batch)
        return self.logprobs_of(self.module, batch, self.module.disable_adapter())

    def policy_logprobs(self, batch: Batch) -> torch.Tensor:
        """Under the policy as it is now (`sampler.recompute_logprobs`: before the update moves it)."""
        return self.logprobs_of(self.module, batch)

    def values(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The critic's values of the response tokens at sampling time: (N, T), no gradient; and the
        forward's graph when the critic's update can reuse it.

        When the critic's update will be one pass over one micro-batch (epochs 1, N <= micro_batch),
        this forward keeps its graph and the update backpropagates through it instead of running
        the same forward again (the critic has no dropout, so the values are the same): a third of
        the critic's compute saved, for holding its activations through the policy's update.
        """
        N = batch.num_rows
        if self.cfg.algorithm.epochs == 1 and N <= self.cfg.train.micro_batch:
            self.critic.train()
            graph = value_forward(self.critic, batch, slice(0, N), self.share_prompt)
            return graph.detach(), graph
        critic = unwrap_ddp(self.critic)
        critic.eval()
        with torch.no_grad(), self.dist.autocast():
            out = torch.cat([value_forward(critic, batch, slice(i, i + mb), self.share_prompt)
                             for i, mb in self._micro(N)])
        critic.train()
        return out, None

    def _kept(self, batch: Batch, adv: algo.Advantages) -> tuple[Batch, torch.Tensor, dict, bool]:
        """`skip_uniform_groups`: the batch without its all-equal groups (advantage 0), their
        advantages, the kept share, and whether this rank kept none while others did (it then runs
        one group with a zero loss, so that every rank joins the gradient all-reduce)."""
        a = self.cfg.algorithm
        advantages = adv.advantages
        if not (a.skip_uniform_groups and adv.uniform is not None and self.kl_placement != "reward"):
            return batch, advantages, {}, False
        keep = (~adv.uniform).nonzero().view(-1)
        n_keep = int(self.dist.sum(torch.tensor(len(keep))).item())
        out = {"policy/kept_groups": n_keep / int(self.dist.sum(torch.tensor(len(adv.uniform))).item())}
        if n_keep == 0:  # with no signal at all the whole batch goes in: a KL-only step, full stats
            return batch, advantages, out, False
        idle = len(keep) == 0  # other ranks have signal: this one joins their all-reduce with a zero loss
        keep = keep if not idle else torch.arange(1, device=keep.device)
        rows = batch.group_rows(keep)
        return batch.select_groups(keep), advantages[rows], out, idle

    def update_policy(self, batch: Batch, adv: algo.Advantages, ref_logprobs: torch.Tensor | None) -> dict:
        """`algorithm.epochs` optimizer passes over the batch, micro-batched, with gradient clipping
        (none during a critic's warm-up).

        With `algorithm.skip_uniform_groups` (group estimators, KL not in the reward), the uniform
        groups (all rewards equal, advantage 0) are left out of the forward and backward passes;
        the normalizers still count the whole batch. A batch in which every group is uniform is
        updated in full, so every step logs the same statistics.
        """
        cfg, a, dist = self.cfg, self.cfg.algorithm, self.dist
        mask = batch.loss_mask
        N_all = int(dist.sum(torch.tensor(batch.num_rows)).item())  # rows of the global batch
        if a.loss_agg == "token-mean":
            normalizer = float(dist.sum(mask.sum()).clamp(min=1))  # tokens of the global batch
        elif a.loss_agg == "seq-mean-token-sum":
            normalizer = float(a.loss_agg_norm or cfg.sampler.max_new_tokens)
        else:
            normalizer = None
        batch, advantages, out, idle = self._kept(batch, adv)
        mask = batch.loss_mask
        N = batch.num_rows
        kl_coef = a.kl_coef if self.kl_placement == "loss" else 0.0
        train_policy = self.critic is None or self.version >= a.critic.warmup_steps
        if ref_logprobs is None and self.kl_placement == "loss" and train_policy:
            ref_logprobs = self.reference_logprobs(batch)
        # old log-probs: the sampler's, or recomputed by the learner before the policy moves; the
        # learner's view of the sampling weights (`learner_lp`) also weighs TIS and the mismatch
        sampler_lp = batch.logprobs
        old_logprobs = self.policy_logprobs(batch) if cfg.sampler.recompute_logprobs and train_policy else sampler_lp
        learner_lp = old_logprobs if cfg.sampler.recompute_logprobs else torch.zeros_like(sampler_lp)
        tis = None
        sums: dict[str, torch.Tensor] = {}
        micro = self._micro(N)
        self.policy.train()
        for epoch in range(a.epochs if train_policy else 0):
            for j, (i, mb) in enumerate(micro):
                sl = slice(i, i + mb)
                with dist.no_sync(self.policy, skip=j < len(micro) - 1):
                    logits = forward_logits(self.policy, batch, sl, self.share_prompt)
                    logprobs = algo.logprobs_from_logits(logits, batch.response_ids[sl],
                                                         temperature=cfg.sampler.temperature)
                    if epoch == 0 and not cfg.sampler.recompute_logprobs:  # the weights that sampled
                        learner_lp[sl] = logprobs.detach()
                    if a.tis_cap is not None and epoch == 0:
                        tis = torch.zeros_like(sampler_lp) if tis is None else tis
                        tis[sl] = algo.tis_weights(learner_lp[sl], sampler_lp[sl], mask[sl], a.tis_cap)
                    loss, stats = self.policy_loss(
                        logprobs, old_logprobs[sl], advantages[sl], mask[sl], clip_eps=a.clip_eps,
                        clip_eps_high=a.clip_eps_high, ref_logprobs=None if ref_logprobs is None else ref_logprobs[sl],
                        kl_coef=kl_coef, kl_kind=a.kl_kind, agg=a.loss_agg, normalizer=normalizer,
                        token_weights=None if tis is None else tis[sl])
                    # token-mean with a whole-batch normalizer sums over micro-batches; the others average
                    loss = loss if a.loss_agg == "token-mean" else loss * mb / N_all
                    if dist.distributed:  # DDP averages gradients over ranks; the normalizers are global
                        loss = loss * (0.0 if idle else dist.world)
                    dist.backward(loss)
                if epoch == 0:
                    with torch.no_grad():
                        ent = algo.masked_mean(algo.entropy_from_logits(logits), mask[sl])
                    stats = {**stats, "policy/entropy": ent}
                w = mb / N / a.epochs
                for k, v in stats.items():
                    sums[k] = sums.get(k, 0.0) + v.detach().float() * (w * a.epochs if k == "policy/entropy" else w)
            gnorm = dist.clip_grad_norm_([p for g in self.opt.param_groups for p in g["params"]], a.grad_clip)
            self.opt.step()
            self.opt.zero_grad(set_to_none=True)
            sums["policy/grad_norm"] = sums.get("policy/grad_norm", 0.0) + gnorm / a.epochs
        if train_policy:
            self.sched.step()
            out["policy/lr"] = self.sched.get_last_lr()[0]
            out.update(self.mismatch(learner_lp, sampler_lp, mask, tis))
        out.update({k: float(v) for k, v in sums.items()})  # the one sync point of the update
        return out

    @staticmethod
    def mismatch(learner_lp: torch.Tensor, sampler_lp: torch.Tensor, mask: torch.Tensor,
                 tis: torch.Tensor | None) -> dict:
        """How far the sampler's log-probs are from the learner's for the same tokens and weights."""
        with torch.no_grad():
            diff = (learner_lp - sampler_lp.float()).abs()
            out = {"mismatch/logprob_abs_diff": algo.masked_mean(diff, mask),
                   # the largest pi_learner / pi_sampler of the batch (before any cap)
                   "mismatch/max_ratio": torch.where(mask.bool(), (learner_lp - sampler_lp.float()).exp(),
                                                     torch.zeros((), device=mask.device)).max()}
            if tis is not None:
                out["mismatch/tis_weight_mean"] = algo.masked_mean(tis, mask)
        return {k: float(v) for k, v in out.items()}

    def update_critic(self, batch: Batch, returns: torch.Tensor, old_values: torch.Tensor,
                      graph: torch.Tensor | None = None) -> dict:
        """PPO's value loss over the batch, `algorithm.epochs` passes, clipped, on its own optimizer.
        `graph`: the sampling-time values with their graph (see `values`), used by the first pass."""
        a, dist = self.cfg.algorithm, self.dist
        mask = batch.loss_mask
        N = batch.num_rows
        N_all = int(dist.sum(torch.tensor(N)).item())
        sums: dict[str, torch.Tensor] = {}
        micro = self._micro(N)
        self.critic.train()
        for _ in range(a.epochs):
            for j, (i, mb) in enumerate(micro):
                sl = slice(i, i + mb)
                with dist.no_sync(self.critic, skip=j < len(micro) - 1):
                    values, graph = graph, None  # the sampling-time forward, if kept
                    if values is None:
                        values = value_forward(self.critic, batch, sl, self.share_prompt)
                    loss, stats = algo.clipped_value_loss(values, old_values[sl], returns[sl], mask[sl],
                                                          clip_range=a.critic.value_clip)
                    dist.backward(loss * mb / N_all * dist.world if dist.distributed else loss * mb / N)
                for k, v in stats.items():
                    sums[k] = sums.get(k, 0.0) + v * (mb / N / a.epochs)
            gnorm = dist.clip_grad_norm_(self.critic.parameters(), a.critic.grad_clip)
            self.critic_opt.step()
            self.critic_opt.zero_grad(set_to_none=True)
            sums["critic/grad_norm"] = sums.get("critic/grad_norm", 0.0) + gnorm / a.epochs
        with torch.no_grad():  # how much of the returns' variance the sampling-time values explain
            var = algo.masked_mean((returns - algo.masked_mean(returns, mask)).square(), mask)
            sums["critic/explained_var"] = 1 - algo.masked_mean((returns - old_values).square(), mask) / var.clamp(min=1e-8)
        return {k: float(v) for k, v in sums.items()}

    # ------------------------------------------------------------------ weights and state
    def export_weights(self) -> Iterator[tuple[str, torch.Tensor]]:
        """(name, tensor) of every policy weight under the base model's names, for a sampler that
        holds its own copy (vLLM); tied weights once. With LoRA, the merged weights (base + adapters,
        merged for the export and unmerged after: use each tensor while iterating, or copy it). Lazy:
        a sampler that shares the policy module in memory (HF) never iterates it, and costs nothing."""
        module = self.module
        if not self.cfg.model.lora:
            yield from module.named_parameters()
            return
        module.merge_adapter()
        try:
            for name, p in module.named_parameters():
                if "lora_" in name:
                    continue
                yield name.removeprefix("base_model.model.").replace(".base_layer", ""), p
        finally:
            module.unmerge_adapter()

    def state_dict(self) -> dict:
        """Optimizer, scheduler and update count (the weights are saved by `save_models`)."""
        out = {"optimizer": self.opt.state_dict(), "scheduler": self.sched.state_dict(), "version": self.version}
        if self.critic is not None:
            out["critic_optimizer"] = self.critic_opt.state_dict()
        return out

    def load_state_dict(self, state: dict) -> None:
        self.opt.load_state_dict(state["optimizer"])
        self.sched.load_state_dict(state["scheduler"])
        if self.critic is not None:
            self.critic_opt.load_state_dict(state["critic_optimizer"])
        self.version = state["version"]

    def save_models(self, out_dir, write: bool = True) -> None:
        """The policy (with LoRA, its adapters) and the critic, as Hugging Face directories:
        `out_dir` and `out_dir/critic`. A collective when weights are sharded: every rank calls it,
        `write` on one."""
        policy_state, critic_state = self.dist.full_state_dict(self.policy), None
        if self.critic is not None:
            critic_state = self.dist.full_state_dict(self.critic)
        if not write:
            return
        self.module.save_pretrained(out_dir, safe_serialization=True, **({"state_dict": policy_state} if policy_state else {}))
        if self.critic is not None:
            unwrap_ddp(self.critic).save_pretrained(f"{out_dir}/critic", safe_serialization=True,
                                                    **({"state_dict": critic_state} if critic_state else {}))

    def footprint(self) -> dict:
        """Full weight copies held (policy, reference, critic), the parameters that train, and per
        model its weights' and optimizer state's size in GB."""
        def gb(tensors) -> float:
            return round(sum(t.numel() * t.element_size() for t in tensors) / 1e9, 4)

        def opt_state(opt) -> list:
            return [v for s in opt.state.values() for v in s.values() if torch.is_tensor(v)] if opt else []

        named = {"policy": (self.module, self.opt), "reference": (self.ref, None),
                 "critic": (unwrap_ddp(self.critic) if self.critic is not None else None, self.critic_opt)}
        models = [m for m, _ in named.values() if m is not None]
        per = {k: {"params": sum(p.numel() for p in m.parameters()),
                   "trainable_params": sum(p.numel() for p in m.parameters() if p.requires_grad),
                   "dtype": str(next(m.parameters()).dtype).removeprefix("torch."),
                   "weights_gb": gb(m.parameters()), "optimizer_gb": gb(opt_state(o))}
               for k, (m, o) in named.items() if m is not None}
        return {"weight_copies": len(models), "params": sum(p.numel() for m in models for p in m.parameters()),
                "trainable_params": sum(p.numel() for m in models for p in m.parameters() if p.requires_grad),
                "per_model": per}
