"""Expression text for the writers: lossless new-style unparse and the old-style dialect."""

from __future__ import annotations

import math
from typing import Any

from classad import ast
from classad.formats._common import format_real_long, format_real_short, transform
from classad.timefmt import format_abstime, format_reltime
from classad.unparse import quote_name, unparse
from classad.values import UNDEFINED, AbsTime, Error, RelTime

_OLD_OPS = {"is": "=?=", "isnt": "=!="}


def _lossy(x: float) -> bool:
    return math.isfinite(x) and float(f"{x:.15E}") != x


def _exact_real(node: ast.Expr) -> ast.Expr:
    if type(node) is ast.Literal:
        lit: ast.Literal = node
        if type(lit.value) is float and lit.text is None and _lossy(lit.value):
            return ast.Literal(lit.value, text=format_real_long(lit.value))
    return node


def lossless(node: ast.Expr) -> ast.Expr:
    """The tree with every real that `%.15E` would round given an exact spelling."""
    if type(node) is ast.Literal:
        return _exact_real(node)
    return transform(node, _exact_real)


def new_text(node: ast.Expr) -> str:
    """One-line new-style text of an expression, exact for every real."""
    return unparse(lossless(node))


def old_name(name: str) -> str:
    """An attribute name for old syntax: quoted like new syntax, but non-ASCII kept as is."""
    plain = quote_name(name)
    if plain == name:
        return name
    return "'" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"


def old_quote(s: str) -> str:
    """A string in old syntax: only `"` is escaped; a quote before a line break splits it."""
    body = s.replace('"', '\\"')
    if '"\n' in s or '"\r' in s:
        body = body.replace('\\"\n', '\\"" "\n').replace('\\"\r', '\\"" "\r')
    return f'"{body}"'


def old_text(node: ast.Expr) -> str:
    """Old-style (`condor_q -l`) text of an expression."""
    if type(node) is ast.Literal and type(node.value) is str:
        return old_quote(node.value)
    out: list[str] = []
    _emit_old(node, out)
    return "".join(out)


def _old_value(v: object) -> str:
    t = type(v)
    if t is bool:
        return "true" if v else "false"
    if t is int:
        return str(v)
    if t is float:
        x: float = v  # type: ignore[assignment]
        if math.isnan(x):
            return 'real("NaN")'
        if math.isinf(x):
            return 'real("INF")' if x > 0 else 'real("-INF")'
        return format_real_short(x)
    if t is str:
        if v.endswith("\\"):  # type: ignore[attr-defined]
            raise ValueError("old ClassAd syntax cannot write a string that ends in a backslash"
                             " inside a list, nested ad or expression")
        return old_quote(v)  # type: ignore[arg-type]
    if v is UNDEFINED:
        return "undefined"
    if t is Error:
        return "error"
    if t is AbsTime:
        return f'absTime("{format_abstime(v)}")'  # type: ignore[arg-type]
    if t is RelTime:
        return f'relTime("{format_reltime(v.secs)}")'  # type: ignore[attr-defined]
    if isinstance(v, list):
        return "{ " + ",".join(_old_value(x) for x in v) + " }"
    from classad.ad import ClassAd

    if isinstance(v, ClassAd):
        return "[ " + "; ".join(f"{old_name(n)} = {old_text(e)}" for n, e in v.items()) + " ]"
    raise TypeError(f"not a ClassAd value: {v!r}")


def _emit_old(root: ast.Expr, out: list[str]) -> None:
    """Append the old-style text of `root`, walking with an explicit stack (no recursion)."""
    work: list[Any] = [root]
    while work:
        item = work.pop()
        if type(item) is str:
            out.append(item)
            continue
        node: ast.Expr = item
        if type(node) is ast.Literal:
            value, text = node.value, node.text
            out.append(text if text is not None and type(value) is not str
                       else _old_value(value))
        elif type(node) is ast.AttrRef:
            out.append(("." if node.absolute else "") + old_name(node.name))
        else:
            work.extend(reversed(_old_pieces(node)))


def _old_pieces(node: ast.Expr) -> list[Any]:
    """The text around a node's children, in order, with the children themselves."""
    match node:
        case ast.Select(base, name):
            return [base, "." + old_name(name)]
        case ast.Subscript(base, index):
            return [base, "[", index, "]"]
        case ast.Binary(op, left, right):
            return [left, f" {_OLD_OPS.get(op, op)} ", right]
        case ast.Unary(op, operand):
            return [" " + op, operand]
        case ast.Cond(test, then, orelse):
            return [test, " ? ", then, " : ", orelse]
        case ast.Elvis(left, right):
            return [left, " ?: ", right]
        case ast.Paren(inner):
            return ["(", inner, ")"]
        case ast.Call(name, args):
            return [name + "(", *_separated(args, ","), ")"]
        case ast.ListExpr(items):
            return ["{ ", *_separated(items, ","), " }"]
        case ast.RecordExpr(names, exprs):
            pieces: list[Any] = ["[ "]
            for i, (n, e) in enumerate(zip(names, exprs, strict=True)):
                pieces += [("; " if i else "") + old_name(n) + " = ", e]
            return [*pieces, " ]"]
    raise TypeError(f"not an expression node: {node!r}")


def _separated(items: tuple[ast.Expr, ...], sep: str) -> list[Any]:
    pieces: list[Any] = []
    for i, a in enumerate(items):
        if i:
            pieces.append(sep)
        pieces.append(a)
    return pieces
