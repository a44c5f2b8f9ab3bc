"""The math verifier: extraction, normalisation, every comparison kind, the deadline, the cache."""
from __future__ import annotations

import doctest
import importlib
import json
import pickle
import re
from pathlib import Path

import pytest

from rft.verifiers import ScoreTable, build_verifier
from rft.verifiers.math import MathVerifier, answers_equal, extract_answer, normalize
from rft.verifiers.math import symbolic
from rft.verifiers.math.expr import ParseError, parse_expr

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
GSM8K_TEST = SHARED / "gsm8k" / "test.jsonl"
MATH500 = SHARED / "math500" / "test.jsonl"


# --- extraction ------------------------------------------------------------------------------

def test_extracts_last_boxed_with_nested_braces():
    text = r"First $\boxed{1}$, then corrected: $\boxed{\frac{\sqrt{2}}{2}}$. The answer is 7."
    assert extract_answer(text) == (r"\frac{\sqrt{2}}{2}", "boxed")


def test_extracts_fbox_and_space_form_of_boxed():
    assert extract_answer(r"so \fbox{12}") == ("12", "boxed")
    assert extract_answer(r"so $\boxed 5$") == ("5", "boxed")


def test_unclosed_boxed_falls_through_to_later_rules():
    assert extract_answer(r"so 3 + 4 = 7 and \boxed{7") == ("7", "last_number")


def test_extracts_answer_is_up_to_its_sentence_or_math_span():
    text = "I first thought the answer is 5. Checking again, THE ANSWER IS $\\frac{3}{4}$."
    assert extract_answer(text) == ("\\frac{3}{4}", "answer_is")
    assert extract_answer("The final answer is: 3.5. Done.") == ("3.5", "answer_is")
    assert extract_answer("The answer is\n42") == ("42", "answer_is")
    assert extract_answer("The answer is $5$ because 2 + 3 = 5") == ("5", "answer_is")


def test_extracts_final_answer_colon_and_markdown_bold():
    assert extract_answer("**Final Answer:** 18") == ("18", "final_answer")
    assert extract_answer("Final answer: $x = 3$\n") == ("x = 3", "final_answer")


def test_the_later_of_final_answer_and_answer_is_wins():
    text = "Final Answer: The final answer is $18$. I hope it is correct."
    assert extract_answer(text) == ("18", "answer_is")


def test_extracts_gsm8k_hashes():
    assert extract_answer("9 * 2 = 18\n#### 18\n") == ("18", "hashes")


def test_answer_marker_priority_is_boxed_then_answer_is_then_hashes():
    assert extract_answer("#### 1\nthe answer is 2\n\\boxed{3}")[1] == "boxed"
    assert extract_answer("#### 1\nthe answer is 2")[1] == "answer_is"


def test_falls_back_to_last_number_including_negatives_decimals_and_thousands():
    assert extract_answer("costs 3 dollars, total 1,234,567 items") == ("1,234,567", "last_number")
    assert extract_answer("it falls to -5.") == ("-5", "last_number")
    assert extract_answer("about 2.75 litres") == ("2.75", "last_number")
    assert extract_answer("x-3") == ("3", "last_number")  # subtraction, not a sign


def test_no_answer_is_none_and_fallback_can_be_switched_off():
    assert extract_answer("I cannot solve this.") == (None, "none")
    assert extract_answer("") == (None, "none")
    assert extract_answer("it is 7", fallback_last_number=False) == (None, "none")


def test_boxes_listed_together_are_one_answer_and_a_hedge_is_wrong():
    v = MathVerifier()
    assert extract_answer(r"The roots are $\boxed{3}$, $\boxed{5}$, and $\boxed{7}$.") == ("3, 5, 7", "boxed")
    assert v.score(r"So $n = \boxed{1}$ and $n = \boxed{-2}$.", answer="1,-2").outcome == "correct"
    assert v.score(r"So the number is $\boxed{1}$ or $\boxed{-2}$.", answer="-2").outcome == "wrong"
    assert v.score(r"$\boxed{\frac12}$, i.e. $\boxed{0.5}$", answer="0.5").outcome == "correct"


