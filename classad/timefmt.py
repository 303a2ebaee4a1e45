"""Reading and writing ClassAd time strings: absTime and relTime text, strftime output."""

from __future__ import annotations

import math
import re
import time

from classad.values import AbsTime, to_bytes

INT32_MIN = -(1 << 31)
_MAX_STRFTIME = 1022


def wrap32(n: int) -> int:
    """Two's-complement wraparound of an integer into int32."""
    n &= 0xFFFFFFFF
    return n - (1 << 32) if n >= (1 << 31) else n


def trunc32(x: float) -> int:
    """C's (int) cast of a double on x86: truncation, INT32_MIN when out of range or NaN."""
    if math.isnan(x) or not -2147483649.0 < x < 2147483648.0:
        return INT32_MIN
    return int(x)


def trunc64(x: float) -> int:
    """C's (long long) cast of a double on x86: truncation, INT64_MIN when out of range."""
    if math.isnan(x) or not -9.3e18 < x < 9.2e18 or abs(x) >= 2.0 ** 63:
        return -(1 << 63)
    return int(x)


def _cdiv(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _cmod(a: int, b: int) -> int:
    return a - b * _cdiv(a, b)


def local_offset(secs: float) -> int:
    """The local zone's offset east of UTC, in seconds, at the given instant."""
    try:
        return time.localtime(int(secs)).tm_gmtoff
    except (OverflowError, OSError, ValueError):
        return 0


# ---- absTime("...") ------------------------------------------------------------------------

_TZ_COLON = re.compile(r"([+-])(\d\d):(\d\d)\s*\Z")
_TZ_PLAIN = re.compile(r"([+-])(\d\d)(\d\d)\s*\Z")


def _split_zone(text: str) -> tuple[str, int | None]:
    """Strip a trailing `Z`, `±HH:MM` or `±HHMM`; the zone offset, None for local time."""
    body = text.rstrip(" \t\n\r\f\v")
    if body[-1:] in ("z", "Z"):
        return body[:-1], 0
    for pattern in (_TZ_COLON, _TZ_PLAIN):
        m = pattern.search(body)
        if m is not None:
            sign = -1 if m.group(1) == "-" else 1
            return body[:m.start()], sign * (int(m.group(2)) * 3600 + int(m.group(3)) * 60)
    return text, None


def _atoi(chunk: str) -> int:
    m = re.match(r"\d+", chunk)
    return int(m.group()) if m else 0


def _date_fields(body: str) -> list[int] | None:
    """Year (4 digits) then up to five 2-digit fields; anything between them is skipped."""
    fields: list[int] = []
    i, n = 0, len(body)
    for width in (4, 2, 2, 2, 2, 2):
        while i < n and not body[i].isdigit():
            i += 1
        if i > n - width:
            if width == 4:
                return None
            break
        fields.append(_atoi(body[i:i + width]))
        i += width
    while i < n and not body[i].isdigit():
        i += 1
    return fields if i >= n else None


def days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date; month and day may overflow."""
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    mp = (month + 9) % 12
    doy = (153 * mp + 2) // 5
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468 + day - 1


def parse_abstime(text: str) -> AbsTime | None:
    """The library's lenient absTime literal reader. None if the text is rejected."""
    body, offset = _split_zone(text)
    fields = _date_fields(body)
    if fields is None:
        return None
    year = fields[0]
    month = fields[1] if len(fields) > 1 else 1
    day = fields[2] if len(fields) > 2 else 0
    hh, mm, ss = (fields[3:] + [0, 0, 0])[:3]
    as_utc = days_from_civil(year, month, day) * 86400 + hh * 3600 + mm * 60 + ss
    if offset is None:
        offset = local_offset(as_utc)
        offset = local_offset(as_utc - offset)
    return AbsTime(as_utc - offset, offset)


def format_abstime(t: AbsTime) -> str:
    """`YYYY-MM-DDTHH:MM:SS±HH:MM` in the value's own offset (`-00:00` for UTC)."""
    local = int(math.floor(t.secs)) + t.offset
    days, rest = divmod(local, 86400)
    year, month, day = civil_from_days(days)
    sign = "+" if t.offset > 0 else "-"
    off = abs(t.offset)
    return (f"{year:04d}-{month:02d}-{day:02d}T{rest // 3600:02d}:{rest % 3600 // 60:02d}:"
            f"{rest % 60:02d}{sign}{off // 3600:02d}:{off % 3600 // 60:02d}")


def civil_from_days(z: int) -> tuple[int, int, int]:
    """(year, month, day) of a day count since 1970-01-01."""
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (month <= 2), month, day


# ---- relTime("...") ------------------------------------------------------------------------

_INT = r"(\d*)"
_REL_RE = re.compile(
    r"\A\s*(-?)\s*"
    r"(?:" + _INT + r"\s*[+dD]\s*)?"
    r"(?:" + _INT + r"\s*[hH]\s*)?"
    r"(?:" + _INT + r"\s*[mM]\s*)?"
    r"(?:" + _INT + r"\s*:\s*)?"
    r"(?:" + _INT + r"\s*:\s*)?"
    r"(\d*(?:\.\d+)?)\s*[sS]?\s*\Z"
)


def parse_reltime(text: str) -> float | None:
    """The library's relTime literal reader (`[-][D+]HH:MM:SS`, `1d2h3m4s`). None if invalid."""
    m = _REL_RE.match(text)
    if m is None:
        return None
    sign, days, hours, minutes, c1, c2, last = m.groups()
    clock = [c for c in (c1, c2) if c is not None]
    clock_h = int(clock[0] or 0) if len(clock) == 2 else 0
    clock_m = int(clock[-1] or 0) if clock else 0
    total = (int(days or 0) * 86400 + (int(hours or 0) + clock_h) * 3600
             + (int(minutes or 0) + clock_m) * 60 + float(last or 0))
    return -total if sign else total


def _clock(days: int, hours: int, minutes: int, seconds: str) -> str:
    out = f"{days}+" if days else ""
    if days or hours:
        out += f"{hours:02d}:"
    if days or hours or minutes:
        out += f"{minutes:02d}:"
    return out + seconds


def _fields(i: int) -> tuple[int, int, int, int]:
    return (_cdiv(i, 86400), _cdiv(_cmod(i, 86400), 3600), _cdiv(_cmod(i, 3600), 60),
            _cmod(i, 60))


def format_reltime(secs: float) -> str:
    """A reltime value as text: `[-][D+]HH:MM:SS`, fractions dropped (`01:30`, `00`)."""
    i = trunc32(secs)
    out = ""
    if i < 0:
        out = "-"
        i = wrap32(-i)
    d, h, m, s = _fields(i)
    return out + _clock(d, h, m, f"{s:02d}")


def format_reltime_literal(secs: float) -> str:
    """A folded relTime literal as the unparser writes it: fractional seconds kept (`%g`)."""
    neg = secs < 0
    if neg:
        secs = -secs
    i = trunc32(secs)
    d, h, m, s = _fields(i)
    frac = secs - math.trunc(secs) if math.isfinite(secs) else 0.0
    text = f"{s:02d}" if frac == 0 else _g(s + frac)
    return ("-" if neg else "") + _clock(d, h, m, text)


def _g(x: float) -> str:
    return f"{x:g}"


def format_interval(secs: int) -> str:
    """interval(): `[-][D+]H:MM:SS` without padding the leading field."""
    out = "-" if secs < 0 else ""
    secs = abs(secs)
    days, rest = divmod(secs, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{out}{days}+{hours:02d}:{minutes:02d}:{seconds:02d}"
    if hours:
        return f"{out}{hours}:{minutes:02d}:{seconds:02d}"
    if minutes:
        return f"{out}{minutes}:{seconds:02d}"
    return f"{out}{seconds}"


# ---- strftime ------------------------------------------------------------------------------

_SPEC = re.compile(r"%[_\-0^#]*\d*[EO]?[A-Za-z%+]|%")


def strftime(fmt: str, tm: time.struct_time) -> str:
    """C strftime into the library's buffer: output stops before the piece that overflows."""
    out: list[str] = []
    used = 0
    pos = 0
    for m in _SPEC.finditer(fmt):
        for piece in (*fmt[pos:m.start()], _one_spec(m.group(), tm)):
            if used + len(to_bytes(piece)) > _MAX_STRFTIME:
                return "".join(out)
            out.append(piece)
            used += len(to_bytes(piece))
        pos = m.end()
    for ch in fmt[pos:]:
        if used + len(to_bytes(ch)) > _MAX_STRFTIME:
            break
        out.append(ch)
        used += len(to_bytes(ch))
    return "".join(out)


def _one_spec(spec: str, tm: time.struct_time) -> str:
    try:
        return time.strftime(spec, tm)
    except (ValueError, OverflowError):
        return spec
