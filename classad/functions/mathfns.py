"""Numeric builtins: floor, ceil/ceiling, round, pow, quantize and random."""

from __future__ import annotations

import math
import random as _random
from collections.abc import Callable, Sequence
from typing import Any

from classad import ast
from classad.functions import Evaluation, builtin
from classad.functions.convert import c_int64, int32, to_real
from classad.values import (
    INT64_MAX,
    INT64_MIN,
    UNDEFINED,
    Error,
    EvaluationFailed,
    read_element,
    wrap64,
)

#: a real quantum this close to zero leaves the value unchanged
_TINY_QUANTUM = 1e-8


def _number_arg(v: Any) -> float | Error:
    """An argument as a real; UNDEFINED counts as ERROR here."""
    if v is UNDEFINED:
        return Error("numeric function of UNDEFINED")
    x = to_real(v)
    return x if type(x) is float else Error("argument is not a number")


def _to_int64(n: int) -> int:
    return n if INT64_MIN <= n <= INT64_MAX else INT64_MIN


def _rounding(names: tuple[str, ...], fn: Callable[[float], int]) -> None:
    @builtin(*names, arity=(1, 1))
    def run(args: list[Any]) -> Any:
        v = args[0]
        if type(v) is int:
            return v
        x = _number_arg(v)
        if type(x) is not float:
            return x
        return _to_int64(fn(x)) if math.isfinite(x) else INT64_MIN


_rounding(("floor",), math.floor)
_rounding(("ceiling", "ceil"), math.ceil)
_rounding(("round",), round)  # round half to even, like rint()


# ---- pow ------------------------------------------------------------------------------------
def _odd_integer(y: float) -> bool:
    return math.isfinite(y) and y == math.floor(y) and math.fmod(y, 2.0) != 0.0


def c_pow(x: float, y: float) -> float:
    """C's pow(): overflow gives ±inf, a zero base with a negative power ±inf, else NaN."""
    try:
        return math.pow(x, y)
    except OverflowError:
        negative = x < 0 and _odd_integer(y)
        return -math.inf if negative else math.inf
    except ValueError:
        if x == 0.0:
            negative = math.copysign(1.0, x) < 0 and _odd_integer(y)
            return -math.inf if negative else math.inf
        return math.nan


@builtin("pow", arity=(2, 2))
def power(args: list[Any]) -> Any:
    base, exp = args
    if type(base) is int and type(exp) is int and exp >= 0:
        # the library computes integer powers in floating point and rounds by adding 0.5
        return c_int64(c_pow(float(base), float(exp)) + 0.5)
    x, y = _number_arg(base), _number_arg(exp)
    if type(x) is not float:
        return x
    if type(y) is not float:
        return y
    return c_pow(x, y)


# ---- quantize -------------------------------------------------------------------------------
def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def _ceil(x: float) -> float:
    """C ceil(): a result of zero keeps the argument's sign (ceil(-0.5) is -0.0)."""
    if not math.isfinite(x):
        return x
    r = float(math.ceil(x))
    return math.copysign(r, x) if r == 0 else r


def _quantize(value: Any, quantum: Any) -> Any:
    if type(value) is int and type(quantum) is int:
        if quantum == 0:
            return value
        return wrap64(_trunc_div(wrap64(value + quantum - 1), quantum) * quantum)
    x, q = _number_arg(value), _number_arg(quantum)
    if type(x) is not float:
        return x
    if type(q) is not float:
        return q
    if abs(q) <= _TINY_QUANTUM:
        return value
    return _ceil(x / q) * q


@builtin("quantize", arity=(2, 2))
def quantize(args: list[Any]) -> Any:
    value, quantum = args
    x = _number_arg(value)
    if type(x) is not float:
        return x
    if not isinstance(quantum, list):
        return _quantize(value, quantum)
    if not quantum:
        return value
    for item in map(read_element, quantum):
        step = _number_arg(item)
        if type(step) is not float:
            return step
        if step >= x:
            return item
    return _quantize(value, quantum[-1])


# ---- random ---------------------------------------------------------------------------------
@builtin("random", arity=(0, 1), lazy=True)
def random_value(args: Sequence[ast.Expr], ev: Evaluation) -> Any:
    """A fresh number at every evaluation: the C++ library keeps no attribute's value within
    an evaluation, so in `[r = random(9); x = r == r]` each `r` draws again. Counting the
    draw as a cycle keeps every attribute being evaluated around it from being kept."""
    ev.ctx.cycles += 1
    if not args:
        return _random.random()
    v = ev.eval(args[0])
    if type(v) is int:
        limit = int32(v)
        if limit <= 0:  # C++ Evaluate() fails: the whole evaluation is ERROR
            raise EvaluationFailed("random() of a non-positive integer")
        return _random.randrange(limit)
    if type(v) is float:
        if v <= 0:
            raise EvaluationFailed("random() of a non-positive real")
        return _random.random() * v
    return v if type(v) is Error else Error("random() needs a number")
