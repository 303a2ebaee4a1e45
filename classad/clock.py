"""The clock `time()`, `currentTime()` and the other time builtins read: the wall clock, or a
time fixed for a stretch of work (a negotiation cycle at its `now`, a simulated pool)."""

from __future__ import annotations

import time as _time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_fixed: ContextVar[int | None] = ContextVar("classad_clock", default=None)


def now() -> int:
    """Seconds since the epoch: the fixed time when one is in force, else the wall clock."""
    fixed = _fixed.get()
    return int(_time.time()) if fixed is None else fixed


@contextmanager
def fixed_clock(when: float) -> Iterator[None]:
    """Within the block (and this thread or task), time builtins read `when`."""
    token = _fixed.set(int(when))
    try:
        yield
    finally:
        _fixed.reset(token)
