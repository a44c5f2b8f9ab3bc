"""Math answer checking: pull the final answer out of a completion and compare it to the reference.

Registered as `math`. Pure text in, `Score` out; no torch, and sympy is imported only when a pair
of answers is not settled by the fast path.

Extraction, first that applies (`extract_answer`):
  boxed        the last `\\boxed{...}` / `\\fbox{...}` (nested braces handled)
  answer_is    the last "the answer is X" (case-insensitive), up to the end of its sentence
  hashes       the last `#### X` (GSM8K style)
  last_number  the last number in the text (option `fallback_last_number`, on by default)

Comparison, first that decides (`answers_equal`):
  exact        the normalised strings are equal (`normalize`: $, \\left/\\right, \\text{}, LaTeX
               spaces, thousands separators, `x = ` prefixes, trailing units after a number)
  numeric      both sides are numbers (integer, decimal, 3/4, \\frac{3}{4}, percent): equal as
               fractions or within `rel_tol`; two numbers that differ are wrong with no sympy call
  sympy        otherwise both are turned into sympy expressions (a small LaTeX converter covering
               \\frac, \\sqrt, ^, \\cdot, \\times, \\pi; sympy's own LaTeX parser needs antlr4/lark,
               which rft does not depend on) and compared by value or `simplify(a - b) == 0`

What is not covered yet: sets and tuples, intervals, matrices, equations with several `=`,
mixed numbers (`1\\frac{1}{2}`), multiple-choice letters beyond exact match. Completions are
model output, so nothing here is `eval`ed unless it passes a whitelist of characters and names.

Cost: the fast path (regex extraction, normalisation, `Fraction` comparison) is tens of
microseconds per row; a sympy comparison is milliseconds (plus ~0.2 s for the first import), and
`simplify` can in rare cases run long, which is what `VerifierRunner`'s timeout is for.
"""
from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

from rft.verifiers.base import Score, ScoreTable, Verifier, register_verifier

# ---------------------------------------------------------------------------------------------
# Extraction

_ANSWER_IS = re.compile(r"\bthe\s+(?:final\s+)?answer\s+is\b[ \t]*:?[ \t]*", re.IGNORECASE)
_HASHES = re.compile(r"####[ \t]*([^\n]*)")
# A number not glued to a word before it: -12, 1,234, 3.5, .5, 3/4. A '-' after a letter or digit
# is subtraction (`x-3`, `2-3`), not a sign.
_NUMBER = re.compile(r"(?<![\w.])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:/\d+)?|(?<![\w.])-?\.\d+")
_SENTENCE_END = re.compile(r"\.(?:\s|$)")


