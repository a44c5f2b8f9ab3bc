"""Generate tests/data/math_verify_set.jsonl: a labelled set for judging math answer verifiers.

Every reference is a real MATH-500 `answer` or GSM8K `#### N` value.  Completions are built from the
real solution / chain of thought with the final answer replaced by a hand-written rewrite, so the label
is known by construction: TRUE rewrites are equivalence rules (numeric/symbolic ones re-checked with
sympy below), FALSE rewrites are near misses (checked to differ) or completions with no final answer.
No answer verifier is used to label or filter rows.  Deterministic: random.Random(0), no network.

    python tests/data/make_math_verify_set.py [DATA_DIR] [--spot]   # default /work/shared/data; --spot prints 30 rows
"""
import json
import random
import re
import sys
from collections import Counter
from fractions import Fraction
from math import gcd
from pathlib import Path

import sympy as sp
from sympy.parsing.sympy_parser import (convert_xor, implicit_multiplication_application, parse_expr, rationalize,
                                        standard_transformations)

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
DATA = Path(ARGS[0] if ARGS else "/work/shared/data")
OUT = Path(__file__).with_name("math_verify_set.jsonl")
rng = random.Random(0)
MATH = [json.loads(line) for line in open(DATA / "math500/test.jsonl")]
M = {r["unique_id"]: r for r in MATH}
GSM = [json.loads(line) for line in open(DATA / "gsm8k/test.jsonl")]
ROWS = []

def add(cat, completion, answer, label, source, note):
    ROWS.append(dict(completion=completion, answer=answer, label=label, category=cat, source=source, note=note))


# ---------------------------------------------------------------- sympy self-checks (not labels)
_TR = standard_transformations + (implicit_multiplication_application, convert_xor, rationalize)

def brace_frac(s):    # \frac12, \frac 59, \frac9{19}, \frac{270}7 -> \frac{a}{b}
    s = re.sub(r"\\([dt]?frac)\s*(\d)", r"\\\1{\2}", s)
    return re.sub(r"\\([dt]?frac)\{([^{}]*)\}\s*(\d)", r"\\\1{\2}{\3}", s)

def tex2sym(s, cplx=False):
    """Tiny LaTeX -> sympy converter for the answer shapes used here (frac, sqrt, pi, ^, cdot)."""
    s = s.strip().strip("$")
    for a, b in [("\\left", ""), ("\\right", ""), ("\\!", ""), ("\\,", ""), ("\\dfrac", "\\frac"),
                 ("\\tfrac", "\\frac"), ("\\cdot", "*"), ("\\times", "*"), ("\\pi", " pi "),
                 ("\\cot", " cot"), ("\\tan", " tan"), ("\\sin", " sin"), ("\\cos", " cos")]:
        s = s.replace(a, b)
    s = brace_frac(s)
    s = re.sub(r"\\sqrt\s*(\d+|[a-z])", r"\\sqrt{\1}", s)
    old = None
    while old != s:
        old = s
        s = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"((\1)/(\2))", s)
        s = re.sub(r"\\sqrt\{([^{}]*)\}", r"sqrt(\1)", s)
        s = re.sub(r"\^\{([^{}]*)\}", r"^(\1)", s)
    s = s.replace("{", "(").replace("}", ")")
    loc = {"pi": sp.pi, "i": sp.I if cplx else sp.Symbol("i"), "e": sp.Symbol("e")}
    return parse_expr(s, local_dict=loc, transformations=_TR)

def numval(s):
    """Value of a numeric answer with units/%, $, thousands separators, mixed numbers, x = prefix."""
    s = re.sub(r"^\s*[a-zA-Z]\s*=\s*", "", s)
    s = re.sub(r"\\(?:text|mbox|textbf|mathrm)\{\s*([-\d.]+)\s*\}", r"\1", s)
    s = re.sub(r"\\(?:text|mbox|mathrm)\{[^}]*\}(?:\^\{?[23]\}?)?|\\\$|\\?%|\^\{?\\circ\}?|°|dollars|percent|degrees|cents", "", s)
    s = brace_frac(re.sub(r"(\d)(?:,|\{,\})(?:\\!)?\s*(?=\d{3})", r"\1", s).strip())
    s = re.sub(r"(?<![\d.])(\d+)\s*(\\[dt]?frac\{\d+\}\{\d+\})", r"(\1+\2)", s)    # mixed number
    s = re.sub(r"(\d)[eE]([-+]?\d+)$", r"\1*10^{\2}", s)
    return tex2sym(s)

def same(a, b):
    return sp.simplify(numval(a) - numval(b)) == 0

def emit(cat, ref, src, make, T, F, nt, nf, check=None):
    """Add up to nt TRUE and nf FALSE rows for one reference; T/F are lists of (rewrite, note)."""
    for label, pool, n in ((True, T, nt), (False, F, nf)):
        for rw, note in rng.sample(pool, min(n, len(pool))):
            if check is not None and not note.startswith("format"):   # format-only FALSE rows
                assert check(ref, rw) == label, (cat, ref, rw, label)
            add(cat, make(rw), ref, label, src, note)


# ---------------------------------------------------------------- completion builders
def last_boxed(s, macro="\\boxed"):
    """(start, end) of the content of the last `macro{...}` group (brace-matched), or None."""
    i = s.rfind(macro + "{")
    if i < 0:
        return None
    j, depth = i + len(macro) + 1, 1
    for k in range(j, len(s)):
        depth += {"{": 1, "}": -1}.get(s[k], 0)
        if depth == 0:
            return j, k
    return None

def clean_solution(s):
    """The solution if its single box is its final statement; a long tail after the box (remarks, checks,
    [asy] code that could restate the answer) is cut at the math delimiter closing the box, else None."""
    if s.count("\\boxed") != 1:
        return None
    end = last_boxed(s)[1] + 1
    m = re.match(r"\s*(\.?\$\.?|\.?\\\]\.?)", s[end:])
    return s if len(s) - end <= 60 else (s[:end] + m.group(1) if m else None)

SOL = {uid: clean_solution(r["solution"]) for uid, r in M.items()}
SOL["test/intermediate_algebra/754.json"] = None       # its tail restates option (B)'s equation

def sol_with(uid, rw):
    s = SOL[uid]
    a, b = last_boxed(s)
    return s[:a] + rw + s[b:]

def first_sentence(s):
    first = re.split(r"(?<=[.:])\s", s, maxsplit=1)[0]
    ok = len(first) < 300 and "boxed" not in first and "[asy]" not in first
    return first if ok else "Let me work through this carefully."

