#!/usr/bin/env python3
"""A second blind holdout (tests/data/math_verify_holdout2.jsonl): hand-written model endings.

Written for issue 13 by a helper who saw neither the math verifier nor any other labeled set, after
the verifier's answer-format rules were done (so its first score is an unbiased one): boxes, lists
in words, answers in prose, relations, number formats, units, ratios, Minerva endings, chains,
<think> blocks, GSM8K style, and 32 truncated completions. Every row and label is written by hand
below. Run from anywhere to rewrite the file beside this script.
"""
import json
import re
from collections import Counter, defaultdict

OUT = str(__import__("pathlib").Path(__file__).with_name("math_verify_holdout2.jsonl"))
rows = []


def add(cat, completion, answer, label, note, truncated=False):
    rows.append({
        "completion": completion,
        "answer": answer,
        "label": label,
        "truncated": truncated,
        "category": cat,
        "note": note,
    })


# ---------------------------------------------------------------- boxed_variants
c = "boxed_variants"
add(c, r"""Adding the two equations gives $2x = 24$, so $x = 12$. Substituting back, $y = 20 - 12 = 8$, and the question asks for the larger number, which is $x$.

$$\boxed{\boxed{12}}$$""", "12", True, "doubly nested box around the correct value")
add(c, r"""Factoring, $x^2 + x - 12 = (x - 3)(x + 4) = 0$. Hence the two roots are $\boxed{3}$ and $\boxed{-4}$.""",
    "3, -4", True, "two separate boxes, one per root; list matches reference")
add(c, r"""We need the smallest positive integer $n$ with $n^2 > 45$. Since $6^2 = 36 < 45$ and $7^2 = 49 > 45$, the smallest such integer is $\fbox{7}$.""",
    "7", True, "\\fbox instead of \\boxed")
add(c, r"""Each of the 4 shirts can be paired with each of the 3 pairs of pants and each of the 2 hats, giving $4 \cdot 3 \cdot 2 = 24$ outfits.

\[\boxed{\text{The answer is } 24}\]""", "24", True, "box containing a text sentence plus the number")
add(c, r"""Subtracting $3$ from both sides gives $2x = 10$, and dividing by $2$ yields \(\boxed{x = 5}\).""",
    "5", True, "variable assignment inside the box, \\( \\) delimiters")
add(c, r"""The bag contains $3$ red and $5$ blue marbles. The probability that a single draw is red is the number of red marbles over the total, $\frac{3}{3 + 5}$. Therefore the probability is $\boxed{\dfrac{3}{8}}$.""",
    r"\frac{3}{8}", True, "\\dfrac in box vs \\frac reference")
add(c, r"""Substituting $x = -2$ into $h(x) = x^2 - 4x$, we get $h(-2) = 4 - 8 = -4$.

$$\boxed{\boxed{-4}}$$""", "12", False, "nested box around a value from a sign error (4+8=12 expected)")
add(c, r"""We need two numbers whose product is $-12$ and whose sum is $1$: these are $4$ and $-3$, so $x^2 + x - 12 = (x + 4)(x - 3)$. The solutions are $\boxed{-3}$ and $\boxed{4}$.""",
    "3, -4", False, "two boxes, both roots with flipped signs")
add(c, r"""The ratio of the first speed to the second is $\frac{30}{25}$, which simplifies to \fbox{$\frac{5}{6}$}.""",
    r"\frac{6}{5}", False, "\\fbox holding the reciprocal of the correct ratio")
add(c, r"""The rectangle has length $6$ and width $3$, so its area is $6 \times 3 = 18$ square centimeters.

**Answer:** $\boxed{18\text{ cm}^2}$""", "18", True, "box contains the number with units")
add(c, r"""Adding the equations gives $2x = -6$, so $x = -3$, and then $y = -1 - x = 2$. The solution is $\boxed{(2, -3)}$.""",
    "(-3, 2)", False, "ordered pair written in swapped order inside the box")
add(c, r"""Since $\sin 45^\circ = \cos 45^\circ$ and $\sin^2 45^\circ + \cos^2 45^\circ = 1$, we get $2\sin^2 45^\circ = 1$, so $\sin 45^\circ = \boxed{\sqrt{2}/2}$.""",
    r"\frac{\sqrt{2}}{2}", True, "slash fraction with sqrt vs \\frac reference")
add(c, r"""Only choice (C) satisfies both conditions, since (A) and (D) fail the parity check and (B) exceeds the bound.

The answer is $\boxed{\text{(C)}}$.""", r"\text{(C)}", True, "multiple-choice letter boxed with \\text")
add(c, r"""Both square roots must be defined, so we need $x - 2 \ge 0$ and $5 - x > 0$. Therefore the domain of $f(x) = \sqrt{x - 2} + \sqrt{5 - x}$ is $\boxed{[2, 5)}$.""",
    "[2,5]", False, "boxed interval with open right endpoint; reference closed")
add(c, r"""Converting to radians, $120^\circ = 120 \cdot \frac{\pi}{180} = \boxed{\frac{\pi}{3}}$.""",
    r"\frac{2\pi}{3}", False, "boxed value off by a factor of 2")
add(c, r"""Squaring both sides of $\sqrt{x + 9} = 4$ gives $x + 9 = 16$, hence $\boxed{x = -7}$.""",
    "7", False, "boxed assignment with sign error")
add(c, r"""The cylinder has radius $1$ and height $6$, so its volume is $\pi r^2 h = \pi \cdot 1^2 \cdot 6$. Thus $V = \boxed{6\pi}$.""",
    r"6\pi", True, "boxed multiple of pi after an equation")

# ---------------------------------------------------------------- word_lists
c = "word_lists"
add(c, r"""Factoring the quadratic gives $(x - 2)(x + 3) = 0$. Therefore x = 2 or x = -3.""",
    "2, -3", True, "plain-text 'x = a or x = b'")
add(c, r"""Comparing coefficients, the constant terms give $b = 4$ and the linear terms give $a + b = 5$, so $a = 1$ and $b = 4$.""",
    "(1, 4)", True, "named assignments matching ordered pair (a, b)")
add(c, r"""Checking small cases, $a + b = 3$ and $ab = 2$ force $\{a, b\} = \{1, 2\}$. So the solutions are the pairs (1,2) and (2,1).""",
    "(1,2), (2,1)", True, "two ordered pairs joined by 'and'")
add(c, r"""The cubic factors as $x(x + 1)(x - 2) = 0$, so the solutions are $-1$, $0$, and $2$.""",
    "-1, 0, 2", True, "three separate inline values joined by commas and 'and'")
add(c, r"""We can write $x^2 + x - 6 = (x - 2)(x - 3)$, which gives x = 2 or x = 3.""",
    "2, -3", False, "one root with the wrong sign")
add(c, r"""From $x^2 = 16$ we get $x = 4$, and $x = 1$ also satisfies $(x - 1)(x^2 - 16) = 0$. So the solutions are $1$ and $4$.""",
    "1, 4, -4", False, "missing list member -4")
add(c, r"""Using the quadratic formula on $2x^2 + 5x - 3 = 0$, we get $x = \frac{-5 \pm 7}{4}$, so $x = \frac{1}{2}$ and $x = -3$.""",
    r"-3, \frac{1}{2}", True, "unordered list in a different order")
add(c, r"""We need the odd integers $n$ with $4 < n < 10$. Checking each candidate, the values that work are 5 and 7.""",
    "5, 7, 9", False, "missing list member 9")
add(c, r"""Matching coefficients of $x$ gives $a = 4$, and matching the constant term gives $b = 1$. Therefore $a = 4$ and $b = 1$.""",
    "(1, 4)", False, "named assignments with values swapped relative to ordered pair (a, b)")
add(c, r"""The discriminant of the quadratic is $k^2 - 4k - 12 = (k - 6)(k + 2)$, which vanishes when $k = -2$ or $k = 6$.""",
    "-2, 6", True, "'k = a or k = b' in LaTeX")
add(c, r"""Setting $x + 2 = x^2$ gives $x^2 - x - 2 = 0$, so $x = 2$ or $x = -1$, giving the points $(2, 4)$ and $(1, -1)$.""",
    "(2, 4), (-1, 1)", False, "second point has its coordinates swapped")
add(c, r"""Since $x^2 + 3x - 10 = (x - 2)(x + 5)$, the roots are two and negative five.""",
    "2, -5", True, "roots spelled out in words")
