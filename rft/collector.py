"""The rollout side: prompts -> sampler -> verifier runner -> reward shaping -> `Batch`.

The collector owns the prompt stream, the sampler and the verifier runner, and everything that
turns verifier scores into the rewards the learner sees: the task's score table (applied by the
verifier), DAPO's soft overlong penalty, the overlong filter (a loss-mask change) and dynamic
sampling. It never touches an optimizer; `sync(learner)` hands the sampler the learner's weights.

With several data-parallel ranks, every rank draws the step's `prompts_per_step` prompts from the
same seeded stream and samples and verifies its own contiguous share of them: whole groups on one
rank. Dynamic sampling then fills each rank's share; a rank keeps sampling rounds until every rank
is full (or `max_sample_rounds`), so the stream stays in step across ranks.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass

import torch

from rft import algorithms as algo
from rft.batch import Batch
from rft.config import TaskConfig
from rft.data import Example, PromptStream
from rft.distributed import Dist
from rft.sampling import Rollout, Sampler
from rft.verifiers import Score


@dataclass
class Draft:
    """A round sampled and submitted for scoring, its scores perhaps still coming (`Collector.sample`)."""

    idx: list[int]  # the train examples of its groups
    rollout: Rollout
    jobs: list  # (groups, their texts, pending scores), in submission order
    weights_version: int  # of the weights that sampled it
    sample_s: float
    sampled_at: float  # perf_counter when sampling ended
    first_submit: float  # perf_counter of its first submission for scoring
    scored_at: list  # perf_counter at which each submission's scores were all in (None: not yet)


class Collector:
    def __init__(self, cfg: TaskConfig, examples: list[Example], sampler: Sampler, runner, pad_id: int,
                 dist: Dist | None = None):
        self.cfg, self.examples, self.sampler, self.runner, self.pad_id = cfg, examples, sampler, runner, pad_id
        self.dist = dist or Dist()
        self.stream = PromptStream(len(examples), cfg.train.seed)
        self.start_state = self.stream.state_dict()
        self.scored_until = 0.0  # perf_counter at which the last batch's scores were all in

    # ------------------------------------------------------------------ one step
    def collect(self) -> Batch:
        """Sample and score this rank's share of `train.prompts_per_step` groups: a `Batch` with its stats.

        With dynamic sampling, groups whose rewards are all equal are dropped and more prompts are
        drawn, at most `max_sample_rounds` rounds; a batch still short trains on the groups it has
        (and if none was kept at all, on the last round as it is: a step with zero advantages).
        Without it, `collect()` is `finish(begin())`.
        """
        cfg, a, dist = self.cfg, self.cfg.algorithm, self.dist
        if not a.dynamic_sampling:
            return self.finish(self.begin())
        B, G = cfg.train.prompts_per_step, cfg.sampler.n
        B_local, shard = B // dist.world, dist.shard(B)
        timing = {"sample": 0.0, "verify": 0.0, "verify_wait": 0.0}
        self.start_state = self.stream.state_dict()  # where a resume redraws this batch from
        kept: list[Batch] = []
        n_kept, rounds, drawn, penalties, tokens, last, version = 0, 0, [], [], 0, None, None
        while True:
            rounds += 1
            idx = self.stream.take(B)[shard]
            if n_kept < B_local:  # a rank already full only keeps the stream in step
                draft = self.sample(idx)
                version = draft.weights_version
                last, penalty = self.shape(draft.rollout, self.scores(draft, timing), idx)
                drawn.append(last)
                tokens += draft.rollout.num_tokens
                if penalty is not None:
                    penalties.append(penalty)
                keep = (~algo.uniform_groups(last.rewards, G)).nonzero().view(-1)
                if len(keep):
                    kept.append(last.select_groups(keep))
                    n_kept += len(keep)
            short = n_kept < B_local and rounds < a.max_sample_rounds
            if not dist.any(short):
                break
        batch = Batch.cat(kept or [last], self.pad_id)
        if batch.num_rows > B_local * G:
            batch = batch.select_groups(torch.arange(B_local))
        batch.weights_version = version
        batch.stats = self.stats(batch, drawn, penalties, tokens, rounds, timing)
        return batch

    def begin(self) -> Draft:
        """Draw this rank's share of the step's prompts, sample them, and submit every group for
        scoring: returns when sampling ends, while the verifier may still be scoring. One-step-off
        training starts the next batch's sampling then, so it overlaps this batch's scoring."""
        B = self.cfg.train.prompts_per_step
        self.start_state = self.stream.state_dict()  # where a resume redraws this batch from
        return self.sample(self.stream.take(B)[self.dist.shard(B)])

    def finish(self, draft: Draft) -> Batch:
        """Wait for a drafted batch's scores and shape them: the step's `Batch` with its stats."""
        timing = {"sample": 0.0, "verify": 0.0, "verify_wait": 0.0}
        batch, penalty = self.shape(draft.rollout, self.scores(draft, timing), draft.idx)
        batch.weights_version = draft.weights_version
        batch.stats = self.stats(batch, [batch], [penalty] if penalty is not None else [], draft.rollout.num_tokens,
                                 1, timing)
        return batch

    def sample(self, idx: list[int]) -> Draft:
        """Sample G responses to each prompt of `idx`, scoring overlapped: the sampler reports each
        group as soon as all its rows have ended (`on_groups`) and the group goes to the verifier
        executor at once, while the rest of the batch is still sampling; groups it did not report
        (those cut at the token limit) are submitted when sampling ends."""
        G = self.cfg.sampler.n
        version = getattr(self.sampler, "weights_version", 0)  # no sync happens while a batch samples
        jobs: list[tuple[list[int], list[str], object]] = []  # (groups, their texts, pending scores)
        lock = threading.Lock()
        first: list[float] = []
        stamps: list[float | None] = []  # when each submission's scores were all in

        def submit(groups: list[int], texts: list[str], truncated: list[bool]) -> None:
            fields = [self.examples[idx[g]].fields for g in groups for _ in range(G)]
            with lock:
                first.append(time.perf_counter())
                stamps.append(None)
                k = len(stamps) - 1
            pending = self.runner.submit(texts, fields, truncated=[bool(t) for t in truncated])
            pending.add_done_callback(lambda _: stamps.__setitem__(k, time.perf_counter()))
            with lock:
                jobs.append((groups, texts, pending))

        t0 = time.perf_counter()
        prompts = [self.examples[i].prompt for i in idx]
        if getattr(self.sampler, "multi_turn", False):  # environments start from the data rows
            rollout = self.sampler.generate(prompts, G, rows=[self.examples[i].fields for i in idx])
        else:
            rollout = self.sampler.generate(prompts, G, on_groups=submit)
        t1 = time.perf_counter()
        if rollout.scores is not None:  # an environment scored its episodes: nothing to verify
            done = Future()
            done.set_result(list(rollout.scores))
            return Draft(idx, rollout, [(list(range(len(idx))), rollout.texts, done)], version, sample_s=t1 - t0,
                         sampled_at=t1, first_submit=t1, scored_at=[t1])
        with lock:
            early = list(jobs)
        seen = {g for groups, _, _ in early for g in groups}
        for groups, texts, _ in early:  # a sampler's early text must be the text it returns
            if texts != [rollout.texts[g * G + j] for g in groups for j in range(G)]:
                raise RuntimeError(f"{type(self.sampler).__name__} reported texts for groups {groups} that "
                                   "differ from its final rollout")
        rest = [g for g in range(len(idx)) if g not in seen]
        if rest:
            rows = [g * G + j for g in rest for j in range(G)]
            cut = rollout.truncated.tolist()
            submit(rest, [rollout.texts[r] for r in rows], [cut[r] for r in rows])
        return Draft(idx, rollout, jobs, version, sample_s=t1 - t0, sampled_at=t1, first_submit=min(first),
                     scored_at=stamps)

    def scores(self, draft: Draft, timing: dict) -> list[Score]:
        """A draft's scores in row order (text in, `Score` out; hangs and exceptions become `error`).
        `timing` gains the sampling time, the verifier's busy span (first submission to last score)
        and the part of it that came after sampling had ended."""
        G = self.cfg.sampler.n
        out: list[Score | None] = [None] * len(draft.rollout.texts)
        for groups, _, pending in draft.jobs:
            for k, s in enumerate(pending.result()):
                out[groups[k // G] * G + k % G] = s
        done = max(t if t is not None else time.perf_counter() for t in draft.scored_at)
        # the executor scores in submission order: rows submitted while an earlier batch still held
        # it (one-step-off) start being scored when that batch's last score is in
        start = max(draft.first_submit, self.scored_until)
        self.scored_until = done
        timing["sample"] += draft.sample_s
        timing["verify"] += done - start
        timing["verify_wait"] += max(0.0, done - draft.sampled_at)
        return out

    def shape(self, rollout: Rollout, scores: list[Score], idx: list[int]) -> tuple[Batch, torch.Tensor | None]:
        """Shape a scored rollout's rewards: a Batch of one round, and its overlong penalties."""
        cfg, a, G = self.cfg, self.cfg.algorithm, rollout.group_size
        device = rollout.response_ids.device
        rewards = torch.tensor([s.value for s in scores], dtype=torch.float32)
        penalty = None
        if a.overlong_buffer:  # DAPO's soft overlong penalty; a cut response counts as longer
            lengths = rollout.response_mask.sum(-1).cpu() + rollout.truncated.long().cpu()
            penalty = a.overlong_penalty * algo.overlong_penalty(lengths, cfg.sampler.max_new_tokens, a.overlong_buffer)
            rewards = rewards + penalty
        # tool results and observations are attended to and not trained on
        loss_mask = rollout.loss_mask.float() if rollout.loss_mask is not None else rollout.response_mask.float()
        if a.overlong_filter:  # DAPO: truncated responses carry no loss
            loss_mask = loss_mask * algo.overlong_filter_mask(rollout.truncated)[:, None]
        return Batch(prompt_ids=rollout.prompt_ids, response_ids=rollout.response_ids,
                     attention_mask=rollout.attention_mask, loss_mask=loss_mask, logprobs=rollout.logprobs,
                     rewards=rewards.to(device), outcomes=[s.outcome for s in scores],
                     reasons=[s.reason for s in scores],
                     group_ids=torch.tensor(idx, device=device).repeat_interleave(G), truncated=rollout.truncated,
                     texts=rollout.texts, group_size=G, episodes=rollout.episodes), penalty

    def stats(self, batch: Batch, drawn: list[Batch], penalties: list, tokens: int, rounds: int,
              timing: dict) -> dict[str, float]:
        """The step's rollout metrics, over everything drawn on every rank (not only what was kept)."""
        G, dist = self.cfg.sampler.n, self.dist
        rewards = torch.cat([d.rewards for d in drawn]).cpu()
        outcomes = [o for d in drawn for o in d.outcomes]
        penalty = torch.cat(penalties) if penalties else None
        truncated = batch.truncated.cpu()
        drawn_cut = torch.cat([d.truncated for d in drawn]).cpu()
        groups = batch.num_rows // G
        episodes = [{k: v for k, v in e.items() if k not in ("transcript", "segments")} for d in drawn for e in (d.episodes or [])]
        if dist.distributed:  # the same formulas over the concatenation of all ranks' draws
            parts = dist.gather_object((rewards, outcomes, penalty, truncated, tokens, groups, drawn_cut, episodes))
            episodes = [e for p in parts for e in p[7]]
            rewards = torch.cat([p[0] for p in parts])
            outcomes = [o for p in parts for o in p[1]]
            penalty = torch.cat([p[2] for p in parts]) if penalty is not None else None
            truncated = torch.cat([p[3] for p in parts])
            tokens, groups = sum(p[4] for p in parts), sum(p[5] for p in parts)
            drawn_cut = torch.cat([p[6] for p in parts])
            timing = dist.mean_dict(timing, max_keys=("sample", "verify", "verify_wait"))
        m = {
            "reward/mean": rewards.mean().item(), "reward/std": rewards.std().item(),
            "reward/accuracy": outcomes.count("correct") / len(outcomes),
            "reward/unparseable": outcomes.count("unparseable") / len(outcomes),
            "reward/error": outcomes.count("error") / len(outcomes),
            "reward/zero_std_groups": algo.uniform_groups(rewards, G).float().mean().item(),
            "response/length": tokens / len(outcomes),
            "response/truncated": truncated.float().mean().item(),
            # of the completions rewarded as correct, the share cut at max_new_tokens: a rising value
            # means the policy is being paid for answers it never finished
            "reward/correct_truncated": sum(o == "correct" and bool(c) for o, c in zip(outcomes, drawn_cut))
            / max(outcomes.count("correct"), 1),
            "perf/tokens_per_s": tokens / max(timing["sample"], 1e-9),
            "time/sample": timing["sample"], "time/verify": timing["verify"], "time/verify_wait": timing["verify_wait"],
        }
        if episodes:  # multi-turn rollouts
            n, turns = len(episodes), sum(e["turns"] for e in episodes)
            calls = sum(e["tool_calls"] for e in episodes)
            m["episode/turns"] = turns / n  # model turns per rollout
            m["episode/max_turns"] = sum(e["ended"] == "max_turns" for e in episodes) / n
            m["tool/calls"] = calls  # in the step, over every rollout drawn
            m["tool/call_rate"] = calls / max(turns, 1)  # the share of model turns that called a tool
            m["tool/errors"] = sum(e["tool_errors"] for e in episodes)
            m["tool/timeouts"] = sum(e["tool_timeouts"] for e in episodes)
            m["tool/output_tokens"] = sum(e["tool_tokens"] for e in episodes) / n  # per rollout
        if penalty is not None:
            m["reward/overlong_penalty"] = penalty.mean().item()  # included in reward/mean
        if self.cfg.algorithm.dynamic_sampling:
            m["sampling/rounds"] = rounds
            m["sampling/batch_groups"] = groups
        return m

    # ------------------------------------------------------------------ weights and state
    def sync(self, learner) -> None:
        """Give the sampler the learner's current weights (a no-op copy for a sampler sharing them)."""
        self.sampler.load_weights(learner.export_weights(), learner.version)

    def state_dict(self, pending: bool = False) -> dict:
        """The prompt stream's position; `pending`: a batch drawn ahead (one-step-off) is not yet
        trained on, so a resume draws it again."""
        return {"stream": self.start_state if pending else self.stream.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.stream.load_state_dict(state["stream"])
