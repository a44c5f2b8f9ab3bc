"""Is a predicted answer the same as the reference? Structure first, then value.

`answers_equal(pred, ref)` normalises both strings (`normalize.py`); equal strings are equal.
Otherwise each side is read as one of these (`parse_answer`), and the two are compared by kind:
  choice     `(C)`, `\\text{(C)}`, `C`: the letters
  text       words (`\\text{Evelyn}`, `east`): case-folded, articles dropped
  base       `52_8`, `4210_{5}`: digits and base (a prediction may omit the base)
  expr       one expression (`percent` kept as a flag): see below
  equation   `5x - 7y + 11z + 4 = 0`: equal when the two sides' differences are proportional
  seq        `(3, 4]`, `(6,31,-1)`, `[0,\\infty)`: brackets must match (open and closed ends are
             kept), items in order
  set/list   `\\{1,2\\}`, `1, -2`, `1 \\pm \\sqrt{19}`: items in any order, as a multiset
  union      `(0,9) \\cup (9,36)`: its intervals in any order
  inequality `x > 5`, `3 < x \\leq 4`, `x<2 or x>3`, `-x > -1`, `x \\neq 3`, `\\{x \\mid x > 2\\}`:
             read as the interval (or union) it describes
  ratio      `11:21`: its terms in order
  matrix     `\\begin{pmatrix}...\\end{pmatrix}` (any matrix environment, times a scalar as in
             `-\\begin{pmatrix}...`): shape and entries; a tuple matches a one-column matrix
Before that, what an item states is taken: a chain's last member (`x = 5+5+1 = 11`), the right
side of a name or a computation (`f(2) = 7`, `V_1:V_2 = 11:21`, `3 \\times 4 = 12`); lists may be
joined by "and"/"or", and `;` separates tuples (`p=5,q=2; p=7,q=2`).
A list against one value is equal only when every item equals it: `\\frac{639}{40}, 15.975` is one
answer in two forms, `1 or -2` a hedge, which is wrong.

Expressions, cheapest first:
  numeric    both rational (`0.5`, `\\frac{1}{2}`, `1.5\\times10^{3}`, `2\\frac{1}{2}`, `50%`): exact
             fractions, equal within `rel_tol`; percent matches both 50 and 0.5
  value      constants (`2\\sqrt{2}`, `\\frac{\\pi}{2}`, `6-5i`): complex values within `rel_tol`
  identity   with symbols: the two are evaluated at fixed random points (exactly with fractions
             where the values are rational, else in complex floats) and must agree at all of them.
             Two different rational functions agree at a random point with negligible
             probability (Schwartz-Zippel); this is how most equal pairs are settled without sympy.
  sympy      only when evaluation cannot decide (the values overflow or are undefined at most
             points): `simplify(a - b) == 0` in a child process with a hard deadline
             (`symbolic.py`); a timeout is an undecided result, which the verifier scores `error`.
"""
from __future__ import annotations

import random
import re
from fractions import Fraction

from rft.verifiers.math import symbolic
from rft.verifiers.math.expr import (ParseError, TooBig, approx, exact, has_const, parse_expr, symbols)
from rft.verifiers.math.normalize import normalize

_CHOICE = re.compile(r"^\(?([A-E])\)?$")
_CHOICE_LEAD = re.compile(r"^\(([a-eA-E])\)")
_BASE = re.compile(r"^([0-9A-Fa-f]+)_\{?(\d+)\}?$")
_WORD = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{3,}")
_NOT_WORDS = {"sqrt", "sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "sinh", "cosh",
              "tanh", "log", "exp", "abs", "pi"}
