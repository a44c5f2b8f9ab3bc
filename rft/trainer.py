"""The ReFT run: SFT warm-up on reference solutions, then RL steps, with evals, metrics and atomic
checkpoints. One RL step:

    batch = collector.collect()      # sample -> verify -> shaped rewards   (rft/collector.py)
    stats = learner.update(batch)    # KL -> advantages -> loss -> step     (rft/learner.py)
    collector.sync(learner)          # the sampler takes the new weights
    log, eval, checkpoint

The trainer wires them together and holds no maths; it emits plain metric dicts to `callbacks`
(the CLI draws them with rich; see rft/console.py). Lifecycle: `Trainer(...)` loads and checks
everything that can fail on bad input and writes nothing; `train()` runs setup, the two stages
and cleanup. With data-parallel ranks (accelerate) every rank runs this same program; rank 0
alone writes metrics, the PNG, checkpoints and `final/`.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch

from rft.algorithms import ADVANTAGES, POLICY_LOSSES, Estimator
from rft.audit import Auditor
from rft.batch import Batch
from rft.collector import Collector, Draft
from rft.config import TaskConfig, to_yaml
from rft.data import collate_sft, load_examples, sft_tensors
from rft.distributed import Dist, check_precision, check_ranks, resolve_device
from rft.errors import UserError
from rft.evaluation import evaluate, paired_difference
from rft.learner import Learner, Models, lr_lambda
from rft.metrics import MetricsWriter, peak_rss_gb
from rft.models import (enable_gradient_checkpointing, load_critic, load_model, load_tokenizer, replace_dir,
                        resolve_model_path, save_pretrained, trainable_model, unwrap_ddp)
from rft.registry import resolve
from rft.sampling import HFSampler, build_sampler
from rft.verifiers import ScoreTable, build_verifier
from rft.verifiers.envs import Environment, ToolEnv, resolve_env_class
from rft.verifiers.tools import ToolFormat
from rft.verifiers.runner import VerifierRunner

Callback = Callable[[str, dict], None]  # (event, payload): "sft_step", "step", "eval", "samples", "info"


def resolve_algorithm(cfg: TaskConfig) -> Estimator:
    """The estimator and policy loss named in the config (importing `module:` prefixes), checked
    against the rest of the config; one-line errors naming the field."""
    a, file = cfg.algorithm, cfg._source
    try:
        est = resolve(ADVANTAGES, a.name)
    except KeyError as e:
        raise UserError(e.args[0], file=file, field="algorithm.name") from None
    try:
        resolve(POLICY_LOSSES, a.policy_loss)
    except KeyError as e:
        raise UserError(e.args[0], file=file, field="algorithm.policy_loss") from None
    if (est.groups or a.dynamic_sampling) and cfg.sampler.n < 2:
        why = "dynamic sampling" if not est.groups else f"algorithm {a.name}"
        raise UserError(f"{why} compares the samples of each prompt, so it needs at least 2 per prompt "
                        f"(got {cfg.sampler.n}); set sampler.n >= 2 or pick reinforce_pp or ppo",
                        file=file, field="sampler.n")
    return est


def connect_ray(cfg: TaskConfig) -> bool:
    """Join (or start) the one Ray cluster of a run whose sampler or verifier runs on Ray; whether
    this call connected. A local cluster gets the CPUs its actors ask for: the verifier actors'
    processes plus this machine's cores for the rollout actors."""
    v, s = cfg.verifier, cfg.sampler
    if "ray" not in (v.executor, s.executor):
        return False
    from rft import cluster

    need = (max(v.workers, 1) * v.ray_processes if v.executor == "ray" else 0) + \
        ((os.cpu_count() or 1) if s.executor == "ray" else 0)
    field = "sampler.ray_address" if s.executor == "ray" and s.ray_address else "verifier.ray_address"
    address = (s.ray_address if s.executor == "ray" else None) or (v.ray_address if v.executor == "ray" else None)
    return cluster.connect(address, num_cpus=need, file=cfg._source, field=field)


