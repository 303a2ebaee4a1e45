"""Type predicates and conversions: isX(), int(), real(), string(), bool()."""

from __future__ import annotations

from typing import Any

from classad.ad import ClassAd
from classad.functions import builtin
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
_predicate("isList", lambda v: type(v) is list)
_predicate("isClassAd", lambda v: isinstance(v, ClassAd))
_predicate("isAbstime", lambda v: type(v) is AbsTime)
_predicate("isReltime", lambda v: type(v) is RelTime)
