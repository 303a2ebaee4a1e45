"""Time functions: the clock, absTime/relTime, field getters, splitTime, formatTime, interval."""

from __future__ import annotations

import math
import re
import time as _time
from collections.abc import Callable, Sequence
from typing import Any

from classad import ast, clock
from classad.ad import ClassAd
from classad.functions import Evaluation, builtin, cstrftime
from classad.timefmt import (
    format_interval,
    local_offset,
    strftime,
    trunc32,
    trunc64,
    wrap32,
)
from classad.values import UNDEFINED, AbsTime, Error, RelTime


def _now() -> int:
    return clock.now()


def _bad(what: str) -> Error:
    return Error(f"{what}: bad argument")


# ---- the clock -----------------------------------------------------------------------------


@builtin("time", arity=(0, 0))
def time_now(args: list[Any]) -> Any:
    return _now()


@builtin("currentTime", arity=(0, 0))
def current_time(args: list[Any]) -> Any:
    now = _now()
    return AbsTime(now, local_offset(now))


@builtin("timeZoneOffset", arity=(0, 0))
def time_zone_offset(args: list[Any]) -> Any:
    return RelTime(local_offset(_now()))


@builtin("dayTime", arity=(0, 0))
def day_time(args: list[Any]) -> Any:
    tm = _time.localtime(_now())
    return RelTime(tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec)


# ---- absTime / relTime ---------------------------------------------------------------------


def _abs_secs(v: Any) -> int | None:
    t = type(v)
    if t is int:
        return wrap32(v)
    if t is float:
        return trunc32(v)
    if t is AbsTime:
        return int(v.secs)
    if t is RelTime:
        return trunc32(v.secs)
    return None


@builtin("absTime", arity=(0, 2))
def abs_time(args: list[Any]) -> Any:
    if not args:
        return current_time([])
    v = args[0]
    offset = _abs_secs(args[1]) if len(args) == 2 else 0
    if offset is None or (len(args) == 2 and type(args[1]) is AbsTime):
        return _bad("absTime offset")
    if v is UNDEFINED or type(v) is Error or type(v) is str:
        return v
    secs = _abs_secs(v)
    if secs is None:
        return _bad("absTime")
    if len(args) == 1:
        if type(v) is AbsTime:
            return v
        return AbsTime(secs, local_offset(secs))
    if type(v) is AbsTime:
        return v
    if offset == -1:  # the C++ library's marker for "no offset": such a value is ERROR
        return _bad("absTime offset -1")
    return AbsTime(secs, offset)


@builtin("relTime", arity=(1, 1))
def rel_time(args: list[Any]) -> Any:
    v = args[0]
    t = type(v)
    if v is UNDEFINED or t is Error:
        return v
    if t is str:
        return RelTime(0)
    if t is int:
        return RelTime(wrap32(v))
    if t is float:
        return RelTime(v)
    if t is RelTime:
        return v
    if t is AbsTime:
        return RelTime(v.secs)
    return _bad("relTime")


# ---- field getters -------------------------------------------------------------------------


def _local(secs: int) -> _time.struct_time | None:
    try:
        return _time.localtime(secs)
    except (OverflowError, OSError, ValueError):
        return None


def _abs_getter(name: str, field: Callable[[_time.struct_time], int]) -> None:
    @builtin(name, arity=(1, 1))
    def get(args: list[Any]) -> Any:
        v = args[0]
        if type(v) is not AbsTime:
            return _bad(name)
        tm = _local(int(v.secs))
        return _bad(name) if tm is None else field(tm)


_abs_getter("getYear", lambda tm: tm.tm_year)
_abs_getter("getMonth", lambda tm: tm.tm_mon)
_abs_getter("getDayOfYear", lambda tm: tm.tm_yday - 1)
_abs_getter("getDayOfMonth", lambda tm: tm.tm_mday)
_abs_getter("getDayOfWeek", lambda tm: (tm.tm_wday + 1) % 7)


