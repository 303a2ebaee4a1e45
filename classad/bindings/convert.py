"""Python objects <-> ClassAd values and expression trees, as HTCondor's bindings convert them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from classad import ast
from classad.ad import ClassAd as CoreAd
from classad.ad import to_expr
from classad.values import ERROR, UNDEFINED, AbsTime, Error, RelTime, Undefined

if TYPE_CHECKING:
    from classad.bindings.ad import ClassAd
    from classad.bindings.exprtree import ExprTree

_UTC = dt.UTC


class _ValueType(type):
    """`isinstance(v, Value)` is true for the two special values, as for HTCondor's enum."""

    def __instancecheck__(cls, obj: object) -> bool:
        return obj is UNDEFINED or type(obj) is Error

    def __iter__(cls) -> Any:
        return iter((cls.Error, cls.Undefined))  # type: ignore[attr-defined]


class Value(metaclass=_ValueType):
    """HTCondor's special values. They are this package's own: `Value.Undefined is UNDEFINED`,
    and `Value.Error == v` for every ERROR value `v`, so results compare either way."""

    Undefined: Undefined = UNDEFINED
    Error: Error = ERROR


def datetime_secs(when: dt.datetime) -> int:
    """Seconds since the epoch; a naive datetime is local time (Python's and classad2's rule)."""
    if when.tzinfo is None or when.tzinfo.utcoffset(when) is None:
        when = when.astimezone()
    return int((when - dt.datetime(1970, 1, 1, tzinfo=_UTC)) // dt.timedelta(seconds=1))


def to_node(obj: Any) -> ast.Expr:
    """A Python object as an expression tree, accepting everything HTCondor's `ad[k] = v` does."""
    from classad.bindings.exprtree import ExprTree

    if isinstance(obj, ExprTree):
        return obj.node
    if obj is None:
        return ast.Literal(UNDEFINED)
    if isinstance(obj, bytes | bytearray):
        return ast.literal(bytes(obj).decode("utf-8", "replace"))
    if isinstance(obj, dt.datetime):
        return ast.Literal(AbsTime(datetime_secs(obj), 0))
    if isinstance(obj, dt.timedelta):
        return ast.Literal(RelTime(obj.total_seconds()))
    if isinstance(obj, CoreAd):
        return ast.RecordExpr(tuple(obj), tuple(obj.exprs()))
    if isinstance(obj, Mapping):
        for key in obj:
            if not isinstance(key, str):
                raise TypeError("ClassAd keys are strings")
        return ast.RecordExpr(tuple(obj), tuple(to_node(v) for v in obj.values()))
    if isinstance(obj, list | tuple | set | frozenset):
        return ast.ListExpr(tuple(to_node(v) for v in obj))
    if type(obj) is Error:
        return ast.Literal(ERROR)
    return to_expr(obj)


def to_python(value: Any) -> Any:
    """An evaluated ClassAd value as HTCondor's bindings return it."""
    t = type(value)
    if t is str:
        # handed to Python as a C string, as the library does: it ends at the first NUL
        return value if "\x00" not in value else value[:value.index("\x00")]
    if t is bool or t is int or t is float or value is UNDEFINED:
        return value
    if t is Error:
        return ERROR
    if t is AbsTime:
        return dt.datetime.fromtimestamp(value.secs, tz=_UTC)
    if t is RelTime:
        return float(value.secs)
    if isinstance(value, list):
        return [to_python(v) for v in value]
    if isinstance(value, CoreAd):
        return adopt(value)
    return value


def node_to_python(node: ast.Expr) -> Any:
    """What `ad[k]` gives for a stored expression: literals, lists and ads as Python values
    (list items that are not themselves values stay expressions), anything else an ExprTree."""
    from classad.bindings.exprtree import ExprTree

    t = type(node)
    if t is ast.Literal:
        return to_python(node.value)  # type: ignore[union-attr]
    if t is ast.ListExpr:
        return [node_to_python(item) for item in node.items]  # type: ignore[union-attr]
    if t is ast.RecordExpr:
        return adopt(CoreAd.from_record(node))  # type: ignore[arg-type]
    return ExprTree(node)


def adopt(core: CoreAd) -> ClassAd:
    """An HTCondor-style ClassAd holding a copy of a project ad's attributes."""
    from classad.bindings.ad import ClassAd

    new = ClassAd()
    new.update_from(core)
    return new


def expr_tree(obj: Any) -> ExprTree:
    """Any value the operators accept, as an ExprTree."""
    from classad.bindings.exprtree import ExprTree

    return obj if isinstance(obj, ExprTree) else ExprTree(to_node(obj))