add(c, r"""Taking square roots of both sides of $x^2 = 9$, we find $x = \pm 3$.""",
    "3, -3", True, "plus-minus notation for a two-element list")
add(c, r"""We need $n \equiv 2 \pmod{6}$. Listing the integers from 1 to 10 that leave remainder 2 upon division by 3, the values are n = 2, n = 5, and n = 8.""",
    "2, 8", False, "extra list member 5")
add(c, r"""On $[0, 2\pi)$, the equation $\sin\theta = \frac{1}{2}$ holds for $\theta = \frac{\pi}{6}$ or $\theta = \frac{5\pi}{6}$.""",
    r"\frac{\pi}{6}, \frac{5\pi}{6}", True, "two angle values joined by 'or'")
add(c, r"""Completing the square, $(x - 1)^2 = 2$, so $x = 1 + \sqrt{2}$ or $x = 1 - \sqrt{2}$.""",
    r"1 \pm \sqrt{2}", True, "two explicit roots vs \\pm reference")
add(c, r"""Completing the square on $x^2 - 2x - 2 = 0$ gives $(x + 1)^2 = 3$, hence $x = -1 \pm \sqrt{3}$.""",
    r"1 \pm \sqrt{3}", False, "sign error in the center of the \\pm pair")

# ---------------------------------------------------------------- prose_final
c = "prose_final"
add(c, r"""The base of the triangle is $8$ and the height is $6$, so the area is $\frac{1}{2}\cdot 8 \cdot 6$. Therefore, the area of the triangle is 24 square units.""",
    "24", True, "number stated in the final prose sentence with unit words")
add(c, r"""The integers satisfying the inequality are $-5, -4, -3, -2, -1$. Adding them up, the sum is $15$.""",
    "-15", False, "sign dropped in the final sentence")
add(c, r"""Dividing both sides of $2(x - 1) > 4$ by $2$ preserves the direction of the inequality, so $x - 1 > 2$. So the inequality holds exactly when $x > 3$.""",
    r"(3, \infty)", True, "final relation vs interval reference")
add(c, r"""The expression $\sqrt{x + 2}$ is defined exactly when $x + 2 \ge 0$. Thus the domain of $f$ is $[-2, \infty)$.""",
    r"[-2,\infty)", True, "interval stated in the last sentence")
add(c, r"""Of the integers from $1$ to $6$, only the odd ones satisfy $\cos(n\pi) = -1$. The set of solutions is therefore $\{1, 3, 5\}$.""",
    "1, 3, 5", True, "set in braces vs comma list")
add(c, r"""The first column is the image of $\mathbf{e}_1$, namely $(2, 0)$, and the second column is the image of $\mathbf{e}_2$, namely $(-1, 3)$. Putting these together, the matrix is $\begin{pmatrix} 2 & -1 \\ 0 & 3 \end{pmatrix}$.""",
    r"\begin{pmatrix} 2 & -1 \\ 0 & 3 \end{pmatrix}", True, "matrix stated in prose")
add(c, r"""The inverse of $\begin{pmatrix} 3 & 1 \\ 5 & 2 \end{pmatrix}$ is $\frac{1}{\det}$ times the adjugate, and the determinant is $6 - 5 = 1$. So the inverse is simply $\begin{pmatrix} 2 & -1 \\ 5 & 3 \end{pmatrix}$.""",
    r"\begin{pmatrix} 2 & -1 \\ -5 & 3 \end{pmatrix}", False, "one matrix entry with the wrong sign")
add(c, r"""The outcomes with sum at least $8$ number $5 + 4 + 3 + 2 + 1 = 15$. This means the probability is $\frac{15}{36} = \frac{5}{12}$.""",
    r"\frac{7}{12}", False, "complement probability given instead of the asked one")
add(c, r"""We have $17^2 = 289 < 300$ but $18^2 = 324 > 300$. So the largest possible value of $n$ is 17.""",
    "17", True, "bare number at the end of the last sentence")
add(c, r"""The radicand $x + 2$ must be positive, so we need $x > -2$. Therefore the domain is $(-2, \infty)$.""",
    r"[-2, \infty)", False, "open endpoint where reference is closed")
add(c, r"""Since $2^3 = 8 \equiv 1 \pmod 7$, we have $2^{100} = (2^3)^{33} \cdot 2 \equiv 2 \pmod 7$. Hence the remainder when $2^{100}$ is divided by 7 is 2.""",
    "2", True, "answer is the last token of a sentence that also mentions 2^100 and 7")
add(c, r"""Completing the square, $x^2 - 3x = \left(x - \frac{3}{2}\right)^2 - \frac{9}{4}$. Thus the minimum value is $-\frac{9}{4}$, attained at $x = \frac{3}{2}$.""",
    r"-\frac{9}{4}", True, "final sentence names the value first and the minimizer after it")
add(c, r"""Completing the square gives $f(x) = \left(x - \frac{3}{2}\right)^2 - \frac{9}{4}$, which is smallest when the square is zero. That happens at $x = \frac{3}{2}$, so the minimum value of $f$ is $\frac{3}{2}$.""",
    r"-\frac{9}{4}", False, "states the minimizer as the minimum value; reference value appears earlier")
add(c, r"""We choose $4$ people from $10$ with order irrelevant, which is $\binom{10}{4}$. So there are 210 ways to choose the committee.""",
    "210", True, "count in prose after a binomial")
add(c, r"""Taking the cross product component by component gives $1$, $-2$, and $4$. Thus the vector is $\begin{pmatrix} 1 \\ -2 \\ 4 \end{pmatrix}$.""",
    r"\begin{pmatrix} 1 \\ 2 \\ 4 \end{pmatrix}", False, "column vector with one sign-flipped entry")
add(c, r"""The slope is $\frac{1 - 5}{2 - 0} = -2$ and the $y$-intercept is $5$. So the equation of the line is $y = -2x + 5$.""",
    "y = -2x + 5", True, "equation of a line stated in prose")
add(c, r"""Dividing both sides of $x^3 = 4x$ by $x$ gives $x^2 = 4$. The solutions form the set $\{-2, 2\}$.""",
    "-2, 0, 2", False, "set missing the root 0 lost by dividing by x")

# ---------------------------------------------------------------- relations
c = "relations"
add(c, r"""Subtracting $7$ from both sides of $3x + 7 \le 22$ gives $3x \le 15$, so $x \le 5$.""",
    r"(-\infty, 5]", True, "\\le inequality vs interval")
add(c, r"""Adding $4$ to both sides, we get $2x \geqslant -2$, hence $x \geqslant -1$.""",
    r"[-1, \infty)", True, "\\geqslant vs interval")
add(c, r"""4x - 5 <= 7 means 4x <= 12, so the solution is x <= 3.""",
    r"x \le 3", True, "ASCII <= vs \\le")
add(c, r"""The only value excluded from the domain is where the denominator $x - 2$ vanishes. So the domain is all real $x$ with $x \neq 2$.""",
    r"(-\infty,2)\cup(2,\infty)", True, "\\neq condition vs union of intervals")
add(c, r"""Subtracting $6$ from both sides gives $-2x > 4$, and dividing by $-2$ yields $x > -2$.""",
    "x < -2", False, "forgot to flip the inequality when dividing by a negative")
add(c, r"""Subtracting $6$ gives $-2x > 4$. Dividing by $-2$ reverses the inequality, so the solution set is $-2 > x$.""",
    "x < -2", True, "same relation written with sides reversed")
add(c, r"""From the first inequality, $x > 1$, and from the second, $x \le 3$. Combining, the solution is $1 < x \le 3$.""",
    "(1, 3]", True, "double inequality vs half-open interval")
add(c, r"""The first condition gives $x \ge 1$ and the second gives $x < 3$, so the solution is $1 \le x < 3$.""",
    "(1,3]", False, "double inequality with both endpoint types swapped")
add(c, r"""We have $2x \le 10$, so the solution is $x < 5$.""",
    r"x \le 5", False, "strict vs non-strict inequality")
add(c, r"""Since $f$ is increasing and $f(4) = 0$, we have $f(x) \ge 0$ exactly when $x \geq 4$.""",
    r"[4, \infty)", True, "\\geq vs closed interval")
add(c, r"""The function $g(x) = x - 4$ is nonnegative exactly when $x > 4$.""",
    r"[4,\infty)", False, "strict inequality where the reference endpoint is closed")
