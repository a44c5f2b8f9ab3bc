"""The `code` verifier: run the program in a completion against the row's tests, in the sandbox.

Text in, `Score` out; no torch. Three steps:

  extract   the program is a fenced block of the completion (```python ... ``` or ``` ... ```;
            the last one by default, `fence: first|longest` otherwise; an unclosed fence at the
            end, as a generation cut at max_new_tokens leaves, counts). `require_fence: false`
            takes the whole completion when it has no fence. `prepend_prompt: true` puts the
            row's `prompt` (a HumanEval signature and docstring) in front, for completions that
            only continue a function body. No code: `unparseable`.
  run       one child process (a one-slot warm `rft.sandbox.Sandbox` per verifier worker process) runs
            a harness that executes the program in its own namespace and then the tests, each
            test on its own, and only then prints one result line. Two test styles, read from
            the row: HumanEval (`test` defines `check(candidate)`, called with the program's
            `entry_point`; one test) and MBPP (`test_list` of assert statements after
            `test_imports`; one test per assert).
  score     `mode: all` - correct iff every test passed, else wrong. `mode: fraction` - the same
            outcome, but a wrong row is worth `wrong + (correct - wrong) * passed / total` from the
            score table (so 0 of 3 passed = `wrong`, 2 of 3 = two thirds of the way to `correct`).
            Reasons: `passed 3/3`, `passed 1/3; test 2: AssertionError: ...`; a sandbox timeout,
            memory, killed or output-limit status is an `error` whose reason names the status.

Why the harness runs in the child. A model rewarded for passing tests will find any shortcut,
and the easy ones are in how "passed" is reported. So:
  - the parent makes a random nonce per run and hands it to the child on stdin; the harness reads
    it before the program runs, keeps it in a local variable (never in the program's namespace),
    truncates stdin (when it is a file) and swaps it for /dev/null. Only a line
    `@@rft-result <nonce> <passed> <total> ...` counts; a printed fake pass cannot carry the
    nonce, and a missing line is `wrong`.
  - `sys.exit()` during the program or a test is a caught `SystemExit` (a test that raises it
    fails); `os._exit()` ends the child before the result line, which is `wrong`.
  - every builtin, `os.write`, `exec` and `BaseException` the harness needs is bound to a local
    before the program runs; the builtins module is restored from a snapshot after the program
    and before each test, and the tests run with a private copy of the builtins, so replacing
    `builtins.AssertionError`, `print`, `len`, `isinstance` ... changes nothing the tests see.
    (`assert` raises the real AssertionError whatever the builtins hold; any exception fails.)
  - the tests are compiled from the row, not looked up in the program's namespace, so deleting or
    redefining `check` or the asserts does nothing. Tracing and profiling hooks are switched off
    before the tests run. The result is written with the saved `os.write` to fd 1.
  - the tests get plain values only, so an object whose `__eq__` always answers True cannot pass
    `assert f(x) == y`. Every callable in the program's namespace is wrapped before the tests see
    it (HumanEval's `candidate` is the wrapped entry point; a helper that `check` calls is
    wrapped too), and each value it returns is checked. Plain: every object reachable from the
    value, by the references its type reports to the garbage collector (`gc.get_referents`: list,
    tuple and set items, dict keys and values, the contents of C containers such as a deque), is
    of a type with Py_TPFLAGS_IMMUTABLETYPE. CPython >= 3.10 sets that flag on every type defined in
    C and never on a class defined in Python (an int, str or list subclass, a `type(...)` class,
    any class whose `__eq__` the program wrote or can reassign). The flag is read with
    `type.__flags__`'s own getter from the real `type(x)`, so neither a metaclass nor a
    `__class__` property can lie. A class as a value must be a C class and is not looked into. A
    returned iterator or callable is wrapped, so what it yields or returns is checked in turn; one
    found inside a value fails. A `collections.Counter` (a Python class; MBPP 88's reference returns
    one) reaches the tests as a dict copy of its items. Over 1,000,000 reachable objects fails as
    too large to check. A failure reads `test 1: TypeError: f returned a non-builtin value of
    type Evil`. The wrappers and the check are harness locals bound before the program runs, and
    the walk runs none of the program's code.

What is not covered
  - A program that inspects interpreter state (`sys._getframe`, frame objects of a traceback,
    `gc.get_objects`, a thread left running during the tests) can find the harness's locals - the
    nonce, the pass counter, the test namespace - and forge a pass. (The tests are compiled before
    the program runs, so the test sources it could find through gc are no longer used.) Stopping
    that needs the tests in a second process that the program cannot reach; this verifier trades
    it for one child per row.
  - A program that changes what the tests compare with rather than what they compare: a module
    the tests import is the program's module object too, so `math.isclose = lambda *a, **k: True`
    passes MBPP's `assert math.isclose(f(x), y)`; the same goes for a Python class the tests build
    (patching `collections.Counter.__eq__`). Names the tests read from the program's namespace
    without calling them (MBPP 596 reads the program's `sys`) are not checked either.
  - A value is checked when it is returned, not when it is compared: program code that runs later
    in the same test (`assert f() == g()` where `g` refills the list `f` returned) or a thread the
    program left running can put a user object into it. References a C type does not report to the
    garbage collector (an aware datetime's `tzinfo`) are not followed. `ctypes` can set the flag
    on any class (it rewrites interpreter state, as above).
  - Honest values of Python classes fail: a namedtuple, `Fraction`, an `Enum` member, a dataclass,
    a `defaultdict` whose `default_factory` is a lambda. Watch the reward curve against held-out
    pass@1 (`rft eval`) when training on code.
  - Everything the sandbox itself does not stop (see the sandbox's own docstring).

Deadlines: each row is bounded by the sandbox limits (`timeout_s`, `memory_mb`), so one slow
program costs at most its own `timeout_s`; set the task's `verifier.timeout_s` (the worker
deadline of VerifierRunner, a backstop) above it, e.g. `timeout_s + 5`.
"""
from __future__ import annotations