_MATRIX = re.compile(r"^\\begin\{([pbBvV]?matrix|array)\}(?:\{[^{}]*\})?(.*)\\end\{\1\}$", re.DOTALL)
_OPEN, _CLOSE = "([{", ")]}"
_CONJUNCTION = re.compile(r"^(?:and|or)\s+")
_INEQ = re.compile(r"(<=|>=|≤|≥|\\leq?(?![a-z])|\\geq?(?![a-z])|\\lt|\\gt|<|>)")
_VAR = re.compile(r"[A-Za-z]|\\[a-z]+")  # the variable of an inequality: x, \lambda
_OR = re.compile(r"\s*(?:\bor\b|\\vee|\\cup)\s*")
_SCALED_MATRIX = re.compile(r"^(.+?)\s*(\\begin\{([pbBvV]?matrix)\}.*\\end\{\3\})$", re.DOTALL)
_ARTICLES = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_NEQ = re.compile(r"\\neq(?![A-Za-z])")
# one name, or names in a ratio: `x`, `x_1`, `\theta`, `f(2)`, `P(A)`, `V_1:V_2`, `\angle ABC`
_ONE_NAME = r"(?:m?\\angle\s*[A-Z]{1,3}|\\?[A-Za-z]\w*(?:_\{?\w+\}?)?(?:\^\{?[-\w]+\}?)?(?:\([^()=]*\))?)"
_NAME = re.compile(rf"{_ONE_NAME}(?:\s*:\s*{_ONE_NAME})*|\(\s*{_ONE_NAME}(?:\s*,\s*{_ONE_NAME})+\s*\)")
_SET_BUILDER = re.compile(r"^\\\{\s*[A-Za-z]\s*(?:\\mid|\||:)\s*(.+)\\\}$")  # \{x \mid x > 2\}
_WORD_SEP = re.compile(r",?\s*(?<![A-Za-z\\])(?:and|or)(?![A-Za-z])\s*")  # `2 and -3`, `x=2 or x=-3`
_NAMED = re.compile(rf"^{_ONE_NAME}\s*=")
_DECIMAL_COMMA = re.compile(r"^-?\d+,(?:\d{1,2}|\d{4,})$")  # `3,75`: never a thousands separator
# Fixed random points for identity testing: the same for every comparison, so results repeat.
_RNG = random.Random(20261126)
_POINTS = [[Fraction(_RNG.randint(3, 59), _RNG.randint(2, 17)) for _ in range(12)] for _ in range(6)]
_MIN_POINTS = 3


# --- reading an answer -------------------------------------------------------------------------

def split_top(s: str, sep: str | re.Pattern) -> list[str]:
    """Split at `sep` (a string, or a regex matching a non-empty separator) outside (), [], {}
    and \\{ \\}.

    >>> split_top(r"(1,2),\\{3,4\\},5", ",")
    ['(1,2)', '\\\\{3,4\\\\}', '5']
    """
    if isinstance(sep, re.Pattern):
        def end_of_sep(i):
            m = sep.match(s, i)
            return m.end() if m and m.end() > i else None
    else:
        def end_of_sep(i):
            return i + len(sep) if s.startswith(sep, i) else None
    parts, depth, start, i = [], 0, 0, 0
    while i < len(s):
        c = s[i]
        if c == "\\" and s[i + 1:i + 2] in ("{", "}"):
            depth += 1 if s[i + 1] == "{" else -1
            i += 2
            continue
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth -= 1
        elif depth == 0 and (end := end_of_sep(i)) is not None:
            parts.append(s[start:i])
            start = i = end
            continue
        i += 1
    parts.append(s[start:])
    return [p.strip() for p in parts]


def _value_of(s: str) -> str:
    """What an item states: `x = 5+5+1 = 11` -> `11` (a chain: its last member), `f(2) = 7`,
    `V_1:V_2 = 11:21` and `3 \\times 4 = 12` -> the right side (a name or a constant on the left).
    A real equation (`2x + 3y = 6`) stays one."""
    if sum("=" in p for p in split_top(s, ",")) > 1 or len(split_top(s, _WORD_SEP)) > 1:
        return s  # a list (`x = -5, p = 3`, `x = 1 or x = 5`): each item is read on its own
    members = split_top(s, "=")
    if len(members) > 2 and all(members):
        return normalize(members[-1])
    if len(members) == 2 and members[1] and (_NAME.fullmatch(members[0]) or _constant(members[0])):
        return normalize(members[1])  # `3 \\times 4 = 12`: a computation, not an equation
    return s


def _constant(s: str) -> bool:
    try:
        return not symbols(parse_expr(s))
    except (ParseError, RecursionError):
        return False


def _wraps(s: str) -> bool:
    """Whether the bracket at s[0] closes at s[-1] (so `(a+5)(b+2)` is not one group)."""
    depth = 0
    for i, c in enumerate(s):
        depth += c in _OPEN
        depth -= c in _CLOSE
        if depth == 0:
            return i == len(s) - 1
    return False