add(c, r"""Since $|x| \le 3$ means the distance from $x$ to $0$ is at most $3$, the solution is $-3 \leq x \leq 3$.""",
    "[-3, 3]", True, "double \\leq vs closed interval")
add(c, r"""Solving $5 - 2x \ge 1$ gives $-2x \ge -4$, and dividing by $-2$ flips the sign: $x \ge 2$.""",
    r"(-\infty, 2]", False, "claims to flip but writes the wrong direction")
add(c, r"""The quadratic $x^2 - 3x - 4 = (x - 4)(x + 1)$ is positive outside its roots, so $x < -1 \text{ or } x > 4$.""",
    r"(-\infty,-1)\cup(4,\infty)", True, "two inequalities joined by \\text{ or } vs union")
add(c, r"""The parabola $(x - 4)(x + 1)$ has roots $-1$ and $4$, so $x^2 - 3x - 4 > 0$ when $-1 < x < 4$.""",
    r"(-\infty,-1)\cup(4,\infty)", False, "gives the complement interval")
add(c, r"""Both $\sin x$ and $\cos x$ are positive precisely in the first quadrant, so within $(-\pi, \pi)$ the solution is $0 < x < \frac{\pi}{2}$.""",
    r"\left(0, \frac{\pi}{2}\right)", True, "double strict inequality vs \\left( \\right) interval")
add(c, r"""The discriminant is $1 - 4k$, and there are no real roots when it is nonpositive, so $k \geqslant \frac{1}{4}$.""",
    r"k > \frac{1}{4}", False, "\\geqslant where strict > is correct")
add(c, r"""The expression is undefined only when $a = 0$, so the condition is $a \ne 0$.""",
    r"a \neq 0", True, "\\ne vs \\neq")

# ---------------------------------------------------------------- numbers_formats
c = "numbers_formats"
add(c, r"""Adding the three deposits, $4,115 + 4,115 + 4,115 = 12,345$. The total amount is $12,345$.""",
    "12345", True, "comma thousands separator")
add(c, r"""There are $10^6$ such strings, since each of the $6$ positions has $10$ choices. So the answer is $1{,}000{,}000$.""",
    "1000000", True, "{,} thousands separators")
add(c, r"""The number of ways to arrange $10$ distinct books on a shelf is $10! = 3\,628\,800$.""",
    "3628800", True, "thin-space \\, separators")
add(c, r"""Each of the 50 stores sells 50 000 units, so the total number of units sold is 2 500 000.""",
    "2500000", True, "plain-space thousands separators")
add(c, r"""Since the population doubles every 5 years, after 20 years it is $2000 \cdot 2^4 = 32000$. In scientific notation, the population is $3.2 \times 10^4$.""",
    "32000", True, "scientific notation equal to the reference")
add(c, r"""The fraction of students who passed is $\frac{27}{60} = 0.45$. Thus, $45\%$ of the students passed.""",
    "45", True, "percentage with \\% vs plain number reference (question asks what percent)")
add(c, r"""The interest for one year is $1000 \times 0.25 = 250$, so the total owed is $\$1,250.00$.""",
    "1250", True, "money format with \\$, comma and cents")
add(c, r"""Each pizza is cut into 8 slices and they ate 20 slices, so they ate $\frac{20}{8}$ pizzas, i.e. $2\frac{1}{2}$ pizzas.""",
    r"\frac{5}{2}", True, "mixed number vs improper fraction")
add(c, r"""Summing the rows gives $4,000 + 8,354 = 12,354$. So the total is $12,354$.""",
    "12345", False, "comma-separated number with transposed digits")
add(c, r"""After 20 years the bacteria count is $2000 \cdot 2^4 = 32000$, which we write as $3.2 \times 10^5$.""",
    "32000", False, "scientific notation with wrong exponent")
add(c, r"""Out of $60$ students, $27$ passed, so the fraction is $\frac{27}{60} = 0.45$, or $4.5\%$.""",
    "45", False, "percentage off by a factor of 10")
add(c, r"""The account earns $\$205$ in interest, so the final balance is $\$1,000 + \$205 = \$1,205.00$.""",
    "1250", False, "money amount with transposed digits")
add(c, r"""Adding the distances, $\frac{3}{4} + 1 + \frac{3}{4} = \frac{7}{3}$, which is $2\frac{1}{3}$ miles.""",
    r"\frac{5}{2}", False, "wrong mixed number")
add(c, r"""There are $3$ favorable outcomes among $4$ equally likely ones, so the probability equals 0,75.""",
    "0.75", True, "unambiguous decimal comma (leading zero)")
add(c, r"""Converting $1.5$ millimeters to meters, we divide by $1000$, obtaining $1.5 \times 10^{-3}$ meters.""",
    "0.0015", True, "negative-exponent scientific notation")
add(c, r"""Multiplying, $36 \times 200 = 7\,200$. So the total number of seats is $7\,200$.""",
    "72000", False, "thin-space number off by a factor of 10")

# ---------------------------------------------------------------- units_text
c = "units_text"
add(c, r"""Each side of the square has length $3$ cm, so the perimeter is
$$P = 4 \cdot 3 = 12\text{ cm}.$$""", "12", True, "unit in \\text{} inside display math")
add(c, r"""The angles of the triangle sum to $180^\circ$, so the third angle is $180^\circ - 90^\circ - 45^\circ = 45^\circ$.""",
    "45", True, "degrees with ^\\circ")
add(c, r"""The average speed is total distance over total time: $\frac{900\,\mathrm{m}}{60\,\mathrm{s}} = 15\,\mathrm{m/s}$.""",
    "15", True, "\\mathrm{m/s} unit")
add(c, r"""Since each foot is 12 inches, $2.5$ feet is $2.5 \times 12 = 30\textnormal{ inches}$.""",
    "30", True, "\\textnormal unit")
add(c, r"""She drove 180 miles in 3 hours, so her average speed was 180 / 3 = 60 miles per hour.""",
    "60", True, "plain-word unit")
add(c, r"""Converting to minutes, 2.5 hours is $2.5 \times 100 = 250$ minutes.""",
    "150", False, "wrong unit conversion (100 minutes per hour)")
add(c, r"""Each interior angle of a regular hexagon is $\frac{(6-2)\cdot 180^\circ}{6} = 120^\circ$, so the exterior angle is $120^{\circ}$ as well.""",
    "60", False, "interior angle given where exterior angle asked")
add(c, r"""The area of the triangle is $\frac{1}{2} \cdot 10 \cdot 10 = 50\text{ cm}^2$.""",
    "50", True, "squared unit in \\text{}")
add(c, r"""Since 1 kilometer is 1000 meters, 1.5 kilometers equals $1.5 \times 10000 = 15000$ meters.""",
    "1500", False, "unit conversion with an extra zero")
add(c, r"""The train covers $144$ km in $2$ hours, so its speed is $72\,\mathrm{km/h}$.""",
    "72", True, "\\mathrm{km/h} with thin space")
add(c, r"""After buying 3 notebooks at \$4 each, she has \$20 - \$12 = \$8 left. So she has 8 dollars left.""",
    "8", True, "escaped dollar signs and the word dollars")
add(c, r"""The room measures $4$ feet by $6$ feet, so its area is $4 \cdot 6 = 36 \text{ square feet}$.""",
    "24", False, "arithmetic slip with unit words")
add(c, r"""Since $\angle ABC$ and the $105^\circ$ angle are supplementary, $\angle ABC = 75^{\circ}$.""",
    "75", True, "degree symbol with braces")
add(c, r"""A pentagon has interior angle sum $(5 - 2) \cdot 180 = 540$ degrees.""",
    "540", True, "the word degrees")
add(c, r"""There are 12 inches in a foot, so 12 feet is 12 × 12 = 144 inches.""",
    "144", True, "unicode times sign and plain unit")
add(c, r"""Since a foot has 12 inches, 4 feet is $4 \times 12 = 36$ inches.""",
    "48", False, "wrong product in a unit conversion")
add(c, r"""Each bag holds $5\,\mathrm{kg}$, so the five bags hold $5 \times 0.5 = 2.5\,\mathrm{kg}$.""",
    "25", False, "decimal slip with \\mathrm{kg}")

# ---------------------------------------------------------------- ratios_fractions
c = "ratios_fractions"
add(c, r"""There are $15$ boys and $20$ girls, so the ratio of boys to girls is $15:20$, which simplifies to $3:4$.""",
    "3:4", True, "simplified ratio matches")
