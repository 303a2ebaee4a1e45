"""String builtins: strcat, join, case changes, substr, comparisons, size and version tests."""

from __future__ import annotations

import string as _string
from collections.abc import Callable, Sequence
from typing import Any

from classad import ast
from classad.ad import ClassAd
from classad.functions import Evaluation, builtin
from classad.functions.convert import int32, list_source, source_string
from classad.values import MAX_STRING, UNDEFINED, Error, from_bytes, read_element, to_bytes
from classad.values import list_source as value_source

_UPPER = str.maketrans(_string.ascii_lowercase, _string.ascii_uppercase)
_LOWER = str.maketrans(_string.ascii_uppercase, _string.ascii_lowercase)


def _arg_string(expr: ast.Expr, ev: Evaluation) -> Any:
    """Evaluate an argument and convert it to a string (UNDEFINED and ERROR pass through)."""
    return source_string(ev.eval(expr), expr, ev.scope)


@builtin("strcat", lazy=True)
def strcat(args: Sequence[ast.Expr], ev: Evaluation) -> Any:
    parts: list[str] = []
    size = 0
    for expr in args:
        s = _arg_string(expr, ev)
        if type(s) is not str:
            return s
        parts.append(s)
        size += len(s)
    if size > MAX_STRING:
        return Error(f"strcat(): the result would be longer than {MAX_STRING} characters")
    return "".join(parts)


def _change_case(name: str, table: dict[int, int]) -> None:
    @builtin(name, arity=(1, 1), lazy=True)
    def change(args: Sequence[ast.Expr], ev: Evaluation) -> Any:
        s = _arg_string(args[0], ev)
        return s.translate(table) if type(s) is str else s


_change_case("toUpper", _UPPER)
_change_case("toLower", _LOWER)


# ---- join -----------------------------------------------------------------------------------
_Item = tuple[Any, "ast.Expr | None"]


def _list_items(value: list[Any], expr: ast.Expr, ev: Evaluation) -> list[_Item]:
    """The elements of a list argument, each with its source expression when it is literal."""
    src = value_source(value)
    if src is None:
        src = list_source(expr, ev.scope)
    if src is not None and len(src.items) == len(value):
        return list(zip(value, src.items, strict=True))
    return [(v, None) for v in value]


def _join_items(sep: str, items: list[_Item], ev: Evaluation, nothing: Any = "") -> Any:
    """Join the non-UNDEFINED items; the separator goes only after a non-empty prefix.
    No items at all gives `nothing` (UNDEFINED when the separator is UNDEFINED, as in C++)."""
    parts: list[str] = []
    size = 0
    joined = False
    for value, expr in items:
        if read_element(value) is UNDEFINED:
            continue
        s = source_string(value, expr, ev.scope)
        if type(s) is not str:
            return s
        if size:  # the separator goes only after a non-empty prefix
            parts += (sep, s)
            size += len(sep) + len(s)
        else:
            parts = [s]
            size = len(s)
        if size > MAX_STRING:
            return Error(f"join(): the result would be longer than {MAX_STRING} characters")
        joined = True
    if items and not joined:
        return UNDEFINED
    return "".join(parts) if joined else nothing


@builtin("join", arity=(0, None), lazy=True)
def join(args: Sequence[ast.Expr], ev: Evaluation) -> Any:
    if not args:
        return ""
    first = ev.eval(args[0])
    if len(args) == 1:
        if isinstance(first, list):
            return _join_items("", _list_items(first, args[0], ev), ev)
        return first if first is UNDEFINED or type(first) is Error else ""
    if type(first) is Error:
        return first
    sep = "" if first is UNDEFINED else source_string(first, args[0], ev.scope)
    if type(sep) is not str:
        return sep
    values = [ev.eval(a) for a in args[1:]]
    if len(values) == 1 and isinstance(values[0], list):
        nothing = UNDEFINED if first is UNDEFINED else ""
        return _join_items(sep, _list_items(values[0], args[1], ev), ev, nothing)
    return _join_items(sep, list(zip(values, args[1:], strict=True)), ev)


# ---- substr, size ---------------------------------------------------------------------------
@builtin("substr", arity=(2, 3))
def substr(args: list[Any]) -> Any:
    if any(a is UNDEFINED for a in args):
        return UNDEFINED
    text, offset = args[0], args[1]
    if type(text) is not str or type(offset) is not int:
        return Error("substr() needs a string and integer offset")
    if len(args) == 3 and type(args[2]) is not int:
        return Error("substr() length is not an integer")
    data = to_bytes(text)
    size = len(data)
    start = int32(offset)
    start = max(0, size + start) if start < 0 else min(start, size)
    given = int32(args[2]) if len(args) == 3 else 0
    length = given
    if length <= 0:
        length = max(0, size - start + length)
    else:
        length = min(length, size - start)
    if len(args) == 3 and given == 0:
        length = 0
    return from_bytes(data[start:start + length])


@builtin("size", arity=(1, 1))
def size(args: list[Any]) -> Any:
    v = args[0]
    if v is UNDEFINED or type(v) is Error:
        return v
    if isinstance(v, list):
        return len(v)
    if isinstance(v, ClassAd):
        return len(v)
    if type(v) is str:
        return len(to_bytes(v))
    return Error("size() of a value that is not a string, list or ad")


