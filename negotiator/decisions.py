"""What a negotiation cycle decided: matches, per-submitter and per-group outcomes."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Match:
    """One job matched to one slot."""

    job: str
    slot: str
    submitter: str
    group: str
    claim: str
    """"idle", "rank" (the slot prefers the job) or "priority" (preempts a worse-priority user)."""
    cost: float
    preempts: str | None = None
    """The submitter whose claim is preempted, if any."""
    dslot: str | None = None
    """The dynamic slot carved from a partitionable slot, if any."""


@dataclass(frozen=True)
class Turn:
    """One submitter's turn in one pie spin: its limits and what it used (for audits)."""

    submitter: str
    spin: int
    limit: float
    limit_unclaimed: float
    used: float
    used_unclaimed: float
    first_cost: float


@dataclass(frozen=True)
class SubmitterOutcome:
    """One submitter's priority, pie slice and result in this cycle."""

    name: str
    group: str
    effective_priority: float
    real_priority: float
    factor: float
    share: float
    limit: float
    matched: int
    usage: float
    idle_jobs: int


@dataclass(frozen=True)
class GroupOutcome:
    """One accounting group's quota, allocation and result in this cycle."""

    name: str
    quota: float
    subtree_quota: float
    config_quota: float | None
    dynamic: bool
    accept_surplus: bool
    requested: float
    allocated: float
    usage: float
    matched: int


#: HTCondor's words (LastRejMatchReason) for a job whose candidate slots ran out this cycle
REJECTED_REASON = "no match found"


@dataclass(frozen=True)
class CycleResult:
    """Everything one call of `negotiate` decided."""

    now: float
    matches: tuple[Match, ...]
    submitters: dict[str, SubmitterOutcome]
    groups: dict[str, GroupOutcome] = field(default_factory=dict)
    pool_weight: float = 0.0
    slots: int = 0
    idle_slots: int = 0
    spins: int = 0
    rejected: tuple[str, ...] = ()
    """Jobs that matched no slot this cycle (ids)."""
    skipped: tuple[tuple[str, str], ...] = ()
    """Jobs not negotiated, with the reason (held, running, ...), as (id, reason)."""
    turns: tuple[Turn, ...] = ()

    def matched(self, submitter: str) -> int:
        found = self.submitters.get(submitter)
        return found.matched if found else 0

    def to_json(self) -> dict[str, Any]:
        """The `--json` document: matches, submitters, groups and cycle figures."""
        return {
            "now": self.now,
            "matches": [_clean(asdict(m)) for m in self.matches],
            "submitters": {n: _numbers(asdict(s)) for n, s in self.submitters.items()},
            "groups": {n: _numbers(asdict(g)) for n, g in self.groups.items()},
            "pool_weight": self.pool_weight,
            "slots": self.slots,
            "idle_slots": self.idle_slots,
            "spins": self.spins,
            "rejected": [{"job": j, "reason": REJECTED_REASON} for j in self.rejected],
            "not_negotiated": [{"job": j, "reason": why} for j, why in self.skipped],
        }


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if v is not None}


def _numbers(row: dict[str, Any]) -> dict[str, Any]:
    """JSON has no infinity: an unbounded limit is written as null."""
    return {k: (None if isinstance(v, float) and math.isinf(v) else v) for k, v in row.items()}