add(c, r"""Since $4a = 3b$, dividing both sides by $4b$ gives $\frac{a}{b} = \frac{3}{4}$, that is, $a:b = 3:4$.""",
    "3:4", True, "ratio with variable prefix a:b =")
add(c, r"""The shaded region consists of $3$ of the $4$ congruent triangles, so it is $\frac{3}{4}$ of the square.""",
    "0.75", True, "fraction vs decimal reference")
add(c, r"""With $20$ girls and $15$ boys, the ratio of boys to girls is $20:15 = 4:3$.""",
    "3:4", False, "ratio reversed")
add(c, r"""The probability that the two coins are not both tails is $1 - \frac{1}{4} = 0.75$.""",
    r"\frac{3}{4}", True, "decimal vs fraction reference")
add(c, r"""Since $4a = 3b$, we get $\frac{a}{b} = \frac{4}{3}$.""",
    r"\frac{3}{4}", False, "reciprocal fraction")
add(c, r"""Two of the five marbles are red, so the probability is $\tfrac{2}{5}$.""",
    r"\frac{2}{5}", True, "\\tfrac vs \\frac")
add(c, r"""The slope of the line through (0, 1) and (5, 3) is (3 - 1)/(5 - 0) = 2/5.""",
    r"\frac{2}{5}", True, "plain slash fraction")
add(c, r"""The slope of the line through $(0, 1)$ and $(5, 3)$ is $\frac{5 - 0}{3 - 1} = \frac{5}{2}$.""",
    r"\frac{2}{5}", False, "run over rise; reciprocal")
add(c, r"""The angles measure $30^\circ$, $60^\circ$, and $90^\circ$, so their ratio in increasing order is $1:2:3$.""",
    "1:2:3", True, "three-term ratio")
add(c, r"""The sides are $AB = 5$, $BC = 10$, and $CA = 15$, so $AB:BC:CA = 1:3:2$.""",
    "1:2:3", False, "three-term ratio with two terms swapped")
add(c, r"""Three of the five equally likely sectors are blue, so the probability is $0.6$.""",
    r"\frac{3}{5}", True, "exact terminating decimal")
add(c, r"""There are $5$ favorable arrangements out of $8$, so the probability is $0.625$.""",
    r"\frac{5}{8}", True, "exact three-digit decimal")
add(c, r"""Five out of the eight outcomes are favorable, giving a probability of about $0.6$.""",
    r"\frac{5}{8}", False, "rounded decimal, not equal")
add(c, r"""Solving $3x + 7 = 0$ gives $x = \frac{-7}{3}$.""",
    r"-\frac{7}{3}", True, "minus sign in the numerator")
add(c, r"""Solving $3x + 7 = 0$, we subtract $7$ and divide by $3$ to get $x = \frac{7}{3}$.""",
    r"-\frac{7}{3}", False, "sign dropped")

# ---------------------------------------------------------------- minerva
c = "minerva"
add(c, r"""There are $6$ equally likely outcomes for the die and exactly one of them is a $4$, so the probability is $\frac{1}{6}$.
Final Answer: The final answer is $\frac{1}{6}$. I hope it is correct.""",
    r"\frac{1}{6}", True, "standard Minerva ending with a fraction")
add(c, r"""Solution: We have $6 \times 7 = 42$, so the product is $42$.

Final Answer: The final answer is $42$. I hope it is correct.""", "42", True, "standard Minerva ending with an integer")
add(c, r"""Moving $6$ to the other side gives $2x = -6$, so $x = -3$.
Final Answer: The final answer is $-3$. I hope it is correct.""", "3", False, "sign error in Minerva ending")
add(c, r"""Adding the equations gives $3x = 6$, so $x = 2$, and then $y = x - 3 = -1$.
Final Answer: The final answer is $(2, -1)$. I hope it is correct.""", "(2,-1)", True, "ordered pair in Minerva ending")
add(c, r"""Subtracting the equations gives $x = 2$, and then $y = 1 - x = -1$.
Final Answer: The final answer is $(-1, 2)$. I hope it is correct.""", "(2,-1)", False, "ordered pair swapped")
add(c, r"""Both radicands must be nonnegative, so we need $x \ge 0$ and $4 - x > 0$.
Final Answer: The final answer is $[0, 4)$. I hope it is correct.""", "[0,4]", False, "half-open vs closed interval")
add(c, r"""The distance between $(1, 2)$ and $(3, 5)$ is $\sqrt{(3-1)^2 + (5-2)^2} = \sqrt{4 + 9}$.
Final Answer: The final answer is $\sqrt{13}$. I hope it is correct.""", r"\sqrt{13}", True, "radical in Minerva ending")
add(c, r"""We simplify $\sqrt{12} = \sqrt{4 \cdot 3} = 4\sqrt{3}$.
Final Answer: The final answer is $4\sqrt{3}$. I hope it is correct.""", r"2\sqrt{3}", False, "wrong coefficient on the radical")
add(c, r"""Since $\tan\theta = 1$ and $\theta$ is acute, $\theta = \frac{\pi}{4}$.
Final Answer: The final answer is $\frac{\pi}{4}$. I hope it is correct.""", r"\frac{\pi}{4}", True, "angle in radians")
add(c, r"""The sum of the interior angles of an octagon is $(8 - 2) \cdot 180^\circ = 1080^\circ$.
Final Answer: The final answer is $1080^\circ$. I hope it is correct.""", "1080", True, "degree sign inside the Minerva answer")
add(c, r"""She started with $12$ apples and gave away $5$, so she has $12 - 5 = 7$ left.
Final Answer: The final answer is $7$ apples. I hope it is correct.""", "7", True, "word after the math in the Minerva sentence")
add(c, r"""Solving $5x = 3$ gives $x = \frac{5}{3}$.
Final Answer: The final answer is $\frac{5}{3}$. I hope it is correct.""", r"\frac{3}{5}", False, "reciprocal fraction")
add(c, r"""The positive divisors of $4$ are $4$, $2$, and $1$.
Final Answer: The final answer is $4, 2, 1$. I hope it is correct.""", "1, 2, 4", True, "unordered list in reverse order")
add(c, r"""The probability of two heads in two flips is $\frac{1}{2} \cdot \frac{1}{2}$.
Final Answer: The final answer is $0.25$. I hope it is correct.""", r"\frac{1}{4}", True, "decimal vs fraction reference")
add(c, r"""The perimeter of the square is $40$, so each side is $40/4 = 10$.
Final Answer: The final answer is $10$. I hope it is correct.""", "100", False, "side length given where area asked")
add(c, r"""Reflecting over the $x$-axis sends $(x, y)$ to $(x, -y)$, so the matrix is $\begin{pmatrix} -1 & 0 \\ 0 & 1 \end{pmatrix}$.
Final Answer: The final answer is $\begin{pmatrix} -1 & 0 \\ 0 & 1 \end{pmatrix}$. I hope it is correct.""",
    r"\begin{pmatrix} 1 & 0 \\ 0 & -1 \end{pmatrix}", False, "matrix with diagonal signs swapped")

# ---------------------------------------------------------------- chains_computations
c = "chains_computations"
add(c, r"""Each of the $2$ boxes holds $3$ pens and there are $4$ loose pens, so the total is $2 \cdot 3 + 4 = 10$.""",
    "10", True, "chain ending in the correct value")
add(c, r"""From the first equation $x - 4 = 3$, so $x = 3 + 4 = 7$.""", "7", True, "x = a + b = c chain")
add(c, r"""Choosing $2$ of the $6$ people to shake hands gives $\binom{6}{2} = 15$ handshakes.""",
    "15", True, "binomial = value")
add(c, r"""Since all five books are distinct and every position matters, the number of orderings is the number of permutations of five objects. Therefore the books can be arranged in $5! = 120$ ways.""",
    "120", True, "factorial = value")
add(c, r"""We must choose which $3$ of the $8$ flips are heads, so the count is $\binom{8}{3} = 56$.""",
    "56", True, "binomial = value")
add(c, r"""Twelve packs of five cookies is $60$ cookies, and after eating $7$ there are $12 \cdot 5 - 7 = 52$ left.""",
    "53", False, "chain with an arithmetic slip in the last step")
add(c, r"""We choose $3$ of the $7$ toppings, giving $\binom{7}{2} = 21$ pizzas.""",
    "35", False, "wrong binomial in chain")
