"""Generate tests/data/math_verify_holdout.jsonl: a hand-labeled holdout set for the
math answer verifier. Written independently of the verifier and its dev set.

Each row: completion (end of a model's chain of thought), answer (MATH-500 /
GSM8K reference), label (would a careful human grader accept it), category, note.
Labels are human judgement; `chk` pairs (sympy syntax) are sanity checks only.
Run: python tests/data/make_math_verify_holdout.py
"""
import json
import os
from collections import Counter

import sympy as sp

ROWS = []


def R(completion, answer, label, category, note, chk=None):
    ROWS.append(dict(completion=completion, answer=answer, label=label,
                     category=category, note=note, chk=chk))


T, F = True, False

# ---------------------------------------------------------------- numeric_format
c = "numeric_format"
R(r"Since $196 = 2^2 \cdot 7^2$, the number of divisors is $(2+1)(2+1)$. So 196 has nine positive divisors.", "9", T, c, "number word")
R(r"With $n \equiv 2$, the factors are $4, 6, 8 \equiv 1 \pmod 7$, so the product is $24 \equiv 3$. The remainder is $\boxed{3.0}$.", "3", T, c, "3.0 for 3")
R(r"The quadratic factors as $(x+1)(x^2 + (a-1)x + 1)$, which needs $(a-1)^2 \ge 4$, i.e. $a \ge 3$. Smallest value: $\boxed{3/1}$.", "3", T, c, "3/1 for 3")
R(r"Treat the boys as a block: $7! \cdot 2! = \boxed{10080}$.", "10,\\!080", T, c, "ref has \\! comma")
R(r"Treat the boys as a block: $7! \cdot 2! = 5040 \cdot 2 = \boxed{10,800}$.", "10,\\!080", F, c, "arith slip 10800 vs 10080")
R(r"The number must end in 00 and its digit sum must be a multiple of 9, giving $\boxed{1111111100}$.", "11,\\! 111,\\! 111,\\! 100", F, c, "one fewer 1")
R(r"$(513-487)(513+487) = 26 \cdot 1000 = \boxed{26\,000}$", "26000", T, c, "thin space separator")
R(r"So the decimal is $\boxed{6.72 \times 10^{-5}}$.", ".0000672", T, c, "scientific notation", ("6.72*10**-5", "0.0000672"))
R(r"$\frac{21 \cdot 32}{10^6} = \boxed{0.000672}$", ".0000672", F, c, "off by factor 10")
R(r"We get $b = 1.3$ and $c = 3.6 - 1.69 = 1.91$, so $b + c \approx \boxed{3.2}$.", "3.21", F, c, "rounded")
R(r"Summing the conjugate pairs gives $\boxed{−1}$.", "-1", T, c, "unicode minus")
R(r"Each party can be arranged in $5!$ ways and the blocks in $3!$ ways, for $\boxed{86,400}$ seatings.", "28800", F, c, "forgot rotations")

R(r"$2004 = 12 \cdot 167$, so the remainder is zero.", "0", T, "numeric_format", "zero in words")
R(r"Since $\$14.40$ is 40% of the price, the original price was $\boxed{36}$.", "\\$36", T, "units_currency", "no dollar sign")
R(r"The average price of his 70s stamps is $\boxed{5.4\text{¢}}$.", "5.4 \\text{ cents}", T, "units_currency", "cent sign")
R(r"$1100 / 1000 = 1.1$, so they make $\boxed{10\%}$ more per day now.", "10", T, "percent", "percent sign")

# ---------------------------------------------------------------- units_currency
c = "units_currency"
R(r"$\pi r^2 h = 45\pi$ with $r = 3$ gives $h = 5$. So the height is $\boxed{5\text{ cm}}$.", "5", T, c, "\\text unit")
R(r"$24000 \cdot 1.01^{30} \approx 32{,}347.9$, so the answer is $\boxed{\$32,\!347}$.", "\\$32,\\!348", F, c, "off by one")
R(r"With $a = 0.15$ and $b = 0.40$, the 3 inch cube costs $54(0.15) + 27(0.40) = \boxed{18.90}$.", "\\$18.90", T, c, "no dollar sign")
R(r"The sale price is 40% of the original, so the original price was $\$14.40 / 0.4 = \$36.00$.", "\\$36", T, c, "$36.00 unboxed")
R(r"The original price was $\$14.40 / 0.6 = \boxed{\$24}$.", "\\$36", F, c, "classic percent error")
R(r"Area $= \frac12 \cdot 10 \cdot 3 = \boxed{15 \text{ cm}^2}$", "15\\mbox{ cm}^2", T, c, "text vs mbox")
R(r"One cubic foot means each edge is 12 inches, so the surface area is $12^2 = \boxed{144 \text{ square inches}}$.", "864 \\mbox{ inches}^2", F, c, "one face only")
R(r"Therefore $\angle BAC = \boxed{\frac{270}{7}}$.", "\\frac{270}7\\text{ degrees}", T, c, "unit dropped")
R(r"She sells $16 - 3 - 4 = 9$ eggs, making $9 \times 2 = \$18$." "\n#### 18", "18", T, c, "gsm #### format")
R(r"It takes three bolts of fiber in total.", "3", T, c, "number word + unit")
R(r"She eats $3 \times 28 = 84$ eggs, which is $\boxed{7 \text{ dozen}}$.", "7", T, c, "dozen unit")
R(r"She eats $3 \times 7 \times 4 = \boxed{84}$ eggs in 4 weeks.", "7", F, c, "eggs not dozens")
R(r"The morning temperature was $\boxed{-3\,^\circ\mathrm{C}}$.", "-3", T, c, "negative degC")
R(r"$2 - 8 + 3 = -3$, so it was $\boxed{3^\circ C}$ in the morning.", "-3", F, c, "sign dropped")

