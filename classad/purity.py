"""Which attributes depend on their own ad alone, and what else an expression may read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from classad import ast

if TYPE_CHECKING:
    from classad.ad import ClassAd

#: functions whose result depends on more than their arguments (clock, randomness, the
#: match context, the environment) or that read attributes by name at run time
_IMPURE_CALLS = frozenset({
    "time", "random", "eval", "unresolved", "evalineachcontext", "countmatches", "debug",
    "formattime", "daytime", "timezoneoffset", "abstime", "reltime", "splittime", "userhome",
    "usermap", "unparse",
})
_SCOPED = frozenset({"my"})


def is_self_contained(ad: ClassAd, key: str) -> bool:
    """True when attribute `key` of top-level `ad` can only read attributes of `ad` itself.

    Such a value is the same against every TARGET; an unscoped name the ad lacks would fall
    back to TARGET, so it makes the attribute depend on TARGET.
    """
    if ad.parent is not None:
        return False
    return _pure(ad, key.lower(), set())


def _pure(ad: ClassAd, key: str, seen: set[str]) -> bool:
    if key in seen:
        return True  # a cycle inside the ad is still a property of the ad alone
    expr = ad._exprs.get(key)
    if expr is None:
        return False
    seen.add(key)
    stack: list[ast.Expr] = [expr]
    while stack:
        node = stack.pop()
        t = type(node)
        if t is ast.Literal:
            continue
        if t is ast.AttrRef:
            if node.absolute or not _pure(ad, node.key, seen):  # type: ignore[union-attr]
                return False
            continue
        if t is ast.Select:
            base = node.base  # type: ignore[union-attr]
            if (type(base) is ast.AttrRef and not base.absolute and base.key in _SCOPED
                    and "my" not in ad._exprs):
                if not _pure(ad, node.key, seen):  # type: ignore[union-attr]
                    return False
                continue
            return False
        if t is ast.Call and node.key in _IMPURE_CALLS:  # type: ignore[union-attr]
            return False
        if t is ast.RecordExpr:
            return False
        stack.extend(ast.children(node))
    return True


def reads_clock(expr: ast.Expr) -> bool:
    """May `expr` give another value later with the same ads (it reads the clock, randomness
    or the environment: `time()`, `random()`, `CurrentTime`...)?"""
    stack = [expr]
    while stack:
        node = stack.pop()
        if type(node) is ast.Call and node.key in _IMPURE_CALLS:
            return True
        if type(node) is ast.AttrRef and node.key == "currenttime":
            return True
        if type(node) is ast.Select and node.key == "currenttime":
            return True
        stack.extend(ast.children(node))
    return False


def target_names(expr: ast.Expr, ad: ClassAd) -> frozenset[str] | None:
    """The names `expr`, evaluated with `ad` as MY, may look up in TARGET; None when it may
    read anything else outside `ad` (the clock, an absolute or computed name, a nested ad)."""
    found = reads(expr, ad)
    return None if found is None else found[1]


def reads(expr: ast.Expr, ad: ClassAd) -> tuple[frozenset[str], frozenset[str]] | None:
    """What `expr`, evaluated with `ad` as MY, may read: the names of `ad` it may look up
    (present or not: an attribute added under one of them could change the value) and the
    names it may look up in TARGET; None as for `target_names`. With the same expressions
    under the first names, another ad gives the same value for the same TARGET."""
    if ad.parent is not None:
        return None
    exprs = ad._exprs
    names: set[str] = set()
    seen: set[str] = set()
    absent: set[str] = set()
    stack: list[ast.Expr] = [expr]
    while stack:
        node = stack.pop()
        if type(node) is ast.Literal:
            continue
        if type(node) is ast.AttrRef:
            if node.absolute or node.key in ("my", "target", "parent"):
                return None
            _follow(node.key, exprs, seen, stack, names)
            continue
        if type(node) is ast.Select:
            base = node.base
            if type(base) is not ast.AttrRef or base.absolute or base.key in exprs:
                return None
            if base.key == "my":
                if node.key in exprs:  # a name MY lacks is UNDEFINED, never the job's
                    _follow(node.key, exprs, seen, stack, None)
                else:
                    absent.add(node.key)
                continue
            if base.key == "target":
                names.add(node.key)
                continue
            return None
        if type(node) is ast.Call and node.key in _IMPURE_CALLS:
            return None
        if type(node) is ast.RecordExpr:
            return None
        stack.extend(ast.children(node))
    return frozenset(seen | absent | names), frozenset(names)


def _follow(key: str, exprs: dict[str, ast.Expr], seen: set[str], stack: list[ast.Expr],
            names: set[str] | None) -> None:
    """An unscoped name: the ad's own attribute (walked once), else a lookup in TARGET."""
    if key in exprs:
        if key not in seen:
            seen.add(key)
            stack.append(exprs[key])
    elif names is not None:
        names.add(key)
