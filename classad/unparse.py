"""AST and values -> ClassAd text, in the C++ library's one-line unparse format."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from classad import ast
from classad.errors import ClassAdError
from classad.timefmt import format_abstime, format_reltime, format_reltime_literal
from classad.values import MAX_STRING, UNDEFINED, AbsTime, Error, RelTime, to_bytes

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
            data = to_bytes(ch)
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


class ValueTooLarge(ClassAdError):
    """The text of a value would be longer than MAX_STRING characters."""


def unparse_value(v: Any) -> str:
    """A value as ClassAd literal text (`3`, `"x"`, `{ 1,2 }`, `[ a = 1 ]`, `undefined`).

    Nested lists are written without recursion, and a list that appears many times (`{a, a}`
    where `a` is a list kept once) is written once and its text reused. Raises ValueTooLarge
    when the text would be longer than MAX_STRING characters.
    """
    if not isinstance(v, list):
        return _scalar_text(v)
    texts: dict[int, str] = {}
    keep: list[Any] = []  # holds the lists whose ids key `texts` alive
    stack: list[list[Any]] = [v]
    while stack:
        cur = stack[-1]
        pending = [x for x in cur if isinstance(x, list) and id(x) not in texts]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        if id(cur) in texts:
            continue
        parts = [texts[id(x)] if isinstance(x, list) else _scalar_text(x) for x in cur]
        if sum(map(len, parts)) + len(parts) + 4 > MAX_STRING:
            raise ValueTooLarge(f"the text of the value would be longer than {MAX_STRING}"
                                " characters")
        texts[id(cur)] = "{ " + ",".join(parts) + " }"
        keep.append(cur)
    return texts[id(v)]


def _scalar_text(v: Any) -> str:
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


def _emit_literal(node: ast.Literal, out: list[str]) -> None:
    value, text = node.value, node.text
    if text is not None and text.startswith("relTime(") and type(value) is float:
        out.append(f'relTime("{format_reltime_literal(value)}")')
    elif text is not None:
        out.append(text)
    else:
        out.append(unparse_value(value))



_Work = list[Any]  # pending pieces, last first: text, or (node, depth) still to expand


def _emit(root: ast.Expr, out: list[str], depth: int | None) -> None:
    """Append the text of `root` to `out`. Walks with an explicit stack, so that a chain of
    thousands of operators unparses like any other expression."""
    work: _Work = [(root, depth)]
    while work:
        item = work.pop()
        if type(item) is str:
            out.append(item)
            continue
        node, d = item
        if type(node) is ast.Literal:
            _emit_literal(node, out)
        elif type(node) is ast.AttrRef:
            out.append(("." if node.absolute else "") + quote_name(node.name))
        else:
            pieces = _pieces(node, d)
            pieces.reverse()
            work.extend(pieces)


def _pieces(node: ast.Expr, d: int | None) -> _Work:
    """The text around a node's children, in order, the children as (node, depth) items."""
    match node:
        case ast.Select(base, name):
            return [(base, d), "." + name]
        case ast.Subscript(base, index):
            return [(base, d), "[", (index, d), "]"]
        case ast.Binary(op, left, right):
            return [(left, d), f" {_CANONICAL_OP.get(op, op)} ", (right, d)]
        case ast.Unary(op, operand):
            return [" " + op, (operand, d)]
        case ast.Cond(test, then, orelse):
            return [(test, d), " ? ", (then, d), " : ", (orelse, d)]
        case ast.Elvis(left, right):
            return [(left, d), " ?: ", (right, d)]
        case ast.Paren(inner):
            return ["(", (inner, d), ")"]
        case ast.Call(name, args):
            return [name + "(", *_separated([(a, d) for a in args], ","), ")"]
        case ast.ListExpr(items):
            return _list_pieces(items, d)
        case ast.RecordExpr():
            return _record_pieces(node, d)
    raise TypeError(f"not an expression node: {node!r}")


def _separated(items: _Work, sep: str) -> _Work:
    out: _Work = []
    for i, item in enumerate(items):
        if i:
            out.append(sep)
        out.append(item)
    return out


def _list_pieces(items: tuple[ast.Expr, ...], d: int | None) -> _Work:
    if d is None:
        return ["{ ", *_separated([(a, None) for a in items], ","), " }"]
    out: _Work = ["\n" + " " * (d + 3) + "{"]
    for i, a in enumerate(items):
        out += [("," if i else "") + "\n" + " " * (d + 6), (a, d + 6)]
    return [*out, "\n" + " " * (d + 3) + "}"]


def _record_pieces(node: ast.RecordExpr, d: int | None) -> _Work:
    items = _record_items(node)
    if d is None:
        out: _Work = ["[ "]
        for i, (n, e) in enumerate(items):
            out += [("; " if i else "") + quote_name(n) + " = ", (e, None)]
        return [*out, " ]"]
    out = ["\n" + " " * (d + 4) + "["]
    for i, (n, e) in enumerate(items):
        out += [("; " if i else "") + "\n" + " " * (d + 8) + quote_name(n) + " = ", (e, d + 8)]
    return [*out, "\n" + " " * (d + 4) + "]"]
