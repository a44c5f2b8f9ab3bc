"""Answer formats that real model endings use, one general rule per test, each with near misses.

Every case goes through `MathVerifier.score` (extraction, normalisation and comparison together),
so a rule that finds the answer but compares it wrongly fails here too.
"""
from __future__ import annotations

import pytest

from rft.verifiers.math import MathVerifier, extract_answer
from rft.verifiers.math.extract import final_sentence

V = MathVerifier()


def outcome(completion: str, answer: str, **kw) -> str:
    return V.score(completion, answer=answer, **kw).outcome


def check(cases):
    got = [(c, a, outcome(c, a)) for c, a, _ in cases]
    assert [g[2] for g in got] == [want for _, _, want in cases], got


def test_nested_boxes_are_one_answer():
    check([(r"So the answer is $\boxed{\boxed{7}}$.", "7", "correct"),
           (r"Hence \boxed{\boxed{x = 3}}", "3", "correct"),
           (r"$\boxed{\boxed{\frac{1}{2}}}$", "0.5", "correct"),
           (r"So the answer is $\boxed{\boxed{8}}$.", "7", "wrong")])


def test_boxes_joined_by_and_quad_or_text_and_make_one_list():
    check([(r"The solutions are $\boxed{2}$ and $\boxed{5}$.", "2, 5", "correct"),
           (r"Thus $\boxed{-1} \quad \boxed{3}$", "-1, 3", "correct"),
           (r"Thus $\boxed{-1} \qquad \boxed{3}$", "3, -1", "correct"),
           (r"$\boxed{a=2}\text{ and }\boxed{b=7}$", "2, 7", "correct"),
           (r"$\boxed{a=2}\text{ and }\boxed{b=7}$", "(2, 7)", "correct"),
           (r"$\boxed{a=2}\text{ and }\boxed{b=7}$", "(7, 2)", "wrong"),
           (r"Thus $\boxed{-1} \quad \boxed{4}$", "-1, 3", "wrong")])


def test_lists_joined_by_and_or_or():
    check([(r"The answer is $2$ and $-3$.", "-3, 2", "correct"),
           (r"The solutions are $x = 2$ or $x = -3$.", "-3, 2", "correct"),
           (r"The answer is $x = 1, 4$ and $9$.", "1, 4, 9", "correct"),
           (r"The final answer is $-2$ and $2$.", "-2, 2", "correct"),
           (r"The final answer is $-2$ and $3$.", "-2, 2", "wrong"),
           (r"The solutions are $x = 2$ or $x = -3$.", "-3, 2, 5", "wrong")])


def test_named_lists_drop_the_names_and_semicolons_separate_tuples():
    check([(r"Therefore the final answer is $x = -5, p = \frac{14}{3}$.", r"-5, \frac{14}{3}", "correct"),
           (r"The final answer is $p=5,q=2; p=7,q=2$.", "(5,2), (7,2)", "correct"),
           (r"The final answer is $p=7,q=2; p=5,q=2$.", "(5,2), (7,2)", "correct"),  # a list: any order
           (r"The final answer is $p=2,q=5; p=7,q=2$.", "(5,2), (7,2)", "wrong"),  # a tuple: in order
           (r"So the answer is $a = 3, b = -1$.", "(3,-1)", "correct"),
           (r"So the answer is $a = -1, b = 3$.", "(3,-1)", "wrong"),
           (r"Therefore the final answer is $x = -5, p = \frac{13}{3}$.", r"-5, \frac{14}{3}", "wrong")])


def test_prose_without_marker_takes_the_final_sentences_last_math_expression():
    check([(r"Therefore $x \geq 5$ is the solution.", r"[5, \infty)", "correct"),
           (r"Therefore $x \geq 5$ is the solution.", r"(5, \infty)", "wrong"),
           (r"So the answer holds for all $x < -2$.", r"(-\infty, -2)", "correct"),
           (r"The identity matrix is $\begin{pmatrix}1&0\\0&1\end{pmatrix}$.",
            r"\begin{pmatrix} 1 & 0 \\ 0 & 1 \end{pmatrix}", "correct"),
           (r"The product is $\begin{pmatrix}1&2\\0&1\end{pmatrix}$.",
            r"\begin{pmatrix} 1 & 0 \\ 0 & 1 \end{pmatrix}", "wrong"),
           (r"So the domain is $(-\infty, 3) \cup (3, \infty)$.", r"(-\infty,3)\cup(3,\infty)", "correct"),
           (r"The solution set is $\{1, 2, 3\}$.", r"\{3, 2, 1\}", "correct"),
           (r"The solution set is $\{1, 2, 4\}$.", r"\{3, 2, 1\}", "wrong")])


