#!/usr/bin/env python3
"""The answer-format set (tests/data/math_verify_formats.jsonl): hand-written model endings.

Written for issue 13 by a helper who saw neither the math verifier nor the other labeled sets,
from a brief listing the formats real model outputs use (nested and joined boxes, lists joined by
and/or, named lists, answers in prose, relations, chains, thousands separators, units, ratios,
Minerva endings) and truncated completions (`truncated: true`). Every row is written by hand
below (no random generation of labels). Run from the repository root to rewrite the file.
"""
import json
import re
from collections import Counter, defaultdict

rows = []


def add(cat, comp, ans, label, note, trunc=False):
    if trunc:
        comp = comp.lstrip("\n")  # keep the abrupt (possibly space-terminated) ending
    else:
        comp = comp.strip()
    rows.append(
        {
            "completion": comp,
            "answer": ans,
            "label": label,
            "truncated": trunc,
            "category": cat,
            "note": note,
        }
    )


T, F = True, False

# ---------------------------------------------------------------- 1 nested_boxed
c = "nested_boxed"
add(c, r"""There are $4$ ways with the red ball first and $3$ ways with the blue ball first. Adding the two cases gives $4 + 3 = 7$ arrangements.

Therefore, the answer is $\boxed{\boxed{7}}$.""", "7", T, "double boxed integer")
add(c, r"""Subtracting $6$ from both sides of $2x + 6 = 12$ gives $2x = 6$, so $x = 3$. Checking, $2(3) + 6 = 12$ as required.

$\boxed{\boxed{x=3}}$""", "3", T, "double boxed equation x=3")
add(c, r"""From $x + 7 = 4$ we get $x = -3$.

\[\boxed{\boxed{x = -3}}\]""", "3", F, "near miss: sign flipped inside double box")
add(c, r"""The favorable outcomes number $5$ out of $12$ equally likely outcomes, so the probability is $\frac{5}{12}$.

The final answer is $\boxed{\boxed{\frac{5}{12}}}$.""", r"\frac{5}{12}", T, "double boxed fraction")
add(c, r"""Dividing the total count by the favorable count, the probability is $\boxed{\boxed{\dfrac{12}{5}}}$.""", r"\frac{5}{12}", F, "near miss: reciprocal fraction, dfrac, double box")
add(c, r"""The altitude of an equilateral triangle with side $4$ is $\frac{\sqrt{3}}{2}\cdot 4 = 2\sqrt{3}$.

Thus the height is $\boxed{\boxed{2\sqrt{3}}}$.""", r"2\sqrt{3}", T, "double boxed radical")
add(c, r"""By the Pythagorean theorem, the distance is $\sqrt{2^2 + (2\sqrt{2})^2} = \sqrt{4 + 8} = \sqrt{12}$.

**Final Answer**
$\boxed{\boxed{\sqrt{12}}}$""", r"2\sqrt{3}", T, "double boxed unsimplified radical sqrt(12) == 2sqrt(3)")
add(c, r"""Applying the distance formula to the two points, the distance is $\boxed{\boxed{3\sqrt{2}}}$.""", r"2\sqrt{3}", F, "near miss: 3sqrt2 vs 2sqrt3")
add(c, r"""Multiplying, $6 \cdot 7 = 42$.

So the final answer is $\boxed{\boxed{\boxed{42}}}$.""", "42", T, "triple nested box")
add(c, r"""A polygon with $n$ sides has $\frac{n(n-3)}{2}$ diagonals, and for $n = 9$ this is $\frac{9 \cdot 6}{2} = 27$.

\[ \boxed{ \boxed{ 27 } } \]""", "27", T, "double box with inner spaces in display math")
add(c, r"""The line meets the parabola at $(2, -1)$, which satisfies both equations.

The intersection point is $\boxed{\boxed{(2, -1)}}$.""", "(2,-1)", T, "double boxed ordered pair")
add(c, r"""Solving the system by elimination, the point of intersection is $\boxed{\boxed{(-1, 2)}}$.""", "(2,-1)", F, "near miss: swapped ordered pair in double box")
add(c, r"""Combining $x \ge 2$ with $x < 5$ gives the interval $\boxed{\boxed{[2, 5)}}$.""", "[2,5)", T, "double boxed half-open interval")
add(c, r"""Both endpoints satisfy the inequality, so the solution is $\boxed{\boxed{[2,5]}}$.""", "[2,5)", F, "near miss: closed vs open right endpoint")
add(c, r"""Since $\tan\theta = 1$ and $\theta$ is acute, $\theta = \pi/4$.

Answer: $\boxed{\boxed{\pi/4}}$""", r"\frac{\pi}{4}", T, "double boxed pi/4 slash form vs \\frac")
add(c, r"""Using the special right triangle, we get $\cos\theta = \frac{1}{2}$. Therefore $\theta = \boxed{\boxed{\frac{\pi}{3}}}$.""", r"\frac{\pi}{4}", F, "near miss: pi/3 vs pi/4")
add(c, r"""Dividing, $\frac{3}{4} = 0.75$.

$\boxed{\boxed{0.75}}$""", r"\frac{3}{4}", T, "double boxed exact decimal equal to fraction")
add(c, r"""By Vieta's formulas, the product of the roots is $\frac{c}{a} = -8$.

The answer is $\boxed{\boxed{-8}}$.""", "8", F, "near miss: sign flipped")
add(c, r"""So the number of arrangements is $5! = 120$.

The final answer is $\boxed{\boxed{120}}$.""", "120", T, "double box after 'The final answer is'")
add(c, r"""The largest such $n$ is therefore $34$.

$$\boxed{\boxed{n = 34}}$$""", "34", T, "double boxed n = 34 in $$")
add(c, r"""Checking shows that $n = 35$ also satisfies the inequality, so the largest is $\boxed{\boxed{35}}$.""", "34", F, "near miss: off by one")
add(c, r"""Squaring both sides of $\sqrt{x+5} = 3$ gives $x + 5 = 9$, so $x = 4$, which checks out in the original equation. Hence $\boxed{x = \boxed{4}}$.""", "4", T, "box nested inside an equation inside a box")
add(c, r"""Expanding, $(x+1)^2 = x^2 + 2x + 1$.

$\boxed{\boxed{x^2 + 2x + 1}}$""", "x^2+2x+1", T, "double boxed polynomial")
add(c, r"""Expanding $(x+1)^2$ term by term gives $\boxed{\boxed{x^2 + x + 1}}$.""", "x^2+2x+1", F, "near miss: wrong middle coefficient")
add(c, r"""Adding the three groups, we get $5 + 4 + 4 = 13$ students, so the total is $\boxed{\boxed{13}}$.""", "12", F, "near miss: off by one")
add(c, r"""The quadratic is nonpositive up to and including its root, so the solution set is $\boxed{\boxed{(-\infty, 3]}}$.""", r"(-\infty, 3)", F, "near miss: closed vs open endpoint, double boxed")

# ---------------------------------------------------------------- 2 multiple_boxes
c = "multiple_boxes"
add(c, r"""Factoring, $(x-2)(x-5) = 0$, so the solutions are $\boxed{2}$ and $\boxed{5}$.""", "2, 5", T, "two boxes joined by 'and'")
add(c, r"""The quadratic $x^2 - 2x - 3 = (x+1)(x-3)$ vanishes at
\[\boxed{-1} \quad \boxed{3}\]""", "-1, 3", T, "two boxes separated by \\quad")
add(c, r"""Substituting back, $a = 2$ and $b = 7$ satisfy both equations:
$$\boxed{a=2}\text{ and }\boxed{b=7}$$""", "2, 7", T, "boxed named values joined by \\text{ and }")
add(c, r"""Solving the two equations simultaneously, we find $\boxed{a=2}$ and $\boxed{b=-7}$.""", "2, 7", F, "near miss: second box sign flipped")
add(c, r"""Since $x^2 = 16$, we get $x = \boxed{4}$ or $x = \boxed{-4}$.""", "-4, 4", T, "two boxes inside 'x = .. or x = ..'")
add(c, r"""Testing each candidate in the original condition, the valid values of $n$ are $\boxed{3}$ and $\boxed{5}$.""", "3, 5, 7", F, "missing list member across boxes")
add(c, r"""Since $(x-1)(x-2)(x-3) = 0$, the roots are $\boxed{1}$, $\boxed{2}$, and $\boxed{3}$.""", "1, 2, 3", T, "three boxes")
add(c, r"""Solving the system gives $x = \boxed{3}$ and $y = \boxed{-2}$.""", "(3, -2)", T, "named boxes x,y against ordered pair")
add(c, r"""Adding the equations and back-substituting, we obtain $x=\boxed{-2}$ and $y=\boxed{3}$.""", "(3,-2)", F, "near miss: x and y values swapped against ordered pair")
add(c, r"""(a) Summing the data and dividing by $10$, the mean is $\boxed{12}$.

(b) The largest value minus the smallest is $31 - 11$, so the range is $\boxed{20}$.""", "12, 20", T, "two parts each boxed")
add(c, r"""By the quadratic formula, $z = \frac{2 \pm \sqrt{-4}}{2} = 1 \pm i$, so the roots are $\boxed{1+i}$ and $\boxed{1-i}$.""", "1+i, 1-i", T, "complex roots boxed separately")
add(c, r"""Using the quadratic formula, the roots are $\boxed{1+i}$ and $\boxed{-1-i}$.""", "1+i, 1-i", F, "near miss: one complex root wrong")
add(c, r"""The factorization $(2x - 1)(x + 3) = 0$ gives $\boxed{\frac{1}{2}}$ and $\boxed{-3}$.""", r"-3, \frac{1}{2}", T, "boxes in different order than reference")
add(c, r"""Setting each factor to zero, $x = \boxed{\frac{1}{2}}$ or $x = \boxed{3}$.""", r"-3, \frac{1}{2}", F, "near miss: sign of one root")
add(c, r"""Factoring out $x$ from $x^2 - 6x = 0$ gives
\[\boxed{x_1 = 0}, \quad \boxed{x_2 = 6}\]""", "0, 6", T, "subscripted names in boxes")
add(c, r"""On the closed interval the function attains its extremes at the endpoints. The minimum value is $\boxed{-4}$ and the maximum value is $\boxed{12}$.""", "-4, 12", T, "min and max boxed separately")
add(c, r"""Splitting $\$36$ evenly among $6$ people, each person pays $\boxed{6}$ dollars.

Final answer: $\boxed{6}$""", "6", T, "same value boxed twice")
add(c, r"""Using synthetic division, the roots are $\boxed{-2}$, $\boxed{1}$, and $\boxed{3}$.""", "-2, 1, 4", F, "one of three boxed roots wrong")
add(c, r"""Both values satisfy the original equation:
$\boxed{5}, \boxed{2}$""", "2, 5", T, "boxes in reverse order, comma separated")
add(c, r"""Within $[0, 2\pi)$, $\sin x = \frac{1}{2}$ at $\boxed{x=\frac{\pi}{6}}$ and $\boxed{x=\frac{5\pi}{6}}$.""", r"\frac{\pi}{6}, \frac{5\pi}{6}", T, "boxed angle equations")
add(c, r"""On the unit circle the solutions in $[0, 2\pi)$ are $\boxed{\frac{\pi}{6}}$ and $\boxed{\frac{7\pi}{6}}$.""", r"\frac{\pi}{6}, \frac{5\pi}{6}", F, "near miss: wrong second angle")
add(c, r"""Comparing both expansions term by term, we conclude $\boxed{m = 4}$, $\boxed{n = 9}$.""", "4, 9", T, "boxed named values comma separated")
add(c, r"""Matching the constant terms as well, we get $\boxed{m=4}$ and $\boxed{n=-9}$.""", "4, 9", F, "near miss: sign of second named box")
add(c, r"""(a) The mean is $\boxed{12}$.

(b) The range is $\boxed{18}$.""", "12, 20", F, "two parts; second part wrong")
add(c, r"""Factoring $x^2 + 6x = x(x+6)$, the solutions are $x=\boxed{0}$ and $x=\boxed{6}$.""", "0, -6", F, "near miss: sign of nonzero root")

