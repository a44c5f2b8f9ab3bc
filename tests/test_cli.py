"""The `rft` CLI as a user meets it: bad input exits 2 with one `error:` line naming the file and the
field, never a traceback, and creates nothing; `rft verify` reports agreement metrics as JSON.

Every test runs the real CLI in a subprocess. Inputs that fail at config load cost no torch import;
those that fail later (model path, data rows, verifier) use the shrunken TINY model and a small
train split so the failure comes within seconds.
"""
from __future__ import annotations

import json

import pytest

from conftest import ROOT, TINY, run_cli

SAMPLE = ROOT / "tests" / "data" / "verify_sample.jsonl"
FEW_ROWS = ["--set", "data.train.args.n=50"]  # the default 20,000 generated rows cost seconds before any check


def assert_user_error(proc, *needles: str, only_line: bool = True) -> str:
    """Exit 2, one stderr line starting with `error:` that contains every needle, no traceback.

    only_line=False allows other stderr lines before it (see
    test_errors_found_after_config_load_are_the_only_stderr_line), but still exactly one `error:`
    line, and it is the last.
    """
    assert proc.returncode == 2, f"exit {proc.returncode}\nstderr:\n{proc.stderr[-3000:]}"
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr[-3000:]
    lines = proc.stderr.strip().splitlines()
    if only_line:
        assert len(lines) == 1, proc.stderr
    assert [ln for ln in lines if ln.startswith("error:")] == lines[-1:], proc.stderr
    for needle in needles:
        assert needle in lines[-1], f"{needle!r} not in {lines[-1]!r}"
    return lines[-1]


# ---------------------------------------------------------------- rft train: bad task files and overrides

@pytest.mark.parametrize("args, needle", [
    (["train", "tasks/arith.yaml", "--out", "x"], "No such option: --out"),  # typer's vendored click raised past main()
    (["eval", "tasks/arith.yaml"], "--model"),
    (["verify"], "Missing argument"),
    (["trian", "tasks/arith.yaml"], "trian"),
])
def test_bad_command_line_is_one_error_line_exit_2(args, needle, tmp_path):
    line = assert_user_error(run_cli(*args), needle)
    assert "--help" in line


def test_malformed_yaml_names_the_file_and_line(tmp_path):
    task = tmp_path / "bad.yaml"
    task.write_text("name: bad\ntrain:\n  steps: 10\n  seed: 0: 1\n")  # line 4: a second `:` in a value
    out = tmp_path / "run"
    line = assert_user_error(run_cli("train", str(task), "--output", str(out)), str(task), "line 4")
    assert "malformed YAML" in line
    assert not out.exists()


def test_task_file_that_does_not_exist_is_named(tmp_path):
    task = tmp_path / "missing.yaml"
    out = tmp_path / "run"
    assert_user_error(run_cli("train", str(task), "--output", str(out)), str(task), "not found")
    assert not out.exists()


def test_unknown_key_in_an_override_names_the_key_path(tmp_path):
    out = tmp_path / "run"
    proc = run_cli("train", "tasks/arith.yaml", "--set", "algorithm.kl_coeff=0.1", "--output", str(out))
    line = assert_user_error(proc, "tasks/arith.yaml", "algorithm.kl_coeff")
    assert "unknown key" in line
    assert not out.exists()


def test_unknown_key_in_the_task_file_names_the_key_path(tmp_path):
    task = tmp_path / "typo.yaml"
    task.write_text("name: typo\ndata:\n  train:\n    generator: rft.tasks.arith:generate\n"
                    "algorithm:\n  kl_coeff: 0.1\n")
    out = tmp_path / "run"
    assert_user_error(run_cli("train", str(task), "--output", str(out)), str(task), "algorithm.kl_coeff", "unknown key")
    assert not out.exists()


def test_bad_value_type_names_the_field_and_the_value(tmp_path):
    out = tmp_path / "run"
    proc = run_cli("train", "tasks/arith.yaml", "--set", "train.steps=abc", "--output", str(out))
    assert_user_error(proc, "tasks/arith.yaml", "train.steps", "'abc'")
    assert not out.exists()


def test_model_path_that_does_not_exist_names_model_name(tmp_path):
    out = tmp_path / "run"
    proc = run_cli("train", "tasks/arith.yaml", "--set", "model.name=/nonexistent/dir", "--output", str(out))
    assert_user_error(proc, "/nonexistent/dir", "model.name", only_line=False)
    assert not out.exists()


