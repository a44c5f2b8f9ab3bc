"""Finding the final answer in a completion, and the reference answer in a dataset field.

Extraction (`extract_answer`); the rule's name goes into the Score's reason:
  boxed         the last complete `\\boxed{...}` / `\\fbox{...}` (nested braces; `\\boxed 5`);
                boxes listed together (`\\boxed{3}, \\boxed{5} and \\boxed{7}`) are one answer
  final_answer  "Final answer: X", "**Final Answer:** X", a line "Answer: X"
  answer_is     "the (final) answer is X", up to the end of its sentence or the prose after it
  hashes        `#### X` (GSM8K style)
  last_math     no marker: the last math span (`$...$`, `\\(...\\)`, `\\[...\\]`) of the final sentence,
                when nothing numeric follows it (`Therefore $x \\geq 5$ is the solution.`)
  last_number   no marker: the last number of the final sentence, digits or words ("nine")
A box wins wherever it is; among the markers the one stated last wins. The two fallbacks (an
option, on by default) read the final sentence only: a number stated earlier and not repeated at
the end ("Trying $34$ ... we must check ... before concluding") is no answer, and `FALLBACKS`
lists them so a verifier can refuse them for a completion cut off at the token limit.
A marker followed by a sentence ("Final Answer: The largest $n$ is 34.") gives what follows the
sentence's last "is"/"are"/"equals".
`strict=True` keeps only `boxed`: a completion without a box is unparseable.

Cheap by design: regexes over the text, and only the last few `\\boxed` are tried, so a
degenerate completion that repeats an unclosed `\\boxed{` thousands of times costs one pass.
"""
from __future__ import annotations

import re
from typing import Any

_BOX_CMD = re.compile(r"\\(?:boxed|fbox)(?![A-Za-z])")
_MAX_BOX_TRIES = 8
_FINAL_ANSWER = re.compile(r"final\s+answer\s*(?:\*\*)?\s*[:：]\s*(?:\*\*)?[ \t]*", re.IGNORECASE)
_ANSWER_COLON = re.compile(r"^[ \t>#*]*answer[ \t*]*[:：][ \t*]*", re.IGNORECASE | re.MULTILINE)
_ANSWER_IS = re.compile(r"\b(?:the\s+)?(?:final\s+)?answer\s+is\b[ \t]*:?[ \t]*(?:\*\*)?[ \t]*", re.IGNORECASE)
_HASHES = re.compile(r"####[ \t]*([^\n]*)")
# A number not glued to a word before it: -12, 1,234, 3.5, .5, 3/4. A '-' after a letter or digit
# is subtraction (`x-3`, `2-3`), not a sign.
_NUMBER = re.compile(r"(?<![\w.])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:/\d+)?|(?<![\w.])-?\.\d+")
_SENTENCE_END = re.compile(r"\.(?:\s|$)")
_PROSE_AFTER = re.compile(r"[,;]\s+(?!(?:and|or)\b)(?=[a-z]{2,}\b)|\s+(?:since|because|as|which|so|but)\s"
                          r"|\s+\([^()]*[A-Za-z]{3,}[^()]*\)\s*$")  # "18 (9 eggs at 2 dollars each)" -> "18"
# boxes listed together ("\boxed{3}, \boxed{5}, and \boxed{7}", "$n = \boxed{1}$ or $n = \boxed{-2}$")
# ... also `\boxed{-1} \quad \boxed{3}` and `\boxed{a=2}\text{ and }\boxed{b=7}`
_BOX_SEP = re.compile(r"(?:[\s,;$&]|\\[,;:! ]|\\q?quad(?![A-Za-z])|\\\\|(?<![A-Za-z])(?:and|or)(?![A-Za-z])"
                      r"|\\(?:text|textrm|textnormal|mbox)\s*\{\s*(?:and|or|,|;)?\s*\}"
                      r"|\\?[A-Za-z](?:_\{?\w+\}?)?\s*=)*")