def parse_answer(s: str):
    """A normalised answer string as a typed tuple (see the module docstring); raises ParseError.

    >>> parse_answer("(3,4]")[:3]
    ('seq', '(', ']')
    >>> parse_answer(normalize(r"\\text{(C)}"))
    ('choice', 'C')
    """
    s = s.strip()
    if not s:
        raise ParseError("empty")
    m = _CHOICE.match(s)
    if m:
        return ("choice", m.group(1))
    m = _BASE.match(s)
    if m and int(m.group(2)) >= 2:
        return ("base", m.group(1).upper(), int(m.group(2)))
    if "=" in s and not _INEQ.search(s) and not s.startswith("\\{"):  # `A^{-1} = \begin{pmatrix}...`, `x = 5+5+1 = 11`
        s = _value_of(s)
    if s[:1] in "([" and _wraps(s) and s[1:].lstrip().startswith("\\begin"):  # `\left[\begin{array}...\right]`
        s = s[1:-1].strip()
    m = _MATRIX.match(s)
    if m:
        rows = [r for r in re.split(r"\\\\", m.group(2)) if r.strip()]
        return ("matrix", tuple(tuple(_item(c) for c in r.split("&")) for r in rows))
    m = _SCALED_MATRIX.match(s)
    if m:  # `-\begin{pmatrix}...`, `\frac{8}{49}\begin{pmatrix}...`: the scalar times each entry
        scalar = ("num", Fraction(-1)) if m.group(1).strip() == "-" else parse_expr(m.group(1))
        rows = parse_answer(m.group(2))[1]
        return ("matrix", tuple(tuple(_scale(scalar, e) for e in row) for row in rows))
    m = _SET_BUILDER.match(s)
    if m:  # the set its condition describes
        return parse_answer(m.group(1))
    if (_INEQ.search(s) or _NEQ.search(s)) and "\\begin" not in s:
        return _inequality(s)
    if s in ("\\varnothing", "\\{\\}"):
        return ("set", ())
    if "\\cup" in s and len(split_top(s, "\\cup")) > 1:
        return ("union", tuple(parse_answer(p) for p in split_top(s, "\\cup")))
    if s.startswith("\\{") and s.endswith("\\}"):
        return ("set", _items(split_top(s[2:-2], ",")))
    groups = [g for g in split_top(s, ";") if g]
    if len(groups) > 1:  # `p=5,q=2; p=7,q=2`: a list of tuples
        return ("list", tuple(_group(g) for g in groups))
    if "and" in s or "or" in s:
        words = [w for w in split_top(s, _WORD_SEP) if w]
        if len(words) > 1 and all(len(split_top(w, ",")) > 1 and all(_NAMED.match(x) for x in split_top(w, ","))
                                  for w in words):
            return ("list", tuple(_group(w) for w in words))  # `x=1, y=2 or x=2, y=1`: a list of tuples
        if len(words) > 1:  # `2 and -3`, `x = 2 or x = -3`: a list
            s = ",".join(words)
    if s[0] in "([" and s[-1] in ")]" and _wraps(s):
        inner = split_top(s[1:-1], ",")
        if len(inner) > 1:
            return ("seq", s[0], s[-1], tuple(_item(p) for p in inner))
    parts = [p for p in split_top(s, ",") if p]  # `3, 5, or 7` leaves an empty item
    if len(parts) > 1:
        return ("list", _items(parts))
    if "\\pm" in s or "\\mp" in s:
        return ("list", _items([s]))
    return _scalar(s)


def _group(g: str):
    """One `;`-separated group: several items make a tuple (`p=5,q=2` -> (5, 2))."""
    parts = split_top(g, ",")
    if len(parts) > 1:
        return ("seq", "(", ")", tuple(_item(_value_of(p)) for p in parts))
    return _item(_value_of(g))


def _items(parts: list[str]) -> tuple:
    out = []
    for p in parts:
        p = _value_of(_CONJUNCTION.sub("", p))  # "3, 5, and 7"; "x = -5, p = 14/3"
        pm = split_top(p, "\\pm") if "\\pm" in p else split_top(p, "\\mp") if "\\mp" in p else [p]
        if len(pm) == 2:  # a \pm b: two answers
            a, b = (pm[0] or "0"), pm[1]
            out += [("expr", parse_expr(f"{a}+({b})"), False), ("expr", parse_expr(f"{a}-({b})"), False)]
        else:
            out.append(_item(p))
    return tuple(out)


