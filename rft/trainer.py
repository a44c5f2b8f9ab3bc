"""The ReFT loop: SFT warm-up on reference solutions, then RL steps of
sample -> verify -> advantages -> loss -> update, with evals, metrics and atomic checkpoints.

The trainer wires `sampling/`, `verifiers/` and `algorithms/` together and holds no maths; it
emits plain metric dicts to `callbacks` (the CLI draws them with rich; see rft/console.py).
"""
from __future__ import annotations

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
from rft.models import (cache_kwarg, load_model, load_tokenizer, prefill_and_repeat, replace_dir,
                        resolve_model_path, save_pretrained)
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
    if not (share_prompt and G > 1 and sl.start % G == 0 and (sl.stop - sl.start) % G == 0):
        out = model(input_ids=ids, attention_mask=attn, position_ids=pos, logits_to_keep=T + 1, use_cache=False)
        return out.logits[:, :-1]
    P = rollout.prompt_ids.shape[1]
    last, cache = prefill_and_repeat(model, ids[::G, :P], attn[::G, :P], G)
    resp = model(input_ids=ids[:, P:], attention_mask=attn, position_ids=pos[:, P:], use_cache=True,
                 **{cache_kwarg(model): cache})
    return torch.cat([last.repeat_interleave(G, dim=0), resp.logits[:, :-1]], dim=1)


