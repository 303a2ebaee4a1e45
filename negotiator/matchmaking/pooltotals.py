"""What a cycle sums over the whole pool (weight, claimed use per submitter), kept up to date.

A cycle starts from the pool's total weight, its smallest positive slot weight, the unclaimed
static slots, and each submitter's claimed weight and slot count. `PoolTotals.of(slots)` sums
them from the records; a long-lived caller (matchmaking.carryover) instead moves them by the
records that changed since the last cycle, which is exact as long as every weight is an
integral float (sums of such numbers do not round): a pool with any other weight is summed
again from the records.
"""

from __future__ import annotations

from collections.abc import Iterable

from negotiator.matchmaking.records import Slot

_EXACT = float(1 << 40)
"""Integral weights below this add up without rounding, whatever the order."""


class PoolTotals:
    """Sums over slot records; `add`/`remove` keep them for a changing pool."""

    __slots__ = ("counts", "idle_static", "odd", "usage", "weights")

    def __init__(self) -> None:
        #: weight -> number of slots of that weight
        self.weights: dict[float, int] = {}
        #: claimed weight and claimed slots per submitter (only submitters with a claim)
        self.usage: dict[str, float] = {}
        self.counts: dict[str, int] = {}
        #: unclaimed static slots
        self.idle_static = 0
        #: slots whose weight is not an integral float (the sums must be made again)
        self.odd = 0

    @classmethod
    def of(cls, slots: Iterable[Slot]) -> PoolTotals:
        """The totals of `slots`, in their order (the sums a cycle makes from scratch)."""
        totals = cls()
        weights, usage, counts = totals.weights, totals.usage, totals.counts
        idle_static = 0
        for slot in slots:
            weight = slot.weight
            weights[weight] = weights.get(weight, 0) + 1
            remote = slot.remote
            if remote is not None:
                usage[remote] = usage.get(remote, 0.0) + weight
                counts[remote] = counts.get(remote, 0) + 1
            elif not slot.partitionable:
                idle_static += 1
        totals.idle_static = idle_static
        totals.odd = sum(n for w, n in weights.items() if not _exact(w))
        return totals

    @property
    def exact(self) -> bool:
        """Kept sums equal sums made from scratch (every weight an integral float)."""
        return self.odd == 0

    def add(self, slot: Slot) -> None:
        weight = slot.weight
        self.weights[weight] = self.weights.get(weight, 0) + 1
        if not _exact(weight):
            self.odd += 1
        remote = slot.remote
        if remote is not None:
            self.usage[remote] = self.usage.get(remote, 0.0) + weight
            self.counts[remote] = self.counts.get(remote, 0) + 1
        elif not slot.partitionable:
            self.idle_static += 1

    def remove(self, slot: Slot) -> None:
        weight = slot.weight
        left = self.weights[weight] - 1
        if left:
            self.weights[weight] = left
        else:
            del self.weights[weight]
        if not _exact(weight):
            self.odd -= 1
        remote = slot.remote
        if remote is not None:
            count = self.counts[remote] - 1
            if count:
                self.counts[remote] = count
                self.usage[remote] -= weight
            else:  # as a sum from scratch: no entry for a submitter without a claim
                del self.counts[remote]
                del self.usage[remote]
        elif not slot.partitionable:
            self.idle_static -= 1

    @property
    def pool_weight(self) -> float:
        """The sum of every slot's weight (0 for an empty pool, as `sum([])`)."""
        if not self.weights:
            return 0
        return sum(weight * count for weight, count in self.weights.items())

    @property
    def min_weight(self) -> float:
        """The smallest positive weight (1.0 when none is positive)."""
        return min((w for w in self.weights if w > 0), default=1.0)


def _exact(weight: float) -> bool:
    return type(weight) is float and weight.is_integer() and -_EXACT < weight < _EXACT


__all__ = ["PoolTotals"]