_SENTENCE_BREAK = re.compile(r"[.!?](?=\s)|\n")
_MATH_SPAN = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|\\\((.+?)\\\)|(?<!\\)\$((?:\\\$|[^$])+?)(?<!\\)\$", re.S)
# plain-text math at the end of a sentence: numbers (thousands grouped by `,` or a space), each
# maybe stated of a variable (`x = 2`, `x <= 7`, `x != 0`), joined by `,` `;` "and" "or"
_PLAIN_NUM = r"(?<![\w.])-?(?:\d{1,3}(?:(?:,| )\d{3})+(?!\d)|\d+,\d{1,2}(?![\d,])|\d+)(?:\.\d+)?(?:/\d+)?"
_PLAIN_ITEM = (rf"(?:(?:(?<![A-Za-z])[A-Za-z](?:_\d)?\s*(?:<=|>=|!=|=|<|>|≤|≥|≠)\s*)?{_PLAIN_NUM}"
               rf"|\(\s*{_PLAIN_NUM}(?:\s*,\s*{_PLAIN_NUM})+\s*\))")  # ... or a tuple `(1, 2)`
_PLAIN_RUN = re.compile(rf"{_PLAIN_ITEM}(?:\s*(?:,|;|,?\s*\b(?:and|or)\b)\s*{_PLAIN_ITEM})*")
_COPULA_ONE = re.compile(r"\b(?:is|are|was|equals?|be)\s+one\W*$", re.IGNORECASE)
_SPAN_SEP = re.compile(r"\s*,?\s*(?:(?:and|or)\s+)?")
_COPULA = re.compile(r"\b(?:is|are|was|were|equals?|be)\b", re.IGNORECASE)
FALLBACKS = ("last_math", "last_number")
_SMALL = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
          "sixteen seventeen eighteen nineteen").split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_WORD_VALUES = {w: i for i, w in enumerate(_SMALL) if w != "one"}  # "one" is too often a pronoun
_WORD_VALUES.update({w: 20 + 10 * i for i, w in enumerate(_TENS)})
WORD_NUMBER = re.compile(rf"\b({'|'.join(sorted(_WORD_VALUES, key=len, reverse=True))})"
                         rf"(?:-({'|'.join(_SMALL[1:10])}))?\b", re.IGNORECASE)
_MATH_DELIMS = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"))


def word_number(m: re.Match) -> int:
    """The value of a `WORD_NUMBER` match: "nine" 9, "sixty" 60, "twenty-one" 21."""
    return _WORD_VALUES[m.group(1).lower()] + (_SMALL.index(m.group(2).lower()) if m.group(2) else 0)


def braced(text: str, start: int) -> tuple[str, int] | None:
    """Content of the `{...}` group opening at text[start], and the index just past it.

    >>> braced("{a{b}c}d", 0)
    ('a{b}c', 7)
    """
    depth = 0
    for i in range(start, len(text)):
        c = text[i]
        if c == "{" and text[i - 1:i] != "\\":
            depth += 1
        elif c == "}" and text[i - 1:i] != "\\":
            depth -= 1
            if depth == 0:
                return text[start + 1:i], i + 1
    return None  # unbalanced: a truncated completion


def _boxes(text: str) -> list[tuple[int, int, str]]:
    """(start, end, content) of the complete, non-empty boxes among the last few `\\boxed`.

    Only the last few: a degenerate completion repeating an unclosed `\\boxed{` thousands of
    times would otherwise cost a scan to the end of the text per occurrence.
    """
    out = []
    for m in list(_BOX_CMD.finditer(text))[-_MAX_BOX_TRIES:]:
        j = m.end()
        while j < len(text) and text[j] == " ":
            j += 1
        if j < len(text) and text[j] == "{":
            got = braced(text, j)
            if got is not None and got[0].strip():
                out.append((m.start(), got[1], got[0].strip()))
        elif j > m.end():  # `\boxed 5`: up to whitespace or `$`
            word = re.match(r"[^\s$]*", text[j:]).group(0)
            if word:
                out.append((m.start(), j + len(word), word))
    # a box inside another (`\boxed{\boxed{7}}`, `\boxed{x = \boxed{7}}`) is part of the outer one
    return [b for b in out if not any(o[0] < b[0] and b[1] <= o[1] for o in out)]


def last_boxed(text: str) -> str | None:
    """Content of the last complete `\\boxed{...}` / `\\fbox{...}` (or the space form `\\boxed 5`).

    >>> last_boxed(r"first \\boxed{1}, then $\\boxed{\\frac{\\sqrt{2}}{2}}$")
    '\\\\frac{\\\\sqrt{2}}{2}'
    """
    boxes = _boxes(text)
    return boxes[-1][2] if boxes else None


def all_boxed(text: str) -> list[str]:
    """The contents of every complete box (among the last few), outermost only, in order."""
    return [b[2] for b in _boxes(text)]


