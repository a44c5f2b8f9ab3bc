"""Seeded arithmetic word problems: the built-in task that runs end to end on a laptop CPU.

    Q: Tom has 12 apples and buys 7 more. How many apples does he have?
    A: 12 + 7 = 19. The answer is 19.

Each row holds `question`, `solution` (the worked demonstration used for SFT) and `answer` (the
verified reference used by the verifier). Like real demonstrations, the solutions can be made
imperfect: with probability `demo_error_rate` the worked solution contains a slip, a near miss
(the result off by one or two) carried through to its final line, while `answer` stays right.
Two kinds of slip:
- `demo_error_rate`: random near misses (off by one or two, either way) on any problem. The
  right answer stays the most common one for each question, so enough SFT averages them out.
- `demo_bias`: a systematic slip, as a teacher with a blind spot makes: an addition whose ones
  digits cross ten (7 + 5, 18 + 4) is written one short with this probability. Above 0.5 the
  demonstrations are wrong more often than right on those problems, so imitation converges to
  the wrong answer however long it trains; the verifier knows better, which is what lets RL go
  beyond its demonstrations. Splits are disjoint: eval rows are generated from their own seed and any
question that also appears in the eval split is dropped from the train split.
"""
from __future__ import annotations

import random
import re

NAMES = ["Tom", "Ann", "Sam", "Lia", "Ben", "Eva", "Max", "Zoe", "Leo", "Mia"]
ITEMS = ["apples", "pears", "books", "coins", "cards", "pens", "eggs", "shells"]
PRONOUN = {"Tom": "he", "Sam": "he", "Ben": "he", "Max": "he", "Leo": "he",
           "Ann": "she", "Lia": "she", "Eva": "she", "Zoe": "she", "Mia": "she"}
SLIPS = (-2, -1, 1, 2)


def make_problem(rng: random.Random, max_operand: int, demo_error_rate: float = 0.0, demo_bias: float = 0.0) -> dict:
    name, item = rng.choice(NAMES), rng.choice(ITEMS)
    pron = PRONOUN[name]
    if rng.random() < 0.5:
        a, b = rng.randint(1, max_operand), rng.randint(1, max_operand)
        question = f"{name} has {a} {item} and buys {b} more. How many {item} does {pron} have?"
        op, answer = "+", a + b
    else:
        a = rng.randint(2, max_operand)
        b = rng.randint(1, a - 1)
        question = f"{name} has {a} {item} and gives away {b}. How many {item} does {pron} have left?"
        op, answer = "-", a - b
    shown = answer
    if demo_bias > 0 and op == "+" and a % 10 + b % 10 >= 10 and rng.random() < demo_bias:
        shown = answer - 1  # the teacher's systematic slip: one short when a sum crosses ten
    elif demo_error_rate > 0 and rng.random() < demo_error_rate:
        shown = max(0, answer + rng.choice(SLIPS))
        if shown == answer:
            shown = answer + 1
    solution = f"{a} {op} {b} = {shown}. The answer is {shown}."
    return {"question": question, "solution": solution, "answer": str(answer)}


def generate(split: str = "train", n: int = 1000, seed: int = 0, max_operand: int = 20,
             demo_error_rate: float = 0.0, demo_bias: float = 0.0, eval_seed: int = 10_000,
             eval_n: int = 500) -> list[dict]:
    """Rows for `split` ("train" or "eval"). Train rows never repeat an eval question.

    The eval split is always clean (`demo_error_rate` applies to train demonstrations only) and
    depends only on (eval_seed, eval_n, max_operand), so every run of a task shares it.
    """
    if split == "eval":
        rng, rows, seen = random.Random(eval_seed), [], set()
        while len(rows) < eval_n:  # distinct questions, so n prompts are n paired samples
            row = make_problem(rng, max_operand)
            if row["question"] not in seen:
                seen.add(row["question"])
                rows.append(row)
        return rows
    if split != "train":
        raise ValueError(f"split must be 'train' or 'eval', got {split!r}")
    held_out = {r["question"] for r in generate("eval", seed=seed, max_operand=max_operand,
                                                 eval_seed=eval_seed, eval_n=eval_n)}
    rng, rows = random.Random(seed), []
    while len(rows) < n:
        row = make_problem(rng, max_operand, demo_error_rate, demo_bias)
        if row["question"] not in held_out:
            rows.append(row)
    return rows


