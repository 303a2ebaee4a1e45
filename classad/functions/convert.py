"""Value conversions shared by the builtins: C-style string, real and integer coercions."""

from __future__ import annotations

import math
import re
from typing import Any

from classad import ast
from classad.ad import ClassAd
from classad.timefmt import format_abstime, format_reltime
from classad.unparse import ValueTooLarge, format_real, unparse, unparse_value
from classad.values import INT64_MIN, UNDEFINED, AbsTime, Error, RelTime
from classad.values import list_source as value_source

_TWO63 = 9223372036854775808.0
_TWO31 = 2147483648.0

# What C's strtod() accepts at the start of a string (after leading white space).
_STRTOD = re.compile(
    r"[ \t\n\v\f\r]*([+-]?)(?:"
    r"(?P<hex>0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?)"
    r"|(?P<dec>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<inf>[iI][nN][fF](?:[iI][nN][iI][tT][yY])?)"
    r"|(?P<nan>[nN][aA][nN](?:\([0-9A-Za-z_]*\))?))"
)


def strtod(text: str) -> float | None:
    """The number C's strtod() reads from the start of `text`; None when it reads nothing."""
    m = _STRTOD.match(text)
    if m is None:
        return None
    negative = m.group(1) == "-"
    if m.group("hex") is not None:
        value = _hex_float(m.group("hex"))
    elif m.group("dec") is not None:
        value = float(m.group("dec"))
    elif m.group("inf") is not None:
        value = math.inf
    else:
        value = math.nan
    return -value if negative else value


def _hex_float(text: str) -> float:
    body = text[2:]
    if "p" not in body.lower():
        body += "p0"
    try:
        return float.fromhex("0x" + body)
    except OverflowError:
        return math.inf


def c_int64(x: float) -> int:
    """A double converted to int64 the way x86 does it: NaN and out-of-range give INT64_MIN."""
    if math.isnan(x) or not -_TWO63 <= x < _TWO63:
        return INT64_MIN
    return int(x)


def c_int32(x: float) -> int:
    """A double converted to a 32-bit int: NaN and out-of-range give INT32_MIN."""
    if math.isnan(x) or not -_TWO31 <= x < _TWO31:
        return -(1 << 31)
    return int(x)


def int32(n: int) -> int:
    """An int64 truncated to a 32-bit int (two's complement)."""
    n &= 0xFFFFFFFF
    return n - (1 << 32) if n >= (1 << 31) else n


def abs_secs(t: AbsTime) -> int:
    return c_int64(float(t.secs))


def rel_secs(t: RelTime) -> int:
    """A reltime as the library's integer view of it (whole seconds, 32-bit)."""
    return c_int32(float(t.secs))


def to_string(v: Any) -> Any:
    """A value as a string, the way strcat() and string() convert it."""
    t = type(v)
    if t is str or t is Error or v is UNDEFINED:
        return v
    if t is bool:
        return "true" if v else "false"
    if t is int:
        return str(v)
    if t is float:
        return format_real(v)
    if t is AbsTime:
        return format_abstime(v)
    if t is RelTime:
        return format_reltime(v.secs)
    if isinstance(v, list | ClassAd):
        try:
            return unparse_value(v)
        except ValueTooLarge as exc:
            return Error(str(exc))
    return Error("value cannot be converted to a string")


def _strip_parens(expr: ast.Expr) -> ast.Expr:
    while type(expr) is ast.Paren:
        expr = expr.expr
    return expr


def list_source(expr: ast.Expr, scope: ClassAd | None = None) -> ast.ListExpr | None:
    """The literal list an argument stands for: `{...}` itself, or an attribute of the scope
    chain that holds one (the C++ library keeps list elements unevaluated)."""
    for _ in range(8):
        expr = _strip_parens(expr)
        if type(expr) is ast.ListExpr:
            return expr
        if type(expr) is not ast.AttrRef or expr.absolute or scope is None:
            return None
        found: ast.Expr | None = None
        while scope is not None:
            found = scope.get_expr(expr.key)
            if found is not None:
                break
            scope = scope.parent
        if found is None:
            return None
        expr = found
    return None


def source_string(v: Any, expr: ast.Expr | None, scope: ClassAd | None = None) -> Any:
    """Like `to_string`, but a literal list is written from its (unevaluated) source."""
    if isinstance(v, list):
        src = value_source(v)
        if src is None and expr is not None:
            src = list_source(expr, scope)
        if src is not None and len(src.items) == len(v):
            return unparse(src)
    return to_string(v)


def to_real(v: Any) -> Any:
    """A value as a real, the way real() converts it; ERROR or UNDEFINED when it cannot."""
    t = type(v)
    if t is float:
        return v
    if t is int or t is bool:
        return float(v)
    if t is str:
        x = strtod(v)
        return Error(f"cannot convert {v!r} to a number") if x is None else x
    if t is AbsTime:
        return float(abs_secs(v))
    if t is RelTime:
        return float(rel_secs(v))
    if v is UNDEFINED or t is Error:
        return v
    return Error("value cannot be converted to a number")


def to_int(v: Any) -> Any:
    """A value as an integer, the way int() converts it; ERROR or UNDEFINED when it cannot."""
    t = type(v)
    if t is int or t is bool:
        return int(v)
    if t is AbsTime:
        return abs_secs(v)
    if t is RelTime:
        return rel_secs(v)
    x = to_real(v)
    return c_int64(x) if type(x) is float else x


def is_number(v: Any) -> bool:
    """An integer or a real (booleans excluded)."""
    return type(v) is int or type(v) is float