# ---------------------------------------------------------------- 3 list_and_or
c = "list_and_or"
add(c, r"""Factoring gives $(x-2)(x+3) = 0$, so x = 2 or x = -3.""", "-3, 2", T, "plain-text 'x = 2 or x = -3'")
add(c, r"""Factoring gives $(x+2)(x-3)=0$, hence $x = 3$ or $x = -2$.""", "-3, 2", F, "near miss: both signs flipped")
add(c, r"""Checking each perfect square below $10$, the solutions are 1, 4 and 9.""", "1, 4, 9", T, "'1, 4 and 9' plain text list")
add(c, r"""Since $x^2 = 4$, the solutions are $-2$ and $2$.""", "-2, 2", T, "'$-2$ and $2$'")
add(c, r"""Taking square roots of both sides of $x^2 = 4$, we get $-2$ and $2$.""", "-3, 2", F, "one list member wrong")
add(c, r"""Using the quadratic formula on $3x^2 + 14x - 5 = 0$, the roots are $\frac{1}{3}$ and $-5$.""", r"-5, \frac{1}{3}", T, "fraction and integer in different order")
add(c, r"""Hence $x=1$, $x=2$, or $x=6$.""", "1, 2, 6", T, "three values with Oxford 'or'")
add(c, r"""Hence the solutions are $x = 1$, $x = 2$, or $x = 6$.""", "1, 2, 3, 6", F, "missing list member")
add(c, r"""Both values give a repeated root of $x^2 + kx + 4$, so the possible values of $k$ are $4$ and $-4$.""", "-4, 4", T, "'4 and -4' reversed order")
add(c, r"""So $n$ must be an odd prime less than $9$, i.e. $n = 3, 5,$ or $7$.""", "3, 5, 7", T, "'n = 3, 5, or 7'")
add(c, r"""Factoring $2t^2 - 5t = t(2t - 5)$, either $t = 0$ or $t = \frac{5}{2}$, and both are valid times.""", r"0, \frac{5}{2}", T, "'either .. or ..'")
add(c, r"""Factoring out $t$, we get $t = 0$ or $t = \frac{2}{5}$.""", r"0, \frac{5}{2}", F, "near miss: reciprocal fraction")
add(c, r"""By the quadratic formula applied to $x^2 - 2x - 1 = 0$, $x = \frac{2 \pm \sqrt{8}}{2}$, so the zeros are $1 \pm \sqrt{2}$.""", r"1+\sqrt{2}, 1-\sqrt{2}", T, "\\pm shorthand for two roots")
add(c, r"""Completing the square, $(x-2)^2 = 3$, so $x = 2 \pm \sqrt{3}$.""", r"2+\sqrt{3}, 2-\sqrt{3}", T, "x = a \\pm sqrt(b)")
add(c, r"""Completing the square gives $(x - 2)^2 = 3$, and therefore the solutions are $x = 2 \pm \sqrt{3}$.""", r"-2+\sqrt{3}, -2-\sqrt{3}", F, "near miss: center sign flipped")
add(c, r"""Since $x^2 - 5x - 6 = (x-6)(x+1)$, the roots are easy to read off. So the answer is $6$ and $-1$.""", "-1, 6", T, "'the answer is 6 and -1'")
add(c, r"""Squaring $\sqrt{x + 12} = x$ gives $x^2 - x - 12 = 0$, i.e. $(x-4)(x+3) = 0$. Therefore the solutions are $x = 4$ and $x = -3$.""", "4", F, "extra extraneous root kept")
add(c, r"""Thus $a = 1$ or $a = 9$, and both work.""", "1, 9", T, "values followed by trailing prose")
add(c, r"""The three consecutive multiples of $3$ summing to $45$ are 12, 15, and 18.""", "12, 15, 18", T, "plain list with Oxford 'and'")
add(c, r"""The primes that divide $210$ are 2, 3, and 5.""", "2, 3, 5, 7", F, "missing list member")
add(c, r"""The equation $|x - 3| = 4$ gives $x - 3 = \pm 4$.

**Answer:** $x = -1$ or $x = 7$""", "-1, 7", T, "bold Answer with 'or'")
add(c, r"""$$x = 0 \text{ and } x = 4$$ are the only solutions of $x^2 = 4x$.""", "0, 4", T, "\\text{ and } list; equation x^2=4x appears after the answer")
add(c, r"""Since $2x^2 + x - 3 = (2x+3)(x-1)$, the answer is $-\frac{3}{2}$ or $1$.""", r"-\frac{3}{2}, 1", T, "negative fraction 'or' integer")
add(c, r"""Setting each factor to zero, therefore $x = \frac{3}{2}$ or $x = 1$.""", r"-\frac{3}{2}, 1", F, "near miss: sign of fraction")
add(c, r"""Thus the valid values are $n = 1$, $n = 4$, and $n = 8$.""", "1, 4, 9", F, "one list member wrong")
add(c, r"""Solving the cubic by grouping, the roots are $x = 2$ or $x = 3$ only.""", "1, 2, 3", F, "missing list member")
add(c, r"""For a double root we need the discriminant to vanish, so $k = 4$ or $k = -4$.""", "-2, 2", F, "wrong pair of values")

# ---------------------------------------------------------------- 4 named_list
c = "named_list"
add(c, r"""From the first equation $x = -5$, and substituting into the second gives $p = \frac{14}{3}$.

So $x = -5, p = \frac{14}{3}$.""", r"-5, \frac{14}{3}", T, "two named values vs unnamed list")
add(c, r"""Checking all primes up to $7$, the pairs that work are p=5,q=2; p=7,q=2.""", "(5,2), (7,2)", T, "semicolon-separated named pairs vs tuple list")
add(c, r"""Solving simultaneously, $a = 3, b = -1$.""", "(3,-1)", T, "named values vs ordered pair")
add(c, r"""Subtracting the equations, we conclude $a = -1$ and $b = 3$.""", "(3,-1)", F, "named values swapped vs ordered pair (a,b)")
add(c, r"""Therefore $m = 4$ and $n = 7$.""", "(4,7)", T, "named with 'and'")
add(c, r"""Comparing degrees and leading coefficients, we conclude $m=7$, $n=4$.""", "(4,7)", F, "named values swapped")
add(c, r"""Thus $(x, y) = (2, -3)$.""", "(2,-3)", T, "(x, y) = tuple")
add(c, r"""Back-substitution yields $x = 2$, $y = -3$, $z = 1$.""", "(2,-3,1)", T, "three named values vs triple")
add(c, r"""Back-substituting, we get $x=2, y=3, z=1$.""", "(2,-3,1)", F, "near miss: sign of y")
add(c, r"""Comparing coefficients, $A = 2$, $B = -3$, and $C = 5$.""", "(2,-3,5)", T, "capital-letter names")
add(c, r"""So $a = \frac{1}{2}$ and $b = 4$.""", r"\frac{1}{2}, 4", T, "named fraction and integer")
add(c, r"""Setting the two expressions equal, the value we want is $k = 12$.""", "12", T, "single named value")
add(c, r"""By symmetry both orders work: $p = 3, q = 5$ and $p = 5, q = 3$.""", "(3,5), (5,3)", T, "two named solutions vs tuple list")
add(c, r"""Checking the small primes, the only solution is $p = 3$, $q = 5$.""", "(3,5), (5,3)", F, "missing one of two solutions")
add(c, r"""The solutions are $x=1, y=2$ or $x=2, y=1$.""", "(1,2), (2,1)", T, "named solutions joined by 'or'")
add(c, r"""Matching coefficients of $x^2 + bx + c = (x-1)(x-3)$, we get $b = -4$, $c = 3$.""", "(-4,3)", T, "named coefficients vs pair")
add(c, r"""Matching coefficients gives $b = 4$, $c = 3$.""", "(-4,3)", F, "near miss: sign of b")
add(c, r"""Hence $r = 5$ and $s = -2$.""", "5, -2", T, "named vs plain list")
add(c, r"""The characteristic polynomial $(\lambda-2)(\lambda-5)$ gives eigenvalues $\lambda_1 = 2, \lambda_2 = 5$.""", "2, 5", T, "subscripted lambda names")
add(c, r"""Solving the characteristic equation gives eigenvalues $\lambda_1 = 2, \lambda_2 = -5$.""", "2, 5", F, "near miss: sign of eigenvalue")
add(c, r"""Therefore $a=2$, $b=1$, $c=-3$, so $(a,b,c) = (2,1,-3)$.""", "(2,1,-3)", T, "named then tuple")
add(c, r"""By the Pythagorean triple $5$-$12$-$13$, the legs are $x = 5$ and $y = 12$.""", "(5, 12)", T, "named legs vs pair")
add(c, r"""Adding the two equations and halving, we get $a = 3$, $b = 1$.""", "(3,-1)", F, "near miss: sign of b")
add(c, r"""Hence $x = -5, p = \frac{3}{14}$.""", r"-5, \frac{14}{3}", F, "near miss: reciprocal fraction for p")
add(c, r"""The prime pairs that work are p=5,q=2; p=7,q=3.""", "(5,2), (7,2)", F, "one pair has wrong q")
add(c, r"""Solving by substitution, $(x, y) = (-3, 2)$.""", "(2,-3)", F, "swapped ordered pair")

