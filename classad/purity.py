"""Which attributes depend on their own ad alone, so that their values can be kept per ad."""

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
IMPURE_CALLS = _IMPURE_CALLS
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