def _cdiv(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _cmod(a: int, b: int) -> int:
    return a - b * _cdiv(a, b)


def _rel_fields(i: int) -> tuple[int, int, int, int]:
    return (_cdiv(i, 86400), _cdiv(_cmod(i, 86400), 3600), _cdiv(_cmod(i, 3600), 60),
            _cmod(i, 60))


def _time_getter(name: str, index: int, abs_field: Callable[[_time.struct_time], int] | None,
                 ) -> None:
    @builtin(name, arity=(1, 1))
    def get(args: list[Any]) -> Any:
        v = args[0]
        if type(v) is RelTime:
            return _rel_fields(trunc32(v.secs))[index]
        if type(v) is AbsTime and abs_field is not None:
            tm = _local(int(v.secs))
            return _bad(name) if tm is None else abs_field(tm)
        return _bad(name)


_time_getter("getDays", 0, None)
_time_getter("getHours", 1, lambda tm: tm.tm_hour)
_time_getter("getMinutes", 2, lambda tm: tm.tm_min)
_time_getter("getSeconds", 3, lambda tm: tm.tm_sec)


# ---- splitTime -----------------------------------------------------------------------------


def _split_rel(secs: float) -> ClassAd:
    neg = secs < 0
    if neg:
        secs = -secs
    i = trunc32(secs)
    days, hours, minutes, whole = _rel_fields(i)
    frac = secs - math.trunc(secs) if math.isfinite(secs) else secs
    seconds = whole + frac
    if neg:
        if days > 0:
            days = -days
        elif hours > 0:
            hours = -hours
        elif minutes > 0:
            minutes = -minutes
        else:
            seconds = -seconds
    return ClassAd([("Type", "RelativeTime"), ("Days", days), ("Hours", hours),
                    ("Minutes", minutes), ("Seconds", float(seconds))])


def _split_abs(secs: int, offset: int) -> Any:
    tm = _local(secs + offset)
    if tm is None:
        return _bad("splitTime")
    return ClassAd([("Type", "AbsoluteTime"), ("Year", tm.tm_year), ("Month", tm.tm_mon),
                    ("Day", tm.tm_mday), ("Hours", tm.tm_hour), ("Minutes", tm.tm_min),
                    ("Seconds", tm.tm_sec), ("Offset", offset)])


@builtin("splitTime", arity=(1, 1))
def split_time(args: list[Any]) -> Any:
    v = args[0]
    t = type(v)
    if v is UNDEFINED:
        return v
    if t is RelTime:
        return _split_rel(v.secs)
    if t is AbsTime:
        return _split_abs(int(v.secs), v.offset)
    if t is int or t is float:
        secs = v if t is int else trunc32(v)
        return _split_abs(secs, local_offset(secs))
    return _bad("splitTime")


# ---- formatTime ----------------------------------------------------------------------------

#: the broken-down time fields formatTime() reads from a classad, in the library's order
_TM_FIELDS = ("Seconds", "Minutes", "Hours", "Day", "Month", "Year")


def _tm_from_ad(ad: ClassAd, ev: Evaluation) -> cstrftime.Tm:
    """A `struct tm` from splitTime()-style fields; a missing or non-integer field is 0."""
    from classad.evaluator import select_value

    got: dict[str, int | None] = {}
    for name in _TM_FIELDS:
        v = select_value(ad, name.lower(), ev.ctx)
        got[name] = wrap32(v) if type(v) is int else None
    mon = wrap32(got["Month"] - 1) if got["Month"] is not None else 0
    year = wrap32(got["Year"] - 1900) if got["Year"] is not None else 0
    mday = got["Day"] or 0
    wday, yday = cstrftime.day_numbers(wrap32(year + 1900), wrap32(mon + 1), mday)
    return cstrftime.Tm(year, mon, mday, got["Hours"] or 0, got["Minutes"] or 0,
                        got["Seconds"] or 0, wday, yday)


@builtin("formatTime", arity=(0, 2), lazy=True)
def format_time(args: Sequence[ast.Expr], ev: Evaluation) -> Any:
    if not args:
        now = _local(_now())
        return _bad("formatTime") if now is None else strftime("%c", now)
    v = ev.eval(args[0])
    if type(v) is RelTime:
        return _bad("formatTime")
    ad = v if isinstance(v, ClassAd) else None
    if ad is None:
        split = split_time([v]) if v is not UNDEFINED else None
        if not isinstance(split, ClassAd):
            return _bad("formatTime")
        ad = split
    tm = _tm_from_ad(ad, ev)
    fmt: Any = "%c"
    if len(args) == 2:
        fmt = ev.eval(args[1])
        if type(fmt) is not str:
            return _bad("formatTime format")
    return cstrftime.strftime(fmt, tm)


# ---- interval ------------------------------------------------------------------------------

_STRTOD = re.compile(
    r"\s*[+-]?(?:0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?"
    r"|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan(?:\([0-9A-Za-z_]*\))?)",
    re.IGNORECASE,
)


def strtod(text: str) -> float | None:
    """C strtod on a prefix of `text`; None if no number starts the string."""
    m = _STRTOD.match(text)
    if m is None:
        return None
    s = m.group().strip()
    body = s.lstrip("+-")
    sign = -1.0 if s.startswith("-") else 1.0
    if body[:2].lower() == "0x":
        return sign * _hex_float(body[2:])
    if body[:1].lower() == "n":
        return math.nan
    try:
        return sign * float(body)
    except (ValueError, OverflowError):
        return sign * math.inf


def _hex_float(body: str) -> float:
    mant, _, exp = body.lower().partition("p")
    if "." not in mant:
        mant += "."
    try:
        return float.fromhex("0x" + mant + "p" + (exp or "0"))
    except (ValueError, OverflowError):
        return math.inf


def _interval_secs(v: Any) -> int | None:
    t = type(v)
    if t is int or t is bool:
        return int(v)
    if t is float:
        return trunc64(v)
    if t is AbsTime or t is RelTime:
        return trunc64(v.secs)
    if t is str:
        x = strtod(v)
        return None if x is None else trunc64(x)
    return None


@builtin("interval", arity=(1, 1))
def interval(args: list[Any]) -> Any:
    secs = _interval_secs(args[0])
    if secs is None:
        return _bad("interval")
    return format_interval(wrap32(secs))


__all__ = ["ast", "strtod"]