def test_dataset_row_without_an_answer_names_the_file_and_row(tmp_path):
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"question": "1 + 1?", "solution": "1 + 1 = 2.", "answer": "2"}\n'
                    '{"question": "2 + 2?", "solution": "2 + 2 = 4."}\n')  # row 2 has no answer
    task = tmp_path / "task.yaml"
    task.write_text('name: rows\ndata:\n  train:\n    path: rows.jsonl\n  prompt: "Q: {question}\\nA:"\n')
    out = tmp_path / "run"
    proc = run_cli("train", str(task), *TINY, "--output", str(out))
    assert_user_error(proc, str(rows), "row 2", "'answer'", only_line=False)
    assert not out.exists()


def test_errors_found_after_config_load_are_the_only_stderr_line(tmp_path):
    out = tmp_path / "run"
    proc = run_cli("train", "tasks/arith.yaml", "--set", "model.name=/nonexistent/dir", "--output", str(out))
    assert_user_error(proc, "/nonexistent/dir", "model.name")


def test_unknown_verifier_names_verifier_name_lists_the_known_ones_and_creates_nothing(tmp_path):
    out = tmp_path / "run"
    proc = run_cli("train", "tasks/arith.yaml", *TINY, *FEW_ROWS, "--set", "verifier.name=nope", "--output", str(out))
    assert_user_error(proc, "tasks/arith.yaml", "verifier.name", "'nope'", "known: code, format, math, program, weighted", only_line=False)
    assert not out.exists()  # the verifier is built before the run directory is made


def test_resume_of_a_run_dir_that_does_not_exist(tmp_path):
    out = tmp_path / "never-ran"
    proc = run_cli("train", "tasks/arith.yaml", "--resume", "--output", str(out))
    assert_user_error(proc, str(out), "--resume")
    assert not out.exists()


def test_builtin_task_is_found_from_another_directory(tmp_path):
    # `tasks/arith.yaml` is not under tmp_path; the CLI falls back to the packaged copy, so the run
    # gets as far as validating the override instead of stopping at "task file not found".
    proc = run_cli("train", "tasks/arith.yaml", "--set", "train.steps=-1", cwd=tmp_path)
    line = assert_user_error(proc, "arith.yaml", "train.steps")
    assert "not found" not in line
    assert list(tmp_path.iterdir()) == []  # no runs/ folder in the working directory


# ---------------------------------------------------------------- rft verify

def test_verify_json_reports_agreement_and_writes_disagreements(tmp_path):
    out = tmp_path / "disagreements.jsonl"
    proc = run_cli("verify", str(SAMPLE), "--verifier", "math", "--json", "--out", str(out), check=True)
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1, proc.stdout
    report = json.loads(lines[0])
    # the 40 labelled rows: tp=22, tn=16, fn=0, fp=2 (rows 39-40); see tests/test_verify.py
    assert (report["tp"], report["tn"], report["fn"], report["fp"], report["rows"]) == (22, 16, 0, 2, 40)
    assert report["accuracy"] == pytest.approx(38 / 40)  # (tp + tn) / rows
    assert report["precision"] == pytest.approx(22 / 24)  # tp / (tp + fp)
    assert report["recall"] == pytest.approx(1.0)  # tp / (tp + fn)
    assert report["f1"] == pytest.approx(2 * (22 / 24) / (1 + 22 / 24))  # 2PR / (P + R)
    assert report["rows_per_second"] > 0
    assert report["disagreements_file"] == str(out)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["row"], r["label"], r["predicted"]) for r in rows] == [(39, False, True), (40, False, True)]


def test_verify_bad_row_names_the_row_and_writes_nothing(tmp_path):
    data = tmp_path / "labels.jsonl"
    data.write_text('{"completion": "2 + 2 = 4.", "answer": "4", "label": true}\n'
                    '{"completion": "2 + 2 = 5.", "answer": "4"}\n')  # row 2 has no label
    out = tmp_path / "disagreements.jsonl"
    proc = run_cli("verify", str(data), "--json", "--out", str(out))
    assert_user_error(proc, str(data), "row 2", "'label'")
    assert proc.stdout == ""
    assert not out.exists()


# ---------------------------------------------------------------- rft sandbox check

def test_sandbox_check_lists_protections_and_passes_its_smoke_test():
    proc = run_cli("sandbox", "check", timeout=60)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "network namespace" in proc.stdout and "smoke test" in proc.stdout and "timeout" in proc.stdout
