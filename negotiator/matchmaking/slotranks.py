"""Negotiator rank values kept per slot position, for the jobs that lack what the expression reads.

NEGOTIATOR_PRE_JOB_RANK and POST_JOB_RANK mostly read the slot: `Cpus`, `Memory`, `My.Rank`,
and names a slot often lacks (`RemoteOwner` of an unclaimed slot, `KFlops`), which then fall
back to the job, which lacks them too. For a slot ad and an expression, the names that may be
looked up in the job are known from the expression and the ad alone
(`classad.purity.target_names`); when the job has none of them the value is the slot's own.

A `RankColumn` keeps that value per position of a matcher's slot index, with the ad it was
evaluated for: when the position holds another ad (a carve, a slot claimed or freed between
cycles), the value is kept if that ad has the same expressions under every name the value may
have read (`classad.purity.reads`: a slot freed again differs from the one evaluated only in
its state times), and evaluated again otherwise. A job that has one of the names any kept
value may read, or a slot whose names cannot be known (the clock, randomness, a computed
reference), gets None: the caller evaluates those pairs itself.
"""

from __future__ import annotations

import bisect
from typing import Any

import numpy as np

from classad.purity import reads
from negotiator import ads
from negotiator.matchmaking.columns import Arr, SlotIndex


class RankColumn:
    """`ads.negotiator_rank(expr, slot, job)` per slot position, kept where that is exact."""

    def __init__(self, expr: Any, size: int) -> None:
        self.expr = expr
        self.values = np.zeros(size, dtype=np.float64)
        self.known = np.zeros(size, dtype=bool)
        #: per position, the ad last evaluated there and the names the value may read of it
        self.evaluated: list[Any] = [None] * size
        self.watched: list[frozenset[str]] = [frozenset()] * size
        #: every name a kept value's slot may look up in the job
        self.names: set[str] = set()
        self._stamp = 0

    def at(self, index: SlotIndex, job: Any, pos: Arr) -> Arr | None:
        """The values at the index positions `pos` for `job`, or None."""
        if job.parent is not None:
            return None
        if index.clock != self._stamp:
            start = bisect.bisect_right(index.replace_ticks, self._stamp)
            if start < len(index.replace_log):
                self.known[index.replace_log[start:]] = False
            self._stamp = index.clock
        exprs = job._exprs
        if not self.names.isdisjoint(exprs):
            return None
        known, values, expr, slot_ads = self.known, self.values, self.expr, index.ads
        missing = pos[~known[pos]]
        evaluated, watched = self.evaluated, self.watched
        for p in missing.tolist():
            ad = slot_ads[p]
            before = evaluated[p]
            if before is not None and ad.parent is None:
                old, new = before._exprs, ad._exprs
                if all(old.get(name) is new.get(name) for name in watched[p]):
                    evaluated[p] = ad  # what the value read is the same: so is the value
                    known[p] = True
                    continue
            found = reads(expr, ad)
            if found is None or not found[1].isdisjoint(exprs):
                return None
            self.names.update(found[1])
            values[p] = ads.negotiator_rank(expr, ad, job)
            known[p] = True
            evaluated[p], watched[p] = ad, found[0]
        return values[pos]


__all__ = ["RankColumn"]