def _item(s: str):
    """One item of a tuple, set or matrix: itself structured (a nested tuple) or a scalar."""
    s = s.strip()
    if (_CHOICE.match(s) or _BASE.match(s) or s.startswith(("\\{", "\\begin"))
            or (s[:1] in "([" and s[-1:] in ")]" and _wraps(s) and len(split_top(s[1:-1], ",")) > 1)):
        return parse_answer(s)
    return _scalar(s)


def _scalar(s: str):
    words = [w for w in _WORD.findall(s) if w.lower() not in _NOT_WORDS]
    if words:
        return ("text", _text_key(s))
    if s.count("=") == 1:
        lhs, rhs = s.split("=")
        return ("equation", parse_expr(lhs), parse_expr(rhs))
    ratio = split_top(s, ":")
    if len(ratio) > 1 and all(ratio):  # `11:21`: its terms, in order
        return ("ratio", tuple(_scalar(p) for p in ratio))
    pct = s.endswith("%")
    if pct:
        s = s[:-1].rstrip()
    m = re.match(r"^(-?)(\d+)\s*\\frac\{?(\d+)\}?\{?(\d+)\}?$", s)  # 2\frac{1}{2}: a mixed number
    if m and int(m.group(3)) < int(m.group(4)):
        sign, whole, num, den = m.groups()
        value = (int(whole) + Fraction(int(num), int(den))) * (-1 if sign else 1)
        return ("expr", ("num", value), pct)
    return ("expr", parse_expr(s), pct)


def _scale(scalar, entry):
    if entry[0] != "expr":
        raise ParseError("a scalar times a matrix of non-numbers")
    return ("expr", ("mul", (scalar, entry[1])), False)


_OO = ("const", "oo")


def _less(op: str) -> bool:
    return op[0] in "<≤" or op.startswith(("\\le", "\\lt"))


def _strict(op: str) -> bool:
    return op in ("<", ">", "\\lt", "\\gt")


def _inequality(s: str):
    """`x > 5` -> (5, oo); `3 < x \\leq 4` -> (3, 4]; `x<2 or x>3` -> a union. One variable only."""
    parts = [p for p in _OR.split(s) if p]
    if len(parts) > 1:
        return ("union", tuple(_inequality(p) for p in parts))
    if _NEQ.search(s):  # x \neq 3: everything but 3
        side = [t.strip() for t in _NEQ.split(s)]
        if len(side) != 2 or not (_VAR.fullmatch(side[0]) or _VAR.fullmatch(side[1])):
            raise ParseError(f"not a relation in one variable: {s!r}")
        v = parse_expr(side[1] if _VAR.fullmatch(side[0]) else side[0])
        lo, hi = ("expr", ("neg", _OO), False), ("expr", _OO, False)
        return ("union", (("seq", "(", ")", (lo, ("expr", v, False))), ("seq", "(", ")", (("expr", v, False), hi))))
    tok = [t.strip() for t in _INEQ.split(s)]
    if len(tok) == 3 and not (_VAR.fullmatch(tok[0]) or _VAR.fullmatch(tok[2])):
        tok = _solve_linear(*tok)  # -x > -1 -> x < 1
    if len(tok) == 3:
        a, op, b = tok
        if _VAR.fullmatch(a):  # x < b
            bound = parse_expr(b) if isinstance(b, str) else b
            lo, hi, lo_open, hi_open = ((("neg", _OO), bound, True, _strict(op)) if _less(op)
                                        else (bound, _OO, _strict(op), True))
        elif _VAR.fullmatch(b):  # a < x
            bound = parse_expr(a)
            lo, hi, lo_open, hi_open = ((bound, _OO, _strict(op), True) if _less(op)
                                        else (("neg", _OO), bound, True, _strict(op)))
        else:
            raise ParseError(f"not an inequality in one variable: {s!r}")
    elif len(tok) == 5 and _VAR.fullmatch(tok[2]) and _less(tok[1]) == _less(tok[3]):
        a, op1, _, op2, b = tok
        if not _less(op1):  # 4 >= x > 3
            a, b, op1, op2 = b, a, op2, op1
        lo, hi, lo_open, hi_open = parse_expr(a), parse_expr(b), _strict(op1), _strict(op2)
    else:
        raise ParseError(f"not an inequality in one variable: {s!r}")
    return ("seq", "(" if lo_open else "[", ")" if hi_open else "]", (("expr", lo, False), ("expr", hi, False)))


