"""Reading and writing ClassAd time strings: absTime ISO-8601 text and relTime durations."""

from __future__ import annotations

import calendar
import math
import re
import time

from classad.values import AbsTime

_ABS_RE = re.compile(
    r"^\s*(\d{4})-?(\d\d)-?(\d\d)(?:[T ](\d\d):?(\d\d)(?::?(\d\d))?)?"
    r"(?:\s*(Z|[+-]\d\d(?::?\d\d)?))?\s*$",
    re.IGNORECASE,
)


def local_offset(secs: float) -> int:
    """The local zone's offset east of UTC, in seconds, at the given instant."""
    try:
        return time.localtime(int(secs)).tm_gmtoff
    except (OverflowError, OSError, ValueError):
        return 0


def parse_abstime(text: str) -> AbsTime | None:
    """Parse `YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM]`; no zone means local time. None if invalid."""
    m = _ABS_RE.match(text)
    if m is None:
        return None
    year, month, day, hh, mm, ss, zone = m.groups()
    try:
        fields = (int(year), int(month), int(day), int(hh or 0), int(mm or 0), int(ss or 0))
        if not (1 <= fields[1] <= 12 and 1 <= fields[2] <= 31 and fields[3] <= 23
                and fields[4] <= 59 and fields[5] <= 60):
            return None
        as_utc = calendar.timegm((*fields, 0, 0, 0))
    except (ValueError, OverflowError):
        return None
    if zone is None:
        offset = local_offset(as_utc)
        offset = local_offset(as_utc - offset)
    elif zone.upper() == "Z":
        offset = 0
    else:
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = sign * (int(digits[:2]) * 3600 + int(digits[2:4] or 0) * 60)
    return AbsTime(as_utc - offset, offset)


_REL_CLOCK = re.compile(r"^(?:(\d+)\+)?(\d+)(?::(\d+))?(?::(\d+))?(?:\.(\d*))?$")
_REL_UNITS = re.compile(r"^(?:(\d+(?:\.\d*)?)d)?(?:(\d+(?:\.\d*)?)h)?(?:(\d+(?:\.\d*)?)m)?"
                        r"(?:(\d+(?:\.\d*)?)s?)?$", re.IGNORECASE)


def parse_reltime(text: str) -> float | None:
    """Parse `[-][D+]HH:MM:SS`, `MM:SS`, `SS` or `1d2h3m4s` into seconds. None if invalid."""
    s = text.strip()
    sign = 1.0
    if s[:1] in "+-" and s:
        sign = -1.0 if s[0] == "-" else 1.0
        s = s[1:].strip()
    if not s:
        return None
    m = _REL_CLOCK.match(s)
    if m is not None:
        days, a, b, c, frac = m.groups()
        parts = [int(p) for p in (a, b, c) if p is not None]
        while len(parts) < 3:
            parts.insert(0, 0)
        hours, minutes, seconds = parts
        total = int(days or 0) * 86400 + hours * 3600 + minutes * 60 + seconds
        return sign * (total + (float("0." + frac) if frac else 0.0))
    m = _REL_UNITS.match(s)
    if m is not None and any(m.groups()):
        d, h, mi, se = (float(g) if g else 0.0 for g in m.groups())
        return sign * (d * 86400 + h * 3600 + mi * 60 + se)
    return None


def format_reltime(secs: float) -> str:
    """`[-][D+]HH:MM:SS` with leading zero fields left out, fractions dropped (`01:30`, `00`)."""
    if math.isnan(secs) or math.isinf(secs):
        return "--24855+-3:-14:-8" if secs > 0 or math.isnan(secs) else "-24855+03:14:08"
    neg = secs < 0
    total = int(abs(secs))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    out = "-" if neg else ""
    if days:
        out += f"{days}+{hours:02d}:{minutes:02d}:{seconds:02d}"
    elif hours:
        out += f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    elif minutes:
        out += f"{minutes:02d}:{seconds:02d}"
    else:
        out += f"{seconds:02d}"
    return out


def format_abstime(t: AbsTime) -> str:
    """`YYYY-MM-DDTHH:MM:SS±HH:MM` in the value's own offset (`-00:00` for UTC)."""
    secs = int(math.floor(t.secs))
    try:
        st = time.gmtime(secs + t.offset)
    except (OverflowError, OSError, ValueError):
        st = time.gmtime(0)
    sign = "-" if t.offset <= 0 else "+"
    off = abs(t.offset)
    return (
        f"{st.tm_year:04d}-{st.tm_mon:02d}-{st.tm_mday:02d}T{st.tm_hour:02d}:{st.tm_min:02d}:"
        f"{st.tm_sec:02d}{sign}{off // 3600:02d}:{off % 3600 // 60:02d}"
    )