# ---------------------------------------------------------------- percent
c = "percent"
R(r"So $\boxed{60\%}$ of the students enrolled in hip-hop.", "60", T, c, "percent sign")
R(r"12 of the 20 students chose hip-hop, so sixty percent of the students enrolled in hip-hop dance.", "60", T, c, "words")
R(r"$\frac{7}{20} = \boxed{35\%}$", "35", T, c, "percent")
R(r"$\frac{7}{20} = 0.35$, so $\boxed{0.35\%}$ of the puppies have spots.", "35", F, c, "0.35% wrong")
R(r"$40\% \times 20\% = \boxed{8\%}$", "8", T, c, "percent")
R(r"$40\% \times 80\% = \boxed{32\%}$", "8", F, c, "industrial not non-industrial")
R(r"Now they make $1100$ vs $1000$ before, i.e. $\boxed{110\%}$ of before.", "10", F, c, "ratio not increase")
R(r"The new area is $0.6 \cdot 1.5 = 0.9$ of the original, so it decreases by $\boxed{10\%}$.", "10", T, c, "percent sign")
R(r"The new area is $0.6 \cdot 1.5 = 0.9$ of the square, i.e. $\boxed{90\%}$.", "10", F, c, "remaining not decrease")
R(r"He drills 4 and caps 11, so 15 of 30 teeth: $\boxed{15}$.", "50", F, c, "count not percent")

# ---------------------------------------------------------------- latex_frac_sqrt
c = "latex_frac_sqrt"
R(r"$f(-2) + f(-1) + f(0) = 2 + \frac53 + 1 = \boxed{\dfrac{14}{3}}$", "\\frac{14}{3}", T, c, "dfrac")
R(r"$2 + \frac{4}{3} + 1 = \boxed{\frac{13}{3}}$", "\\frac{14}{3}", F, c, "near miss")
R(r"$\frac{3}{\sqrt{27}} = \frac{3}{3\sqrt3} = \boxed{\frac{1}{\sqrt{3}}}$", "\\frac{\\sqrt{3}}{3}", T, c, "unrationalized", ("1/sqrt(3)", "sqrt(3)/3"))
R(r"$\frac{3}{\sqrt{27}} = \boxed{\frac{\sqrt3}{2}}$", "\\frac{\\sqrt{3}}{3}", F, c, "wrong denominator")
R(r"$\sqrt{6^2 + 9^2} = \boxed{\sqrt{117}}$", "3\\sqrt{13}", T, c, "unsimplified radical", ("sqrt(117)", "3*sqrt(13)"))
R(r"$\sqrt{242} = \boxed{2\sqrt{11}}$", "11\\sqrt2", F, c, "swapped")
R(r"Therefore $9 \& 2 = \boxed{\frac{3}{4}\sqrt{3}}$.", "\\frac{3\\sqrt{3}}{4}", T, c, "coefficient form")
R(r"The horizontal asymptote is at $y = \boxed{1.\overline{3}}$.", "\\frac43", T, c, "repeating decimal")
R(r"The ratio of accelerations is $\frac{150}{200} = \boxed{0.75}$.", "\\frac 34", T, c, "exact decimal")
R(r"$\binom{7}{4}\left(\frac15\right)^4\left(\frac45\right)^3 = \boxed{0.028672}$", "\\frac{448}{15625}", T, c, "exact decimal", ("0.028672", "448/15625"))
R(r"The greatest value is $\boxed{\frac{-35}{9}}$.", "-\\frac{35}{9}", T, c, "sign in numerator")
R(r"The radius is $r^2 = 5$, so $\boxed{5}$.", "\\sqrt{5}", F, c, "r^2 not r")
R(r"$$\displaystyle \boxed{\frac{3}{56}}$$", "\\frac{3}{56}", T, c, "displaystyle")
R(r"Heron's formula with $s = 8$: $\sqrt{8 \cdot 3 \cdot 3 \cdot 2} = \boxed{12 \text{ sq units}}$.", "12", T, "units_currency", "sq units")
R(r"The favorable region has area $4.5$ out of $9$, so the probability is $\boxed{\frac12}$.", "\\frac{1}{2}", T, c, "frac12 compact")
R(r"$\frac{3}{\sqrt{27}} = \frac{1}{\sqrt3} = \boxed{\sqrt{3}/3}$", "\\frac{\\sqrt{3}}{3}", T, c, "sqrt slash")
R(r"The constant term is $\boxed{-\,125}$.", "-125", T, c, "thin space after minus")
R(r"$1 - \frac{5}{18} = \boxed{\mathbf{\frac{13}{18}}}$", "\\frac{13}{18}", T, c, "mathbf")
R(r"$4^x = 8$ means $2^{2x} = 2^3$, so $\boxed{4^{3/2}}$.", "\\frac{3}{2}", F, c, "boxed the power not exponent")
R(r"$\arcsin(-\tfrac12) = \boxed{-\pi/6}$", "-\\frac{\\pi}{6}", T, c, "slash pi")
R(r"$\arcsin(-\tfrac12) = \boxed{\frac{11\pi}{6}}$", "-\\frac{\\pi}{6}", F, c, "outside arcsin range")
R(r"$DE = \sqrt{10^2 - 7^2} = \boxed{\sqrt{51}} \approx 7.14$", "\\sqrt{51}", T, c, "exact then approx")