def boxed_answer(text: str) -> str | None:
    """The last box, or the last boxes listed together as one comma-separated answer.

    >>> boxed_answer(r"The roots are $\\boxed{3}$, $\\boxed{5}$, and $\\boxed{7}$.")
    '3, 5, 7'
    >>> boxed_answer(r"First \\boxed{1}, then corrected: \\boxed{2}.")
    '2'
    """
    boxes = _boxes(text)
    if not boxes:
        return None
    group = [boxes[-1]]
    for prev in reversed(boxes[:-1]):
        if not _BOX_SEP.fullmatch(text[prev[1]:group[0][0]]):
            break
        group.insert(0, prev)
    # the same box twice is one answer; a sentence in a box (`\boxed{\text{The answer is } 24}`) its value
    return ", ".join(dict.fromkeys(_after_copula(_unwrap_sentence(b[2])) for b in group))


def _math_span(s: str) -> str:
    """`$x$ because ...` -> `x`: an answer that opens a math span ends where the span closes."""
    for open_, close in _MATH_DELIMS:
        if s.startswith(open_):
            end = s.find(close, len(open_))
            while close == "$" and end > 0 and s[end - 1] == "\\":  # `$\$12$`: an escaped dollar
                end = s.find(close, end + 1)
            if end > len(open_):
                if re.match(r"\s*(?:,|or\b|and\b)\s*\$", s[end + len(close):]):
                    return s  # "$x = 4$ or $x = 16$": several spans make one (hedged) answer
                return s[len(open_):end]
    return s


def _after_marker(text: str, pattern: re.Pattern) -> tuple[int, str | None]:
    """(where the last marker starts, the answer after it); (-1, None) without a marker."""
    last = _last(pattern, text)
    if last is None:
        return -1, None
    lines = text[last.end():].split("\n")
    line = lines[0].strip() or next((ln.strip() for ln in lines[1:] if ln.strip()), "")
    line = _math_span(line.strip())
    if line.startswith(("\\boxed", "\\fbox")):  # "Final answer: \boxed{5" without a closing brace
        return last.start(), None
    end = _SENTENCE_END.search(line)  # "The answer is 3.5. Done." -> "3.5"
    if end:
        line = line[:end.start()]
    prose = _PROSE_AFTER.search(line)  # "45, the geometric mean would be ..." -> "45"
    if prose:
        line = line[:prose.start()]
    line = _after_copula(line.strip().rstrip(".").strip().strip("*").strip())
    return last.start(), line or None


def _unwrap_sentence(box: str) -> str:
    """`\text{The answer is } 24` -> `The answer is 24`: a box that holds a sentence, as prose."""
    m = re.match(r"\\text\s*\{([A-Za-z][^{}]*)\}\s*(.*)$", box, re.S)
    return f"{m.group(1).strip()} {m.group(2).strip()}" if m and _COPULA.search(m.group(1)) else box


def _mask_math(text: str) -> str:
    """`text` with every math span's content blanked (same length), so prose rules skip math."""
    return _MATH_SPAN.sub(lambda m: m.group(0)[0] + " " * (len(m.group(0)) - 2) + m.group(0)[-1], text)


def _after_copula(line: str) -> str:
    """"The largest $n$ is 34" -> "34": a sentence after a marker; its value follows the last
    "is"/"are"/"equals" (outside math), when a number or math comes after it."""
    if not line[:1].isalpha():
        return line
    cop = _last(_COPULA, _mask_math(line))
    if cop is None:
        return line
    rest = line[cop.end():].strip()
    return rest if re.search(r"\d|\$|\\[(\[]", rest) else line


def final_sentence(text: str) -> tuple[int, str]:
    """(where it starts, the final sentence) of `text`: after the last `.`, `!`, `?` or line break
    outside math, ignoring the closing punctuation.

    >>> final_sentence("We found $x = 12$ earlier. Now we check the rest.")
    (27, 'Now we check the rest.')
    """
    text = text.rstrip()
    masked = _mask_math(text).rstrip(".!? \t")
    brk = _last(_SENTENCE_BREAK, masked)
    start = brk.end() if brk else 0
    while start < len(text) and text[start].isspace():
        start += 1
    return start, text[start:]


def _last(pattern: re.Pattern, text: str) -> re.Match | None:
    m = None
    for m in pattern.finditer(text):
        pass
    return m


def _span_text(m: re.Match) -> str:
    """The content of a `_MATH_SPAN` match, whichever delimiters it has."""
    return next(g for g in m.groups() if g is not None).strip()