def _braced(text: str, start: int) -> tuple[str, int] | None:
    """Content of the `{...}` group opening at text[start], and the index just past it."""
    depth = 0
    for i in range(start, len(text)):
        c = text[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return text[start + 1:i], i + 1
    return None  # unbalanced: a truncated completion


_BOX_CMD = re.compile(r"\\(?:boxed|fbox)(?![A-Za-z])")
_MAX_BOX_TRIES = 4


def _last_boxed(text: str) -> str | None:
    """Content of the last complete `\\boxed{...}` / `\\fbox{...}` (or the space form `\\boxed 5`)."""
    # only the last few: a degenerate completion repeating `\\boxed{` thousands of times, unclosed,
    # would otherwise cost a scan to the end of the text per occurrence
    for m in reversed(list(_BOX_CMD.finditer(text))[-_MAX_BOX_TRIES:]):
        j = m.end()
        while j < len(text) and text[j] == " ":
            j += 1
        if j < len(text) and text[j] == "{":
            got = _braced(text, j)
            if got is not None and got[0].strip():
                return got[0].strip()
        elif j > m.end():  # `\boxed 5`: up to whitespace or `$`
            word = re.match(r"[^\s$]*", text[j:]).group(0)
            if word:
                return word
    return None


def _answer_is(text: str) -> str | None:
    last = None
    for last in _ANSWER_IS.finditer(text):
        pass
    if last is None:
        return None
    rest = text[last.end():]
    lines = rest.split("\n")
    line = lines[0].strip() or next((ln.strip() for ln in lines[1:] if ln.strip()), "")
    end = _SENTENCE_END.search(line)  # "The answer is 3.5. Done." -> "3.5"
    if end:
        line = line[:end.start()]
    line = line.strip().rstrip(".").strip()
    return line or None


def extract_answer(text: str, fallback_last_number: bool = True) -> tuple[str | None, str]:
    """The final answer in `text` and how it was found ("boxed", "answer_is", "hashes", "last_number").

    Returns (None, "none") when there is no answer marker and no number (or the fallback is off).

    >>> extract_answer(r"so $x = \\boxed{\\frac{1}{2}}$ and")
    ('\\\\frac{1}{2}', 'boxed')
    >>> extract_answer("12 + 7 = 19. The answer is 19.")
    ('19', 'answer_is')
    >>> extract_answer("He pays 3 * 4 = 12 dollars.\\n#### 12")
    ('12', 'hashes')
    >>> extract_answer("3 + 4 = 7 apples")
    ('7', 'last_number')
    >>> extract_answer("3 + 4 = 7 apples", fallback_last_number=False)
    (None, 'none')
    """
    if "\\boxed" in text or "\\fbox" in text:
        got = _last_boxed(text)
        if got is not None:
            return got, "boxed"
    got = _answer_is(text)
    if got is not None:
        return got, "answer_is"
    if "####" in text:
        for m in reversed(list(_HASHES.finditer(text))):
            if m.group(1).strip():
                return m.group(1).strip(), "hashes"
    if fallback_last_number:
        last = None
        for last in _NUMBER.finditer(text):
            pass
        if last is not None:
            return last.group(0), "last_number"
    return None, "none"


def reference_answer(answer: Any) -> str | None:
    """The reference as a string: a GSM8K solution "...#### 72" gives "72", a MATH one its boxed."""
    if answer is None or isinstance(answer, bool):
        return None
    ref = str(answer).strip()
    if "####" in ref:
        ref = ref.rsplit("####", 1)[1].strip()
    elif "\\boxed" in ref or "\\fbox" in ref:
        ref = _last_boxed(ref) or ref
    return ref or None


# ---------------------------------------------------------------------------------------------
# Normalisation

_DROP = ("\\left", "\\right", "\\displaystyle", "\\!", "\\,", "\\;", "\\:", "\\quad", "\\qquad",
         "{,}", "\\$", "$")
_TEXT_CMD = re.compile(r"\\(?:text|textbf|textit|mathrm|mathbf|mbox|operatorname)\s*\{([^{}]*)\}")
_DEGREES = re.compile(r"\^\s*\{?\s*\\circ\s*\}?")
_THOUSANDS = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_LEADING_VAR = re.compile(r"^[A-Za-z]\w*\s*=\s*([^=]+)$")
_NUM_WITH_UNITS = re.compile(r"^(-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?)\s+[A-Za-z][A-Za-z.\s]*$")
_SPACE_AROUND_SYMBOL = re.compile(r"\s*([^\w\\\s])\s*")


def normalize(s: str) -> str:
    """A canonical string for comparison; never raises.

    >>> normalize(r"$\\$1,234.$")
    '1234'
    >>> normalize(r"x = \\dfrac{3}{4}")
    '\\\\frac{3}{4}'
    >>> normalize(r"\\left( 5\\text{ cm} \\right)")
    '(5 cm)'
    >>> normalize("18 dollars")
    '18'
    """
    s = s.strip()
    for tok in _DROP:
        if tok in s:
            s = s.replace(tok, "")
    s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("\\%", "%")
    s = s.replace("\\ ", " ")
    while "\\" in s and _TEXT_CMD.search(s):
        s = _TEXT_CMD.sub(lambda m: " " + m.group(1) + " ", s)  # `5\text{cm}` -> `5 cm`
    if "circ" in s:
        s = _DEGREES.sub("", s)
    s = " ".join(s.split()).strip("*").strip().rstrip(".").strip()  # markdown bold, final period
    m = _LEADING_VAR.match(s)
    if m:  # "x = 3" -> "3"
        s = m.group(1).strip()
    m = _NUM_WITH_UNITS.match(s)
    if m:  # "18 dollars" -> "18": only a number followed by words, never `3x`
        s = m.group(1)
    if "," in s and _THOUSANDS.match(s):
        s = s.replace(",", "")
    if " " in s:
        s = _SPACE_AROUND_SYMBOL.sub(r"\1", s)  # "x + 1" -> "x+1"; keeps the space in `\pi r`
    return s


# ---------------------------------------------------------------------------------------------
# Comparison

_DECIMAL = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?(\d+))?$")
_SLASH = re.compile(r"^([+-]?)(\d+)/(\d+)$")
_FRAC = re.compile(r"^([+-]?)\\frac(?:\{([^{}]+)\}\{([^{}]+)\}|(\d)(\d))$")


