"""The ReFT loop: SFT warm-up on reference solutions, then RL steps of
sample -> verify -> advantages -> loss -> update, with evals, metrics and atomic checkpoints.

The trainer wires `sampling/`, `verifiers/` and `algorithms/` together and holds no maths; it
emits plain metric dicts to `callbacks` (the CLI draws them with rich; see rft/console.py).
"""
from __future__ import annotations

import contextlib
import json
import math
import random
import shutil
import time
from pathlib import Path
from typing import Callable

import torch

from rft import algorithms as algo
from rft.config import TaskConfig, to_yaml
from rft.data import PromptStream, collate_sft, load_examples, sft_tensors
from rft.errors import UserError
from rft.evaluation import evaluate_model
from rft.metrics import MetricsWriter, peak_rss_gb
from rft.models import (add_lora, cache_kwarg, enable_gradient_checkpointing, load_critic, load_model, load_tokenizer,
                        prefill_and_repeat, replace_dir, resolve_model_path, save_pretrained)
from rft.sampling import HFSampler, Rollout
from rft.verifiers import ScoreTable, build_verifier
from rft.verifiers.runner import VerifierRunner

Callback = Callable[[str, dict], None]  # (event, payload): "sft_step", "step", "eval", "samples", "info"


def lr_lambda(schedule: str, warmup: int, total: int) -> Callable[[int], float]:
    def f(step: int) -> float:
        if warmup and step < warmup:
            return (step + 1) / warmup
        if schedule == "constant" or total <= warmup:
            return 1.0
        frac = min(1.0, (step - warmup) / max(1, total - warmup))
        return 1.0 - frac if schedule == "linear" else 0.5 * (1 + math.cos(math.pi * frac))

    return f


def whole_groups(rollout: Rollout, sl: slice) -> bool:
    """Whether rows `sl` are whole groups of more than one row, so their prompts can run once."""
    G = rollout.group_size
    return G > 1 and sl.start % G == 0 and (sl.stop - sl.start) % G == 0


def forward_logits(model, rollout: Rollout, sl: slice, share_prompt: bool = True) -> torch.Tensor:
    """Logits predicting each response token of rows `sl` of the rollout: (n, T, V).

    Position ids follow the attention mask (left padding), exactly as `generate` computed them,
    so the recomputed log-probs match the sampled ones and the first importance ratio is 1.
    With `share_prompt` and a slice of whole groups, each prompt is run once and its KV cache
    repeated G times before the responses run on top of it: the G rows of a group share the
    prompt, so this is the same function (gradients flow back through the repeated cache) at
    about 60% of the cost when prompts are as long as responses.
    """
    G, T = rollout.group_size, rollout.response_ids.shape[1]
    ids, attn = rollout.input_ids()[sl], rollout.attention_mask()[sl]
    pos = (attn.cumsum(-1) - 1).clamp(min=0)
    if not (share_prompt and whole_groups(rollout, sl)):
        out = model(input_ids=ids, attention_mask=attn, position_ids=pos, logits_to_keep=T + 1, use_cache=False)
        return out.logits[:, :-1]
    P = rollout.prompt_ids.shape[1]
    last, cache = prefill_and_repeat(model, ids[::G, :P], attn[::G, :P], G)
    resp = model(input_ids=ids[:, P:], attention_mask=attn, position_ids=pos[:, P:], use_cache=True,
                 **{cache_kwarg(model): cache})
    return torch.cat([last.repeat_interleave(G, dim=0), resp.logits[:, :-1]], dim=1)


