"""HTCondor's additions: stringList*, split*, userHome, userMap, evalInEachContext, countMatches."""

from __future__ import annotations

import functools
import math
import pwd
import re
from collections.abc import Callable, Sequence
from typing import Any

from classad import ast
from classad.ad import ClassAd
from classad.functions import Evaluation, builtin, pcre
from classad.values import (
    INT64_MIN,
    UNDEFINED,
    Error,
    EvaluationFailed,
    SharedList,
    to_bytes,
)

_SPACE = " \t\n\r\v\f"
_DEFAULT_DELIMS = ", "
_FLT_MAX = 3.4028234663852886e38
_FLT_MIN = 1.1754943508222875e-38
_ASCII_FOLD = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


# ---- byte view -----------------------------------------------------------------------------
# The C++ library works on bytes: a non-ASCII delimiter is a set of UTF-8 bytes. Strings are
# processed as latin-1 "byte strings" and turned back into text at the end.


def _bytes_view(s: str) -> str:
    return to_bytes(s).decode("latin-1")


def _text(b: str) -> str:
    return b.encode("latin-1").decode("utf-8", "surrogateescape")


def _fold(s: str) -> str:
    """ASCII-only lower case."""
    return s.translate(_ASCII_FOLD)


# ---- HTCondor string lists -----------------------------------------------------------------


@functools.lru_cache(maxsize=8192)
def string_list_items(text: str, delims: str) -> tuple[str, ...]:
    """Split on any delimiter character, trim whitespace, drop empty items (byte view).

    Cached: pools repeat the same lists (DESIRED_Sites, ...) in every evaluation.
    """
    out: list[str] = []
    start = 0
    for i, ch in enumerate(text):
        if ch in delims:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return tuple(t for t in (item.strip(_SPACE) for item in out) if t)


def _list_and_delims(args: list[Any]) -> Any:
    """(list text, delimiters) for stringListSize and friends, or an Error."""
    text = args[0]
    delims = args[1] if len(args) > 1 else _DEFAULT_DELIMS
    if type(text) is not str or type(delims) is not str:
        return Error("string list functions need string arguments")
    return (_bytes_view(text), _bytes_view(delims))


@builtin("stringListSize", arity=(1, 2))
def string_list_size(args: list[Any]) -> Any:
    parsed = _list_and_delims(args)
    if type(parsed) is Error:
        return parsed
    return len(string_list_items(*parsed))


# ---- numbers as sscanf("%lf") reads them ---------------------------------------------------

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_HEX = re.compile(r"([+-]?)0[xX]((?:[0-9a-fA-F]+(?:\.[0-9a-fA-F]*)?|\.[0-9a-fA-F]*))"
                  r"([pP][+-]?[0-9]+)?")
_HEX_PREFIX = re.compile(r"[+-]?0[xX]")
_INTEGER_CHARS = frozenset("+-0123456789")


def _special_float(item: str) -> float | None:
    """inf, infinity or nan (any case, optionally signed), as glibc's scanf accepts them."""
    sign = -1.0 if item[:1] == "-" else 1.0
    low = (item[1:] if item[:1] in ("+", "-") else item).lower()
    if low.startswith("nan"):
        return math.nan
    if low.startswith("infinity") or low.startswith("inf") and low[3:4] != "i":
        return sign * math.inf
    return None


def _hex_float(m: re.Match[str]) -> float:
    sign, mantissa, exponent = m.group(1), m.group(2), m.group(3) or ""
    if mantissa.strip(".") == "":
        return 0.0
    if mantissa.endswith("."):
        mantissa = mantissa[:-1]
    return float.fromhex(f"{sign}0x{mantissa}{exponent}")


def scan_double(item: str) -> float | None:
    """The number at the start of `item`, as C's sscanf("%lf") reads it, or None."""
    if _HEX_PREFIX.match(item):
        m = _HEX.match(item)
        return _hex_float(m) if m else None
    m = _DECIMAL.match(item)
    if m:
        return float(m.group(0))
    return _special_float(item)


def to_int64(x: float) -> int:
    """C's (long long) cast of a double on x86-64: out of range or NaN gives INT64_MIN."""
    if math.isnan(x) or not -9.223372036854775808e18 <= x < 9.223372036854775808e18:
        return INT64_MIN
    return int(x)


def _summarize(name: str, start: float, step: Callable[[float, float], float],
               empty: Any, average: bool = False) -> None:
    @builtin(name, arity=(1, 2))
    def summarize(args: list[Any]) -> Any:
        parsed = _list_and_delims(args)
        if type(parsed) is Error:
            return parsed
        items = string_list_items(*parsed)
        if not items:
            return empty
        acc, integral = start, True
        for item in items:
            x = scan_double(item)
            if x is None:
                return Error(f"{name}(): {item!r} is not a number")
            integral = integral and set(item) <= _INTEGER_CHARS
            acc = step(x, acc)
        if average:
            acc /= len(items)
        return to_int64(acc) if integral else acc