# ---------------------------------------------------------------- 5 prose_relation
c = "prose_relation"
add(c, r"""Subtracting $3$ from both sides and dividing by $2$ leaves a simple bound. Therefore $x \geq 5$ is the solution.""", r"[5, \infty)", T, "\\geq relation vs interval")
add(c, r"""Dividing both sides by $2$, we obtain $x > 5$.""", r"x \ge 5", F, "strict vs non-strict")
add(c, r"""Since the linear factor is negative only to the left of its root, the answer holds for all $x < -2$.""", r"(-\infty, -2)", T, "x < -2 vs open ray")
add(c, r"""So the inequality holds for all $x \le -2$.""", r"(-\infty, -2)", F, "\\le vs open endpoint")
add(c, r"""Subtracting $1$ from both sides of $1 - x > 0$ leaves the condition $-x > -1$.""", r"(-\infty, 1)", T, "flipped form -x > -1 means x < 1")
add(c, r"""Rearranging the terms, the condition becomes $1 > x$.""", r"(-\infty, 1)", T, "reversed relation 1 > x")
add(c, r"""Moving everything to one side, the condition becomes $1 < x$.""", r"(-\infty, 1)", F, "reversed relation with wrong direction")
add(c, r"""Dividing by $3$, we need $x \lt 4$.""", r"(-\infty, 4)", T, "\\lt")
add(c, r"""After adding $7$ to both sides we are left with $t \gt 3$.""", r"t > 3", T, "\\gt vs >")
add(c, r"""The denominator vanishes only at $x = 2$, so the expression is defined whenever $x \neq 2$.""", r"(-\infty, 2) \cup (2, \infty)", T, "\\neq vs union of rays; x = 2 appears earlier in sentence")
add(c, r"""The function is undefined only where $x + 2 = 0$, so it is defined for $x \neq -2$.""", r"x \neq 2", F, "\\neq with wrong value")
add(c, r"""Since division by zero is the only restriction, the only condition is x != 0.""", r"x \neq 0", T, "plain-text != vs \\neq")
add(c, r"""Combining the two steps, the solutions are all x <= 7.""", r"(-\infty, 7]", T, "plain-text <= vs closed ray")
add(c, r"""Thus we need x >= 4 for the square root to be real.""", r"[4, \infty)", T, "plain-text >= followed by prose")
add(c, r"""Putting both bounds together, $-3 \le x \le 2$.""", "[-3, 2]", T, "double \\le vs closed interval")
add(c, r"""Putting both bounds together gives $-3 < x \le 2$.""", "[-3, 2]", F, "left endpoint open vs closed")
add(c, r"""Since $y = \sin^2 t$ for some $t$, we have $0 \leq y \leq 1$.""", "[0, 1]", T, "\\leq chain")
add(c, r"""Both factors of $(x-2)(5-x)$ are positive exactly when $2 < x < 5$.""", "(2, 5)", T, "strict double inequality vs open interval")
add(c, r"""Testing the sign chart, the inequality is satisfied for $2 < x < 5$.""", "[2, 5)", F, "open vs closed left endpoint")
add(c, r"""Dividing both sides by $-2$, we obtain $x > 3$.""", r"(-\infty, 3)", F, "inequality direction not flipped")
add(c, r"""Equivalently, $5 \le x$.""", r"[5, \infty)", T, "reversed relation 5 \\le x")
add(c, r"""Solving $2x + 1 \ge 0$ gives $x \geq -\frac{1}{2}$.""", r"\left[-\frac{1}{2}, \infty\right)", T, "fraction bound; earlier relation in same sentence")
add(c, r"""So the inequality holds when $x < -1$ or $x > 3$.""", r"(-\infty, -1) \cup (3, \infty)", T, "two relations joined by 'or' vs union")
add(c, r"""So the inequality holds when $x \le -1$ or $x \ge 3$.""", r"(-\infty, -1) \cup (3, \infty)", F, "non-strict vs open union")
add(c, r"""For no real roots we need $9 - 4k < 0$, that is, $k > \frac{9}{4}$.""", r"\left(\frac{9}{4}, \infty\right)", T, "k > 9/4 after an earlier relation")
add(c, r"""For two distinct real roots we need $9 - 4k > 0$, which means $k > \frac{9}{4}$.""", r"\left(-\infty, \frac{9}{4}\right)", F, "wrong direction (algebra slip)")
add(c, r"""Since the vertex must lie to the right of the axis, the condition on $a$ is \(a \ge 2\).""", r"a \geq 2", T, "\\( \\) delimiters, \\ge vs \\geq")
add(c, r"""Since $e^x$ takes every positive value, the range is $y > 0$.""", r"(0, \infty)", T, "y > 0 vs open ray")
add(c, r"""Collecting terms on the left, the solution is $x \leq 4$.""", r"(-\infty, 4)", F, "\\leq vs open endpoint")
add(c, r"""Subtracting $7$ from both sides, the condition is $t \lt 3$.""", r"t > 3", F, "\\lt with wrong direction")
add(c, r"""The only value excluded from the domain makes the denominator zero, so the expression is defined for all x != 1.""", r"x \neq -1", F, "!= with sign flipped value")
add(c, r"""Solving $2x + 1 > 0$ gives $x > -\frac{1}{2}$.""", r"\left[-\frac{1}{2}, \infty\right)", F, "strict vs closed endpoint")
add(c, r"""Subtracting $1$ from both sides of $1 - x < 0$ leaves $-x < -1$.""", r"(-\infty, 1)", F, "flipped form -x < -1 means x > 1")

# ---------------------------------------------------------------- 6 prose_interval_set
c = "prose_interval_set"
add(c, r"""The denominator $x - 3$ must be nonzero, so the domain is $(-\infty, 3) \cup (3, \infty)$.""", r"(-\infty, 3) \cup (3, \infty)", T, "union of rays")
add(c, r"""Checking each candidate against the original equation, all three survive. The solution set is $\{1, 2, 3\}$.""", "1, 2, 3", T, "set braces vs plain list")
add(c, r"""The radicand $x - 2$ must be nonnegative, so the domain is $[2, \infty)$.""", r"[2, \infty)", T, "closed ray")
add(c, r"""Since the expression under the root must be nonnegative, the domain is $[2, \infty)$.""", r"(2, \infty)", F, "closed vs open endpoint")
add(c, r"""Because $\sin$ oscillates between its extremes, the range is $\left[ -1, 1 \right]$.""", "[-1, 1]", T, "\\left[ \\right] spacing")
add(c, r"""So $|x| \ge 4$, which in interval notation is $\left( -\infty, -4 \right] \cup \left[ 4, \infty \right)$.""", r"(-\infty, -4] \cup [4, \infty)", T, "union with \\left/\\right")
add(c, r"""Hence $|x| \geq 4$ and the solution set is $\left( -\infty, -4 \right] \cup \left[ 4, \infty \right)$.""", r"(-\infty, -4) \cup (4, \infty)", F, "closed vs open inner endpoints")
add(c, r"""Both roots check, so the solution set is $\{-2, 5\}$.""", "-2, 5", T, "set of two values")
add(c, r"""Both roots check, giving the solution set $\{2, -5\}$.""", "-2, 5", F, "both signs flipped in set")
add(c, r"""There are no restrictions on the input, so the domain is all real numbers, $(-\infty, \infty)$.""", r"(-\infty, \infty)", T, "all reals")
add(c, r"""The inequality $x^2 < 9$ holds strictly inside the roots, so the solution set is $(-3, 3)$.""", "[-3, 3]", F, "open vs closed interval")
add(c, r"""On the first quadrant the angle ranges over $\left(0, \frac{\pi}{2}\right)$.""", r"\left(0, \frac{\pi}{2}\right)", T, "interval with pi")
add(c, r"""In set-builder notation the solution is $\{x \mid x > 2\}$.""", r"(2, \infty)", T, "set-builder vs interval")
add(c, r"""Removing the point where the denominator vanishes, the domain is $[1, 4) \cup (4, 7]$.""", r"[1, 4) \cup (4, 7]", T, "punctured closed interval")
add(c, r"""Since both endpoints are allowed, the domain is the whole interval $[1, 7]$.""", r"[1, 4) \cup (4, 7]", F, "missing excluded point")
add(c, r"""No real number satisfies both conditions simultaneously, so the solution set is $\emptyset$.""", r"\emptyset", T, "empty set")
add(c, r"""Thus the solution set is $\left(-\infty, 5\right]$.""", r"(-\infty, 5]", T, "\\left( ray")
add(c, r"""Thus the solution set is $(-\infty, 5)$.""", r"(-\infty, 5]", F, "open vs closed endpoint")
add(c, r"""The integers satisfying $2 < n \le 6$ form the set $\{3, 4, 5, 6\}$.""", "3, 4, 5, 6", T, "set after a relation in the same sentence")
add(c, r"""The integers strictly between $2$ and $6$ form the set $\{3, 4, 5\}$.""", "3, 4, 5, 6", F, "missing set member")
add(c, r"""Combining the two constraints, $x$ lies in $\left[-\frac{1}{2}, 3\right]$.""", r"\left[-\frac{1}{2}, 3\right]", T, "closed interval with fraction")
add(c, r"""Therefore the answer interval is \(\left(-2, \tfrac{1}{3}\right)\).""", r"\left(-2, \frac{1}{3}\right)", T, "\\( \\) delimiters, \\tfrac")
add(c, r"""Since $x^2 \ge 0$ for every real $x$, the range of $f(x) = x^2 + 1$ is $[1, \infty)$.""", r"[1, \infty)", T, "range after function definition")
add(c, r"""Because $x^2$ can be zero, adding one shows the range is $(1, \infty)$.""", r"[1, \infty)", F, "open vs closed endpoint")
add(c, r"""Solving the inequality, the solution set is $\{x \mid x \ge 2\}$.""", r"(2, \infty)", F, "set-builder with \\ge vs open ray")
add(c, r"""Intersecting the two conditions gives $\left[-\frac{1}{2}, 3\right)$.""", r"\left[-\frac{1}{2}, 3\right]", F, "open vs closed right endpoint")

