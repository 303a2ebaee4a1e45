"""The ClassAd expression tree: small frozen nodes built once by the parser and shared."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, TypeAlias


@dataclass(frozen=True, slots=True)
class Literal:
    """A constant: int, float, str, bool, UNDEFINED, ERROR, AbsTime or RelTime."""

    value: Any
    #: source spelling of a folded call (`absTime("...")`) or a parsed number, for unparse
    text: str | None = field(default=None, compare=False)


_LITERALS: dict[tuple[type, Any], Literal] = {}


def literal(value: Any) -> Literal:
    """A shared Literal for a bool, int, str or None-free scalar (ads repeat their values)."""
    t = type(value)
    if t is float:
        return Literal(value)  # 0.0 and -0.0 are equal keys: never share reals
    key = (t, value)
    node = _LITERALS.get(key)
    if node is None:
        if len(_LITERALS) >= 262144:
            _LITERALS.clear()
        node = _LITERALS[key] = Literal(value)
    return node


@dataclass(frozen=True, slots=True)
class AttrRef:
    """An attribute reference `name`, or `.name` (absolute: looked up from the root)."""

    name: str
    absolute: bool = False
    key: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", sys.intern(self.name.lower()))


@dataclass(frozen=True, slots=True)
class Select:
    """Record selection `base.name` (`MY.x` and `TARGET.x` are selections too)."""

    base: Expr
    name: str
    key: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", sys.intern(self.name.lower()))


@dataclass(frozen=True, slots=True)
class Subscript:
    """`base[index]` on a list (integer index) or an ad (string index)."""

    base: Expr
    index: Expr


@dataclass(frozen=True, slots=True)
class Unary:
    """Prefix operator: one of `- + ! ~`."""

    op: str
    operand: Expr


@dataclass(frozen=True, slots=True)
class Binary:
    """Infix operator, `op` spelled as in the source's canonical form (`&&`, `=?=`, ...)."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Cond:
    """`test ? then : orelse`."""

    test: Expr
    then: Expr
    orelse: Expr


@dataclass(frozen=True, slots=True)
class Elvis:
    """`left ?: right`: left unless it is UNDEFINED."""

    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Call:
    """A function call; `key` is the lowercased name used for dispatch."""

    name: str
    args: tuple[Expr, ...]
    key: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", sys.intern(self.name.lower()))


@dataclass(frozen=True, slots=True)
class ListExpr:
    """`{a, b, ...}`."""

    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class RecordExpr:
    """A nested ad literal `[a = 1; b = 2]`; names keep their spelling."""

    names: tuple[str, ...]
    exprs: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Paren:
    """Parentheses, kept so that unparse gives the source's shape back."""

    expr: Expr


Expr: TypeAlias = (
    Literal | AttrRef | Select | Subscript | Unary | Binary | Cond | Elvis | Call | ListExpr
    | RecordExpr | Paren
)


def children(node: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of a node, left to right."""
    match node:
        case Binary(_, left, right) | Elvis(left, right):
            return (left, right)
        case Unary(_, operand):
            return (operand,)
        case Paren(inner):
            return (inner,)
        case Select(base, _):
            return (base,)
        case Subscript(base, index):
            return (base, index)
        case Cond(test, then, orelse):
            return (test, then, orelse)
        case Call(_, args):
            return args
        case ListExpr(items):
            return items
        case RecordExpr(_, exprs):
            return exprs
    return ()


def nesting_depth(root: Expr) -> int:
    """How deep evaluation recurses into this tree, computed without recursion.

    The left operand of a binary operator does not count: the evaluator walks
    left-deep operator chains (`a && b && c ...`) in a loop.
    """
    deepest = 0
    stack: list[tuple[Expr, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if type(node) is Binary:
            stack.append((node.left, depth))
            stack.append((node.right, depth + 1))
        else:
            stack.extend((child, depth + 1) for child in children(node))
    return deepest
