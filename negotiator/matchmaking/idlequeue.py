"""Idle jobs kept in queue order between cycles, for a caller that negotiates again and again.

A simulation (or a long-lived negotiator) offers nearly the same idle jobs every cycle. Handing
`negotiate()` a list makes every cycle pay for every job: records, a sort, a pass per
submitter. An `IdleQueue` is changed in place as jobs arrive and start (`add`, `remove`), keeps
each submitter's jobs as records in queue order, and, per autocluster signature, in buckets, so
that a cycle touches only the jobs it examines: a rejected autocluster is passed over as a whole,
as HTCondor's schedd does with its autoclusters.

The decisions are exactly those of the same ads given as a list in the order they were added
(tests/sim/test_carryover.py compares the two). An ad whose record reads more than literals (a
JobPrio expression, a JobStatus other than idle) or whose RequestCpus is an expression makes the
queue not `plain`; `negotiate()` then reads `ads()` as a list.
"""

from __future__ import annotations

import bisect
from operator import attrgetter
from typing import Protocol

from classad.ad import ClassAd
from classad.ast import Literal
from negotiator.matchmaking.records import Job, literal_job_facts

ORDER = attrgetter("order")
_EXACT = float(1 << 53)


Signature = tuple[object, ...]


class SignatureOf(Protocol):
    """What the buckets are keyed by (autocluster.Signer)."""

    def signature(self, job: ClassAd) -> Signature: ...


class IdleQueue:
    """The idle job ads offered to every cycle, each submitter's in queue order."""

    def __init__(self) -> None:
        self._seq = 0
        #: id(ad) -> (ad, its record; None when the ad is not plain)
        self._ads: dict[int, tuple[ClassAd, Job | None]] = {}
        #: each submitter's job records in queue order (Job.order)
        self.queues: dict[str, list[Job]] = {}
        self._odd = 0
        #: per submitter: sum of Job.demand while every demand is an exact integer
        self._demand: dict[str, float] = {}
        self._fractional: dict[str, int] = {}
        #: the signer the buckets were made with, and per submitter: signature -> jobs in order
        self._signer: SignatureOf | None = None
        self._buckets: dict[str, dict[Signature, list[Job]]] = {}

    # ---- changes ------------------------------------------------------------------------
    def add(self, ad: ClassAd) -> None:
        """Queue an idle job ad (an ad is never modified in place while queued)."""
        if id(ad) in self._ads:
            raise ValueError("the job ad is queued already")
        seq = self._seq
        self._seq += 1
        facts = literal_job_facts(ad) if _literal_request(ad) else None
        if facts is None:
            self._ads[id(ad)] = (ad, None)
            self._odd += 1
            return
        cluster, proc, submitter, order = facts
        job = Job(seq, cluster, proc, submitter, ad, (*order, float(seq)))
        self._ads[id(ad)] = (ad, job)
        _insert(self.queues.setdefault(submitter, []), job)
        demand = job.demand
        if demand.is_integer() and demand < _EXACT:
            self._demand[submitter] = self._demand.get(submitter, 0.0) + demand
        else:
            self._fractional[submitter] = self._fractional.get(submitter, 0) + 1
        buckets = self._buckets.get(submitter)
        if buckets is not None and self._signer is not None:
            _insert(buckets.setdefault(self._signer.signature(ad), []), job)

    def remove(self, ad: ClassAd) -> None:
        """Take a queued ad out (it started, or left the queue)."""
        _, job = self._ads.pop(id(ad))
        if job is None:
            self._odd -= 1
            return
        name = job.submitter
        _delete(self.queues[name], job)
        demand = job.demand
        if demand.is_integer() and demand < _EXACT:
            self._demand[name] -= demand
        else:
            self._fractional[name] -= 1
        buckets = self._buckets.get(name)
        if buckets is not None and self._signer is not None:
            signature = self._signer.signature(ad)
            bucket = buckets[signature]
            _delete(bucket, job)
            if not bucket:
                del buckets[signature]

    # ---- reading ------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._ads)

    @property
    def plain(self) -> bool:
        """Every queued ad has a literal record (else negotiate() reads `ads()`)."""
        return self._odd == 0

    def ads(self) -> list[ClassAd]:
        """The queued ads in the order they were added."""
        return [ad for ad, _ in self._ads.values()]

    def demand(self, name: str) -> float | None:
        """Sum of the submitter's Job.demand when exact (every demand an integer), else None."""
        if self._fractional.get(name):
            return None
        return self._demand.get(name, 0.0)

    def buckets(self, name: str, signer: SignatureOf) -> dict[Signature, list[Job]]:
        """The submitter's jobs per signature of `signer`, each bucket in queue order; kept
        (and kept up to date by add/remove) until another signer asks."""
        if signer is not self._signer:
            self._signer = signer
            self._buckets = {}
        found = self._buckets.get(name)
        if found is None:
            found = self._buckets[name] = {}
            for job in self.queues.get(name, ()):
                found.setdefault(signer.signature(job.ad), []).append(job)
        return found


def _insert(jobs: list[Job], job: Job) -> None:
    if not jobs or jobs[-1].order < job.order:
        jobs.append(job)
    else:
        bisect.insort(jobs, job, key=ORDER)


def _delete(jobs: list[Job], job: Job) -> None:
    at = bisect.bisect_left(jobs, job.order, key=ORDER)
    if at >= len(jobs) or jobs[at] is not job:
        raise ValueError("job not in its queue")
    del jobs[at]


def _literal_request(ad: ClassAd) -> bool:
    """RequestCpus is missing or a literal: Job.demand is the same in every cycle."""
    expr = ad._exprs.get("requestcpus")
    return expr is None or type(expr) is Literal


__all__ = ["IdleQueue"]