R(r"By symmetry the region closer to $O$ is half the rectangle, so the probability is $\boxed{0.5}$.", "\\frac{1}{2}", T, c, "exact decimal")
R(r"Brahmagupta's best reply gives $\max_y z = 4x^2 + \frac{(4x+3)^2}{4}$, which is minimized at $x = \boxed{-0.375}$.", "-\\frac{3}{8}", T, c, "exact negative decimal")
R(r"The maximum value is $\boxed{1}$, attained e.g. at $x = 1$, $y = 0$.", "1", T, "trailing_text", "trailing values")

# ---------------------------------------------------------------- pi_expr
c = "pi_expr"
R(r"The wheel's circumference is $18\pi$ inches, so the speed is $\boxed{12\pi \text{ inches per second}}$.", "12\\pi", T, c, "pi with unit")
R(r"The volume is $\boxed{288}$.", "288 \\pi", F, c, "missing pi")
R(r"The perimeter is $9 \cdot 2 + 2\pi \cdot 1 = \boxed{2\pi + 18}$.", "18+2\\pi", T, c, "commuted")
R(r"So the perimeter of $S$ is $\boxed{18 + \pi}$.", "18+2\\pi", F, c, "near miss")
R(r"The largest area is $\boxed{\frac{20{,}000}{\pi}}$ square meters.", "\\frac{20000}{\\pi}", T, c, "braced comma in frac")
R(r"The smallest possible value is $\boxed{c = \pi}$.", "\\pi", T, c, "c= prefix")

# ---------------------------------------------------------------- approximation
c = "approximation"
R(r"So the smallest possible $c$ is $\boxed{3.14}$.", "\\pi", F, c, "pi approx")
R(r"Alice's probability of winning is $\boxed{0.667}$.", "\\frac{2}{3}", F, c, "rounded")
R(r"Alice wins with probability $\boxed{0.\overline{6}}$.", "\\frac{2}{3}", T, c, "repeating decimal exact")
R(r"The probability is $\boxed{0.34}$.", "\\dfrac{17}{50}", T, c, "exact decimal")
R(r"There are 33 multiples of 3, so the probability is $\boxed{0.33}$.", "\\dfrac{33}{100}", T, c, "exact decimal looks rounded")
R(r"$|w| = \frac{5}{13} \approx \boxed{0.385}$", "\\frac{5}{13}", F, c, "boxed the approximation")
R(r"$\boxed{\frac{8}{21} \approx 0.381}$", "\\frac{8}{21}", T, c, "exact with approx in box")
R(r"The shortest path is $\sqrt{452} \approx \boxed{21.26}$ feet.", "2\\sqrt{113}", F, c, "decimal approx of radical")
R(r"$\sqrt{452} = 2\sqrt{113} \approx 21.26$ feet, so the answer is $\boxed{2\sqrt{113}}$.", "2\\sqrt{113}", T, c, "exact boxed after approx")
R(r"The speed is $12\pi \approx \boxed{37.7}$ inches per second.", "12\\pi", F, c, "approx of pi multiple")
R(r"$\angle BAC = \frac{270}{7} \approx \boxed{38.57^\circ}$", "\\frac{270}7\\text{ degrees}", F, c, "rounded degrees")