# ---------------------------------------------------------------- 7 prose_matrix
c = "prose_matrix"
add(c, r"""Multiplying $A$ by its inverse returns the identity. The identity matrix is $\begin{pmatrix}1&0\\0&1\end{pmatrix}$.""", r"\begin{pmatrix} 1 & 0 \\ 0 & 1 \end{pmatrix}", T, "compact pmatrix, no spaces")
add(c, r"""Computing each entry as a row-column dot product, for example $1\cdot 5 + 2 \cdot 7 = 19$, we find
$$AB = \begin{bmatrix} 19 & 22 \\ 43 & 50 \end{bmatrix}.$$""", r"\begin{pmatrix} 19 & 22 \\ 43 & 50 \end{pmatrix}", T, "bmatrix vs pmatrix")
add(c, r"""Carrying out the multiplication entry by entry, the product is $\begin{pmatrix} 19 & 22 \\ 43 & 48 \end{pmatrix}$.""", r"\begin{pmatrix} 19 & 22 \\ 43 & 50 \end{pmatrix}", F, "one wrong matrix entry")
add(c, r"""Since $\det A = 1\cdot 4 - 2 \cdot 3 = -2$, the inverse is $A^{-1} = \begin{pmatrix} -2 & 1 \\ 1.5 & -0.5 \end{pmatrix}$.""", r"\begin{pmatrix} -2 & 1 \\ \frac{3}{2} & -\frac{1}{2} \end{pmatrix}", T, "decimal entries vs fraction entries")
add(c, r"""Swapping the diagonal entries and negating the others, then dividing by the determinant, we get $A^{-1} = \begin{pmatrix} 2 & -1 \\ -\frac{3}{2} & \frac{1}{2} \end{pmatrix}$.""", r"\begin{pmatrix} -2 & 1 \\ \frac{3}{2} & -\frac{1}{2} \end{pmatrix}", F, "whole matrix negated (determinant sign)")
add(c, r"""Subtracting componentwise, the resulting vector is $\begin{pmatrix} 3 \\ -1 \\ 2 \end{pmatrix}$.""", r"\begin{pmatrix} 3 \\ -1 \\ 2 \end{pmatrix}", T, "column vector")
add(c, r"""Subtracting componentwise, we obtain $\begin{pmatrix} 3 \\ 2 \\ -1 \end{pmatrix}$.""", r"\begin{pmatrix} 3 \\ -1 \\ 2 \end{pmatrix}", F, "two vector entries swapped")
add(c, r"""Since every diagonal entry is $1$ and the rest are $0$, the matrix is $\begin{pmatrix} 1 & 0 & 0 \\ 0 & 1 & 0 \\ 0 & 0 & 1 \end{pmatrix}$.""", r"\begin{pmatrix} 1 & 0 & 0 \\ 0 & 1 & 0 \\ 0 & 0 & 1 \end{pmatrix}", T, "3x3 identity")
add(c, r"""A counterclockwise rotation by $90^\circ$ sends $\mathbf{e}_1$ to $\mathbf{e}_2$ and $\mathbf{e}_2$ to $-\mathbf{e}_1$, so the matrix is $\begin{pmatrix} 0 & -1 \\ 1 & 0 \end{pmatrix}$.""", r"\begin{pmatrix} 0 & -1 \\ 1 & 0 \end{pmatrix}", T, "rotation matrix")
add(c, r"""Writing the images of the basis vectors as columns, the rotation matrix is $\begin{pmatrix} 0 & 1 \\ -1 & 0 \end{pmatrix}$.""", r"\begin{pmatrix} 0 & -1 \\ 1 & 0 \end{pmatrix}", F, "transposed (clockwise) rotation")
add(c, r"""The projection onto $\begin{pmatrix} 1 \\ 2 \end{pmatrix}$ is $\frac{\mathbf{v}\mathbf{v}^T}{\mathbf{v}^T\mathbf{v}}$, which equals $\frac{1}{5}\begin{pmatrix} 1 & 2 \\ 2 & 4 \end{pmatrix}$.""", r"\begin{pmatrix} \frac{1}{5} & \frac{2}{5} \\ \frac{2}{5} & \frac{4}{5} \end{pmatrix}", T, "scalar factored out of matrix; vector appears earlier")
add(c, r"""Dividing $\mathbf{v}\mathbf{v}^T$ by $\mathbf{v}^T\mathbf{v} = 5$ entrywise, the projection matrix is $\begin{pmatrix} \dfrac{1}{5} & \dfrac{2}{5} \\ \dfrac{2}{5} & \dfrac{4}{5} \end{pmatrix}$.""", r"\begin{pmatrix} \frac{1}{5} & \frac{2}{5} \\ \frac{2}{5} & \frac{4}{5} \end{pmatrix}", T, "dfrac entries")
add(c, r"""Normalizing, the projection matrix is $\begin{pmatrix} \frac{1}{5} & \frac{2}{5} \\ \frac{2}{5} & \frac{1}{5} \end{pmatrix}$.""", r"\begin{pmatrix} \frac{1}{5} & \frac{2}{5} \\ \frac{2}{5} & \frac{4}{5} \end{pmatrix}", F, "wrong bottom-right entry")
add(c, r"""Squaring $\begin{pmatrix} 1 & 1 \\ 0 & 1 \end{pmatrix}$ gives $\begin{pmatrix} 1 & 2 \\ 0 & 1 \end{pmatrix}$.""", r"\begin{pmatrix} 1 & 2 \\ 0 & 1 \end{pmatrix}", T, "two matrices in final sentence; last one is the answer")
add(c, r"""Multiplying the matrix by itself, squaring gives $\begin{pmatrix} 1 & 2 \\ 0 & 2 \end{pmatrix}$.""", r"\begin{pmatrix} 1 & 2 \\ 0 & 1 \end{pmatrix}", F, "one wrong entry")
add(c, r"""Using the determinant formula for the cross product, $(1,2,3) \times (4,5,6)$ equals $\begin{pmatrix} -3 \\ 6 \\ -3 \end{pmatrix}$.""", r"\begin{pmatrix} -3 \\ 6 \\ -3 \end{pmatrix}", T, "cross product column vector")
add(c, r"""Expanding along the first row, the cross product is $\begin{pmatrix} 3 \\ -6 \\ 3 \end{pmatrix}$.""", r"\begin{pmatrix} -3 \\ 6 \\ -3 \end{pmatrix}", F, "negated vector (order of factors swapped)")
add(c, r"""Every entry cancels, so $A - A^T$ is the zero matrix $\begin{pmatrix} 0 & 0 \\ 0 & 0 \end{pmatrix}$.""", r"\begin{pmatrix} 0 & 0 \\ 0 & 0 \end{pmatrix}", T, "zero matrix")
add(c, r"""Writing the coefficients in order, the matrix is \(\left[\begin{array}{cc} 2 & -1 \\ 3 & 4 \end{array}\right]\).""", r"\begin{pmatrix} 2 & -1 \\ 3 & 4 \end{pmatrix}", T, "array in \\left[ \\right] vs pmatrix")
add(c, r"""Reflecting over the $x$-axis negates the second coordinate, giving $\begin{pmatrix} 1 & 0 \\ 0 & -1 \end{pmatrix}$.""", r"\begin{pmatrix} 1 & 0 \\ 0 & -1 \end{pmatrix}", T, "reflection matrix")
add(c, r"""Reflecting over the $x$-axis negates the first coordinate, so the reflection matrix is $\begin{pmatrix} -1 & 0 \\ 0 & 1 \end{pmatrix}$.""", r"\begin{pmatrix} 1 & 0 \\ 0 & -1 \end{pmatrix}", F, "wrong diagonal sign placement")

# ---------------------------------------------------------------- 8 chain
c = "chain"
add(c, r"""Let $x$ be the total number of marbles: $5$ red, $5$ blue and $1$ green. Then x = 5+5+1 = 11.""", "11", T, "plain-text chain x = 5+5+1 = 11")
add(c, r"""The two numbers are $2$ and $3$, so their sum is $\boxed{2+3 = 5}$.""", "5", T, "chain inside box")
add(c, r"""Each of the $3$ shelves holds $4$ books, so the total is $3 \times 4 = 12$.""", "12", T, "product chain in prose")
add(c, r"""Each of the $3$ boxes holds $5$ pens, so the total is $3 \times 5 = 15$.""", "12", F, "chain with wrong final value")
add(c, r"""Half of $24$ is $12$, and adding the extra one we get $\frac{24}{2} = 12 + 1 = 13$.""", "12", F, "intermediate chain member equals reference, final member does not")
add(c, r"""Out of $8$ equally likely outcomes, $6$ are favorable:
$\boxed{\frac{6}{8} = \frac{3}{4}}$""", r"\frac{3}{4}", T, "unsimplified = simplified inside box")
add(c, r"""Since the rolls are independent, $\boxed{P = \frac{1}{6} \cdot \frac{1}{6} = \frac{1}{36}}$.""", r"\frac{1}{36}", T, "P = product = value inside box")
add(c, r"""Choosing $2$ of the $6$ people gives $\binom{6}{2} = 15$.""", "15", T, "binomial = value")
add(c, r"""Choosing the committee gives $\binom{6}{2} = 15$ ways.""", "20", F, "wrong binomial (should be C(6,3))")
add(c, r"""The area is $\pi r^2 = \pi \cdot 3^2 = 9\pi$.""", r"9\pi", T, "formula chain ending in 9pi")
add(c, r"""With $r = 3$, the area is $\boxed{9\pi \approx 28.27}$.""", r"9\pi", T, "exact value followed by approximation in box")
add(c, r"""Solving $2x = 10$, we get $x = \frac{10}{2} = 5$.""", "5", T, "x = fraction = value")
add(c, r"""The number of orderings is $5! = 5 \cdot 4 \cdot 3 \cdot 2 \cdot 1 = 120$.""", "120", T, "long product chain")
add(c, r"""Each of the $10$ bits can be $0$ or $1$, so there are $2^{10} = 1024$ strings.""", "512", F, "wrong exponent, chain final 1024")
add(c, r"""Simplifying the radical, $\sqrt{50} = \sqrt{25 \cdot 2} = 5\sqrt{2}$.""", r"5\sqrt{2}", T, "radical simplification chain")
add(c, r"""Thus the side length is $\sqrt{48} = \sqrt{16 \cdot 3} = 4\sqrt{3}$.""", r"2\sqrt{3}", F, "radical chain with wrong value")
add(c, r"""There are $4$ choices for first place, then $3$, then $2$. So the number of ways is $4 \cdot 3 \cdot 2 = 24$.""", "24", T, "'So the number of ways is' product chain")
add(c, r"""Using the formula for the sum of the first $n$ positive integers with $n = 20$,
$$S = \frac{n(n+1)}{2} = \frac{20 \cdot 21}{2} = 210.$$""", "210", T, "display chain with trailing period")
add(c, r"""Tom earns 3 * 4 = <<3*4=12>>12 dollars per day.
In 5 days he earns 12 * 5 = <<12*5=60>>60 dollars.
#### 60""", "60", T, "GSM8K calculator annotations then ####")
add(c, r"""The complement has probability $\frac{1}{4}$, so $\boxed{1 - \frac{1}{4} = \frac{3}{4}}$.""", r"\frac{3}{4}", T, "subtraction chain in box")
add(c, r"""We found $a = 2$ and $b = 5$. Hence $\boxed{a + b = 2 + 5 = 7}$.""", "7", T, "named chain in box")
add(c, r"""Since the angles are supplementary, the other angle measures $180 - 65 = 115$ degrees.""", "115", T, "subtraction chain followed by unit word")
add(c, r"""Each exterior angle of a regular octagon is $360 / 8 = 45$.""", "40", F, "division chain, wrong polygon")
add(c, r"""Converting the improper fraction, $\frac{7}{2} = 3.5$.""", r"\frac{7}{2}", T, "fraction = decimal")
add(c, r"""The two numbers are $2$ and $4$, so their sum is $\boxed{2 + 4 = 6}$.""", "5", F, "boxed chain with wrong value")
add(c, r"""Counting the three groups, x = 4+4+3 = 11.""", "12", F, "plain-text chain, wrong total")
add(c, r"""Multiplying the probabilities, $\boxed{P = \frac{1}{6} \cdot \frac{1}{6} = \frac{1}{12}}$.""", r"\frac{1}{36}", F, "arithmetic slip at end of chain")
add(c, r"""Using Gauss's trick, the sum is $\frac{20 \cdot 21}{2} = 210$.""", "231", F, "chain with wrong n (off-by-one term count)")