_FLIP = {"<": ">", ">": "<", "\\lt": "\\gt", "\\gt": "\\lt", "\\leq": "\\geq", "\\geq": "\\leq", "\\le": "\\ge",
         "\\ge": "\\le", "<=": ">=", ">=": "<=", "≤": "≥", "≥": "≤"}


def _solve_linear(a: str, op: str, b: str) -> tuple:
    """`-x > -1` -> (x, <, 1); `2x + 1 \\leq 7` -> (x, \\leq, 3): a side linear in one variable, the
    other constant, solved for the variable (the relation flips when its coefficient is negative)."""
    ta, tb = parse_expr(a), parse_expr(b)
    if symbols(tb) and not symbols(ta):
        ta, tb, op = tb, ta, _FLIP[op]
    names = symbols(ta)
    if len(names) != 1 or symbols(tb):
        raise ParseError(f"not an inequality in one variable: {a} {op} {b}")
    (name,) = names
    f0, f1, f2 = (_safe_exact(ta, {name: Fraction(x)}) for x in (0, 1, 2))
    if None in (f0, f1, f2) or f2 - f1 != f1 - f0 or f1 == f0:
        raise ParseError(f"not linear in {name}: {a}")
    slope = f1 - f0
    bound = ("div", ("add", (tb, ("num", -f0))), ("num", slope))
    return name, (op if slope > 0 else _FLIP[op]), bound


def _text_key(s: str) -> str:
    s = re.sub(r"[\\{}$]", " ", s)
    s = _ARTICLES.sub("", " ".join(s.split()).strip(" .").casefold())
    return s


# --- comparing ---------------------------------------------------------------------------------

def _close(a: Fraction, b: Fraction, rel_tol: float) -> bool:
    return a == b or abs(a - b) <= Fraction(rel_tol) * max(abs(a), abs(b))


def _cclose(a: complex, b: complex, rel_tol: float) -> bool:
    return a == b or abs(a - b) <= rel_tol * max(abs(a), abs(b), 1e-12)


def _safe_exact(t, env=None):
    try:
        return exact(t, env)
    except (ZeroDivisionError, TooBig):
        return None


def _safe_approx(t, env=None):
    try:
        v = approx(t, env)
    except (ZeroDivisionError, OverflowError, ValueError, TooBig, KeyError):
        return None
    return v if v == v and abs(v) != float("inf") else None


def expr_equal(a, b, rel_tol: float, use_sympy: bool, timeout_s: float) -> tuple[bool | None, str]:
    """(equal?, method) for two expression trees; None when undecided (see module docstring)."""
    names = sorted(symbols(a) | symbols(b))
    if not names:
        ea, eb = _safe_exact(a), _safe_exact(b)
        if ea is not None and eb is not None:
            return _close(ea, eb, rel_tol), "numeric"
        if has_const(a, "oo") or has_const(b, "oo"):
            va, vb = _safe_approx(a) if not has_const(a, "oo") else _inf_sign(a), \
                _safe_approx(b) if not has_const(b, "oo") else _inf_sign(b)
            return va is not None and va == vb, "value"
        va, vb = _safe_approx(a), _safe_approx(b)
        if va is not None and vb is not None:
            return _cclose(va, vb, max(rel_tol, 1e-12)), "value"
    else:
        agree = 0
        for col in range(len(_POINTS[0])):
            env = {n: _POINTS[k % len(_POINTS)][col] for k, n in enumerate(names)}
            ea, eb = _safe_exact(a, env), _safe_exact(b, env)
            if ea is not None and eb is not None:
                if ea != eb:
                    return False, "identity"
                agree += 1
            else:
                cenv = {n: complex(v) for n, v in env.items()}
                va, vb = _safe_approx(a, cenv), _safe_approx(b, cenv)
                if va is None or vb is None:
                    continue
                if not _cclose(va, vb, 1e-9):
                    return False, "identity"
                agree += 1
            if agree >= 4:
                return True, "identity"
        if agree >= _MIN_POINTS:
            return True, "identity"
    if not use_sympy:
        return False, "undecided without sympy"
    return symbolic.sympy_equal(a, b, timeout_s)