def _to_number(s: str) -> tuple[Fraction, bool] | None:
    """(value, is_percent) for a plain number: int, decimal, 1e-3, 3/4, \\frac{3}{4}, 50%."""
    pct = s.endswith("%")
    if pct:
        s = s[:-1].rstrip()
    m = _DECIMAL.match(s)
    if m:
        if m.group(1) and len(m.group(1)) > 3:  # 1e99999 would build a huge integer
            return None
        return Fraction(s), pct
    m = _SLASH.match(s)
    if m:
        sign, num, den = m.groups()
        return (None if int(den) == 0 else (Fraction(int(num), int(den)) * (-1 if sign == "-" else 1), pct))
    m = _FRAC.match(s)
    if m:
        sign = -1 if m.group(1) == "-" else 1
        num, den = (m.group(2), m.group(3)) if m.group(2) is not None else (m.group(4), m.group(5))
        num, den = num.strip(), den.strip()
        if _DECIMAL.match(num) and _DECIMAL.match(den) and Fraction(den) != 0:
            return sign * Fraction(num) / Fraction(den), pct
    return None


def _close(a: Fraction, b: Fraction, rel_tol: float) -> bool:
    return a == b or abs(a - b) <= Fraction(rel_tol) * max(abs(a), abs(b))


def _numbers_equal(p: tuple[Fraction, bool], r: tuple[Fraction, bool], rel_tol: float) -> bool:
    """Percent is forgiving both ways: "50%" matches 50 and 0.5."""
    (pv, pp), (rv, rp) = p, r
    cands_p = [pv, pv / 100] if pp and not rp else [pv]
    cands_r = [rv, rv / 100] if rp and not pp else [rv]
    return any(_close(a, b, rel_tol) for a in cands_p for b in cands_r)


def answers_equal(pred: str, ref: str, rel_tol: float = 1e-6, use_sympy: bool = True) -> tuple[bool, str]:
    """Whether two answer strings are the same value, and which comparison decided.

    >>> answers_equal("0.5", r"\\frac{1}{2}")
    (True, 'numeric 0.5 == \\\\frac{1}{2}')
    >>> answers_equal("19", "18")
    (False, 'numeric 19 != 18')
    >>> answers_equal("1,234", "1234")
    (True, 'exact 1234')
    >>> answers_equal(r"2\\sqrt{2}", r"\\sqrt{8}")
    (True, 'sympy 2\\\\sqrt{2} == \\\\sqrt{8}')
    """
    p, r = normalize(pred), normalize(ref)
    if not p or not r:
        return False, f"empty after normalisation ({pred!r} vs {ref!r})"
    if p == r:
        return True, f"exact {p}"
    pn, rn = _to_number(p), _to_number(r)
    if pn is not None and rn is not None:
        ok = _numbers_equal(pn, rn, rel_tol)
        return ok, f"numeric {p} {'==' if ok else '!='} {r}"
    if not use_sympy:
        return False, f"string {p} != {r}"
    return _sympy_equal(p, r, rel_tol)


