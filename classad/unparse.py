"""AST and values -> ClassAd text, in the C++ library's one-line unparse format."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from classad import ast
from classad.timefmt import format_abstime, format_reltime
from classad.values import UNDEFINED, AbsTime, Error, RelTime

if TYPE_CHECKING:
    from classad.ad import ClassAd

_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
#: names the C++ unparser quotes because they would read as keywords
_QUOTED_NAMES = frozenset({"parent", "is", "isnt", "true", "false", "undefined", "error"})
_CANONICAL_OP = {"=?=": "is", "=!=": "isnt"}


def quote_string(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def quote_name(name: str) -> str:
    if _PLAIN_NAME.match(name) and name.lower() not in _QUOTED_NAMES:
        return name
    return "'" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"


def format_real(x: float) -> str:
    if math.isnan(x):
        return 'real("NaN")'
    if math.isinf(x):
        return 'real("INF")' if x > 0 else 'real("-INF")'
    if x == 0.0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    return f"{x:.15E}"


def unparse_value(v: Any) -> str:
    """A value as ClassAd literal text (`3`, `"x"`, `{ 1,2 }`, `[ a = 1 ]`, `undefined`)."""
    from classad.ad import ClassAd

    t = type(v)
    if t is bool:
        return "true" if v else "false"
    if t is int:
        return str(v)
    if t is float:
        return format_real(v)
    if t is str:
        return quote_string(v)
    if v is UNDEFINED:
        return "undefined"
    if t is Error:
        return "error"
    if t is AbsTime:
        return f'absTime("{format_abstime(v)}")'
    if t is RelTime:
        return f'relTime("{format_reltime(v.secs)}")'
    if t is list:
        return "{ " + ",".join(unparse_value(x) for x in v) + " }"
    if isinstance(v, ClassAd):
        return unparse_ad(v)
    raise TypeError(f"not a ClassAd value: {v!r}")


def unparse_ad(ad: ClassAd) -> str:
    body = "; ".join(f"{quote_name(name)} = {unparse(expr)}" for name, expr in ad.items())
    return f"[ {body} ]"


def unparse(node: ast.Expr) -> str:
    """One-line text of an expression, as the C++ library prints it."""
    parts: list[str] = []
    _emit(node, parts)
    return "".join(parts)


def _emit(node: ast.Expr, out: list[str]) -> None:
    match node:
        case ast.Literal(value, text):
            out.append(text if text is not None else unparse_value(value))
        case ast.AttrRef(name, absolute):
            out.append(("." if absolute else "") + quote_name(name))
        case ast.Select(base, name):
            _emit(base, out)
            out.append("." + quote_name(name))
        case ast.Subscript(base, index):
            _emit(base, out)
            out.append("[")
            _emit(index, out)
            out.append("]")
        case ast.Binary(op, left, right):
            _emit(left, out)
            out.append(f" {_CANONICAL_OP.get(op, op)} ")
            _emit(right, out)
        case ast.Unary(op, operand):
            out.append(" " + op)
            _emit(operand, out)
        case ast.Cond(test, then, orelse):
            _emit(test, out)
            out.append(" ? ")
            _emit(then, out)
            out.append(" : ")
            _emit(orelse, out)
        case ast.Elvis(left, right):
            _emit(left, out)
            out.append(" ?: ")
            _emit(right, out)
        case ast.Paren(inner):
            out.append("(")
            _emit(inner, out)
            out.append(")")
        case ast.Call(name, args):
            out.append(name + "(")
            for i, a in enumerate(args):
                if i:
                    out.append(",")
                _emit(a, out)
            out.append(")")
        case ast.ListExpr(items):
            out.append("{ ")
            for i, a in enumerate(items):
                if i:
                    out.append(",")
                _emit(a, out)
            out.append(" }")
        case ast.RecordExpr(names, exprs):
            out.append("[ ")
            for i, (n, e) in enumerate(zip(names, exprs, strict=True)):
                if i:
                    out.append("; ")
                out.append(quote_name(n) + " = ")
                _emit(e, out)
            out.append(" ]")
        case _:
            raise TypeError(f"not an expression node: {node!r}")