def test_relation_spellings_and_a_negated_variable():
    check([(r"The answer is $x \lt 3$.", r"(-\infty, 3)", "correct"),
           (r"The answer is $x \gt 3$.", r"(3, \infty)", "correct"),
           (r"The answer is $x \neq 3$.", r"(-\infty,3)\cup(3,\infty)", "correct"),
           (r"The answer is $x != 3$.", r"x \ne 3", "correct"),
           (r"The answer is $x <= 4$.", r"(-\infty, 4]", "correct"),
           (r"The answer is $x >= 4$.", r"x \geq 4", "correct"),
           (r"The answer is $-x > -1$.", r"x < 1", "correct"),
           (r"The answer is $-x > -1$.", r"x > 1", "wrong"),
           (r"The answer is $2x + 1 \leq 7$.", r"(-\infty, 3]", "correct"),
           (r"The answer is $x \neq 4$.", r"x \neq 3", "wrong")])


def test_chains_take_their_last_member():
    check([(r"The answer is $x = 5+5+1 = 11$.", "11", "correct"),
           (r"\boxed{2+3 = 5}", "5", "correct"),
           (r"So the total is $3 \times 4 = 12$.", "12", "correct"),
           (r"Thus $f(2) = 7$.", "7", "correct"),
           (r"The answer is $x = 5+5+1 = 12$.", "11", "wrong")])


def test_thousands_separators_and_decimal_commas():
    check([(r"\boxed{14{,}916}", "14916", "correct"),
           (r"\boxed{1 000}", "1000", "correct"),
           (r"The answer is $1\ 000\ 000$.", "1000000", "correct"),
           (r"\boxed{1,234,567}", "1234567", "correct"),
           (r"The result is $3,75$ metres.", "3.75", "correct"),
           (r"\boxed{3{,}5}", "3.5", "correct"),
           (r"\boxed{3,5}", "3, 5", "correct"),  # against a list, a comma separates
           (r"\boxed{14{,}961}", "14916", "wrong"),
           (r"The result is $3,57$ metres.", "3.75", "wrong")])


def test_textnormal_units_and_ratios():
    check([(r"\boxed{12\textnormal{ cm}}", "12", "correct"),
           (r"\boxed{12 \textnormal{cm}^2}", "12", "correct"),
           (r"\boxed{11:21}", "11:21", "correct"),
           (r"The answer is $V_1:V_2 = 11:21$.", "11:21", "correct"),
           (r"The answer is $11 : 21$.", "11:21", "correct"),
           (r"The answer is $21:11$.", "11:21", "wrong"),
           (r"The answer is $V_1:V_2 = 11:20$.", "11:21", "wrong")])


def test_minerva_final_answer_sentence():
    check([("Final Answer: The largest $n$ is 34. I hope it is correct.", "34", "correct"),
           ("Final Answer: The final answer is $\\frac{3}{4}$. I hope it is correct.", "\\frac34", "correct"),
           ("Final Answer: The smallest possible value is 6.", "6", "correct"),
           ("Final Answer: The number of ways is $\\binom{5}{2} = 10$. I hope it is correct.", "10", "correct"),
           ("Final Answer: The largest $n$ is 35. I hope it is correct.", "34", "wrong")])


def test_final_sentence_skips_math_and_decimal_points():
    assert final_sentence("We found $x = 12.5$. So far so good! Is it? Yes, $y = 3.$")[1] == "Yes, $y = 3.$"
    assert final_sentence("First line\nsecond line with 2.5 apples.")[1] == "second line with 2.5 apples."


def test_a_number_outside_the_final_sentence_is_no_answer():
    text = "We found $x = 12$ earlier. Now we must double-check the constraints, which we leave to the reader."
    assert extract_answer(text) == (None, "none")
    assert outcome(text, "12") == "unparseable"
    assert outcome("He has 3 + 4 = 7 apples.\nSo in total he has 7 apples.", "7") == "correct"


def test_cut_off_completion_needs_an_explicit_answer():
    cut = "Trying $34$ in the original equation, we need to check whether the left side equals $34$ before"
    assert outcome(cut, "34") == "correct"  # without the flag the last math span would do
    assert outcome(cut, "34", truncated=True) == "unparseable"
    assert "token limit" in V.score(cut, answer="34", truncated=True).reason
    # an answer committed before the cut still counts
    assert outcome(r"So $\boxed{34}$. Let me double-check: $34^2 = 11", "34", truncated=True) == "correct"
    assert outcome("The answer is 34. To verify, we plug in", "34", truncated=True) == "correct"
    assert outcome("Thus 12 * 3 = 36.\n#### 36\nCheck: 36 / 3", "36", truncated=True) == "correct"
    assert outcome(r"So $\boxed{35}$. Let me double-check", "34", truncated=True) == "wrong"
    lenient = MathVerifier(fallback_when_truncated=True)
    assert lenient.score(cut, answer="34", truncated=True).outcome == "correct"