# ---------------------------------------------------------------- 9 thousands_sep
c = "thousands_sep"
add(c, r"""The total number of tickets sold is $4{,}972 \times 3 = 14{,}916$.""", "14916", T, "{,} thousands separator")
add(c, r"""Each of the six digits can be any of $10$ values, so there are 1 000 000 possible codes.""", "1000000", T, "space thousands separators")
add(c, r"""After ten years of growth, the final population is 1,234,567.""", "1234567", T, "comma thousands separators")
add(c, r"""Multiplying $250$ square feet by $\$50$ per square foot, the total cost is therefore $\$12{,}500$.""", "12500", T, "dollar sign with {,}")
add(c, r"""Dividing the $15$ metre rope into $4$ equal pieces, the result is $3,75$ metres.""", "3.75", T, "European decimal comma (two digits after comma)")
add(c, r"""Adding the three days together, the total number of tickets sold is $\boxed{14{,}961}$.""", "14916", F, "transposed digits with {,}")
add(c, r"""Thus the number of outcomes is $1,000,000$.""", "100000", F, "off by factor of ten with separators")
add(c, r"""An $11$-element set has $2^{11}$ subsets. So there are $2\,048$ subsets in total.""", "2048", T, "thin space \\, as separator")
add(c, r"""The final answer is $10{,}000$.""", "10000", T, "'The final answer is' with {,}")
add(c, r"""He earns 25 * 50 = <<25*50=1250>>1250 dollars.
#### 1,250""", "1250", T, "GSM8K #### with comma")
add(c, r"""The total is 1,520 dollars.
#### 1,520""", "1250", F, "#### with transposed digits")
add(c, r"""There are $10^6$ such strings, so the answer is $\boxed{1{,}000{,}000}$.""", "1000000", T, "boxed with two {,}")
add(c, r"""Therefore, the answer is \boxed{12,345}.""", "12345", T, "boxed plain comma separator")
add(c, r"""Adding the monthly rent for a year, $200 \times 12$, so she paid a total of \$2,400.""", "2400", T, "escaped dollar in prose with comma")
add(c, r"""Adding the tax and the fee, the final answer is $\$2{,}400.50$.""", "2400.50", T, "separator plus decimal point")
add(c, r"""Since half of the outcomes are favorable, the probability is $0,5$.""", r"\frac{1}{2}", T, "European decimal comma 0,5")
add(c, r"""Dividing the $10$ kg bag equally among four people, each share has a mass of $2,5$ kg.""", "2.5", T, "European decimal comma with unit")
add(c, r"""Halfway between $1$ and $2$, the midpoint is $1,5$.""", "15", F, "decimal comma 1,5 is 1.5, not 15")
add(c, r"""Therefore, the answer is $\boxed{123,456}$.""", "123456", T, "boxed comma-grouped six digits")
add(c, r"""Multiplying $24 \cdot 60 \cdot 60$, there are 86 400 seconds in a day.""", "86400", T, "space separator in prose with unit word")
add(c, r"""Multiplying the unit price by the quantity, the total is $\boxed{6{,}000}$.""", "600", F, "off by factor of ten")
add(c, r"""Adding $8\%$ sales tax to the sticker price, the laptop costs \$1,099 after tax.""", "1099", T, "dollar amount with comma in prose")
add(c, r"""The number of arrangements is $10! = \boxed{3{,}628{,}800}$.""", "3628800", T, "factorial value with {,}")
add(c, r"""So there are $8! = 40,320$ orderings.""", "40320", T, "comma separator after factorial")
add(c, r"""Listing the cases and multiplying, so there are $\boxed{40{,}230}$ orderings.""", "40320", F, "transposed digits")
add(c, r"""Each of the seven digits has $10$ options, so there are $1\,000\,000$ possible codes.""", "10000000", F, "wrong magnitude with thin spaces")
add(c, r"""After the discount the car costs $\$12{,}050$.""", "12500", F, "near miss digits with {,}")
add(c, r"""Each piece is therefore $3,75$ m long.""", "375", F, "decimal comma 3,75 is 3.75, not 375")
add(c, r"""Each of the 12 months costs 200 dollars, so 12 * 200 = <<12*200=2400>>2400.
#### 2,400""", "24000", F, "#### with separator, wrong magnitude")

# ---------------------------------------------------------------- 10 units_text
c = "units_text"
add(c, r"""The perimeter is $2(4 + 2) = 12$, so the answer is $\boxed{12\textnormal{ cm}}$.""", "12", T, "\\textnormal{ cm}")
add(c, r"""Adding the cost of the book and the pen, in total she spent $\boxed{45 \text{ dollars}}$.""", "45", T, "\\text{ dollars}")
add(c, r"""Using $s = \frac{1}{2}gt^2$ with $g = 10\,\mathrm{m/s^2}$ and $t = 1\,\mathrm{s}$, the distance fallen is $5\,\mathrm{m}$.""", "5", T, "\\,\\mathrm{m}; other unit quantities earlier")
add(c, r"""She started with $20$ apples and gave away $8$, so she has 12 apples left.""", "12", T, "'12 apples' in prose")
add(c, r"""Since the angles of a triangle sum to $180^\circ$ and the other two are $35^\circ$ and $55^\circ$, the remaining angle is $90^\circ$.""", "90", T, "^\\circ, several degree values")
add(c, r"""The price dropped from $\$200$ to $\$110$. So the discount is $45\%$.""", "45", T, "\\% unit")
add(c, r"""The area is $\frac{1}{2} \cdot 9 \cdot 12 = \boxed{54\text{ cm}^2}$.""", "54", T, "squared unit in box")
add(c, r"""Each interior angle of an equilateral triangle is $\boxed{60^{\circ}}$.""", "60", T, "^{\\circ} in box")
add(c, r"""Since the two angles are complementary, the angle is $\boxed{30^\circ}$.""", "60", F, "wrong angle with degree sign")
add(c, r"""Adding the items and the tip, the total bill comes to $\boxed{\$18.50}$.""", "18.50", T, "\\$ in box")
add(c, r"""Adding the items and the tax, the total bill comes to $\boxed{18.05 \text{ dollars}}$.""", "18.50", F, "transposed cents")
add(c, r"""Their combined rate is $\frac{1}{7}$ of the job per hour, so working together they finish the job in $\boxed{7 \text{ hours}}$.""", "7", T, "\\text{ hours}; fraction earlier")
add(c, r"""Subtracting the current's speed from her rowing speed, her speed relative to the shore is $\boxed{3\ \text{km/h}}$.""", "3", T, "\\ \\text{km/h}")
add(c, r"""The price went from $\$80$ to $\$100$. So the percent increase is $\boxed{25\%}$.""", "25", T, "\\% in box")
add(c, r"""Dividing the $\$20$ increase by the original price of $\$80$, the price rose by $\boxed{25\%}$.""", "20", F, "wrong percent value")
add(c, r"""The volume is $4 \cdot 5 \cdot 6 = \boxed{120\,\text{m}^3}$.""", "120", T, "cubic unit with thin space")
add(c, r"""By the Pythagorean theorem, the diagonal of the rectangle is $\boxed{8 \mbox{ inches}}$.""", "8", T, "\\mbox unit")
add(c, r"""Subtracting the unshaded triangles, the shaded region has area $\boxed{9 \text{ square units}}$.""", "9", T, "'square units' text")
add(c, r"""Dividing $6$ liters among $4$ cups, each cup holds $\boxed{\frac{3}{2}\text{ liters}}$.""", r"\frac{3}{2}", T, "fraction with unit")
add(c, r"""At $60$ miles per hour, $150$ miles takes $\boxed{2.5\text{ hours}}$.""", r"\frac{5}{2}", T, "decimal with unit vs fraction reference")
add(c, r"""At $50$ miles per hour for $3$ hours, so the train travels $\boxed{150 \text{ miles}}$.""", "160", F, "wrong value with unit")
add(c, r"""With radius $4$, the area of the circle is $\boxed{16\pi \text{ cm}^2}$.""", r"16\pi", T, "pi with squared unit")
add(c, r"""Using $A = 2\pi r$ with $r = 4$, the area of the circle is $\boxed{8\pi\text{ cm}^2}$.""", r"16\pi", F, "wrong formula, unit present")
add(c, r"""Adding both groups and removing the overlap, there are $\boxed{11 \text{ students}}$ in the club.""", "12", F, "off by one with unit word")
add(c, r"""Since the perimeter is $24$ cm, the side length is $\boxed{6\text{ cm}}$.""", "36", F, "gave side length instead of area")
add(c, r"""The angle is supplementary to $135^\circ$, so it measures $\boxed{45^\circ}$.""", "135", F, "other angle given")
add(c, r"""The price dropped from $\$200$ to $\$130$, so the discount is $\boxed{35\%}$.""", "45", F, "wrong percent")
add(c, r"""She started with $20$ apples and gave away $7$, so she has 13 apples left.""", "12", F, "wrong count with unit word")

# ---------------------------------------------------------------- 11 ratio
c = "ratio"
add(c, r"""The volumes are $\frac{11}{3}\pi$ and $7\pi$. Simplifying the volumes, the ratio is $11:21$.""", "11:21", T, "plain ratio")
add(c, r"""Dividing the two volume formulas and cancelling $\pi$, therefore $V_1:V_2 = 11:21$.""", "11:21", T, "named ratio V_1:V_2 = 11:21")
add(c, r"""There are $12$ red and $16$ blue marbles. So the ratio of red to blue marbles is $3 : 4$.""", "3:4", T, "spaces around colon")
add(c, r"""Dividing the larger volume by the smaller, thus $V_1 : V_2 = 21:11$.""", "11:21", F, "ratio reversed")
add(c, r"""The sides are in ratio $\sqrt{2}:\sqrt{3}$, so the ratio of their areas is $\boxed{2:3}$.""", "2:3", T, "boxed ratio after other ratio")
add(c, r"""The sides measure $6$ and $4$, so the ratio of the shorter side to the longer side is $\boxed{3:2}$.""", "2:3", F, "ratio reversed")
add(c, r"""In a $30$-$60$-$90$ triangle, the short leg to long leg ratio is $1:\sqrt{3}$.""", r"1:\sqrt{3}", T, "ratio with radical")
add(c, r"""Hence $a : b : c = \boxed{1 : 2 : 3}$.""", "1:2:3", T, "three-term ratio")
add(c, r"""Hence $a:b:c = \boxed{1:3:2}$.""", "1:2:3", F, "three-term ratio with swapped terms")
add(c, r"""There are $15$ boys and $24$ girls. The ratio of boys to girls is $5 \colon 8$.""", "5:8", T, "\\colon")
add(c, r"""With $15$ boys and $24$ girls, the ratio of boys to girls is $\boxed{8:5}$.""", "5:8", F, "ratio reversed")
add(c, r"""There are $21$ cats and $12$ dogs. Thus the ratio of cats to dogs is 7 to 4.""", "7:4", T, "'7 to 4' in words")
add(c, r"""After cancelling common factors, the ratio $\frac{AB}{CD}$ equals $\boxed{\frac{11}{21}}$.""", r"\frac{11}{21}", T, "ratio value as fraction, same form")
add(c, r"""After cancelling common factors, therefore $\frac{AB}{CD} = \boxed{\frac{21}{11}}$.""", r"\frac{11}{21}", F, "fraction inverted")
add(c, r"""Since $AB = 6$ and $BC = 10$, we get $AB : BC = 3:5$.""", "3:5", T, "named ratio after numbers")
add(c, r"""Dividing both parts by $5$, the ratio simplifies to $\boxed{1\!:\!4}$.""", "1:4", T, "\\! spacing around colon")
add(c, r"""The areas scale as the square of the sides, so the ratio is $\boxed{9:16}$.""", "9:16", T, "squared ratio")
add(c, r"""The areas are in the same ratio as the sides, $\boxed{3:4}$.""", "9:16", F, "forgot to square")
add(c, r"""The mixture has $10$ cups of water and $5$ cups of juice.

**Answer:** $2 : 1$""", "2:1", T, "bold Answer with ratio")
add(c, r"""In a $45$-$45$-$90$ triangle, the leg to hypotenuse ratio is $1:\sqrt{2}$.""", r"1:\sqrt{3}", F, "wrong radical")
add(c, r"""There are $21$ cats and $12$ dogs. Thus the ratio of dogs to cats is 7 to 4.""", "4:7", F, "'7 to 4' vs reference 4:7")