# ---------------------------------------------------------------- interval
c = "interval"
R(r"This happens exactly when $\boxed{(3, 4]}$.", "(3,4]", T, c, "spacing")
R(r"So $\lambda \in \boxed{[3,4]}$.", "(3,4]", F, c, "closed left end")
R(r"Therefore the values are $\boxed{3 < \lambda \le 4}$.", "(3,4]", T, c, "inequality form")
R(r"The domain is $\boxed{(-\infty, 2] \cup [3, \infty)}$.", "(-\\infty, 2) \\cup (3, \\infty)", F, c, "closed ends (sqrt in denominator)")
R(r"We need $x^2 - 5x + 6 > 0$, i.e. $\boxed{x<2 \text{ or } x>3}$.", "(-\\infty, 2) \\cup (3, \\infty)", T, c, "inequality or-form")
R(r"The solution set is $\boxed{(0,36)}$.", "(0,9) \\cup (9,36)", F, c, "missed excluded point")
R(r"$x^2 - 5x - 14 \le 0$, so $\boxed{[-2,7]}$.", "x \\in [-2,7]", T, c, "ref has x in")
R(r"$x^2 - 5x - 14 \le 0$, so $\boxed{[-2, 7)}$.", "x \\in [-2,7]", F, c, "half open")
R(r"Both inequalities give $\boxed{\left(0.6, \tfrac{8}{3}\right]}$.", "\\left(\\frac{3}{5},\\frac{8}{3}\\right]", T, c, "decimal endpoint")
R(r"Both inequalities give $\boxed{\left(\frac35, \frac83\right)}$.", "\\left(\\frac{3}{5},\\frac{8}{3}\\right]", F, c, "open right")
R(r"So $\boxed{(-3, 3)}$.", "(-\\sqrt{3}, \\sqrt{3})", F, c, "missing sqrt")
R(r"The domain is $\boxed{(2,102)}$.", "(2,12) \\cup (12,102)", F, c, "missed hole")
R(r"So the solution is $\boxed{x > 5}$.", "(5,\\infty)", T, c, "inequality")

R(r"Since $0 < \sqrt{\sin x} \le 1$, the range is $\boxed{y \le 0}$.", "(-\\infty, 0]", T, c, "inequality for range")

# ---------------------------------------------------------------- tuple
c = "tuple"
R(r"The polar coordinates are $\boxed{(3, \pi/2)}$.", "\\left( 3, \\frac{\\pi}{2} \\right)", T, c, "slash")
R(r"The polar coordinates are $\boxed{\left(\frac{\pi}{2}, 3\right)}$.", "\\left( 3, \\frac{\\pi}{2} \\right)", F, c, "swapped")
R(r"The polar coordinates are $\boxed{\left(3, \frac{3\pi}{2}\right)}$.", "\\left( 3, \\frac{\\pi}{2} \\right)", F, c, "wrong angle")
R(r"Therefore $\boxed{(a,b) = (-2, 1)}$.", "(-2,1)", T, c, "labeled pair")
R(r"Therefore $\boxed{(1,-2)}$.", "(-2,1)", F, c, "swapped")
R(r"The point is $P = (8, -2)$.", "(8,-2)", T, c, "unboxed")
R(r"So $(a,b,c,d) = \boxed{(1, -16, 4, 43)}$.", "(1,-16,-4,43)", F, c, "sign of one entry")
R(r"So $(a,b) = \boxed{(1.5,-13)}$.", "\\left( \\frac{3}{2}, -13 \\right)", T, c, "decimal entry")

# ---------------------------------------------------------------- set_list
c = "set_list"
R(r"So $x = 3$, $x = 5$, or $x = 7$.", "3, 5, 7", T, c, "x= or list")
R(r"The roots are $\boxed{3, 7}$.", "3, 5, 7", F, c, "missing root")
R(r"The roots are $\boxed{3}$, $\boxed{5}$, and $\boxed{7}$.", "3, 5, 7", T, c, "separately boxed")
R(r"So $n = \boxed{1}$ and $n = \boxed{-2}$.", "1,-2", T, c, "two boxes")
R(r"The real roots are $\boxed{1+\sqrt{19}, 1-\sqrt{19}}$.", "1 \\pm \\sqrt{19}", T, c, "pm expanded")
R(r"The real root is $\boxed{1 + \sqrt{19}}$.", "1 \\pm \\sqrt{19}", F, c, "one of two")
R(r"The solutions are $\boxed{3 \pm \sqrt{8}}$.", "3 \\pm 2 \\sqrt{2}", T, c, "unsimplified pm", ("3+sqrt(8)", "3+2*sqrt(2)"))
R(r"The set is $\boxed{\{-2, 1+\sqrt5, 1-\sqrt5\}}$.", "\\{1\\pm\\sqrt{5},-2\\}", T, c, "set expanded")
R(r"The set is $\boxed{\{1+\sqrt{5},1-\sqrt{5},2\}}$.", "\\{1\\pm\\sqrt{5},-2\\}", F, c, "sign of one element")
R(r"Squaring gives $x = 1$ or $x = 5$; checking, only $x = 5$ works. $\boxed{x=5}$", "x=5", T, c, "extraneous rejected")
R(r"Squaring gives $x^2 - 6x + 5 = 0$, so $\boxed{x = 1 \text{ or } x = 5}$.", "x=5", F, c, "extraneous kept")
R(r"The solution is $\boxed{5}$.", "x=5", T, c, "bare value vs x=")
R(r"The primes are 17, 53 and 71, so there are three such primes.", "3", T, c, "count in words after list")
R(r"The primes whose digits sum to 8 are $\boxed{17, 53, 71}$.", "3", F, c, "listed instead of counted")

R(r"The integers are $n = 1$ and $n = -2$.", "1,-2", T, c, "unboxed n= list")

