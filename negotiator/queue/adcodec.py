"""Job ads as compact JSON text for the queue's tables: literals as JSON values, the rest as text.

An attribute whose value is an int, real, string or boolean literal is stored as that JSON value
(read back without the ClassAd parser); undefined is `null`; any other expression is a one-item
list holding its exact new-style text (`["TARGET.Memory >= 1024"]`), parsed on reading through
the parser's cache, so the same expression in many ads is parsed once.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from typing import Any

from classad import ast
from classad.ad import ClassAd
from classad.formats._emit import new_text
from classad.parser import parse_expr
from classad.values import UNDEFINED

_PLAIN = (bool, int, str)
_INT64 = (-(1 << 63), (1 << 63) - 1)


def _value(expr: ast.Expr) -> Any:
    if type(expr) is ast.Literal:
        v = expr.value
        t = type(v)
        if t in _PLAIN and (t is not int or _INT64[0] <= v <= _INT64[1]):
            return v
        if t is float and math.isfinite(v):
            return v
        if v is UNDEFINED:
            return None
    return [new_text(expr)]


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def encode_pairs(pairs: Iterable[tuple[str, ast.Expr]], extra: dict[str, Any] | None = None
                 ) -> str:
    """Attribute (name, expression) pairs (and `extra` raw JSON members) as one line of JSON."""
    obj = {name: _value(expr) for name, expr in pairs}
    if extra:
        obj.update(extra)
    return _ENCODER.encode(obj)


def encode(ad: ClassAd) -> str:
    """An ad as one line of JSON (see the module's description)."""
    return encode_pairs((name, ad[name]) for name in ad)


def encoder_for(names: list[str]) -> Callable[[tuple[ast.Expr, ...]], str]:
    """A fast `encode_pairs` for many ads with the same attribute names, values given in order."""
    heads = [_ENCODER.encode(name) + ":" for name in names]
    quote = _ENCODER.encode

    def encode_row(exprs: tuple[ast.Expr, ...]) -> str:
        parts = []
        for head, expr in zip(heads, exprs, strict=True):
            v: Any = expr.value if type(expr) is ast.Literal else None
            t = type(v)
            if t is str:
                parts.append(head + quote(v))
            elif t is int and _INT64[0] <= v <= _INT64[1]:
                parts.append(head + str(v))
            else:
                parts.append(head + quote(_value(expr)))
        return "{" + ",".join(parts) + "}"

    return encode_row


def _expr(value: Any) -> ast.Expr:
    t = type(value)
    if t is float:
        return ast.Literal(value)
    if t in _PLAIN:
        return ast.literal(value)
    if value is None:
        return ast.literal(UNDEFINED)
    if t is list and len(value) == 1 and type(value[0]) is str:
        return parse_expr(value[0])
    raise ValueError(f"not a stored job attribute value: {value!r}")


def decode_object(obj: dict[str, Any]) -> tuple[list[str], list[ast.Expr]]:
    """The names and expressions of a decoded stored ad, in stored order."""
    return list(obj), [_expr(v) for v in obj.values()]


def decode_pairs(text: str) -> tuple[list[str], list[ast.Expr]]:
    """The names and expressions of a stored ad, in stored order."""
    obj = json.loads(text)
    if type(obj) is not dict:
        raise ValueError("a stored job ad is a JSON object")
    return decode_object(obj)


def decode(text: str) -> ClassAd:
    """A stored ad (the text `encode` wrote) as a ClassAd."""
    names, exprs = decode_pairs(text)
    return ClassAd.from_pairs(names, exprs)