_summarize("stringListSum", 0.0, lambda x, acc: x + acc, 0.0)
_summarize("stringListAvg", 0.0, lambda x, acc: x + acc, 0.0, average=True)
_summarize("stringListMin", _FLT_MAX, lambda x, acc: x if x < acc else acc, UNDEFINED)
_summarize("stringListMax", _FLT_MIN, lambda x, acc: x if x > acc else acc, UNDEFINED)


# ---- membership and subsets ----------------------------------------------------------------


def _two_lists(args: list[Any]) -> Any:
    """(first, second, delimiters) as byte views; an undefined list is empty. Or a result."""
    for v in args:
        if type(v) is Error or (type(v) is not str and v is not UNDEFINED):
            return Error("string list functions need string arguments")
    if args[0] is UNDEFINED and args[1] is UNDEFINED:
        return UNDEFINED
    delims = args[2] if len(args) > 2 and type(args[2]) is str else _DEFAULT_DELIMS
    first, second = ("" if v is UNDEFINED else _bytes_view(v) for v in args[:2])
    return (first, second, _bytes_view(delims))


@functools.lru_cache(maxsize=8192)
def _item_set(text: str, fold: Callable[[str], str]) -> frozenset[str]:
    """The folded items of an ASCII list with the default delimiters."""
    return frozenset(fold(x) for x in string_list_items(text, _DEFAULT_DELIMS))


def _member(name: str, fold: Callable[[str], str]) -> None:
    @builtin(name, arity=(2, 3))
    def member(args: list[Any]) -> Any:
        if len(args) == 2:  # fast path: plain ASCII strings, default delimiters
            item, text = args
            if type(item) is str and type(text) is str and item.isascii() and text.isascii():
                return fold(item) in _item_set(text, fold)
        parsed = _two_lists(args)
        if type(parsed) is not tuple:
            return parsed
        item, text, delims = parsed
        if args[0] is UNDEFINED:
            return False
        want = fold(item)
        return any(fold(x) == want for x in string_list_items(text, delims))


def _subset(name: str, fold: Callable[[str], str]) -> None:
    @builtin(name, arity=(2, 3))
    def subset(args: list[Any]) -> Any:
        parsed = _two_lists(args)
        if type(parsed) is not tuple:
            return parsed
        small, big, delims = parsed
        wanted = string_list_items(small, delims)
        if not wanted:
            return small == ""  # a blank but non-empty list is a subset of nothing
        pool = {fold(x) for x in string_list_items(big, delims)}
        return all(fold(x) in pool for x in wanted)


_member("stringListMember", lambda s: s)
_member("stringListIMember", _fold)
_subset("stringListSubsetMatch", lambda s: s)
_subset("stringListISubsetMatch", _fold)


# ---- stringList_regexpMember ---------------------------------------------------------------

def _item_matches(rx: pcre.Pattern, item: str) -> bool:
    """A list item matches; a match PCRE2 gives up on counts as none, as in HTCondor."""
    try:
        return pcre.matches(rx, item.encode("latin-1"))
    except pcre.MatchFailed:
        return False


@builtin("stringList_regexpMember", arity=(2, 4))
def string_list_regexp_member(args: list[Any]) -> Any:
    if any(type(v) is not str for v in args):
        return Error("stringList_regexpMember() needs string arguments")
    pattern, text = args[0], args[1]
    delims = args[2] if len(args) > 2 else _DEFAULT_DELIMS
    options = args[3] if len(args) > 3 else ""
    # unlike regexp(), the string-list functions accept the option letters in either case
    regex = pcre.compile_pattern(to_bytes(pattern), pcre.option_bits(options.lower()))
    if regex is None:
        return Error(f"invalid regular expression {pattern!r}")
    items = string_list_items(_bytes_view(text), _bytes_view(delims))
    if not items:
        return UNDEFINED
    return any(_item_matches(regex, item) for item in items)


# ---- split, splitUserName, splitSlotName ---------------------------------------------------


def _raw_tokens(text: str, delims: str) -> list[tuple[str, str]]:
    """(token, terminator) pairs; whitespace delimiters before a token are skipped."""
    soft = {c for c in delims if c in _SPACE}
    out: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in soft:
            i += 1
        if i >= n:
            break
        start = i
        while i < n and text[i] not in delims:
            i += 1
        out.append((text[start:i], text[i] if i < n else ""))
        i += 1
    return out


def split_tokens(text: str, delims: str) -> list[str]:
    """HTCondor's split(): an empty field counts only between two equal hard delimiters."""
    out: list[str] = []
    last = ""
    for token, term in _raw_tokens(text, delims):
        if token or (last and term == last):
            out.append(token)
        if term and term not in _SPACE:
            last = term
    return out


