"""A job's candidate list as the cycle consumes it: built in full, or sorted lazily by chunks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np

from negotiator.matchmaking.columns import Arr, SlotIndex
from negotiator.matchmaking.matching import Candidate, Claim
from negotiator.matchmaking.records import Slot


class SlotPositions(Protocol):
    """The live slots a lazy listing reads back (the prefilter's FastMatcher is one)."""

    @property
    def slots(self) -> Mapping[int, Slot]: ...

    @property
    def slot_at(self) -> Sequence[Slot]: ...

    @property
    def pos_of(self) -> Mapping[int, int]: ...

    @property
    def name_rank(self) -> Arr: ...

    @property
    def index(self) -> SlotIndex: ...

_CLAIMS = {int(c): c for c in Claim}


class Listing:
    """A job's candidates, consumed from the front; blocked ones can be put back."""

    def pop(self) -> Candidate | None:
        raise NotImplementedError

    def restore(self, keep: list[Candidate]) -> None:
        raise NotImplementedError

    def materialize(self) -> list[Candidate]:
        """Everything left, in order (for tests and reports)."""
        out = []
        while (cand := self.pop()) is not None:
            out.append(cand)
        self.restore(out)
        return out


class ListListing(Listing):
    """A fully built candidate list."""

    def __init__(self, items: list[Candidate]) -> None:
        self.items = items
        self.at = 0

    def pop(self) -> Candidate | None:
        if self.at >= len(self.items):
            return None
        self.at += 1
        return self.items[self.at - 1]

    def restore(self, keep: list[Candidate]) -> None:
        self.items = keep + self.items[self.at:]
        self.at = 0


class LazyListing(Listing):
    """Candidates sorted lazily, a chunk of the best at a time."""

    def __init__(self, matcher: SlotPositions, pos: Arr, keys: list[Arr], claims: Arr,
                 extra: list[Candidate]) -> None:
        self.matcher = matcher
        self.clock = matcher.index.clock
        #: candidates put back, the next one last
        self.front: list[Candidate] = []
        if extra:
            epos = np.array([matcher.pos_of[c.slot.index] for c in extra], dtype=np.int64)
            pos = np.concatenate([pos, epos])
            keys = [np.concatenate([k, np.array([float(c.key[i]) for c in extra])])
                    for i, k in enumerate(keys)]
            claims = np.concatenate([claims, np.array([int(c.claim) for c in extra])])
            self.extra_slots = {matcher.pos_of[c.slot.index]: c.slot for c in extra}
        else:
            self.extra_slots = {}
        self.pos, self.keys, self.claims = pos, keys, claims
        self.names = matcher.name_rank[pos]
        self.rest: Arr = np.arange(len(pos))
        self.ready: list[tuple[int, int, float, float, float, float]] = []
        self.chunk = 16

    def _refill(self) -> bool:
        rest = self.rest
        if len(rest) == 0:
            return False
        primary = self.keys[0][rest]
        if len(rest) > self.chunk:
            cut = np.partition(primary, self.chunk - 1)[self.chunk - 1]
            take = rest[primary <= cut]
            self.rest = rest[primary > cut]
            self.chunk *= 4
        else:
            take, self.rest = rest, rest[:0]
        k = self.keys
        order = np.lexsort((self.names[take], k[4][take], k[3][take], k[2][take], k[1][take],
                            k[0][take]))
        best = take[order]
        # plain Python rows, the next one last: numpy scalars are slow to read one by one
        rows = zip(self.pos[best].tolist(), self.claims[best].tolist(), k[0][best].tolist(),
                   k[1][best].tolist(), k[2][best].tolist(), k[4][best].tolist(), strict=True)
        self.ready = list(rows)[::-1]
        return True

    def pop(self) -> Candidate | None:
        if self.front:
            return self.front.pop()
        m = self.matcher
        slots, slot_at, changed_at = m.slots, m.slot_at, m.index.changed_at
        while True:
            if not self.ready and not self._refill():
                return None
            p, claim_code, pre, rank, post, preempt = self.ready.pop()
            current = slots.get(slot_at[p].index)
            if current is None:
                continue
            slot = current
            if changed_at[p] > self.clock:
                slot = current.copy()  # not the object the list was built with
            elif p in self.extra_slots:
                slot = self.extra_slots[p]
            claim = _CLAIMS[claim_code]
            return Candidate(slot, claim, (pre, rank, post, -claim_code, preempt, slot.name,
                                           slot.index))

    def restore(self, keep: list[Candidate]) -> None:
        self.front.extend(reversed(keep))  # `front` is kept last-first