def test_answer_colon_markers_prose_after_a_comma_and_hedged_spans():
    assert extract_answer("**Answer:** $x = 4$ or $x = 16$ \u2014 I can't tell") == ("$x = 4$ or $x = 16$ \u2014 I can't tell", "final_answer")
    assert MathVerifier().score("**Answer:** $x = 4$ or $x = 16$", answer="4").outcome == "wrong"
    assert extract_answer("The answer is 45, the geometric mean being 27.") == ("45", "answer_is")
    assert extract_answer("The answer is 3, 5, and 7.") == ("3, 5, and 7", "answer_is")
    assert extract_answer("The answer is 5 since 2 + 3 = 5") == ("5", "answer_is")


def test_last_number_fallback_reads_number_words():
    assert extract_answer("So 196 has nine positive divisors.") == ("9", "last_number")
    assert extract_answer("sixty percent of the students") == ("60", "last_number")
    assert extract_answer("twenty-one apples") == ("21", "last_number")
    assert extract_answer("the first one costs 5") == ("5", "last_number")  # "one" is a pronoun


def test_strict_mode_accepts_only_boxed():
    assert extract_answer("The answer is 7.", strict=True) == (None, "none")
    assert extract_answer(r"so \boxed{7}", strict=True) == ("7", "boxed")
    v = MathVerifier(strict=True)
    assert v.score("The answer is 7.", answer="7") .outcome == "unparseable"
    assert v.score(r"$\boxed{7}$", answer="7").outcome == "correct"


# --- normalisation ---------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("$1,234$", "1234"),
    (r"\$18.", "18"),
    (r"\left( 3 \right)", "(3)"),
    (r"\tfrac{1}{2}", r"\frac{1}{2}"),
    (r"5\text{ cm}", "5"),
    (r"864 \mbox{ inches}^2", "864"),
    ("18 dollars", "18"),
    (r"90^\circ", "90"),
    (r"90^{\circ}", "90"),
    ("90 degrees", "90"),
    ("y = 2x + 1", "2x+1"),
    ("total = 18", "18"),  # a named quantity, as models write it
    (r"\theta = 30", "30"),
    (r"x \in [-2,7]", "[-2,7]"),
    (r"10,\!080", "10080"),
    (r"1{,}000", "1000"),
    (r"\Big( 1 \Big)", "(1)"),
    (r"(0,1)\bigcup(2,3)", r"(0,1)\cup(2,3)"),  # not `\big` + `cup`
    ("3x", "3x"),  # a variable is not a unit
    (r"2 \pi", r"2 \pi"),  # nor is a constant
    (r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}", r"\begin{pmatrix}1 \\ 2 \end{pmatrix}"),  # row breaks survive
])
def test_normalize(raw, expected):
    assert normalize(raw) == expected


# --- comparison, one category at a time --------------------------------------------------------