def _inf_sign(t):
    if t == ("const", "oo"):
        return float("inf")
    if t[0] == "neg" and t[1] == ("const", "oo"):
        return float("-inf")
    return None


def _all(results) -> tuple[bool | None, str]:
    undecided = None
    for ok, how in results:
        if ok is False:
            return False, how
        if ok is None:
            undecided = (None, how)
    return undecided or (True, "")


def _multiset_equal(ps: tuple, rs: tuple, cmp) -> tuple[bool | None, str]:
    if len(ps) != len(rs):
        return False, f"{len(ps)} items vs {len(rs)}"
    left = list(rs)
    for p in ps:
        for j, r in enumerate(left):
            if cmp(p, r)[0]:
                del left[j]
                break
        else:
            return False, "items differ"
    return True, ""


def values_equal(p, r, rel_tol: float = 1e-6, use_sympy: bool = True, timeout_s: float = 1.0) -> tuple[bool | None, str]:
    """(equal?, method) for two parsed answers."""
    def cmp(x, y):
        return values_equal(x, y, rel_tol, use_sympy, timeout_s)

    kp, kr = p[0], r[0]
    if kr == "choice":
        if kp == "text":  # `\text{(E) Hyperbola}`: the letter, with the option's text after it
            m = _CHOICE_LEAD.match(p[1])
            return bool(m) and m.group(1).upper() == r[1], "choice"
        return kp == "choice" and p[1] == r[1], "choice"
    if kr == "text" or kp == "text":
        return kp == kr and p[1] == r[1], "text"
    if kr == "base":
        if kp == "base":
            return p[1:] == r[1:], "base"
        return kp == "expr" and not symbols(p[1]) and str(_safe_exact(p[1])) == r[1], "base"
    if kp == "expr" and kr == "expr":
        a, b = p[1], r[1]
        if p[2] != r[2]:  # percent on one side only: 50% matches 50 and 0.5
            hundred = ("num", Fraction(100))
            pct, other = (a, b) if p[2] else (b, a)
            first = expr_equal(pct, other, rel_tol, use_sympy, timeout_s)
            if first[0]:
                return first
            return expr_equal(("div", pct, hundred), other, rel_tol, use_sympy, timeout_s)
        return expr_equal(a, b, rel_tol, use_sympy, timeout_s)
    if kp == "ratio" or kr == "ratio":
        if kp != kr or len(p[1]) != len(r[1]):
            return False, "ratio"
        return _all(cmp(x, y) for x, y in zip(p[1], r[1]))[0], "ratio"
    if kp == "equation" and kr == "equation":
        return _equation_equal(p, r, rel_tol, use_sympy, timeout_s)
    if kp == "equation" and kr == "expr" and not symbols(p[2]):  # `-\frac{b}{a} = 5`: the value it states
        return expr_equal(p[2], r[1], rel_tol, use_sympy, timeout_s)
    if kp in ("set", "list") and kr in ("set", "list") or kp == kr == "union":
        ok, why = _multiset_equal(p[-1], r[-1], cmp)
        return (ok, "set") if ok is not False else (False, f"set: {why}")
    if kp == "seq" and kr == "seq":
        if (p[1], p[2]) != (r[1], r[2]):
            return False, "interval ends differ" if len(r[3]) == 2 else "brackets differ"
        if len(p[3]) != len(r[3]):
            return False, "tuple lengths differ"
        ok, how = _all(cmp(x, y) for x, y in zip(p[3], r[3]))
        return ok, "tuple"
    if {kp, kr} == {"seq", "list"}:  # `1, 2` for the point `(1, 2)`
        seq, lst = (p, r) if kp == "seq" else (r, p)
        if seq[1:3] != ("(", ")") or len(seq[3]) != len(lst[1]):
            return False, "tuple vs list"
        return _all(cmp(x, y) for x, y in zip(seq[3], lst[1]))[0], "tuple"
    if {kp, kr} == {"seq", "matrix"}:  # a vector as a tuple: (1, 2) for a column (or row) matrix
        seq, mat = (p, r) if kp == "seq" else (r, p)
        entries = [e for row in mat[1] for e in row]
        if seq[1:3] != ("(", ")") or min(len(mat[1]), len(mat[1][0])) != 1 or len(entries) != len(seq[3]):
            return False, "tuple vs matrix"
        return _all(cmp(x, y) for x, y in zip(seq[3], entries))[0], "vector"
    if kp == "matrix" and kr == "matrix":
        if [len(row) for row in p[1]] != [len(row) for row in r[1]]:
            return False, "matrix shapes differ"
        return _all(cmp(x, y) for pr, rr in zip(p[1], r[1]) for x, y in zip(pr, rr))[0], "matrix"
    if kp in ("set", "list") and kr not in ("set", "list"):  # {3} for 3; `\boxed{15\frac{39}{40}}, \boxed{\frac{639}{40}}`
        ok, how = _all(cmp(x, r) for x in p[1])  # one answer written in several equal forms, not a hedge
        return ok, how or "set"
    if kr in ("set", "list") and len(r[1]) == 1:
        return cmp(p, r[1][0])
    return False, f"{kp} vs {kr}"


