"""Model evaluation: greedy accuracy with a Wilson interval, unbiased pass@k, paired differences.

Correct means the verifier's outcome is `correct` (not a reward threshold), so a task with a
different score table is measured the same way.
"""
from __future__ import annotations

import math
import time

from rft.data import Example
from rft.sampling import Sampler, SamplingParams
from rft.verifiers import Score


def wilson(k: int, n: int, z: float = 1.96) -> list[float]:
    """95% Wilson score interval for k successes out of n."""
    if n == 0:
        return [0.0, 1.0]
    p, d = k / n, 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    # it contains p: rounding alone would put 1 - 1e-16 above a perfect score
    return [min(p, max(0.0, c - h)), max(p, min(1.0, c + h))]


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k (Chen et al. 2021): 1 - C(n-c, k) / C(n, k), for n samples with c correct."""
    if n - c < k:
        return 1.0
    return 1.0 - math.prod((n - c - i) / (n - i) for i in range(k))


def paired_difference(before: list[int], after: list[int], z: float = 1.96) -> dict:
    """Mean of per-prompt (after - before) with a normal 95% interval, and the flip counts."""
    n = len(before)
    d = [b - a for a, b in zip(before, after)]
    mean = sum(d) / n
    var = sum((x - mean) ** 2 for x in d) / max(1, n - 1)
    half = z * math.sqrt(var / n)
    return {"delta": mean, "ci95": [mean - half, mean + half], "n": n,
            "wrong_to_right": sum(x == 1 for x in d), "right_to_wrong": sum(x == -1 for x in d)}


def _complete(sampler: Sampler, examples: list[Example], params: SamplingParams, n: int, batch_size: int,
              runner) -> tuple[list[str], list[Score], list[dict] | None]:
    """n completions per example (adjacent), `batch_size` prompts per `generate` call, scored: by
    the environment when a multi-turn sampler's environment scores its episodes, else by `runner`
    (told which were cut at `max_new_tokens`). Also the episodes of a multi-turn sampler."""
    texts: list[str] = []
    truncated: list[bool] = []
    own: list[Score] | None = None
    episodes: list[dict] | None = None
    multi = getattr(sampler, "multi_turn", False)
    for i in range(0, len(examples), batch_size):
        part = examples[i:i + batch_size]
        prompts = [ex.prompt for ex in part]
        rollout = (sampler.generate(prompts, n, params, rows=[ex.fields for ex in part]) if multi
                   else sampler.generate(prompts, n, params))
        texts += rollout.texts
        truncated += rollout.truncated.tolist()
        if rollout.scores is not None:
            own = (own or []) + list(rollout.scores)
        if rollout.episodes is not None:
            episodes = (episodes or []) + list(rollout.episodes)
    if own is None:
        own = runner.score_batch(texts, [ex.fields for ex in examples for _ in range(n)], truncated=truncated)
    return texts, own, episodes


def evaluate(sampler: Sampler, examples: list[Example], runner, *, max_new_tokens: int, batch_size: int = 100,
             k: int = 1, temperature: float = 1.0, dist=None) -> dict:
    """Greedy accuracy on `examples`; with k > 1 also pass@k from k samples per prompt.

    Samples through the same `Sampler` as training (multi-turn ones with their tools or
    environment). With data-parallel ranks (`dist`), each rank evaluates a contiguous share of the
    examples and every rank gets the whole result.
    """
    t0 = time.perf_counter()
    world, rank = (dist.world, dist.rank) if dist is not None else (1, 0)
    chunk = -(-len(examples) // world)
    mine = examples[rank * chunk:(rank + 1) * chunk]
    prompts = [ex.prompt for ex in mine]
    greedy, scores, episodes = _complete(sampler, mine, SamplingParams(max_new_tokens, greedy=True, logprobs=False),
                                         1, batch_size, runner)
    shown = [e["transcript"] for e in episodes] if episodes is not None else greedy
    tool_calls = [e["tool_calls"] for e in episodes] if episodes is not None else None
    per = []
    if k > 1:
        _, s2, _ = _complete(sampler, mine, SamplingParams(max_new_tokens, temperature=temperature, logprobs=False),
                             k, max(1, batch_size // k), runner)
        per = [sum(s.outcome == "correct" for s in s2[i * k:(i + 1) * k]) for i in range(len(mine))]
    if world > 1:  # every rank's share, in rank order: the examples' order
        parts = dist.gather_object((prompts, shown, [(s.outcome, s.reason) for s in scores], per, tool_calls))
        prompts, shown = [p for x in parts for p in x[0]], [c for x in parts for c in x[1]]
        scores = [Score(0.0, o, r) for x in parts for o, r in x[2]]
        per = [c for x in parts for c in x[3]]
        tool_calls = None if tool_calls is None else [c for x in parts for c in x[4]]
    correct = [int(s.outcome == "correct") for s in scores]
    n = len(examples)
    res = {"accuracy": sum(correct) / n, "correct": sum(correct), "n": n, "wilson95": wilson(sum(correct), n),
           "unparseable": sum(s.outcome == "unparseable" for s in scores) / n,
           "error": sum(s.outcome == "error" for s in scores) / n, "correct_mask": correct,
           "samples": [{"prompt": p, "completion": c, "outcome": s.outcome, "reason": s.reason}
                       for p, c, s in list(zip(prompts, shown, scores))[:5]]}
    if tool_calls is not None:  # the share of greedy answers that called a tool, and calls per answer
        res["tool_use"] = sum(c > 0 for c in tool_calls) / n
        res["tool_calls"] = sum(tool_calls) / n
    if k > 1:
        res["pass_at_k"] = {str(j): sum(pass_at_k(k, c, j) for c in per) / n for j in sorted({1, k})}
    else:
        res["pass_at_k"] = {"1": res["accuracy"]}
    res["k"] = k
    res["seconds"] = time.perf_counter() - t0
    return res