# ---------------------------------------------------------------- 12 minerva_sentence
c = "minerva_sentence"
add(c, r"""Since $34^2 = 1156 < 1200$ and $35^2 = 1225 > 1200$, $n = 34$ is the largest value satisfying the inequality.
Final Answer: The largest $n$ is 34. I hope it is correct.""", "34", T, "Minerva sentence with descriptive subject")
add(c, r"""Dividing the number of favorable outcomes by the total, we get $\frac{3}{4}$.
Final Answer: The final answer is $\frac{3}{4}$. I hope it is correct.""", r"\frac{3}{4}", T, "canonical Minerva ending")
add(c, r"""The minimum occurs at $x = 2$, where $f(2) = 6$.
Final Answer: The smallest possible value is 6.""", "6", T, "Minerva-style without 'I hope'")
add(c, r"""Checking squares near $1200$, we see $35^2$ is close enough.
Final Answer: The largest $n$ is 35. I hope it is correct.""", "34", F, "off by one")
add(c, r"""Dividing the total by the favorable count gives $\frac{4}{3}$.
Final Answer: The final answer is $\frac{4}{3}$. I hope it is correct.""", r"\frac{3}{4}", F, "reciprocal")
add(c, r"""Substituting $x = 2$ into the line gives $y = -1$.
Final Answer: The final answer is $(2,-1)$. I hope it is correct.""", "(2,-1)", T, "ordered pair")
add(c, r"""Taking the negative square root since the point lies below the axis, we get $-\sqrt{2}$.
Final Answer: The final answer is $-\sqrt{2}$. I hope it is correct.""", r"\sqrt{2}", F, "sign flipped")
add(c, r"""The hypotenuse of a right isosceles triangle with legs $1$ is $\sqrt{2}$.
Final Answer: The final answer is $\sqrt{2}$. I hope it is correct.""", r"\sqrt{2}", T, "radical")
add(c, r"""The year in which the two sequences first coincide is $2017$.
Final Answer: The final answer is 2017. I hope it is correct.""", "2017", T, "plain integer without $")
add(c, r"""Choosing $4$ of the $10$ books gives $\binom{10}{4} = 210$.
Final Answer: The number of ways is $210$. I hope it is correct.""", "210", T, "descriptive subject 'number of ways'")
add(c, r"""Half the base times the height is $\frac{1}{2} \cdot 8 \cdot 6 = 24$.
Final Answer: The area of the triangle is $24$ square units. I hope it is correct.""", "24", T, "value followed by unit words")
add(c, r"""There are $5$ ways to roll a sum of $8$ with two dice out of $36$ outcomes.
Final Answer: The probability is $\frac{5}{36}$.""", r"\frac{5}{36}", T, "probability sentence")
add(c, r"""There are $6$ favorable outcomes among $36$.
Final Answer: The probability is $\frac{1}{6}$.""", r"\frac{5}{36}", F, "wrong probability")
add(c, r"""Isolating the variable, $3x = -21$.
Final Answer: The final answer is $x=-7$. I hope it is correct.""", "-7", T, "equation inside Minerva ending")
add(c, r"""The left endpoint is included and the right endpoint is excluded.
Final Answer: The final answer is $[1,3)$. I hope it is correct.""", "[1,3]", F, "half-open vs closed")
add(c, r"""The vertex of the downward parabola gives the maximum value $4.5$.
Final Answer: The maximum value is $4.5$. I hope it is correct.""", r"\frac{9}{2}", T, "decimal vs fraction reference")
add(c, r"""Since $2^3 \equiv 1 \pmod 7$, we have $2^{100} = (2^3)^{33} \cdot 2 \equiv 2$.
Final Answer: The remainder when $2^{100}$ is divided by $7$ is $2$. I hope it is correct.""", "2", T, "several numbers in the Minerva sentence; answer is last")
add(c, r"""Since $3^4 \equiv 1 \pmod 5$, we reduce the exponent modulo $4$.
Final Answer: The remainder when $3^{50}$ is divided by $5$ is $3$. I hope it is correct.""", "4", F, "wrong remainder")
add(c, r"""Half the circumference of the unit circle is $\frac{2\pi}{2} = \pi$.
Final Answer: The final answer is $\pi$. I hope it is correct.""", r"\pi", T, "pi")
add(c, r"""The circumference of the unit circle is $2\pi$.
Final Answer: The final answer is $2\pi$. I hope it is correct.""", r"\pi", F, "factor of two")
add(c, r"""Earlier we found $x = 12$, but the constraint $x < 11$ rules it out, so we take the next candidate.
Final Answer: The final answer is 10. I hope it is correct.""", "12", F, "reference appears earlier but final answer differs")
add(c, r"""By Vieta's formulas applied to $x^2 - 5x + 6$, the sum of the roots is $5$.
Final Answer: The sum of the roots is $-\frac{b}{a} = 5$. I hope it is correct.""", "5", T, "chain inside Minerva sentence")
add(c, r"""Only choice (C) satisfies both conditions.
Final Answer: The final answer is $\text{(C)}$. I hope it is correct.""", r"\text{(C)}", T, "multiple-choice letter")
add(c, r"""Eliminating the other options, only choice (B) remains.
Final Answer: The final answer is $\text{(B)}$. I hope it is correct.""", r"\text{(C)}", F, "wrong choice letter")

# ---------------------------------------------------------------- 13 truncated_no_answer
c = "truncated_no_answer"
add(c, r"""Trying $34$ in the original equation, we need to check whether the left side equals the right side. Before concluding, let us also verify the case $n = 35$: we have $35^2 = """, "34", F, "cut mid-check; reference appears as a candidate", trunc=True)
add(c, r"""So far we have $x = 12$ as a candidate. To be sure this is the only solution, we should consider the case where $x$ is negative. If $x < 0$, then $|x| = -x$, and the equation becomes $-x + 2 = """, "12", F, "candidate equals reference; cut mid-case", trunc=True)
add(c, r"""The sum of the first three terms is $14$, and the common ratio appears to be $2$. Let's verify with the fourth term: $a_4 = a_1 r^3 = 2 \cdot 8 = 16$. Hmm, but then the sum of the first four terms would be $14 + 16 = 30$, which means we need to recheck whether the problem asks for""", "30", F, "reference computed but model still deciding; cut mid-sentence", trunc=True)
add(c, r"""Let me compute $\binom{8}{3} = 56$. Now, we need to subtract the arrangements where the two red balls are adjacent. Treating them as a single block, there are""", "56", F, "reference appears as intermediate before subtraction", trunc=True)
add(c, r"""We have $\frac{14}{3}$ as the value of $p$ from the first equation. Substituting into the second equation, $3p - 2q = 14 - 2q$, and setting this equal to""", r"\frac{14}{3}", F, "reference fraction appears; cut mid-substitution", trunc=True)
add(c, r"""The discriminant is $b^2 - 4ac = 49 - 40 = 9$, so the roots are $x = \frac{7 \pm 3}{2}$, which gives $x = 5$ and $x = 2$. Now we must check which of these satisfy the original constraint $x > 3$. For $x = 5$: $\sqrt{5 - 3} = \sqrt{2}$, and the right-hand side is""", "5", F, "reference root found; cut while checking", trunc=True)
add(c, r"""Therefore the probability of at least one head would be $1 - \left(\frac{1}{2}\right)^3 = \frac{7}{8}$ for a fair coin. But the problem says the coin is biased, with $P(H) = \frac{2}{3}$. So we need to redo this: $1 - \left(\frac{1}{3}\right)^3 = 1 - \frac{1}{27} = """, r"\frac{26}{27}", F, "cut one step before the reference value", trunc=True)
add(c, r"""Going through the values in order, at $n = 40$ we get $1600 + 40 + 41 = 1681 = 41^2$, which is composite. So $n = 40$ gives a composite value, but we still need to confirm no smaller $n$ does. Checking $n = 39$: $1521 + 39 + 41 = """, "40", F, "reference appears; cut mid-verification", trunc=True)
add(c, r"""Let's set up the equation: $5x + 3 = 2x + 18$. Subtracting $2x$ from both sides gives $3x + 3 = 18$, so $3x = 15$ and""", "5", F, "reference only as substring of 15; cut before solving", trunc=True)
add(c, r"""Using the formula $A = \frac{1}{2}bh$ with $b = 8$ and $h = 6$, we get $A = 24$. However, the problem asks for the area of the shaded region, which is the triangle minus the inscribed circle. The inradius is $r = \frac{A}{s}$ where $s = \frac{6 + 8 + 10}{2} = 12$, so $r = 2$ and the circle has area $4\pi$. Therefore the shaded area is""", r"24 - 4\pi", F, "both parts of reference expression present; cut before combining", trunc=True)
add(c, r"""Using the formula, this should be $\frac{10 \cdot 11 \cdot 21}{6} = 385$, but let's verify by adding the squares directly: $1 + 4 + 9 + 16 + 25 = 55$, then $55 + 36 + 49 = 140$, then $140 + 64 + 81 = """, "385", F, "tentative reference value; cut mid-verification sum", trunc=True)
add(c, r"""Hmm, so $x = 3$ might work. Let me plug it back in: $2(3)^2 - 5(3) + 3 = 18 - 15 + 3 = 6 \neq 0$. That's not zero, so I made an error. Let me redo the factoring: $2x^2 - 5x + 3 = (2x - 3)(x - 1)$, so the roots are""", r"1, \frac{3}{2}", F, "cut right before listing roots", trunc=True)
add(c, r"""<think>
Okay, so the total is 42? Let me double check. 6 times 7 is 42. But wait, the problem says each box has 7 pencils and there are 6 boxes, but 3 pencils were lost. So it should be 42 minus 3, which is""", "39", F, "R1-style think; cut before final subtraction", trunc=True)
add(c, r"""We compute $\gcd(84, 120)$ using the Euclidean algorithm: $120 = 1 \cdot 84 + 36$, $84 = 2 \cdot 36 + 12$, $36 = 3 \cdot 12 + 0$. So the gcd is $12$. Now the problem actually asks for the least common multiple, which is $\frac{84 \cdot 120}{12} = \frac{10080}{12} = """, "840", F, "cut at '=' before reference value", trunc=True)
add(c, r"""Case 1: both numbers are even. There are $\binom{5}{2} = 10$ such pairs. Case 2: both numbers are odd. There are also $\binom{5}{2} = 10$ pairs. Adding these, we get $20$ pairs with an even sum. But we also need to""", "20", F, "reference reached but model continues; cut mid-sentence", trunc=True)
add(c, r"""The vertex of the parabola is at $x = -\frac{b}{2a} = 3$, and $f(3) = 9 - 18 + 5 = -4$. But the problem restricts $x$ to the interval $[4, 7]$, and since the vertex is outside, we must evaluate the endpoints: $f(4) = 16 - 24 + 5 = """, "-3", F, "cut at '=' before the value", trunc=True)
add(c, r"""So $a_{10} = 2 \cdot 10 + 1 = 21$. Let's also double-check using the recursive definition: $a_1 = 3$, $a_2 = 5$, $a_3 = 7$, $a_4 = 9$, $a_5 = 11$, $a_6 =""", "21", F, "reference computed then cut mid-verification", trunc=True)
add(c, r"""Setting the derivative to zero, $f'(x) = 3x^2 - 12 = 0$ gives $x = \pm 2$. Then $f(2) = 8 - 24 + 1 = -15$ and $f(-2) = -8 + 24 + 1 = 17$. To determine which is the maximum on $[-3, 3]$ we also need the endpoint values: $f(3) = 27 - 36 + 1 = -8$ and $f(-3) = -27 + """, "17", F, "reference appears as a critical value; cut mid-formula", trunc=True)
add(c, r"""The probability is $\frac{\binom{4}{2}\binom{6}{1}}{\binom{10}{3}} = \frac{6 \cdot 6}{120} = \frac{36}{120}$, which simplifies to""", r"\frac{3}{10}", F, "equivalent unsimplified value appears, cut before stating answer", trunc=True)
add(c, r"""We need $x^2 \equiv 1 \pmod 8$ for odd $x$. Indeed $1^2 = 1$, $3^2 = 9 \equiv 1$, $5^2 = 25 \equiv 1$, $7^2 = 49 \equiv 1$. So every odd square leaves remainder $1$. Now for the original question we need the remainder of $3^{2024} + 5^{2024}$ modulo $8$, which is $1 + 1 = 2$ provided that both exponents""", "2", F, "conditional value equal to reference; cut mid-sentence", trunc=True)
add(c, r"""Let's verify $t = 4$: the first train has traveled $60 \cdot 4 = 240$ km and the second $80 \cdot 4 = 320$ km, for a total of $560$ km, which matches the distance between the cities. So they meet after""", "4", F, "cut right before stating the reference", trunc=True)
add(c, r"""\[\begin{aligned} x + y &= 10 \\ x - y &= 4 \end{aligned}\]
Adding the equations gives $2x = 14$, so $x = 7$, and then $y = """, "(7,3)", F, "only first coordinate found; cut", trunc=True)
add(c, r"""The area of the square is $s^2 = 64$, so $s = 8$. The circle inscribed in the square has radius $4$ and area $16\pi$. The region inside the square but outside the circle therefore has area $64 - """, r"64 - 16\pi", F, "cut mid-expression that would equal the reference", trunc=True)
add(c, r"""Now we substitute $x = \frac{5}{2}$ into the second equation: $4\left(\frac{5}{2}\right) - 2y = 6$, so $10 - 2y = 6$ and $y = 2$. Therefore the ordered pair is""", r"\left(\frac{5}{2}, 2\right)", F, "both coordinates present; cut before the pair", trunc=True)
add(c, r"""<think>
So the answer should be 17. Wait, let me re-read the problem. It says "at least 3", so I also need to count the case with exactly 3 heads, which adds""", "17", F, "tentative value inside <think> then doubt; cut", trunc=True)

