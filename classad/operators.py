"""The semantics of every ClassAd operator, one small function each, shared by all backends."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from classad.ad import ClassAd
from classad.values import (
    ERROR,
    INT64_MAX,
    INT64_MIN,
    LIST_TYPES,
    UNDEFINED,
    AbsTime,
    Error,
    RelTime,
    SharedList,
    wrap64,
)

_MASK64 = (1 << 64) - 1
_NUMBER = (int, float, bool)

Op = Callable[[Any, Any], Any]


def _num(v: Any) -> int | float | None:
    """A number (booleans count as 0/1) or None."""
    t = type(v)
    if t is int or t is float:
        return v  # type: ignore[no-any-return]
    if t is bool:
        return int(v)
    return None


def _real_result(x: float) -> Any:
    """A real result of +inf is ERROR; -inf and NaN are kept."""
    if x == math.inf:
        return Error("real overflow")
    return x


def _special(a: Any, b: Any) -> Any:
    """ERROR (the first one) or UNDEFINED if either operand is one, else None."""
    if type(a) is Error:
        return a
    if type(b) is Error:
        return b
    if a is UNDEFINED or b is UNDEFINED:
        return UNDEFINED
    return None


# ---- arithmetic ------------------------------------------------------------------------------


def add(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return wrap64(a + b)
    s = _special(a, b)
    if s is not None:
        return s
    x, y = _num(a), _num(b)
    if x is not None and y is not None:
        if type(x) is int and type(y) is int:
            return wrap64(x + y)
        return _real_result(float(x) + float(y))
    if ta is RelTime and tb is RelTime:
        return RelTime(a.secs + b.secs)
    if ta is AbsTime and tb is RelTime:
        return AbsTime(a.secs + b.secs, a.offset)
    if ta is RelTime and tb is AbsTime:
        return AbsTime(b.secs + a.secs, b.offset)
    return Error("bad operand types for +")


def sub(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return wrap64(a - b)
    s = _special(a, b)
    if s is not None:
        return s
    x, y = _num(a), _num(b)
    if x is not None and y is not None:
        if type(x) is int and type(y) is int:
            return wrap64(x - y)
        return _real_result(float(x) - float(y))
    if ta is RelTime and tb is RelTime:
        return RelTime(a.secs - b.secs)
    if ta is AbsTime and tb is AbsTime:
        return RelTime(a.secs - b.secs)
    if ta is AbsTime and tb is RelTime:
        return AbsTime(a.secs - b.secs, a.offset)
    return Error("bad operand types for -")


def mul(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return wrap64(a * b)
    s = _special(a, b)
    if s is not None:
        return s
    x, y = _num(a), _num(b)
    if x is not None and y is not None:
        if type(x) is int and type(y) is int:
            return wrap64(x * y)
        return _real_result(float(x) * float(y))
    # a reltime scales by a number, not by a boolean (C++)
    if ta is RelTime and y is not None and tb is not bool:
        return RelTime(a.secs * y)
    if tb is RelTime and x is not None and ta is not bool:
        return RelTime(x * b.secs)
    return Error("bad operand types for *")


def _fdiv(x: float, y: float) -> float:
    if y == 0.0:
        if x == 0.0 or math.isnan(x):
            return math.nan
        return math.copysign(math.inf, x) * math.copysign(1.0, y)
    return x / y


def div(a: Any, b: Any) -> Any:
    s = _special(a, b)
    if s is not None:
        return s
    x, y = _num(a), _num(b)
    if x is not None and y is not None:
        if type(x) is int and type(y) is int:
            if y == 0:
                return Error("division by zero")
            if x == INT64_MIN and y == -1:
                return INT64_MAX
            q = abs(x) // abs(y)
            return q if (x < 0) == (y < 0) else -q
        return _real_result(_fdiv(float(x), float(y)))
    if type(a) is RelTime and y is not None and type(b) is not bool:
        return RelTime(_fdiv(a.secs, float(y)))
    return Error("bad operand types for /")


def mod(a: Any, b: Any) -> Any:
    s = _special(a, b)
    if s is not None:
        return s
    ta, tb = type(a), type(b)
    if ta in (int, bool) and tb in (int, bool):
        x, y = int(a), int(b)
        if y == 0:
            return Error("modulo by zero")
        r = abs(x) % abs(y)
        return -r if x < 0 else r
    return Error("bad operand types for %")


# ---- bitwise -------------------------------------------------------------------------------


def _ints(a: Any, b: Any) -> Any:
    s = _special(a, b)
    if s is not None:
        return s
    if type(a) is int and type(b) is int:
        return None
    return Error("bitwise operators need integers")


def bit_and(a: Any, b: Any) -> Any:
    bad = _ints(a, b)
    return bad if bad is not None else a & b


def bit_or(a: Any, b: Any) -> Any:
    bad = _ints(a, b)
    return bad if bad is not None else a | b


def bit_xor(a: Any, b: Any) -> Any:
    bad = _ints(a, b)
    return bad if bad is not None else a ^ b


def shl(a: Any, b: Any) -> Any:
    bad = _ints(a, b)
    return bad if bad is not None else wrap64(a << (b & 63))


def shr(a: Any, b: Any) -> Any:
    """Arithmetic shift, as the C++ library computes it for out-of-range counts."""
    bad = _ints(a, b)
    if bad is not None:
        return bad
    if a >= 0:
        return a >> (b & 63)
    if b < 0:
        return a
    return a >> min(b, 63)


def ushr(a: Any, b: Any) -> Any:
    """Logical shift; a negative value shifted by 0 (mod 64) gives 0, as in C++."""
    bad = _ints(a, b)
    if bad is not None:
        return bad
    n = b & 63
    if a >= 0:
        return a >> n
    if n == 0:
        return 0
    return wrap64((a & _MASK64) >> n)


# ---- comparison ----------------------------------------------------------------------------


def _cmp_operands(a: Any, b: Any) -> Any:
    """(x, y) comparable Python values, or an ERROR/UNDEFINED result."""
    s = _special(a, b)
    if s is not None:
        return s
    ta, tb = type(a), type(b)
    if ta is str and tb is str:
        return (fold_case(a), fold_case(b))
    x, y = _num(a), _num(b)
    if x is not None and y is not None:
        return (x, y)
    if ta is AbsTime and tb is AbsTime or ta is RelTime and tb is RelTime:
        return (a.secs, b.secs)
    return Error("incomparable operands")


def fold_case(s: str) -> str:
    """ASCII-only lower case, as the C++ library's case-insensitive compare uses."""
    return s.lower() if s.isascii() else "".join(c.lower() if c.isascii() else c for c in s)


