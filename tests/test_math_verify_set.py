"""`rft verify` on the labeled math set (tests/data/math_verify_set.jsonl, built by
make_math_verify_set.py from MATH-500 and GSM8K): the verifier's accuracy is a tested property."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from conftest import ROOT, run_cli

SET = ROOT / "tests" / "data" / "math_verify_set.jsonl"
# written by hand, independently of the verifier and the set above (make_math_verify_holdout.py)
HOLDOUT = ROOT / "tests" / "data" / "math_verify_holdout.jsonl"
# answer formats of real model endings and truncated completions, written by a helper who saw neither
# the verifier nor the sets above (make_math_verify_formats.py)
FORMATS = ROOT / "tests" / "data" / "math_verify_formats.jsonl"
# written after the rules above were done, again blind (make_math_verify_holdout2.py)
HOLDOUT2 = ROOT / "tests" / "data" / "math_verify_holdout2.jsonl"


def test_labeled_set_covers_every_category_with_about_40_percent_false():
    rows = [json.loads(line) for line in SET.open()]
    assert len(rows) >= 600
    assert 0.35 <= sum(not r["label"] for r in rows) / len(rows) <= 0.45
    per = Counter(r["category"] for r in rows)
    for category in ("integer", "decimal_fraction", "percent", "units", "scientific", "equation_prefix",
                     "mixed_number", "latex_symbolic", "interval", "tuple", "set", "matrix",
                     "multiple_choice", "text", "no_answer", "extraction"):
        assert per[category] >= 20, (category, per[category])


def test_rft_verify_reports_f1_of_at_least_098_on_the_labeled_set(tmp_path):
    out = tmp_path / "disagreements.jsonl"
    proc = run_cli("verify", str(SET), "--verifier", "math", "--workers", "2", "--out", str(out), "--json", check=True)
    report = json.loads(proc.stdout)
    assert report["rows"] >= 600 and report["outcomes"]["error"] == 0
    assert report["f1"] >= 0.98, [json.loads(line) for line in out.open()][:5]
    assert report["tp"] + report["fp"] + report["tn"] + report["fn"] == report["rows"]
    per = report["by_category"]
    assert len(per) == 16 and sum(c["rows"] for c in per.values()) == report["rows"]
    assert sum(c["fp"] for c in per.values()) == report["fp"] and sum(c["fn"] for c in per.values()) == report["fn"]


def test_rft_verify_rejects_bad_verifier_options_in_one_line():
    proc = run_cli("verify", str(SET), "--verifier", "math", "--options", '{"rel_tol": -1}')
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == ["error: --options: bad verifier options: rel_tol must be >= 0, got -1"]


def test_rft_verify_reports_f1_of_at_least_098_on_the_hand_written_holdout(tmp_path):
    out = tmp_path / "disagreements.jsonl"
    proc = run_cli("verify", str(HOLDOUT), "--verifier", "math", "--out", str(out), "--json", check=True)
    report = json.loads(proc.stdout)
    assert report["rows"] >= 200 and report["outcomes"]["error"] == 0
    assert report["f1"] >= 0.98 and report["fp"] == 0, [json.loads(line) for line in out.open()]


def test_rft_verify_prints_a_per_category_table():
    proc = run_cli("verify", str(HOLDOUT), "--verifier", "math", "--out", "/dev/null", check=True)
    assert "by category" in proc.stdout and "interval" in proc.stdout and "matrix" in proc.stdout


@pytest.mark.parametrize("data,rows", [(FORMATS, 300), (HOLDOUT2, 200)])
def test_rft_verify_on_the_answer_format_sets_f1_097_and_at_most_1_percent_false_positives(tmp_path, data, rows):
    out = tmp_path / "disagreements.jsonl"
    proc = run_cli("verify", str(data), "--verifier", "math", "--out", str(out), "--json", check=True)
    report = json.loads(proc.stdout)
    assert report["rows"] >= rows and report["outcomes"]["error"] == 0
    assert report["f1"] >= 0.97 and report["fp"] <= 0.01 * report["rows"], [json.loads(ln) for ln in out.open()]
    cut = [json.loads(line) for line in data.open() if json.loads(line)["truncated"]]
    assert len(cut) >= 30 and report["by_category"]["truncated_no_answer"]["fp"] == 0
