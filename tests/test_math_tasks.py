"""The math tasks on the real benchmark files: row maps, a local file with a hub fallback, and
`rft eval tasks/gsm8k.yaml | tasks/math500.yaml` end to end on the tiny model.

No network: the hub ids in the fallback tests are made up, so a source that reached for the hub
when it should not would fail (or spend ~25 s in retries) instead of passing.
"""
from __future__ import annotations

import doctest
import json

import pytest

from conftest import ROOT, SHARED, TINY, run_cli
from rft.config import load_config
from rft.data import load_examples, load_rows
from rft.errors import UserError
from rft.models import load_tokenizer
from rft.tasks import math_data
from rft.tasks.math_data import gsm8k, last_boxed, math

GSM8K = SHARED / "data" / "gsm8k"
MATH500 = SHARED / "data" / "math500" / "test.jsonl"
NO_HUB = "rft-tests/no-such-dataset"  # a made-up hub id
BOXED_PROMPT = "\nPlease reason step by step, and put your final answer within \\boxed{}."


def read_jsonl(path, n=None) -> list[dict]:
    with open(path) as f:
        return [json.loads(line) for i, line in enumerate(f) if n is None or i < n]


def task(tmp_path, data_yaml: str, name="task.yaml"):
    p = tmp_path / name
    p.write_text("name: t\ndata:\n" + data_yaml)
    return load_config(p)


@pytest.fixture(scope="module")
def tok(tiny_dir):
    return load_tokenizer(str(tiny_dir), load_config(ROOT / "tasks" / "arith.yaml").model)


# ---------------------------------------------------------------- row maps on real rows


def test_math_data_doctests_pass():
    result = doctest.testmod(math_data)
    assert result.attempted >= 5 and result.failed == 0


def test_gsm8k_map_boxes_the_final_answer_and_drops_calculator_notes():
    first, second = read_jsonl(GSM8K / "train.jsonl", 2)
    out = gsm8k(first)
    assert out == {
        "question": first["question"],
        "solution": "Natalia sold 48/2 = 24 clips in May.\n"
                    "Natalia sold 48+24 = 72 clips altogether in April and May.\n"
                    "The final answer is $\\boxed{72}$.",
        "answer": "72",
    }
    assert gsm8k(second)["solution"].splitlines()[0] == "Weng earns 12/60 = $0.2 per minute."  # "$<<..>>0.2"


def test_gsm8k_map_answers_match_the_hash_line_without_thousands_separators():
    rows = read_jsonl(GSM8K / "train.jsonl") + read_jsonl(GSM8K / "test.jsonl")
    with_comma = 0
    for row in rows:
        out = gsm8k(row)
        final = row["answer"].rsplit("####", 1)[1].strip()
        with_comma += "," in final
        assert out["answer"] == final.replace(",", "")
        assert float(out["answer"]) == float(final.replace(",", ""))  # a plain number
        assert "<<" not in out["solution"] and "####" not in out["solution"]
        assert out["solution"].endswith(f"The final answer is $\\boxed{{{out['answer']}}}$.")
    assert with_comma > 0  # the real files do have answers such as "1,080"
    comma_row = next(r for r in rows if r["answer"].endswith("#### 1,080"))
    assert gsm8k(comma_row)["answer"] == "1080"


def test_math_map_passes_the_math500_answer_through():
    row = read_jsonl(MATH500, 1)[0]
    out = math(row)
    assert out["question"] == row["problem"] and out["solution"] == row["solution"]
    assert out["answer"] == row["answer"] == "\\left( 3, \\frac{\\pi}{2} \\right)"
    assert (out["subject"], out["level"], out["unique_id"]) == ("Precalculus", 2, "test/precalculus/807.json")


def test_math_map_takes_the_last_boxed_answer_when_the_row_has_none():
    # hub copies of MATH (DigitalLearningGmbH/MATH-lighteval) have only problem and solution: drop
    # `answer` from the 500 real rows and the boxed extraction must give it back every time
    rows = read_jsonl(MATH500)
    for row in rows:
        assert math({k: v for k, v in row.items() if k != "answer"})["answer"] == row["answer"], row["unique_id"]
    assert sum(r["solution"].count("\\boxed") > 1 for r in rows) > 0  # the last box wins where there are several
    assert last_boxed(r"$\boxed{1}$ or $\boxed{\frac{\sqrt{2}}{2}}$") == r"\frac{\sqrt{2}}{2}"


def test_math_map_without_answer_or_box_names_the_source_row_and_map_key(tmp_path):
    f = tmp_path / "math.jsonl"
    f.write_text(json.dumps({"problem": "p", "solution": r"so $\boxed{2}$"}) + "\n"
                 + json.dumps({"problem": "q", "solution": "no box here"}) + "\n")
    cfg = task(tmp_path, f"  train: {{path: {f}, map: 'rft.tasks.math_data:math'}}\n")
    with pytest.raises(UserError) as e:
        load_rows(cfg.data.train, cfg, "data.train")
    msg = str(e.value)
    assert "data.train.map" in msg and "row 2" in msg and "\\boxed" in msg and "\n" not in msg


# ---------------------------------------------------------------- path with hub fallback


