"""One canonical string per answer: LaTeX noise, units, prefixes and separators removed.

`normalize` is the first comparison (two answers with the same canonical string are equal) and
the input of the parser (`parse.py`). It never raises. What it removes, in order:
  delimiters     `$`, `\\(`, `\\[`, `\\displaystyle`, `\\left`/`\\right`, `\\!`, `\\,`, `\\;`, `~`
  text wrappers  `\\text{}`, `\\textbf{}`, `\\mathrm{}`, `\\mbox{}`, `\\operatorname{}` (content kept)
  spellings      `\\dfrac`/`\\tfrac`/`\\cfrac` -> `\\frac`, `\\le` -> `\\leq`, `\\%` -> `%`, `\\$` dropped
  degrees        `^\\circ`, `^{\\circ}`, `\\degree`, `°`, a trailing "degrees"
  units          words after a number: `5 cm` -> `5`, `864 inches^2` -> `864` (never `3x`)
  prefixes       `x = 3` -> `3`, `x \\in [1, 2]` -> `[1,2]` (one name on the left only)
  separators     `1,234`, `10,\\!080`, `14{,}916` and `1 000 000` -> one number when the whole
                 answer is one; `3{,}5` (a LaTeX decimal comma) -> `3.5`
  relations      `\\ne`, `!=`, `\\not=` -> `\\neq`; `\\leqslant` -> `\\leq`
  boxes          `\\boxed{...}` inside an answer (`\\boxed{\\boxed{7}}`) -> its content
"""
from __future__ import annotations

import re

from rft.verifiers.math.extract import WORD_NUMBER, braced, word_number

# spacing and sizing commands -> nothing (`\\bigcup` and `\\rightarrow` are not `\\big` and `\\right`)
_SPACING = re.compile(r"\\(?:left|right|displaystyle|quad|qquad|[bB]igg?[lr]?)(?![A-Za-z])|\\[!,;:]")
_BRACED_THOUSANDS = re.compile(r"(?<=\d)\{,\}(?=\d{3}(?!\d))")  # `1{,}000{,}000`
_BRACED_DECIMAL = re.compile(r"(?<=\d)\{,\}(?=\d)")  # `3{,}5`: a decimal comma
_NOT_EQUAL = re.compile(r"\\neq?(?![A-Za-z])|(?<![\d)}!])!=|\\not\s*=")  # `8! = 40320` is a factorial
# spelling variants -> one spelling
_REPLACE = (("\\dfrac", "\\frac"), ("\\tfrac", "\\frac"), ("\\cfrac", "\\frac"), ("\\%", "%"), ("\\lbrace", "\\{"),
            ("\\rbrace", "\\}"), ("\\langle", "("), ("\\rangle", ")"), ("\\lvert", "|"), ("\\rvert", "|"),
            ("−", "-"), ("\\emptyset", "\\varnothing"), ("°", "^\\circ"), ("\\degree", "^\\circ"), ("~", " "),
            ("¢", " cents"), ("\\bigcup", "\\cup"), ("\\leqslant", "\\leq"), ("\\geqslant", "\\geq"),
            ("≠", "\\neq"), ("\\textnormal", "\\text"), ("\\colon", ":"), ("\\dbinom", "\\binom"),
            ("\\tbinom", "\\binom"))
_TEXT_CMD = re.compile(r"\\(?:text|textbf|textit|textrm|textnormal|textsf|texttt|textup|mathrm|mathbf|mathit|mathsf|"
                       r"mathtt|mathnormal|mbox|operatorname|hbox|boldsymbol|bm|boxed|fbox)\s*\{")
# a unit in text after a value: `10\text{ m}`, `12\pi \text{ inches per second}`, `5\mbox{ cm}^2`
_TRAILING_TEXT_UNIT = re.compile(r"^(.*?[\d}a-z])\s*\\(?:text|textnormal|textrm|mbox|mathrm)\s*\{\s*[A-Za-z][A-Za-z./ ]*\}(?:\s*\^\s*\{?\d\}?)?$")
_ESCAPED_SPACE = re.compile(r"(?<!\\)\\ ")  # `\ ` is a space, `\\ ` a matrix row break
_DEGREES = re.compile(r"\^\s*\{?\s*\\circ\s*\}?")
_THOUSANDS = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_SPACED_THOUSANDS = re.compile(r"^-?\d{1,3}(?: \d{3})+(?:\.\d+)?$")  # `1 000 000`, `1\ 000`
# `x = 3`, `x_1 = 3`, `total = 18`, `\theta = 30`, `(a,b) = (-2,1)`, `x \in [1,2]`: one name on the left
_LEADING_VAR = re.compile(r"^(?:\\?[A-Za-z]\w*(?:_\{?\w+\}?)?|\([A-Za-z](?:,[A-Za-z])+\))\s*(?:=|\\in)\s*([^=]+)$")
_UNIT_WORD = r"(?:[A-Za-z]{2,}\.?|[A-Za-z]+/[A-Za-z]+)(?:\s*\^\s*\{?\d\}?)?"  # `cm`, `km/h`, `m/s`
_NUM_WITH_UNITS = re.compile(r"^(-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?|-?\\frac\{[^{}]+\}\{[^{}]+\}|-?\\frac\s*\d\d?)"
                             rf"(?:\s+{_UNIT_WORD})+$")
