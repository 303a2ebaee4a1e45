"""Matchmaking's fast path: an expression read straight from the literals of two ads.

Most Requirements and Rank expressions in a pool compare literal attributes of the job and the
slot. Such an expression compiles to `_fast(S, T, d)`: S is the ad that owns the expression,
a plain one (top level, defining neither `my` nor `target`), T the other ad, d the nesting of
attribute references. It reads the two attribute tables directly, without an evaluation
context, a cycle set or a depth budget. Whenever the usual evaluation could need those (an
attribute reached through the match context, T's enclosing ads, an attribute of T when T is
not plain, references nested deeper than MAX_DEPTH, a construct the fast path does not
generate) it returns BAIL, and the caller evaluates the usual way. Its only effect is to keep
the value of an attribute that depends on its own ad alone, which the evaluator would keep
too; so bailing out loses time, not meaning.

tests/test_fastpath.py holds it to the evaluator on every conformance case and on generated ads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from classad import ast
from classad.compiler import _CACHE_LIMIT, Generator, build, is_hot
from classad.evaluator import _CONTEXT_NAMES, _IMPURE, _MISS, _SPECIAL, _remember
from classad.purity import _IMPURE_CALLS
from classad.values import UNDEFINED

if TYPE_CHECKING:
    from classad.ad import ClassAd

#: the fast path's answer when it cannot give the value: evaluate the usual way
BAIL: Any = object()
#: attribute references followed inside one fast evaluation before it gives up
MAX_DEPTH = 16

Fast = Callable[["ClassAd", "ClassAd", int], Any]

#: names that an absent attribute resolves through the match context or specially
_NOT_PLAIN = frozenset(_SPECIAL) | _CONTEXT_NAMES | {"currenttime"}

_cache: dict[int, tuple[ast.Expr, Fast | None]] = {}
#: compile on first use instead of after a few evaluations (see `value`)
_compile_at_once = False


def plain(ad: ClassAd) -> bool:
    """Whether the fast path may read `ad`: a top-level ad that does not define my or target."""
    exprs = ad._exprs
    return ad.parent is None and "target" not in exprs and "my" not in exprs


def fast_function(expr: ast.Expr) -> Fast | None:
    """The fast function for an expression tree, or None if it uses what the path lacks."""
    hit = _cache.get(id(expr))
    if hit is not None and hit[0] is expr:
        return hit[1]
    if not _compile_at_once and not is_hot(expr):
        return None  # the first evaluations of an expression go the usual way
    try:
        fn: Fast | None = build(_FastGenerator(), expr)
    except (_Unsupported, RecursionError):
        fn = None
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()
    _cache[id(expr)] = (expr, fn)
    return fn


def value(expr: ast.Expr, my: ClassAd, target: ClassAd) -> Any:
    """`expr` evaluated in `my` against `target` by the fast path alone, compiling what it
    needs at once; BAIL where the fast path does not apply. For tests (backend "fast")."""
    if not plain(my):
        return BAIL
    with compiling_at_once():
        fn = fast_function(expr)
        return BAIL if fn is None else fn(my, target, 0)


@contextmanager
def compiling_at_once() -> Iterator[None]:
    """Compile expressions on first use, not after a few evaluations (for tests)."""
    global _compile_at_once
    before, _compile_at_once = _compile_at_once, True
    try:
        yield
    finally:
        _compile_at_once = before


def read(ad: ClassAd, other: ClassAd, key: str, depth: int, unscoped: bool) -> Any:
    """T's attribute `key` (`ad` is T, `other` S) when T's table of values lacks it.

    A literal is kept in the table (`ClassAd._values`, emptied when the ad changes): the
    next S that reads it from this T finds it in a small table instead of T's whole ad. An
    absent attribute is UNDEFINED (past a TARGET. only if T has no enclosing ads); anything
    else is evaluated in T, which needs T to be plain too.
    """
    exprs = ad._exprs
    expr = exprs.get(key)
    if type(expr) is ast.Literal:
        value = expr.value
        table = ad._values
        if table is not None:
            table[key] = value
        return value
    if expr is None:
        return UNDEFINED if unscoped or ad.parent is None else BAIL
    if ad.parent is not None or "my" in exprs or "target" in exprs:
        return BAIL
    return nested(ad, other, key, expr, depth)


def nested(ad: ClassAd, other: ClassAd, key: str, expr: ast.Expr, depth: int) -> Any:
    """The value of `ad`'s non-literal attribute `key` (TARGET: `other`), kept if it is ad-pure."""
    memo = ad._memo
    kept = _MISS if memo is None else memo.get(key, _MISS)
    if kept is not _MISS and kept is not _IMPURE:
        return kept
    if depth >= MAX_DEPTH:
        return BAIL
    fn = fast_function(expr)
    if fn is None:
        return BAIL
    value = fn(ad, other, depth + 1)
    if kept is _MISS and value is not BAIL:
        _remember(ad, key, value, True)
    return value