add(c, r"""The five runners can finish in $4! = 24$ different orders.""", "120", False, "wrong factorial")
add(c, r"""Dividing both sides by $3$, $x = 18 / 3 = 6$.""", "6", True, "x = a / b = c")
add(c, r"""The perimeter of the rectangle is $P = 2(8 + 5) = 26$.""", "26", True, "P = expression = value")
add(c, r"""The legs of the right triangle are $6$ and $8$, so the area is $\frac{1}{2} \cdot 6 \cdot 8 = 24$.""",
    "24", True, "fraction product chain")
add(c, r"""With legs $6$ and $8$, the area of the right triangle is $\frac{1}{2} \cdot 6 \cdot 8 = 48$.""",
    "24", False, "expression equals reference but the stated result is wrong")
add(c, r"""The number of nonempty subsets of a $10$-element set is $2^{10} - 1 = 1023$.""",
    "1023", True, "power minus one chain")
add(c, r"""The word has $10$ letters with one letter repeated twice and another repeated three times, so the number of distinct arrangements is $\frac{10!}{2!\,3!} = 302400$.""",
    "302400", True, "multinomial = value")
add(c, r"""Each of the $3$ digits can be one of $4$ values, so there are $3^4 = 81$ codes.""",
    "64", False, "base and exponent swapped")
add(c, r"""Awarding gold, silver, and bronze among $5$ finalists gives $P(5,3) = 5 \cdot 4 \cdot 3 = 60$ possibilities.""",
    "60", True, "permutation chain")
add(c, r"""After her grandmother gives her $4$ more dollars, she has $x = 15 - 4 = 11$ dollars.""",
    "19", False, "subtracted instead of added")
add(c, r"""Choosing a $3$-person subcommittee from $10$ members, where order does not matter, gives $\binom{10}{3} = 10 \cdot 9 \cdot 8 = 720$.""",
    "120", False, "binomial evaluated as a permutation count")

# ---------------------------------------------------------------- truncated_no_answer
c = "truncated_no_answer"
T = True
add(c, r"""First, we find the common difference: $d = \frac{29 - 5}{8} = 3$. The $n$th term is then $a_n = 5 + 3(n - 1)$. To find the sum of the first $20$ terms we use $S_{20} = \frac{20}{2}(2 \cdot 5 + 19 \cdot""",
    "670", False, "cut mid-formula before the sum is computed", T)
add(c, r"""Let the width be $w$. Then the length is $2w + 3$ and the perimeter is $2(w + 2w + 3) = 6w + 6 = 36$, so $w = 5$. The length is therefore $2(5) + 3 = 13$, and the area is $5 \times""",
    "65", False, "cut right before the final product", T)
add(c, r"""We want the number of positive integers less than $1000$ divisible by $7$ but not by $11$. There are $\lfloor 999/7 \rfloor = 142$ multiples of $7$. Among these, the multiples of $77$ number $\lfloor 999/77 \rfloor = 12$. So we subtract to get""",
    "130", False, "cut before the subtraction result", T)
add(c, r"""Setting $f'(x) = 3x^2 - 12 = 0$ gives $x = \pm 2$. We evaluate $f(2) = 8 - 24 + 5 = -11$ and $f(-2) = -8 + 24 + 5 = 21$. Since the question asks for the maximum on $[-3, 3]$, we also need the endpoints: $f(-3) = -27 + 36 + 5 = 14$ and $f(3) = 27 - 36""",
    "21", False, "reference value appears as a candidate; cut before comparison", T)
add(c, r"""Note that $x^2 + y^2 = (x + y)^2 - 2xy = 49 - 2 \cdot 10 = 29$. Then $x^3 + y^3 = (x + y)(x^2 - xy + y^2) = 7(29 - """,
    "133", False, "cut mid-formula", T)
add(c, r"""By the Pythagorean theorem, $AC = \sqrt{AB^2 + BC^2} = \sqrt{36 + 64} = 10$. Now $M$ is the midpoint of $AC$, so $BM$ is the median to the hypotenuse, which equals half the hypotenuse. Therefore $BM = """,
    "5", False, "cut immediately before the value", T)
add(c, r"""The probability of drawing a red marble first is $\frac{4}{10}$. After that, there are $3$ red marbles left out of $9$, so the probability of a second red is $\frac{3}{9} = \frac{1}{3}$. Multiplying, the probability that both are red is $\frac{4}{10} \cdot \frac{1}{3} = \frac{2}{15}$. But the problem asks for the probability that the two marbles are the same color, so we also need the blue case: $\frac{6}{10} \cdot \frac{5}{9""",
    r"\frac{7}{15}", False, "intermediate fraction stated, cut inside a \\frac", T)
add(c, r"""We use the Euclidean algorithm: $\gcd(1071, 462) = \gcd(462, 1071 - 2 \cdot 462) = \gcd(462, 147)$. Next, $462 = 3 \cdot 147 + 21$, so this equals $\gcd(147, 21)$. Since $147 = 7 \cdot""",
    "21", False, "reference appears as a remainder; cut before conclusion", T)
add(c, r"""Let's count the arrangements of MISSISSIPPI. There are $11$ letters: one M, four I's, four S's, and two P's. The number of arrangements is $\frac{11!}{1!\,4!\,4!\,2!}$. Computing, $11! = 39916800$ and $4!\,4!\,2! = 24 \cdot 24 \cdot 2 = 1152$, so we need $39916800 / 1152$. Dividing step by step, $39916800 / 24 = 1663200$, then $1663200 / 24 = """,
    "34650", False, "long computation cut mid-division", T)
add(c, r"""Substituting $u = x^2 + 1$, $du = 2x\,dx$, the integral becomes $\frac{1}{2}\int_1^{5} u^{-1/2}\,du = \left[ u^{1/2} \right]_1^5 = \sqrt{5} - 1$. Hmm wait, let me double-check the limits: when $x = 0$, $u = 1$, and when $x = 2$, $u = """,
    r"\sqrt{5} - 1", False, "reference value in working, then re-check cut off; never committed", T)
add(c, r"""The sum of the interior angles of a polygon with $n$ sides is $180(n - 2)$. Setting $180(n - 2) = 1440$ gives $n - 2 = 8$, so""",
    "10", False, "cut one step before the value", T)
add(c, r"""We need the smallest $n$ with $2^n \equiv 1 \pmod{13}$. Computing powers: $2^1 = 2$, $2^2 = 4$, $2^3 = 8$, $2^4 = 16 \equiv 3$, $2^5 \equiv 6$, $2^6 \equiv 12$, $2^7 \equiv 11$, $2^8 \equiv 9$, $2^9 \equiv 5$, $2^{10} \equiv 10$, $2^{11} \equiv 7$, $2^{12} \equ""",
    "12", False, "reference number in a list of powers; cut mid-command", T)
add(c, r"""Janet's ducks lay 16 eggs per day. She eats 3 for breakfast and uses 4 for muffins, so she has 16 - 3 - 4 = 9 eggs left. She sells each egg for $2, so she makes 9 * """,
    "18", False, "GSM8K-style plain text cut mid-product", T)
add(c, r"""<think>
Okay, so I need to find the number of trailing zeros in $100!$. The number of trailing zeros equals the number of factors of 5, since there are more factors of 2. So floor(100/5) = 20, floor(100/25) = 4, floor(100/125) = 0. Total is 20 + 4 = 24. Hmm, but wait, let me make sure I'm not missing anything with the factors of 2. The number of factors of 2 is floor(100/2) + floor(100/4) + ... = 50 + 25 + 12 + 6 + 3 + 1 = 97, which is way more than""",
    "24", False, "cut inside an unclosed <think> block; reference appears in the thinking", T)
add(c, r"""To find the inverse, we first compute the determinant: $\det = (4)(3) - (7)(2) = 12 - 14 = -2$. Then the inverse is $\frac{1}{-2}\begin{pmatrix} 3 & -7 \\ -2 & """,
    r"\begin{pmatrix} -\frac{3}{2} & \frac{7}{2} \\ 1 & -2 \end{pmatrix}", False, "cut inside a pmatrix", T)
add(c, r"""Squaring both sides gives $x + 1 = x^2 - 2x + 1$, i.e. $x^2 - 3x = 0$, so $x = 0$ or $x = 3$. Since squaring can introduce extraneous roots, we check each. For $x = 0$: the left side is $\sqrt{1} = 1$ but the right side is $-1$, so""",
    "3", False, "reference among candidates; cut during the extraneous-root check", T)

