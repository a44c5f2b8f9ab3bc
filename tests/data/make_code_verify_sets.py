"""Build the labelled code sets for `rft verify --verifier code` from the real benchmark files.

    .venv/bin/python tests/data/make_code_verify_sets.py [OUT_DIR]   # writes OUT_DIR/code_verify_{humaneval,mbpp}.jsonl

The sets are built, not committed: they hold every benchmark problem (prompt, reference code,
tests), so they come from ../shared/data each time (about 25 s on 2 cores; the tests build them
once per session). OUT_DIR defaults to this folder, where the files are git-ignored.

For every problem two rows: the reference program as a fenced completion (label true; HumanEval's
prompt + canonical body, MBPP's `code`) and a wrong variant of it (label false). The wrong variant
is the first single-point mutation of the tested function, by ast, that really fails the tests:
an integer constant off by one, then a flipped comparison (< and <=, > and >=, == and !=), then
+ and - swapped; a problem where none fails (or each fails only by running past 3 s) gets a stub
that redefines the function to `return None`. "Really fails" is decided by an oracle independent
of the verifier under test: plain `python3 -c program + tests` in a subprocess, non-zero exit =
fail. The reference programs are checked the same way to pass. `category` records which kind
each row is (`canonical`, `off_by_one`, `comparison`, `operator`, `stub`), so `rft verify` reports
accuracy per kind. Rows carry the test fields the verifier reads (`test`/`entry_point` or
`test_list`/`test_imports`) and `answer` (the entry point), which `rft verify` requires.

Deterministic: the same data files give byte-identical output.
"""
from __future__ import annotations

import ast
import gzip
import json
import subprocess
import sys
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[2] / "shared" / "data"
sys.path.insert(0, str(HERE.parents[1]))
from tasks.code_data import fenced, mbpp  # noqa: E402  (the same function-name guess as the task)

SWAP_CMP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq}
SWAP_OP = {ast.Add: ast.Sub, ast.Sub: ast.Add}


_PARSE_LOCK = threading.Lock()  # ast.parse (3.11, gh-106905) and catch_warnings are not thread-safe


def _parse(program: str) -> ast.AST:
    with _PARSE_LOCK, warnings.catch_warnings():  # benchmark sources hold invalid escapes such as '\w' in plain strings
        warnings.simplefilter("ignore", (SyntaxWarning, DeprecationWarning))
        return ast.parse(program)


def oracle_passes(program: str, test_code: str, timeout: float = 3.0) -> bool | None:
    """True/False: the program + tests exit 0 / non-zero in a plain interpreter; None: past `timeout`."""
    try:
        proc = subprocess.run([sys.executable, "-I", "-c", program + "\n\n" + test_code], capture_output=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None
    return proc.returncode == 0


def mutants(program: str, name: str):
    """(kind, program) single-point mutations inside function `name`, in a fixed order."""
    tree = _parse(program)
    fn = next((n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name), None)
    if fn is None:
        return
    nodes = list(ast.walk(fn))
    sites = [("off_by_one", i) for i, n in enumerate(nodes)
             if isinstance(n, ast.Constant) and type(n.value) is int]
    sites += [("comparison", i) for i, n in enumerate(nodes)
              if isinstance(n, ast.Compare) and type(n.ops[0]) in SWAP_CMP]
    sites += [("operator", i) for i, n in enumerate(nodes) if isinstance(n, ast.BinOp) and type(n.op) in SWAP_OP]
    for kind, i in sites:
        t = _parse(program)
        f = next(n for n in ast.walk(t) if isinstance(n, ast.FunctionDef) and n.name == name)
        node = list(ast.walk(f))[i]
        if kind == "off_by_one":
            node.value += 1
        elif kind == "comparison":
            node.ops[0] = SWAP_CMP[type(node.ops[0])]()
        else:
            node.op = SWAP_OP[type(node.op)]()
        yield kind, ast.unparse(t) + "\n"


def wrong_variant(program: str, name: str, test_code: str, tries: int = 8) -> tuple[str, str]:
    """(kind, program) of the first mutation that fails the tests quickly; else a `return None` stub."""
    for k, (kind, mutant) in enumerate(mutants(program, name)):
        if k >= tries:
            break
        if oracle_passes(mutant, test_code) is False:
            return kind, mutant
    stub = program.rstrip() + f"\n\n\ndef {name}(*args, **kwargs):\n    return None\n"
    assert oracle_passes(stub, test_code) is False, f"the stub of {name} passes its tests"
    return "stub", stub


def humaneval_rows(r: dict) -> list[dict]:
    program = r["prompt"] + r["canonical_solution"]
    test_code = r["test"] + f"\ncheck({r['entry_point']})\n"
    assert oracle_passes(program, test_code, 30.0), r["task_id"]
    kind, bad = wrong_variant(program, r["entry_point"], test_code)
    fields = {"task_id": r["task_id"], "answer": r["entry_point"], "test": r["test"], "entry_point": r["entry_point"]}
    return [{"completion": fenced(program), "label": True, "category": "canonical", **fields},
            {"completion": fenced(bad), "label": False, "category": kind, **fields}]


def mbpp_rows(r: dict) -> list[dict]:
    row = mbpp(r)
    test_code = "\n".join(r["test_imports"] + r["test_list"])
    assert oracle_passes(r["code"], test_code, 30.0), r["task_id"]
    kind, bad = wrong_variant(r["code"], row["answer"], test_code)
    fields = {"task_id": r["task_id"], "answer": row["answer"], "test_list": r["test_list"],
              "test_imports": r["test_imports"]}
    return [{"completion": fenced(r["code"]), "label": True, "category": "canonical", **fields},
            {"completion": fenced(bad), "label": False, "category": kind, **fields}]


def main(out_dir: Path = HERE) -> dict[str, Path]:
    """Write both sets to `out_dir`; returns {name: path}."""
    paths = {}
    with gzip.open(DATA / "humaneval" / "HumanEval.jsonl.gz", "rt") as f:
        humaneval = [json.loads(line) for line in f]
    mbpp_all = json.loads((DATA / "mbpp" / "sanitized-mbpp.json").read_text())
    for name, fn, raw in (("humaneval", humaneval_rows, humaneval), ("mbpp", mbpp_rows, mbpp_all)):
        with ThreadPoolExecutor(4) as pool:
            rows = [row for pair in pool.map(fn, raw) for row in pair]
        out = Path(out_dir) / f"code_verify_{name}.jsonl"
        out.write_text("".join(json.dumps(row) + "\n" for row in rows))
        paths[name] = out
        kinds = {}
        for row in rows:
            kinds[row["category"]] = kinds.get(row["category"], 0) + 1
        print(f"{out.name}: {len(rows)} rows {kinds}")
    return paths


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
