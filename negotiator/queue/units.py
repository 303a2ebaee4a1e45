"""Sizes with units as condor_submit reads `request_memory`/`request_disk` (parse_int64_bytes).

A number (up to three fraction digits count) and an optional unit K, M, G or T (any case,
binary multiples, an optional trailing B); a bare number is in the attribute's own unit.
The result is in that unit, rounded up. Anything else is not a size (None): the caller then
stores the text as a ClassAd expression, as condor_submit does.
"""

from __future__ import annotations

import re

_SIZE = re.compile(r"\s*([-+]?\d+)(?:\.(\d*))?\s*(?:([kKmMgGtT])[bB]?)?\s*\Z")
_MULT = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_INT64 = 1 << 63


def parse_size(text: str, base: int) -> int | None:
    """`text` in units of `base` bytes (1024 for KiB, 1 << 20 for MiB), or None."""
    m = _SIZE.match(text)
    if m is None:
        return None
    whole, fraction, unit = m.groups()
    value = int(whole)
    digits = (fraction or "")[:3]
    fract = sum(int(d) / 10 ** (i + 1) for i, d in enumerate(digits))
    mult = _MULT[unit.lower()] if unit else base
    total = int((value + fract) * mult + base - 1)  # C truncates, then divides toward zero
    result = abs(total) // base * (1 if total >= 0 else -1)
    if not -_INT64 <= result < _INT64:
        return None
    return result
