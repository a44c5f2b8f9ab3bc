"""A LaTeX math expression as a small tree, and its exact or numeric value.

The parser is a recursive descent over the characters of a normalised answer. It reads numbers
(`3`, `0.25`, `1.5e3`), single-letter symbols (`x`, `x_1`), `\\pi`, `\\infty`, `i`, `+ - * /`,
`\\cdot`, `\\times`, `\\div`, `^`, implicit products (`2x`, `2\\sqrt{2}`, `(a+5)(b+2)`), `!`,
`\\frac{a}{b}` / `\\frac12`, `\\sqrt{x}` / `\\sqrt[3]{x}`, `\\binom{n}{k}`, functions (`\\sin`,
`\\log_2`, `\\ln`, `\\exp`, `\\arctan`, ...), and groups in `()`, `[]`, `{}`. Anything else raises
`ParseError`, so text that is not understood is never guessed at. Nothing is `eval`ed.

Trees are tuples, so they pickle (for the sympy worker) and hash (for the cache):
  ("num", Fraction)  ("sym", name)  ("const", "pi" | "e" | "i" | "oo")
  ("add", (a, b, ...))  ("mul", (a, b, ...))  ("div", a, b)  ("pow", a, b)  ("neg", a)
  ("fn", name, a)  ("log", base, a)  ("root", n, a)  ("fact", a)  ("binom", n, k)

Values (`exact`, `approx`): `exact` computes with Fractions and returns None as soon as a value is
not rational (`\\sqrt{2}`, `\\pi`); `approx` computes with complex floats. Both are bounded: powers
with huge exponents and factorials of large numbers raise `TooBig` instead of running for minutes.
"""
from __future__ import annotations

import cmath
import math
import re
from fractions import Fraction

FUNCS = {"sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
         "ln", "log", "exp", "sqrt", "abs"}
_GREEK = {"alpha", "beta", "gamma", "delta", "theta", "phi", "varphi", "lambda", "mu", "sigma", "omega",
          "rho", "tau", "epsilon", "varepsilon", "psi", "eta", "zeta", "xi", "nu", "kappa", "chi"}
_NUMBER = re.compile(r"\d+(?:\.\d*)?(?:[eE][+-]?\d+(?![A-Za-z]))?|\.\d+")
_CMD = re.compile(r"\\([A-Za-z]+)")
_OVERLINE = re.compile(r"\\overline\{(\d+)\}|\\overline(\d)")
_MAX_LEN = 400
MAX_EXP = 512  # |exponent| beyond this is TooBig for exact powers
MAX_DIGITS = 2000


class ParseError(ValueError):
    pass


class TooBig(ArithmeticError):
    pass