def build_runner(verifier, v):
    """The verifier executor `verifier.executor` names (a `VerifierConfig` `v`): the same
    `submit`/`score_batch` interface whichever runs the rows."""
    if v.executor == "ray":  # joins the cluster `connect_ray` connected to, or starts one
        from rft.verifiers.ray_runner import RayVerifierRunner

        return RayVerifierRunner(verifier, actors=max(v.workers, 1), processes_per_actor=v.ray_processes,
                                 timeout_s=v.timeout_s, address=v.ray_address)
    return VerifierRunner(verifier, workers=0 if v.executor == "inprocess" else v.workers, timeout_s=v.timeout_s)


@dataclass
class Inputs:
    """Everything a run reads that bad input can break, loaded and checked before anything is written."""

    estimator: Estimator
    base_path: str  # the model RL (or the warm-up) starts from
    tok: object
    train_examples: list
    eval_examples: list
    sft_items: list
    verifier: object
    make_env: Callable[[], Environment] | None = None  # multi-turn rollouts (sampler.tools or env)


def build_env(cfg: TaskConfig) -> Callable[[], Environment] | None:
    """One environment per episode, for a task with `sampler.tools` (the tool loop, scored by the
    verifier) or `env`; None for single-turn tasks. Builds one up front, so bad names and options
    fail here with the field that named them."""
    s, table = cfg.sampler, ScoreTable(**cfg.verifier.scores.model_dump())
    if s.tools:
        fmt = ToolFormat(**s.tool_format.model_dump())
        try:
            tools = ToolEnv.build(s.tools, s.tool_options)
        except KeyError as e:
            raise UserError(e.args[0], file=cfg._source, field="sampler.tools") from None
        except (TypeError, ValueError) as e:
            raise UserError(f"bad tool options: {e}", file=cfg._source, field="sampler.tool_options") from None
        return lambda: ToolEnv(table, tools=tools, format=fmt)
    if cfg.env is None:
        return None
    try:
        cls = resolve_env_class(cfg.env.name)
    except KeyError as e:
        raise UserError(e.args[0], file=cfg._source, field="env.name") from None
    options = dict(cfg.env.options)
    try:
        cls(table, **options)
    except (TypeError, ValueError) as e:
        raise UserError(f"bad environment options: {e}", file=cfg._source, field="env.options") from None
    return lambda: cls(table, **options)


def load_inputs(cfg: TaskConfig, model_path: str | None = None, world: int = 1) -> Inputs:
    """The algorithm, model path, tokenizer, data and verifier of a run; one-line errors naming the
    field. `rft train --num-processes N` calls it once before starting the ranks."""
    estimator = resolve_algorithm(cfg)
    check_ranks(cfg, world)
    make_env = build_env(cfg)  # tools or an environment (cheap: checked before the data loads)
    base_path = resolve_model_path(cfg.model, model_path)
    tok = load_tokenizer(base_path, cfg.model)
    train_examples = load_examples(cfg, "train", tok)
    eval_examples = load_examples(cfg, "eval", tok)
    if cfg.train.eval_limit:
        eval_examples = eval_examples[: cfg.train.eval_limit]
    sft_items = []
    if cfg.sft.steps > 0:  # demonstrations, tokenised with labels on the response only
        sft_src = cfg.data.sft.path if cfg.data.sft and cfg.data.sft.path else "data.train"
        segments = ToolFormat(**cfg.sampler.tool_format.model_dump()).segments if cfg.sampler.tools else None
        sft_items = sft_tensors(load_examples(cfg, "sft", tok), tok, cfg.data.response_prefix, cfg.sft.max_length,
                                sft_src, segments=segments)
    v = cfg.verifier
    try:
        verifier = build_verifier(v.name, v.options, ScoreTable(**v.scores.model_dump()))
    except KeyError as e:
        raise UserError(e.args[0], file=cfg._source, field="verifier.name") from None
    except (TypeError, ValueError) as e:
        raise UserError(f"bad verifier options: {e}", file=cfg._source, field="verifier.options") from None
    if v.audit is not None:  # built here only to check it; the Auditor builds its own in setup()
        try:
            build_verifier(v.audit.verifier, v.audit.options, ScoreTable(**v.scores.model_dump()))
        except KeyError as e:
            raise UserError(e.args[0], file=cfg._source, field="verifier.audit.verifier") from None
        except (TypeError, ValueError) as e:
            raise UserError(f"bad audit verifier options: {e}", file=cfg._source,
                            field="verifier.audit.options") from None
    return Inputs(estimator, base_path, tok, train_examples, eval_examples, sft_items, verifier, make_env)


