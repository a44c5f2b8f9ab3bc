"""`rft verify`'s engine: labelled rows in, agreement metrics and disagreements out."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from rft.errors import UserError
from rft.verifiers import Verifier
from rft.verifiers.math import MathVerifier
from rft.verifiers.runner import VerifierRunner
from rft.verify import evaluate_verifier, load_labeled_rows, write_disagreements

SAMPLE = Path(__file__).parent / "data" / "verify_sample.jsonl"


@pytest.fixture(scope="module")
def sample_metrics():
    rows = load_labeled_rows(SAMPLE)
    return evaluate_verifier(rows, VerifierRunner(MathVerifier(), workers=0))


def test_sample_metrics_match_hand_counts(sample_metrics):
    m = sample_metrics
    # The sample is 40 human-labelled rows, written in four blocks (see the file):
    #   rows 1-20  right answers the verifier accepts          -> tp = 20
    #   rows 21-36 wrong or missing answers it rejects         -> tn = 16
    #   rows 37-38 right answers in words or with a parenthetical ("The answer is eighteen";
    #              "Answer: 18 (... 2 dollars each)"), which it accepts -> tp = 22
    #   rows 39-40 wrong answers it accepts (a retracted "the answer is 18"; 48 stated but 72 last)
    #                                                          -> fp = 2
    assert (m["tp"], m["tn"], m["fn"], m["fp"], m["rows"]) == (22, 16, 0, 2, 40)
    assert m["accuracy"] == pytest.approx(38 / 40)  # (tp + tn) / rows
    assert m["precision"] == pytest.approx(22 / 24)  # tp / (tp + fp)
    assert m["recall"] == pytest.approx(1.0)  # tp / (tp + fn)
    assert m["f1"] == pytest.approx(2 * (22 / 24) / (1 + 22 / 24))  # 2PR / (P + R)
    # unparseable: row 23 (no number), 29 (unclosed \boxed{), 35 (empty); correct = tp + fp
    assert m["outcomes"] == {"correct": 24, "wrong": 13, "unparseable": 3, "error": 0}
    assert m["seconds"] > 0 and m["rows_per_second"] == pytest.approx(40 / m["seconds"])


def test_disagreements_are_the_rows_the_verifier_gets_wrong(sample_metrics):
    d = sample_metrics["disagreements"]
    assert [(x["row"], x["label"], x["predicted"], x["outcome"]) for x in d] == [
        (39, False, True, "correct"), (40, False, True, "correct")]
    assert d[0]["reason"] == "answer_is; exact 18"
    assert set(d[0]) == {"row", "completion", "answer", "truncated", "label", "predicted", "outcome", "reason"}


def test_write_disagreements_is_jsonl(sample_metrics, tmp_path):
    out = tmp_path / "sub" / "disagreements.jsonl"
    write_disagreements(sample_metrics["disagreements"], out)
    back = [json.loads(line) for line in out.read_text().splitlines()]
    assert back == sample_metrics["disagreements"]


def test_evaluate_through_worker_processes_gives_the_same_counts(sample_metrics):
    rows = load_labeled_rows(SAMPLE)
    with VerifierRunner(MathVerifier(), workers=2) as runner:
        m = evaluate_verifier(rows, runner)
    keys = ("tp", "fp", "tn", "fn", "outcomes", "disagreements")
    assert {k: m[k] for k in keys} == {k: sample_metrics[k] for k in keys}


class QuestionRequired(Verifier):
    def score(self, completion, answer, question, **fields):
        return self.correct(question) if completion == answer else self.wrong(question)


def test_extra_fields_reach_the_verifier(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"completion": "4", "answer": "4", "label": true, "question": "2+2?"}\n')
    m = evaluate_verifier(load_labeled_rows(path), VerifierRunner(QuestionRequired(), workers=0))
    assert m["tp"] == 1 and m["outcomes"]["error"] == 0


def _write(tmp_path, *lines) -> str:
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


GOOD = '{"completion": "The answer is 4.", "answer": 4, "label": true}'


def test_missing_label_names_file_row_and_field(tmp_path):
    path = _write(tmp_path, GOOD, GOOD, '{"completion": "x", "answer": 1}')
    with pytest.raises(UserError) as e:
        load_labeled_rows(path)
    assert (e.value.file, e.value.field) == (path, "row 3")
    assert "missing field 'label' (expected true/false)" in str(e.value)


def test_bad_json_names_the_line(tmp_path):
    path = _write(tmp_path, GOOD, '{"completion": "x", "answer": 1, "label": tru}')
    with pytest.raises(UserError, match="invalid JSON") as e:
        load_labeled_rows(path)
    assert e.value.field == "line 2"


@pytest.mark.parametrize("line, message", [
    ('{"completion": "x", "answer": 1, "label": "yes"}', "'label' must be true or false"),
    ('{"completion": 5, "answer": 1, "label": true}', "'completion' must be a string"),
    ('{"completion": "x", "label": true}', "missing field 'answer'"),
    ('["x", 1, true]', "expected a JSON object"),
])
def test_bad_rows_are_user_errors(tmp_path, line, message):
    with pytest.raises(UserError, match=message) as e:
        load_labeled_rows(_write(tmp_path, line))
    assert e.value.field == "row 1"


def test_missing_or_empty_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="file not found"):
        load_labeled_rows(tmp_path / "nope.jsonl")
    with pytest.raises(UserError, match="no rows"):
        load_labeled_rows(_write(tmp_path, ""))
