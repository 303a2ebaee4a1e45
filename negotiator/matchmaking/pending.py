"""A cycle's idle jobs per submitter in queue order; matched jobs are taken out as it goes.

Two views with one interface: `ListPending` over the records of a job list (built every
cycle), and `QueuePending` over a kept `IdleQueue`, which never changes the queue (taken jobs
are an overlay) and walks a submitter's jobs bucket by bucket, so that an autocluster rejected,
or blocked by the limits until the next match, is passed over without visiting its jobs.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterator, Mapping, Set, Sized
from typing import Protocol

from negotiator.matchmaking.idlequeue import ORDER, IdleQueue, Signature, SignatureOf
from negotiator.matchmaking.records import Job


class Walk(Protocol):
    """One turn's pass over a submitter's jobs in queue order."""

    def __iter__(self) -> Iterator[Job]: ...

    def more(self) -> bool:
        """After the pass: was some job of the submitter passed over after the last one given
        (the pass itself would have stopped there when the pool ran out)?"""
        ...


class Pending(Protocol):
    def names(self) -> list[str]: ...

    def count(self, name: str) -> int: ...

    def waiting(self) -> int: ...

    def demand(self, name: str, weighted: bool) -> float: ...

    def take(self, job: Job) -> None: ...

    def walk(self, name: str, rejected: Set[tuple[str, Signature]],
             blocked_at: Mapping[Signature, int], matches: Sized) -> Walk: ...


class _ListWalk:
    def __init__(self, jobs: list[Job]) -> None:
        self.jobs = jobs

    def __iter__(self) -> Iterator[Job]:
        return iter(self.jobs)

    def more(self) -> bool:
        return False  # every job is given: the pass itself sees the pool run out


class ListPending:
    """Records of a job list: each submitter's in a dict by Job.index, in queue order."""

    def __init__(self, jobs: list[Job]) -> None:
        self._pending: dict[str, dict[int, Job]] = {}
        for job in sorted(jobs, key=ORDER):
            self._pending.setdefault(job.submitter, {})[job.index] = job
        self._waiting = len(jobs)

    def names(self) -> list[str]:
        return list(self._pending)

    def count(self, name: str) -> int:
        return len(self._pending.get(name, ()))

    def waiting(self) -> int:
        return self._waiting

    def demand(self, name: str, weighted: bool) -> float:
        return sum((j.demand if weighted else 1.0 for j in self._pending.get(name, {}).values()),
                   0.0)

    def take(self, job: Job) -> None:
        del self._pending[job.submitter][job.index]
        self._waiting -= 1

    def walk(self, name: str, rejected: Set[tuple[str, Signature]],
             blocked_at: Mapping[Signature, int], matches: Sized) -> Walk:
        return _ListWalk(list(self._pending.get(name, {}).values()))


class QueuePending:
    """An IdleQueue as one cycle sees it: the queue itself is never changed."""

    def __init__(self, queue: IdleQueue, signer: SignatureOf) -> None:
        self.queue = queue
        self.signer = signer
        self.taken: set[int] = set()
        self._taken_of: dict[str, list[Job]] = {}
        self._waiting = len(queue)

    def names(self) -> list[str]:
        return [name for name, jobs in self.queue.queues.items() if jobs]

    def count(self, name: str) -> int:
        return len(self.queue.queues.get(name, ())) - len(self._taken_of.get(name, ()))

    def waiting(self) -> int:
        return self._waiting

    def demand(self, name: str, weighted: bool) -> float:
        if not weighted:
            return float(self.count(name))
        total = self.queue.demand(name)
        if total is None:  # not exact as a running sum: added up in queue order, as a list is
            return sum((j.demand for j in self.queue.queues.get(name, ())
                        if j.index not in self.taken), 0.0)
        return total - sum(j.demand for j in self._taken_of.get(name, ()))

    def take(self, job: Job) -> None:
        self.taken.add(job.index)
        self._taken_of.setdefault(job.submitter, []).append(job)
        self._waiting -= 1

    def walk(self, name: str, rejected: Set[tuple[str, Signature]],
             blocked_at: Mapping[Signature, int], matches: Sized) -> Walk:
        return _BucketWalk(self, name, rejected, blocked_at, matches)


class _BucketWalk:
    """The submitter's jobs in queue order, merged from its signature buckets.

    Gives exactly the jobs the job-by-job pass would examine, in its order: a bucket whose
    signature is rejected is dropped; a bucket blocked by the limits at the current number of
    matches is set aside, and comes back after the next match from the first job after it.
    """

    def __init__(self, pending: QueuePending, name: str, rejected: Set[tuple[str, Signature]],
                 blocked_at: Mapping[Signature, int], matches: Sized) -> None:
        self.pending, self.name = pending, name
        self.rejected, self.blocked_at, self.matches = rejected, blocked_at, matches
        self.last: Job | None = None

    def __iter__(self) -> Iterator[Job]:
        taken, name = self.pending.taken, self.name
        buckets = self.pending.queue.buckets(name, self.pending.signer)
        lists = list(buckets.values())
        signatures = list(buckets)
        heap: list[tuple[tuple[float, ...], int, int]] = []
        for number, jobs in enumerate(lists):
            at = _first_free(jobs, 0, taken)
            if at < len(jobs):
                heap.append((jobs[at].order, number, at))
        heapq.heapify(heap)
        parked: list[tuple[int, int]] = []  # (bucket, position) set aside at `parked_at`
        parked_at = -1
        while True:
            if parked and len(self.matches) != parked_at:  # a match since: back they come
                assert self.last is not None
                for number, at in parked:
                    jobs = lists[number]
                    at = _first_free(jobs, bisect.bisect_right(jobs, self.last.order, lo=at,
                                                              key=ORDER), taken)
                    if at < len(jobs):
                        heapq.heappush(heap, (jobs[at].order, number, at))
                parked = []
            if not heap:
                return
            _, number, at = heapq.heappop(heap)
            signature = signatures[number]
            if (name, signature) in self.rejected:
                continue
            if self.blocked_at.get(signature) == len(self.matches):
                parked.append((number, at))
                parked_at = len(self.matches)
                continue
            jobs = lists[number]
            job = jobs[at]
            self.last = job
            yield job
            at = _first_free(jobs, at + 1, taken)
            if at < len(jobs):
                heapq.heappush(heap, (jobs[at].order, number, at))

    def more(self) -> bool:
        jobs = self.pending.queue.queues.get(self.name, [])
        at = 0 if self.last is None else bisect.bisect_right(jobs, self.last.order, key=ORDER)
        return _first_free(jobs, at, self.pending.taken) < len(jobs)


def _first_free(jobs: list[Job], at: int, taken: set[int]) -> int:
    """The first position from `at` whose job is not taken (len(jobs) when none)."""
    while at < len(jobs) and jobs[at].index in taken:
        at += 1
    return at


__all__ = ["ListPending", "Pending", "QueuePending", "Walk"]
