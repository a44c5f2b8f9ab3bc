"""Row maps and a split generator for the code tasks (`tasks/humaneval.yaml`, `tasks/mbpp.yaml`).

Each map turns a raw row into `question` (the prompt text), `solution` (the reference program in a
```python fenced block, the SFT target and the format the `code` verifier reads), `answer`
(required by the data loader; the entry point for HumanEval, the tested function's name for
MBPP) and keeps the test fields the `code` verifier runs: `test`/`entry_point` (HumanEval) or
`test_list`/`test_imports` (MBPP).

- `humaneval`: rows of `HumanEval.jsonl.gz` / `openai/openai_humaneval` (task_id, prompt,
  canonical_solution, test, entry_point). The solution is the prompt (signature and docstring)
  followed by the canonical body, so it is a whole program.
- `mbpp`: rows of MBPP sanitized (task_id, prompt, code, test_imports, test_list). The question
  shows the first test, as the MBPP paper's prompt does, so the model knows the function's name.
- `mbpp_rows(split, path)`: the MBPP sanitized rows of one split. The local file is one JSON array
  of all 427 problems, so the split is chosen by task_id, with the ranges of the original MBPP
  (prompt 1-10, test 11-510, validation 511-600, train 601-974: 7 / 257 / 43 / 120 rows); without
  the file, the hub dataset `google-research-datasets/mbpp` (subset `sanitized`) has the same splits.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

HUMANEVAL_INSTRUCTION = "Complete the following Python function. Reply with the whole function in a ```python code block."
MBPP_INSTRUCTION = "Write a Python function for the task below. Reply with the code in a ```python code block."
MBPP_SPLITS = {"prompt": (1, 10), "test": (11, 510), "validation": (511, 600), "train": (601, 974)}
MBPP_HUB = ("google-research-datasets/mbpp", "sanitized")
_ASSERTED = re.compile(r"assert\s+(?:not\s+)?\(?\s*(?:set\()?\s*(?:math\.isclose\()?\s*([A-Za-z_]\w*)\s*\(")


def fenced(code: str) -> str:
    """`code` in a ```python block (the format the code verifier extracts).

    >>> fenced("x = 1")
    '```python\\nx = 1\\n```'
    """
    return f"```python\n{code.rstrip()}\n```"


def humaneval(row: dict) -> dict:
    """A HumanEval row as {question, solution, answer, task_id, prompt, test, entry_point}.

    >>> r = humaneval({"task_id": "HumanEval/0", "prompt": "def f(x):\\n", "canonical_solution": "    return x\\n",
    ...                "test": "def check(candidate):\\n    assert candidate(1) == 1\\n", "entry_point": "f"})
    >>> r["solution"]
    '```python\\ndef f(x):\\n    return x\\n```'
    >>> r["answer"]
    'f'
    """
    return {"task_id": row["task_id"], "question": f"{HUMANEVAL_INSTRUCTION}\n\n{fenced(row['prompt'])}",
            "solution": fenced(row["prompt"] + row["canonical_solution"]), "answer": row["entry_point"],
            "prompt": row["prompt"], "test": row["test"], "entry_point": row["entry_point"]}


def mbpp(row: dict) -> dict:
    """An MBPP (sanitized) row as {question, solution, answer, task_id, test_list, test_imports}.

    >>> r = mbpp({"task_id": 8, "prompt": "Square each item.", "code": "def sq(xs):\\n    return [x * x for x in xs]",
    ...           "test_imports": [], "test_list": ["assert sq([2]) == [4]", "assert sq([]) == []"]})
    >>> print(r["question"])
    Write a Python function for the task below. Reply with the code in a ```python code block.
    <BLANKLINE>
    Square each item.
    Your code should pass this test:
    assert sq([2]) == [4]
    >>> r["answer"]
    'sq'
    """
    tests = list(row["test_list"])
    m = _ASSERTED.search(tests[0]) if tests else None
    question = f"{MBPP_INSTRUCTION}\n\n{row['prompt'].strip()}\nYour code should pass this test:\n{tests[0]}"
    return {"task_id": row["task_id"], "question": question, "solution": fenced(row["code"]),
            "answer": m.group(1) if m else "tests", "test_list": tests,
            "test_imports": list(row.get("test_imports") or [])}


def mbpp_rows(split: str = "train", path: str | None = "../../shared/data/mbpp/sanitized-mbpp.json") -> list[dict]:
    """The raw MBPP sanitized rows of `split` (train / validation / test / prompt), by task_id.

    `path` is read when it exists (relative paths from this folder, where the task YAMLs live, then
    from the working directory); else the hub copy is loaded.
    """
    split = {"val": "validation", "valid": "validation"}.get(split, split)
    if split not in MBPP_SPLITS:
        raise ValueError(f"unknown MBPP split {split!r}; expected one of {sorted(MBPP_SPLITS)}")
    file = None
    if path:
        p = Path(path)
        for cand in ([p] if p.is_absolute() else [Path(__file__).parent / p, Path.cwd() / p]):
            if cand.exists():
                file = cand
                break
    if file is not None:
        lo, hi = MBPP_SPLITS[split]
        rows = json.loads(file.read_text(encoding="utf-8"))
        return [r for r in rows if lo <= int(r["task_id"]) <= hi]
    import datasets

    return datasets.load_dataset(*MBPP_HUB, split=split).to_list()
