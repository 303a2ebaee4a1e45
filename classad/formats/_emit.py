"""Expression text for the writers: lossless new-style unparse and the old-style dialect."""

from __future__ import annotations

import math

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
    if t is list:
        return "{ " + ",".join(_old_value(x) for x in v) + " }"  # type: ignore[attr-defined]
    from classad.ad import ClassAd

    if isinstance(v, ClassAd):
        return "[ " + "; ".join(f"{old_name(n)} = {old_text(e)}" for n, e in v.items()) + " ]"
    raise TypeError(f"not a ClassAd value: {v!r}")


def _emit_old(node: ast.Expr, out: list[str]) -> None:
    match node:
        case ast.Literal(value, text):
            out.append(text if text is not None and type(value) is not str
                       else _old_value(value))
        case ast.AttrRef(name, absolute):
            out.append(("." if absolute else "") + old_name(name))
        case ast.Select(base, name):
            _emit_old(base, out)
            out.append("." + old_name(name))
        case ast.Subscript(base, index):
            _emit_old(base, out)
            out.append("[")
            _emit_old(index, out)
            out.append("]")
        case ast.Binary(op, left, right):
            _emit_old(left, out)
            out.append(f" {_OLD_OPS.get(op, op)} ")
            _emit_old(right, out)
        case ast.Unary(op, operand):
            out.append(" " + op)
            _emit_old(operand, out)
        case ast.Cond(test, then, orelse):
            _emit_old(test, out)
            out.append(" ? ")
            _emit_old(then, out)
            out.append(" : ")
            _emit_old(orelse, out)
        case ast.Elvis(left, right):
            _emit_old(left, out)
            out.append(" ?: ")
            _emit_old(right, out)
        case ast.Paren(inner):
            out.append("(")
            _emit_old(inner, out)
            out.append(")")
        case ast.Call(name, args):
            out.append(name + "(")
            _emit_seq(args, ",", out)
            out.append(")")
        case ast.ListExpr(items):
            out.append("{ ")
            _emit_seq(items, ",", out)
            out.append(" }")
        case ast.RecordExpr(names, exprs):
            out.append("[ ")
            for i, (n, e) in enumerate(zip(names, exprs, strict=True)):
                if i:
                    out.append("; ")
                out.append(old_name(n) + " = ")
                _emit_old(e, out)
            out.append(" ]")
        case _:
            raise TypeError(f"not an expression node: {node!r}")


def _emit_seq(items: tuple[ast.Expr, ...], sep: str, out: list[str]) -> None:
    for i, a in enumerate(items):
        if i:
            out.append(sep)
        _emit_old(a, out)