# ---------------------------------------------------------------- 14 truncated_after_answer
c = "truncated_after_answer"
add(c, r"""Therefore, the answer is $\boxed{15}$.

To double-check, let's count the cases directly: with one red ball there are $\binom{5}{1} = 5$ choices, and with two red balls there are""", "15", T, "boxed answer then cut mid-check", trunc=True)
add(c, r"""So she has 6 * 7 = <<6*7=42>>42 stickers.
#### 42

Note: we could also compute this by""", "42", T, "#### then cut mid-remark", trunc=True)
add(c, r"""The final answer is $\frac{2}{7}$.

Verification: substituting back, $7 \cdot \frac{2}{7} = 2$, which matches the""", r"\frac{2}{7}", T, "'The final answer is' then cut", trunc=True)
add(c, r"""So the answer is $\boxed{16}$.

Let me double-check by listing: $\{1,2\}, \{1,3\}, \ldots""", "15", F, "wrong boxed answer then cut", trunc=True)
add(c, r"""Final Answer: The final answer is $-\frac{1}{2}$. I hope it is correct.

Problem:
Find the""", r"-\frac{1}{2}", T, "Minerva ending then model starts a new few-shot problem", trunc=True)
add(c, r"""Final Answer: The final answer is $9$. I hope it is correct.

Problem:
If $x^2 +""", "8", F, "wrong Minerva answer then new problem starts", trunc=True)
add(c, r"""**Answer:** $\boxed{(3, -2)}$

**Check:** $2(3) + 3(-2) = 0$ ✓ and $3 - (-2) = """, "(3,-2)", T, "bold Answer boxed pair then cut mid-check", trunc=True)
add(c, r"""Thus the domain is $\boxed{[-2, 3)}$.

As a sanity check, at $x = 3$ the denominator becomes $\sqrt{3 - """, "[-2,3)", T, "boxed interval then cut", trunc=True)
add(c, r"""Thus the domain is $\boxed{[-2, 3]}$.

As a sanity check, at $x = 3$ the expression""", "[-2,3)", F, "wrong endpoint boxed then cut", trunc=True)
add(c, r"""The answer is 1,024.

Alternatively, one can think of each of the $10$ positions as an independent binary""", "1024", T, "'The answer is' with separator then cut", trunc=True)
add(c, r"""$$\boxed{x = \frac{\pi}{3}}$$

We should double check that $\cos\left(\frac{\pi}{3}\right) = \frac{1}{2}$, and indeed the unit circle gives""", r"\frac{\pi}{3}", T, "display boxed equation then cut", trunc=True)
add(c, r"""</think>

The minimum value is $\boxed{-4}$.

This occurs at $x = 3$, since completing the square gives $(x - 3)^2 - 4 \geq""", "-4", T, "R1 style: answer after </think>, cut in explanation", trunc=True)
add(c, r"""Therefore, the final answer is $\boxed{\begin{pmatrix} 1 & 2 \\ 0 & 1 \end{pmatrix}}$.

Indeed, by induction one can show $A^n = \begin{pmatrix} 1 & n \\ 0 &""", r"\begin{pmatrix} 1 & 2 \\ 0 & 1 \end{pmatrix}", T, "boxed matrix then cut mid-matrix", trunc=True)
add(c, r"""The final answer is $\boxed{7}$. To verify, $3 \cdot 7 - 5 = 16$ and""", "7", T, "boxed then cut mid-verification", trunc=True)
add(c, r"""The final answer is $\boxed{-7}$. To verify, substitute $x = -7$ into $3x + 5$: we get $-21 + 5 =""", "7", F, "wrong-sign boxed answer then cut", trunc=True)
add(c, r"""Each of the 3 friends gets 18 / 3 = <<18/3=6>>6 cookies, and she started with 18.
#### 18

Explanation: Since each of the 3 friends gets 6 cookies, the""", "18", T, "#### then explanation cut", trunc=True)
add(c, r"""John buys 4 packs of 6 = <<4*6=24>>24 cards.
#### 24

Explanation: John buys 4 packs with 5""", "20", F, "wrong #### then cut", trunc=True)
add(c, r"""So the answer is $\boxed{2, 5}$.

We can double check each root: $2^2 - 7 \cdot 2 + 10 = 0$ and $5^2 - 7 \cdot 5 +""", "2, 5", T, "boxed list then cut mid-check", trunc=True)
add(c, r"""Thus the number of ways is $\boxed{\dbinom{10}{4} = 210}$.

We can also reason about this using stars and bars, where""", "210", T, "boxed chain then cut", trunc=True)
add(c, r"""So the probability is $\boxed{\frac{1}{4}}$.

Let's sanity-check with a counting argument: out of $16$ equally likely outcomes, exactly $4$""", r"\frac{1}{4}", T, "boxed fraction then cut", trunc=True)
add(c, r"""The answer is $\boxed{\frac{1}{3}}$.

Hmm, wait: let me recheck the denominator, since the total number of outcomes is""", r"\frac{1}{4}", F, "wrong boxed answer, then starts doubting; cut", trunc=True)
add(c, r"""Final Answer: The final answer is $(-\infty, 5]$. I hope it is correct.

Problem:
Let $f(x) = """, r"(-\infty, 5]", T, "Minerva interval then new problem", trunc=True)
add(c, r"""**Final Answer:** $\boxed{34}$

---

**Verification:** For $n = 34$, the left side is $34^2 = 1156$, and for $n = 35$ it is $35^2 =""", "34", T, "bold final answer then cut in verification", trunc=True)