_SPACE_AROUND_SYMBOL = re.compile(r"\s*([^\w\\\s])\s*")
_MATH_WRAP = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"))
_KNOWN_WORDS = re.compile(r"^(?:sqrt|pi|sin|cos|tan|sec|csc|cot|log|ln|exp|arcsin|arccos|arctan|infty|i|e)$")


def _strip_math_wrappers(s: str) -> str:
    changed = True
    while changed:
        changed = False
        for a, b in _MATH_WRAP:
            if s.startswith(a) and s.endswith(b) and len(s) > len(a) + len(b):
                s, changed = s[len(a):-len(b)].strip(), True
    return s.replace("$", "")


def _unwrap_text(s: str) -> str:
    """`\\text{...}`, `\\mathbf{...}`, ... -> their content, nested braces and all."""
    while "\\" in s:
        m = _TEXT_CMD.search(s)
        if m is None:
            break
        got = braced(s, m.end() - 1)
        if got is None:
            break
        s = s[:m.start()] + " " + got[0] + " " + s[got[1]:]  # `5\text{cm}` -> `5 cm`
    return s


def normalize(s: str) -> str:
    """A canonical string for comparison; never raises.

    >>> normalize(r"$\\$1,234.$")
    '1234'
    >>> normalize(r"x = \\dfrac{3}{4}")
    '\\\\frac{3}{4}'
    >>> normalize(r"\\left( 5\\text{ cm} \\right)")
    '(5 cm)'
    >>> normalize(r"864 \\mbox{ inches}^2")
    '864'
    >>> normalize(r"11,\\! 111,\\! 111,\\! 100")
    '11111111100'
    >>> normalize(r"x \\in [-2,7]")
    '[-2,7]'
    """
    s = _strip_math_wrappers(s.replace("\\$", "").strip())  # `\$` first: its `$` is not a delimiter
    if "{,}" in s:
        s = _BRACED_DECIMAL.sub(".", _BRACED_THOUSANDS.sub("", s))
    if "\\" in s:
        s = _SPACING.sub("", s)
    if "ne" in s or "=" in s:
        s = _NOT_EQUAL.sub(r"\\neq ", s)
    for a, b in _REPLACE:
        if a in s:
            s = s.replace(a, b)
    if "\\ " in s:
        s = _ESCAPED_SPACE.sub(" ", s)
    if "circ" in s:
        s = _DEGREES.sub("", s)
    if "\\approx" in s:  # `\frac{8}{21} \approx 0.381`: the exact value before it
        s = s.split("\\approx")[0].strip() or s
    m = _TRAILING_TEXT_UNIT.match(s)
    if m and m.group(1).strip():  # `10\text{ m}`, `12\pi \text{ inches per second}`: a unit in text
        s = m.group(1)
    s = _unwrap_text(s)
    s = " ".join(s.split()).strip("*").strip().rstrip(".").strip()  # markdown bold, final period
    if s.endswith(" degrees") or s.endswith(" degree"):
        s = s.rsplit(" ", 1)[0]
    m = WORD_NUMBER.fullmatch(s)
    if m:  # "eighteen" -> "18"
        s = str(word_number(m))
    m = _LEADING_VAR.match(s)
    if m:  # "x = 3" -> "3"
        s = m.group(1).strip()
    m = _NUM_WITH_UNITS.match(s)
    if m and not _KNOWN_WORDS.match(s[m.end(1):].strip().split("^")[0].strip()):
        s = m.group(1)  # "18 dollars" -> "18": a number followed by words only, never `3x` or `2 \pi`
    if ("," in s and _THOUSANDS.match(s.replace(" ", ""))) or _SPACED_THOUSANDS.match(s):
        s = s.replace(",", "").replace(" ", "")
    if " " in s:
        s = _SPACE_AROUND_SYMBOL.sub(r"\1", s)  # "x + 1" -> "x+1"; keeps the space in `\pi r`
    return s