def mcomp(uid, rw):
    """MATH completion ending in rw: usually the real solution with its last box replaced."""
    s = M[uid]["solution"]
    style = rng.choice(["sol"] * 6 + ["md", "short", "short2"])
    if SOL[uid] is None and style != "short2":
        style = "short"
    if style == "sol":
        return sol_with(uid, rw)
    if style == "md":
        return sol_with(uid, rw) + f"\n\n**Final answer:** ${rw}$"
    if style == "short":
        return f"The answer is $\\boxed{{{rw}}}$."
    return f"{first_sentence(s)} Working this out, the final answer is $\\boxed{{{rw}}}$."

def gref(i):
    return GSM[i]["answer"].split("####")[-1].strip()

def cot(i):
    """GSM8K chain of thought without <<calculator>> annotations and without the #### line."""
    return re.sub(r"<<[^>]*>>", "", GSM[i]["answer"]).split("\n####")[0].strip()

NUM = re.compile(r"(?<![\d.])\d+(?:,\d{3})*(?:\.\d+)?")

def swap_last_num(text, value, new):
    """Replace the last number in text equal to value (commas ignored) by new."""
    hits = [m for m in NUM.finditer(text) if Fraction(m.group().replace(",", "")) == value]
    return text if not hits else text[:hits[-1].start()] + new + text[hits[-1].end():]

def plain(rw):
    rw = re.sub(r"\\text\{([\d.]+)\}", r"\1", rw.replace("\\$", "$").replace("\\%", "%"))
    return re.sub(r"\s*\\text\{\s*([a-zA-Z ]+)\}", r" \1", rw)

def gcomp(i, rw, wrong=None):
    """GSM8K completion: real CoT (numbers changed to `wrong` for FALSE rows) + varied answer line."""
    c = cot(i) if wrong is None else swap_last_num(cot(i), Fraction(gref(i).replace(",", "")), wrong)
    end = rng.choice(["#### {p}", "The answer is {p}.", "Therefore, the final answer is $\\boxed{{{r}}}$.",
                      "**Final answer:** {p}", "\\boxed{{{r}}}"])
    return c + "\n" + end.format(p=plain(rw), r=rw)

def gsrc(i):
    return f"gsm8k:test:{i}"

def msrc(uid):
    return f"math500:{uid}"

def by(pattern):
    return [r["unique_id"] for r in MATH if re.fullmatch(pattern, r["answer"])]

def pick(pool, k):
    return rng.sample(pool, min(k, len(pool)))


# ---------------------------------------------------------------- hand-written tables: "uid | TRUE ; TRUE | FALSE ; FALSE"
def table(cat, text, nt=2, nf=2, check=None, tnote="equivalent form", fnote="near miss"):
    for line in filter(str.strip, text.strip().splitlines()):
        uid, T, F = [x.strip() for x in line.split(" | ")]
        uid = f"test/{uid}.json"
        items = lambda s, d: [(x.split(" # ")[0].strip(), (x.split(" # ") + [d])[1].strip()) for x in s.split(" ; ") if x]
        emit(cat, M[uid]["answer"], msrc(uid), lambda rw: mcomp(uid, rw), items(T, tnote), items(F, fnote), nt, nf, check)


# ---------------------------------------------------------------- integer
def int_rewrites(v, money):
    T = [(f"{v}.00", "trailing .00"), (f"{v}.0", "trailing .0")] + [(f"\\text{{{v}}}", "\\text{} wrapper")] * (v >= 0)
    if abs(v) >= 1000:
        T.append((f"{v:,}", "thousands commas"))
    if money:
        T += [(f"\\${v}", "dollar sign"), (f"{v} \\text{{ dollars}}", "unit word dollars"),
              (f"\\${v}.00", "dollar sign + .00")]
    F = [(str(v + 1), "near miss: +1"), (str(v - 1), "near miss: -1")]
    if v:
        F += [(str(-v), "near miss: sign flip"), (str(10 * v), "near miss: x10")]
    d = str(abs(v))
    if len(d) >= 2 and d[-1] != d[-2]:
        F.append(("-" * (v < 0) + d[:-2] + d[-1] + d[-2], "near miss: last two digits swapped"))
    return T, F

def is_money(i):
    return bool(re.search(r"\$|dollar|money", re.split(r"(?<=[.!])\s", GSM[i]["question"])[-1]))

gsm_int = [i for i in range(len(GSM)) if re.fullmatch(r"-?\d+", gref(i))]
for i in pick(gsm_int, 32):
    v = int(gref(i))
    T, F = int_rewrites(v, is_money(i))
    T.append((str(v), "verbatim"))
    if rng.random() < 0.6:
        emit("integer", gref(i), gsrc(i), lambda rw: gcomp(i, rw), T, [], 1, 0, same)
    else:
        rw, note = rng.choice(F)
        add("integer", gcomp(i, rw, wrong=rw.lstrip("-")), gref(i), False, gsrc(i), note + " (CoT changed too)")
for i in [i for i in range(len(GSM)) if "," in gref(i)][:10]:                 # references written 1,600
    v = int(gref(i).replace(",", ""))
    emit("integer", gref(i), gsrc(i), lambda rw: gcomp(i, rw, wrong=rw if rw != str(v) else None),
         [(str(v), "commas removed")], [(f"{v + 100:,}", "near miss: +100 (CoT changed too)")], 1, int(i % 3 == 0), same)
for uid in pick(by(r"-?\d+"), 24):
    v = int(M[uid]["answer"])
    T, F = int_rewrites(v, False)
    emit("integer", M[uid]["answer"], msrc(uid), lambda rw: mcomp(uid, rw), T, F, 1, int(rng.random() < 0.45), same)
