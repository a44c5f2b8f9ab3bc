"""Model evaluation: greedy accuracy with a Wilson interval, unbiased pass@k, paired differences.

Correct means the verifier's outcome is `correct` (not a reward threshold), so a task with a
different score table is measured the same way.
"""
from __future__ import annotations

import math
import time

from rft.data import Example
from rft.sampling import greedy_generate


def wilson(k: int, n: int, z: float = 1.96) -> list[float]:
    """95% Wilson score interval for k successes out of n."""
    if n == 0:
        return [0.0, 1.0]
    p, d = k / n, 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return [max(0.0, c - h), min(1.0, c + h)]


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


def evaluate_model(model, tokenizer, examples: list[Example], runner, *, max_new_tokens: int,
                   batch_size: int = 100, k: int = 1, temperature: float = 1.0) -> dict:
    """Greedy accuracy on `examples`; with k > 1 also pass@k from k samples per prompt."""
    t0 = time.perf_counter()
    prompts = [ex.prompt for ex in examples]
    greedy = [c[0] for c in greedy_generate(model, tokenizer, prompts, max_new_tokens, batch_size)]
    scores = runner.score_batch(greedy, [ex.fields for ex in examples])
    correct = [int(s.outcome == "correct") for s in scores]
    n = len(examples)
    res = {"accuracy": sum(correct) / n, "correct": sum(correct), "n": n, "wilson95": wilson(sum(correct), n),
           "unparseable": sum(s.outcome == "unparseable" for s in scores) / n,
           "error": sum(s.outcome == "error" for s in scores) / n, "correct_mask": correct,
           "samples": [{"prompt": p, "completion": c, "outcome": s.outcome, "reason": s.reason}
                       for p, c, s in list(zip(prompts, greedy, scores))[:5]]}
    if k > 1:
        sampled = greedy_generate(model, tokenizer, prompts, max_new_tokens, max(1, batch_size // k), n=k,
                                  temperature=temperature)
        flat = [c for group in sampled for c in group]
        s2 = runner.score_batch(flat, [ex.fields for ex in examples for _ in range(k)])
        per = [sum(s.outcome == "correct" for s in s2[i * k:(i + 1) * k]) for i in range(n)]
        res["pass_at_k"] = {str(j): sum(pass_at_k(k, c, j) for c in per) / n for j in sorted({1, k})}
    else:
        res["pass_at_k"] = {"1": res["accuracy"]}
    res["k"] = k
    res["seconds"] = time.perf_counter() - t0
    return res
