"""The `code` verifier and the code tasks: extraction, the in-child harness against a program that
tries to fake a pass (one trick per test), limits, scoring modes, the HumanEval / MBPP row maps,
`rft verify` on every reference program and a failing variant of each, and `rft train
tasks/mbpp.yaml` end to end on the tiny model.

The labelled sets are built once per session from ../shared/data by
tests/data/make_code_verify_sets.py (a plain-interpreter oracle, independent of this verifier,
checks each reference passes and each variant fails); they are not committed.
"""
from __future__ import annotations

import doctest
import gzip
import json
import time

import pytest

from conftest import ROOT, SHARED, TINY, run_cli
from rft.config import load_config
from rft.data import load_rows
from rft.tasks import code_data
from rft.verifiers import build_verifier
from rft.verifiers import code as code_module
from rft.verifiers.code import CodeVerifier, extract_program

HUMANEVAL = SHARED / "data" / "humaneval" / "HumanEval.jsonl.gz"
ADD = {"test_list": ["assert add(1, 2) == 3", "assert add(2, 2) == 4", "assert add(0, 5) == 5"], "test_imports": []}
GOOD = "```python\ndef add(a, b):\n    return a + b\n```"
HE_ROW = {"prompt": "def add(a, b):\n    \"\"\"Sum.\"\"\"\n", "entry_point": "add",
          "test": "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(-1, 1) == 0\n"}


def fenced(code: str) -> str:
    return f"```python\n{code}\n```"


@pytest.fixture(scope="module")
def v():
    return CodeVerifier(timeout_s=3.0, memory_mb=256)


# ---------------------------------------------------------------- extraction


def test_doctests_of_the_verifier_and_the_row_maps_pass():
    for module in (code_module, code_data):
        result = doctest.testmod(module)
        assert result.attempted >= 2 and result.failed == 0, module.__name__


def test_extraction_takes_the_last_python_block_by_default_and_the_chosen_one_otherwise():
    text = "```python\na = 1\n```\nthen\n```\nbb = 22\nbb += 1\n```\n```py\nc = 3\n```"
    assert extract_program(text) == "c = 3\n"
    assert extract_program(text, fence="first") == "a = 1\n"
    assert extract_program(text, fence="longest") == "bb = 22\nbb += 1\n"


def test_extraction_ignores_other_languages_and_reads_an_unclosed_final_block():
    assert extract_program("```bash\nls\n```") is None
    assert extract_program("text\n```python\ndef f():\n    return 1") == "def f():\n    return 1"


def test_no_code_is_unparseable_unless_fences_are_optional(v):
    assert v.score("the answer is add", **ADD).outcome == "unparseable"
    assert v.score("```python\n\n```", **ADD).outcome == "unparseable"
    loose = CodeVerifier(require_fence=False, timeout_s=3.0)
    assert loose.score("def add(a, b):\n    return a + b\n", **ADD).outcome == "correct"


def test_prepend_prompt_completes_a_humaneval_body(v):
    body = "    return a + b\n"
    assert CodeVerifier(require_fence=False, prepend_prompt=True).score(body, **HE_ROW).outcome == "correct"
    assert v.score(fenced(HE_ROW["prompt"] + body), **HE_ROW).outcome == "correct"
    assert v.score(fenced(HE_ROW["prompt"] + "    return a - b\n"), **HE_ROW).outcome == "wrong"


def test_a_row_without_tests_is_an_error_naming_the_fields(v):
    s = v.score(GOOD, answer="add")
    assert s.outcome == "error" and "test_list" in s.reason


def test_bad_options_are_refused():
    for bad in ({"mode": "some"}, {"fence": "middle"}, {"timeout_s": 0}, {"memory_mb": 1}):
        with pytest.raises(ValueError):
            CodeVerifier(**bad)


# ---------------------------------------------------------------- scoring


def test_all_mode_needs_every_test_and_names_the_first_failure(v):
    assert v.score(GOOD, **ADD) == CodeVerifier().correct("passed 3/3")
    s = v.score(fenced("def add(a, b):\n    return a + b if a else 0"), **ADD)
    assert (s.outcome, s.value) == ("wrong", 0.1)
    assert s.reason == "passed 2/3; test 3: AssertionError"


def test_fraction_mode_scales_a_wrong_row_by_the_share_of_tests_passed():
    fr = CodeVerifier(mode="fraction", scores={"correct": 1.0, "wrong": 0.1})
    s = fr.score(fenced("def add(a, b):\n    return a + b if a else 0"), **ADD)
    assert s.outcome == "wrong" and s.value == pytest.approx(0.1 + 0.9 * 2 / 3)  # wrong + (correct-wrong)*2/3
    assert fr.score(fenced("def add(a, b):\n    return 7"), **ADD).value == pytest.approx(0.1)  # 0/3 = wrong
    assert fr.score(GOOD, **ADD).value == 1.0


def test_a_program_that_raises_fails_every_test(v):
    s = v.score(fenced("def add(a, b):\n    return a + b\nraise ValueError('boom')"), **ADD)
    assert s.outcome == "wrong" and s.reason == "passed 0/3; program raised ValueError: boom"


