"""The pie: shares inversely proportional to EUP, submitter limits, and the admission test."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """What one submitter may take this spin, in slot weight (already net of current usage)."""

    claimed: float
    """For matches that preempt (priority preemption): share x pool - usage."""
    unclaimed: float
    """For idle slots: `claimed`, further capped by the group's quota headroom."""


def shares(eups: Mapping[str, float]) -> dict[str, float]:
    """Each submitter's fraction of the pie: (1/EUP_i) / sum_j (1/EUP_j)."""
    if not eups:
        return {}
    worst = max(eups.values())
    normal = sum(worst / eup for eup in eups.values())
    return {name: worst / (eup * normal) for name, eup in eups.items()}


def submitter_limit(
    share: float,
    pool_weight: float,
    usage: float,
    *,
    group_headroom: float | None = None,
    ceiling: float | None = None,
    consider_preemption: bool = True,
    ignore_priorities: bool = False,
) -> Limits:
    """share x pool - usage (never negative), capped by the ceiling and the group's headroom."""
    limit = math.inf if ignore_priorities else max(0.0, share * pool_weight - usage)
    if ceiling is not None and ceiling >= 0:
        limit = min(limit, max(0.0, ceiling - usage))
    unclaimed = limit
    if group_headroom is not None:
        unclaimed = min(unclaimed, max(0.0, group_headroom))
    if not consider_preemption:
        limit = unclaimed
    return Limits(claimed=limit, unclaimed=unclaimed)


def admits(used: float, cost: float, allowed: float) -> bool:
    """used + cost <= allowed; a submitter that has used nothing may always take one match."""
    if used <= 0 and allowed > 0:
        return True
    return used + cost <= allowed


def starvation(usage: float, limit: float) -> float:
    """usage / (usage + limit): the second key of the submitter order."""
    total = usage + limit
    return usage / total if total > 0 and math.isfinite(total) else 0.0
