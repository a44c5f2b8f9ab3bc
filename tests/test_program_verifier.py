"""The `program` verifier (P-CoT): the completion's program runs in the real sandbox and its last
printed line is compared with the reference; `rft verify --verifier program` measures it; the
P-CoT arithmetic task trains end to end on the tiny model and gsm8k_pot.yaml loads GSM8K."""
from __future__ import annotations

import json

import pytest

from conftest import ROOT, TINY, run_cli
from rft.config import load_config
from rft.tasks.arith import generate, generate_pot, to_program
from rft.verifiers import build_verifier


@pytest.fixture(scope="module")
def v():
    return build_verifier("program", {"timeout_s": 2.0})


@pytest.mark.parametrize("completion,answer,outcome,reason", [
    ("```python\napples = 12\nbought = 7\nprint(apples + bought)\n```", "19", "correct", "printed '19'"),
    ("n = 12 + 7\nprint(n)", "19", "correct", "exact 19"),  # no fence: the completion is the program
    ("print(12 + 8)", "19", "wrong", "printed '20'"),
    ("print(38 / 2)", "19", "correct", "19.0"),  # numbers compared as numbers
    ("print('the answer:')\nprint(3/4)", "3/4", "correct", "0.75"),  # the last printed line
    ("def solution():\n    return 7 * 3\n", "21", "correct", "printed '21'"),  # ReFT's solution() style
    ("x = 19", "19", "unparseable", "printed nothing"),
    ("print(1 / 0)", "1", "unparseable", "ZeroDivisionError"),
    ("print(19\n", "19", "unparseable", "SyntaxError"),
    ("while True:\n    pass", "1", "unparseable", "time limit"),
    ("x = ' ' * (10 ** 10)\nprint(1)", "1", "unparseable", "memory limit"),
    ("import socket\nsocket.socket()\nprint(19)", "19", "unparseable", "PermissionError"),  # no network in the sandbox
    ("", "19", "unparseable", "empty completion"),
])
def test_program_outcomes_and_reasons(v, completion, answer, outcome, reason):
    s = v.score(completion, answer=answer)
    assert (s.outcome, s.value) == (outcome, v.scores.value(outcome)), s
    assert reason in s.reason, s


def test_a_fence_is_required_when_asked():
    strict = build_verifier("program", {"require_fence": True})
    assert strict.score("print(19)", answer="19").outcome == "unparseable"
    assert strict.score("Here:\n```python\nprint(19)\n```", answer="19").outcome == "correct"


def test_a_missing_reference_is_an_error_not_a_wrong_answer(v):
    assert v.score("print(1)", answer=None).outcome == "error"


def test_pot_demonstrations_print_what_the_worked_solutions_wrote(v):
    """The P-CoT rows are the arith rows; each program prints the number its worked line showed
    (slips included, as a misread operand), and the clean eval rows' programs are all correct."""
    args = dict(n=200, seed=1, max_operand=10, demo_error_rate=0.1, demo_bias=0.6)
    for text, pot in zip(generate("train", **args)[:40], generate_pot("train", **args)[:40]):
        shown = text["solution"].rsplit(" ", 1)[-1].rstrip(".")
        s = v.score(pot["solution"], answer=shown)
        assert s.outcome == "correct", (text, pot, s)
    clean = generate_pot("eval", max_operand=10, eval_n=30)
    assert all(v.score(r["solution"], answer=r["answer"]).outcome == "correct" for r in clean)
    assert to_program({"solution": "9 - 4 = 5. The answer is 5.", "answer": "5"})["solution"] == "n = 9 - 4\nprint(n)"


def test_rft_verify_measures_the_program_verifier(tmp_path):
    rows = [{"completion": "print(2 + 3)", "answer": "5", "label": True},
            {"completion": "n = 7 * 6\nprint(n)", "answer": "42", "label": True},
            {"completion": "print(2 + 2)", "answer": "5", "label": False},
            {"completion": "print(1 / 0)", "answer": "5", "label": False},
            {"completion": "The answer is 5.", "answer": "5", "label": False}]  # prose is not a program
    data = tmp_path / "pot.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    proc = run_cli("verify", str(data), "--verifier", "program", "--json", "--out", str(tmp_path / "dis.jsonl"),
                   check=True)
    report = json.loads(proc.stdout)
    assert (report["tp"], report["fp"], report["tn"], report["fn"]) == (2, 0, 3, 0), report
    assert report["outcomes"]["unparseable"] == 2


def test_gsm8k_pot_yaml_loads_gsm8k_with_the_program_verifier():
    cfg = load_config(ROOT / "tasks" / "gsm8k_pot.yaml")
    assert cfg.verifier.name == "program" and cfg.sft.steps == 0
    assert "Python program" in cfg.data.prompt


@pytest.mark.slow
def test_rft_train_arith_pot_runs_sft_and_grpo_end_to_end(tmp_path):
    out = tmp_path / "run"
    sets = ["sft.steps=40", "train.steps=3", "train.prompts_per_step=4", "sampler.n=4", "train.eval_limit=16",
            "train.sample_every=0", "train.save_every=0", "data.train.args.n=400"]
    run_cli("train", str(ROOT / "tasks" / "arith_pot.yaml"), *TINY, *[a for s in sets for a in ("--set", s)],
            "--output", str(out), check=True, timeout=600)
    metrics = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [m["step"] for m in metrics] == [1, 2, 3]
    assert all(m["reward/error"] == 0 for m in metrics)  # every program ran in the sandbox
    summary = json.loads((out / "summary.json").read_text())
    assert summary["verifier"]["rows"] >= 3 * 16