class _Parser:
    def __init__(self, s: str):
        if len(s) > _MAX_LEN:
            raise ParseError(f"longer than {_MAX_LEN} characters")
        self.s, self.i = s, 0

    # -- characters --------------------------------------------------------------------------
    def peek(self) -> str:
        while self.i < len(self.s) and self.s[self.i] == " ":
            self.i += 1
        return self.s[self.i] if self.i < len(self.s) else ""

    def cmd(self) -> str | None:
        """The name of the `\\command` at the cursor, without consuming it."""
        if self.peek() != "\\":
            return None
        m = _CMD.match(self.s, self.i)
        return m.group(1) if m else self.s[self.i + 1:self.i + 2]

    def take(self, text: str) -> bool:
        if self.peek() and self.s.startswith(text, self.i):
            self.i += len(text)
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.take(text):
            raise ParseError(f"expected {text!r} at {self.i} in {self.s!r}")

    # -- grammar -----------------------------------------------------------------------------
    def parse(self):
        node = self.expr()
        if self.peek():
            raise ParseError(f"unexpected {self.s[self.i:self.i + 12]!r} in {self.s!r}")
        return node

    def expr(self):
        terms = []
        sign = -1 if self.take("-") else (self.take("+") and 1) or 1
        while True:
            t = self.term()
            terms.append(("neg", t) if sign < 0 else t)
            if self.take("+"):
                sign = 1
            elif self.take("-"):
                sign = -1
            else:
                break
        return terms[0] if len(terms) == 1 else ("add", tuple(terms))

    def term(self):
        node = self.unary()
        while True:
            c, name = self.peek(), self.cmd()
            if c == "*" or name in ("cdot", "times", "ast"):
                self.i += 1 if c == "*" else len(name) + 1
                node = _mul(node, self.unary())
            elif c == "/" or name == "div":
                self.i += 1 if c == "/" else 4
                node = ("div", node, self.unary())
            elif self._starts_atom():  # implicit product: 2x, 2\sqrt{2}, (a+5)(b+2)
                if c.isdigit() and _ends_in_number(node):
                    raise ParseError(f"two numbers side by side in {self.s!r}")
                node = _mul(node, self.power())
            else:
                return node

    def unary(self):
        if self.take("-"):
            return ("neg", self.unary())
        self.take("+")
        return self.power()

    def power(self):
        base = self.postfix(self.atom())
        if self.take("^"):
            return ("pow", base, self.exponent())
        return base

    def exponent(self):
        if self.peek() == "{":
            return self.group("{", "}")
        if self.take("-"):
            return ("neg", self.exponent())
        c = self.peek()
        if c.isdigit():  # x^23 is x^2 * 3 in LaTeX: one character
            self.i += 1
            return ("num", Fraction(int(c)))
        return self.postfix(self.atom())

    def postfix(self, node):
        while self.take("!"):
            node = ("fact", node)
        return node

    def _starts_atom(self) -> bool:
        c = self.peek()
        if not c or c in "+-*/^!)]}=,|&<>":
            return False
        if c == "\\":
            name = self.cmd()
            return name not in ("cdot", "times", "ast", "div", "right", "}", "pm", "mp", "cup", "cap", "leq", "geq",
                                "neq", "in", "to") and name is not None
        return True

    def atom(self):
        c = self.peek()
        if not c:
            raise ParseError(f"unexpected end of {self.s!r}")
        if c.isdigit() or (c == "." and self.s[self.i + 1:self.i + 2].isdigit()):
            m = _NUMBER.match(self.s, self.i)
            self.i = m.end()
            rep = _OVERLINE.match(self.s, self.i)
            if rep and "." in m.group(0) and "e" not in m.group(0).lower():  # 0.1\overline{6} = 1/6
                self.i = rep.end()
                return ("num", _repeating(m.group(0), rep.group(1) or rep.group(2)))
            mant, _, exp10 = m.group(0).lower().partition("e")
            if exp10 and abs(int(exp10)) > MAX_EXP:  # 1e999999 would build a million-digit integer
                raise ParseError(f"exponent too large in {m.group(0)!r}")
            return ("num", Fraction(m.group(0)))
        if c.isalpha():
            return self.name()
        if c == "(":
            return self.group("(", ")")
        if c == "[":
            return self.group("[", "]")
        if c == "{":
            return self.group("{", "}")
        if c == "\\":
            return self.command()
        raise ParseError(f"unexpected {c!r} in {self.s!r}")

    def name(self):
        m = re.compile(r"[A-Za-z]+").match(self.s, self.i)
        word = m.group(0)
        if word in FUNCS:  # plain-text `sqrt(2)`, `sin x`, `pi`
            self.i += len(word)
            return self.function(word)
        if word.startswith("pi"):
            self.i += 2
            return ("const", "pi")
        self.i += 1  # one letter is one symbol: `xy` is x*y
        letter = word[0]
        if self.take("_"):
            sub = self.group("{", "}") if self.peek() == "{" else self.atom()
            return ("sym", f"{letter}_{_key(sub)}")
        if letter == "i":
            return ("const", "i")
        return ("sym", letter)

    def group(self, open_: str, close: str):
        self.expect(open_)
        node = self.expr()
        self.expect(close)
        return node

    def arg(self):
        """One argument of a LaTeX command: a braced group or a single character (`\\frac12`)."""
        c = self.peek()
        if c == "{":
            return self.group("{", "}")
        if c.isdigit():
            self.i += 1
            return ("num", Fraction(int(c)))
        if c.isalpha():
            self.i += 1
            return ("sym", c)
        if c == "\\":
            return self.command()
        raise ParseError(f"missing argument in {self.s!r}")

    def command(self):
        name = self.cmd()
        self.i += len(name) + 1
        if name in ("frac", "over"):
            return ("div", self.arg(), self.arg())
        if name == "binom":
            return ("binom", self.arg(), self.arg())
        if name == "sqrt":
            if self.take("["):
                n = self.expr()
                self.expect("]")
                return ("root", n, self.arg())
            return ("root", ("num", Fraction(2)), self.arg())
        if name == "pi":
            return ("const", "pi")
        if name == "infty":
            return ("const", "oo")
        if name in FUNCS:
            return self.function(name)
        if name in _GREEK:
            return ("sym", name)
        if name in ("{", "}"):
            raise ParseError("a set is not an expression")
        raise ParseError(f"unsupported LaTeX \\{name}")

    def function(self, name: str):
        power = None
        if name == "log" and self.take("_"):
            base = self.arg()
            return ("log", base, self.fn_arg())
        if self.take("^"):  # \sin^2 x
            power = self.exponent()
        node = ("fn", name, self.fn_arg())
        if name == "sqrt":
            node = ("root", ("num", Fraction(2)), node[2])
        return ("pow", node, power) if power is not None else node

    def fn_arg(self):
        c = self.peek()
        if c in "({[":
            return self.group(c, {"(": ")", "{": "}", "[": "]"}[c])
        return self.power()  # \sin x, \ln 2


