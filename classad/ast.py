"""The ClassAd expression tree: small frozen nodes built once by the parser and shared."""

from __future__ import annotations

import sys
from collections.abc import Callable
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


# Each node class writes its own __init__, storing the fields through their slots'
# descriptors: the frozen dataclass's generated one calls object.__setattr__ per field and
# builds a node in about twice the time (the parser builds one or two per token).
def _slot_setters(cls: type, *names: str) -> tuple[Callable[[Any, Any], None], ...]:
    """The setters of the slots `names` of a (frozen, slotted) node class, in order."""
    return tuple(cls.__dict__[name].__set__ for name in names)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Literal(Node):
    """A constant: int, float, str, bool, UNDEFINED, ERROR, AbsTime or RelTime."""

    value: Any
    #: source spelling of a folded call (`absTime("...")`) or a parsed number, for unparse
    text: str | None = field(default=None, compare=False)

    def __init__(self, value: Any, text: str | None = None) -> None:
        _literal_value(self, value)
        _literal_text(self, text)


_literal_value, _literal_text = _slot_setters(Literal, "value", "text")


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

    def __init__(self, name: str, absolute: bool = False) -> None:
        _attr_ref_name(self, name)
        _attr_ref_absolute(self, absolute)
        _attr_ref_key(self, sys.intern(name.lower()))


_attr_ref_name, _attr_ref_absolute, _attr_ref_key = _slot_setters(AttrRef, "name", "absolute", "key")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Select(Node):
    """Record selection `base.name` (`MY.x` and `TARGET.x` are selections too)."""

    base: Expr
    name: str
    key: str = field(init=False, compare=False)

    def __init__(self, base: Expr, name: str) -> None:
        _select_base(self, base)
        _select_name(self, name)
        _select_key(self, sys.intern(name.lower()))


_select_base, _select_name, _select_key = _slot_setters(Select, "base", "name", "key")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Subscript(Node):
    """`base[index]` on a list (integer index) or an ad (string index)."""

    base: Expr
    index: Expr

    def __init__(self, base: Expr, index: Expr) -> None:
        _subscript_base(self, base)
        _subscript_index(self, index)


_subscript_base, _subscript_index = _slot_setters(Subscript, "base", "index")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Unary(Node):
    """Prefix operator: one of `- + ! ~`."""

    op: str
    operand: Expr

    def __init__(self, op: str, operand: Expr) -> None:
        _unary_op(self, op)
        _unary_operand(self, operand)


_unary_op, _unary_operand = _slot_setters(Unary, "op", "operand")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Binary(Node):
    """Infix operator, `op` spelled as in the source's canonical form (`&&`, `=?=`, ...)."""

    op: str
    left: Expr
    right: Expr

    def __init__(self, op: str, left: Expr, right: Expr) -> None:
        _binary_op(self, op)
        _binary_left(self, left)
        _binary_right(self, right)


_binary_op, _binary_left, _binary_right = _slot_setters(Binary, "op", "left", "right")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Cond(Node):
    """`test ? then : orelse`."""

    test: Expr
    then: Expr
    orelse: Expr

    def __init__(self, test: Expr, then: Expr, orelse: Expr) -> None:
        _cond_test(self, test)
        _cond_then(self, then)
        _cond_orelse(self, orelse)


_cond_test, _cond_then, _cond_orelse = _slot_setters(Cond, "test", "then", "orelse")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Elvis(Node):
    """`left ?: right`: left unless it is UNDEFINED."""

    left: Expr
    right: Expr

    def __init__(self, left: Expr, right: Expr) -> None:
        _elvis_left(self, left)
        _elvis_right(self, right)


_elvis_left, _elvis_right = _slot_setters(Elvis, "left", "right")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Call(Node):
    """A function call; `key` is the lowercased name used for dispatch."""

    name: str
    args: tuple[Expr, ...]
    key: str = field(init=False, compare=False)

    def __init__(self, name: str, args: tuple[Expr, ...]) -> None:
        _call_name(self, name)
        _call_args(self, args)
        _call_key(self, sys.intern(name.lower()))


_call_name, _call_args, _call_key = _slot_setters(Call, "name", "args", "key")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ListExpr(Node):
    """`{a, b, ...}`."""

    items: tuple[Expr, ...]

    def __init__(self, items: tuple[Expr, ...]) -> None:
        _list_expr_items(self, items)


_list_expr_items, = _slot_setters(ListExpr, "items")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class RecordExpr(Node):
    """A nested ad literal `[a = 1; b = 2]`; names keep their spelling."""

    names: tuple[str, ...]
    exprs: tuple[Expr, ...]

    def __init__(self, names: tuple[str, ...], exprs: tuple[Expr, ...]) -> None:
        _record_expr_names(self, names)
        _record_expr_exprs(self, exprs)


_record_expr_names, _record_expr_exprs = _slot_setters(RecordExpr, "names", "exprs")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Paren(Node):
    """Parentheses, kept so that unparse gives the source's shape back."""

    expr: Expr

    def __init__(self, expr: Expr) -> None:
        _paren_expr(self, expr)


_paren_expr, = _slot_setters(Paren, "expr")


Expr: TypeAlias = (
    Literal | AttrRef | Select | Subscript | Unary | Binary | Cond | Elvis | Call | ListExpr
    | RecordExpr | Paren
)


#: type -> its sub-expressions, left to right (a dict lookup: faster than `match` on types)
_CHILDREN: dict[type, Callable[[Any], tuple[Expr, ...]]] = {
    Binary: lambda n: (n.left, n.right),
    Elvis: lambda n: (n.left, n.right),
    Unary: lambda n: (n.operand,),
    Paren: lambda n: (n.expr,),
    Select: lambda n: (n.base,),
    Subscript: lambda n: (n.base, n.index),
    Cond: lambda n: (n.test, n.then, n.orelse),
    Call: lambda n: n.args,
    ListExpr: lambda n: n.items,
    RecordExpr: lambda n: n.exprs,
}
_NO_CHILDREN: tuple[Expr, ...] = ()

#: type -> `node` rebuilt with new sub-expressions (in `children` order)
_WITH_CHILDREN: dict[type, Callable[[Any, tuple[Expr, ...]], Expr]] = {
    Binary: lambda n, k: Binary(n.op, k[0], k[1]),
    Elvis: lambda n, k: Elvis(k[0], k[1]),
    Unary: lambda n, k: Unary(n.op, k[0]),
    Paren: lambda n, k: Paren(k[0]),
    Select: lambda n, k: Select(k[0], n.name),
    Subscript: lambda n, k: Subscript(k[0], k[1]),
    Cond: lambda n, k: Cond(k[0], k[1], k[2]),
    Call: lambda n, k: Call(n.name, k),
    ListExpr: lambda n, k: ListExpr(k),
    RecordExpr: lambda n, k: RecordExpr(n.names, k),
}


def children(node: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of a node, left to right."""
    get = _CHILDREN.get(type(node))
    return _NO_CHILDREN if get is None else get(node)


def make_with_children(node: Expr) -> Callable[[Any, tuple[Expr, ...]], Expr]:
    """The function `with_children` calls for `node`'s type (for callers that rebuild many)."""
    return _WITH_CHILDREN.get(type(node), lambda n, k: n)


def with_children(node: Expr, new: tuple[Expr, ...]) -> Expr:
    """`node` with its sub-expressions replaced by `new` (in `children` order)."""
    make = _WITH_CHILDREN.get(type(node))
    return node if make is None else make(node, new)


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
