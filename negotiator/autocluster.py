"""Autocluster signatures: jobs that agree on every attribute matchmaking can read match alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from classad import ClassAd
from negotiator import ads
from negotiator.settings import NegotiatorConfig

_JOB_ROOTS = ("requirements", "rank", "requestcpus", "requestmemory", "requestdisk", "requestgpus")
_MAX_CLOSURE = 16


class Signer:
    """A job's signature: the expressions of every job attribute that slot ads, the negotiator
    policy, or the job's own Requirements/Rank/Request* (transitively) can read."""

    def __init__(self, slot_ads: Sequence[ClassAd], config: NegotiatorConfig) -> None:
        exprs: list[Any] = [expr for ad in slot_ads for expr in ad.exprs()]
        policy = (
            config.pre_job_rank,
            config.post_job_rank,
            config.preemption_requirements,
            config.preemption_rank,
        )
        exprs.extend(ads.parse_expression(text) for text in policy if text)
        self.slot_refs = frozenset(ads.references(exprs))
        self._memo: dict[int, tuple[object, ...]] = {}

    def signature(self, job: ClassAd) -> tuple[object, ...]:
        found = self._memo.get(id(job))
        if found is None:
            found = self._memo[id(job)] = self._compute(job)
        return found

    def _compute(self, job: ClassAd) -> tuple[object, ...]:
        wanted = set(self.slot_refs) | set(_JOB_ROOTS)
        frontier = [n for n in _JOB_ROOTS if n in job]
        for _ in range(_MAX_CLOSURE):
            refs = ads.references(job.lookup(n) for n in frontier)
            frontier = [n for n in refs - wanted if n in job]
            wanted |= refs
            if not frontier:
                break
        return tuple(sorted((n, job.lookup(n)) for n in wanted if n in job))