def _repeating(head: str, rep: str | None) -> Fraction:
    """`0.1` with `6` repeating -> 1/6: (0.16 - 0.1) * 10^k / (10^m - 1) added to the head."""
    whole, _, frac = head.partition(".")
    k, m = len(frac), len(rep)
    base = Fraction(int(whole or "0") * 10 ** k + int(frac or "0"), 10 ** k)
    return base + Fraction(int(rep), 10 ** k * (10 ** m - 1))


def _mul(a, b):
    return ("mul", (a[1] if a[0] == "mul" else (a,)) + (b,))


def _ends_in_number(node) -> bool:
    while node[0] == "mul":
        node = node[1][-1]
    return node[0] == "num"


def _key(node) -> str:
    return str(node[1]) if node[0] in ("num", "sym") else repr(node)


def parse_expr(s: str):
    """The tree of an expression string (normalised LaTeX or plain text); raises ParseError.

    >>> parse_expr(r"2\\sqrt{2}")
    ('mul', (('num', Fraction(2, 1)), ('root', ('num', Fraction(2, 1)), ('num', Fraction(2, 1)))))
    >>> parse_expr(r"\\frac12")
    ('div', ('num', Fraction(1, 1)), ('num', Fraction(2, 1)))
    """
    s = s.strip()
    if not s:
        raise ParseError("empty")
    return _Parser(s).parse()


def symbols(node) -> set[str]:
    kind = node[0]
    if kind == "sym":
        return {node[1]}
    if kind in ("num", "const"):
        return set()
    out: set[str] = set()
    for child in node[1:]:
        if isinstance(child, tuple) and child and isinstance(child[0], tuple):
            for c in child:
                out |= symbols(c)
        elif isinstance(child, tuple):
            out |= symbols(child)
    return out


def has_const(node, name: str) -> bool:
    if node[0] == "const":
        return node[1] == name
    if node[0] in ("num", "sym"):
        return False
    kids = node[1] if node[0] in ("add", "mul") else [c for c in node[1:] if isinstance(c, tuple)]
    return any(has_const(c, name) for c in kids)


# --- values ------------------------------------------------------------------------------------

def _iroot(n: int, k: int) -> int | None:
    """The exact k-th root of n >= 0, if it is an integer."""
    if n < 0:
        return None
    r = round(n ** (1.0 / k)) if n < 2 ** 1000 else math.isqrt(n) if k == 2 else None
    if r is None:
        return None
    for c in (r - 1, r, r + 1):
        if c >= 0 and c ** k == n:
            return c
    return None


def _check_size(x: Fraction) -> Fraction:
    if x.numerator.bit_length() > MAX_DIGITS * 3.33 or x.denominator.bit_length() > MAX_DIGITS * 3.33:
        raise TooBig("number too large")
    return x