# ---------------------------------------------------------------- truncated_after_answer
c = "truncated_after_answer"
add(c, r"""Let $n$ be the number of students. Then $n - \frac{n}{3} - \frac{n}{4} = 5$, so $\frac{5n}{12} = 5$ and $n = 12$. Therefore the answer is $\boxed{12}$.

Let me double-check: if there are $12$ students, then $\frac{12}{3} = 4$ are in the chess club and $\frac{12}{4} = 3$ are in the art club, leaving""",
    "12", True, "boxed correct answer, then cut during verification", T)
add(c, r"""Combining like terms, $5x = 35$ so $x = 7$. The answer is $\boxed{7}$.

**Verification:** Plugging $x = 7$ into the original equation: $3(7) + 2(7) = 21 + 14 = 35$. ✓ Also checking the second condition, $x - 2 = """,
    "7", True, "boxed correct answer, cut inside a verification formula", T)
add(c, r"""The given line $y = 2x + 1$ has slope $2$, so a perpendicular line has slope $-\frac{1}{2}$. So the final answer is $\boxed{-\frac{1}{2}}$.

To verify, note that the slopes of perpendicular lines satisfy $m_1 m_2 = -1$. With $m_1 = 2$, we get $m_2 = -\frac{1}{2}$, and the line through""",
    r"-\frac{1}{2}", True, "boxed negative fraction, cut in a check", T)
add(c, r"""He has 15 apples and twice as many oranges, so he has 15 * 2 = 30 oranges. In total he has 15 + 30 = 45 pieces of fruit.
#### 45

Checking: 15 apples + 30 oranges = 45 pieces of fruit. And 30 is twice 15, which matches""",
    "45", True, "#### answer then cut during a check", T)
add(c, r"""Using log rules, $\log_2(x(x + 4)) = 5$, so $x^2 + 4x - 32 = 0$, giving $(x + 8)(x - 4) = 0$. Since $x > 0$ is required, $x = 4$.

Final answer: $x = 4$

Let me verify by substituting back: $\log_2(4) + \log_2(4 + 4) = 2 + 3 = 5$. Hmm, the original equation says the sum should equal $5$, so that works. But we should also check whether $x = -8$""",
    "4", True, "'Final answer:' line, then cut while checking the other root", T)
add(c, r"""The pairs that sum to $7$ are $(1,6), (2,5), (3,4), (4,3), (5,2)$, giving $5$ outcomes out of $36$. The answer is $\boxed{\frac{5}{36}}$.

Let me double check by listing the pairs again: $(1,6)$, $(2,5)$, $(3,4)$, $(4,3)$, $(5,2)$, and""",
    r"\frac{1}{6}", False, "wrong boxed answer (missed (6,1)); the check that would fix it is cut", T)
add(c, r"""The diameter is the segment from $(1, 2)$ to $(7, 10)$, so $r = 5$ and the area is $25\pi$. The answer is $\boxed{25\pi}$.

Wait, let me double check the radius. The diameter is the distance between $(1, 2)$ and $(7, 10)$, which is $\sqrt{36 + 64} = 10$, so the radius is""",
    r"25\pi", True, "boxed answer with pi, cut during a re-check", T)
add(c, r"""Using the formula, the $10$th term is $a_{10} = 3 \cdot 2^{10} = 3072$. So the answer is $3072$.

Double-checking with the first few terms: $a_1 = 3$, $a_2 = 6$, $a_3 = 12$, so $a_n = 3 \cdot 2^{n-1}$ and therefore $a_{10} = 3 \cdot 2^9 =""",
    "1536", False, "'the answer is' with an off-by-one value; correcting check is cut", T)
add(c, r"""We need $x^2 - 9 < 0$. The roots of $x^2 - 9$ are $\pm 3$, and the parabola opens upward. Thus the solution set is $\boxed{(-\infty, -3) \cup (3, \infty)}$.

Let me verify with a test point: for $x = 0$, $x^2 - 9 = -9 < 0$, so $0$ is""",
    "(-3, 3)", False, "boxed complement interval, cut during the test-point check", T)
add(c, r"""From the second equation $y = 3x - 7$; substituting into the first gives $x + 6x - 14 = 7$, so $x = 3$ and $y = 2$.

**Final Answer:** $\boxed{(3, 2)}$

*Check:* $3 + 2(2) = 7$ ✓ and $3(3) - 2 = """,
    "(3, 2)", True, "bold Final Answer with boxed pair, cut in check", T)
add(c, r"""Adding the two equations gives $2x = 6$, so $x = 3$, and then $y = 1 - 3 = -2$. Hence $(x, y) = \boxed{(-2, 3)}$.

Check in the second equation: $-2 - 3 = -5$, which does not match the right-hand side of $5$, so I""",
    "(3, -2)", False, "boxed pair in the wrong order; cut while noticing the mistake", T)
add(c, r"""Since $3^4 = 81$, we get $x = 4$, so the answer is 4.

Actually, let me double-check whether $x$ could be negative: $3^{-4} = \frac{1}{81}$, which is not""",
    "4", True, "plain 'the answer is' then cut in a check", T)
add(c, r"""The boys must occupy positions 1, 3, 5, 7 and the girls positions 2, 4, 6, so there are $4! \cdot 3! = 24 \cdot 6 = 144$ arrangements.
Final Answer: The final answer is $144$. I hope it is correct.

Let me re-examine: the number of ways to arrange $4$ boys and $3$ girls alternately is $4! \cdot 3!$, which equals""",
    "144", True, "Minerva final answer, then cut in a re-examination", T)
add(c, r"""Since the volume is $s^3 = 64$, the edge is $s = 4$.

$$\boxed{64}$$

Verifying: the cube has edge length $4$, so its surface area is $6 \cdot 4^2 = 96$, and the problem asked for the""",
    "96", False, "boxed the given volume instead of the asked surface area; reference appears in the cut check", T)
add(c, r"""She earns $12 per hour for 35 hours, so 12 * 35 = $410.
#### 410

Let me double check: 12 * 30 = 360 and 12 * 5 = 60, so 360 + 60 =""",
    "420", False, "#### with an arithmetic error, cut during the check", T)
add(c, r"""There are $\binom{5}{2} = 10$ ways to choose two balls, and $\binom{3}{2} = 3$ of them are both red. The answer is $\boxed{\dfrac{3}{10}}$.

As a sanity check, the complementary probability is $\frac{7}{10}$, and $\frac{3}{10} + \frac{7}{10} = 1$, which""",
    r"\frac{3}{10}", True, "boxed \\dfrac, cut in a sanity check", T)

# ---------------------------------------------------------------- no_final_statement
c = "no_final_statement"
add(c, r"""The quadratic $x^2 - 10x + 21 = 0$ factors as $(x - 3)(x - 7) = 0$, giving candidates $x = 3$ and $x = 7$. However, the original equation contains $\sqrt{x - 5}$, so not every candidate is admissible. We need to check each candidate against the domain restriction and the original equation before deciding which one is the actual solution.""",
    "7", False, "reference appears only as a candidate; ends with a plan")
add(c, r"""Setting the derivative equal to zero, $f'(x) = 2x - 14 = 0$ gives the critical point $x = 7$. Since $f''(x) = 2 > 0$, this critical point is a local minimum. To find the minimum value of the function, we substitute this critical point back into the original expression and simplify.""",
    "-40", False, "ends describing the last step without doing it")
add(c, r"""We have $a + b = 12$ and $ab = 35$. These are the sum and product of the roots of $t^2 - 12t + 35 = 0$. The quantity we want, $a^2 + b^2$, can be expressed in terms of the sum and the product using the identity $a^2 + b^2 = (a + b)^2 - 2ab$, so it remains to substitute the given values.""",
    "74", False, "identity stated, substitution never done")
add(c, r"""For $n = 40$, $40^2 + 40 + 41 = 40 \cdot 41 + 41 = 41^2$, which is composite. But we need to make sure that no smaller $n$ gives a composite value, which requires checking the values below $40$ or appealing to a known result about this polynomial. Let's organize that check by considering divisibility by small primes.""",
    "40", False, "reference value tested but minimality left open; no conclusion")