# ---------------------------------------------------------------- matrix
c = "matrix"
V99 = "\\begin{pmatrix} -1/3 \\\\ 2/3 \\\\ 5/3 \\end{pmatrix}"
R(r"$\boxed{\begin{pmatrix} -\frac{1}{3} \\ \frac{2}{3} \\ \frac{5}{3} \end{pmatrix}}$", V99, T, c, "frac entries")
R(r"$\mathbf{v} = \boxed{\begin{bmatrix} -1/3 \\ 2/3 \\ 5/3 \end{bmatrix}}$", V99, T, c, "bmatrix")
R(r"$\mathbf{v} = \boxed{\left(-\tfrac13, \tfrac23, \tfrac53\right)}$", V99, T, c, "tuple form")
R(r"$\mathbf{v} = \boxed{\begin{pmatrix} 1/3 \\ 2/3 \\ 5/3 \end{pmatrix}}$", V99, F, c, "sign of first entry")
M248 = "\\begin{pmatrix} -1 & 0 \\\\ 0 & -1 \\end{pmatrix}"
R(r"Since $\mathbf{A}^3 = -\mathbf{I}$, the sum is $\boxed{\begin{bmatrix}-1&0\\0&-1\end{bmatrix}}$.", M248, T, c, "bmatrix")
R(r"The sum is $\boxed{\begin{pmatrix} -1 & 0 \\ 0 & 1 \end{pmatrix}}$.", M248, F, c, "one entry sign")
V420 = "\\begin{pmatrix} 16/49 \\\\ 48/49 \\\\ 24/49 \\end{pmatrix}"
R(r"$\operatorname{proj}_{\mathbf b}\mathbf a = \frac{8}{49}\mathbf b = \boxed{\frac{8}{49}\begin{pmatrix} 2 \\ 6 \\ 3 \end{pmatrix}}$", V420, T, c, "scalar times vector")
R(r"$\boxed{\begin{pmatrix} 16/7 \\ 48/7 \\ 24/7 \end{pmatrix}}$", V420, F, c, "divided by |b| not |b|^2")
R(r"$\boxed{\begin{pmatrix} -18 \\ 49 \\ 96 \end{pmatrix}}$", "\\begin{pmatrix} -18 \\\\ -49 \\\\ 96 \\end{pmatrix}", F, c, "one sign")
R(r"$\boxed{-\begin{pmatrix} 2 \\ 14 \\ 7 \end{pmatrix}}$", "\\begin{pmatrix} -2 \\\\ -14 \\\\ -7 \\end{pmatrix}", T, c, "negated factored")

# ---------------------------------------------------------------- equation
c = "equation"
R(r"The image line is $\boxed{y = 3 + 2x}$.", "y = 2x + 3", T, c, "commuted rhs")
R(r"The image line is $\boxed{y = 2x - 3}$.", "y = 2x + 3", F, c, "sign of intercept")
R(r"The plane is $\boxed{5x - 7y + 11z + 4 = 0}$.", "5x - 7y + 11z + 4 = 0", T, c, "exact")
R(r"The plane is $\boxed{5x - 7y + 11z - 4 = 0}$.", "5x - 7y + 11z + 4 = 0", F, c, "constant sign")
R(r"$\frac{2 - 2y - 5}{6} = \frac{5}{6}$ gives $-2y = 8$, so $\boxed{y = -4}$.", "-4", T, c, "y= prefix")
R(r"Squaring twice and checking, $\boxed{x = 10}$.", "10", T, c, "x= prefix")

# ---------------------------------------------------------------- expression
c = "expression"
R(r"So the double sum equals $\boxed{-q + p}$.", "p - q", T, c, "commuted")
R(r"So the double sum equals $\boxed{q - p}$.", "p - q", F, c, "negated")
R(r"The quotient is $\boxed{(x-1)(x^4+x^2+1)}$.", "x^5 - x^4 + x^3 - x^2 + x - 1", T, c, "factored equal poly", ("(x-1)*(x**4+x**2+1)", "x**5-x**4+x**3-x**2+x-1"))
R(r"The quotient is $\boxed{x^5 - x^4 + x^3 - x^2 + x + 1}$.", "x^5 - x^4 + x^3 - x^2 + x - 1", F, c, "last sign")
R(r"The expression simplifies to $\boxed{\tan x}$.", "\\cot x", F, c, "tan vs cot")
R(r"Grouping: $b(a+5) + 2(a+5) = \boxed{(b+2)(a+5)}$", "(a+5)(b+2)", T, c, "commuted factors")
R(r"Grouping gives $\boxed{(a+2)(b+5)}$.", "(a+5)(b+2)", F, c, "wrong factors")
R(r"$\frac{16 + 24a - 5 - 15a}{20} = \boxed{\frac{9a+11}{20}}$", "\\frac{11+9a}{20}", T, c, "commuted numerator")
R(r"The remainder is $\boxed{3-13x}$.", "-13x+3", T, c, "commuted")
R(r"The remainder is $\boxed{-13x-3}$.", "-13x+3", F, c, "sign")
R(r"$BC = \boxed{11(\sqrt5+1)}$", "11 \\sqrt{5} + 11", T, c, "factored", ("11*(sqrt(5)+1)", "11*sqrt(5)+11"))