import re
import secrets
from typing import Any, Literal

from rft.verifiers.base import Score, ScoreTable, Verifier, register_verifier

# ``` or ```python / ```py / ```python3 (any other info string is not Python), up to the closing
# fence or the end of the text (a generation cut off mid-block).
_FENCE = re.compile(r"^[ \t]*```[ \t]*(python3?|py)?[ \t]*\n(.*?)(?:^[ \t]*```[ \t]*$|\Z)",
                    re.M | re.S | re.I)
_RESULT = re.compile(r"^@@rft-result (\S+) (\d+) (\d+) ([0-9a-f]*)$", re.M)
_BAD_STATUS = ("timeout", "memory", "killed", "output-limit")

# The child's program. It is a function so that everything it keeps (the nonce, the counters, the
# saved builtins) is a local variable, out of reach of the program's namespace.
_HARNESS = r'''
def _rft_harness(program, setup, tests, entry):
    import builtins, collections, gc, io, os, sys, threading
    _write, _exit, _Base, _exec, _compile = os.write, os._exit, BaseException, exec, compile
    _dict, _str, _type, _len, _range, _callable = dict, str, type, len, range, callable
    _settrace, _setprofile, _tsettrace = sys.settrace, sys.setprofile, threading.settrace
    _set, _id, _hasattr, _TypeError, _referents = set, id, hasattr, TypeError, gc.get_referents
    _flags, _name, _Counter = type.__dict__["__flags__"].__get__, type.__dict__["__name__"].__get__, collections.Counter
    IMMUTABLE, IS_TYPE, MAX_OBJECTS = 1 << 8, 1 << 31, 1000000   # Py_TPFLAGS_IMMUTABLETYPE, Py_TPFLAGS_TYPE_SUBCLASS
    nonce = sys.stdin.readline().strip()   # before any program code runs
    sys.stdin = io.StringIO("")
    try:   # stdin may be a file (a memfd) that another fd also points at: wipe it, not just fd 0
        os.ftruncate(0, 0)
    except OSError:
        pass
    try:
        fd = os.open(os.devnull, os.O_RDONLY)
        os.dup2(fd, 0)
        os.close(fd)
    except OSError:
        pass
    bdict = builtins.__dict__
    saved = _dict(bdict)

    def restore():
        _dict.clear(bdict)
        _dict.update(bdict, saved)

    def why(e):
        try:
            text = _str(e)
        except _Base:
            text = "?"
        return (_type(e).__name__ + (": " + text if text else ""))[:300]

    def named(t):
        return _str.__str__(_name(t))   # a class's __name__ may be a str subclass: copy it, run none of its code

    def plain(value, who):
        """Raise TypeError unless every object reachable from value (by the references its type reports
        to gc) is of a C type: no class defined in Python, so no __eq__ the program wrote."""
        todo, seen = [value], _set()
        while todo:
            x = todo.pop()
            if _id(x) in seen:
                continue
            seen.add(_id(x))
            if _len(seen) > MAX_OBJECTS:
                raise _TypeError(who + " returned a value too large to check")
            t = _type(x)   # the real type, whatever x.__class__ says
            if not _flags(t) & IMMUTABLE:
                raise _TypeError(who + " returned a non-builtin value of type " + named(t))
            if _flags(t) & IS_TYPE:   # a class as a value: C ones are fine, and are not walked into
                if not _flags(x) & IMMUTABLE:
                    raise _TypeError(who + " returned a class defined in Python: " + named(x))
                continue
            if _callable(x) or _hasattr(t, "__next__"):   # would run program code when the test uses it
                raise _TypeError(who + " returned a " + named(t) + " inside its value")
            todo.extend(_referents(x))

    def checked(value, who):
        """value as the tests get it: plain, or an iterator / callable wrapped so what it yields is checked."""
        t = _type(value)
        if t is _Counter:   # MBPP 88's reference returns one; a Python class, so the tests get its items as a dict
            value = _dict.copy(value)
        elif _flags(t) & IMMUTABLE and not _flags(t) & IS_TYPE:
            if _hasattr(t, "__next__"):
                return items(value, who)
            if _callable(value):
                return calls(value, who)
        plain(value, who)
        return value

    def items(it, who):
        for x in it:
            yield checked(x, who)

    def calls(f, who):
        def call(*args, **kwargs):
            return checked(f(*args, **kwargs), who)
        return call

    first = ""
    total = _len(tests)
    try:   # compiled now: code objects and tuples cannot be edited by the program (e.g. found via gc)
        setup_code = _compile(setup, "<test setup>", "exec")
        test_codes = tuple(_compile(t, "<test>", "exec") for t in tests) if entry is None else ()
    except _Base as e:
        first = "the tests do not compile: " + why(e)
    ns = {"__name__": "__main__", "__builtins__": builtins}
    try:
        if not first:
            _exec(_compile(program, "<program>", "exec"), ns)
    except SystemExit:
        pass   # the program ended itself; the tests still decide
    except _Base as e:
        first = "program raised " + why(e)
    _settrace(None); _setprofile(None); _tsettrace(None)
    restore()
    passed = 0
    if not first:
        tns = _dict(ns)
        for k, v in _dict.items(ns):   # what the tests call returns checked values (C classes make C objects)
            if _callable(v) and not (_flags(_type(v)) & IS_TYPE and _flags(v) & IMMUTABLE):
                tns[k] = calls(v, k if _type(k) is _str else "the program")
        cand = tns.get(entry)
        tns["__builtins__"] = _dict(saved)
        try:
            _exec(setup_code, tns)
        except _Base as e:
            first = "test setup raised " + why(e)
    if not first:
        for k in _range(total):
            restore()
            _settrace(None); _setprofile(None)
            try:
                if entry is None:
                    _exec(test_codes[k], tns)
                else:
                    check = tns.get("check")
                    if not _callable(cand):
                        raise NameError("entry point " + entry + " is not defined")
                    check(cand)
                passed += 1
            except _Base as e:
                if not first:
                    first = "test " + _str(k + 1) + ": " + why(e)
    why_hex = first.encode("utf-8", "replace").hex()
    line = "\n@@rft-result " + nonce + " " + _str(passed) + " " + _str(total) + " " + why_hex + "\n"
    data = line.encode()
    while data:
        data = data[_write(1, data):]
    _exit(0)
'''