# --- sympy -------------------------------------------------------------------------------------

_LATEX_NAMES = {"\\pi": " pi ", "\\infty": " oo ", "\\cdot": "*", "\\times": "*", "\\div": "/",
                "\\ln": " log", "\\log": " log", "\\sin": " sin", "\\cos": " cos", "\\tan": " tan",
                "\\exp": " exp"}
_ALLOWED_NAMES = {"sqrt", "pi", "oo", "log", "sin", "cos", "tan", "exp"}
_SAFE_CHARS = re.compile(r"^[\w\s+\-*/().,]*$")
_NAME = re.compile(r"[A-Za-z_]\w*")
_HUGE_POWER = re.compile(r"\*\*\s*\(?\s*\d{4,}|\*\*[^+\-*/]*\*\*")


def _latex_arg(s: str, i: int) -> tuple[str, int]:
    """One argument of a LaTeX command at s[i]: a braced group or a single character."""
    while i < len(s) and s[i] == " ":
        i += 1
    if i >= len(s):
        raise ValueError("missing argument")
    if s[i] == "{":
        got = _braced(s, i)
        if got is None:
            raise ValueError("unbalanced braces")
        return got
    return s[i], i + 1


def latex_to_sympy_str(s: str) -> str:
    """Python/sympy syntax for simple LaTeX: \\frac, \\sqrt, ^, \\cdot, \\times, \\pi. Raises ValueError.

    >>> latex_to_sympy_str(r"2\\sqrt{2}+\\frac{x^{2}}{3}")
    '2(sqrt(2))+((x**(2))/(3))'
    """
    out, i = [], 0
    while i < len(s):
        if s.startswith("\\frac", i):
            num, i = _latex_arg(s, i + 5)
            den, i = _latex_arg(s, i)
            out.append(f"(({latex_to_sympy_str(num)})/({latex_to_sympy_str(den)}))")
        elif s.startswith("\\sqrt", i):
            i += 5
            if i < len(s) and s[i] == "[":
                j = s.index("]", i)
                root, i = s[i + 1:j], j + 1
                arg, i = _latex_arg(s, i)
                out.append(f"(({latex_to_sympy_str(arg)})**(1/({latex_to_sympy_str(root)})))")
            else:
                arg, i = _latex_arg(s, i)
                out.append(f"(sqrt({latex_to_sympy_str(arg)}))")
        elif s[i] == "^":
            arg, i = _latex_arg(s, i + 1)
            out.append(f"**({latex_to_sympy_str(arg)})")
        elif s[i] == "\\":
            m = re.match(r"\\[A-Za-z]+", s[i:])
            name = m.group(0) if m else s[i:i + 2]
            if name not in _LATEX_NAMES:
                raise ValueError(f"unsupported LaTeX {name}")
            out.append(_LATEX_NAMES[name])
            i += len(name)
        elif s[i] in "{}":
            out.append("(" if s[i] == "{" else ")")
            i += 1
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def _parse(s: str):
    from sympy import Symbol
    from sympy.parsing.sympy_parser import (convert_xor, implicit_multiplication_application,
                                            parse_expr, standard_transformations)

    if len(s) > 200:
        raise ValueError("too long for sympy")
    if s.endswith("%"):
        s = f"({s[:-1]})/100"
    code = latex_to_sympy_str(s) if "\\" in s or "{" in s else s
    # parse_expr evals its input: allow only arithmetic characters and known names, no attribute
    # access, no dunders, no towers of powers (9**9**9 would never finish)
    code = code.replace("^", "**")
    if not _SAFE_CHARS.match(code) or "__" in code or re.search(r"[A-Za-z_)\]]\s*\.", code):
        raise ValueError("unsafe characters")
    if _HUGE_POWER.search(code):
        raise ValueError("power too large")
    names = set(_NAME.findall(code))
    bad = [n for n in names if len(n) > 1 and n not in _ALLOWED_NAMES]
    if bad:
        raise ValueError(f"unknown name {bad[0]}")
    local = {n: Symbol(n) for n in names if len(n) == 1}  # `E`, `I`, `S`, `N` stay plain symbols
    transformations = standard_transformations + (implicit_multiplication_application, convert_xor)
    return parse_expr(code, local_dict=local, transformations=transformations)


