"""Row maps for math datasets (`data.<split>.map`): each turns one raw row into question/solution/answer.

The task YAMLs prompt with `{question}`, warm up on `solution` (a worked solution ending in a
boxed answer, so SFT teaches the format the math verifier reads first) and verify against
`answer` (the bare final answer).

- `gsm8k`: GSM8K rows (`openai/gsm8k`, or the local copy): `question`, and `answer` holding
  the chain of thought with `<<48/2=24>>` calculator annotations and a last line `#### 72`.
- `math`: MATH-style rows (`problem`, `solution` with `\\boxed{}`, and `answer` in MATH-500; hub
  copies of MATH such as `DigitalLearningGmbH/MATH-lighteval` have no `answer`, so it is taken
  from the last `\\boxed{...}` of the solution).
"""
from __future__ import annotations

import re

from rft.verifiers.math.extract import last_boxed  # the same box-finding the math verifier uses

_CALC = re.compile(r"<<[^<>]*>>")  # GSM8K calculator annotations: "$<<9*2=18>>18" -> "$18"
_FINAL = re.compile(r"\n?####\s*(.+?)\s*$")  # the last line, "#### 1,080"


def gsm8k(row: dict) -> dict:
    """A GSM8K row as {question, solution, answer}.

    The solution drops the calculator annotations and ends in a boxed answer instead of `#### N`;
    the answer is N without thousands separators.

    >>> r = gsm8k({"question": "How many?", "answer": "He has 48/2 = <<48/2=24>>24 clips.\\n#### 1,080"})
    >>> r["solution"]
    'He has 48/2 = 24 clips.\\nThe final answer is $\\\\boxed{1080}$.'
    >>> r["answer"]
    '1080'
    """
    cot = _CALC.sub("", row["answer"])
    m = _FINAL.search(cot)
    if m is None:
        raise ValueError("no final `#### N` line in `answer`")
    answer = m.group(1).replace(",", "")
    solution = cot[: m.start()].rstrip() + f"\nThe final answer is $\\boxed{{{answer}}}$."
    return {"question": row["question"], "solution": solution.lstrip(), "answer": answer}


def math(row: dict) -> dict:
    """A MATH-style row as {question, solution, answer, ...}; other fields (level, subject) are kept.

    >>> math({"problem": "1+1?", "solution": "It is $\\\\boxed{2}$.", "level": "Level 1"})["answer"]
    '2'
    >>> math({"problem": "p", "solution": "s", "answer": "\\\\frac{1}{2}"})["answer"]
    '\\\\frac{1}{2}'
    """
    answer = row.get("answer")
    if answer is None:
        answer = last_boxed(row["solution"])
        if answer is None:
            raise ValueError("no `answer` field and no \\boxed{...} in `solution`")
    rest = {k: v for k, v in row.items() if k not in ("problem", "solution", "answer")}
    return {**rest, "question": row["problem"], "solution": row["solution"], "answer": str(answer)}