@builtin("split", arity=(1, 2))
def split(args: list[Any]) -> Any:
    text = args[0]
    delims = args[1] if len(args) > 1 else ", \t"
    if type(text) is not str or type(delims) is not str:
        return Error("split() needs string arguments")
    tokens = split_tokens(_bytes_view(text), _bytes_view(delims))
    return SharedList(_text(t) for t in tokens)


@builtin("splitUserName", arity=(1, 1))
def split_user_name(args: list[Any]) -> Any:
    name = args[0]
    if type(name) is not str:
        return Error("splitUserName() needs a string")
    user, _, domain = name.partition("@")
    return SharedList((user, domain))


@builtin("splitSlotName", arity=(1, 1))
def split_slot_name(args: list[Any]) -> Any:
    name = args[0]
    if type(name) is not str:
        return Error("splitSlotName() needs a string")
    slot, at, host = name.partition("@")
    return SharedList((slot, host) if at else ("", name))


# ---- userHome, userMap ---------------------------------------------------------------------


def _home_of(name: str) -> str | None:
    if not name or "\x00" in name:
        return None
    try:
        return pwd.getpwnam(name).pw_dir
    except (KeyError, OSError, ValueError):
        return None


@builtin("userHome")
def user_home(args: list[Any]) -> Any:
    if not 1 <= len(args) <= 2:
        # unlike every other builtin (a wrong count is an ERROR value), the C++ userHome
        # fails the whole evaluation: `isError(userHome())` is ERROR, not true
        raise EvaluationFailed("userHome() takes one or two arguments")
    name = args[0]
    home = _home_of(name) if type(name) is str else None
    if home is not None:
        return home
    if len(args) == 2 and type(args[1]) is str and args[1]:
        return args[1]
    if name is UNDEFINED or type(name) is str:
        return UNDEFINED
    return Error("userHome() needs a string")


@builtin("userMap", arity=(2, 4))
def user_map(args: list[Any]) -> Any:
    """No user maps are configured, so every lookup misses and gives the default."""
    for v in args[:2]:
        if type(v) is Error:
            return v
    return args[3] if len(args) == 4 else UNDEFINED


# ---- evalInEachContext, countMatches -------------------------------------------------------


def _find_in_chain(ad: ClassAd | None, key: str, ev: Evaluation) -> ast.Expr | None:
    while ad is not None:
        expr = ad.get_expr(key)
        if expr is not None:
            return expr
        ad = ev.ctx.parent_of(ad)
    return None


def _referenced(node: ast.Expr, ev: Evaluation) -> ast.Expr | None:
    """The stored expression a bare attribute reference names, looked up in the caller's scope."""
    if type(node) is ast.AttrRef:
        start = ev.ctx.top_of(ev.scope) if node.absolute else ev.scope
        found = _find_in_chain(start, node.key, ev)
        if found is None and not node.absolute:
            alt = ev.ctx.alternate_of(ev.scope)
            found = alt.get_expr(node.key) if alt is not None else None
        return found
    if type(node) is ast.Select:
        base = ev.eval(node.base)
        return _find_in_chain(base, node.key, ev) if isinstance(base, ClassAd) else None
    return None


def _context_expr(node: ast.Expr, ev: Evaluation) -> ast.Expr:
    """What is evaluated in each context: an attribute reference stands for its expression."""
    found = _referenced(node, ev)
    return node if found is None else found


def _in_each(expr: ast.Expr, contexts: list[Any], ev: Evaluation) -> SharedList:
    out = SharedList()
    for ctx in contexts:
        if isinstance(ctx, ClassAd):
            out.append(ev.eval(expr, ctx))
        elif ctx is UNDEFINED:
            out.append(UNDEFINED)
        else:
            out.append(Error("evalInEachContext() element is not an ad"))
    return out


@builtin("evalInEachContext", arity=(2, 2), lazy=True)
def eval_in_each_context(args: Sequence[ast.Expr], ev: Evaluation) -> Any:
    contexts = ev.eval(args[1])
    if contexts is UNDEFINED or type(contexts) is Error:
        return contexts
    if not isinstance(contexts, list):
        return Error("evalInEachContext() needs a list")
    return _in_each(_context_expr(args[0], ev), contexts, ev)


def _counts(v: Any) -> bool:
    t = type(v)
    return v is True or (t is int or t is float) and v != 0


@builtin("countMatches", arity=(2, 2), lazy=True)
def count_matches(args: Sequence[ast.Expr], ev: Evaluation) -> Any:
    contexts = ev.eval(args[1])
    if contexts is UNDEFINED:
        return 0
    if not isinstance(contexts, list):
        return contexts if type(contexts) is Error else Error("countMatches() needs a list")
    expr = _context_expr(args[0], ev)
    return sum(1 for ctx in contexts if isinstance(ctx, ClassAd) and _counts(ev.eval(expr, ctx)))