def value_forward(critic, rollout: Rollout, sl: slice, share_prompt: bool = True) -> torch.Tensor:
    """The critic's value of the state before each response token of rows `sl`: (n, T) float32.

    The value of response token t is read at the position that predicts it (the last prompt token
    for t = 0), as the policy's logits are, so V_t estimates the return from choosing token t on.
    With `share_prompt` and whole groups, each prompt runs once and its KV cache is repeated, as in
    `forward_logits`.
    """
    G, P, T = rollout.group_size, rollout.prompt_ids.shape[1], rollout.response_ids.shape[1]
    ids, attn = rollout.input_ids()[sl], rollout.attention_mask()[sl]
    pos = (attn.cumsum(-1) - 1).clamp(min=0)
    if not (share_prompt and whole_groups(rollout, sl)):
        out = critic(input_ids=ids, attention_mask=attn, position_ids=pos)
        return out.logits[:, P - 1:P + T - 1, 0].float()
    body = critic.base_model  # the backbone; the head is `critic.score` (no dropout: see load_critic)
    pre = body(input_ids=ids[::G, :P], attention_mask=attn[::G, :P], position_ids=pos[::G, :P], use_cache=True)
    cache = getattr(pre, "cache", None)
    cache = cache if cache is not None else pre.past_key_values
    cache.batch_repeat_interleave(G)
    first = critic.score(pre.last_hidden_state[:, -1:]).repeat_interleave(G, dim=0)  # value at P - 1
    resp = critic(input_ids=ids[:, P:], attention_mask=attn, position_ids=pos[:, P:], use_cache=True,
                  **{cache_kwarg(critic): cache})
    return torch.cat([first, resp.logits[:, :-1]], dim=1)[..., 0].float()