for uid, forms in [("test/counting_and_probability/508.json", ["10080", "10,080"]),
                   ("test/number_theory/417.json", ["11111111100", "11,111,111,100"]),
                   ("test/counting_and_probability/737.json", ["58500", "58{,}500"])]:
    ref = M[uid]["answer"]
    v = int(numval(ref))
    emit("integer", ref, msrc(uid), lambda rw: mcomp(uid, rw), [(f, "thousands separator changed") for f in forms],
         [(f"{v + 1000:,}", "near miss: +1000"), (str(v // 10), "near miss: dropped a digit")], 2, 1, same)


# ---------------------------------------------------------------- decimal_fraction
def frac_of(ans):
    return Fraction(str(numval(ans)))

def dec(fr):
    """Exact terminating decimal string of fr, or None."""
    q = fr.denominator
    while q % 2 == 0:
        q //= 2
    while q % 5 == 0:
        q //= 5
    if q != 1:
        return None
    for k in range(12):
        if (fr * 10 ** k).denominator == 1:
            return f"{float(fr):.{k}f}" if k else str(fr.numerator)

def frac_rewrites(ref):
    f = frac_of(ref)
    p, q, sg = abs(f.numerator), f.denominator, "-" if f < 0 else ""
    T = [(f"{sg}{p}/{q}", "\\frac -> a/b"), (f"{sg}\\dfrac{{{p}}}{{{q}}}", "\\frac -> \\dfrac"),
         (f"{sg}\\tfrac{{{p}}}{{{q}}}", "\\frac -> \\tfrac"), (f"{sg}\\frac{{{p}}}{{{q}}}", "standard \\frac{}{}")]
    if dec(f):
        T += [(dec(f), "frac -> exact decimal")] * 2
    if p < 10 and q < 10:
        T.append((f"{sg}\\frac{p}{q}", "\\frac{a}{b} -> \\frac ab shorthand"))
    if sg:
        T += [(f"\\frac{{-{p}}}{{{q}}}", "minus moved into numerator"), (f"\\frac{{{p}}}{{-{q}}}", "minus moved into denominator")]
    T = [(rw, n) for rw, n in T if rw.replace(" ", "") != ref.replace(" ", "")]
    a, b = next((a, b) for a, b in [(p + 1, q), (p, q + 1), (p - 1, q), (p + 2, q), (p, q + 2)] if gcd(a, b) == 1 < b and a)
    F = [(f"{sg}\\frac{{{q}}}{{{p}}}", "near miss: reciprocal"), (f"{sg}\\frac{{{a}}}{{{b}}}", "near miss: numerator or denominator +1"),
         ("-" * (not sg) + f"\\frac{{{p}}}{{{q}}}", "near miss: sign flip")]
    if dec(f):
        F.append((dec(f * 10), "near miss: decimal point shifted"))
    elif q in (3, 9, 7, 11) and rng.random() < 0.4:
        F.append((f"{float(f):.3f}", "rounded decimal of a non-terminating fraction (not exact -> false)"))
    return T, [(rw, n) for rw, n in F if numval(rw) != numval(ref)]

FRAC_RE = r"-?\\[dt]?frac\s*(\{\d+\}|\d)\s*(\{\d+\}|\d)"
for uid in by(FRAC_RE):
    ref = M[uid]["answer"]
    T, F = frac_rewrites(ref)
    emit("decimal_fraction", ref, msrc(uid), lambda rw: mcomp(uid, rw), T, F, 1, int(rng.random() < 0.42), same)
for uid in by(r"\d*\.\d+"):           # all of these problems ask for a decimal: no fraction rewrites
    ref = M[uid]["answer"]
    if ref == ".0000672":
        continue                       # used for `scientific`
    T = [("0" + ref, "leading zero added")] if ref.startswith(".") else [(ref + "0", "trailing zero added")]
    T.append((f"{ref}", "verbatim, solution text reused"))
    F = [(dec(frac_of(ref) * 10), "near miss: decimal point moved"),
         (ref[:-1] + str((int(ref[-1]) + 1) % 10), "near miss: last digit changed")]
    emit("decimal_fraction", ref, msrc(uid), lambda rw: mcomp(uid, rw), T, F, 1, 1, same)


# ---------------------------------------------------------------- percent (GSM8K questions that ask for a percentage)
PCT = [14, 140, 184, 226, 348, 393, 458, 473, 707, 728, 772, 890, 999, 1030, 1094, 1152, 1159, 1179, 1235, 1239]
for i in PCT:
    v = int(gref(i))
    T = [(f"{v}\\%", "percent sign \\%"), (f"{v}%", "bare % sign"), (f"{v} \\text{{ percent}}", "unit word percent"),
         (f"{v}.0\\%", ".0 and \\%")]
    F = [(f"{v + 1}\\%", "near miss: +1 with %"), (f"{v / 10:g}\\%", "near miss: /10 with %")]
    if v != 50:
        F.append((f"{100 - v}\\%", "near miss: complement 100-v"))
    emit("percent", gref(i), gsrc(i), lambda rw: gcomp(i, rw), T, [], 1, 0)
    rw, note = rng.choice(F)
    add("percent", gcomp(i, rw, wrong=rw.split("\\")[0]), gref(i), False, gsrc(i), note + " (CoT changed too)")
uid = "test/prealgebra/1233.json"      # "By what percent does the square's area decrease?" -> 10
emit("percent", "10", msrc(uid), lambda rw: mcomp(uid, rw), [("10\\%", "percent sign"), ("10 \\%", "percent sign, space")],
     [("90\\%", "near miss: remaining area instead of decrease"), ("20\\%", "near miss: 2x")], 2, 2)


# ---------------------------------------------------------------- units
def deg_rewrites(n):
    T = [(f"{n}^{{\\circ}}", "^\\circ -> ^{\\circ}"), (f"{n}°", "unicode degree sign"), (f"{n}", "degree sign dropped"),
         (f"{n} \\text{{ degrees}}", "unit word degrees"), (f"{n}^\\circ", "^\\circ")]
    F = [(f"{int(n) + 1}^\\circ", "near miss: +1 degree"), (f"{180 - int(n)}^\\circ", "near miss: supplement")]
    return T, [(rw, note) for rw, note in F if int(rw.split("^")[0]) != int(n)]

for uid in by(r"\d+\^\\circ") + ["test/geometry/967.json", "test/prealgebra/1807.json"]:
    ref = M[uid]["answer"]
    T, F = deg_rewrites(ref.split("^")[0])
    T = [(rw, n) for rw, n in T if rw != ref]
    emit("units", ref, msrc(uid), lambda rw: mcomp(uid, rw), T, F, 2, 1, same)
table("units", r"""
prealgebra/1003 | \frac{270}{7}^\circ ; \frac{270}{7} ; \frac{270}{7} \text{ degrees} | \frac{360}{7}^\circ ; \frac{180}{7}\text{ degrees}
geometry/473 | 864 ; 864 \text{ in}^2 ; 864\text{ square inches} | 846 \mbox{ inches}^2 ; 144 \text{ inches}^2
prealgebra/1114 | 15 ; 15 \text{ cm}^2 ; 15\,\mathrm{cm}^2 | 30\mbox{ cm}^2 ; 12 \text{ cm}^2
prealgebra/1044 | 5.4 ; 5.4\text{ cents} ; 5.4 \mbox{ cents} | 54 \text{ cents} ; 5.5 \text{ cents}
prealgebra/1203 | 36 ; 36.00 ; \$36.00 ; 36 \text{ dollars} | \$24 ; \$3.60
algebra/2780 | 18.90 ; 18.9 ; \$18.9 ; \$ 18.90 | \$18.09 ; \$1.89
algebra/2626 | 32348 ; \$32,348 ; 32,\!348 \text{ dollars} | \$32,349 ; \$3,234.80
prealgebra/1622 | 42 \text{ inches} ; 42\mbox{ in} ; 42 \text{ in.} | 36 \text{ inches} ; 21 \text{ inches}
prealgebra/1252 | 200 \text{ feet} ; 200\text{ ft} | 500 \text{ feet} ; 300 \text{ feet}
geometry/477 | 216 \text{ in}^3 ; 216 \text{ cubic inches} | 125 \text{ in}^3 ; 64 \text{ in}^3
algebra/2743 | 29 \text{ cents} ; 29\text{¢} | 39 \text{ cents} ; 19 \text{ cents}
prealgebra/993 | \$1250 ; \$1,250 ; 1250 \text{ dollars} | \$1,250,000 ; \$1205
prealgebra/954 | 10 \text{ meters} ; 10\text{ m} | 9 \text{ meters} ; 100 \text{ meters}
""", 2, 1, same, "unit form changed", "near miss: number changed")

def strict(uid):    # explicit format instruction: skip rewrites that would change that format
    return re.search(r"simplest radical|mixed number|improper fraction|as a decimal|terminating decimal", M[uid]["problem"])

def ftex(f):
    sg = "-" if f < 0 else ""
    return str(f.numerator) if f.denominator == 1 else f"{sg}\\frac{{{abs(f.numerator)}}}{{{f.denominator}}}"


# ---------------------------------------------------------------- scientific
def sci(f):
    e = 0
    while abs(f) >= 10:
        f, e = f / 10, e + 1
    while abs(f) < 1:
        f, e = f * 10, e - 1
    return dec(f), e

big = lambda r: re.fullmatch(r"\d+(,\d{3})*", r) and int(r.replace(",", "")) >= 1000 and r.endswith("00")
SCI = [(msrc(u), M[u]["answer"], lambda rw, u=u: mcomp(u, rw)) for u in ["test/number_theory/598.json"] + [
    u for u in M if big(M[u]["answer"])]]
SCI += [(gsrc(i), gref(i), lambda rw, i=i: gcomp(i, rw)) for i in pick([i for i in range(len(GSM)) if big(gref(i))], 10)]
for src, ref, make in SCI:
    m, e = sci(frac_of(ref))
    T = [(f"{m}\\times10^{{{e}}}", "scientific \\times10^{e}"), (f"{m} \\times 10^{{{e}}}", "scientific, spaced"),
         (f"{m} \\cdot 10^{{{e}}}", "scientific with \\cdot"), (f"{m}e{e}", "e-notation"),
         (f"{dec(Fraction(m) * 10)}\\times 10^{{{e - 1}}}", "non-normalised mantissa")]
    m2 = m[:-1] + str((int(m[-1]) + 1) % 10) if "." in m else m + ".1"
    F = [(f"{m}\\times10^{{{e + 1}}}", "near miss: exponent +1"), (f"{m} \\times 10^{{{-e}}}", "near miss: exponent sign"),
         (f"{m2}\\times10^{{{e}}}", "near miss: mantissa digit")]
    emit("scientific", ref, src, make, T, F, 1, int(rng.random() < 0.45) + (src.endswith("598.json")), same)


# ---------------------------------------------------------------- equation_prefix
EQV = [("test/prealgebra/1388.json", "x"), ("test/algebra/769.json", "N"), ("test/intermediate_algebra/1247.json", "a"),
       ("test/precalculus/1146.json", "d"), ("test/algebra/1004.json", "x"), ("test/algebra/972.json", "x"),
       ("test/algebra/1214.json", "k"), ("test/algebra/109.json", "b"), ("test/algebra/1937.json", "x"),
       ("test/number_theory/89.json", "k"), ("test/algebra/791.json", "a"),
       ("test/algebra/1936.json", "b"), ("test/counting_and_probability/10.json", "n"), ("test/algebra/2430.json", "n"),
       ("test/intermediate_algebra/834.json", "x"), ("test/number_theory/911.json", "n")]
for uid, var in EQV:
    ref, f = M[uid]["answer"], frac_of(M[uid]["answer"])
    T = [(f"{var} = {ref}", f"'{var} =' prefix"), (f"{var}={ref}", f"'{var}=' prefix, no spaces")]
    F = [(f"{var} = {ftex(f + 1)}", "near miss: +1 after prefix")] + [(f"{var} = {ftex(-f)}", "near miss: sign flip after prefix")] * (f != 0)
    make = lambda rw: re.sub(rf"\b{var}\s*=\s*(\\boxed\{{{var})", r"\1", mcomp(uid, rw))   # no 'x = \boxed{x = 3}'
    emit("equation_prefix", ref, msrc(uid), make, T, F, 1, int(rng.random() < 0.6), same)
table("equation_prefix", r"""
precalculus/323 | y=2x+3 # spacing ; y = 3 + 2x # right side reordered ; y = 2 x + 3 # spacing | y = 2x - 3 # sign flip ; y = 3x + 2 # coefficients swapped ; y = 2x + 1 # the original line
precalculus/356 | y=-2x # spacing ; y = -2 x # spacing ; y = -2x + 0 # explicit +0 | y = 2x # sign flip ; y = -\frac{1}{2}x # reciprocal slope
algebra/2193 | 5 # 'x=' dropped ; x = 5 # spacing | x = 1, 5 # extraneous root included ; x = 1 # the extraneous root ; x = 6 # +1
precalculus/659 | 5x-7y+11z+4=0 # spacing ; 5x -7y +11z +4 = 0 # spacing | 5x - 7y + 11z - 4 = 0 # sign flip ; 5x + 7y + 11z + 4 = 0 # sign flip
""", 2, 2)


# ---------------------------------------------------------------- mixed_number
for uid in by(FRAC_RE):
    f = frac_of(M[uid]["answer"])
    if abs(f) < 1 or f.denominator == 1 or strict(uid):
        continue
    W, r, sg = int(abs(f)), abs(f) - int(abs(f)), "-" if f < 0 else ""
    fr = lambda r: f"\\frac{{{r.numerator}}}{{{r.denominator}}}"
    T = [(f"{sg}{W}{fr(r)}", "improper -> mixed number"), (f"{sg}{W} {fr(r)}", "improper -> mixed number (space)"),
         (f"{sg}{W}\\tfrac{{{r.numerator}}}{{{r.denominator}}}", "improper -> mixed number (\\tfrac)")]
    F = [(f"{sg}{W + 1}{fr(r)}", "near miss: whole part +1"), (f"{sg}{fr(r)}", "near miss: whole part dropped")]
    if r != 1 - r:
        F.append((f"{sg}{W}{fr(1 - r)}", "near miss: complementary fractional part"))
    emit("mixed_number", M[uid]["answer"], msrc(uid), lambda rw: mcomp(uid, rw), T, F, 1, int(rng.random() < 0.5), same)
table("mixed_number", r"""
geometry/826 | 1 \frac{4}{5} ; 1\tfrac{4}{5} ; 1\frac45 | 1\frac{3}{5} ; 2\frac{4}{5} ; \frac{4}{5} # near miss: whole part dropped
algebra/2470 | 137\frac{1}{2} ; 137\tfrac12 ; 137 \dfrac{1}{2} | \frac{137}{2} # near miss: misread as 137/2 ; 138\frac{1}{2} ; 137\frac{1}{4}
""", 3, 3, same, "mixed number re-typeset (problem asks for a mixed number)", "near miss: wrong mixed number")


# ---------------------------------------------------------------- latex_symbolic
def sym_check(ref, rw):
    cplx = bool(re.search(r"\di$|\bi$", ref))
    return sp.simplify(tex2sym(ref, cplx) - tex2sym(rw, cplx)) == 0

for uid in by(r"(\d*) ?\\sqrt\{?\d+\}?|\d* ?\\pi"):
    ref = M[uid]["answer"]
    a, b = (re.fullmatch(r"(\d*) ?\\sqrt\{?(\d+)\}?", ref) or re.fullmatch(r"(\d*) ?\\(pi)", ref)).groups()
    if b == "pi":
        T = [(f"{a} \\cdot \\pi", "coefficient \\cdot \\pi"), (f"\\pi \\cdot {a}", "factors swapped"), (f"{a}\\,\\pi", "thin space \\,"),
             (f"{a}\\pi" if " " in ref else f"{a} \\pi", "spacing")] if a else [("\\pi", "verbatim")]
        F = [(a or "1", "near miss: dropped pi"), (f"{2 * int(a or 1)}\\pi", "near miss: coefficient x2"), (f"{a}\\pi^2", "near miss: pi squared")]
    else:
        k = int(a or 1)
        T = [(f"{a}\\sqrt {b}" if len(b) == 1 else f"{a}\\sqrt{{ {b} }}", "brace-less / spaced radicand")]
        T += [(f"{a}\\cdot\\sqrt{{{b}}}", "explicit \\cdot"), (f"\\sqrt{{{b}}} \\cdot {a}", "factors swapped")] if a else []
        if not strict(uid) and "implify" not in M[uid]["problem"]:
            T += [(f"\\sqrt{{{k * k * int(b)}}}", "coefficient absorbed into sqrt")] if a else [(f"{b}^{{1/2}}", "power 1/2")]
        F = [(f"{a}\\sqrt{{{int(b) + 1}}}", "near miss: radicand +1"), (f"{k + 1}\\sqrt{{{b}}}", "near miss: coefficient +1")]
        if a:
            F.append((f"\\sqrt{{{k * int(b)}}}", "near miss: coefficient absorbed without squaring"))
    emit("latex_symbolic", ref, msrc(uid), lambda rw: mcomp(uid, rw), T, F, 1, int(rng.random() < 0.45), sym_check)
for v in [16, 25, 27, 36, 49, 64, 81, 121, 144, 216, 225, 256]:       # integer answers written as powers
    uid = by(str(v))[0]
    b, k = next((b, k) for b in range(2, 16) for k in range(9, 1, -1) if b ** k == v)
    emit("latex_symbolic", str(v), msrc(uid), lambda rw: mcomp(uid, rw), [(f"{b}^{{{k}}}", f"integer -> power {b}^{k}")],
         [(f"{b}^{{{k + 1}}}", "near miss: exponent +1")] + [(f"{k}^{{{b}}}", "near miss: base/exponent swapped")] * (k ** b != v),
         1, int(v % 3 == 0),
         sym_check)
table("latex_symbolic", r"""
algebra/1519 | \frac{1}{3}\sqrt{3} # coefficient pulled out ; \sqrt3/3 # slash, brace-less | \frac{\sqrt{3}}{2} # denominator changed ; \sqrt{3} # dropped denominator
algebra/2253 | \frac{3}{4}\sqrt{3} # coefficient pulled out ; \dfrac{3\sqrt3}{4} # \dfrac, brace-less sqrt | \frac{3\sqrt{3}}{2} # denominator changed ; \frac{3\sqrt{2}}{4} # radicand changed
precalculus/990 | 6-5i # spacing ; -5i+6 # terms reordered | 6+5i # sign flip ; 5-6i # real/imag swapped
algebra/1098 | 9i+6 # terms reordered ; 6 + 9 i # spacing | 6-9i # sign flip ; 9+6i # real/imag swapped
precalculus/779 | 7i-2 # terms reordered ; -2+7i # spacing | 2+7i # sign flip ; -2-7i # conjugate
algebra/2264 | 2i+1 # terms reordered ; 1 + 2 i # spacing | 1-2i # conjugate ; 2+i # real/imag swapped
intermediate_algebra/1217 | (x-1)(x^2+x+1)(x^2-x+1) # sympy factor ; -1 + x - x^2 + x^3 - x^4 + x^5 # ascending order | x^5 - x^4 + x^3 - x^2 + x + 1 # sign of constant ; x^5 + x^4 + x^3 + x^2 + x + 1 # signs dropped
intermediate_algebra/199 | (x^2+x+1)(x^6+x^3+1) # sympy factor ; 1+x+x^2+x^3+x^4+x^5+x^6+x^7+x^8 # ascending order | x^8 + x^7 + x^6 + x^5 + x^4 + x^3 + x^2 + x # dropped constant ; x^9 + x^8 + x^7 + x^6 + x^5 + x^4 + x^3 + x^2 + x + 1 # degree +1
algebra/2046 | x^3 + 3x - 6 # spacing ; -6+3x+x^3 # ascending order | x^3+3x+6 # sign flip ; x^3+3x^2-6 # exponent changed
precalculus/24313 | \frac{\cos x}{\sin x} # cot -> cos/sin ; \cot{x} # braces | \tan x # reciprocal ; -\cot x # sign flip
prealgebra/1924 | 2k + 2 # spacing ; 2 + 2k # reordered | 2k-2 # sign flip ; 4k+2 # coefficient changed
intermediate_algebra/431 | (b+2)(a+5) # factors swapped ; \left(a + 5\right) \left(b + 2\right) # sympy.latex | ab+5b+2a+10 # format: not factored, restates the question's expression ; (a+2)(b+5) # constants swapped
algebra/2735 | \frac{9a+11}{20} # numerator reordered ; \dfrac{11+9a}{20} # \dfrac | \frac{11+9a}{9} # denominator changed ; \frac{11-9a}{20} # sign flip
prealgebra/1298 | -80 + 15x # reordered ; 15x-80 # spacing | 15x + 80 # sign flip ; 15x - 82 # constant changed
algebra/1547 | 6r^2 - 4r - 24 # spacing | 6r^2 + 4r - 24 # sign flip ; 6r^2-4r-20 # constant changed
algebra/2680 | 5 r^{5} # braces ; 5r^5 # verbatim | 5r^4 # exponent changed ; 5r^6 # exponent changed
intermediate_algebra/1467 | 1+4n+8n^2 # ascending order ; 8n^{2}+4n+1 # braces | 8n^2+4n-1 # sign flip ; 4n^2 + 8n + 1 # coefficients swapped
intermediate_algebra/1994 | -q+p # reordered ; p-q # spacing | q - p # sign flip ; p + q # sign flip
intermediate_algebra/1210 | 3-13x # reordered ; -13 x + 3 # spacing | 13x+3 # sign flip ; -13x-3 # sign flip
intermediate_algebra/1063 | 274i+1 # reordered ; 1 + 274 i # spacing | 1-274i # conjugate ; 274+i # swapped
precalculus/1133 | 3 R^{2} # braces, spacing | 3R # exponent dropped ; 9R^2 # coefficient squared
intermediate_algebra/1566 | 2 k # spacing | k # coefficient dropped ; -2k # sign flip
geometry/686 | 2\pi + 18 # reordered ; 18 + 2 \pi # spacing | 18+\pi # coefficient dropped ; 20\pi # terms merged
precalculus/1281 | 11(\sqrt{5}+1) # factored ; 11 + 11\sqrt5 # reordered | 11\sqrt{5}+1 # constant changed ; 22\sqrt{5} # terms merged
geometry/711 | 2\sqrt{3}+1 # reordered ; 1 + 2 \sqrt 3 # spacing, brace-less | 1+\sqrt{3} # coefficient dropped ; 1+2\sqrt{2} # radicand changed
precalculus/697 | -\sqrt3 # brace-less ; -1\cdot\sqrt{3} # explicit -1 | \sqrt{3} # sign flip ; -\sqrt{2} # radicand changed
precalculus/1105 | -\pi/6 # slash ; \frac{-\pi}{6} # minus into numerator | \frac{\pi}{6} # sign flip ; -\frac{\pi}{3} # denominator changed
intermediate_algebra/1111 | 20000/\pi # slash ; \frac{20000}{\pi} # verbatim | 20000\pi # pi multiplied ; \frac{2000}{\pi} # dropped a zero
geometry/795 | \frac{1}{5}\sqrt{21} # coefficient pulled out ; 0.2\sqrt{21} # decimal coefficient | \frac{\sqrt{21}}{2} # denominator changed ; \frac{21}{5} # sqrt dropped
precalculus/1291 | -12i+1 # reordered ; 1-12 i # spacing | 1+12i # conjugate ; -1-12i # sign flip
""", 1, 1, sym_check)

table("interval", r"""
intermediate_algebra/558 | (3, 4] # spacing ; \left(3,4\right] # \left \right | (3,4) # right end made open ; [3,4] # left end made closed ; (3,4.5] # bound changed
intermediate_algebra/183 | (2, \infty) # spacing ; (2,+\infty) # +\infty ; \left(2,\infty\right) # \left \right | [2,\infty) # left end made closed ; (3,\infty) # bound changed
intermediate_algebra/1714 | (5, \infty) # spacing ; \left( 5, \infty \right) # \left \right ; (5,+\infty) # +\infty | [5,\infty) # left end made closed ; (-\infty,5) # wrong side
precalculus/695 | (-\infty,0] # spacing ; \left(-\infty, 0\right] # \left \right | (-\infty, 0) # right end made open ; (-\infty,1] # bound changed
algebra/1078 | (-\sqrt3,\sqrt3) # brace-less sqrt ; \left(-\sqrt{3},\sqrt{3}\right) # \left \right | [-\sqrt{3}, \sqrt{3}] # ends made closed ; (-3,3) # sqrt dropped
algebra/2486 | (\frac{3}{5}, \frac{8}{3}] # \left \right dropped ; (0.6, \frac{8}{3}] # 3/5 -> 0.6 ; \left(\dfrac35,\dfrac83\right] # \dfrac shorthand | [\frac{3}{5},\frac{8}{3}] # left end made closed ; (\frac{3}{5},\frac{8}{3}) # right end made open ; (\frac{5}{3},\frac{8}{3}] # bound inverted
precalculus/499 | [\frac{\pi^2}{8}, \frac{5\pi^2}{4}] # \left \right dropped ; \left[\frac{\pi^{2}}{8},\frac{5\pi^{2}}{4}\right] # braces | (\frac{\pi^2}{8}, \frac{5\pi^2}{4}] # left end made open ; [\frac{\pi^2}{4}, \frac{5\pi^2}{4}] # bound changed
algebra/2043 | (3,\infty)\cup(-\infty,2) # union order swapped ; (-\infty,2)\cup(3,\infty) # spacing | (-\infty, 2] \cup [3, \infty) # ends made closed ; (2,3) # complement ; (-\infty,2) # union part dropped
intermediate_algebra/1981 | (2,12)\cup(12,102) # spacing ; (12,102) \cup (2,12) # union order swapped | (2,102) # hole at 12 dropped ; [2,12) \cup (12,102) # left end made closed
intermediate_algebra/1992 | (9,36)\cup(0,9) # union order swapped ; \left(0,9\right) \cup \left(9,36\right) # \left \right | (0,36) # hole at 9 dropped ; (0,9) \cup (9,36] # right end made closed
algebra/101 | [-2,7] # 'x \in' dropped ; [-2, 7] # 'x \in' dropped, spacing ; x\in\left[-2,7\right] # \left \right | (-2,7) # ends made open ; [-7,2] # bounds negated
""", 2, 2)
table("tuple", r"""
precalculus/807 | (3, \frac{\pi}{2}) # \left \right dropped ; (3,\pi/2) # slash ; \left(3,\tfrac{\pi}{2}\right) # \tfrac | (\frac{\pi}{2}, 3) # swapped order ; (3, \frac{3\pi}{2}) # angle changed
intermediate_algebra/956 | (6, 31, -1) # spacing ; \left(6,31,-1\right) # \left \right | (6,-1,31) # last two swapped ; (6,31,1) # sign flip
intermediate_algebra/47 | ( -2 , 1 ) # spacing ; \left(-2, 1\right) # \left \right | (1,-2) # swapped order ; (2,1) # sign flip
precalculus/43 | (15, -29) # spacing ; \left( 15,-29 \right) # \left \right | (-29,15) # swapped order ; (15,-21) # entry changed
precalculus/541 | (1.5, -13) # 3/2 -> 1.5 ; (\frac32,-13) # \frac shorthand ; (3/2, -13) # slash | (-13, \frac{3}{2}) # swapped order ; (\frac{2}{3}, -13) # entry inverted
algebra/864 | (-1, 6) # spacing ; \left(-1,6\right) # \left \right | (6,-1) # swapped order ; (-1,-6) # sign flip
intermediate_algebra/690 | (1, -16, -4, 43) # spacing ; \left(1,-16,-4,43\right) # \left \right | (1,-4,-16,43) # middle entries swapped ; (1,-16,-4,-43) # sign flip
geometry/538 | (8, -2) # spacing ; \left( 8,-2 \right) # \left \right | (-2,8) # swapped order ; (8,2) # sign flip
geometry/1108 | (2, 4) # spacing ; \left(2,4\right) # \left \right | (4,2) # swapped order ; (2,-4) # sign flip
""", 2, 1)
table("set", r"""
intermediate_algebra/1388 | -2,1 # order changed ; \{1, -2\} # set braces ; -2, 1 # order changed, spacing | 1 # element missing ; -1, 2 # signs flipped ; 1, -2, 3 # extra element
intermediate_algebra/428 | 7, 5, 3 # order reversed ; 5, 3, 7 # order changed ; \{3,5,7\} # set braces | 3, 7 # element missing ; 3, 5 # element missing ; 3, 5, 7, 10 # extra element
intermediate_algebra/662 | 1+\sqrt{19}, 1-\sqrt{19} # \pm expanded ; 1-\sqrt{19},1+\sqrt{19} # \pm expanded, reordered | 1+\sqrt{19} # one root missing ; -1 \pm \sqrt{19} # sign changed ; 1 \pm \sqrt{17} # radicand changed
precalculus/768 | 3+2\sqrt{2}, 3-2\sqrt{2} # \pm expanded ; 3-2\sqrt2,3+2\sqrt2 # \pm expanded, reordered ; 3 \pm \sqrt{8} # 2\sqrt2 -> \sqrt8 | 3+2\sqrt{2} # one solution missing ; 3 \pm \sqrt{2} # coefficient dropped ; -3 \pm 2\sqrt{2} # sign changed
intermediate_algebra/2015 | \{-2, 1+\sqrt{5}, 1-\sqrt{5}\} # \pm expanded, reordered ; \{1+\sqrt5, 1-\sqrt5, -2\} # \pm expanded ; \{-2, 1\pm\sqrt{5}\} # reordered | \{1+\sqrt{5}, -2\} # element missing ; \{1\pm\sqrt{5}, 2\} # sign flip
intermediate_algebra/1102 | 1,-2 # order changed ; \{1, -2\} # set braces ; -2, 1 # spacing | -2 # element missing ; 2, -1 # signs flipped ; -2, 1, 7 # extra element
""", 3, 2)
table("multiple_choice", r"""
precalculus/819 | C # bare letter ; (C) # parenthesised ; \text{C} # \text{C} ; \textbf{(C)} # \textbf ; \text{(C) Plane} # letter + option text | D # wrong letter ; \text{(E)} # wrong letter ; (B) # wrong letter
precalculus/452 | E # bare letter ; (E) # parenthesised ; \text{(E) Hyperbola} # letter + option text ; \mathrm{(E)} # \mathrm | \text{(D)} # wrong letter ; C # wrong letter ; (A) # wrong letter
intermediate_algebra/754 | B # bare letter ; \text{(B)} # verbatim ; \textbf{(B)} # \textbf ; (B) # parenthesised | E # wrong letter ; \text{(A)} # wrong letter ; (D) # wrong letter
""", 4, 3)
table("text", r"""
algebra/1349 | Evelyn # \text{} dropped ; \text{evelyn} # lower case ; \textbf{Evelyn} # \textbf ; \mathrm{Evelyn} # \mathrm | \text{Briana} # different name ; Carla # different name
prealgebra/105 | East # \text{} dropped, capitalised ; \text{East} # capitalised ; east # \text{} dropped ; \text{ east } # padded | \text{west} # different direction ; north # different direction
intermediate_algebra/128 | even # \text{} dropped ; \text{Even} # capitalised ; \textbf{even} # \textbf ; \text{EVEN} # upper case | \text{odd} # different word ; neither # different word
intermediate_algebra/860 | ellipse # \text{} dropped ; \text{Ellipse} # capitalised ; \text{an ellipse} # article | \text{circle} # different conic ; hyperbola # different conic
prealgebra/1991 | Navin # \text{} dropped ; \text{navin} # lower case ; \textbf{Navin} # \textbf | Luka # different name ; \text{Ian} # different name
""", 3, 2)


# ---------------------------------------------------------------- matrix
def pm(rows, env="pmatrix", sep=" \\\\ ", amp=" & ", pad=" "):
    return f"\\begin{{{env}}}{pad}" + sep.join(amp.join(r) for r in rows) + f"{pad}\\end{{{env}}}"

def ent(x, style):     # 1/5 -> \frac{1}{5} / 0.2
    f = Fraction(x)
    return x if f.denominator == 1 or style == "slash" else (dec(f) if style == "dec" and dec(f) else ftex(f))

for uid in [u for u in M if "pmatrix" in M[u]["answer"]]:
    ref = M[uid]["answer"]
    rows = [[e.strip() for e in r.split("&")] for r in re.sub(r"\\(begin|end)\{pmatrix\}", "", ref).split("\\\\")]
    frac = "/" in ref
    T = [(pm(rows, "bmatrix"), "pmatrix -> bmatrix"), (pm(rows, sep="\\\\", amp="&", pad=""), "spacing removed")]
    if frac:
        T += [(pm([[ent(e, "frac") for e in r] for r in rows]), "a/b entries -> \\frac"), (pm([[ent(e, "dec") for e in r] for r in rows], "bmatrix"), "entries -> exact decimals / \\frac, bmatrix")]
    bump = [r[:] for r in rows]
    bump[-1][-1] = str(Fraction(bump[-1][-1]) + 1)
    flip = [r[:] for r in rows]
    flip[0][0] = flip[0][0][1:] if flip[0][0].startswith("-") else "-" + flip[0][0]
    F = [(pm(bump), "near miss: last entry +1"), (pm(flip), "near miss: first entry sign flipped")]
    swap = [r[:] for r in rows]
    if len(rows) > 1 and rows[0] != rows[1]:
        swap[0], swap[1] = swap[1], swap[0]
        F.append((pm(swap), "near miss: first two rows swapped"))
    emit("matrix", ref, msrc(uid), lambda rw: mcomp(uid, rw), T, F, 2 + frac, 2)


# ---------------------------------------------------------------- no_answer (all FALSE)
single = [u for u in M if SOL[u]]
for uid in pick(single, 12):
    s, ref = SOL[uid], M[uid]["answer"]
    a = s.rfind("\\boxed")
    cut = s.rfind(" ", 0, int(a * rng.uniform(0.3, 0.8)))
    if cut > 40 and ref not in s[cut - 60:cut]:
        add("no_answer", s[:cut], ref, False, msrc(uid), "truncated mid-reasoning before any final answer")
for uid in pick(single, 6):
    s, ref = SOL[uid], M[uid]["answer"]
    a, _ = last_boxed(s)
    add("no_answer", s[:a] + ref[:len(ref) // 2], ref, False, msrc(uid), "unclosed \\boxed{ with partial content (generation cut off)")
for uid in pick(single, 3):
    add("no_answer", sol_with(uid, ""), M[uid]["answer"], False, msrc(uid), "empty \\boxed{}")
for i in pick(gsm_int, 8):
    c = cot(i)
    cut = c.rfind(" ", 0, max(60, int(len(c) * rng.uniform(0.3, 0.75))))
    add("no_answer", c[:cut], gref(i), False, gsrc(i), "GSM8K CoT truncated mid-sentence")
for i in pick([i for i in gsm_int if cot(i).count("\n") >= 2], 3):
    c = cot(i).rsplit("\n", 1)[0]
    add("no_answer", c + "\nNow I need to combine these to answer the question.", gref(i), False, gsrc(i), "CoT stops before the final step")
for k, text in enumerate(["I'm not sure how to solve this problem.", "I don't know.",
                          "I cannot determine the answer from the information given.", "Let me think about this step by step.",
                          "This problem requires more information than is provided, so I can't give a final answer."]):
    uid = single[k * 37]
    add("no_answer", text, M[uid]["answer"], False, msrc(uid), "refusal / no attempt")


# ---------------------------------------------------------------- extraction
def wrong(ref):      # a clearly different answer of the same shape (last digit changed)
    m = list(re.finditer(r"\d", ref))[-1]
    return ref[:m.start()] + str((int(m.group()) + 1) % 10) + ref[m.end():]

def unboxed(uid, rw):
    s = SOL[uid]
    a, b = last_boxed(s)
    return s[:a - 7] + rw + s[b + 1:]

simple = [u for u in single if re.fullmatch(r"-?\d+|-?\\frac\{\d+\}\{\d+\}", M[u]["answer"])]
nested = [u for u in single if re.search(r"\{[^{}]*\{", M[u]["answer"])]
X = [  # (name, TRUE builder, FALSE builder) over (uid, R, W)
    ("later box corrects an earlier wrong box", lambda u, r, w: sol_with(u, w) + "\n\nWait, let me double-check the arithmetic. "
     f"I made a slip above; redoing it carefully, the answer is $\\boxed{{{r}}}$.", None),
    ("earlier box right, final box wrong", None, lambda u, r, w: SOL[u] + "\n\nHmm, on second thought I think I "
     f"made a mistake. The answer should be $\\boxed{{{w}}}$."),
    ("\\fbox instead of \\boxed", lambda u, r, w: sol_with(u, r).replace("\\boxed", "\\fbox"),
     lambda u, r, w: sol_with(u, w).replace("\\boxed", "\\fbox")),
    ("unboxed + 'The answer is X.'", lambda u, r, w: unboxed(u, r) + f"\n\nThe answer is ${r}$.",
     lambda u, r, w: unboxed(u, w) + f"\n\nThe answer is ${w}$."),
    ("unboxed + 'Final answer: X'", lambda u, r, w: unboxed(u, r) + f"\nFinal answer: {r}", lambda u, r, w: unboxed(u, w) + f"\nFinal answer: {w}"),
    ("box followed by a sentence with other numbers", lambda u, r, w: sol_with(u, r) + "\n\n(Check: plugging back in, 2 + 3 = 5 as expected.)",
     lambda u, r, w: sol_with(u, w) + "\n\n(Check: plugging back in, 2 + 3 = 5 as expected.)"),
    ("'The answer is' stated, then corrected", lambda u, r, w: f"At first glance the answer is ${w}$. Actually, that ignores a case; "
     f"redoing the count carefully, the answer is ${r}$.", lambda u, r, w: f"The answer is ${r}$. Actually wait, I need to "
     f"double-check that. Correcting my error, the answer is ${w}$."),
]
for name, tb, fb in X:
    for uid in pick(simple, 5):
        r = M[uid]["answer"]
        for label, b in ((True, tb), (False, fb)):
            if b and (label or rng.random() < 0.7):
                add("extraction", b(uid, r, wrong(r)), r, label, msrc(uid), name)
for uid in pick(nested, 8):
    r = M[uid]["answer"]
    add("extraction", SOL[uid], r, True, msrc(uid), "real solution, nested braces inside \\boxed{}")
    if rng.random() < 0.6:
        add("extraction", sol_with(uid, wrong(r)), r, False, msrc(uid), "nested braces, last digit changed")
lastnum = [i for i in gsm_int if NUM.findall(cot(i)) and Fraction(NUM.findall(cot(i))[-1].replace(",", "")) == int(gref(i))]
for i in pick(lastnum, 10):
    r = gref(i)
    add("extraction", cot(i), r, True, gsrc(i), "no marker: answer is the last number of the CoT")
    if rng.random() < 0.6:
        add("extraction", swap_last_num(cot(i), int(r), str(int(r) + 2)), r, False, gsrc(i), "no marker: last number changed (+2)")
for i in pick(gsm_int, 6):
    r = gref(i)
    add("extraction", cot(i) + f"\n#### {r}", r, True, gsrc(i), "#### marker")
    add("extraction", cot(i) + f"\nThe answer is {r}.\nWait, I double counted one step.\n#### {int(r) - 3}", r, False, gsrc(i),
        "'The answer is' right, final #### wrong")


# ---------------------------------------------------------------- write + summary
seen, out = set(), []
for row in ROWS:
    if (row["completion"], row["answer"]) not in seen:
        seen.add((row["completion"], row["answer"]))
        out.append(row)
with open(OUT, "w", encoding="utf-8") as fh:
    fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in out)
tally = Counter((r["category"], r["label"]) for r in out)
nfalse = sum(not r["label"] for r in out)
print(f"{len(out)} rows -> {OUT}; false {nfalse} ({nfalse / len(out):.1%})")
for cat in sorted({c for c, _ in tally}):
    print(f"  {cat:18s} true {tally[cat, True]:3d}  false {tally[cat, False]:3d}")
if "--spot" in sys.argv:
    for r in random.Random(1).sample(out, 30):
        print("-" * 100, f"\n[{r['category']}] label={r['label']} answer={r['answer']!r} note={r['note']!r} src={r['source']}")
        print("   ..." + r["completion"][-300:])
