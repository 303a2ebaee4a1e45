"""Slot loading as a function of the negotiation cadence (no claim reuse)."""

from __future__ import annotations

import math


def slot_load_factor(duration: float, cadence: float) -> float:
    """Fraction of time a slot is busy when each job of `duration` s waits for the next cycle
    (every `cadence` s) to be replaced: D / (C * ceil(D / C))."""
    if duration <= 0 or cadence <= 0:
        raise ValueError("duration and cadence must be positive")
    return duration / (cadence * math.ceil(duration / cadence))
