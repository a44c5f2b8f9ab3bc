"""The engine of `rft verify DATA.jsonl --verifier NAME`: how well does a verifier agree with people?

Input is JSONL, one human-judged completion per line::

    {"completion": "12 + 7 = 19. The answer is 19.", "answer": "19", "label": true}

`label` is the human judgement (is this completion's final answer right?); an optional
`truncated` (true/false: the completion was cut at the token limit) reaches the verifier as its
`truncated` keyword; any other keys (`question`, ...) reach it as keyword fields next to `answer`.
A completion counts as predicted correct iff the verifier's outcome is "correct"; wrong, unparseable and error all
predict "not correct". Positive class = correct, so a false positive is a completion the
verifier would reward although a person rejected it (the costly kind in RL: reward hacking).
Undefined ratios (precision with no predicted positives, ...) are reported as 0.0.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from rft.errors import UserError
from rft.verifiers.base import OUTCOMES
from rft.verifiers.runner import VerifierRunner

REQUIRED = {"completion": "a string", "answer": "the reference answer", "label": "true/false"}


def load_labeled_rows(path: str | Path) -> list[dict]:
    """Rows of a labelled JSONL file, checked; a bad file raises UserError naming the row and key.

    Rows are numbered from 1 over non-blank lines ("row 3"); JSON syntax errors name the line.
    """
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError("file not found", file=file) from None
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"cannot read file: {e}", file=file) from None
    rows: list[dict] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise UserError(f"invalid JSON: {e.msg} at column {e.colno}", file=file, field=f"line {lineno}") from None
        where = f"row {len(rows) + 1}"
        if not isinstance(row, dict):
            raise UserError(f"expected a JSON object, got {type(row).__name__}", file=file, field=where)
        for key, expected in REQUIRED.items():
            if key not in row or row[key] is None:
                raise UserError(f"missing field {key!r} (expected {expected})", file=file, field=where)
        if not isinstance(row["completion"], str):
            raise UserError(f"field 'completion' must be a string, got {type(row['completion']).__name__}",
                            file=file, field=where)
        if not isinstance(row["label"], bool):
            raise UserError(f"field 'label' must be true or false, got {row['label']!r}", file=file, field=where)
        if not isinstance(row.get("truncated", False), bool):
            raise UserError(f"field 'truncated' must be true or false, got {row['truncated']!r}", file=file, field=where)
        rows.append(row)
    if not rows:
        raise UserError("no rows (expected one JSON object per line)", file=file)
    return rows


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def evaluate_verifier(rows: list[dict], runner: VerifierRunner) -> dict[str, Any]:
    """Score every row with `runner` and compare with the human labels.

    Args:
        rows: dicts with `completion`, `answer`, `label` (as from `load_labeled_rows`).
        runner: the VerifierRunner to score with (its workers, timeout and stats apply).

    Returns a dict: accuracy, precision, recall, f1, tp, fp, tn, fn, rows, seconds,
    rows_per_second, outcomes ({outcome: count}), disagreements: one dict per row where
    verifier and label differ, {row (1-based), completion, answer, truncated, label, predicted, outcome,
    reason},
    and, when rows carry a `category`, by_category ({category: {rows, accuracy, fp, fn}}).
    """
    completions = [r["completion"] for r in rows]
    fields = [{k: v for k, v in r.items() if k not in ("completion", "label", "truncated")} for r in rows]
    t0 = time.perf_counter()
    scores = runner.score_batch(completions, fields, truncated=[r.get("truncated", False) for r in rows])
    seconds = time.perf_counter() - t0

    tp = fp = tn = fn = 0
    outcomes = {o: 0 for o in OUTCOMES}
    disagreements = []
    for n, (row, s) in enumerate(zip(rows, scores), start=1):
        outcomes[s.outcome] = outcomes.get(s.outcome, 0) + 1
        predicted, label = s.outcome == "correct", bool(row["label"])
        tp += predicted and label
        fp += predicted and not label
        tn += not predicted and not label
        fn += not predicted and label
        if predicted != label:
            disagreements.append({"row": n, "completion": row["completion"], "answer": row["answer"],
                                  "truncated": row.get("truncated", False), "label": label,
                                  "predicted": predicted, "outcome": s.outcome, "reason": s.reason})
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    report = {
        "accuracy": _ratio(tp + tn, len(rows)),
        "precision": precision,
        "recall": recall,
        "f1": _ratio(2 * precision * recall, precision + recall),
        "tp": tp, "fp": fp, "tn": tn, "fn": fn,
        "rows": len(rows),
        "seconds": seconds,
        "rows_per_second": _ratio(len(rows), seconds),
        "outcomes": outcomes,
        "disagreements": disagreements,
    }
    if any("category" in r for r in rows):
        report["by_category"] = by_category(rows, scores)
    return report


def by_category(rows: list[dict], scores: list) -> dict[str, dict]:
    """{category: {rows, accuracy, fp, fn}} for rows that carry a `category` field."""
    out: dict[str, dict] = {}
    for row, s in zip(rows, scores):
        c = out.setdefault(str(row.get("category", "(none)")), {"rows": 0, "right": 0, "fp": 0, "fn": 0})
        predicted, label = s.outcome == "correct", bool(row["label"])
        c["rows"] += 1
        c["right"] += predicted == label
        c["fp"] += predicted and not label
        c["fn"] += label and not predicted
    return {k: {"rows": c["rows"], "accuracy": c["right"] / c["rows"], "fp": c["fp"], "fn": c["fn"]}
            for k, c in sorted(out.items())}


def write_disagreements(rows: list[dict], path: str | Path) -> None:
    """Write `evaluate_verifier(...)["disagreements"]` (or any list of dicts) as JSONL."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