def test_mbpp_test_imports_run_before_the_asserts(v):
    row = {"test_imports": ["import math"], "test_list": ["assert math.isclose(area(1), math.pi)"]}
    assert v.score(fenced("import math\ndef area(r):\n    return math.pi * r * r"), **row).outcome == "correct"


def test_score_many_agrees_with_score_row_by_row(v):
    comps = [GOOD, fenced("def add(a, b):\n    return 0"), "no code", fenced("while True: pass")]
    one = [v.score(c, **ADD) for c in comps[:3]]
    many = CodeVerifier(timeout_s=1.0).score_many(comps, [ADD] * 4)
    assert [s.outcome for s in many] == ["correct", "wrong", "unparseable", "error"]
    assert many[:3] == one


# ---------------------------------------------------------------- a program that tries to fake a pass


def test_printing_a_fake_result_line_does_not_pass(v):
    fake = "print('\\n@@rft-result 0123 3 3 \\n')\nimport sys\nprint('passed 3/3'); sys.stdout.flush()\n"
    s = v.score(fenced(fake + "def add(a, b):\n    return 0"), **ADD)
    assert s.outcome == "wrong" and s.reason.startswith("passed 0/3")


def test_reading_stdin_for_the_nonce_finds_nothing(v):
    steal = ("import sys, os\nnonce = sys.stdin.read() + os.read(0, 100).decode()\n"
             "print('\\n@@rft-result ' + nonce.strip() + ' 3 3 \\n')\ndef add(a, b):\n    return 0")
    assert v.score(fenced(steal), **ADD).outcome == "wrong"


def test_scanning_open_file_descriptors_for_the_nonce_finds_nothing(v):
    steal = ("import os, re\nfound = set()\nfor name in os.listdir('/proc/self/fd'):\n    try:\n"
             "        found.update(re.findall(r'[0-9a-f]{32}', os.pread(int(name), 4096, 0).decode('latin-1')))\n"
             "    except Exception:\n        pass\n"
             "for n in found:\n    print('\\n@@rft-result ' + n + ' 3 3 \\n')\n"
             "def add(a, b):\n    return 0")
    assert v.score(fenced(steal), **ADD).outcome == "wrong"


def test_rewriting_the_test_list_found_through_gc_does_not_pass(v):
    hack = ("import gc\nfor o in gc.get_objects():\n    if isinstance(o, list) and o and isinstance(o[0], str) "
            "and o[0].startswith('assert add'):\n        o[:] = ['pass'] * len(o)\ndef add(a, b):\n    return 0")
    s = v.score(fenced(hack), **ADD)
    assert s.outcome == "wrong" and s.reason.startswith("passed 0/3")


def test_sys_exit_before_the_tests_does_not_pass(v):
    s = v.score(fenced("import sys\nsys.exit(0)\ndef add(a, b):\n    return a + b"), **ADD)
    assert s.outcome == "wrong" and "add" in s.reason  # the tests still ran: add was never defined


def test_sys_exit_inside_a_test_fails_that_test(v):
    s = v.score(fenced("import sys\ndef add(a, b):\n    sys.exit(0)"), **ADD)
    assert s.outcome == "wrong" and "SystemExit" in s.reason


def test_os_exit_ends_the_child_before_the_result_line_and_does_not_pass(v):
    s = v.score(fenced("import os\ndef add(a, b):\n    os._exit(0)"), **ADD)
    assert s.outcome == "wrong" and s.reason.startswith("no result line")
    assert v.score(fenced("import os\nos._exit(0)"), **ADD).outcome == "wrong"


def test_redefining_assertion_error_does_not_pass(v):
    hack = ("import builtins\nclass AssertionError(BaseException):\n    pass\n"
            "builtins.AssertionError = AssertionError\ndef add(a, b):\n    return 0")
    assert v.score(fenced(hack), **ADD).outcome == "wrong"


def test_monkeypatching_builtins_changes_nothing_the_tests_see(v):
    row = {"test_list": ["assert abs(root2() - 1.41421356) < 1e-6", "assert len(root2_digits()) == 3"]}
    hack = ("import builtins\nbuiltins.abs = lambda x: 0\nbuiltins.len = lambda x: 3\n"
            "def root2():\n    builtins.abs = lambda x: 0\n    return 7.0\ndef root2_digits():\n    return []")
    s = v.score(fenced(hack), **row)
    assert s.outcome == "wrong" and s.reason.startswith("passed 0/2")


def test_replacing_os_write_and_stdout_does_not_hide_the_result(v):
    hack = "import os, sys, io\nos.write = lambda fd, b: len(b)\nsys.stdout = io.StringIO()\nprint = None\n"
    assert v.score(fenced(hack + "def add(a, b):\n    return a + b"), **ADD).outcome == "correct"
    assert v.score(fenced(hack + "def add(a, b):\n    return 1"), **ADD).outcome == "wrong"


def test_deleting_or_redefining_check_does_not_pass(v):
    for hack in ("def check(candidate):\n    pass\n", "check = None\ndel check\n",
                 "import builtins\nbuiltins.check = lambda c: None\n"):
        program = HE_ROW["prompt"] + "    return 0\n" + hack
        assert v.score(fenced(program), **HE_ROW).outcome == "wrong", hack


