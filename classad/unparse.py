"""AST and values -> ClassAd text, in the C++ library's one-line unparse format."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from classad import ast
from classad.timefmt import format_abstime, format_reltime, format_reltime_literal
from classad.values import UNDEFINED, AbsTime, Error, RelTime

if TYPE_CHECKING:
    from classad.ad import ClassAd

_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
#: names the C++ unparser quotes because they would read as keywords
_QUOTED_NAMES = frozenset({"parent", "is", "isnt", "true", "false", "undefined", "error"})
_CANONICAL_OP = {"=?=": "is", "=!=": "isnt"}


_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\a": "\\a",
            "\b": "\\b", "\f": "\\f", "\v": "\\v"}


def _escape(s: str, quote: str) -> str:
    out = [quote]
    for ch in s:
        if ch == quote:
            out.append("\\" + ch)
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif " " <= ch < "\x7f":
            out.append(ch)
        else:
            data = ch.encode("utf-8", "surrogatepass")
            out.extend(f"\\{b:03o}" for b in data)
    out.append(quote)
    return "".join(out)


def quote_string(s: str) -> str:
    """A string literal with the library's escapes (octal for bytes outside printable ASCII)."""
    return _escape(s, '"')


def quote_name(name: str) -> str:
    """An attribute name, quoted with `'...'` when it is not a plain identifier."""
    if _PLAIN_NAME.match(name) and name.lower() not in _QUOTED_NAMES:
        return name
    return _escape(name, "'")


def attr_order(names: list[str]) -> list[str]:
    """The order the library keeps an ad's attributes in: by length, then case-blind name."""
    return sorted(names, key=lambda n: (len(n), n.lower()))


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
    order = attr_order(list(ad))
    body = "; ".join(f"{quote_name(name)} = {unparse(ad[name])}" for name in order)
    return f"[ {body} ]"


def unparse(node: ast.Expr) -> str:
    """One-line text of an expression, as the C++ library prints it."""
    parts: list[str] = []
    _emit(node, parts, None)
    return "".join(parts)


def unparse_pretty(node: ast.Expr) -> str:
    """The multi-line text `unparse()` gives: lists and ads laid out over indented lines."""
    parts: list[str] = []
    _emit(node, parts, 0)
    return "".join(parts)


def _record_items(node: ast.RecordExpr) -> list[tuple[str, ast.Expr]]:
    """Attributes of a record literal: a repeated name keeps its first spelling, last value."""
    spelling: dict[str, str] = {}
    value: dict[str, ast.Expr] = {}
    for name, expr in zip(node.names, node.exprs, strict=True):
        spelling.setdefault(name.lower(), name)
        value[name.lower()] = expr
    return [(spelling[k], value[k]) for k in
            sorted(spelling, key=lambda k: (len(k), k))]


def _emit_list(items: tuple[ast.Expr, ...], out: list[str], depth: int | None) -> None:
    if depth is None:
        out.append("{ ")
        for i, a in enumerate(items):
            if i:
                out.append(",")
            _emit(a, out, None)
        out.append(" }")
        return
    out.append("\n" + " " * (depth + 3) + "{")
    for i, a in enumerate(items):
        out.append(("," if i else "") + "\n" + " " * (depth + 6))
        _emit(a, out, depth + 6)
    out.append("\n" + " " * (depth + 3) + "}")


def _emit_record(node: ast.RecordExpr, out: list[str], depth: int | None) -> None:
    items = _record_items(node)
    if depth is None:
        out.append("[ ")
        for i, (n, e) in enumerate(items):
            out.append(("; " if i else "") + quote_name(n) + " = ")
            _emit(e, out, None)
        out.append(" ]")
        return
    out.append("\n" + " " * (depth + 4) + "[")
    for i, (n, e) in enumerate(items):
        out.append(("; " if i else "") + "\n" + " " * (depth + 8) + quote_name(n) + " = ")
        _emit(e, out, depth + 8)
    out.append("\n" + " " * (depth + 4) + "]")


def _emit_literal(node: ast.Literal, out: list[str]) -> None:
    value, text = node.value, node.text
    if text is not None and text.startswith("relTime(") and type(value) is float:
        out.append(f'relTime("{format_reltime_literal(value)}")')
    elif text is not None:
        out.append(text)
    else:
        out.append(unparse_value(value))


def _emit(node: ast.Expr, out: list[str], depth: int | None) -> None:
    match node:
        case ast.Literal():
            _emit_literal(node, out)
        case ast.AttrRef(name, absolute):
            out.append(("." if absolute else "") + quote_name(name))
        case ast.Select(base, name):
            _emit(base, out, depth)
            out.append("." + name)
        case ast.Subscript(base, index):
            _emit(base, out, depth)
            out.append("[")
            _emit(index, out, depth)
            out.append("]")
        case ast.Binary(op, left, right):
            _emit(left, out, depth)
            out.append(f" {_CANONICAL_OP.get(op, op)} ")
            _emit(right, out, depth)
        case ast.Unary(op, operand):
            out.append(" " + op)
            _emit(operand, out, depth)
        case ast.Cond(test, then, orelse):
            _emit(test, out, depth)
            out.append(" ? ")
            _emit(then, out, depth)
            out.append(" : ")
            _emit(orelse, out, depth)
        case ast.Elvis(left, right):
            _emit(left, out, depth)
            out.append(" ?: ")
            _emit(right, out, depth)
        case ast.Paren(inner):
            out.append("(")
            _emit(inner, out, depth)
            out.append(")")
        case ast.Call(name, args):
            out.append(name + "(")
            for i, a in enumerate(args):
                if i:
                    out.append(",")
                _emit(a, out, depth)
            out.append(")")
        case ast.ListExpr(items):
            _emit_list(items, out, depth)
        case ast.RecordExpr():
            _emit_record(node, out, depth)
        case _:
            raise TypeError(f"not an expression node: {node!r}")