def test_existing_path_with_a_hub_uses_the_file_without_the_network(tmp_path):
    # the hub id does not exist: touching it would raise after ~25 s of retries
    test = GSM8K / "test.jsonl"
    cfg = task(tmp_path, f"  train: {{path: {test}, hub: {NO_HUB}, split: test}}\n")
    rows = load_rows(cfg.data.train, cfg, "data.train")
    assert rows == read_jsonl(test)


def test_relative_path_with_a_hub_resolves_from_the_yaml_folder(tmp_path):
    (tmp_path / "rows.jsonl").write_text(json.dumps({"question": "1+1?", "answer": "2"}) + "\n")
    cfg = task(tmp_path, f"  train: {{path: rows.jsonl, hub: {NO_HUB}}}\n")
    assert load_rows(cfg.data.train, cfg, "data.train") == [{"question": "1+1?", "answer": "2"}]


def test_missing_path_and_unreachable_hub_is_one_error_naming_both(tmp_path, tiny_dir, monkeypatch):
    # HF_HUB_OFFLINE makes `datasets` fail at once, as an unreachable hub does after its retries
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    t = tmp_path / "task.yaml"
    t.write_text("name: t\ndata:\n  train: {generator: 'rft.tasks.arith:generate', args: {n: 10}}\n"
                 f"  eval: {{path: nope.jsonl, hub: {NO_HUB}, split: test}}\n")
    proc = run_cli("eval", str(t), "--model", str(tiny_dir), "--json")
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    errors = [ln for ln in proc.stderr.strip().splitlines() if ln.startswith("error:")]
    assert errors == proc.stderr.strip().splitlines()[-1:]
    line = errors[0]
    for needle in ("nope.jsonl", NO_HUB, "data.eval", "not found", "split test"):
        assert needle in line, f"{needle!r} not in {line!r}"


# ---------------------------------------------------------------- the task YAMLs


def test_gsm8k_yaml_loads_all_train_and_test_rows_from_the_local_files(tok):
    cfg = load_config(ROOT / "tasks" / "gsm8k.yaml")
    train, test = load_examples(cfg, "train", tok), load_examples(cfg, "eval", tok)
    assert (len(train), len(test)) == (7473, 1319)
    first = read_jsonl(GSM8K / "test.jsonl", 1)[0]
    assert test[0].prompt == first["question"] + BOXED_PROMPT
    assert test[0].fields["answer"] == first["answer"].rsplit("#### ", 1)[1].replace(",", "")
    assert all(ex.fields["answer"] and ex.target.endswith("$.") for ex in train + test)


def test_math500_yaml_loads_the_500_eval_rows_from_the_local_file(tok):
    cfg = load_config(ROOT / "tasks" / "math500.yaml")
    assert cfg.data.train.hub and not cfg.data.train.path  # MATH-500 is a test set: never the train split
    examples = load_examples(cfg, "eval", tok)
    rows = read_jsonl(MATH500)
    assert len(examples) == 500
    assert [ex.fields["answer"] for ex in examples] == [r["answer"] for r in rows]
    assert examples[0].prompt == rows[0]["problem"] + BOXED_PROMPT


def test_builtin_math_tasks_are_found_from_another_directory(tmp_path):
    from rft.cli import task_path

    for name in ("gsm8k", "math500"):
        assert task_path(f"tasks/{name}.yaml").resolve() == ROOT / "tasks" / f"{name}.yaml"


# ---------------------------------------------------------------- rft eval end to end


def test_eval_with_a_map_that_cannot_be_imported_names_the_map_key(tiny_dir, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    proc = run_cli("eval", "tasks/gsm8k.yaml", "--model", str(tiny_dir), "--limit", "3",
                   "--set", "data.eval.map=rft.tasks.math_data:no_such_map")
    assert proc.returncode == 2, proc.stderr[-3000:]
    lines = proc.stderr.strip().splitlines()
    assert "Traceback" not in proc.stderr and [ln for ln in lines if ln.startswith("error:")] == lines[-1:]
    assert "data.eval.map" in lines[-1] and "rft.tasks.math_data:no_such_map" in lines[-1]


@pytest.mark.slow
def test_train_on_gsm8k_runs_sft_and_grpo_end_to_end_on_the_tiny_model(tmp_path):
    """The real GSM8K rows through the whole recipe: warm-up on the boxed chains of thought, then
    GRPO scored by the math verifier (the tiny model cannot learn GSM8K; this checks the plumbing)."""
    out = tmp_path / "run"
    run_cli("train", "tasks/gsm8k.yaml", "--set", "model.name=tiny", *TINY,
            "--set", "data.train.limit=64", "--set", "sft.steps=3", "--set", "sft.batch_size=4",
            "--set", "train.steps=2", "--set", "train.prompts_per_step=2", "--set", "sampler.n=4",
            "--set", "train.micro_batch=8", "--set", "sampler.max_new_tokens=16", "--set", "train.eval_limit=4",
            "--output", str(out), check=True)
    rows = [json.loads(line) for line in (out / "metrics.jsonl").open()]
    assert [r["step"] for r in rows] == [1, 2]
    assert all(r["reward/error"] == 0.0 for r in rows)  # every completion scored, none failed
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] == 2 and (out / "final" / "config.json").exists()