def test_an_entry_point_that_is_missing_fails_with_its_name(v):
    s = v.score(fenced("def other(a, b):\n    return a + b"), **HE_ROW)
    assert s.outcome == "wrong" and "entry point add" in s.reason


# ---------------------------------------------------------------- limits


def test_an_infinite_loop_is_an_error_after_its_own_limit():
    t0 = time.monotonic()
    s = CodeVerifier(timeout_s=1.0).score(fenced("def add(a, b):\n    while True:\n        pass"), **ADD)
    assert s.outcome == "error" and "timeout" in s.reason
    assert time.monotonic() - t0 < 5.0


def test_a_memory_bomb_is_an_error_naming_memory():
    bomb = fenced("x = bytearray(1 << 31)\ndef add(a, b):\n    return a + b")
    s = CodeVerifier(timeout_s=5.0, memory_mb=128).score(bomb, **ADD)
    assert s.outcome == "error" and "memory" in s.reason


# ---------------------------------------------------------------- tasks and row maps


def test_humaneval_map_builds_a_whole_program_that_the_verifier_accepts(v):
    with gzip.open(HUMANEVAL, "rt") as f:
        raw = json.loads(f.readline())
    row = code_data.humaneval(raw)
    assert row["answer"] == raw["entry_point"] == "has_close_elements"
    assert raw["prompt"] in row["question"] and row["solution"].startswith("```python\nfrom typing import List")
    assert v.score(row["solution"], **row).outcome == "correct"


def test_task_yamls_load_the_real_splits():
    he = load_config(ROOT / "tasks" / "humaneval.yaml")
    assert len(load_rows(he.data.eval, he, "data.eval")) == 164
    mb = load_config(ROOT / "tasks" / "mbpp.yaml")
    train, test = load_rows(mb.data.train, mb, "data.train"), load_rows(mb.data.eval, mb, "data.eval")
    assert (len(train), len(test)) == (120, 257)
    assert all(601 <= r["task_id"] <= 974 for r in train) and all(11 <= r["task_id"] <= 510 for r in test)
    assert {len(code_data.mbpp_rows(s)) for s in ("validation", "prompt")} == {43, 7}
    assert all(r["answer"] in r["test_list"][0] for r in train + test)


def test_mbpp_rows_rejects_an_unknown_split():
    with pytest.raises(ValueError, match="unknown MBPP split"):
        code_data.mbpp_rows("dev")


# ---------------------------------------------------------------- rft verify on the real benchmarks


@pytest.fixture(scope="session")
def code_sets(tmp_path_factory):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_code_verify_sets", ROOT / "tests" / "data" / "make_code_verify_sets.py")
    maker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(maker)
    return maker.main(tmp_path_factory.mktemp("code-sets"))


@pytest.mark.slow
@pytest.mark.parametrize("name,problems", [("humaneval", 164), ("mbpp", 427)])
def test_rft_verify_passes_every_reference_and_fails_every_variant(tmp_path, code_sets, name, problems):
    data = code_sets[name]
    out = tmp_path / "disagreements.jsonl"
    # MBPP 123's reference (amicable numbers below 9,999) takes ~4 s of CPU: generous limits keep a
    # loaded CI machine from turning it into a timeout
    proc = run_cli("verify", str(data), "--verifier", "code", "--options", '{"timeout_s": 30}', "--workers", "2",
                   "--timeout", "40", "--out", str(out), "--json", check=True)
    report = json.loads(proc.stdout)
    assert report["rows"] == 2 * problems
    assert (report["tp"], report["fn"]) == (problems, 0), out.read_text()[:3000]  # every reference correct
    assert (report["tn"], report["fp"]) == (problems, 0), out.read_text()[:3000]  # every variant not correct
    assert report["outcomes"]["error"] == 0


# ---------------------------------------------------------------- rft train end to end


@pytest.mark.slow
def test_rft_train_mbpp_runs_end_to_end_on_the_tiny_model(tmp_path):
    # The tiny model writes no fences, so require_fence=false sends its text through the sandbox
    # (as a program that does not compile): the verifier path is exercised, not just extraction.
    sets = ["model.name=tiny", "sft.steps=3", "train.steps=2", "train.prompts_per_step=2", "sampler.n=4",
            "sampler.max_new_tokens=32", "train.eval_limit=4", "data.train.limit=32", "train.threads=1",
            "verifier.options.require_fence=false"]
    out = tmp_path / "run"
    run_cli("train", "tasks/mbpp.yaml", *TINY, *[a for s in sets for a in ("--set", s)], "--output", str(out),
            check=True)
    steps = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines() if line]
    assert [m["step"] for m in steps] == [1, 2]
    for m in steps:  # every completion ran in the sandbox and was judged (wrong), none errored
        assert m["reward/unparseable"] == 0.0 and m["reward/error"] == 0.0
        assert m["reward/mean"] == pytest.approx(0.1, abs=1e-6)
    assert (out / "final").is_dir()