def _comparison(test: Callable[[Any, Any], bool]) -> Op:
    def compare(a: Any, b: Any) -> Any:
        ta, tb = type(a), type(b)
        if ta is tb and (ta is int or ta is float):
            return test(a, b)
        pair = _cmp_operands(a, b)
        if type(pair) is tuple:
            x, y = pair
            if type(x) is not type(y) and (type(x) is float or type(y) is float):
                return test(float(x), float(y))  # mixed int/real compares as doubles
            return test(x, y)
        return pair

    return compare


lt = _comparison(lambda x, y: x < y)
le = _comparison(lambda x, y: x <= y)
gt = _comparison(lambda x, y: x > y)
ge = _comparison(lambda x, y: x >= y)
eq = _comparison(lambda x, y: x == y)
ne = _comparison(lambda x, y: x != y)


def identical(a: Any, b: Any) -> Any:
    """`=?=` / `is`: same type and same value; strings case-sensitive; never UNDEFINED."""
    ta, tb = type(a), type(b)
    if ta is tb and (ta is str or ta is int or ta is bool):
        return bool(a == b)
    if isinstance(a, ClassAd) and isinstance(b, ClassAd):
        # the C++ library has two ad types (see ClassAd.shared_value); ads never compare
        if a.shared_value is not b.shared_value:
            return False
        return Error("=?= between two ads")
    if ta in LIST_TYPES and tb in LIST_TYPES:
        # lists of the C++ library's two list types (SharedList and the others) are unequal
        if (ta is SharedList) is not (tb is SharedList):
            return False
        return Error("=?= between two lists")
    if ta is not tb:
        return False
    if ta is Error or a is UNDEFINED:
        return True
    if ta is float:
        return a == b
    if ta is AbsTime:
        return bool(a.secs == b.secs and a.offset == b.offset)
    if ta is RelTime:
        return bool(a.secs == b.secs)
    return bool(a == b)


def not_identical(a: Any, b: Any) -> Any:
    r = identical(a, b)
    return (not r) if type(r) is bool else r


# ---- unary ---------------------------------------------------------------------------------


def neg(a: Any) -> Any:
    t = type(a)
    if t is int:
        return wrap64(-a)
    if t is float:
        return -a
    if t is RelTime:
        return RelTime(-a.secs)
    if t is Error or a is UNDEFINED:
        return a
    return Error("bad operand type for unary -")


def pos(a: Any) -> Any:
    t = type(a)
    if t is int or t is float or t is RelTime or t is Error or a is UNDEFINED:
        return a
    return Error("bad operand type for unary +")


def invert(a: Any) -> Any:
    t = type(a)
    if t is int:
        return ~a
    if t is Error or a is UNDEFINED:
        return a
    return Error("bad operand type for ~")


def logical_not(a: Any) -> Any:
    t = type(a)
    if t is bool:
        return not a
    if t is int or t is float:
        return not a
    if t is Error or a is UNDEFINED:
        return a
    return Error("bad operand type for !")


# ---- truth ---------------------------------------------------------------------------------


def truth(v: Any) -> Any:
    """A value as a logic operand: True/False, UNDEFINED, or an Error. NaN is true."""
    t = type(v)
    if t is bool:
        return v
    if t is int:
        return v != 0
    if t is float:
        return v != 0.0  # NaN != 0 is True
    if v is UNDEFINED or t is Error:
        return v
    return Error("not a boolean")


def logical_and(a: Any, right: Callable[[], Any]) -> Any:
    """`a && right()` with left-to-right short-circuit and three-valued logic."""
    x = truth(a)
    if x is False or type(x) is Error:
        return x
    y = truth(right())
    if x is True:
        return y
    # x is UNDEFINED
    if y is False or type(y) is Error:
        return y
    return UNDEFINED


def logical_or(a: Any, right: Callable[[], Any]) -> Any:
    """`a || right()` with left-to-right short-circuit and three-valued logic."""
    x = truth(a)
    if x is True or type(x) is Error:
        return x
    y = truth(right())
    if x is False:
        return y
    if y is True or type(y) is Error:
        return y
    return UNDEFINED


BINARY: dict[str, Op] = {
    "+": add, "-": sub, "*": mul, "/": div, "%": mod,
    "&": bit_and, "|": bit_or, "^": bit_xor, "<<": shl, ">>": shr, ">>>": ushr,
    "<": lt, "<=": le, ">": gt, ">=": ge, "==": eq, "!=": ne,
    "=?=": identical, "is": identical, "=!=": not_identical, "isnt": not_identical,
}

UNARY: dict[str, Callable[[Any], Any]] = {"-": neg, "+": pos, "!": logical_not, "~": invert}

__all__ = ["BINARY", "ERROR", "UNARY", "logical_and", "logical_or", "truth"]