def extract_program(completion: str, fence: str = "last", require_fence: bool = True) -> str | None:
    """The program in `completion`: a fenced Python block (`fence` picks which), else None.

    >>> extract_program("Here:\\n```python\\ndef f():\\n    return 1\\n```\\nDone.")
    'def f():\\n    return 1\\n'
    >>> extract_program("```\\na = 1\\n```\\n```py\\nb = 2\\n```", fence="first")
    'a = 1\\n'
    >>> extract_program("x = 1", require_fence=False), extract_program("x = 1")
    ('x = 1', None)
    """
    blocks = [m.group(2) for m in _FENCE.finditer(completion or "") if m.group(2).strip()]
    if not blocks:
        text = (completion or "")
        return text if not require_fence and text.strip() else None
    if fence == "first":
        return blocks[0]
    if fence == "longest":
        return max(blocks, key=len)
    return blocks[-1]


def row_tests(fields: dict) -> tuple[str, list[str], str | None]:
    """(setup, tests, entry_point) from a row: HumanEval `test`+`entry_point`, or MBPP `test_list`.

    HumanEval is one test (`check(candidate)`) whose setup is the `test` source; MBPP runs
    `test_imports` as setup and each assert of `test_list` as its own test.
    """
    if fields.get("test") and fields.get("entry_point"):
        return str(fields["test"]), ["check(candidate)"], str(fields["entry_point"])
    tests = fields.get("test_list")
    if tests:
        imports = fields.get("test_imports") or []
        setup = "\n".join(imports) if isinstance(imports, list) else str(imports)
        return setup, [str(t) for t in tests], None
    raise ValueError("row has no tests: expected `test` and `entry_point` (HumanEval) or `test_list` (MBPP)")