class _Unsupported(Exception):
    """The expression uses something only the evaluation context provides."""


class _FastGenerator(Generator):
    """The compiler's generator with references read from two plain ads' tables."""

    function_name = "_fast"

    def __init__(self) -> None:
        super().__init__()
        self.namespace.update({"_nested": nested, "_read": read, "_BAIL": BAIL})
        self.uses_target_values = False

    def prologue(self) -> list[str]:
        lines = ["    _SE = S._exprs"]
        if self.uses_target_values:
            lines += ["    _TV = T._values", "    if _TV is None: _TV = T._values = {}"]
        return lines

    def module(self, expr: ast.Expr) -> str:
        result = self.root(expr)
        body = "\n".join([*self.prologue(), *self.lines])
        return f"def _fast(S, T, d):\n{body}\n    return {result}\n"

    def _lookup(self, key: str, out: str, absent: Callable[[], None]) -> None:
        """`out` = S's attribute `key`; `absent()` emits what a missing one is."""
        k = self.name_of(key)
        e = self.assign(f"_SE.get({k})")
        self.line(f"if type({e}) is _Literal: {out} = {e}.value")
        self.line(f"elif {e} is not None:")
        self.indent += 1
        self._nested(key, e, out)
        self.indent -= 1
        self.line("else:")
        self.indent += 1
        absent()
        self.indent -= 1

    def _nested(self, key: str, expr: str, out: str) -> None:
        """`out` = S's non-literal attribute `key`, whose expression is `expr` (see `nested`)."""
        self.line(f"{out} = _nested(S, T, {self.name_of(key)}, {expr}, d)")
        self.line(f"if {out} is _BAIL: return _BAIL")

    def _read_target(self, key: str, out: str, unscoped: bool) -> None:
        """`out` = T's attribute `key`, from T's table of values read so far (see `read`)."""
        k = self.name_of(key)
        self.uses_target_values = True
        self.line(f"{out} = _TV.get({k}, _BAIL)")
        self.line(f"if {out} is _BAIL:")
        self.line(f"    {out} = _read(T, S, {k}, d, {unscoped})")
        self.line(f"    if {out} is _BAIL: return _BAIL")

    def _undefined(self, out: str) -> Callable[[], None]:
        return lambda: self.line(f"{out} = _UNDEF")

    def attr_ref(self, node: ast.AttrRef) -> str:
        key = node.key
        if node.absolute or key in _NOT_PLAIN:
            raise _Unsupported(key)
        out = self.temp()
        # an unscoped name: the ad itself, then (for a name outside the match context) TARGET
        self._lookup(key, out, lambda: self._read_target(key, out, unscoped=True))
        return out

    def select(self, node: ast.Select) -> str:
        base = node.base
        key = node.key
        if type(base) is not ast.AttrRef or base.absolute or key in _NOT_PLAIN:
            raise _Unsupported(key)
        out = self.temp()
        if base.key not in ("target", "my"):
            raise _Unsupported(base.key)
        if base.key == "target":
            self._read_target(key, out, unscoped=False)
        else:
            self._lookup(key, out, self._undefined(out))
        return out

    def subscript(self, node: ast.Subscript) -> str:
        raise _Unsupported("subscript")  # list elements are evaluated lazily, in context

    def call(self, node: ast.Call) -> str:
        from classad.functions import eager_function

        if node.key in _IMPURE_CALLS or eager_function(node.key, len(node.args)) is None:
            raise _Unsupported(node.key)
        return super().call(node)

    def emit(self, node: ast.Expr) -> str:
        if type(node) is ast.RecordExpr:
            raise _Unsupported("nested ad")
        return super().emit(node)
