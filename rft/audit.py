"""Reward audit: a second verifier re-scores a sample of the completions the policy is trained on.

A policy optimised against one verifier finds that verifier's blind spots (a number left
mid-thought that the answer extractor takes, a returned object whose `__eq__` is always true). A
second opinion on a small random sample each step shows it happening as a rising disagreement
rate long before held-out accuracy says so:

    verifier:
      name: math
      audit: {verifier: math, options: {strict: true}, every: 10, sample: 32}

Per audited step, `metrics.jsonl` gets `audit/disagreement` (the share of audited completions
where exactly one of the two verifiers says `correct`) and `audit/rewarded_rejected` (of those the
training verifier called correct, the share the auditor did not: the reward-hacking signal), and
`audit.jsonl` in the run dir gets one line per disagreeing completion with both outcomes and
reasons. The auditor scores through its own `VerifierRunner` (one worker, the task's per-row
deadline), so a slow or crashing audit verifier costs only its rows.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

from rft.batch import Batch
from rft.config import AuditConfig
from rft.data import Example
from rft.distributed import Dist
from rft.metrics import truncate_jsonl
from rft.verifiers import ScoreTable, build_verifier
from rft.verifiers.runner import VerifierRunner


class Auditor:
    def __init__(self, cfg: AuditConfig, scores: ScoreTable, timeout_s: float, examples: list[Example],
                 path: Path | None, seed: int, dist: Dist):
        """`path`: audit.jsonl on the rank that writes, None on the others."""
        self.cfg, self.examples, self.path, self.seed, self.dist = cfg, examples, path, seed, dist
        self.runner = VerifierRunner(build_verifier(cfg.verifier, cfg.options, scores), workers=1, timeout_s=timeout_s)

    def audit(self, step: int, batch: Batch) -> dict[str, float]:
        """Re-score this rank's share of `sample` rows of `batch`; metrics over all ranks ({} when not due)."""
        if step % self.cfg.every:
            return {}
        dist = self.dist
        k = max(1, self.cfg.sample // dist.world)
        rng = random.Random(f"{self.seed}:{step}:{dist.rank}")
        rows = sorted(rng.sample(range(batch.num_rows), min(k, batch.num_rows)))
        fields = [self.examples[int(batch.group_ids[i])].fields for i in rows]
        scores = self.runner.score_batch([batch.texts[i] for i in rows], fields,
                                         truncated=[bool(batch.truncated[i]) for i in rows])
        records, rewarded, rejected = [], 0, 0
        for i, f, s in zip(rows, fields, scores):
            first, second = batch.outcomes[i] == "correct", s.outcome == "correct"
            rewarded += first
            rejected += first and not second
            if first != second:
                records.append({"step": step, "rank": dist.rank, "row": i, "completion": batch.texts[i],
                                "fields": f, "truncated": bool(batch.truncated[i]),
                                "verifier": {"outcome": batch.outcomes[i], "reason": batch.reasons[i],
                                             "reward": float(batch.rewards[i])},
                                "audit": {"outcome": s.outcome, "reason": s.reason, "reward": s.value}})
        parts = dist.gather_object((len(rows), rewarded, rejected, records))
        n, rewarded, rejected = (sum(p[j] for p in parts) for j in range(3))
        records = [r for p in parts for r in p[3]]
        if self.path is not None and records:
            with self.path.open("a", encoding="utf-8") as out:
                for r in records:
                    out.write(json.dumps(r, ensure_ascii=False, default=str) + "\n")
        return {"audit/rows": n, "audit/disagreement": len(records) / max(n, 1),
                "audit/rewarded_rejected": rejected / max(rewarded, 1)}

    def truncate(self, step: int) -> None:
        """On resume: drop what was audited after the checkpoint (those steps run again)."""
        if self.path is not None:
            truncate_jsonl(self.path, step)

    def close(self) -> None:
        self.runner.close()
