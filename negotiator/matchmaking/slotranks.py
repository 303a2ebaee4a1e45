"""Negotiator rank values kept per slot ad, for the jobs that lack what the expression reads.

NEGOTIATOR_PRE_JOB_RANK and POST_JOB_RANK mostly read the slot: `Cpus`, `Memory`, `My.Rank`,
and names a slot often lacks (`RemoteOwner` of an unclaimed slot, `KFlops`), which then fall
back to the job, which lacks them too. For a slot ad and an expression, the names that may be
looked up in the job are known from the expression and the ad alone; when the job has none of
them the value is the slot's own, and is kept with the ad. A slot that stays unclaimed from
cycle to cycle keeps its ad object, so its value is evaluated once.
"""

from __future__ import annotations

from typing import Any

from classad.ad import ClassAd
from classad.purity import target_names
from negotiator import ads

_KEPT = 200_000
"""(expression, slot ad) pairs remembered (a budget: all are forgotten beyond it)."""


class SlotRanks:
    """`ads.negotiator_rank(expr, slot, job)`, kept per (expr, slot ad) where that is exact."""

    def __init__(self) -> None:
        self._kept: dict[tuple[int, int], tuple[Any, ClassAd, frozenset[str] | None, float | None]] = {}

    def value(self, expr: Any, slot: ClassAd, job: ClassAd) -> float:
        key = (id(expr), id(slot))
        hit = self._kept.get(key)
        if hit is None or hit[0] is not expr or hit[1] is not slot:
            if len(self._kept) >= _KEPT:
                self._kept.clear()
            hit = self._kept[key] = (expr, slot, target_names(expr, slot), None)
        names = hit[2]
        if names is None or job.parent is not None or not names.isdisjoint(job._exprs):
            return ads.negotiator_rank(expr, slot, job)
        value = hit[3]
        if value is None:
            value = ads.negotiator_rank(expr, slot, job)
            self._kept[key] = (expr, slot, names, value)
        return value


__all__ = ["SlotRanks"]