# ---------------------------------------------------------------- multiple_choice
c = "multiple_choice"
R(r"A constant $z$ gives a horizontal plane. $\boxed{C}$", "\\text{(C)}", T, c, "bare letter")
R(r"$\boxed{\text{(C) Plane}}$", "\\text{(C)}", T, c, "letter + content")
R(r"Since $r$ can vary freely, it's a cylinder: $\boxed{(E)}$.", "\\text{(C)}", F, c, "wrong letter")
R(r"$x^2 - y^2 = 4$ is a hyperbola, so the answer is $\boxed{\text{(E)}}$.", "\\text{(E)}", T, c, "exact")
R(r"This is an ellipse, so $\boxed{(D)}$.", "\\text{(E)}", F, c, "wrong letter")
R(r"The smallest base gives the largest $x$: $\boxed{\textbf{(B)}\ 3(1 + r/10)^x = 7}$", "\\text{(B)}", T, c, "letter + equation")
R(r"Since $1/r$ can be small... the answer is $\boxed{\text{(E)}}$.", "\\text{(B)}", F, c, "wrong letter")

# ---------------------------------------------------------------- text
c = "text"
R(r"**Evelyn** has the greatest average speed.", "\\text{Evelyn}", T, c, "bold name in sentence")
R(r"The greatest ratio is Carla's, so $\boxed{\text{Carla}}$.", "\\text{Evelyn}", F, c, "wrong name")
R(r"$2250 = 6 \cdot 360 + 90$, so she faces $\boxed{\text{East}}$.", "\\text{east}", T, c, "case")
R(r"She ends up facing $\boxed{\text{west}}$.", "\\text{east}", F, c, "wrong direction")
R(r"Navin earns about $\$39.57$, Ian $\$39.14$, Luka $\$38.61$. So $\boxed{\text{Navin}}$.", "\\text{Navin}", T, c, "exact with numbers")
R(r"Ian earns $\$39.14$ which is the most, so $\boxed{\text{Ian}}$.", "\\text{Navin}", F, c, "wrong name")

# ---------------------------------------------------------------- degrees
c = "degrees"
R(r"The direction vectors are orthogonal, so the angle is $\boxed{90}$ degrees.", "90^\\circ", T, c, "no circ")
R(r"The angle is $\boxed{90°}$.", "90^\\circ", T, c, "unicode degree")
R(r"$\boxed{145 \text{ degrees}}$", "145^\\circ", T, c, "text degrees")
R(r"$\angle ABC = \boxed{35^\circ}$", "145^\\circ", F, c, "supplement")
R(r"$\angle AHB = 180^\circ - 106^\circ = \boxed{74^\circ}$", "106^\\circ", F, c, "supplement")
R(r"Each point angle is $\boxed{108^\circ}$.", "36^\\circ", F, c, "interior angle")
R(r"So $\angle STR = 75°$.", "75^\\circ", T, c, "unboxed unicode")
R(r"It must rotate $\frac{360^\circ}{5} = \boxed{72^\circ}$.", "72", T, c, "circ added")

# ---------------------------------------------------------------- complex
c = "complex"
R(r"$w = \boxed{-5i + 6}$", "6 - 5i", T, c, "commuted")
R(r"$w = \boxed{6+5i}$", "6 - 5i", F, c, "conjugate")
R(r"$i(7 + 2i) = 7i + 2i^2 = \boxed{7i - 2}$", "-2 + 7i", T, c, "commuted")
R(r"$i(7 + 2i) = \boxed{2 - 7i}$", "-2 + 7i", F, c, "negated")
R(r"The image is $\boxed{1-12i}$.", "1 - 12i", T, c, "spacing")

# ---------------------------------------------------------------- base
c = "base"
R(r"$6 \cdot 7 = 42 = 5 \cdot 8 + 2$, so $\boxed{52_8}$.", "52_8", T, c, "exact")
R(r"$6 \cdot 7 = 42 = 5 \cdot 8 + 2$, so the answer is $\boxed{52}$.", "52_8", T, c, "subscript dropped")
R(r"$6_8 \cdot 7_8 = \boxed{42}$", "52_8", F, c, "decimal not base 8")
R(r"$555 = 4 \cdot 125 + 2 \cdot 25 + 1 \cdot 5 + 0$, so $\boxed{4210_5}$.", "4210_{5}", T, c, "unbraced subscript")
R(r"$58_9 - 18_9 = \boxed{36}$", "40_9", F, c, "decimal value")
R(r"$58_9 - 18_9 = \boxed{40_9}$", "40_9", T, c, "exact")