EQUAL = {
    "numbers": [("1/2", "0.5"), ("0.5", r"\frac{1}{2}"), (r"\dfrac{1}{2}", "1/2"), (r"\frac12", "0.5"),
                ("1,234", "1234"), ("-7", "-7.0"), ("18.00", "18"), (r"-\frac{3}{4}", r"\frac{-3}{4}"),
                ("0.3333333", r"\frac13")],
    "percent": [("50%", "50"), ("50%", "0.5"), (r"50\%", "50"), ("10 percent", "10")],
    "units": [(r"5 \text{ cm}", "5"), (r"15\mbox{ cm}^2", "15"), ("90", r"90^\circ"), ("18.9", r"\$18.90"),
              (r"\frac{270}{7}", r"\frac{270}7\text{ degrees}")],
    "scientific": [(r"1.5\times10^{3}", "1500"), ("1.5e3", "1500"), (r"3 \cdot 10^{-2}", "0.03")],
    "prefixes": [("x = 3", "3"), ("5", "x=5"), ("y=2x+3", "y = 2x + 3"), ("[-2,7]", r"x \in [-2,7]")],
    "mixed numbers": [(r"2\frac{1}{2}", r"\frac{5}{2}"), (r"137 \frac{1}{2}", "137.5"), (r"1\frac{4}{5}", "1.8")],
    "symbolic": [(r"2\sqrt{2}", r"\sqrt{8}"), (r"\frac{\sqrt{3}}{2}", r"\frac{1}{2}\sqrt{3}"),
                 (r"\frac{6\pi}{2}", r"3\pi"), ("x^2+2x+1", "(x+1)^2"), ("ab+2a+5b+10", "(a+5)(b+2)"),
                 (r"\frac{\cos x}{\sin x}", r"\cot x"), ("2^{10}", "1024"), ("-5i+6", "6 - 5i"),
                 (r"20000/\pi", r"\frac{20000}{\pi}"), (r"\sqrt[3]{-8}", "-2"), (r"\log_2 8", "3")],
    "intervals": [(r"\left( 3, 4 \right]", "(3,4]"), (r"(-\infty, 0]", r"(-\infty,0]"),
                  (r"(9,36)\cup(0,9)", r"(0,9) \cup (9,36)"),
                  (r"\left[ \frac{\pi^2}{8}, \frac{5 \pi^2}{4} \right]", r"[\pi^2/8, 5\pi^2/4]")],
    "tuples": [(r"(\frac{1}{2}, 3)", "(0.5,3)"), (r"\left( \frac{3}{2}, -13 \right)", "(1.5,-13)"), ("1, 2", "(1,2)")],
    "sets": [(r"\{1,2\}", r"\{2,1\}"), ("3, 5, 7", "7,5,3"), ("-2, 1", "1,-2"),
             (r"1+\sqrt{19}, 1-\sqrt{19}", r"1 \pm \sqrt{19}"), (r"\{1+\sqrt{5}, 1-\sqrt5, -2\}", r"\{1\pm\sqrt{5},-2\}")],
    "matrices": [(r"\begin{bmatrix}1\\2\end{bmatrix}", r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}"),
                 (r"\begin{pmatrix} \frac{16}{49} \\ \frac{48}{49} \end{pmatrix}", r"\begin{pmatrix} 16/49 \\ 48/49 \end{pmatrix}")],
    "equations": [("-5x+7y-11z-4=0", "5x - 7y + 11z + 4 = 0")],
    "choices": [("C", r"\text{(C)}"), (r"\text{(C)}", "(C)")],
    "text": [(r"\text{Evelyn}", "Evelyn"), ("evelyn", r"\text{Evelyn}"), ("the ellipse", r"\text{ellipse}")],
    "bases": [("52", "52_8"), ("52_{8}", "52_8")],
    "repeating decimals": [(r"1.\overline{3}", r"\frac43"), (r"0.1\overline{6}", r"\frac16"), (r"0.\overline{142857}", r"\frac17")],
    "inequalities": [("x > 5", r"(5,\infty)"), (r"3 < \lambda \le 4", "(3,4]"), (r"y \le 0", r"(-\infty, 0]"),
                     (r"x<2 \text{ or } x>3", r"(-\infty, 2) \cup (3, \infty)"), (r"4 \geq x > 3", "(3,4]"),
                     (r"x\le4", r"(-\infty,4]"), ("x ≥ 2", r"[2,\infty)")],
    "wrappers": [(r"\mathbf{\frac{13}{18}}", r"\frac{13}{18}"), (r"-3\,^\circ\mathrm{C}", "-3"),
                 (r"12\pi \text{ inches per second}", r"12\pi"), (r"\frac{8}{21} \approx 0.381", r"\frac{8}{21}"),
                 ("(a,b) = (-2, 1)", "(-2,1)")],
    "vectors": [(r"-\begin{pmatrix} 2 \\ 14 \end{pmatrix}", r"\begin{pmatrix} -2 \\ -14 \end{pmatrix}"),
                (r"\frac{8}{49}\begin{pmatrix} 2 \\ 6 \end{pmatrix}", r"\begin{pmatrix} 16/49 \\ 48/49 \end{pmatrix}"),
                (r"\left(-\tfrac13, \tfrac23\right)", r"\begin{pmatrix} -1/3 \\ 2/3 \end{pmatrix}")],
    "choice with option text": [(r"\textbf{(B)}\ 3(1 + r/10)^x = 7", r"\text{(B)}")],
    "one answer in two forms": [(r"15\frac{39}{40}, \frac{639}{40}", r"\frac{639}{40}")],
}
DIFFERENT = {
    "numbers": [("19", "18"), ("-7", "7"), ("1,235", "1234"), ("0.333", r"\frac{1}{3}"), ("49%", "50")],
    "symbolic": [(r"2\sqrt{3}", r"\sqrt{8}"), ("3.14", r"\pi"), ("x+1", "x-1"), ("(x+1)^2", "x^2+2x-1"),
                 ("q-p", "p - q"), ("3r^2", "3R^2"), ("6+5i", "6 - 5i"), ("2^{11}", "1024")],
    "intervals": [("(3,4)", "(3,4]"), (r"(-\infty, 0)", r"(-\infty,0]"), (r"(0,9] \cup (9,36)", r"(0,9) \cup (9,36)")],
    "tuples": [("(1,2)", "(2,1)"), ("(1,2,3)", "(1,2)")],
    "sets": [(r"\{1,2\}", r"\{1,3\}"), ("3, 5", "3,5,7"), ("2, 1", "1,-2")],
    "matrices": [(r"\begin{pmatrix}1\\3\end{pmatrix}", r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}"),
                 (r"\begin{pmatrix}1 & 2\end{pmatrix}", r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}")],
    "equations": [("5x - 7y + 11z - 4 = 0", "5x - 7y + 11z + 4 = 0")],
    "choices": [("(B)", r"\text{(C)}"), ("12", r"\text{(C)}")],
    "text": [("Navin", r"\text{Evelyn}"), ("odd", r"\text{even}")],
    "bases": [("53_8", "52_8")],
    "inequalities": [("x \\geq 5", r"(5,\infty)"), ("x < 4", "(3,4]")],
    "vectors": [(r"\left(-\tfrac13, \tfrac13\right)", r"\begin{pmatrix} -1/3 \\ 2/3 \end{pmatrix}")],
    "choice with option text": [(r"\textbf{(C)}\ 3(1 + r/10)^x = 7", r"\text{(B)}")],
    "hedges": [("1, -2", "-2"), ("x = 4 or x = 16", "4")],
}


@pytest.mark.parametrize("pred, ref", [pair for pairs in EQUAL.values() for pair in pairs])
def test_equal_answers(pred, ref):
    ok, reason = answers_equal(pred, ref)
    assert ok is True, reason


@pytest.mark.parametrize("pred, ref", [pair for pairs in DIFFERENT.values() for pair in pairs])
def test_near_misses_are_not_equal(pred, ref):
    ok, reason = answers_equal(pred, ref)
    assert ok is False, reason


def test_reason_names_the_comparison_that_decided():
    assert answers_equal("0.5", "1/2") == (True, "numeric 0.5 == 1/2")
    assert answers_equal("19", "18") == (False, "numeric 19 != 18")
    assert answers_equal("$1,234$", "1234") == (True, "exact 1234")
    assert answers_equal(r"2\sqrt{2}", r"\sqrt{8}")[1].startswith("value")
    assert answers_equal("x^2+2x+1", "(x+1)^2")[1].startswith("identity")
    assert answers_equal("[3,4)", "(3,4)")[1].startswith("interval ends differ")


def test_rel_tol_applies_to_numbers():
    assert answers_equal("3.1415926", "3.14159265", rel_tol=1e-6)[0]
    assert not answers_equal("3.14", "3.14159265", rel_tol=1e-6)[0]
    assert answers_equal("3.14", "3.14159265", rel_tol=1e-3)[0]
    assert answers_equal("3.1416", r"\pi", rel_tol=1e-4)[0]


def test_identity_testing_is_exact_for_polynomials_with_huge_values():
    # floats would call these equal (relative difference 1e-40); exact evaluation does not
    assert answers_equal("(x+y+z)^{40}", "(x+y+z)^{40}+1") == (False, "identity (x+y+z)^{40} != (x+y+z)^{40}+1")
    assert answers_equal("(x+1)^{40}", "(1+x)^{40}")[0] is True


def test_model_output_is_never_evaluated_as_python(tmp_path):
    marker = tmp_path / "pwned"
    for attack in (f"__import__('os').system('touch {marker}')", "().__class__.__bases__[0]", "9^9^9^9^9"):
        ok, _ = answers_equal(attack, "1")
        assert ok is False
    assert not marker.exists()


def test_parser_rejects_what_it_does_not_understand():
    for bad in (r"\unknowncommand{3}", "2 3", "(1+2", "", "1e999999"):
        with pytest.raises(ParseError):
            parse_expr(bad)


# --- sympy under a deadline ------------------------------------------------------------------

def test_sympy_settles_pairs_that_evaluation_cannot():
    # x^600 overflows a float at every test point and is too large for exact powers
    ok, reason = answers_equal("x^{600}", "(x^{300})^2")
    assert ok is True and reason.startswith("sympy"), reason
    ok, reason = answers_equal("x^{600}", "x^{600}+x")
    assert ok is False and reason.startswith("sympy"), reason


def test_sympy_off_leaves_those_pairs_wrong_not_undecided():
    ok, reason = answers_equal("x^{600}", "(x^{300})^2", use_sympy=False)
    assert ok is False and "without sympy" in reason


def test_a_sympy_call_past_its_deadline_is_killed_and_reported():
    w = symbolic.worker()
    ok, reason = w.run("sleep", (30,), 0.5)
    assert ok is None and reason == "sympy timed out after 0.5s"
    assert w.run("sleep", (0,), 5.0) == (True, "slept")  # a fresh child serves the next call


def test_a_hanging_comparison_scores_error_with_its_reason_and_is_cached():
    # the values overflow at every test point, so sympy gets the pair; expanding a 4-symbol
    # power of degree 700 would take hours: the 0.5 s deadline ends it
    pred, ref = r"(a+b+c+d)^{701}", r"(a+b+c+d)^{700}a+(a+b+c+d)^{700}(b+c+d)"
    v = MathVerifier(sympy_timeout_s=0.5)
    s = v.score(rf"\boxed{{{pred}}}", answer=ref)
    assert s.outcome == "error" and s.value == 0.0
    assert s.reason.startswith("boxed; sympy timed out after 0.5s")
    calls = symbolic.worker().stats["calls"]
    assert v.score(rf"\boxed{{{pred}}}", answer=ref) == s  # the cache holds the verdict
    assert symbolic.worker().stats["calls"] == calls


def test_the_cache_answers_a_repeated_pair_without_recomputing(monkeypatch):
    v = MathVerifier()
    assert v.score(r"\boxed{2\sqrt{2}}", answer=r"\sqrt{8}").outcome == "correct"
    calls = []
    monkeypatch.setattr("rft.verifiers.math.answers_equal", lambda *a: calls.append(a) or (False, "x"))
    assert v.score(r"so \boxed{2\sqrt{2}}.", answer=r"\sqrt{8}").outcome == "correct"
    assert calls == []
    assert MathVerifier(cache_size=0).score(r"\boxed{2\sqrt{2}}", answer=r"\sqrt{8}").outcome == "wrong"
    assert len(calls) == 1


def test_verifier_pickles_for_worker_processes():
    v = pickle.loads(pickle.dumps(MathVerifier(rel_tol=1e-3, strict=True)))
    assert v.rel_tol == 1e-3 and v.strict and v.score(r"\boxed{1/2}", answer="0.5").outcome == "correct"


# --- the verifier ----------------------------------------------------------------------------

def test_score_outcomes_and_reasons():
    v = MathVerifier()
    assert v.score("so \\boxed{0.5}", answer="1/2").reason == "boxed; numeric 0.5 == 1/2"
    assert v.score("The answer is 19.", answer=18).outcome == "wrong"
    assert v.score("no idea", answer=18).outcome == "unparseable"
    assert v.score("The answer is 3", answer=None).outcome == "error"


def test_custom_score_table_is_applied():
    v = MathVerifier(scores={"correct": 2.0, "wrong": -0.5, "unparseable": -1.0, "error": -2.0})
    assert v.score("The answer is 4.", answer=4).value == 2.0
    assert v.score("The answer is 5.", answer=4).value == -0.5
    assert v.score("no idea", answer=4).value == -1.0
    assert v.score("The answer is 4.", answer="").value == -2.0


def test_gsm8k_reference_with_hashes_uses_the_final_number():
    ref = "She has 16 - 3 - 4 = <<16-3-4=9>>9 eggs.\nShe makes 9 * 2 = $<<9*2=18>>18.\n#### 18"
    v = MathVerifier()
    assert v.score("She makes 18 dollars. The answer is 18.", answer=ref).outcome == "correct"
    assert v.score("She makes 9 dollars. The answer is 9.", answer=ref).outcome == "wrong"


def test_fallback_last_number_option():
    assert MathVerifier().score("it is 7", answer=7).outcome == "correct"
    assert MathVerifier(fallback_last_number=False).score("it is 7", answer=7).outcome == "unparseable"


def test_registered_and_built_by_name_with_options():
    v = build_verifier("math", options={"rel_tol": 1e-3, "strict": True}, scores=ScoreTable(wrong=0.0))
    assert isinstance(v, MathVerifier) and v.rel_tol == 1e-3 and v.strict and v.scores.wrong == 0.0
    for bad in ({"rel_tol": -1}, {"sympy_timeout_s": 0}, {"cache_size": -1}):
        with pytest.raises(ValueError):
            MathVerifier(**bad)


@pytest.mark.parametrize("module", ["extract", "normalize", "expr", "answer", "symbolic", "__init__"])
def test_docstring_examples_hold(module):
    mod = importlib.import_module("rft.verifiers.math" + ("" if module == "__init__" else f".{module}"))
    result = doctest.testmod(mod)
    assert result.attempted >= 1 and result.failed == 0


# --- real data -------------------------------------------------------------------------------

@pytest.mark.skipif(not GSM8K_TEST.exists(), reason="GSM8K test split not available on this machine")
def test_gsm8k_references_score_their_own_answer_correct_and_off_by_one_wrong():
    v = MathVerifier()
    with GSM8K_TEST.open() as f:
        rows = [json.loads(next(f)) for _ in range(50)]
    for row in rows:
        reasoning, final = row["answer"].rsplit("####", 1)
        n = int(final.strip().replace(",", ""))
        reasoning = re.sub(r"<<[^>]*>>", "", reasoning).strip().replace("\n", " ")
        right = v.score(f"{reasoning} The answer is {n}.", answer=row["answer"])
        wrong = v.score(f"{reasoning} The answer is {n + 1}.", answer=row["answer"])
        assert right.outcome == "correct", (row["answer"], right)
        assert wrong.outcome == "wrong", (row["answer"], wrong)


@pytest.mark.skipif(not MATH500.exists(), reason="MATH-500 not available on this machine")
def test_every_math500_solution_scores_correct_against_its_own_answer():
    v = MathVerifier()
    rows = [json.loads(line) for line in MATH500.open()]
    wrong = [(r["answer"], s.reason) for r in rows if (s := v.score(r["solution"], answer=r["answer"])).outcome != "correct"]
    assert not wrong, f"{len(wrong)} of {len(rows)}: {wrong[:5]}"


def test_the_sympy_child_dies_with_its_parent_even_mid_computation(tmp_path):
    import os
    import subprocess
    import sys
    import time

    # a parent that starts a 60 s sympy job and is then SIGKILLed: the child must not outlive it
    script = tmp_path / "parent.py"
    script.write_text(
        "from rft.verifiers.math import symbolic\n"
        "w = symbolic.worker(); w.prestart(); w._start()\n"
        "print(w._proc.pid, flush=True)\n"
        "w.run('sleep', (60,), 120)\n")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    parent.kill()
    parent.wait()
    for _ in range(100):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(child, 9)
    raise AssertionError("the sympy child outlived its parent")


def test_verifiers_import_neither_torch_nor_sympy_in_the_scoring_process():
    import subprocess
    import sys

    code = ("import sys; from rft.verifiers.math import MathVerifier; "
            "MathVerifier().score(r'\\boxed{2\\sqrt{2}}', answer=r'\\sqrt{8}'); "
            "print('torch' in sys.modules, 'sympy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]  # sympy lives in the deadline-bound child only
