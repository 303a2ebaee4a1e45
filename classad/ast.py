"""The ClassAd expression tree: small frozen nodes built once by the parser and shared."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, fields
from typing import Any, TypeAlias


class Node:
    """Base of every node: equality, hashing and repr walk the tree with an explicit stack
    (dataclasses' own recurse, and fail on a chain of a thousand operators)."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return same_tree(self, other)  # type: ignore[arg-type]

    def __hash__(self) -> int:
        return tree_hash(self)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return tree_repr(self)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Literal(Node):
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


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class AttrRef(Node):
    """An attribute reference `name`, or `.name` (absolute: looked up from the root)."""

    name: str
    absolute: bool = False
    key: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", sys.intern(self.name.lower()))


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Select(Node):
    """Record selection `base.name` (`MY.x` and `TARGET.x` are selections too)."""

    base: Expr
    name: str
    key: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", sys.intern(self.name.lower()))


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Subscript(Node):
    """`base[index]` on a list (integer index) or an ad (string index)."""

    base: Expr
    index: Expr


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Unary(Node):
    """Prefix operator: one of `- + ! ~`."""

    op: str
    operand: Expr


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Binary(Node):
    """Infix operator, `op` spelled as in the source's canonical form (`&&`, `=?=`, ...)."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Cond(Node):
    """`test ? then : orelse`."""

    test: Expr
    then: Expr
    orelse: Expr


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Elvis(Node):
    """`left ?: right`: left unless it is UNDEFINED."""

    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Call(Node):
    """A function call; `key` is the lowercased name used for dispatch."""

    name: str
    args: tuple[Expr, ...]
    key: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", sys.intern(self.name.lower()))


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ListExpr(Node):
    """`{a, b, ...}`."""

    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class RecordExpr(Node):
    """A nested ad literal `[a = 1; b = 2]`; names keep their spelling."""

    names: tuple[str, ...]
    exprs: tuple[Expr, ...]


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Paren(Node):
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


def with_children(node: Expr, new: tuple[Expr, ...]) -> Expr:
    """`node` with its sub-expressions replaced by `new` (in `children` order)."""
    match node:
        case Binary(op, _, _):
            return Binary(op, new[0], new[1])
        case Unary(op, _):
            return Unary(op, new[0])
        case Paren(_):
            return Paren(new[0])
        case Select(_, name):
            return Select(new[0], name)
        case Subscript(_, _):
            return Subscript(new[0], new[1])
        case Cond(_, _, _):
            return Cond(new[0], new[1], new[2])
        case Elvis(_, _):
            return Elvis(new[0], new[1])
        case Call(name, _):
            return Call(name, new)
        case ListExpr(_):
            return ListExpr(new)
        case RecordExpr(names, _):
            return RecordExpr(names, new)
    return node


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


_COMPARED: dict[type, tuple[str, ...]] = {}
_SHOWN: dict[type, tuple[str, ...]] = {}


def _compared(cls: type) -> tuple[str, ...]:
    names = _COMPARED.get(cls)
    if names is None:
        names = _COMPARED[cls] = tuple(f.name for f in fields(cls) if f.compare)
    return names


def _is_nodes(value: Any) -> bool:
    return type(value) is tuple and bool(value) and isinstance(value[0], Node)


def same_tree(a: Expr, b: Expr) -> bool:
    """Two trees are equal: same node types and equal compared fields all the way down."""
    pairs: list[tuple[Any, Any]] = [(a, b)]
    while pairs:
        x, y = pairs.pop()
        if x is y:
            continue
        if type(x) is not type(y):
            return False
        for name in _compared(type(x)):
            u, v = getattr(x, name), getattr(y, name)
            if isinstance(u, Node):
                pairs.append((u, v))
            elif _is_nodes(u):
                if type(v) is not tuple or len(u) != len(v):
                    return False
                pairs.extend(zip(u, v, strict=True))
            elif u is not v and u != v:
                return False
    return True


def tree_hash(root: Expr) -> int:
    """A hash consistent with `same_tree`, computed bottom-up without recursion."""
    done: dict[int, int] = {}
    stack: list[Any] = [root]
    while stack:
        node = stack[-1]
        if id(node) in done:
            stack.pop()
            continue
        pending = [c for c in children(node) if id(c) not in done]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        parts: list[int] = [hash(type(node).__name__)]
        for name in _compared(type(node)):
            value = getattr(node, name)
            if isinstance(value, Node):
                parts.append(done[id(value)])
            elif _is_nodes(value):
                parts.append(hash(tuple(done[id(c)] for c in value)))
            else:
                parts.append(hash(value))
        done[id(node)] = hash(tuple(parts))
    return done[id(root)]


def tree_repr(root: Expr) -> str:
    """`Binary(op='+', left=..., right=...)`, the dataclass layout, built without recursion."""
    out: list[str] = []
    work: list[Any] = [root]
    while work:
        item = work.pop()
        if type(item) is str:
            out.append(item)
            continue
        if not isinstance(item, Node):
            out.append(repr(item))
            continue
        cls = type(item)
        shown = _SHOWN.get(cls)
        if shown is None:
            shown = _SHOWN[cls] = tuple(f.name for f in fields(cls) if f.repr)  # type: ignore[arg-type]
        pieces: list[Any] = [cls.__name__ + "("]
        for i, name in enumerate(shown):
            value = getattr(item, name)
            pieces.append((", " if i else "") + name + "=")
            if _is_nodes(value):
                pieces.append("(")
                for j, child in enumerate(value):
                    pieces += [", " if j else "", child]
                pieces.append(",)" if len(value) == 1 else ")")
            else:
                pieces.append(value)
        pieces.append(")")
        work.extend(reversed(pieces))
    return "".join(out)