add(c, r"""The sum of the first $n$ positive integers is $\frac{n(n+1)}{2}$. For $n = 20$ this gives $210$. The problem, however, asks for the sum of the even integers among the first $40$ positive integers, which is twice the sum of the first $20$ positive integers. So we need to double the earlier result.""",
    "420", False, "says to double but never states the result")
add(c, r"""The area of the triangle can be computed with Heron's formula. The semi-perimeter is $s = \frac{13 + 14 + 15}{2} = 21$, and the area is $\sqrt{21 \cdot 8 \cdot 7 \cdot 6}$. The problem asks for the length of the altitude to the side of length $14$, which we can get from the relation $\text{Area} = \frac{1}{2} \cdot 14 \cdot h$ once we simplify the square root.""",
    "12", False, "method described, value never reached")
add(c, r"""We found earlier that the common ratio is $r = 3$ and the first term is $a = 2$. The question asks for the sum of the first five terms, which can be computed by the formula $S_5 = a\frac{r^5 - 1}{r - 1}$ or by adding the terms $2, 6, 18, 54, 162$ directly. Either approach works, and the direct addition also serves as a check on the formula.""",
    "242", False, "lists the terms but never adds them")
add(c, r"""Testing $x = 2$: the left side is $2^3 - 2 = 6$ and the right side is $3 \cdot 2 = 6$, so both sides agree. Testing $x = -2$ gives $-6$ on the left and $-6$ on the right, which also agree, and $x = 0$ works as well. Since the problem asks for the sum of all solutions, we should first make sure we have found every root of the cubic before adding them up.""",
    "0", False, "reference number appears as a root; sum never stated")
add(c, r"""Let me reconsider the problem. We have $12$ people, and we want to split them into $3$ groups of $4$. If the groups were labeled, the count would be $\binom{12}{4}\binom{8}{4}\binom{4}{4} = 34650$. Since the groups are unlabeled, we need to account for the fact that permuting the three groups gives the same partition.""",
    "5775", False, "intermediate labeled count only; the division is never done")
add(c, r"""The equation $|2x - 5| = 3$ splits into two cases: $2x - 5 = 3$ and $2x - 5 = -3$. The first case gives $x = 4$. The second case gives $2x = 2$. The problem asks for the product of all solutions, so we will combine the values from both cases once each has been solved completely.""",
    "4", False, "reference number appears as one root; product never stated")
add(c, r"""So the probability of getting at least one six in four rolls is $1 - \left(\frac{5}{6}\right)^4$. We can compute $\left(\frac{5}{6}\right)^4 = \frac{625}{1296}$, so the complement is what we want. It is worth noting that this probability is slightly greater than one half, which is the basis of the famous wager of the Chevalier de Méré.""",
    r"\frac{671}{1296}", False, "ends with a historical remark; complement value never stated")
add(c, r"""We know the hypotenuse is $c = 13$ and one leg is $a = 5$. By the Pythagorean theorem, $b^2 = c^2 - a^2 = 169 - 25 = 144$. To finish, we take the positive square root of this quantity, since a length must be positive.""",
    "12", False, "stops at b^2 = 144; square root never stated")
add(c, r"""The possible remainders when a perfect square is divided by $4$ are $0$ and $1$, since $(2k)^2 = 4k^2$ and $(2k+1)^2 = 4k^2 + 4k + 1$. The number $2023$ leaves remainder $3$ when divided by $4$. This observation is the key to deciding whether $2023$ can be written as a sum of two squares.""",
    "0", False, "reference number appears as a remainder; the count is never concluded")
add(c, r"""Let the three consecutive integers be $n - 1$, $n$, and $n + 1$. Their sum is $3n = 72$, so $n = 24$. The problem asks for the largest of the three integers, which is the one we get by adding one to the middle integer.""",
    "25", False, "describes the last step in words without a value")
add(c, r"""Let $x$ be the number of nickels. Then there are $x + 6$ dimes, and the total value in cents is $5x + 10(x + 6) = 15x + 60 = 195$. Solving gives $15x = 135$, so $x = 9$. The question asks for the number of dimes, which is six more than the number of nickels.""",
    "15", False, "reference number appears as a coefficient; number of dimes never stated")
add(c, r"""Since the matrix is upper triangular, its eigenvalues are the diagonal entries, $2$ and $5$. The determinant of a matrix is the product of its eigenvalues, and the trace is their sum. Using these facts we can immediately read off the quantity requested.""",
    "10", False, "ends with a claim that the answer can be read off")

# ---------------------------------------------------------------- think_blocks
c = "think_blocks"
add(c, r"""<think>
Two numbers sum to 20 and differ by 4. So x + y = 20, x - y = 4, 2x = 24, x = 12, y = 8. Product is 96.
</think>

The two numbers are $12$ and $8$, so their product is $\boxed{96}$.""", "96", True, "think then boxed answer")
add(c, r"""<think>
We want the remainder of 3^{20} mod 5. 3^4 = 81 ≡ 1 mod 5, so 3^{20} = (3^4)^5 ≡ 1.
</think>

The remainder is 1.""", "1", True, "think then a bare prose answer")
add(c, r"""<think>
Slope between (2, 3) and (6, 11): (11 - 3)/(6 - 2) = 8/4 = 2. So the line is y - 3 = 2(x - 2), y = 2x - 1. The y-intercept is -1.
</think>

The line through the two points has slope $2$ and $y$-intercept $\boxed{1}$.""",
    "-1", False, "think has the reference but the final boxed value drops the sign")
add(c, r"""<think>
The number of diagonals of a decagon is n(n-3)/2 = 10*7/2 = 35. Wait, is it n(n-3)/2? Each vertex connects to n-3 others by a diagonal, and each diagonal is counted twice, so yes. 35.
</think>

A decagon has $\frac{10 \cdot 7}{2} = 35$ diagonals.

**Final Answer**
\boxed{35}""", "35", True, "**Final Answer** heading with bare \\boxed on its own line")
add(c, r"""<think>
P(at least one head in 3 flips) = 1 - P(no heads) = 1 - 1/8 = 7/8. Hmm, first I thought 3/8 but that's exactly one head. The question says at least one, so 7/8.
</think>

The probability of at least one head is $1 - \left(\tfrac{1}{2}\right)^3 = \tfrac{7}{8}$.""",
    r"\frac{7}{8}", True, "wrong value considered inside think; final correct")
add(c, r"""<think>
Sum of the first 50 positive odd numbers: 1 + 3 + ... + 99. Number of terms 50, average (1 + 99)/2 = 50, so sum = 50 * 50 = 2500. Hmm, wait, maybe the last term is 97, then 49 terms and the sum is 49^2 = 2401. Let me go with 49 terms.
</think>

The sum is $\boxed{2401}$.""", "2500", False, "think reaches the reference, then switches to a wrong final")
add(c, r"""<think>
Let me find the LCM of 12 and 18. 12 = 2^2 * 3, 18 = 2 * 3^2. LCM = 2^2 * 3^2 = 36.
</think>

The least common multiple of 12 and 18 is 36.""", "36", True, "final prose sentence after think")
add(c, r"""<think>
84 = 2^2 * 3 * 7, 126 = 2 * 3^2 * 7. Common factors: 3 * 7 = 21.
</think>

**Answer:** $\gcd(84, 126) = 21$""", "42", False, "forgot the common factor 2; bold Answer marker")
add(c, r"""<think>
|x - 2| < 5 means -5 < x - 2 < 5, so -3 < x < 7.
</think>

The solution set is $(-3, 7)$.""", "(-3,7)", True, "interval after think")
add(c, r"""<think>
x^2 - 4x - 5 ≤ 0 → (x - 5)(x + 1) ≤ 0 → between the roots.
</think>

So $x \in (-1, 5)$.""", "[-1,5]", False, "open interval where the reference is closed")
add(c, r"""<think>
Midpoint of (−4, 6) and (10, −2): ((−4 + 10)/2, (6 − 2)/2) = (3, 2).
</think>

The midpoint is $\boxed{(3, 2)}$.""", "(3,2)", True, "unicode minus signs in think; boxed pair")
add(c, r"""<think>
How many ways to arrange the letters of BANANA? There are 3 A's, so 6!/3! = 720/6 = 120.
</think>

There are $\boxed{120}$ distinct arrangements.""", "60", False, "forgot the repeated N's")
add(c, r"""<think>
We need the number of positive divisors of 360. 360 = 2^3 * 3^2 * 5. Number of divisors = (3+1)(2+1)(1+1) = 24. Let me double check the factorization: 8 * 45 = 360, 45 = 9 * 5. Yes.
</think>

Since $360 = 2^3 \cdot 3^2 \cdot 5$, the number of positive divisors is $(3+1)(2+1)(1+1) = 24$.

Final answer: 24""", "24", True, "plain 'Final answer:' line after think")
add(c, r"""<think>
Rectangle with perimeter 30 and length 9: width = 15 - 9 = 6. Area = 9 * 6 = 54.
</think>

The width of the rectangle is $\boxed{6}$.""", "54", False, "reference in think, final gives the width instead of the asked area")
add(c, r"""<think>
1/2 + 1/3 = 3/6 + 2/6 = 5/6.
</think>

$\frac{1}{2} + \frac{1}{3} = \frac{3}{6} + \frac{2}{6} = \boxed{\frac{5}{6}}$""", r"\frac{5}{6}", True, "boxed fraction at the end of a chain after think")
add(c, r"""<think>
det [[3, 8], [4, 6]] = 3*6 - 8*4 = 18 - 32 = 14.
</think>

The determinant is $\boxed{14}$.""", "-14", False, "sign slip in think carried to the final")

