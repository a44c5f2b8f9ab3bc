"""The `code` verifier hands the tests plain values only: whatever a program returns to a test must
be built from C types (no class defined in Python, so no `__eq__` the program wrote), or it fails
that test. One way to smuggle a value past `assert f(x) == y` per test; each of those programs
passes its tests with the check taken out of the harness. Honest programs that return plain values,
iterators, closures and C objects still pass (that every HumanEval and MBPP reference does is
test_code_verifier.py's `rft verify` test).
"""
from __future__ import annotations

import pytest

from rft.verifiers.code import CodeVerifier

MBPP = {"test_list": ["assert f(1) == 2", "assert f(2) == 3"]}
HUMANEVAL = {"entry_point": "f", "test": "def check(candidate):\n    assert candidate(1) == 2\n"}
ALWAYS_EQUAL = "    def __eq__(self, other):\n        return True\n    __hash__ = object.__hash__\n"
EVIL_INT = "class Evil(int):\n" + ALWAYS_EQUAL


def fenced(code: str) -> str:
    return f"```python\n{code}\n```"


@pytest.fixture(scope="module")
def v():
    return CodeVerifier(timeout_s=5.0, memory_mb=512)


def refused(v, program: str, row: dict, why: str = "non-builtin value of type Evil") -> None:
    s = v.score(fenced(program), **row)
    assert s.outcome == "wrong" and s.reason.startswith("passed 0/"), s.reason
    assert "TypeError" in s.reason and why in s.reason, s.reason


def test_an_always_equal_int_subclass_fails_a_humaneval_check(v):
    refused(v, EVIL_INT + "def f(x):\n    return Evil(0)", HUMANEVAL)


def test_an_always_equal_int_subclass_fails_mbpp_asserts(v):
    s = v.score(fenced(EVIL_INT + "def f(x):\n    return Evil(0)"), **MBPP)
    assert s.reason == "passed 0/2; test 1: TypeError: f returned a non-builtin value of type Evil"


def test_a_plain_class_whose_eq_is_always_true_fails(v):
    refused(v, "class Evil:\n" + ALWAYS_EQUAL + "def f(x):\n    return Evil()", MBPP)


def test_a_str_subclass_fails(v):
    row = {"test_list": ["assert f('a') == 'abc'"]}
    refused(v, "class Evil(str):\n" + ALWAYS_EQUAL + "def f(s):\n    return Evil(s)", row)


def test_a_list_subclass_fails(v):
    row = {"test_list": ["assert f(3) == [1, 2, 3]"]}
    refused(v, "class Evil(list):\n" + ALWAYS_EQUAL + "def f(n):\n    return Evil()", row)


def test_a_class_made_with_type_fails(v):
    program = "Evil = type('Evil', (int,), {'__eq__': lambda self, other: True, '__hash__': int.__hash__})\n"
    refused(v, program + "def f(x):\n    return Evil(0)", MBPP)


@pytest.mark.parametrize("wrap", ["[{}]", "({},)", "{{'a': {}}}", "[[1, ({},)]]"])
def test_a_user_object_nested_in_a_container_fails(v, wrap):
    expected = wrap.format(2)
    row = {"test_list": [f"assert f(1) == {expected}"]}
    refused(v, EVIL_INT + "def f(x):\n    return " + wrap.format("Evil(0)"), row)


def test_a_user_object_inside_a_c_container_is_found_through_its_references(v):
    row = {"test_list": ["assert list(f(1)) == [2]", "assert g(1).x == 2"]}
    program = EVIL_INT + ("import collections, types\ndef f(x):\n    return collections.deque([Evil(0)])\n"
                          "def g(x):\n    return types.SimpleNamespace(x=Evil(0))")
    refused(v, program, row)


@pytest.mark.parametrize("iterator", ["(Evil(0) for _ in range(2))", "map(Evil, [0, 0])", "iter([Evil(0), Evil(0)])"])
def test_an_iterator_yielding_user_objects_fails_when_the_test_reads_it(v, iterator):
    row = {"test_list": ["assert list(f(1)) == [2, 3]"]}
    refused(v, EVIL_INT + "def f(x):\n    return " + iterator, row)


def test_a_returned_closure_that_returns_a_user_object_fails(v):
    row = {"test_list": ["assert adder(1)(2) == 3"]}
    refused(v, EVIL_INT + "def adder(a):\n    def add(b):\n        return Evil(0)\n    return add", row)