class Trainer:
    def __init__(self, cfg: TaskConfig, run_dir: str | Path, *, model_path: str | None = None,
                 callbacks: list[Callback] | None = None):
        self.cfg, self.run_dir = cfg, Path(run_dir)
        self.model_override = model_path
        self.callbacks = callbacks or []
        self.step_idx = 0
        self.ref = self.critic = self._value_graph = None

    # ------------------------------------------------------------------ lifecycle
    def emit(self, event: str, payload: dict) -> None:
        for cb in self.callbacks:
            cb(event, payload)

    def prepare(self) -> None:
        """Load and check everything that can fail on bad input; writes nothing to the run dir."""
        if getattr(self, "prepared", False):
            return
        cfg = self.cfg
        if cfg.train.threads:
            torch.set_num_threads(cfg.train.threads)
        self.base_path = resolve_model_path(cfg.model, self.model_override)
        self.tok = load_tokenizer(self.base_path, cfg.model)
        self.train_examples = load_examples(cfg, "train", self.tok)
        self.eval_examples = load_examples(cfg, "eval", self.tok)
        if cfg.train.eval_limit:
            self.eval_examples = self.eval_examples[: cfg.train.eval_limit]
        self.stream = PromptStream(len(self.train_examples), cfg.train.seed)
        if cfg.sft.steps > 0:  # demonstrations, tokenised with labels on the response only
            sft_src = cfg.data.sft.path if cfg.data.sft and cfg.data.sft.path else "data.train"
            self.sft_items = sft_tensors(load_examples(cfg, "sft", self.tok), self.tok, cfg.data.response_prefix,
                                         cfg.sft.max_length, sft_src)
        v = cfg.verifier
        try:
            self.verifier = build_verifier(v.name, v.options, ScoreTable(**v.scores.model_dump()))
        except KeyError as e:
            raise UserError(e.args[0], file=cfg._source, field="verifier.name") from None
        except (TypeError, ValueError) as e:
            raise UserError(f"bad verifier options: {e}", file=cfg._source, field="verifier.options") from None
        self.runner = VerifierRunner(self.verifier, workers=v.workers, timeout_s=v.timeout_s)
        self.prepared = True

    def setup(self, resume: bool = False) -> None:
        cfg = self.cfg
        self.prepare()
        random.seed(cfg.train.seed)
        torch.manual_seed(cfg.train.seed)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / "config.yaml").write_text(to_yaml(cfg))
        self.metrics = MetricsWriter(self.run_dir, cfg.logging, resume=resume)

    def cleanup(self) -> None:
        if getattr(self, "runner", None) is not None:
            self.runner.close()
        if getattr(self, "metrics", None) is not None:
            self.metrics.close()

    # ------------------------------------------------------------------ stage 1: SFT
    def sft(self, model) -> dict:
        cfg, s, items = self.cfg, self.cfg.sft, self.sft_items
        params = [p for p in model.parameters() if p.requires_grad]  # with LoRA, the adapters only
        opt = torch.optim.AdamW(params, lr=s.lr, weight_decay=s.weight_decay)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda(s.lr_schedule, s.warmup_steps, s.steps))
        rng = random.Random(cfg.train.seed + 1)
        order: list[int] = []
        model.train()
        self.metrics.start_sft()
        t0 = time.perf_counter()
        for step in range(1, s.steps + 1):
            if len(order) < s.batch_size:
                perm = list(range(len(items)))
                rng.shuffle(perm)
                order += perm
            batch = collate_sft([items[i] for i in order[: s.batch_size]], self.tok.pad_token_id)
            order = order[s.batch_size:]
            loss = model(**batch).loss  # HF shifts labels; -100 (prompt, padding) is ignored
            loss.backward()
            gnorm = torch.nn.utils.clip_grad_norm_(params, s.grad_clip)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            m = {"step": step, "loss": loss.item(), "grad_norm": float(gnorm), "lr": sched.get_last_lr()[0],
                 "seconds": time.perf_counter() - t0}
            self.metrics.log_sft(m)
            self.emit("sft_step", {**m, "steps": s.steps})
        return {"sft/steps": s.steps, "sft/seconds": time.perf_counter() - t0}

    # ------------------------------------------------------------------ stage 2: one RL step
    def rl_step(self) -> dict:
        cfg, a = self.cfg, self.cfg.algorithm
        G = cfg.sampler.n
        t0 = time.perf_counter()
        # sample + verify: B prompts x G responses with their sampled log-probs, each response scored
        rollout, rewards, drawn, timing = self.collect()
        t2 = time.perf_counter()
        # advantages: by the estimator named in algorithm.name (see rft/algorithms)
        loss_mask = rollout.response_mask.float()
        if a.overlong_filter:  # DAPO: truncated responses carry no loss
            loss_mask = loss_mask * algo.overlong_filter_mask(rollout.truncated)[:, None]
        ref_logprobs = self.reference_logprobs(rollout) if a.kl_placement == "reward" else None
        old_values = self.values(rollout) if self.critic is not None else None
        advantages, returns, uniform = self.advantages(rollout, rewards, loss_mask, ref_logprobs, old_values)
        stats = self.update(rollout, advantages, loss_mask, uniform, ref_logprobs, returns, old_values)
        t3 = time.perf_counter()

        outcomes = [s.outcome for s in drawn["scores"]]
        drawn_rewards = drawn["rewards"]
        ntok = drawn["tokens"]
        m = {
            "reward/mean": drawn_rewards.mean().item(), "reward/std": drawn_rewards.std().item(),
            "reward/accuracy": outcomes.count("correct") / len(outcomes),
            "reward/unparseable": outcomes.count("unparseable") / len(outcomes),
            "reward/error": outcomes.count("error") / len(outcomes),
            "reward/zero_std_groups": algo.uniform_groups(drawn_rewards, G).float().mean().item(),
            "response/length": ntok / len(outcomes),
            "response/truncated": rollout.truncated.float().mean().item(),
            "perf/tokens_per_s": ntok / max(timing["sample"], 1e-9),
            "time/sample": timing["sample"], "time/verify": timing["verify"], "time/update": t3 - t2,
            "time/step": t3 - t0, "memory/peak_rss_gb": peak_rss_gb(),
        }
        if drawn["penalty"] is not None:
            m["reward/overlong_penalty"] = drawn["penalty"]  # included in reward/mean
        if a.dynamic_sampling:
            m["sampling/rounds"] = drawn["rounds"]
            m["sampling/batch_groups"] = rollout.response_ids.shape[0] // G
        m.update(stats)
        self._last_samples = drawn["samples"]
        return m

    def collect(self) -> tuple[Rollout, torch.Tensor, dict, dict]:
        """Sample and score train.prompts_per_step groups: (rollout, rewards, everything drawn, timing).

        Rewards are the verifier's scores plus DAPO's soft overlong penalty (when on). With dynamic
        sampling, groups whose rewards are all equal are dropped and more prompts are drawn, at most
        `max_sample_rounds` rounds; a batch still short trains on the groups it has (and if none
        was kept at all, on the last round as it is: a step with zero advantages).
        """
        cfg, a = self.cfg, self.cfg.algorithm
        B, G = cfg.train.prompts_per_step, cfg.sampler.n
        timing = {"sample": 0.0, "verify": 0.0}
        kept: list[tuple[Rollout, torch.Tensor]] = []
        n_kept, rounds, all_scores, all_rewards, penalties, tokens, samples = 0, 0, [], [], [], 0, None
        while True:
            rounds += 1
            batch = [self.train_examples[i] for i in self.stream.take(B)]
            t0 = time.perf_counter()
            rollout = self.sampler.generate([ex.prompt for ex in batch], G)
            t1 = time.perf_counter()
            # verify: text in, Score (value, outcome, reason) out; hangs and exceptions become `error`
            scores = self.runner.score_batch(rollout.texts, [ex.fields for ex in batch for _ in range(G)])
            timing["sample"] += t1 - t0
            timing["verify"] += time.perf_counter() - t1
            rewards = torch.tensor([s.value for s in scores], dtype=torch.float32)
            if a.overlong_buffer:
                lengths = rollout.response_mask.sum(-1) + rollout.truncated.long()  # a cut response counts as longer
                penalty = a.overlong_penalty * algo.overlong_penalty(lengths, cfg.sampler.max_new_tokens,
                                                                     a.overlong_buffer)
                rewards = rewards + penalty
                penalties.append(penalty)
            # the first round's first sample of each prompt, for the sample table
            samples = samples or [(ex.prompt, rollout.texts[i * G], scores[i * G]) for i, ex in enumerate(batch)]
            all_scores += scores
            all_rewards.append(rewards)
            tokens += rollout.num_tokens
            if not a.dynamic_sampling:
                kept = [(rollout, rewards)]
                break
            keep = (~algo.uniform_groups(rewards, G)).nonzero().view(-1)
            if len(keep):
                kept.append((rollout.select_groups(keep), rewards[rollout.group_rows(keep)]))
                n_kept += len(keep)
            if n_kept >= B or rounds >= a.max_sample_rounds:
                break
        if not kept:
            kept = [(rollout, rewards)]
        rollout = Rollout.cat([r for r, _ in kept], self.tok.pad_token_id) if len(kept) > 1 else kept[0][0]
        rewards = torch.cat([r for _, r in kept])
        if rollout.response_ids.shape[0] > B * G:
            rewards = rewards[: B * G]
            rollout = rollout.select_groups(torch.arange(B))
        drawn = {"scores": all_scores, "rewards": torch.cat(all_rewards), "tokens": tokens, "rounds": rounds,
                 "samples": samples, "penalty": torch.cat(penalties).mean().item() if penalties else None}
        return rollout, rewards, drawn, timing

    def advantages(self, rollout: Rollout, rewards: torch.Tensor, mask: torch.Tensor,
                   ref_logprobs: torch.Tensor | None, values: torch.Tensor | None):
        """(advantages, returns, uniform groups): (N,) or (N, T) advantages; returns only for ppo."""
        a, G = self.cfg.algorithm, self.cfg.sampler.n
        kl = None
        if ref_logprobs is not None:  # KL in the reward: per token, from the sampling policy's log-probs
            kl = algo.kl_estimate(rollout.logprobs, ref_logprobs, a.kl_kind)
        if a.group_based:
            seq = rewards if kl is None else rewards - a.kl_coef * algo.masked_sum(kl, mask, dim=-1)
            extra = {"scale": a.adv_scale} if a.name == "grpo" else {}
            return algo.ADVANTAGES.get(a.name)(seq, G, **extra), None, algo.uniform_groups(seq, G)
        coef = a.kl_coef if kl is not None else 0.0
        if a.name == "reinforce_pp":
            return algo.reinforce_pp_advantages(rewards, mask, kl, coef), None, None
        token_rewards = algo.token_level_rewards(rewards, mask, kl, coef)  # ppo
        adv, returns = algo.gae_advantages(token_rewards, values, mask, gamma=a.gamma, lam=a.lam)
        if a.whiten_advantages:
            adv = algo.whiten(adv, mask)
        return adv, returns, None

    @torch.no_grad()
    def reference_logprobs(self, rollout: Rollout) -> torch.Tensor:
        """Log-probs of the sampled tokens under the frozen reference: a separate model, or with LoRA
        the policy's own base weights with the adapters switched off."""
        cfg = self.cfg  # eval mode switches checkpointing off, so the prompt's cache can be shared here
        model = self.ref if self.ref is not None else self.policy
        ctx = self.policy.disable_adapter() if self.ref is None else contextlib.nullcontext()
        was_training = model.training
        model.eval()
        with ctx:
            out = torch.cat([
                algo.logprobs_from_logits(forward_logits(model, rollout, slice(i, i + mb), cfg.train.share_prompt),
                                          rollout.response_ids[i:i + mb], temperature=cfg.sampler.temperature)
                for i, mb in self._micro(rollout.response_ids.shape[0])])
        model.train(was_training)
        return out

    def values(self, rollout: Rollout) -> torch.Tensor:
        """The critic's values of the response tokens at rollout time: (N, T), no gradient.

        When the critic's update will be one pass over one micro-batch (epochs 1, N <= micro_batch),
        this forward keeps its graph and the update backpropagates through it instead of running
        the same forward again (the critic has no dropout, so the values are the same): a third of
        the critic's compute saved, for holding its activations through the policy's update.
        """
        N = rollout.response_ids.shape[0]
        self._value_graph = None
        if self.cfg.algorithm.epochs == 1 and N <= self.cfg.train.micro_batch:
            self.critic.train()
            self._value_graph = value_forward(self.critic, rollout, slice(0, N), self.share_prompt)
            return self._value_graph.detach()
        self.critic.eval()
        with torch.no_grad():
            out = torch.cat([value_forward(self.critic, rollout, slice(i, i + mb), self.share_prompt)
                             for i, mb in self._micro(N)])
        self.critic.train()
        return out

    def update(self, rollout: Rollout, advantages: torch.Tensor, mask: torch.Tensor,
               uniform: torch.Tensor | None = None, ref_logprobs: torch.Tensor | None = None,
               returns: torch.Tensor | None = None, old_values: torch.Tensor | None = None) -> dict:
        """`algorithm.epochs` optimizer passes over the batch, micro-batched, with gradient clipping:
        the policy's, and with ppo the critic's (only the critic's during critic.warmup_steps).

        With `algorithm.skip_uniform_groups` (group estimators, KL not in the reward), the `uniform`
        groups (all rewards equal, advantage 0) are left out of the forward and backward passes;
        the normalizers still count the whole batch. A batch in which every group is uniform is
        updated in full, so every step logs the same statistics.
        """
        cfg, a = self.cfg, self.cfg.algorithm
        N_all = rollout.response_ids.shape[0]
        if a.loss_agg == "token-mean":
            normalizer = float(mask.sum().clamp(min=1))
        elif a.loss_agg == "seq-mean-token-sum":
            normalizer = float(a.loss_agg_norm or cfg.sampler.max_new_tokens)
        else:
            normalizer = None
        out: dict[str, float] = {}
        if a.skip_uniform_groups and uniform is not None and a.kl_placement != "reward":
            keep = (~uniform).nonzero().view(-1)
            out["policy/kept_groups"] = len(keep) / len(uniform)
            if len(keep) > 0:  # with no signal at all the whole batch goes in: a KL-only step, full stats
                rows = rollout.group_rows(keep)
                advantages, mask, rollout = advantages[rows], mask[rows], rollout.select_groups(keep)
        N = rollout.response_ids.shape[0]
        share = self.share_prompt
        kl_coef = a.kl_coef if a.kl_placement == "loss" else 0.0
        old_logprobs = rollout.logprobs
        train_policy = self.critic is None or self.step_idx >= a.critic.warmup_steps
        if ref_logprobs is None and a.kl_placement == "loss" and train_policy:
            ref_logprobs = self.reference_logprobs(rollout)
        sums: dict[str, torch.Tensor] = {}
        self.policy.train()
        for epoch in range(a.epochs if train_policy else 0):
            for i, mb in self._micro(N):
                sl = slice(i, i + mb)
                logits = forward_logits(self.policy, rollout, sl, share)
                logprobs = algo.logprobs_from_logits(logits, rollout.response_ids[sl], temperature=cfg.sampler.temperature)
                loss, stats = algo.grpo_policy_loss(
                    logprobs, old_logprobs[sl], advantages[sl], mask[sl], clip_eps=a.clip_eps,
                    clip_eps_high=a.clip_eps_high, ref_logprobs=None if ref_logprobs is None else ref_logprobs[sl],
                    kl_coef=kl_coef, kl_kind=a.kl_kind, agg=a.loss_agg, normalizer=normalizer)
                # token-mean with a whole-batch normalizer sums over micro-batches; the others average
                (loss if a.loss_agg == "token-mean" else loss * mb / N_all).backward()
                if epoch == 0:
                    with torch.no_grad():
                        ent = algo.masked_mean(algo.entropy_from_logits(logits), mask[sl])
                    stats = {**stats, "policy/entropy": ent}
                w = mb / N / a.epochs
                for k, v in stats.items():
                    sums[k] = sums.get(k, 0.0) + v.detach().float() * (w * a.epochs if k == "policy/entropy" else w)
            gnorm = torch.nn.utils.clip_grad_norm_([p for g in self.opt.param_groups for p in g["params"]], a.grad_clip)
            self.opt.step()
            self.opt.zero_grad(set_to_none=True)
            sums["policy/grad_norm"] = sums.get("policy/grad_norm", 0.0) + gnorm / a.epochs
        if train_policy:
            self.sched.step()
            out["policy/lr"] = self.sched.get_last_lr()[0]
        if self.critic is not None:
            sums.update(self.update_critic(rollout, returns, old_values, mask))
        out.update({k: float(v) for k, v in sums.items()})  # the one sync point of the update
        return out

    def update_critic(self, rollout: Rollout, returns: torch.Tensor, old_values: torch.Tensor,
                      mask: torch.Tensor) -> dict:
        """PPO's value loss over the batch, `algorithm.epochs` passes, clipped, on its own optimizer."""
        a = self.cfg.algorithm
        N = rollout.response_ids.shape[0]
        sums: dict[str, torch.Tensor] = {}
        self.critic.train()
        for _ in range(a.epochs):
            for i, mb in self._micro(N):
                sl = slice(i, i + mb)
                values, self._value_graph = self._value_graph, None  # the rollout-time forward, if kept
                if values is None:
                    values = value_forward(self.critic, rollout, sl, self.share_prompt)
                loss, stats = algo.clipped_value_loss(values, old_values[sl],
                                                      returns[sl], mask[sl], clip_range=a.critic.value_clip)
                (loss * mb / N).backward()
                for k, v in stats.items():
                    sums[k] = sums.get(k, 0.0) + v * (mb / N / a.epochs)
            gnorm = torch.nn.utils.clip_grad_norm_(self.critic.parameters(), a.critic.grad_clip)
            self.critic_opt.step()
            self.critic_opt.zero_grad(set_to_none=True)
            sums["critic/grad_norm"] = sums.get("critic/grad_norm", 0.0) + gnorm / a.epochs
        with torch.no_grad():  # how much of the returns' variance the rollout-time values explain
            var = algo.masked_mean((returns - algo.masked_mean(returns, mask)).square(), mask)
            sums["critic/explained_var"] = 1 - algo.masked_mean((returns - old_values).square(), mask) / var.clamp(min=1e-8)
        return sums

    def _micro(self, N: int):
        mb = self.cfg.train.micro_batch
        return [(i, min(mb, N - i)) for i in range(0, N, mb)]

    # ------------------------------------------------------------------ eval
    def evaluate(self, model, tag: str) -> dict:
        res = evaluate_model(model, self.tok, self.eval_examples, self.runner,
                             max_new_tokens=self.cfg.sampler.max_new_tokens,
                             batch_size=self.cfg.train.eval_batch_size)
        res["tag"] = tag
        self.emit("eval", res)
        return res

    @property
    def share_prompt(self) -> bool:
        # gradient checkpointing recomputes the forward, which cannot take a repeated KV cache
        return self.cfg.train.share_prompt and not self.cfg.model.gradient_checkpointing

    def model_footprint(self) -> dict:
        """Full weight copies held (policy, reference, critic) and the parameters that train."""
        models = [m for m in (self.policy, self.ref, self.critic) if m is not None]
        return {"weight_copies": len(models),
                "params": sum(p.numel() for m in models for p in m.parameters()),
                "trainable_params": sum(p.numel() for m in models for p in m.parameters() if p.requires_grad)}

    def trainable_model(self, path: str, adapter_dir: str | None = None):
        """The model to train from `path`: with LoRA, wrapped in (new or saved) adapters; with
        gradient checkpointing on, recomputing activations in the backward pass."""
        model = load_model(path, self.cfg.model)
        if self.cfg.model.lora:
            model = add_lora(model, self.cfg.model, adapter_dir)
        if self.cfg.model.gradient_checkpointing:
            enable_gradient_checkpointing(model)
        return model

    # ------------------------------------------------------------------ checkpoints
    def ckpt_dir(self) -> Path:
        return self.run_dir / "checkpoints"

    def latest_checkpoint(self) -> Path | None:
        d = self.ckpt_dir()
        cks = sorted(d.glob("step-*")) if d.exists() else []
        cks = [c for c in cks if (c / "trainer_state.pt").exists()]
        return cks[-1] if cks else None

    def save_checkpoint(self) -> Path:
        """Model (with LoRA, its adapters) + optimizer + scheduler + RNG + data position (+ the critic
        and its optimizer with ppo), written to a temp dir then renamed."""
        out = self.ckpt_dir() / f"step-{self.step_idx:06d}"
        tmp = self.ckpt_dir() / f".tmp-step-{self.step_idx:06d}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        self.policy.save_pretrained(tmp, safe_serialization=True)
        self.tok.save_pretrained(tmp)
        state = {"step": self.step_idx, "optimizer": self.opt.state_dict(), "scheduler": self.sched.state_dict(),
                 "stream": self.stream.state_dict(), "torch_rng": torch.get_rng_state(),
                 "python_rng": random.getstate(), "eval_history": self.eval_history}
        if self.critic is not None:
            self.critic.save_pretrained(tmp / "critic", safe_serialization=True)
            state["critic_optimizer"] = self.critic_opt.state_dict()
        torch.save(state, tmp / "trainer_state.pt")
        replace_dir(tmp, out)
        for old in sorted(self.ckpt_dir().glob("step-*"))[: -self.cfg.train.keep_checkpoints]:
            shutil.rmtree(old, ignore_errors=True)
        return out

    def load_checkpoint(self, path: Path) -> None:
        state = torch.load(path / "trainer_state.pt", weights_only=False)
        self.opt.load_state_dict(state["optimizer"])
        self.sched.load_state_dict(state["scheduler"])
        if self.critic is not None:
            self.critic_opt.load_state_dict(state["critic_optimizer"])
        self.stream.load_state_dict(state["stream"])
        torch.set_rng_state(state["torch_rng"])
        random.setstate(state["python_rng"])
        self.step_idx = state["step"]
        self.eval_history = state["eval_history"]

    # ------------------------------------------------------------------ the whole run
    def train(self, resume: bool = False) -> dict:
        self.setup(resume=resume)
        try:
            return self._train(resume)
        finally:
            self.cleanup()

    def _train(self, resume: bool) -> dict:
        cfg, a = self.cfg, self.cfg.algorithm
        t_start = time.perf_counter()
        sft_dir = self.run_dir / "sft"
        ckpt = self.latest_checkpoint() if resume else None
        summary: dict = {}
        # Stage 1: SFT warm-up (skipped on resume once sft/ is written; SFT is deterministic, so an
        # interrupted warm-up simply runs again from the start)
        if cfg.sft.steps > 0 and not (sft_dir / "config.json").exists():
            model = self.trainable_model(self.base_path)
            summary.update(self.sft(model))
            if cfg.model.lora:  # the warm-up's adapters are merged: RL starts new ones on top
                model = model.merge_and_unload()
            save_pretrained(model, self.tok, sft_dir)
            del model
        start_path = str(sft_dir) if (sft_dir / "config.json").exists() else self.base_path
        # Stage 2: RL. The reference is the warm-up result, frozen; it is only loaded when the
        # KL term is on, so kl_coef=0 costs no memory and no forward pass. With LoRA it is the
        # policy's own base weights (adapters off), so no second copy is loaded at all.
        if cfg.model.lora:
            self.policy = self.trainable_model(start_path, adapter_dir=str(ckpt) if ckpt else None)
        else:
            self.policy = self.trainable_model(str(ckpt) if ckpt else start_path)
        self.ref = (load_model(start_path, cfg.model, trainable=False)
                    if a.kl_coef > 0 and not cfg.model.lora else None)
        self.critic = None
        if a.name == "ppo":  # the value model: on resume the checkpoint's, else a new head on its backbone
            self.critic = load_critic(str(ckpt / "critic") if ckpt else (a.critic.model or start_path), cfg.model)
            if cfg.model.gradient_checkpointing:
                enable_gradient_checkpointing(self.critic)
            self.critic_opt = torch.optim.AdamW(self.critic.parameters(), lr=a.critic.lr,
                                                weight_decay=a.critic.weight_decay)
        self.sampler = HFSampler(self.policy, self.tok, temperature=cfg.sampler.temperature, top_p=cfg.sampler.top_p,
                                 top_k=cfg.sampler.top_k, max_new_tokens=cfg.sampler.max_new_tokens,
                                 share_prompt=cfg.train.share_prompt)
        trainable = [p for p in self.policy.parameters() if p.requires_grad]  # with LoRA, the adapters only
        self.opt = torch.optim.AdamW(trainable, lr=a.lr, weight_decay=a.weight_decay)
        self.sched = torch.optim.lr_scheduler.LambdaLR(self.opt, lr_lambda(a.lr_schedule, a.warmup_steps, cfg.train.steps))
        self.eval_history: list[dict] = []
        if ckpt:
            self.load_checkpoint(ckpt)
            self.emit("info", {"message": f"resumed from {ckpt} at step {self.step_idx}"})
        elif self.eval_examples and cfg.train.steps > 0:
            self.eval_history.append({"step": 0, **self.evaluate(self.policy, "sft")})
        if resume:  # lines logged after the checkpoint (or with none, all) are redone below
            self.metrics.truncate(self.step_idx)
        self.emit("rl_start", {"steps": cfg.train.steps, "start": self.step_idx, "algorithm": a.name})
        while self.step_idx < cfg.train.steps:
            m = self.rl_step()
            self.step_idx += 1
            m["step"] = self.step_idx
            if cfg.train.eval_every and self.step_idx % cfg.train.eval_every == 0 and self.step_idx < cfg.train.steps:
                ev = self.evaluate(self.policy, f"step {self.step_idx}")
                self.eval_history.append({"step": self.step_idx, **ev})
                m["eval/accuracy"] = ev["accuracy"]
            m["time/elapsed"] = time.perf_counter() - t_start  # the whole run so far: SFT, steps, evals
            self.metrics.log(m)
            self.emit("step", m)
            if cfg.train.sample_every and self.step_idx % cfg.train.sample_every == 0:
                self.emit("samples", {"step": self.step_idx, "rows": self._last_samples})
            if cfg.train.save_every and self.step_idx % cfg.train.save_every == 0 and self.step_idx < cfg.train.steps:
                self.save_checkpoint()
        # the end: final model, last eval, paired comparison with the SFT eval, curves
        summary["models"] = self.model_footprint()  # before LoRA's merge, which freezes everything
        if cfg.model.lora:  # final/ is a plain model (base + merged adapters) that any tool loads
            self.policy = self.policy.merge_and_unload()
        save_pretrained(self.policy, self.tok, self.run_dir / "final")
        if self.critic is not None:
            save_pretrained(self.critic, self.tok, self.run_dir / "final" / "critic")
        if self.eval_examples:
            final = self.evaluate(self.policy, "final")
            self.eval_history.append({"step": self.step_idx, **final})
            summary["eval"] = eval_summary(self.eval_history)
        summary.update({"steps": self.step_idx, "wall_seconds": time.perf_counter() - t_start,
                        "peak_rss_gb": peak_rss_gb(), "verifier": dict(self.runner.stats)})
        (self.run_dir / "summary.json").write_text(json.dumps(summary, indent=2))
        self.metrics.plot(self.eval_history)
        return summary


def eval_summary(history: list[dict]) -> dict:
    """First vs last eval: both accuracies with Wilson intervals and the paired difference."""
    from rft.evaluation import paired_difference

    first, last = history[0], history[-1]
    out = {"history": [{"step": h["step"], "accuracy": h["accuracy"]} for h in history],
           "first": {k: first[k] for k in ("tag", "accuracy", "wilson95", "n")},
           "last": {k: last[k] for k in ("tag", "accuracy", "wilson95", "n")}}
    if len(history) > 1:
        out["difference"] = paired_difference(first["correct_mask"], last["correct_mask"])
    return out