def _equation_equal(p, r, rel_tol, use_sympy, timeout_s) -> tuple[bool | None, str]:
    """Same equation: (lhs - rhs) of one is a nonzero constant times that of the other."""
    dp, dr = ("add", (p[1], ("neg", p[2]))), ("add", (r[1], ("neg", r[2])))
    names = sorted(symbols(dp) | symbols(dr))
    ratio = None
    for col in range(len(_POINTS[0])):
        env = {n: complex(_POINTS[k % len(_POINTS)][col]) for k, n in enumerate(names)}
        a, b = _safe_approx(dp, env), _safe_approx(dr, env)
        if a is None or b is None or abs(b) < 1e-12:
            continue
        q = a / b
        if ratio is None:
            ratio = q
        elif not _cclose(q, ratio, 1e-9):
            return False, "equation"
    return (ratio is not None and abs(ratio) > 1e-12), "equation"


def answers_equal(pred: str, ref: str, rel_tol: float = 1e-6, use_sympy: bool = True,
                  timeout_s: float = 1.0) -> tuple[bool | None, str]:
    """Whether two answer strings are the same, and which comparison decided; None if undecided.

    >>> answers_equal("0.5", r"\\frac{1}{2}")
    (True, 'numeric 0.5 == \\\\frac{1}{2}')
    >>> answers_equal("19", "18")
    (False, 'numeric 19 != 18')
    >>> answers_equal("1,234", "1234")
    (True, 'exact 1234')
    >>> answers_equal(r"2\\sqrt{2}", r"\\sqrt{8}")
    (True, 'value 2\\\\sqrt{2} == \\\\sqrt{8}')
    >>> answers_equal(r"\\left[ 3, 4 \\right)", "[3,4]")
    (False, 'interval ends differ [3,4) != [3,4]')
    """
    p, r = normalize(pred), normalize(ref)
    if not p or not r:
        return False, f"empty after normalisation ({pred!r} vs {ref!r})"
    if p == r:
        return True, f"exact {p}"
    try:
        rv, ref_error = parse_answer(r), None
    except (ParseError, RecursionError) as e:
        rv, ref_error = None, e
    if rv is not None and rv[0] == "choice":  # `(C)`, or the letter then its option: `\textbf{(B)}\ 3(1+r/10)^x`
        m = _CHOICE.match(p) or _CHOICE_LEAD.match(p)
        ok = bool(m) and m.group(1).upper() == rv[1]
        return ok, f"choice {p} {'==' if ok else '!='} {r}"
    if rv is not None and rv[0] == "expr" and _DECIMAL_COMMA.match(p):  # `3,75` for one number: 3.75
        p = p.replace(",", ".")
    try:
        pv = parse_answer(p)
    except (ParseError, RecursionError) as e:
        return False, f"cannot parse prediction ({e}); {p} != {r}"
    if rv is None:
        if pv[0] == "text":
            return _text_key(p) == _text_key(r), "text"
        return False, f"cannot parse reference ({ref_error}); {p} != {r}"
    ok, how = values_equal(pv, rv, rel_tol, use_sympy, timeout_s)
    if ok is None:
        return None, f"{how}; {p} ? {r}"
    return ok, f"{how} {p} {'==' if ok else '!='} {r}"
