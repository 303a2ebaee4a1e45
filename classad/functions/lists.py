"""List functions: member, identicalMember, sum, avg, min, max, anyCompare, allCompare."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from classad.ad import ClassAd
from classad.functions import builtin
from classad.operators import BINARY, add
from classad.values import UNDEFINED, Error, read_element

_Compare = Callable[[Any, Any], Any]


def _aggregate_like(v: Any) -> bool:
    """A list or an ad: the values `=?=` refuses to compare with each other."""
    return isinstance(v, list | ClassAd)


def identical(a: Any, b: Any) -> Any:
    """`=?=` as the library computes it: two lists or two ads are ERROR, other mixes are false."""
    # (unlike the operator, whatever the list or ad types: see classad.values.SharedList)
    if (isinstance(a, list) and isinstance(b, list)
            or isinstance(a, ClassAd) and isinstance(b, ClassAd)):
        return Error("=?= between two lists or two ads")
    if _aggregate_like(a) or _aggregate_like(b):
        return False
    return BINARY["=?="](a, b)


def not_identical(a: Any, b: Any) -> Any:
    r = identical(a, b)
    return (not r) if type(r) is bool else r


# ---- member / identicalMember ----------------------------------------------------------------


def _scan_member(item: Any, items: list[Any], test: _Compare) -> bool:
    """True if `test(item, element)` is true for some element; failed comparisons are skipped."""
    for element in items:
        if type(element) is Error:
            read_element(element)  # a failed element fails the evaluation here
        if test(item, element) is True:
            return True
    return False


@builtin("member", arity=(2, 2))
def member(args: list[Any]) -> Any:
    item, items = args
    if item is UNDEFINED or items is UNDEFINED:
        return UNDEFINED
    if not isinstance(items, list):
        return Error("member() needs a list")
    if type(item) is Error or _aggregate_like(item):
        return Error("member() of an error, list or ad")
    return _scan_member(item, items, BINARY["=="])


@builtin("identicalMember", arity=(2, 2))
def identical_member(args: list[Any]) -> Any:
    item, items = args
    if items is UNDEFINED:
        return UNDEFINED
    if not isinstance(items, list):
        return Error("identicalMember() needs a list")
    if _aggregate_like(item):
        return Error("identicalMember() of a list or ad")
    return _scan_member(item, items, identical)


# ---- sum / avg / min / max -------------------------------------------------------------------


def _numbers(arg: Any) -> Any:
    """The defined elements of a list argument, all numbers; or UNDEFINED / an Error."""
    if arg is UNDEFINED:
        return UNDEFINED
    if not isinstance(arg, list):
        return Error("expected a list")
    out: list[Any] = []
    for v in arg:
        if v is UNDEFINED:
            continue
        if type(v) not in (int, float, bool):
            read_element(v)  # a failed element fails the evaluation here
            return Error("list element is not a number")
        out.append(v)
    return out


def _total(values: list[Any]) -> Any:
    if not values:
        return 0
    acc = values[0]
    for v in values[1:]:
        acc = add(acc, v)
        if type(acc) is Error:
            return acc
    return acc


@builtin("sum", arity=(1, 1))
def sum_(args: list[Any]) -> Any:
    values = _numbers(args[0])
    return values if not isinstance(values, list) else _total(values)


@builtin("avg", arity=(1, 1))
def avg(args: list[Any]) -> Any:
    values = _numbers(args[0])
    if not isinstance(values, list):
        return values
    if not values:
        return 0
    total = _total(values)
    if type(total) is Error:
        return total
    return float(total) / len(values)


def _extreme(values: list[Any], better: _Compare) -> Any:
    """The first element no later element beats; promoted to real if any element is real."""
    if len(values) == 1:
        return values[0]
    best = values[0]
    for v in values[1:]:
        if better(v, best):
            best = v
    if any(type(v) is float for v in values):
        return float(best)
    return int(best)


def _min_max(arg: Any, better: _Compare) -> Any:
    values = _numbers(arg)
    if not isinstance(values, list):
        return values
    return _extreme(values, better) if values else UNDEFINED


@builtin("min", arity=(1, 1))
def min_(args: list[Any]) -> Any:
    return _min_max(args[0], lambda a, b: not math.isnan(a) and a < b)


@builtin("max", arity=(1, 1))
def max_(args: list[Any]) -> Any:
    return _min_max(args[0], lambda a, b: not math.isnan(a) and a > b)


# ---- anyCompare / allCompare -----------------------------------------------------------------

_OPERATORS: dict[str, _Compare] = {
    "<": BINARY["<"], "<=": BINARY["<="], "==": BINARY["=="], "!=": BINARY["!="],
    ">": BINARY[">"], ">=": BINARY[">="], "is": identical, "isnt": not_identical,
}


def _compare_args(args: list[Any]) -> Any:
    """(operator, list) from anyCompare/allCompare arguments, or UNDEFINED / an Error."""
    op, items = args[0], args[1]
    if op is UNDEFINED:
        return UNDEFINED
    if type(op) is not str:
        return Error("comparison operator is not a string")
    test = _OPERATORS.get(op)
    if test is None:
        return Error(f"unknown comparison operator {op!r}")
    if items is UNDEFINED:
        return UNDEFINED
    if not isinstance(items, list):
        return Error("expected a list")
    return (test, items)


def _scan_compare(args: list[Any], want: bool) -> Any:
    """Stop at the first element whose comparison is not the boolean `not want`."""
    checked = _compare_args(args)
    if type(checked) is not tuple:
        return checked
    test, items = checked
    for element in items:
        if type(element) is Error:
            read_element(element)  # a failed element fails the evaluation here
        r = test(element, args[2])
        if type(r) is Error:
            return r
        if r is want:
            return want
        if r is not (not want):
            return False
    return not want


@builtin("anyCompare", arity=(3, 3))
def any_compare(args: list[Any]) -> Any:
    return _scan_compare(args, True)


@builtin("allCompare", arity=(3, 3))
def all_compare(args: list[Any]) -> Any:
    return _scan_compare(args, False)


# ---- stringListsIntersect --------------------------------------------------------------------


def _plain_items(text: str, delims: str) -> set[str]:
    """Items of a delimited string, untrimmed, empty items dropped."""
    items: set[str] = set()
    cur: list[str] = []
    for ch in text:
        if ch in delims:
            if cur:
                items.add("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if cur:
        items.add("".join(cur))
    return items


@builtin("stringListsIntersect", arity=(2, 3))
def string_lists_intersect(args: list[Any]) -> Any:
    for v in args:
        if type(v) is Error:
            return v
    if any(v is UNDEFINED for v in args):
        return UNDEFINED
    if any(type(v) is not str for v in args):
        return Error("stringListsIntersect() needs strings")
    delims = args[2] if len(args) == 3 and args[2] else ", "
    return not _plain_items(args[0], delims).isdisjoint(_plain_items(args[1], delims))