def _fallback(text: str) -> tuple[str | None, str]:
    """No marker: the last math span or number of the final sentence, whichever ends later."""
    _, sentence = final_sentence(text)
    spans = list(_MATH_SPAN.finditer(sentence))
    masked = _mask_math(sentence)
    found = []
    if spans:  # spans listed together ("$x = 2$ or $x = -3$") are one answer
        group = [spans[-1]]
        for prev in reversed(spans[:-1]):
            if not _SPAN_SEP.fullmatch(sentence[prev.end():group[0].start()]):
                break
            group.insert(0, prev)
        got = _span_text(group[0])
        for prev, m in zip(group, group[1:]):  # keep "or"/"and": `x < -1 or x > 3` is one union
            joiner = re.search(r"\b(?:and|or)\b", sentence[prev.end():m.start()])
            got += (f" {joiner.group(0)} " if joiner else ", ") + _span_text(m)
        found.append((spans[-1].end(), "last_math", got))
    number, run = _last(_NUMBER, masked), _last(_PLAIN_RUN, masked)
    if run is not None and (number is None or run.end() >= number.end()):
        number = run  # with what is listed or stated with it: `x = 2 or x = -3`, `1, 4 and 9`, `86 400`
    if number is not None:
        found.append((number.end(), "last_number", number.group(0).strip()))
    word = _last(WORD_NUMBER, masked)  # "so 196 has nine divisors" -> 9
    if word is not None:
        found.append((word.end(), "last_number", str(word_number(word))))
    one = _COPULA_ONE.search(masked)  # "one" is a number only as what something is: "The value is one."
    if one:
        found.append((one.end(), "last_number", "1"))
    if not found:
        return None, "none"
    _, how, got = max(found)
    return got, how


def extract_answer(text: str, fallback_last_number: bool = True, strict: bool = False) -> tuple[str | None, str]:
    """The final answer in `text` and the rule that found it; (None, "none") when nothing does.

    >>> extract_answer(r"so $x = \\boxed{\\frac{1}{2}}$ and")
    ('\\\\frac{1}{2}', 'boxed')
    >>> extract_answer("Final Answer: The final answer is $18$. I hope it is correct.")
    ('18', 'answer_is')
    >>> extract_answer("12 + 7 = 19. The answer is 19.")
    ('19', 'answer_is')
    >>> extract_answer("**Final Answer:** $\\\\frac{3}{4}$")
    ('\\\\frac{3}{4}', 'final_answer')
    >>> extract_answer("He pays 3 * 4 = 12 dollars.\\n#### 12")
    ('12', 'hashes')
    >>> extract_answer("3 + 4 = 7 apples")
    ('7', 'last_number')
    >>> extract_answer("3 + 4 = 7 apples", strict=True)
    (None, 'none')
    """
    if "\\boxed" in text or "\\fbox" in text:
        got = boxed_answer(text)
        if got is not None:
            return got, "boxed"
    if strict:
        return None, "none"
    lower = text.lower()
    # the answer stated last wins: "The answer is 21. Wait, I double counted.\n#### 18" is 18, and
    # in "Final Answer: The final answer is $18$." the later marker holds the answer
    marked = [(*_after_marker(text, pat), how) for key, pat, how in
              (("final answer", _FINAL_ANSWER, "final_answer"), ("answer is", _ANSWER_IS, "answer_is"),
               ("answer", _ANSWER_COLON, "final_answer"))
              if key in lower]
    if "####" in text:
        for m in reversed(list(_HASHES.finditer(text))):
            if m.group(1).strip():
                marked.append((m.start(), m.group(1).strip(), "hashes"))
                break
    for _, got, how in sorted(marked, reverse=True):
        if got is not None:
            return got, how
    if fallback_last_number:
        return _fallback(text)
    return None, "none"


def reference_answer(answer: Any) -> str | None:
    """The reference as a string: a GSM8K solution "...#### 72" gives "72", a MATH one its boxed.

    >>> reference_answer("She pays 3 * 24 = 72.\\n#### 72")
    '72'
    >>> reference_answer(0.5)
    '0.5'
    """
    if answer is None or isinstance(answer, bool):
        return None
    ref = str(answer).strip()
    if "####" in ref:
        ref = ref.rsplit("####", 1)[1].strip()
    elif "\\boxed" in ref or "\\fbox" in ref:
        ref = last_boxed(ref) or ref
    return ref or None