def _sympy_equal(p: str, r: str, rel_tol: float) -> tuple[bool, str]:
    try:
        a, b = _parse(p), _parse(r)
    except Exception as e:  # noqa: BLE001 - any parse failure means "cannot tell": not equal
        return False, f"sympy cannot parse ({type(e).__name__}: {e}); {p} != {r}"
    try:
        import sympy

        if not a.free_symbols and not b.free_symbols:  # constants: compare values, honours rel_tol
            av, bv = complex(sympy.N(a)), complex(sympy.N(b))
            ok = all(math.isfinite(x) for x in (av.real, av.imag, bv.real, bv.imag)) and (
                av == bv or abs(av - bv) <= rel_tol * max(abs(av), abs(bv)))
        else:  # cheapest first: most equal pairs cancel on expansion, simplify is the slow catch-all
            diff = a - b
            ok = diff == 0 or sympy.expand(diff) == 0 or sympy.simplify(diff) == 0
    except Exception as e:  # noqa: BLE001
        return False, f"sympy failed ({type(e).__name__}: {e}); {p} != {r}"
    return bool(ok), f"sympy {p} {'==' if ok else '!='} {r}"


# ---------------------------------------------------------------------------------------------
# The verifier


@register_verifier("math")
class MathVerifier(Verifier):
    """Scores a completion's final answer against the row's `answer` (int, float or string).

    Args:
        scores: reward per outcome (see `ScoreTable`).
        fallback_last_number: with no `\\boxed{}`, "the answer is" or `####`, use the last number.
        rel_tol: relative tolerance for numbers that are not exactly equal.
        use_sympy: compare non-numeric answers symbolically (off: string and number only).

    >>> v = MathVerifier()
    >>> v.score("12 + 7 = 19. The answer is 19.", answer="19")
    Score(value=1.0, outcome='correct', reason='answer_is; exact 19')
    >>> v.score("so the total is 18", answer="He pays 3 * 6 = 18.\\n#### 18")
    Score(value=1.0, outcome='correct', reason='last_number; exact 18')
    >>> v.score(r"\\boxed{0.5}", answer=r"\\frac{1}{3}").outcome
    'wrong'
    >>> v.score("I don't know", answer=3)
    Score(value=0.0, outcome='unparseable', reason='no answer found')
    """

    def __init__(self, scores: ScoreTable | dict | None = None, *, fallback_last_number: bool = True,
                 rel_tol: float = 1e-6, use_sympy: bool = True):
        super().__init__(scores)
        if not rel_tol >= 0:
            raise ValueError(f"rel_tol must be >= 0, got {rel_tol!r}")
        self.fallback_last_number = fallback_last_number
        self.rel_tol = float(rel_tol)
        self.use_sympy = use_sympy

    def score(self, completion: str, answer: Any = None, **fields: Any) -> Score:
        ref = reference_answer(answer)
        if ref is None:
            return self.error(f"reference answer is missing or empty ({answer!r})")
        pred, how = extract_answer(completion or "", self.fallback_last_number)
        if pred is None:
            return self.unparseable("no answer found")
        ok, why = answers_equal(pred, ref, self.rel_tol, self.use_sympy)
        return (self.correct if ok else self.wrong)(f"{how}; {why}")
