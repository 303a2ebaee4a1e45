"""Type predicates and conversions: isX(), int(), real(), string(), bool()."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from classad import ast
from classad.ad import ClassAd
from classad.functions import Evaluation, builtin
from classad.functions.convert import rel_secs, source_string, to_int, to_real
from classad.values import UNDEFINED, AbsTime, Error, RelTime


def _predicate(name: str, test: Any) -> None:
    @builtin(name, arity=(1, 1))
    def check(args: list[Any]) -> bool:
        return bool(test(args[0]))


_predicate("isUndefined", lambda v: v is UNDEFINED)
_predicate("isError", lambda v: type(v) is Error)
_predicate("isString", lambda v: type(v) is str)
_predicate("isInteger", lambda v: type(v) is int)
_predicate("isReal", lambda v: type(v) is float)
_predicate("isBoolean", lambda v: type(v) is bool)
_predicate("isList", lambda v: isinstance(v, list))
_predicate("isClassAd", lambda v: isinstance(v, ClassAd))
_predicate("isAbstime", lambda v: type(v) is AbsTime)
_predicate("isReltime", lambda v: type(v) is RelTime)


# ---- conversions ----------------------------------------------------------------------------
@builtin("int", arity=(1, 1))
def to_integer(args: list[Any]) -> Any:
    return to_int(args[0])


@builtin("real", arity=(1, 1))
def to_real_value(args: list[Any]) -> Any:
    return to_real(args[0])


@builtin("string", arity=(1, 1), lazy=True)
def to_string_value(args: Sequence[ast.Expr], ev: Evaluation) -> Any:
    return source_string(ev.eval(args[0]), args[0], ev.scope)


@builtin("bool", arity=(1, 1))
def to_boolean(args: list[Any]) -> Any:
    v = args[0]
    t = type(v)
    if t is bool or t is Error or v is UNDEFINED:
        return v
    if t is int or t is float:
        return v != 0 or v != v
    if t is RelTime:
        return rel_secs(v) != 0
    if t is str:
        word = v.lower()
        return True if word == "true" else False if word == "false" else UNDEFINED
    return Error("value cannot be converted to a boolean")