def exact(node, env: dict[str, Fraction] | None = None) -> Fraction | None:
    """The rational value of `node` with symbols taken from `env`; None if it is not rational.

    Raises ZeroDivisionError, TooBig.
    >>> exact(parse_expr(r"\\frac{3}{4} + 0.25 \\cdot 2^{3}"))
    Fraction(11, 4)
    >>> exact(parse_expr(r"\\sqrt{2}")) is None
    True
    """
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "sym":
        return env.get(node[1]) if env else None
    if kind == "const":
        return None
    if kind in ("add", "mul"):
        acc = Fraction(0 if kind == "add" else 1)
        for c in node[1]:
            v = exact(c, env)
            if v is None:
                return None
            acc = acc + v if kind == "add" else acc * v
        return _check_size(acc)
    if kind == "neg":
        v = exact(node[1], env)
        return None if v is None else -v
    if kind == "div":
        a, b = exact(node[1], env), exact(node[2], env)
        return None if a is None or b is None else a / b
    if kind == "pow":
        a, b = exact(node[1], env), exact(node[2], env)
        if a is None or b is None:
            return None
        if b.denominator == 1:
            if abs(b) > MAX_EXP or (abs(b) * max(a.numerator.bit_length(), a.denominator.bit_length()) > MAX_DIGITS * 3.33):
                raise TooBig("power too large")
            return a ** int(b)
        return _root(a ** b.numerator if abs(b.numerator) <= MAX_EXP else None, b.denominator)
    if kind == "root":
        n, a = exact(node[1], env), exact(node[2], env)
        if a is None or n is None or n.denominator != 1 or not 1 <= n <= 64:
            return None
        return _root(a, int(n))
    if kind == "fact":
        a = exact(node[1], env)
        if a is None or a.denominator != 1 or a < 0:
            return None
        if a > 500:
            raise TooBig("factorial too large")
        return Fraction(math.factorial(int(a)))
    if kind == "binom":
        n, k = exact(node[1], env), exact(node[2], env)
        if n is None or k is None or n.denominator != 1 or k.denominator != 1 or n > 5000:
            return None
        return Fraction(math.comb(int(n), int(k))) if n >= 0 and k >= 0 else None
    return None  # functions: sin, log, ... are left to `approx`


def _root(a: Fraction | None, k: int) -> Fraction | None:
    if a is None:
        return None
    if a < 0:
        if k % 2 == 0:
            return None
        r = _root(-a, k)
        return None if r is None else -r
    p, q = _iroot(a.numerator, k), _iroot(a.denominator, k)
    return None if p is None or q is None else Fraction(p, q)


_CONSTS = {"pi": math.pi, "e": math.e, "i": 1j, "oo": math.inf}
_FN = {"sin": cmath.sin, "cos": cmath.cos, "tan": cmath.tan, "sec": lambda z: 1 / cmath.cos(z),
       "csc": lambda z: 1 / cmath.sin(z), "cot": lambda z: 1 / cmath.tan(z), "arcsin": cmath.asin,
       "arccos": cmath.acos, "arctan": cmath.atan, "sinh": cmath.sinh, "cosh": cmath.cosh, "tanh": cmath.tanh,
       "ln": cmath.log, "log": cmath.log, "exp": cmath.exp, "abs": abs}


def approx(node, env: dict[str, complex] | None = None) -> complex:
    """The complex value of `node`. Raises ZeroDivisionError, OverflowError, ValueError, TooBig, KeyError."""
    kind = node[0]
    if kind == "num":
        return complex(node[1])
    if kind == "sym":
        return env[node[1]] if env else _missing(node[1])
    if kind == "const":
        return _CONSTS[node[1]]
    if kind == "add":
        return sum((approx(c, env) for c in node[1]), 0j)
    if kind == "mul":
        out = 1 + 0j
        for c in node[1]:
            out *= approx(c, env)
        return out
    if kind == "neg":
        return -approx(node[1], env)
    if kind == "div":
        return approx(node[1], env) / approx(node[2], env)
    if kind == "pow":
        a, b = approx(node[1], env), approx(node[2], env)
        if abs(b) > MAX_EXP:
            raise TooBig("power too large")
        if b.imag == 0 and b.real == int(b.real):
            return a ** int(b.real)
        if a.imag == 0 and a.real > 0:
            return complex(a.real ** b) if b.imag == 0 else cmath.exp(b * math.log(a.real))
        return a ** b
    if kind == "root":
        n, a = approx(node[1], env), approx(node[2], env)
        if a.imag == 0 and a.real < 0 and n.imag == 0 and n.real % 2 == 1:
            return -((-a.real) ** (1 / n.real)) + 0j  # odd roots of negatives are real
        return a ** (1 / n) if n != 2 else cmath.sqrt(a)
    if kind == "fn":
        return complex(_FN[node[1]](approx(node[2], env)))
    if kind == "log":
        return cmath.log(approx(node[2], env)) / cmath.log(approx(node[1], env))
    if kind in ("fact", "binom"):
        v = exact(node, {k: Fraction(v.real) for k, v in (env or {}).items() if v.imag == 0 and v.real == int(v.real)})
        if v is None:
            raise ValueError(f"{kind} of a non-integer")
        return complex(v)
    raise ValueError(f"unknown node {kind}")


def _missing(name: str):
    raise KeyError(name)
