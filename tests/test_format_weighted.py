"""The `format` verifier (layout only) and the `weighted` combination of verifiers."""
from __future__ import annotations

import doctest
import json
import pickle

import pytest
import yaml

import rft.verifiers.format as format_module
import rft.verifiers.weighted as weighted_module
from rft.verifiers import ScoreTable, build_verifier
from rft.verifiers.format import FormatVerifier
from rft.verifiers.runner import VerifierRunner
from rft.verifiers.weighted import WeightedVerifier


@pytest.mark.parametrize("completion, ok", [
    (r"2 + 2 = 4, so the answer is $\boxed{4}$.", True),
    (r"\boxed{\frac{1}{2}}", True),
    ("the answer is 4", False),                        # no box
    (r"so \boxed{}", False),                           # empty box
    (r"so \boxed{4", False),                           # unclosed box
    (r"\boxed{3} or maybe \boxed{4}", False),          # hedging over two boxes
    (r"\boxed{4} and then a long ramble that goes on and on past the answer", False),
])
def test_format_requires_one_complete_final_box(completion, ok):
    s = FormatVerifier().score(completion)
    assert (s.outcome == "correct") is ok, s.reason
    assert s.value == (1.0 if ok else 0.0)


def test_format_reason_lists_what_is_missing():
    s = FormatVerifier(think=True).score("no tags, no box")
    assert s.outcome == "unparseable"
    assert s.reason == "missing: boxed, <think>...</think> first"


def test_format_think_tags_and_pattern_options():
    v = FormatVerifier(boxed=False, boxed_last=False, think=True)
    assert v.score("<think>reasoning</think> 4").outcome == "correct"
    assert v.score("<think></think> 4").outcome == "unparseable"  # an empty thought
    assert v.score("4 <think>late</think>").outcome == "unparseable"
    p = FormatVerifier(boxed=False, boxed_last=False, pattern=r"^Step 1:.*Answer: \d+$")
    assert p.score("Step 1: add.\nAnswer: 4").outcome == "correct"
    assert p.score("Answer: 4").outcome == "unparseable"
    assert FormatVerifier(max_boxed=2).score(r"\boxed{3} or \boxed{4}").outcome == "correct"


def test_format_rejects_bad_options():
    with pytest.raises(ValueError, match="pattern"):
        FormatVerifier(pattern="(")
    with pytest.raises(ValueError, match="max_boxed"):
        FormatVerifier(max_boxed=0)


def test_weighted_sums_values_and_reports_the_primary_outcome():
    v = WeightedVerifier(parts=[{"name": "math", "weight": 1.0}, {"name": "format", "weight": 0.2}])
    right_boxed = v.score(r"so \boxed{4}", answer="4")
    assert (right_boxed.outcome, right_boxed.value) == ("correct", 1.2)
    right_unboxed = v.score("The answer is 4.", answer="4")
    assert (right_unboxed.outcome, right_unboxed.value) == ("correct", 1.0)
    wrong_boxed = v.score(r"so \boxed{5}", answer="4")
    assert (wrong_boxed.outcome, wrong_boxed.value) == ("wrong", 0.3)  # 0.1 + 0.2
    assert "math 1*0.1: boxed; numeric 5 != 4" in wrong_boxed.reason and "format 0.2*1" in wrong_boxed.reason


def test_weighted_parts_inherit_the_task_score_table_unless_given_their_own():
    v = WeightedVerifier(ScoreTable(wrong=0.0), parts=[
        {"name": "math"}, {"name": "format", "weight": 0.5, "scores": {"correct": 1.0, "unparseable": -1.0}}])
    assert v.score("The answer is 5.", answer="4").value == -0.5  # math wrong 0.0, format -1.0 * 0.5
    assert v.parts[0][2].scores.wrong == 0.0


def test_weighted_primary_picks_the_reported_outcome():
    v = WeightedVerifier(parts=[{"name": "math"}, {"name": "format"}], primary=1)
    assert v.score("The answer is 4.", answer="4").outcome == "unparseable"


@pytest.mark.parametrize("options, match", [
    ({"parts": []}, "non-empty"),
    ({"parts": [{"weight": 1.0}]}, "name"),
    ({"parts": [{"name": "math", "wieght": 1.0}]}, "unknown keys"),
    ({"parts": [{"name": "math", "weight": "heavy"}]}, "weight"),
    ({"parts": [{"name": "math"}], "primary": 3}, "primary"),
])
def test_weighted_rejects_bad_parts_with_a_clear_message(options, match):
    with pytest.raises(ValueError, match=match):
        WeightedVerifier(**options)


def test_weighted_is_named_in_yaml_and_runs_in_worker_processes():
    spec = yaml.safe_load("""
    name: weighted
    options:
      parts:
        - {name: math, weight: 1.0, options: {strict: true}}
        - {name: format, weight: 0.1}
    """)
    v = build_verifier(spec["name"], spec["options"])
    assert isinstance(pickle.loads(pickle.dumps(v)), WeightedVerifier)
    with VerifierRunner(v, workers=1, timeout_s=10) as runner:
        scores = runner.score_batch([r"\boxed{4}", "The answer is 4."], [{"answer": "4"}, {"answer": "4"}])
    assert [(s.outcome, s.value) for s in scores] == [("correct", 1.1), ("unparseable", 0.0)]


@pytest.mark.parametrize("module", [format_module, weighted_module])
def test_docstring_examples_hold(module):
    result = doctest.testmod(module)
    assert result.attempted >= 2 and result.failed == 0


def test_rft_train_runs_with_a_weighted_math_and_format_reward(tmp_path):
    """The README's weighted example, end to end: rewards carry the format bonus, accuracy does not."""
    from conftest import TINY, run_cli

    out = tmp_path / "run"
    # a format part every completion passes: each reward is the math reward + 0.5
    parts = ("[{name: math, weight: 1.0}, "
             "{name: format, weight: 0.5, options: {boxed: false, boxed_last: false, pattern: '.*'}}]")
    run_cli("train", "tasks/arith.yaml", *TINY, "--set", "sft.steps=20", "--set", "train.steps=2",
            "--set", "train.eval_limit=8", "--set", "verifier.name=weighted",
            "--set", f"verifier.options.parts={parts}", "--output", str(out), check=True)
    rows = [json.loads(line) for line in (out / "metrics.jsonl").open()]
    assert [r["step"] for r in rows] == [1, 2]
    assert all(0.5 <= r["reward/mean"] <= 1.5 for r in rows), rows
    assert all(0.0 <= r["reward/accuracy"] <= 1.0 for r in rows)  # the math part's outcome alone