@pytest.mark.parametrize("answer", ["7", "-2", r"\frac{1}{2}"])
def test_plain_endings_are_unchanged(answer):
    assert outcome(f"The answer is ${answer}$.", answer) == "correct"
    assert outcome(rf"so \boxed{{{answer}}}", answer) == "correct"
    assert outcome(f"Adding up, we get ${answer}$.", answer) == "correct"


def test_plain_text_lists_relations_and_spaced_numbers_in_the_final_sentence():
    check([("Factoring gives $(x-2)(x+3) = 0$, so x = 2 or x = -3.", "-3, 2", "correct"),
           ("Checking each square below $10$, the solutions are 1, 4 and 9.", "1, 4, 9", "correct"),
           ("The pairs that work are p=5,q=2; p=7,q=2.", "(5,2), (7,2)", "correct"),
           ("Combining the two steps, the solutions are all x <= 7.", r"(-\infty, 7]", "correct"),
           ("So the only condition is x != 0.", r"x \neq 0", "correct"),
           ("Each of six digits takes $10$ values, so there are 1 000 000 codes.", "1000000", "correct"),
           ("Combining the two steps, the solutions are all x <= 7.", r"(-\infty, 7)", "wrong"),
           ("Checking each square below $10$, the solutions are 1, 4 and 8.", "1, 4, 9", "wrong")])


def test_one_box_per_part_against_a_list_reference():
    text = r"The minimum value is $\boxed{-4}$ and, at the other endpoint, the maximum value is $\boxed{12}$."
    assert V.score(text, answer="-4, 12").outcome == "correct"
    assert "every box" in V.score(text, answer="-4, 12").reason
    assert outcome(text, "-4, 11") == "wrong"
    assert outcome(r"First I got $\boxed{3}$; on checking, it is $\boxed{5}$.", "5") == "correct"  # the last box


def test_names_with_tuples_superscripts_set_builder_and_bracketed_matrices():
    check([(r"Thus $(x, y) = (2, -3)$.", "(2,-3)", "correct"),
           (r"The inverse is $A^{-1} = \begin{pmatrix} -2 & 1 \\ 1.5 & -0.5 \end{pmatrix}$.",
            r"\begin{pmatrix} -2 & 1 \\ \frac{3}{2} & -\frac{1}{2} \end{pmatrix}", "correct"),
           (r"The matrix is \(\left[\begin{array}{cc} 2 & -1 \\ 3 & 4 \end{array}\right]\).",
            r"\begin{pmatrix} 2 & -1 \\ 3 & 4 \end{pmatrix}", "correct"),
           (r"In set-builder notation the solution is $\{x \mid x > 2\}$.", r"(2, \infty)", "correct"),
           (r"In set-builder notation the solution is $\{x \mid x \geq 2\}$.", r"(2, \infty)", "wrong"),
           (r"Thus $(x, y) = (-3, 2)$.", "(2,-3)", "wrong")])


def test_a_formula_equal_to_a_value_states_the_value():
    check([(r"Final Answer: The sum of the roots is $-\frac{b}{a} = 5$. I hope it is correct.", "5", "correct"),
           (r"So there are $8! = 40,320$ orderings.", "40320", "correct"),
           (r"Thus the number of ways is $\boxed{\dbinom{10}{4} = 210}$.", "210", "correct"),
           (r"The plane is $5x - 7y + 11z = -4$.", "5x - 7y + 11z + 4 = 0", "correct"),  # an equation stays one
           (r"Final Answer: The sum of the roots is $-\frac{b}{a} = 6$. I hope it is correct.", "5", "wrong")])


def test_more_separator_and_unit_spellings():
    check([(r"so the answer is $\boxed{1{,}000{,}000}$.", "1000000", "correct"),
           (r"Adding the tax and the fee, the final answer is $\$2{,}400.50$.", "2400.50", "correct"),
           (r"The total cost is therefore $\$12{,}500$.", "12500", "correct"),
           (r"Her speed is $\boxed{3\ \text{km/h}}$.", "3", "correct"),
           (r"The ratio of boys to girls is $5 \colon 8$.", "5:8", "correct"),
           (r"The ratio of boys to girls is $8 \colon 5$.", "5:8", "wrong")])


def test_a_sentence_in_a_box_plain_tuples_and_a_plain_decimal_comma():
    check([(r"\[\boxed{\text{The answer is } 24}\]", "24", "correct"),
           (r"\[\boxed{\text{The answer is } 25}\]", "24", "wrong"),
           ("So the solutions are the pairs (1,2) and (2,1).", "(1,2), (2,1)", "correct"),
           ("So the solutions are the pairs (1,2) and (1,2).", "(1,2), (2,1)", "wrong"),
           ("With 3 favorable outcomes of 4, the probability equals 0,75.", "0.75", "correct"),
           ("With 3 favorable outcomes of 4, the probability equals 0,57.", "0.75", "wrong")])