# ---------------------------------------------------------------- gsm8k_style
c = "gsm8k_style"
add(c, r"""Maria sold 56/2 = <<56/2=28>>28 bracelets in May.
Maria sold 56+28 = <<56+28=84>>84 bracelets altogether in April and May.
#### 84""", "84", True, "calculator annotations and ####")
add(c, r"""Tom earns 18/60 = $<<18/60=0.3>>0.3 per minute.
Working 40 minutes, he earned 0.3 x 40 = $<<0.3*40=12>>12.
#### 12""", "12", True, "dollar amounts in annotations and ####")
add(c, r"""The bakery made 3 batches of 24 cookies, so it made 3 * 24 = 72 cookies. It sold 50 of them, leaving 72 - 50 = 22 cookies. The answer is 22.""",
    "22", True, "'The answer is N.'")
add(c, r"""Each box has 12 pencils and there are 8 boxes, so there are 12 * 8 = 96 pencils. After giving away 30, she has 96 - 30 = 64 pencils left.
#### 64""", "66", False, "subtraction slip before ####")
add(c, r"""The car travels 65 miles each hour for 4 hours, which is 65 * 4 = 260 miles. Then it travels another 45 miles. So the car traveled 305 miles in total.""",
    "305", True, "final sentence with number and unit, no marker")
add(c, r"""John buys 3 shirts at $15 each, which costs 3 * 15 = $45. He also buys 2 pairs of pants at $25 each, which costs 2 * 25 = $50. In total, he spends 45 + 50 = $85. The answer is 85.""",
    "95", False, "addition slip; 'The answer is'")
add(c, r"""Mary has 5 more than twice as many stickers as Tom. Tom has 14, so Mary has 2 * 14 + 5 = 33 stickers. Together they have 14 + 33 = 47 stickers.
#### 47""", "47", True, "#### after two-step reasoning")
add(c, r"""The farmer has 24 cows and 3 times as many chickens, so he has 24 * 3 = <<24*3=72>>72 chickens.
#### 72""", "96", False, "stops one step early (chickens only, total animals asked)")
add(c, r"""The jacket costs $80 and is discounted by 25%, so the discount is 80 * 0.25 = $20. The sale price is 80 - 20 = $60.
#### 60""", "60", True, "percent discount, ####")
add(c, r"""A dozen eggs is 12 eggs, so 5 dozen is 5 * 12 = 60 eggs. She uses 18 eggs for baking, leaving 60 - 18 = 42 eggs. She then sells half of them: 42 / 2 = 21 eggs.
The answer is 21.""", "21", True, "'The answer is' on its own line")
add(c, r"""The pool holds 600 gallons and fills at 15 gallons per minute, so it takes 600 / 15 = 40 minutes to fill. In hours that is 40 / 60 = 0.75 hours.
#### 0.75""", "40", False, "converted to a wrong number of hours when minutes asked")
add(c, r"""The school has 1,200 students and 35% of them walk to school. So 1,200 * 0.35 = 420 students walk. The rest take the bus, which is 1,200 - 420 = 780 students.
#### 780""", "780", True, "comma numbers in reasoning, ####")
add(c, r"""Sam reads 15 pages a day. In two weeks, that is 15 * 7 = 105 pages.
#### 105""", "210", False, "used one week instead of two")
add(c, r"""Lisa had $50. She spent $12 on lunch and $18 on a book, which is 12 + 18 = $30 in total. She has 50 - 30 = $20 left.""",
    "20", True, "final sentence with dollar amount, no marker")
add(c, r"""The rectangular garden is 12 meters long and 8 meters wide, so the fence needed is 12 + 8 = 20 meters.
#### 20""", "40", False, "half the perimeter")
add(c, r"""Each ticket costs $7.50, and they bought 20 tickets, so the total cost is 7.50 * 20 = $150.
The answer is: 150""", "150", True, "'The answer is:' with colon")
add(c, r"""The recipe uses 2.5 cups of flour per batch, so 6 batches use 2.5 * 6 = 12.5 cups.
#### 12.5""", "15", False, "decimal multiplication slip")


# ---------------------------------------------------------------- write + checks
KEYS = ["completion", "answer", "label", "truncated", "category", "note"]
CATS = ["boxed_variants", "word_lists", "prose_final", "relations", "numbers_formats",
        "units_text", "ratios_fractions", "minerva", "chains_computations",
        "truncated_no_answer", "truncated_after_answer", "no_final_statement",
        "think_blocks", "gsm8k_style"]

with open(OUT, "w", encoding="utf-8") as f:
    for r in rows:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")

loaded = [json.loads(line) for line in open(OUT, encoding="utf-8")]
assert len(loaded) == len(rows)
assert 200 <= len(loaded) <= 240, len(loaded)

explicit_re = re.compile(r"\\boxed|\\fbox|####|[Tt]he answer is|[Ff]inal [Aa]nswer|\*\*Answer")
bad_ctrl = re.compile(r"[\x00-\x09\x0b-\x1f]")
seen = set()
for i, r in enumerate(loaded):
    assert list(r.keys()) == KEYS, (i, r.keys())
    assert isinstance(r["completion"], str) and r["completion"].strip()
    assert isinstance(r["answer"], str) and r["answer"].strip()
    assert isinstance(r["label"], bool) and isinstance(r["truncated"], bool)
    assert isinstance(r["note"], str) and r["note"]
    assert r["category"] in CATS, r["category"]
    assert r == rows[i]
    # backslashes survived and no escape sequence was eaten into a control char
    assert not bad_ctrl.search(r["completion"]), (i, r["completion"][:60])
    assert not bad_ctrl.search(r["answer"]), (i, r["answer"])
    assert r["completion"] not in seen, ("duplicate", i)
    seen.add(r["completion"])
    has_explicit = bool(explicit_re.search(r["completion"]))
    if r["truncated"] and not has_explicit:
        assert r["label"] is False, ("truncated without explicit answer must be false", i)
    if r["category"] == "truncated_no_answer":
        assert r["truncated"] and not r["label"] and not has_explicit, i
    if r["category"] == "truncated_after_answer":
        assert r["truncated"] and has_explicit, i
    if r["category"] == "no_final_statement":
        assert not r["truncated"] and not r["label"], i
    if r["category"] not in ("truncated_no_answer", "truncated_after_answer"):
        assert not r["truncated"], i

# spot check: backslashes preserved
assert any("\\frac" in r["completion"] for r in loaded)
assert any(r["answer"].startswith("\\frac") for r in loaded)

stats = defaultdict(Counter)
for r in loaded:
    s = stats[r["category"]]
    s["rows"] += 1
    s["true"] += r["label"]
    s["false"] += not r["label"]
    s["truncated"] += r["truncated"]

print(f"{'category':<24}{'rows':>6}{'true':>6}{'false':>6}{'trunc':>7}")
tot = Counter()
for cat in CATS:
    s = stats[cat]
    print(f"{cat:<24}{s['rows']:>6}{s['true']:>6}{s['false']:>6}{s['truncated']:>7}")
    tot.update(s)
print(f"{'TOTAL':<24}{tot['rows']:>6}{tot['true']:>6}{tot['false']:>6}{tot['truncated']:>7}")
print("wrote", OUT)