def harness_source(program: str, setup: str, tests: list[str], entry: str | None) -> str:
    """The child's source: the harness, then one call with the program and tests as literals."""
    return f"{_HARNESS}\n_rft_harness({program!r}, {setup!r}, {tests!r}, {entry!r})\n"


@register_verifier("code")
class CodeVerifier(Verifier):
    """Runs the completion's program against the row's tests in the sandbox (see the module doc).

    Args:
        scores: reward per outcome (see `ScoreTable`).
        mode: `all` (correct iff every test passes) or `fraction` (the same outcome; a wrong
            row's value moves from `wrong` towards `correct` with the fraction of tests passed).
        fence: which fenced block is the program: `last`, `first` or `longest`.
        require_fence: without a fence, `unparseable` (True) or the whole completion (False).
        prepend_prompt: put the row's `prompt` field before the program (HumanEval completions
            that continue a function body).
        timeout_s: the program's wall-clock and CPU limit in the sandbox.
        memory_mb: the program's memory limit.

    >>> v = CodeVerifier()
    >>> v.score("no code here", test_list=["assert f() == 1"]).outcome
    'unparseable'
    """

    def __init__(self, scores: ScoreTable | dict | None = None, *, mode: Literal["all", "fraction"] = "all",
                 fence: Literal["last", "first", "longest"] = "last", require_fence: bool = True,
                 prepend_prompt: bool = False, timeout_s: float = 10.0, memory_mb: int = 512):
        super().__init__(scores)
        if mode not in ("all", "fraction"):
            raise ValueError(f"mode must be 'all' or 'fraction', got {mode!r}")
        if fence not in ("last", "first", "longest"):
            raise ValueError(f"fence must be 'last', 'first' or 'longest', got {fence!r}")
        if not timeout_s > 0:
            raise ValueError(f"timeout_s must be > 0, got {timeout_s!r}")
        if not memory_mb >= 16:
            raise ValueError(f"memory_mb must be >= 16 (the interpreter needs some), got {memory_mb!r}")
        self.mode, self.fence, self.require_fence = mode, fence, bool(require_fence)
        self.prepend_prompt, self.timeout_s, self.memory_mb = bool(prepend_prompt), float(timeout_s), int(memory_mb)

    def limits(self):
        from rft.sandbox import Limits

        return Limits(wall_s=self.timeout_s, cpu_s=self.timeout_s, memory_mb=self.memory_mb)

    def prepare(self, completion: str, fields: dict) -> tuple[str, str, int] | Score:
        """(child source, nonce, number of tests), or the Score when there is nothing to run."""
        program = extract_program(completion, self.fence, self.require_fence)
        if program is None:
            return self.unparseable("no fenced code block" if self.require_fence else "empty completion")
        if self.prepend_prompt:
            program = str(fields.get("prompt") or "") + program
        try:
            setup, tests, entry = row_tests(fields)
        except ValueError as e:
            return self.error(str(e))
        return harness_source(program, setup, tests, entry), secrets.token_hex(16), len(tests)

    def judge(self, result, nonce: str, total: int) -> Score:
        """The Score of one sandbox Result: only the result line carrying `nonce` counts."""
        if result.status in _BAD_STATUS:
            return self.error(f"sandbox {result.status} (limit {self.timeout_s:g}s, {self.memory_mb} MB)")
        mine = [m for m in _RESULT.finditer(result.stdout or "") if m.group(1) == nonce]
        if len(mine) != 1 or int(mine[0].group(3)) != total:
            tail = (result.stderr or "").strip().splitlines()[-1:] or [""]
            return self.wrong(f"no result line: the program ended before the tests finished "
                              f"(exit code {result.exit_code}) {tail[0][:200]}".rstrip())
        passed = int(mine[0].group(2))
        first = bytes.fromhex(mine[0].group(4)).decode("utf-8", "replace")
        if "MemoryError" in first:  # the limit hit as an exception (rlimit) rather than a kill (cgroup)
            return self.error(f"sandbox memory (limit {self.memory_mb} MB): {first}")
        if passed == total and not first:
            return self.correct(f"passed {passed}/{total}")
        reason = f"passed {passed}/{total}; {first}"
        if self.mode == "fraction":
            value = self.scores.wrong + (self.scores.correct - self.scores.wrong) * passed / total
            return Score(value, "wrong", reason)
        return self.wrong(reason)

    def score(self, completion: str, **fields: Any) -> Score:
        prep = self.prepare(completion, fields)
        if isinstance(prep, Score):
            return prep
        source, nonce, total = prep
        return self.judge(_sandbox().run(source, stdin=nonce + "\n", limits=self.limits()), nonce, total)

    def score_many(self, completions: list[str], fields_list: list[dict], workers: int = 2) -> list[Score]:
        """Scores in input order, `workers` programs at a time through one `Sandbox` pool.

        For scripts and checks outside VerifierRunner (which calls `score` row by row).
        """
        if len(completions) != len(fields_list):
            raise ValueError(f"{len(completions)} completions but {len(fields_list)} field dicts")
        from rft.sandbox import Sandbox

        preps = [self.prepare(c, f) for c, f in zip(completions, fields_list)]
        todo = [i for i, p in enumerate(preps) if not isinstance(p, Score)]
        out = list(preps)
        if todo:
            with Sandbox(workers=workers, limits=self.limits()) as sb:
                results = sb.run_many([preps[i][0] for i in todo], stdins=[preps[i][1] + "\n" for i in todo])
            for i, res in zip(todo, results):
                out[i] = self.judge(res, preps[i][1], preps[i][2])
        return out  # type: ignore[return-value]

    def __setstate__(self, state: dict) -> None:
        """Unpickled in a verifier worker: start the sandbox now, not inside a row's deadline."""
        self.__dict__.update(state)
        try:
            _sandbox()
        except Exception:  # noqa: BLE001 - the first row will report whatever is wrong
            pass


_POOL = None


def _sandbox():
    """This process's sandbox: one warm slot, started on first use.

    VerifierRunner calls `score` one row at a time in each of its worker processes, so one slot per
    process is all it can use (`rft.sandbox.run`'s default pool would start one per CPU core in
    every verifier worker); parallelism comes from the runner's `workers`.
    """
    global _POOL
    if _POOL is None:
        from rft.sandbox import Sandbox

        _POOL = Sandbox(workers=1)
    return _POOL