# ---------------------------------------------------------------- changed_mind
c = "changed_mind"
R(r"So the answer is $\boxed{64}$. Wait — $27 = 8 + 9 + 10$ also works, and it's smaller. So the smallest is $\boxed{27}$.", "27", T, c, "corrected to right")
R(r"$27 = 8 + 9 + 10$, so $\boxed{27}$. Hmm, wait, I should double check whether the problem wants the cube itself or something larger; rechecking my list of cubes, I'll go with $\boxed{64}$.", "27", F, c, "talked out of right answer")
R(r"Pairing gives $50 \cdot (-1) = -50$. Double-check: $1 + (-2+3) + \cdots + (-98+99) - 100 = 1 + 49 - 100 = -50$. **Final answer: -50**", "-50", T, c, "verified")
R(r"Pairing gives $-50$. Hmm, wait, let me recount: since we start at 1 and end at 100 there are really 49 full pairs, so the sum is $\boxed{-49}$.", "-50", F, c, "wrong correction")
R(r"Fixing the 4 others gives $3! = 6$, and the gaps give $4 \cdot 3 \cdot 2 = 24$, so $144$. Hmm, but I think reflections are also the same, so I divide by 2: $\boxed{72}$.", "144", F, c, "correct number then halved")
R(r"The GCF is 12, and $12 + 11 = 23$. Hmm, actually the question asks for the greatest common factor itself, so the answer is $\boxed{12}$.", "23", F, c, "correct number earlier")
R(r"The GCF of 6432 and 132 is 12, and increasing by 11 gives 23.", "23", T, c, "unboxed sentence")
R(r"Since $(\sqrt7+\sqrt5)^6 + (\sqrt7-\sqrt5)^6 = 13536$ and $0 < (\sqrt7-\sqrt5)^6 < 1$, the greatest integer less than $(\sqrt7+\sqrt5)^6$ is $\boxed{13536}$.", "13535", F, c, "off by one after right reasoning")
R(r"So $-1 < x < 5$, i.e. $a = -1$ and $b = 5$. Therefore $\boxed{(-1, 5)}$.", "4", F, c, "gave interval not a+b")
R(r"So $f(3) = \boxed{2}$, since $ax^4 - bx^2 + 5$ is even.", "8", F, c, "forgot odd x term")
R(r"Initially I got $x = 40$, but I misread the ratio. With $4:3$ then $7:3$: $\frac{4k+5}{3k-3} = \frac73$ gives $k = 4$, so there were $\boxed{16}$ blue marbles.", "16", T, c, "corrected")
R(r"$\frac{4k+5}{3k-3} = \frac{7}{3}$ gives $k = 4$, so $4k = 16$ blue marbles. Adding 5 gives $\boxed{21}$ blue marbles.", "16", F, c, "answered after not before")

# ---------------------------------------------------------------- multi_candidate
c = "multi_candidate"
R(r"Vertical asymptotes: $x = 7$ and $x = -2$; horizontal asymptote $y = 0$. Thus $a + b + c = 7 + (-2) + 0 = \boxed{5}$.", "5", T, c, "other numbers before final")
R(r"**Answer:** $x = 4$ or $x = 16$ — I can't tell which reading of $4^x$ is intended.", "4", F, c, "hedged two answers")
R(r"The answer is either $\boxed{2}$ or $\boxed{3}$, depending on whether we count the vertex.", "2", F, c, "hedged boxes")
R(r"Both $n = 6$ and $n = 12$ work, but the smallest is $\boxed{6}$.", "6", T, c, "decided among candidates")
R(r"Is it $5 + 6 + 8 = 19$ or $5 \times 6 \times 8 = 240$? Since each outfit uses one of each, we multiply: $\boxed{240}$.", "240", T, c, "decided among candidates")
R(r"Candidates: 8, 9, 10. Checking $\lfloor 42/5 \rfloor + \lfloor 42/25 \rfloor = 8 + 1$, we get $\boxed{9}$.", "9", T, c, "list then decision")
R(r"$x^2 + x - 2 = 0$ gives $x = 1$ or $x = -2$. So the number is $\boxed{1}$ or $\boxed{-2}$.", "-2", F, c, "both roots boxed, smallest asked")

# ---------------------------------------------------------------- truncated
c = "truncated"
R(r"Each outfit is one shirt, one pair of pants and one hat, so by the multiplication principle the number of outfits is $5 \times 6 \times", "240", F, c, "cut before result")
R(r"The multiples are $105, 112, \ldots, 196$, 14 terms, so the sum is $\frac{14}{2}(105 + 196) = 7 \cdot 301 =", "2107", F, c, "cut before result")
R(r"By inclusion-exclusion the number taking physics is $\boxed{11", "110", F, c, "cut inside box")
R("<think>\nLet me compute the GCD. $3339 - 2961 = 378$, $2961 = 7 \\cdot 378 + 315$, $378 - 315 = 63$, $315 = 5 \\cdot 63$, so $\\gcd(3339, 2961) = 63$. Now $1491 = 23 \\cdot 63 + 42$, so $\\gcd(63, 42) =", "21", F, c, "think cut off")
R(r"Fixing the other 4 people gives $3! = 6$ arrangements; Pierre, Rosa and Thomas then choose 3 of the 4 gaps in $4 \cdot 3 \cdot 2 = 24$ ways, for a total of $6 \cdot", "144", F, c, "cut before product")