class Trainer:
    def __init__(self, cfg: TaskConfig, run_dir: str | Path, *, model_path: str | None = None,
                 callbacks: list[Callback] | None = None, dist: Dist | None = None):
        """Load and check everything that can fail on bad input; writes nothing to the run dir."""
        self.cfg, self.run_dir = cfg, Path(run_dir)
        self.callbacks = callbacks or []
        device = resolve_device(cfg.train.device, cfg._source)
        check_precision(cfg.model.dtype, device, cfg._source)
        self.dist = dist or Dist(device, cfg.model.dtype)
        if cfg.train.threads:
            torch.set_num_threads(cfg.train.threads)
        with self.dist.accelerator.main_process_first():  # rank 0 builds the tiny model, the others then read it
            inputs = load_inputs(cfg, model_path, self.dist.world)
        self.estimator, self.base_path, self.tok, self.verifier = (inputs.estimator, inputs.base_path, inputs.tok,
                                                                   inputs.verifier)
        self.train_examples, self.eval_examples, self.sft_items = (inputs.train_examples, inputs.eval_examples,
                                                                   inputs.sft_items)
        self.make_env = inputs.make_env
        self.runner = self.metrics = self.learner = self.collector = self.auditor = None
        self.owns_ray = False
        self.eval_history: list[dict] = []

    # ------------------------------------------------------------------ lifecycle
    @property
    def is_main(self) -> bool:
        return self.dist.is_main

    def emit(self, event: str, payload: dict) -> None:
        if self.is_main:
            for cb in self.callbacks:
                cb(event, payload)

    def setup(self, resume: bool = False) -> None:
        cfg = self.cfg
        random.seed(cfg.train.seed)
        torch.manual_seed(cfg.train.seed + self.dist.rank)  # each rank samples its own randomness
        v = cfg.verifier
        self.owns_ray = connect_ray(cfg)
        self.runner = build_runner(self.verifier, v)
        if v.audit is not None:
            self.auditor = Auditor(v.audit, ScoreTable(**v.scores.model_dump()), v.timeout_s, self.train_examples,
                                   self.run_dir / "audit.jsonl" if self.is_main else None, cfg.train.seed, self.dist)
        if self.is_main:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            (self.run_dir / "config.yaml").write_text(to_yaml(cfg))
            self.metrics = MetricsWriter(self.run_dir, cfg.logging, resume=resume)
        self.dist.barrier()

    def cleanup(self) -> None:
        sampler = self.collector.sampler if self.collector is not None else None
        for part in (self.runner, self.auditor, sampler):
            if part is not None and hasattr(part, "close"):
                part.close()
        if self.metrics is not None:
            self.metrics.close()
        if self.owns_ray:
            from rft import cluster

            cluster.shutdown()

    def train(self, resume: bool = False) -> dict:
        self.setup(resume=resume)
        try:
            return self._train(resume)
        finally:
            self.cleanup()

    # ------------------------------------------------------------------ stage 1: SFT
    def sft(self, model) -> dict:
        """The warm-up. With N ranks each takes its share of every batch; the loss is normalised by
        the batch's label-token count over all ranks, so the update is the one-process update."""
        cfg, s, items, dist = self.cfg, self.cfg.sft, self.sft_items, self.dist
        params = [p for p in model.parameters() if p.requires_grad]  # with LoRA, the adapters only
        opt = torch.optim.AdamW(params, lr=s.lr, weight_decay=s.weight_decay)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda(s.lr_schedule, s.warmup_steps, s.steps))
        model, opt = dist.prepare(model, opt)
        rng = random.Random(cfg.train.seed + 1)
        order: list[int] = []
        model.train()
        if self.metrics is not None:
            self.metrics.start_sft()
        t0 = time.perf_counter()
        for step in range(1, s.steps + 1):
            if len(order) < s.batch_size:
                perm = list(range(len(items)))
                rng.shuffle(perm)
                order += perm
            rows = order[: s.batch_size][dist.shard(s.batch_size)]
            batch = {k: v.to(dist.device) for k, v in collate_sft([items[i] for i in rows], self.tok.pad_token_id).items()}
            order = order[s.batch_size:]
            loss = model(**batch).loss  # HF shifts labels; -100 (prompt, padding) is ignored
            if dist.distributed:  # a mean over this rank's tokens -> its share of the global mean
                n = (batch["labels"][:, 1:] != -100).sum()
                total = dist.sum(n)
                dist.backward(loss * n / total * dist.world)
                loss = dist.sum((loss * n).detach()) / total
            else:
                dist.backward(loss)
            gnorm = dist.clip_grad_norm_(params, s.grad_clip)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            m = {"step": step, "loss": loss.item(), "grad_norm": float(gnorm), "lr": sched.get_last_lr()[0],
                 "seconds": time.perf_counter() - t0}
            if self.metrics is not None:
                self.metrics.log_sft(m)
            self.emit("sft_step", {**m, "steps": s.steps})
        return {"sft/steps": s.steps, "sft/seconds": time.perf_counter() - t0}

    # ------------------------------------------------------------------ stage 2: RL
    def build(self, start_path: str, ckpt: Path | None) -> None:
        """Learner (policy, reference, critic, optimizers) and collector (stream, sampler, verifier)."""
        cfg, a = self.cfg, self.cfg.algorithm
        # The reference is the warm-up result, frozen; it is only loaded when the KL term is on, so
        # kl_coef=0 costs no memory and no forward pass. With LoRA it is the policy's own base
        # weights (adapters off), so no second copy is loaded at all.
        if cfg.model.lora:
            policy = trainable_model(start_path, cfg.model, adapter_dir=str(ckpt) if ckpt else None)
        else:
            policy = trainable_model(str(ckpt) if ckpt else start_path, cfg.model)
        ref = load_model(start_path, cfg.model, trainable=False) if a.kl_coef > 0 and not cfg.model.lora else None
        critic = None
        if self.estimator.critic:  # on resume the checkpoint's, else a new head on its backbone
            critic = load_critic(str(ckpt / "critic") if ckpt else (a.critic.model or start_path), cfg.model)
            if cfg.model.gradient_checkpointing:
                enable_gradient_checkpointing(critic)
        self.learner = Learner(cfg, self.estimator, Models(policy, ref, critic), self.dist)
        sampler = build_sampler(cfg, self.learner.module, self.tok, self.dist.device.type, model_path=start_path,
                                make_env=self.make_env)
        self.collector = Collector(cfg, self.train_examples, sampler, self.runner, self.tok.pad_token_id, self.dist)
        self._sync()  # a sampler with weights of its own (Ray actors) starts with the learner's

    def step_metrics(self, batch, stats: dict, t_update: float, t_step: float) -> dict:
        m = {**batch.stats, "time/update": t_update, "time/step": t_step, "memory/peak_rss_gb": peak_rss_gb()}
        if self.dist.device.type == "cuda":  # since the step began; the max over ranks
            m["memory/peak_gpu_gb"] = torch.cuda.max_memory_allocated() / 1e9
        m.update(stats)
        return self.dist.mean_dict(m, max_keys=("time/update", "time/sync", "time/step", "memory/peak_rss_gb",
                                                "memory/peak_gpu_gb"))

    def sample_rows(self, batch) -> list[tuple]:
        """(prompt, completion, outcome, reason, reward) of the first sample of each group of the batch."""
        shown = [e["segments"] for e in batch.episodes] if batch.episodes is not None else batch.texts
        rows = [(self.train_examples[int(batch.group_ids[i])].prompt, shown[i], batch.outcomes[i],
                 batch.reasons[i], float(batch.rewards[i])) for i in range(0, batch.num_rows, batch.group_size)]
        if batch.episodes is not None:  # a multi-turn rollout with a tool call first, when there is one
            called = [r for r, i in zip(rows, range(0, batch.num_rows, batch.group_size))
                      if batch.episodes[i]["tool_calls"]]
            rows = called[:1] + [r for r in rows if r not in called[:1]]
        return rows

    def _train(self, resume: bool) -> dict:
        cfg, dist = self.cfg, self.dist
        t_start = time.perf_counter()
        sft_dir = self.run_dir / "sft"
        ckpt = self.latest_checkpoint() if resume else None
        summary: dict = {}
        # Stage 1: SFT warm-up (skipped on resume once sft/ is written; SFT is deterministic, so an
        # interrupted warm-up simply runs again from the start)
        if cfg.sft.steps > 0 and not (sft_dir / "config.json").exists():
            model = trainable_model(self.base_path, cfg.model)
            summary.update(self.sft(model))
            model = unwrap_ddp(model)
            if cfg.model.lora:  # the warm-up's adapters are merged: RL starts new ones on top
                model = model.merge_and_unload()
            if self.is_main:
                save_pretrained(model, self.tok, sft_dir)
            del model
            dist.barrier()
        start_path = str(sft_dir) if (sft_dir / "config.json").exists() else self.base_path
        self.build(start_path, ckpt)
        learner, collector = self.learner, self.collector
        if ckpt:
            self.load_checkpoint(ckpt)
            self._sync()  # a sampler with its own weights starts from the checkpoint's, not start_path's
            self.emit("info", {"message": f"resumed from {ckpt} at step {learner.version}"})
        elif self.eval_examples and cfg.train.steps > 0:
            self.eval_history.append({"step": 0, **self.evaluate("sft")})
        if resume and self.metrics is not None:  # lines logged after the checkpoint (or with none, all) are redone
            self.metrics.truncate(learner.version)
        if resume and self.auditor is not None:
            self.auditor.truncate(learner.version)
        self.emit("rl_start", {"steps": cfg.train.steps, "start": learner.version, "algorithm": cfg.algorithm.name})
        one_step = cfg.train.async_ == "one_step"
        ahead = Ahead(collector) if one_step else None
        try:
            self._rl_loop(ahead, t_start)
        finally:
            if ahead is not None:
                ahead.close()
        return self._finish(summary, t_start)

    def _rl_loop(self, ahead: "Ahead | None", t_start: float) -> None:
        """The RL steps. Synchronous (`ahead` None): collect, update, sync. One-step-off: once step
        k's batch is sampled, the sampler takes the learner's weights (those of step k-1) and
        samples step k+1's batch in the background while step k's is scored and updated on; it
        takes new weights only between two batches, so every batch was sampled by one set of
        weights, one update older than the learner's when it trains on it."""
        cfg, dist, learner, collector = self.cfg, self.dist, self.learner, self.collector
        if ahead is not None and learner.version < cfg.train.steps:
            ahead.start()
        while learner.version < cfg.train.steps:
            if dist.device.type == "cuda":
                torch.cuda.reset_peak_memory_stats()
            t0 = time.perf_counter()
            t_sync = 0.0
            if ahead is None:
                batch = collector.collect()  # sample + verify: B prompts x G responses, scored and shaped
            else:
                draft = ahead.take()  # sampled by the weights one update older than the learner's
                t_sync = self._sync()  # the sampler is idle: the learner's current weights, then
                if learner.version + 1 < cfg.train.steps:  # the next batch samples during this
                    ahead.start()  # batch's scoring and update
                batch = draft if isinstance(draft, Batch) else collector.finish(draft)
            t1 = time.perf_counter()
            wait = t1 - t0 - t_sync  # the learner idle, waiting for its batch
            staleness = learner.version - batch.weights_version
            stats = learner.update(batch)  # KL, advantages, policy (and critic) update
            t2 = time.perf_counter()
            if ahead is None or learner.version == cfg.train.steps:
                t_sync += self._sync()  # a sampler with its own copy of the weights takes the new ones
            stats["time/sync"] = t_sync
            stats["time/wait"] = wait
            stats["async/staleness"] = staleness
            m = self.step_metrics(batch, stats, t2 - t1, time.perf_counter() - t0)
            step = m["step"] = learner.version
            if self.auditor is not None:  # a second verifier's opinion on a sample of this step's rows
                t3 = time.perf_counter()
                audit = self.auditor.audit(step, batch)
                if audit:  # an audited step
                    m.update(audit, **{"time/audit": time.perf_counter() - t3})
            if cfg.train.eval_every and step % cfg.train.eval_every == 0 and step < cfg.train.steps:
                if ahead is not None:  # evaluate the learner's weights: wait for the batch in flight
                    ahead.wait()
                    self._sync()
                ev = self.evaluate(f"step {step}")
                self.eval_history.append({"step": step, **ev})
                m["eval/accuracy"] = ev["accuracy"]
            m["time/elapsed"] = time.perf_counter() - t_start  # the whole run so far: SFT, steps, evals
            if self.metrics is not None:
                self.metrics.log(m)
            self.emit("step", m)
            if cfg.train.sample_every and step % cfg.train.sample_every == 0:
                self.emit("samples", {"step": step, "rows": self.sample_rows(batch)})
            if cfg.train.save_every and step % cfg.train.save_every == 0 and step < cfg.train.steps:
                if ahead is not None:
                    ahead.wait()
                self.save_checkpoint(pending=ahead is not None and ahead.pending)

    def _sync(self) -> float:
        t = time.perf_counter()
        self.collector.sync(self.learner)
        return time.perf_counter() - t

    def _finish(self, summary: dict, t_start: float) -> dict:
        """The end: final model, last eval, paired comparison with the SFT eval, curves."""
        cfg, dist, learner, collector = self.cfg, self.dist, self.learner, self.collector
        summary["models"] = learner.footprint()  # before LoRA's merge, which freezes everything
        # final/ is a plain model (LoRA: base + merged adapters) that any tool loads, and is what the
        # last eval samples from
        policy = learner.module.merge_and_unload() if cfg.model.lora else learner.module
        backend = getattr(collector.sampler, "backend", collector.sampler)  # a multi-turn sampler's backend
        if isinstance(backend, HFSampler):
            backend.model = policy
        states = [dist.full_state_dict(m) for m in (policy, learner.critic) if m is not None]  # every rank
        if self.is_main:
            save_pretrained(policy, self.tok, self.run_dir / "final", states[0])
            if learner.critic is not None:
                save_pretrained(unwrap_ddp(learner.critic), self.tok, self.run_dir / "final" / "critic", states[1])
        if self.eval_examples:
            final = self.evaluate("final")
            self.eval_history.append({"step": learner.version, **final})
            summary["eval"] = eval_summary(self.eval_history)
        summary.update({"steps": learner.version, "wall_seconds": time.perf_counter() - t_start,
                        "peak_rss_gb": peak_rss_gb(), "verifier": dict(self.runner.stats),
                        "device": str(dist.device), "processes": dist.world, "dtype": cfg.model.dtype})
        if dist.device.type == "cuda":
            summary["peak_gpu_gb"] = torch.cuda.max_memory_allocated() / 1e9
        if self.is_main:
            (self.run_dir / "summary.json").write_text(json.dumps(summary, indent=2))
            self.metrics.plot(self.eval_history)
        dist.barrier()
        return summary

    # ------------------------------------------------------------------ eval
    def evaluate(self, tag: str) -> dict:
        res = evaluate(self.collector.sampler, self.eval_examples, self.runner,
                       max_new_tokens=self.cfg.sampler.max_new_tokens, batch_size=self.cfg.train.eval_batch_size,
                       dist=self.dist)
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

    def _rng_state(self) -> dict:
        state = {"torch": torch.get_rng_state(), "python": random.getstate()}
        if torch.cuda.is_available() and self.dist.device.type == "cuda":
            state["cuda"] = torch.cuda.get_rng_state()
        return state

    def save_checkpoint(self, pending: bool = False) -> Path:
        """Model (with LoRA, its adapters) + optimizer + scheduler + every rank's RNG + data position
        (+ the critic and its optimizer with ppo), written to a temp dir by rank 0, then renamed.
        `pending`: a batch collected ahead (one-step-off) is not trained on yet; the data position
        is the one before it, so a resume draws its prompts again (sampled by the resumed weights)."""
        step = self.learner.version
        dist = self.dist
        rngs = dist.gather_object(self._rng_state())  # a collective: every rank calls it
        out = self.ckpt_dir() / f"step-{step:06d}"
        tmp = self.ckpt_dir() / f".tmp-step-{step:06d}"
        if self.is_main:
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
        dist.barrier()
        self.learner.save_models(tmp, write=self.is_main)
        if dist.sharded:  # each rank holds its own slice of the optimizer state
            torch.save(self.learner.state_dict(), tmp / f"learner-rank{dist.rank}.pt")
        dist.barrier()
        if self.is_main:
            self.tok.save_pretrained(tmp)
            state = {"step": step, "collector": self.collector.state_dict(pending), "rng": rngs,
                     "eval_history": self.eval_history}
            if not dist.sharded:
                state["learner"] = self.learner.state_dict()
            torch.save(state, tmp / "trainer_state.pt")
            replace_dir(tmp, out)
            for old in sorted(self.ckpt_dir().glob("step-*"))[: -self.cfg.train.keep_checkpoints]:
                shutil.rmtree(old, ignore_errors=True)
        self.dist.barrier()
        return out

    def load_checkpoint(self, path: Path) -> None:
        state = torch.load(path / "trainer_state.pt", weights_only=False, map_location="cpu")
        if "learner" in state:
            self.learner.load_state_dict(state["learner"])
        else:  # sharded ranks: each its own slice, from a run with the same number of ranks
            shard = path / f"learner-rank{self.dist.rank}.pt"
            if not shard.exists():
                raise UserError(f"no optimizer state for rank {self.dist.rank}: resume with as many processes as "
                                "the run that wrote this checkpoint", file=str(path), field="--resume")
            self.learner.load_state_dict(torch.load(shard, weights_only=False, map_location="cpu"))
        self.collector.load_state_dict(state["collector"])
        rngs = state["rng"]
        if len(rngs) != self.dist.world:
            self.emit("info", {"message": f"the checkpoint was written by {len(rngs)} processes, this run has "
                                          f"{self.dist.world}: sampling randomness restarts from the seed"})
        else:
            rng = rngs[self.dist.rank]
            torch.set_rng_state(rng["torch"])
            random.setstate(rng["python"])
            if "cuda" in rng and self.dist.device.type == "cuda":
                torch.cuda.set_rng_state(rng["cuda"])
        self.eval_history = state["eval_history"]