# ---------------------------------------------------------------- 15 number_not_final
c = "number_not_final"
add(c, r"""We found $x = 12$ earlier. Now we must double-check the constraints, which we leave to the reader.""", "12", F, "value earlier, final sentence defers")
add(c, r"""Setting the two expressions equal gives a candidate value $t = 3$. Whether this candidate actually satisfies the original timing constraint depends on the interpretation of the problem, so we stop the analysis here.""", "3", F, "candidate only; stops without committing")
add(c, r"""A natural guess is that the maximum product is $25$, attained when $x = y = 5$. Proving that this guess is correct requires an inequality argument such as AM-GM, which we have not yet carried out.""", "25", F, "guess stated, not committed")
add(c, r"""The sum of the first two cases is $18$. There may be additional cases that we have not yet considered, and these would need to be added before the count is complete.""", "18", F, "partial sum equals reference; count incomplete")
add(c, r"""If the pattern continues, the tenth term would be $29$. However, the problem does not guarantee that the pattern continues, so we cannot draw a conclusion without more information.""", "29", F, "conditional value; refuses to conclude")
add(c, r"""Plugging in $n = 6$ makes the left-hand side equal to $720$. The next step is to compare this with the right-hand side for larger values of $n$ and to decide which of them is the smallest one that works.""", "6", F, "value tested, no conclusion")
add(c, r"""In the previous step we obtained $\frac{3}{8}$ for the probability of the complementary event. To finish, one must subtract this from one and simplify the resulting fraction.""", r"\frac{3}{8}", F, "value labelled as complement; no final answer")
add(c, r"""Our tentative count is $14$ handshakes. Before trusting that figure we would have to rule out double counting, which the argument above does not do.""", "14", F, "tentative count; no commitment")
add(c, r"""At $x = -2$ the numerator vanishes, so $x = -2$ is a candidate. Whether it is a genuine solution or an extraneous one depends on the denominator, and that is the question we turn to next.""", "-2", F, "candidate; ends promising more work")
add(c, r"""The necessary condition we derived is satisfied by $k = 4$, among possibly other values. Determining the complete set of values would require a case analysis that has not been carried out.""", "4", F, "necessary-condition value only")
add(c, r"""The area of the larger triangle came out to $54$ in the previous paragraph. What remains is to subtract the areas of the three corner triangles, after which the shaded area can be read off.""", "54", F, "intermediate equals reference; model says more is needed")
add(c, r"""Testing $n = 34$ shows that the inequality holds there. The question of whether some larger $n$ also satisfies it is left open for now.""", "34", F, "tested value; question left open")
add(c, r"""From the first equation we get $a = \frac{7}{2}$. Substituting this into the remaining equations is straightforward and is left as an exercise.""", r"\frac{7}{2}", F, "value earlier; rest left as exercise")
add(c, r"""Plugging in $x = 1$, the expression simplifies to $2\sqrt{3}$. The problem, however, asks about general $x$, so this special case does not settle anything.""", r"2\sqrt{3}", F, "special-case value disowned")
add(c, r"""A quick estimate suggests the root is near $1.5$. Refining this estimate would require several more iterations of Newton's method, which we have not performed.""", r"\frac{3}{2}", F, "rough estimate only")
add(c, r"""Multiplying the two probabilities gave $\frac{1}{12}$ in the earlier step. There are, however, other orderings of the events that contribute to the total probability, and they must also be included.""", r"\frac{1}{12}", F, "partial probability; more terms to add")
add(c, r"""For the first batch, Maria bakes 3 * 8 = 24 cupcakes. The size of the second batch depends on how many eggs remain, which the problem statement leaves unclear.""", "24", F, "GSM-style partial computation, no ####")
add(c, r"""Solving for the width yields $w = 6$ under the assumption that the length is twice the width. If that assumption does not hold, the dimensions must be recomputed from scratch.""", "6", F, "conditional value")
add(c, r"""We computed $\binom{10}{3} = 120$ for the unrestricted selections. The restricted selections still have to be subtracted, and we turn to that count in the next part of the solution.""", "120", F, "unrestricted count; subtraction pending")
add(c, r"""The largest value we checked, $n = 97$, gave a prime. We did not examine all values up to the bound, so we cannot yet say which $n$ is the largest one with the property.""", "97", F, "explicitly declines to conclude")
add(c, r"""After simplification the ratio became $11:21$ in the first configuration. The second configuration has not been analyzed, and the problem asks for a comparison of both.""", "11:21", F, "ratio appears earlier; unfinished")
add(c, r"""We obtained the interval $[2, 5)$ from the first inequality alone. The second inequality must still be intersected with it to obtain the solution set of the system.""", "[2, 5)", F, "interval from one inequality only")

# ---------------------------------------------------------------- 16 control_plain
c = "control_plain"
add(c, r"""The remainder when $44$ is divided by $9$ is $8$, since $44 = 4 \cdot 9 + 8$.

Therefore, the answer is $\boxed{8}$.""", "8", T, "boxed integer")
add(c, r"""Adding $\frac{1}{3} + \frac{1}{4} = \frac{4}{12} + \frac{3}{12}$, so the final answer is $\boxed{\frac{7}{12}}$.""", r"\frac{7}{12}", T, "boxed fraction")
add(c, r"""By the distance formula, $\sqrt{3^2 + 6^2} = \sqrt{45}$, which simplifies.

$\boxed{3\sqrt{5}}$""", r"3\sqrt{5}", T, "boxed radical")
add(c, r"""Simplifying $\sqrt{75}$, the length is $\boxed{5\sqrt{3}}$.""", r"3\sqrt{5}", F, "swapped coefficient and radicand")
add(c, r"""With radius $5$, the circumference is $2\pi \cdot 5$, so the circumference is $\boxed{10\pi}$.""", r"10\pi", T, "boxed pi multiple")
add(c, r"""With diameter $5$, the circumference is $\boxed{5\pi}$.""", r"10\pi", F, "used diameter instead of radius")
add(c, r"""She sells 12 * 6 = <<12*6=72>>72 muffins in total.
#### 72""", "72", T, "GSM8K ####")
add(c, r"""She sells 9 * 3 = <<9*3=27>>27 muffins in total.
#### 27""", "72", F, "GSM8K #### digits reversed")
add(c, r"""Solving $2x + 9 = 3$ gives $2x = -6$. The answer is $\boxed{-3}$.""", "-3", T, "boxed negative integer")
add(c, r"""Solving gives $2x = 6$, so $\boxed{3}$.""", "-3", F, "sign dropped")
add(c, r"""Since exactly half the outcomes are even, the probability is $\boxed{\dfrac{1}{2}}$.""", r"\frac{1}{2}", T, "\\dfrac vs \\frac")
add(c, r"""Since three of the six faces are odd, the probability is $\boxed{0.5}$.""", r"\frac{1}{2}", T, "exact decimal vs fraction")
add(c, r"""Multiplying $4 \cdot 25 = 100$. The answer is 100.""", "100", T, "plain 'The answer is'")
add(c, r"""Pairing terms from both ends gives $1009$ pairs each summing to the same value.

Therefore, the final answer is: $\boxed{1009}$. I hope it is correct.""", "1009", T, "Llama-style 'final answer is: $\\boxed{}$. I hope it is correct.'")
add(c, r"""Counting the pairs and including the middle term gives one more.

Therefore, the final answer is: $\boxed{1010}$. I hope it is correct.""", "1009", F, "Llama-style, off by one")
add(c, r"""Since $\sin 45^\circ = \frac{\sqrt{2}}{2}$, the answer is $\boxed{\frac{\sqrt{2}}{2}}$.""", r"\frac{\sqrt{2}}{2}", T, "boxed sqrt fraction")
add(c, r"""The value of $\cos\frac{\pi}{4}$ is $\boxed{\frac{1}{\sqrt{2}}}$.""", r"\frac{\sqrt{2}}{2}", T, "unrationalized equivalent form")
add(c, r"""The value of $\cos\frac{\pi}{6}$ is $\boxed{\frac{\sqrt{3}}{2}}$.""", r"\frac{\sqrt{2}}{2}", F, "wrong special angle value")
add(c, r"""Each of the ten questions has two possible answers, giving $\boxed{2^{10}}$ answer sheets.""", "1024", T, "power form vs evaluated integer")
add(c, r"""Taking the exponential of both sides, $\boxed{e^2}$.""", "e^2", T, "boxed e^2")
add(c, r"""Since the function is odd and the interval is symmetric, the integral is $\boxed{0}$.""", "0", T, "boxed zero")
add(c, r"""Evaluating the antiderivative at both endpoints, the integral is $\boxed{1}$.""", "0", F, "wrong value")
add(c, r"""There are $6$ rows with $8$ seats each.

**Answer:** 48""", "48", T, "bold Answer plain integer")
add(c, r"""There are $8$ rows with $6$ seats each, plus a few extra.

**Answer:** 84""", "48", F, "digits reversed")
add(c, r"""Solving $3x + 5 = 0$ gives $x = \boxed{-\frac{5}{3}}$.""", r"-\frac{5}{3}", T, "boxed negative fraction")
add(c, r"""Solving $3x - 5 = 0$ instead, we get $x = \boxed{\frac{5}{3}}$.""", r"-\frac{5}{3}", F, "sign dropped on fraction")
add(c, r"""Only option (D) is consistent with all the given facts. So the answer is $\boxed{\text{(D)}}$.""", r"\text{(D)}", T, "boxed multiple-choice letter")


# ================================================================= write & check
OUT = str(__import__("pathlib").Path(__file__).with_name("math_verify_formats.jsonl"))
with open(OUT, "w", encoding="utf-8") as fh:
    for r in rows:
        fh.write(json.dumps(r, ensure_ascii=False) + "\n")

KEYS = {"completion": str, "answer": str, "label": bool, "truncated": bool, "category": str, "note": str}
CATS = [
    "nested_boxed", "multiple_boxes", "list_and_or", "named_list", "prose_relation",
    "prose_interval_set", "prose_matrix", "chain", "thousands_sep", "units_text", "ratio",
    "minerva_sentence", "truncated_no_answer", "truncated_after_answer", "number_not_final",
    "control_plain",
]
MARKER = re.compile(r"\\boxed|final answer|####|the answer is|\*\*answer|answer:", re.I)

loaded = [json.loads(line) for line in open(OUT, encoding="utf-8")]
assert len(loaded) == len(rows)
problems = []
for i, r in enumerate(loaded):
    if set(r) != set(KEYS):
        problems.append((i, "keys", sorted(r)))
    for k, t in KEYS.items():
        if not isinstance(r.get(k), t):
            problems.append((i, "type", k))
    if r["category"] not in CATS:
        problems.append((i, "category", r["category"]))
    has_marker = bool(MARKER.search(r["completion"]))
    if r["truncated"] and not has_marker and r["label"]:
        problems.append((i, "truncated without explicit answer labelled true"))
    if r["category"] == "truncated_no_answer" and (has_marker or r["label"] or not r["truncated"]):
        problems.append((i, "truncated_no_answer inconsistency"))
    if r["category"] == "truncated_after_answer" and (not has_marker or not r["truncated"]):
        problems.append((i, "truncated_after_answer lacks marker"))
    if r["category"] == "number_not_final" and (has_marker or r["label"] or r["truncated"]):
        problems.append((i, "number_not_final inconsistency"))
    if r["truncated"] != (r["category"].startswith("truncated_")):
        problems.append((i, "truncated flag vs category"))
    if not r["truncated"] and not re.search(r"[.)}$\]\d\w*]\s*$", r["completion"]):
        problems.append((i, "non-truncated ending looks odd", r["completion"][-30:]))
    if "\\\\frac" in r["completion"] or "\\\\frac" in r["answer"]:
        problems.append((i, "double backslash"))
comps = Counter(r["completion"] for r in loaded)
for comp, n in comps.items():
    if n > 1:
        problems.append(("dup", comp[:60]))

stats = defaultdict(lambda: [0, 0, 0, 0])
for r in loaded:
    s = stats[r["category"]]
    s[0] += 1
    s[1] += r["label"]
    s[2] += not r["label"]
    s[3] += r["truncated"]
print(f"{'category':24s} {'rows':>5s} {'true':>5s} {'false':>5s} {'trunc':>5s}")
tot = [0, 0, 0, 0]
for cat in CATS:
    s = stats[cat]
    tot = [a + b for a, b in zip(tot, s)]
    flag = "" if s[0] >= 15 else "  <-- fewer than 15"
    print(f"{cat:24s} {s[0]:5d} {s[1]:5d} {s[2]:5d} {s[3]:5d}{flag}")
print(f"{'TOTAL':24s} {tot[0]:5d} {tot[1]:5d} {tot[2]:5d} {tot[3]:5d}")
if problems:
    print("PROBLEMS:")
    for p in problems:
        print("  ", p)
    raise SystemExit(1)
print("all checks passed")