# ---------------------------------------------------------------- trailing_text
c = "trailing_text"
R(r"$\boxed{5}$ since $28 + 21 + 6 - 50 = 5$ students are counted twice.", "5", T, c, "explanation after box")
R(r"The answer is $x = 4$, because $4^4 = 2^8 = 256$.", "4", T, c, "because clause with numbers")
R(r"$\boxed{3}$, since the product has degree 4 and $x - 1$ has degree 1.", "3", T, c, "since clause")
R(r"The median is $\boxed{81}$, which is $3^7 / 27 = 3^4$.", "81", T, c, "trailing equation")
R(r"So the parabola has $\boxed{2}$ $y$-intercepts, at $y = 2 \pm \sqrt{5}$.", "2", T, c, "trailing values")
R(r"$b = \boxed{0}$, so the point is $(4, 0)$.", "0", T, c, "trailing point")
R(r"The answer is 45, the geometric mean would be 27 but the arithmetic mean is $\frac{9 + 81}{2}$.", "45", T, c, "answer first then other numbers")
R(r"Each side of the hexagon is $\boxed{7}$ inches, since the triangle's perimeter is 21 and $21/3 = 7$ (the six triangles together have $6 \cdot 21 = 126$ inches of edges).", "42", F, c, "boxed side length, other numbers trailing")
R(r"$\boxed{3^2}$, since $72 / 2^3 = 9$.", "2", F, c, "boxed the power not exponent")

# ---------------------------------------------------------------- think_block
c = "think_block"
R("<think>\nEach triangle has perimeter 21, so side 7. The hexagon has 6 sides of length 7, so 42.\n</think>\n\nThe perimeter of the hexagon is $\\boxed{42}$ inches.", "42", T, c, "think then boxed")
R("<think>\nSide is 7... hexagon perimeter 6*21 = 126? No: the hexagon's boundary uses one side of each triangle, so 6*7 = 42.\n</think>\n\n**Answer:** 126", "42", F, c, "final contradicts think")
R("<think>\nFixed points and 2-cycles: need lambda > 3, and lambda <= 4 by the constraint.\n</think>\n\n$\\boxed{(3,4]}$", "(3,4]", T, c, "think then interval")
R("<think>\nMaybe \\boxed{20}? Let me recompute: gcd is 21.\n</think>\n\nThe greatest common divisor is $\\boxed{21}$.", "21", T, c, "box inside think differs")
R("<think>\nI think it's 21.\n</think>\n\nAfter checking, the GCD is $\\boxed{7}$.", "21", F, c, "final differs from think")
R("<think>\n|5x-1| = x+3 gives x = 1 or x = -1/3. Largest is 1.\n</think>\n\nThe largest value is one.", "1", T, c, "number word after think")
R("<think>\nthe asymptotes are x=7 and x=-2, c=0\n</think>\n\n### Final Answer\n\n$a + b + c = \\boxed{5}$", "5", T, c, "markdown header")
R("<think>\nP(exactly two non-1) = C(n,2)(5/6)^2(1/6)^(n-2) = 25/216 -> n=4? check: 6*25/1296 = 25/216 yes\n</think>\n\n$n = \\boxed{4}$", "4", T, c, "think then n=")
R("<think>\n1+3+...+199 = 100^2 = 10000. 10000 mod 7 = 4.\n</think>\n\nThe remainder is $\\boxed{10000}$.", "4", F, c, "boxed the sum not remainder")


def check(rows):
    for r in rows:
        assert set(r) == {"completion", "answer", "label", "category", "note", "chk"}
        if r["chk"]:
            a, b = (sp.sympify(s, rational=True) for s in r["chk"])
            assert sp.simplify(a - b) == 0, r


def main():
    check(ROWS)
    # extra sanity checks of facts the labels rely on
    x = sp.Symbol("x")
    assert sp.expand((sp.sqrt(7) + sp.sqrt(5)) ** 6 + (sp.sqrt(7) - sp.sqrt(5)) ** 6) == 13536
    assert sp.floor((sp.sqrt(7) + sp.sqrt(5)) ** 6) == 13535
    assert round(24000 * 1.01 ** 30) == 32348
    assert sp.div(x ** 6 - 3, x + 1)[0] == x ** 5 - x ** 4 + x ** 3 - x ** 2 + x - 1
    assert sp.factorial(7) * 2 == 10080 and sp.Rational(448, 15625) == sp.Rational(28672, 10 ** 6)
    assert 11111111100 % 450 == 0 and sp.Rational(33, 100) == sp.Rational("0.33")
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "math_verify_holdout.jsonl")
    with open(out, "w") as f:
        for r in ROWS:
            row = {k: r[k] for k in ("completion", "answer", "label", "category", "note")}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    n = len(ROWS)
    nf = sum(not r["label"] for r in ROWS)
    print(f"rows: {n}  false: {nf} ({100 * nf / n:.1f}%)")
    for cat, k in sorted(Counter(r["category"] for r in ROWS).items()):
        kf = sum(1 for r in ROWS if r["category"] == cat and not r["label"])
        print(f"  {cat:16s} {k:3d}  (false {kf})")


if __name__ == "__main__":
    main()
