"""Matching one job against the slots: filter by both Requirements, classify, rank, sort."""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from classad.ad import ClassAd
from classad.ast import Literal
from negotiator import ads
from negotiator.matchmaking.records import Slot, fits, request
from negotiator.policy.settings import NegotiatorConfig


class Claim(enum.IntEnum):
    """Why a slot is a candidate; a larger value sorts first."""

    PRIORITY = 0
    """Claimed by another submitter, PREEMPTION_REQUIREMENTS allows preempting it."""
    RANK = 1
    """Claimed, and the slot's Rank strictly prefers this job (ignores submitter limits)."""
    IDLE = 2
    """Unclaimed: no preemption."""


@dataclass(frozen=True)
class Candidate:
    """A slot a job may take, with its sort key (smaller sorts first)."""

    slot: Slot
    claim: Claim
    key: tuple[float | str | int, ...]


@dataclass(frozen=True)
class Policy:
    """The parsed negotiator expressions that rank and admit candidates."""

    pre_job_rank: Any
    post_job_rank: Any
    preemption_requirements: Any
    preemption_rank: Any
    consider_preemption: bool

    @classmethod
    def from_config(cls, config: NegotiatorConfig) -> Policy:
        parse: Callable[[str | None], Any] = lambda t: ads.parse_expression(t) if t else None  # noqa: E731
        return cls(
            pre_job_rank=parse(config.pre_job_rank),
            post_job_rank=parse(config.post_job_rank),
            preemption_requirements=parse(config.preemption_requirements),
            preemption_rank=parse(config.preemption_rank),
            consider_preemption=config.consider_preemption,
        )


def candidates(
    job: ClassAd, submitter: str, slots: Iterable[Slot], policy: Policy
) -> list[Candidate]:
    """Every slot the job may take, best first: PRE_JOB_RANK, job Rank, POST_JOB_RANK, claim, PREEMPTION_RANK, name."""
    found = []
    for slot in slots:
        claim = classify(job, submitter, slot, policy)
        if claim is not None:
            found.append(Candidate(slot, claim, sort_key(job, slot, claim, policy)))
    found.sort(key=lambda c: c.key)
    return found


def classify(
    job: ClassAd,
    submitter: str,
    slot: Slot,
    policy: Policy,
    wanted: tuple[int, int, int] | None = None,
) -> Claim | None:
    """The claim under which `job` could take `slot`, or None when it cannot.

    `wanted`, when known, is `request(job, slot.ad)`.
    """
    if slot.claimed and not policy.consider_preemption:
        return None
    if slot.partitionable and not fits(slot, wanted or request(job, slot.ad)):
        return None
    if not ads.symmetric_match(job, slot.ad):
        return None
    if not slot.claimed:
        return Claim.IDLE
    slot_rank = ads.number(slot.ad, "Rank", 0.0, job)
    current = ads.number(slot.ad, "CurrentRank", 0.0)
    if slot_rank > current:
        return Claim.RANK
    if slot.remote == submitter or policy.preemption_requirements is None or slot_rank < current:
        return None
    allowed = ads.evaluate(policy.preemption_requirements, slot.ad, job)
    return Claim.PRIORITY if ads.is_true(allowed) else None


def rank_may_preempt(slot: Slot) -> bool:
    """May the claimed `slot` prefer some job by Rank (Rank > CurrentRank)? False only when
    both are plain numbers (missing counts as 0.0, as in `classify`) and Rank <= CurrentRank."""
    exprs = slot.ad._exprs
    return not (_plain_number(exprs.get("rank")) <= _plain_number(exprs.get("currentrank")))


def _plain_number(expr: Any) -> float:
    """A missing attribute as 0.0, a literal int or real as itself, anything else NaN (so
    that a comparison with it fails)."""
    if expr is None:
        return 0.0
    if type(expr) is Literal and type(expr.value) in (int, float):
        return float(expr.value)
    return math.nan


def sort_key(
    job: ClassAd, slot: Slot, claim: Claim, policy: Policy
) -> tuple[float | str | int, ...]:
    pre = ads.negotiator_rank(policy.pre_job_rank, slot.ad, job)
    rank = ads.job_rank(job, slot.ad)
    post = ads.negotiator_rank(policy.post_job_rank, slot.ad, job)
    preempt = (
        0.0 if claim is Claim.IDLE else ads.negotiator_rank(policy.preemption_rank, slot.ad, job)
    )
    return (-pre, -rank, -post, -int(claim), -preempt, slot.name, slot.index)


def still_matches(
    job: ClassAd,
    submitter: str,
    slot: Slot,
    policy: Policy,
    wanted: tuple[int, int, int] | None = None,
) -> bool:
    """Re-check a cached candidate whose partitionable slot has shrunk since."""
    return classify(job, submitter, slot, policy, wanted) is not None