def test_a_returned_partial_is_wrapped_like_a_closure(v):
    row = {"test_list": ["assert f(1)(2) == 3"]}
    refused(v, EVIL_INT + "import functools\ndef h(a, b):\n    return Evil(0)\n"
               "def f(a):\n    return functools.partial(h, a)", row)


def test_a_function_inside_a_returned_value_fails(v):
    row = {"test_list": ["assert f(1)[0](2) == 3"]}
    refused(v, EVIL_INT + "def f(a):\n    return [lambda b: Evil(0)]", row, "f returned a function inside its value")


def test_an_object_whose_class_attribute_lies_fails(v):
    program = "class Evil:\n    __class__ = int\n" + ALWAYS_EQUAL + "def f(x):\n    return Evil()"
    refused(v, program, MBPP)


def test_a_metaclass_faking_flags_does_not_make_a_class_plain(v):
    program = ("class Meta(type):\n    __flags__ = property(lambda cls: int.__flags__)\n"
               "class Evil(int, metaclass=Meta):\n" + ALWAYS_EQUAL + "def f(x):\n    return Evil(0)")
    refused(v, program, MBPP)


def test_a_class_entry_point_returning_its_own_instance_fails(v):
    row = {"test_list": ["assert Pair(1, 2) == (1, 2)"]}
    program = "class Pair:\n    def __init__(self, a, b):\n        self.a, self.b = a, b\n" + ALWAYS_EQUAL
    refused(v, program, row, "non-builtin value of type Pair")


def test_a_helper_the_humaneval_check_calls_is_checked_too(v):
    # HumanEval/32's check calls `poly` from the prompt: every callable of the program is wrapped
    row = {"entry_point": "f", "test": "def check(candidate):\n    assert helper(candidate(1)) == 5\n"}
    refused(v, EVIL_INT + "def helper(x):\n    return Evil(0)\ndef f(x):\n    return x + 1", row)


def test_a_counter_reaches_the_tests_as_a_plain_dict_of_its_items(v):
    row = {"test_list": ["assert f('ab') == {'a': 1, 'b': 2}"]}
    patched = "import collections\ncollections.Counter.__eq__ = lambda self, other: True\n"
    s = v.score(fenced(patched + "def f(s):\n    return collections.Counter(s)"), **row)
    assert s.reason == "passed 0/1; test 1: AssertionError", s.reason
    refused(v, EVIL_INT + "import collections\ndef f(s):\n    return collections.Counter({'a': Evil(0)})", row)


@pytest.mark.parametrize("body", [
    "return x + 1",
    "return [x + 1][0]",
    "return max({'k': (x + 1, [None, 'a', 2.5, b'b', {1, frozenset()}])}['k'][:1])",
    "return next(iter(map(lambda y: y + 1, [x])))",
    "return sum(y for y in (x, 1))",
])
def test_a_correct_solution_with_plain_values_is_correct(v, body):
    for row in (MBPP, HUMANEVAL):
        assert v.score(fenced(f"def f(x):\n    {body}"), **row).outcome == "correct"


def test_plain_containers_iterators_closures_and_c_objects_reach_the_tests(v):
    row = {"test_imports": ["import collections", "import re"], "test_list": [
        "assert nested(1) == [(1, {'a': [1.5, None]}), {2}, frozenset({3}), b'x', 'y', True, 2j]",
        "assert list(gen(3)) == [0, 1, 2] and list(mapped(3)) == [1, 2, 3]",
        "assert adder(1)(2) == 3 and kind() is int",
        "assert counts('abb') == {'a': 1, 'b': 2} and dd()['x'] == [] and list(dq()) == [1, 2]",
        "assert match('ab') and not match('b')",
    ]}
    program = ("import collections, re\n"
               "def nested(x):\n    return [(1, {'a': [1.5, None]}), {2}, frozenset({3}), b'x', 'y', True, 2j]\n"
               "def gen(n):\n    yield from range(n)\n"
               "def mapped(n):\n    return map(lambda i: i + 1, range(n))\n"
               "def adder(a):\n    return lambda b: a + b\n"
               "def kind():\n    return int\n"
               "def counts(s):\n    return collections.Counter(s)\n"
               "def dd():\n    return collections.defaultdict(list)\n"
               "def dq():\n    return collections.deque([1, 2])\n"
               "def match(s):\n    return re.match('a', s)\n")
    s = v.score(fenced(program), **row)
    assert s.outcome == "correct", s.reason