def tokenizer_corpus(n: int = 20000, seed: int = 0) -> list[str]:
    """Text the tiny recipe's BPE tokenizer is trained on (questions and worked answers)."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        r = make_problem(rng, 99)
        out.append(f"Q: {r['question']}\nA: {r['solution']}")
    return out


_SOLVED = re.compile(r"^(\d+) ([+-]) (\d+) = (\d+)\.")


def to_program(row: dict) -> dict:
    """An arithmetic row in program-based chain of thought (P-CoT): the worked solution becomes a
    short program whose output is the answer; a demonstration's slip becomes a misread operand, so
    the program prints the slipped result as the worked line did.

    >>> to_program({"question": "Q", "solution": "12 + 7 = 18. The answer is 18.", "answer": "19"})["solution"]
    'n = 12 + 6\\nprint(n)'
    """
    a, op, b, shown = _SOLVED.match(row["solution"]).groups()
    a, b, shown = int(a), int(b), int(shown)
    b_read = shown - a if op == "+" else a - shown  # the operand that gives what was shown
    return {**row, "solution": f"n = {a} {op} {b_read}\nprint(n)"}


def generate_pot(split: str = "train", **kw) -> list[dict]:
    """`generate`'s rows with P-CoT demonstrations (`to_program`); same questions and answers."""
    return [to_program(r) for r in generate(split, **kw)]


BOXES = ["boxes", "bags", "crates", "shelves", "packs"]


def make_tool_problem(rng: random.Random, max_operand: int, hard_rate: float, tool_rate: float) -> dict:
    """An arithmetic row for the tool task: easy (`make_problem`'s sums and differences, which the
    tiny model learns alone) or, with probability `hard_rate`, hard: a two-digit by three-digit
    product, which it cannot compute but can hand to the `calc` tool. With probability
    `tool_rate` the demonstration calls the tool, else it writes the result out (right, but for
    a hard row not something the model can learn to compute)."""
    if rng.random() < hard_rate:
        name, item, box = rng.choice(NAMES), rng.choice(ITEMS), rng.choice(BOXES)
        a, b = rng.randint(12, 99), rng.randint(101, 999)
        question = f"{name} has {a} {box} of {b} {item}. How many {item} does {PRONOUN[name]} have?"
        expr, answer, kind = f"{a} * {b}", a * b, "hard"
    else:
        row = make_problem(rng, max_operand)
        question, answer, kind = row["question"], int(row["answer"]), "easy"
        expr = _SOLVED.match(row["solution"]).group(0).rsplit(" = ", 1)[0]
    if rng.random() < tool_rate:
        solution = f"<calc>{expr}</calc><output>{answer}</output> The answer is {answer}."
    else:
        solution = f"{expr} = {answer}. The answer is {answer}."
    return {"question": question, "solution": solution, "answer": str(answer), "kind": kind}


def generate_tool(split: str = "train", n: int = 20000, seed: int = 0, max_operand: int = 10, hard_rate: float = 0.5,
                  tool_rate: float = 0.3, eval_seed: int = 20_000, eval_n: int = 500) -> list[dict]:
    """Rows of the tool task (`tasks/arith_tool.yaml`), easy and hard mixed (`make_tool_problem`).
    The eval split depends only on (eval_seed, eval_n, max_operand, hard_rate); train rows never
    repeat an eval question."""
    if split == "eval":
        rng, rows, seen = random.Random(eval_seed), [], set()
        while len(rows) < eval_n:
            row = make_tool_problem(rng, max_operand, hard_rate, tool_rate)
            if row["question"] not in seen:
                seen.add(row["question"])
                rows.append(row)
        return rows
    if split != "train":
        raise ValueError(f"split must be 'train' or 'eval', got {split!r}")
    held_out = {r["question"] for r in generate_tool("eval", max_operand=max_operand, hard_rate=hard_rate,
                                                     eval_seed=eval_seed, eval_n=eval_n)}
    rng, rows = random.Random(seed), []
    while len(rows) < n:
        row = make_tool_problem(rng, max_operand, hard_rate, tool_rate)
        if row["question"] not in held_out:
            rows.append(row)
    return rows