class Trainer:
    def __init__(self, cfg: TaskConfig, run_dir: str | Path, *, model_path: str | None = None,
                 callbacks: list[Callback] | None = None):
        self.cfg, self.run_dir = cfg, Path(run_dir)
        self.model_override = model_path
        self.callbacks = callbacks or []
        self.step_idx = 0

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
        opt = torch.optim.AdamW(model.parameters(), lr=s.lr, weight_decay=s.weight_decay)
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
            gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), s.grad_clip)
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
        # sample: B prompts x G responses, with the log-prob of every sampled token
        batch = [self.train_examples[i] for i in self.stream.take(cfg.train.prompts_per_step)]
        rollout: Rollout = self.sampler.generate([ex.prompt for ex in batch], G)
        t1 = time.perf_counter()
        # verify: text in, Score (value, outcome, reason) out; hangs and exceptions become `error`
        fields = [ex.fields for ex in batch for _ in range(G)]
        scores = self.runner.score_batch(rollout.texts, fields)
        rewards = torch.tensor([s.value for s in scores], dtype=torch.float32)
        t2 = time.perf_counter()
        # advantages: group-normalised rewards, broadcast over each response's tokens
        advantages = algo.group_advantages(rewards, G, scale=a.adv_scale)
        uniform = algo.uniform_groups(rewards, G)
        stats = self.update(rollout, advantages, uniform)
        t3 = time.perf_counter()

        outcomes = [s.outcome for s in scores]
        ntok = rollout.num_tokens
        m = {
            "reward/mean": rewards.mean().item(), "reward/std": rewards.std().item(),
            "reward/accuracy": outcomes.count("correct") / len(outcomes),
            "reward/unparseable": outcomes.count("unparseable") / len(outcomes),
            "reward/error": outcomes.count("error") / len(outcomes),
            "reward/zero_std_groups": uniform.float().mean().item(),
            "response/length": ntok / len(outcomes),
            "response/truncated": rollout.truncated.float().mean().item(),
            "perf/tokens_per_s": ntok / max(t1 - t0, 1e-9),
            "time/sample": t1 - t0, "time/verify": t2 - t1, "time/update": t3 - t2, "time/step": t3 - t0,
            "memory/peak_rss_gb": peak_rss_gb(),
        }
        m.update(stats)
        self._last_samples = [(ex.prompt, rollout.texts[i * G], scores[i * G]) for i, ex in enumerate(batch)]
        return m

    def update(self, rollout: Rollout, advantages: torch.Tensor, uniform: torch.Tensor | None = None) -> dict:
        """`algorithm.epochs` optimizer passes over the batch, micro-batched, with gradient clipping.

        With `algorithm.skip_uniform_groups`, the `uniform` groups (all rewards equal) are left out of
        the forward and backward passes; the normalizers still count the whole batch. A batch in
        which every group is uniform is updated in full, so every step logs the same statistics.
        """
        cfg, a = self.cfg, self.cfg.algorithm
        N, T = rollout.response_ids.shape
        N_all = N
        normalizer = float(rollout.response_mask.sum().clamp(min=1)) if a.loss_agg == "token-mean" else float(T)
        kept = 1.0
        if a.skip_uniform_groups and uniform is not None:
            keep = (~uniform).nonzero().view(-1)
            kept = len(keep) / len(uniform)
            if len(keep) > 0:  # with no signal at all the whole batch goes in: a KL-only step, full stats
                advantages = advantages[rollout.group_rows(keep)]
                rollout = rollout.select_groups(keep)
                N = rollout.response_ids.shape[0]
        mask, share = rollout.response_mask, cfg.train.share_prompt
        old_logprobs = rollout.logprobs
        ref_logprobs = None
        if self.ref is not None:
            with torch.no_grad():
                ref_logprobs = torch.cat([
                    algo.logprobs_from_logits(forward_logits(self.ref, rollout, slice(i, i + mb), share),
                                              rollout.response_ids[i:i + mb], temperature=cfg.sampler.temperature)
                    for i, mb in self._micro(N)])
        sums: dict[str, torch.Tensor] = {}
        self.policy.train()
        for epoch in range(a.epochs):
            for i, mb in self._micro(N):
                sl = slice(i, i + mb)
                logits = forward_logits(self.policy, rollout, sl, share)
                logprobs = algo.logprobs_from_logits(logits, rollout.response_ids[sl], temperature=cfg.sampler.temperature)
                loss, stats = algo.grpo_policy_loss(
                    logprobs, old_logprobs[sl], advantages[sl], mask[sl], clip_eps=a.clip_eps,
                    clip_eps_high=a.clip_eps_high, ref_logprobs=None if ref_logprobs is None else ref_logprobs[sl],
                    kl_coef=a.kl_coef, kl_kind=a.kl_kind, agg=a.loss_agg,
                    normalizer=normalizer if a.loss_agg != "seq-mean-token-mean" else None)
                # token-mean with a whole-batch normalizer sums over micro-batches; the others average
                (loss if a.loss_agg == "token-mean" else loss * mb / N_all).backward()
                if epoch == 0:
                    with torch.no_grad():
                        ent = algo.masked_mean(algo.entropy_from_logits(logits), mask[sl])
                    stats = {**stats, "policy/entropy": ent}
                w = mb / N / a.epochs
                for k, v in stats.items():
                    sums[k] = sums.get(k, 0.0) + v.detach().float() * (w * a.epochs if k == "policy/entropy" else w)
            gnorm = torch.nn.utils.clip_grad_norm_(self.policy.parameters(), a.grad_clip)
            self.opt.step()
            self.opt.zero_grad(set_to_none=True)
            sums["policy/grad_norm"] = sums.get("policy/grad_norm", 0.0) + gnorm / a.epochs
        self.sched.step()
        out = {k: float(v) for k, v in sums.items()}  # the one sync point of the update
        out["policy/lr"] = self.sched.get_last_lr()[0]
        if a.skip_uniform_groups:
            out["policy/kept_groups"] = kept
        return out

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

    # ------------------------------------------------------------------ checkpoints
    def ckpt_dir(self) -> Path:
        return self.run_dir / "checkpoints"

    def latest_checkpoint(self) -> Path | None:
        d = self.ckpt_dir()
        cks = sorted(d.glob("step-*")) if d.exists() else []
        cks = [c for c in cks if (c / "trainer_state.pt").exists()]
        return cks[-1] if cks else None

    def save_checkpoint(self) -> Path:
        """Model + optimizer + scheduler + RNG + data position, written to a temp dir then renamed."""
        out = self.ckpt_dir() / f"step-{self.step_idx:06d}"
        tmp = self.ckpt_dir() / f".tmp-step-{self.step_idx:06d}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        self.policy.save_pretrained(tmp, safe_serialization=True)
        self.tok.save_pretrained(tmp)
        torch.save({"step": self.step_idx, "optimizer": self.opt.state_dict(), "scheduler": self.sched.state_dict(),
                    "stream": self.stream.state_dict(), "torch_rng": torch.get_rng_state(),
                    "python_rng": random.getstate(), "eval_history": self.eval_history}, tmp / "trainer_state.pt")
        replace_dir(tmp, out)
        for old in sorted(self.ckpt_dir().glob("step-*"))[: -self.cfg.train.keep_checkpoints]:
            shutil.rmtree(old, ignore_errors=True)
        return out

    def load_checkpoint(self, path: Path) -> None:
        state = torch.load(path / "trainer_state.pt", weights_only=False)
        self.opt.load_state_dict(state["optimizer"])
        self.sched.load_state_dict(state["scheduler"])
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
            model = load_model(self.base_path, cfg.model)
            summary.update(self.sft(model))
            save_pretrained(model, self.tok, sft_dir)
            del model
        start_path = str(sft_dir) if (sft_dir / "config.json").exists() else self.base_path
        # Stage 2: RL. The reference is the warm-up result, frozen; it is only loaded when the
        # KL term is on, so kl_coef=0 costs no memory and no forward pass.
        self.policy = load_model(str(ckpt) if ckpt else start_path, cfg.model)
        self.ref = load_model(start_path, cfg.model, trainable=False) if a.kl_coef > 0 else None
        self.sampler = HFSampler(self.policy, self.tok, temperature=cfg.sampler.temperature, top_p=cfg.sampler.top_p,
                                 top_k=cfg.sampler.top_k, max_new_tokens=cfg.sampler.max_new_tokens,
                                 share_prompt=cfg.train.share_prompt)
        self.opt = torch.optim.AdamW(self.policy.parameters(), lr=a.lr, weight_decay=a.weight_decay)
        self.sched = torch.optim.lr_scheduler.LambdaLR(self.opt, lr_lambda(a.lr_schedule, a.warmup_steps, cfg.train.steps))
        self.eval_history: list[dict] = []
        if ckpt:
            self.load_checkpoint(ckpt)
            self.emit("info", {"message": f"resumed from {ckpt} at step {self.step_idx}"})
        elif self.eval_examples and cfg.train.steps > 0:
            self.eval_history.append({"step": 0, **self.evaluate(self.policy, "sft")})
        if resume:  # lines logged after the checkpoint (or with none, all) are redone below
            self.metrics.truncate(self.step_idx)
        self.emit("rl_start", {"steps": cfg.train.steps, "start": self.step_idx})
        while self.step_idx < cfg.train.steps:
            m = self.rl_step()
            self.step_idx += 1
            m["step"] = self.step_idx
            if cfg.train.eval_every and self.step_idx % cfg.train.eval_every == 0 and self.step_idx < cfg.train.steps:
                ev = self.evaluate(self.policy, f"step {self.step_idx}")
                self.eval_history.append({"step": self.step_idx, **ev})
                m["eval/accuracy"] = ev["accuracy"]
            self.metrics.log(m)
            self.emit("step", m)
            if cfg.train.sample_every and self.step_idx % cfg.train.sample_every == 0:
                self.emit("samples", {"step": self.step_idx, "rows": self._last_samples})
            if cfg.train.save_every and self.step_idx % cfg.train.save_every == 0 and self.step_idx < cfg.train.steps:
                self.save_checkpoint()
        # the end: final model, last eval, paired comparison with the SFT eval, curves
        save_pretrained(self.policy, self.tok, self.run_dir / "final")
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