class Ahead:
    """The next batch, sampled in a background thread while the learner updates (one-step-off).

    The thread runs `Collector.begin` (sampling, each group submitted for scoring as it ends) and
    returns when sampling ends; the trainer then hands the sampler new weights and starts the
    next batch at once, while it waits for this one's scores (`Collector.finish`) and updates on
    it. So sampling, scoring and the update of neighbouring batches all run at the same time, and
    the sampler's weights are touched only when it is idle. With dynamic sampling (whose later
    rounds depend on the scores) the thread runs the whole `Collector.collect`. Torch releases
    the GIL in its kernels and the verifier executors wait on pipes or Ray, so the parts overlap."""

    def __init__(self, collector: Collector):
        self.collector = collector
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="rft-rollout")
        self.future: Future | None = None

    @property
    def pending(self) -> bool:
        return self.future is not None

    def start(self) -> None:
        assert self.future is None, "one batch ahead at most"
        c = self.collector
        self.future = self.pool.submit(c.collect if c.cfg.algorithm.dynamic_sampling else c.begin)

    def wait(self) -> None:
        """Until the batch in flight is collected (raising what its collection raised)."""
        if self.future is not None:
            self.future.result()

    def take(self) -> Batch | Draft:
        """The batch in flight once sampled: a `Draft` to `finish`, or (dynamic sampling) a `Batch`."""
        out, self.future = self.future.result(), None
        return out

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def eval_summary(history: list[dict]) -> dict:
    """First vs last eval: both accuracies with Wilson intervals and the paired difference."""
    first, last = history[0], history[-1]
    out = {"history": [{"step": h["step"], "accuracy": h["accuracy"]} for h in history],
           "first": {k: first[k] for k in ("tag", "accuracy", "wilson95", "n", "tool_use", "correct_mask") if k in first},
           "last": {k: last[k] for k in ("tag", "accuracy", "wilson95", "n", "tool_use", "correct_mask") if k in last}}
    if len(history) > 1:
        out["difference"] = paired_difference(first["correct_mask"], last["correct_mask"])
    return out