# ---- strcmp, stricmp ------------------------------------------------------------------------
def _two_strings(args: Sequence[ast.Expr], ev: Evaluation) -> tuple[Any, Any] | Any:
    """Both arguments as byte strings, or the UNDEFINED/ERROR result (UNDEFINED wins)."""
    values = [ev.eval(a) for a in args]
    if any(v is UNDEFINED for v in values):
        return UNDEFINED
    texts = [source_string(v, a, ev.scope) for v, a in zip(values, args, strict=True)]
    for t in texts:
        if type(t) is not str:
            return t
    return to_bytes(texts[0]), to_bytes(texts[1])


def _sign(a: bytes, b: bytes) -> int:
    return (a > b) - (a < b)


@builtin("strcmp", arity=(2, 2), lazy=True)
def strcmp(args: Sequence[ast.Expr], ev: Evaluation) -> Any:
    pair = _two_strings(args, ev)
    return _sign(*pair) if type(pair) is tuple else pair


@builtin("stricmp", arity=(2, 2), lazy=True)
def stricmp(args: Sequence[ast.Expr], ev: Evaluation) -> Any:
    pair = _two_strings(args, ev)
    if type(pair) is not tuple:
        return pair
    return _sign(pair[0].lower(), pair[1].lower())


# ---- version comparison ---------------------------------------------------------------------
def _at(s: bytes, i: int) -> int:
    return s[i] if i < len(s) else 0


def _digit(c: int) -> bool:
    return 48 <= c <= 57


def _signed(c: int) -> int:
    return c - 256 if c >= 128 else c


def _leading_zeros(s: bytes, i: int) -> int:
    """How many zeros at `i` are followed by another digit (they make the run a fraction)."""
    n = 0
    while _at(s, i + n) == 48 and _digit(_at(s, i + n + 1)):
        n += 1
    return n


def _run_length(s: bytes, i: int) -> int:
    n = 0
    while _digit(_at(s, i + n)):
        n += 1
    return n


def _compare_integers(a: bytes, i: int, b: bytes, j: int) -> tuple[int, int]:
    """Compare two digit runs as numbers: (result, run length); result 0 means equal."""
    la, lb = _run_length(a, i), _run_length(b, j)
    if la != lb:
        return la - lb, 0
    for k in range(la):
        if a[i + k] != b[j + k]:
            return a[i + k] - b[j + k], 0
    return 0, la


def version_compare(a: bytes, b: bytes) -> int:
    """Compare version strings: digit runs compare as numbers, runs with leading zeros as
    fractions, anything else byte by byte (the raw signed difference is returned)."""
    i = j = 0
    while True:
        c1, c2 = _at(a, i), _at(b, j)
        if _digit(c1) and _digit(c2):
            z1, z2 = _leading_zeros(a, i), _leading_zeros(b, j)
            if z1 != z2:
                return z2 - z1
            i, j = i + z1, j + z1
            if z1 == 0:
                result, step = _compare_integers(a, i, b, j)
                if result:
                    return result
                i, j = i + step, j + step
                continue
            while _digit(_at(a, i)) and _at(a, i) == _at(b, j):
                i, j = i + 1, j + 1
            c1, c2 = _at(a, i), _at(b, j)
        if c1 != c2:
            return _signed(c1) - _signed(c2)
        if c1 == 0:
            return 0
        i, j = i + 1, j + 1


@builtin("versioncmp", arity=(2, 2), lazy=True)
def versioncmp(args: Sequence[ast.Expr], ev: Evaluation) -> Any:
    pair = _two_strings(args, ev)
    return version_compare(*pair) if type(pair) is tuple else pair


def _version_test(name: str, test: Callable[[int], bool]) -> None:
    @builtin(name, arity=(2, 2), lazy=True)
    def check(args: Sequence[ast.Expr], ev: Evaluation) -> Any:
        pair = _two_strings(args, ev)
        return test(version_compare(*pair)) if type(pair) is tuple else pair


_version_test("versionLT", lambda r: r < 0)
_version_test("versionLE", lambda r: r <= 0)
_version_test("versionGT", lambda r: r > 0)
_version_test("versionGE", lambda r: r >= 0)
_version_test("versionEQ", lambda r: r == 0)


@builtin("version_in_range", arity=(3, 3), lazy=True)
def version_in_range(args: Sequence[ast.Expr], ev: Evaluation) -> Any:
    version = ev.eval(args[0])
    low, high = ev.eval(args[1]), ev.eval(args[2])
    if low is UNDEFINED or high is UNDEFINED:
        return UNDEFINED
    if version is UNDEFINED or type(version) is Error:
        return Error("version_in_range() needs a version")
    texts = [source_string(v, a, ev.scope) for v, a in zip((version, low, high), args, strict=True)]
    for t in texts:
        if type(t) is not str:
            return t
    v, lo, hi = (to_bytes(t) for t in texts)
    return version_compare(v, lo) >= 0 and version_compare(v, hi) <= 0
