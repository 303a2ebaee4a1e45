"""glibc's strftime (C locale) over raw `struct tm` fields, out-of-range values included.

formatTime() fills a `struct tm` from a classad's fields without normalising them, so
Python's `time.strftime` (which range-checks and adjusts its input) cannot reproduce what
the C++ library prints: `%m` of month 13 is `13`, `%b` of it is `?`, `%d` of day 0 is `00`.
"""

from __future__ import annotations

import re
import time
from typing import NamedTuple

from classad.timefmt import days_from_civil
from classad.values import to_bytes

#: the C++ library formats into a 1024-byte buffer (strftime is given 1023 bytes)
MAX_OUTPUT = 1022

_WDAY = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_MONTH = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")

_SPEC = re.compile(r"%([_\-0^#]*)(\d*)([EO]?)(.?)", re.DOTALL)


class Tm(NamedTuple):
    """The `struct tm` fields strftime reads (tm_year counts from 1900, tm_mon from 0)."""

    year: int
    mon: int
    mday: int
    hour: int
    min: int
    sec: int
    wday: int
    yday: int


def _cdiv(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _cmod(a: int, b: int) -> int:
    return a - b * _cdiv(a, b)


def wrap32(n: int) -> int:
    n &= 0xFFFFFFFF
    return n - (1 << 32) if n >= (1 << 31) else n


def _is_leap(year: int) -> bool:
    return _cmod(year, 4) == 0 and (_cmod(year, 100) != 0 or _cmod(year, 400) == 0)


def _fixed_from_gregorian(year: int, month: int, day: int) -> int:
    if month <= 2:
        adjust = 0
    elif _cmod(year, 4) == 0 and _cmod(year, 400) not in (100, 200, 300):
        adjust = -1
    else:
        adjust = -2
    y1 = wrap32(year - 1)
    return wrap32(wrap32(365 * y1) + _cdiv(y1, 4) - _cdiv(y1, 100) + _cdiv(y1, 400)
                  + _cdiv(wrap32(367 * month - 362), 12) + adjust + day)


def day_numbers(year: int, month: int, day: int) -> tuple[int, int]:
    """The library's own (weekday, yearday) of a calendar date, without normalising it."""
    fixed = _fixed_from_gregorian(year, month, day)
    return _cmod(fixed, 7), wrap32(fixed - _fixed_from_gregorian(year, 1, 1))


def _iso_week_days(yday: int, wday: int) -> int:
    big_enough_multiple_of_7 = (366 // 7 + 2) * 7
    return yday - _cmod(yday - wday + 4 + big_enough_multiple_of_7, 7) + 4 - 1


def _mktime(tm: Tm) -> int:
    """mktime() of a copy of the fields (normalising them), in the local zone."""
    days = days_from_civil(tm.year + 1900, tm.mon + 1, 1) + tm.mday - 1
    as_utc = days * 86400 + tm.hour * 3600 + tm.min * 60 + tm.sec
    if abs(as_utc) < 1 << 50:  # exact in a double: let the C library apply the zone rules
        try:
            return int(time.mktime((tm.year + 1900, tm.mon + 1, tm.mday, tm.hour, tm.min,
                                    tm.sec, 0, 1, 0)))
        except (OverflowError, OSError, ValueError):
            pass
    return as_utc + time.timezone


class _Flags:
    __slots__ = ("lower", "pad", "upper", "width")

    def __init__(self, pad: str, width: int, upper: bool) -> None:
        self.pad = pad
        self.width = width
        self.upper = upper
        self.lower = False


def _padded(text: str, f: _Flags, width: int | None = None) -> str:
    """glibc's add(): pad on the left to the width (zeros for the `0` flag, else spaces)."""
    w = f.width if width is None else width
    if len(text) >= w:
        return text
    return ("0" if f.pad == "0" else " ") * (w - len(text)) + text


def _signed(f: _Flags, digits: int, value: int) -> str:
    """DO_NUMBER: at least `digits` digits (more if the width says so), sign first."""
    body = ("-" if value < 0 else "") + str(abs(value))
    width = f.width
    digits = max(digits, width)
    out = ""
    if f.pad != "-":
        padding = digits - len(body)
        if padding > 0:
            if f.pad == "_":
                out = " " * padding
                width = width - padding if width > padding else 0
            else:
                if value < 0:
                    out, body = "-", body[1:]
                out += "0" * padding
                width = 0
    return out + _padded(body, f, width)


def _text(f: _Flags, text: str) -> str:
    if f.upper:
        text = text.upper()
    elif f.lower:
        text = text.lower()
    return _padded(text, f)


#: conversions that take the E and O modifiers (any other pairing is a bad format)
_E_OK = frozenset("cCxXyYnprstuzPRTZ%")
_O_OK = frozenset("bBhdeHIklmMSuUVgGwWyjnprstzCPRTZ%")


def _convert(flags: str, width_text: str, modifier: str, conv: str, tm: Tm) -> str | None:
    """One conversion; None when glibc treats it as a bad format (copied literally)."""
    pad = ""
    upper = change_case = False
    for ch in flags:
        if ch == "^":
            upper = True
        elif ch == "#":
            change_case = True
        else:
            pad = ch
    f = _Flags(pad, int(width_text) if width_text else -1, upper)
    if modifier == "E" and conv not in _E_OK or modifier == "O" and conv not in _O_OK:
        return None
    if conv in "aAbBhZp" and change_case:
        if conv in "Zp":
            f.upper, f.lower = False, True
        else:
            f.upper, f.lower = True, False
    hour12 = tm.hour - 12 if tm.hour > 12 else 12 if tm.hour == 0 else tm.hour
    match conv:
        case "%":
            return _padded("%", f)
        case "a" | "A":
            if modifier:
                return None
            name = _WDAY[tm.wday] if 0 <= tm.wday <= 6 else "?"
            return _text(f, name[:3] if conv == "a" and name != "?" else name)
        case "b" | "h" | "B":
            name = _MONTH[tm.mon] if 0 <= tm.mon <= 11 else "?"
            return _text(f, name if conv == "B" or name == "?" else name[:3])
        case "c" | "x" | "X" | "D" | "R" | "r" | "T":
            sub = {"c": "%a %b %e %H:%M:%S %Y", "x": "%m/%d/%y", "D": "%m/%d/%y",
                   "X": "%H:%M:%S", "T": "%H:%M:%S", "R": "%H:%M", "r": "%I:%M:%S %p"}[conv]
            return _text(f, _format(sub, tm))
        case "F":
            return None if modifier else _text(f, _format("%Y-%m-%d", tm))
        case "C":
            year = wrap32(tm.year + 1900)
            return _signed(f, 1, _cdiv(year, 100) - (_cmod(year, 100) < 0))
        case "d":
            return _signed(f, 2, tm.mday)
        case "e":
            f.pad = f.pad or "_"
            return _signed(f, 2, tm.mday)
        case "H":
            return _signed(f, 2, tm.hour)
        case "I":
            return _signed(f, 2, hour12)
        case "k":
            f.pad = f.pad or "_"
            return _signed(f, 2, tm.hour)
        case "l":
            f.pad = f.pad or "_"
            return _signed(f, 2, hour12)
        case "j":
            return _signed(f, 3, wrap32(tm.yday + 1))
        case "M":
            return _signed(f, 2, tm.min)
        case "m":
            return _signed(f, 2, wrap32(tm.mon + 1))
        case "n":
            return _padded("\n", f)
        case "t":
            return _padded("\t", f)
        case "P" | "p":
            if conv == "P":
                f.upper, f.lower = False, True
            return _text(f, "PM" if tm.hour > 11 else "AM")
        case "S":
            return _signed(f, 2, tm.sec)
        case "s":
            return _signed(f, 1, _mktime(tm))
        case "U":
            return _signed(f, 2, _cdiv(wrap32(tm.yday - tm.wday + 7), 7))
        case "W":
            return _signed(f, 2, _cdiv(wrap32(tm.yday - _cmod(tm.wday - 1 + 7, 7) + 7), 7))
        case "V" | "g" | "G":
            return _iso(f, conv, tm)
        case "u":
            return _signed(f, 1, _cmod(tm.wday - 1 + 7, 7) + 1)
        case "w":
            return _signed(f, 1, tm.wday)
        case "Y":
            if modifier == "O":
                return None
            return _signed(f, 1, wrap32(tm.year + 1900))
        case "y":
            return _signed(f, 2, _cmod(_cmod(tm.year, 100) + 100, 100))
        case "Z":
            return _text(f, time.tzname[0])
        case "z":
            return _padded("+", f) + _signed(f, 4, 0)
    return None


def _iso(f: _Flags, conv: str, tm: Tm) -> str:
    year = wrap32(tm.year + 1900)
    days = _iso_week_days(tm.yday, tm.wday)
    if days < 0:
        year = wrap32(year - 1)
        days = _iso_week_days(wrap32(tm.yday + 365 + _is_leap(year)), tm.wday)
    else:
        d = _iso_week_days(wrap32(tm.yday - 365 - _is_leap(year)), tm.wday)
        if d >= 0:
            year = wrap32(year + 1)
            days = d
    if conv == "g":
        return _signed(f, 2, _cmod(_cmod(year, 100) + 100, 100))
    if conv == "G":
        return _signed(f, 1, year)
    return _signed(f, 2, _cdiv(days, 7) + 1)


def _piece(m: re.Match[str], tm: Tm) -> str:
    flags, width, modifier, conv = m.groups()
    out = _convert(flags, width, modifier, conv, tm) if conv else None
    if out is None:
        pads = [ch for ch in flags if ch in "_-0"]
        upper = "^" in flags or "#" in flags and conv in "bBh"
        out = _padded(m.group().upper() if upper else m.group(),
                      _Flags(pads[-1] if pads else "", int(width) if width else -1, False))
    return out


def _format(fmt: str, tm: Tm) -> str:
    return _SPEC.sub(lambda m: _piece(m, tm), fmt)


def strftime(fmt: str, tm: Tm) -> str:
    """strftime into the library's buffer: output stops before the piece that overflows."""
    out: list[str] = []
    used = 0
    pos = 0
    for m in _SPEC.finditer(fmt):
        for piece in (*fmt[pos:m.start()], _piece(m, tm)):
            size = len(to_bytes(piece))
            if used + size > MAX_OUTPUT:
                return "".join(out)
            out.append(piece)
            used += size
        pos = m.end()
    for ch in fmt[pos:]:
        size = len(to_bytes(ch))
        if used + size > MAX_OUTPUT:
            break
        out.append(ch)
        used += size
    return "".join(out)
