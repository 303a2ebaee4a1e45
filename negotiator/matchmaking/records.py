"""Slot and job records built from ads: names, weights, claims, submitters and job order."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from classad.ad import ClassAd
from classad.ast import Literal
from negotiator import ads
from negotiator.policy.settings import NegotiatorConfig

IDLE = 1
CPU_QUANTUM, MEMORY_QUANTUM, DISK_QUANTUM = 1, 128, 1024


@dataclass(frozen=True)
class Slot:
    """One slot ad as the cycle sees it; a partitionable slot's ad shows what is left."""

    index: int
    name: str
    ad: ClassAd
    weight: float
    partitionable: bool = False
    remote: str | None = None
    """The submitter whose job runs on the slot (None when unclaimed)."""
    carved: int = 0
    """Dynamic slots carved from this partitionable slot during the cycle."""

    @property
    def claimed(self) -> bool:
        return self.remote is not None

    def copy(self) -> Slot:
        """An equal record that is a distinct object (dataclasses.replace, five times faster)."""
        return Slot(self.index, self.name, self.ad, self.weight, self.partitionable,
                    self.remote, self.carved)


@dataclass(frozen=True)
class Job:
    """One idle job: its id, submitter and place in the submitter's queue."""

    index: int
    cluster: int
    proc: int
    submitter: str
    ad: ClassAd
    order: tuple[float, ...]

    @property
    def id(self) -> str:
        return f"{self.cluster}.{self.proc}"

    @cached_property
    def demand(self) -> float:
        return max(1.0, ads.number(self.ad, "RequestCpus", 1.0))


def slot_weight(ad: ClassAd, config: NegotiatorConfig, slot_weight_expr: Any) -> float:
    """The cost of the slot: SlotWeight (or the config's SLOT_WEIGHT); missing or negative -> 1."""
    if not config.use_slot_weights:
        return 1.0
    if config.force_slot_weight or "slotweight" not in ad._exprs:
        if not config.force_slot_weight and not _flag(ad, "partitionableslot"):
            return 1.0
        value = ads.as_number(ads.evaluate(slot_weight_expr, ad, None))
    else:
        value = ads.as_number(ads.attr(ad, "SlotWeight"))
    if value is None or value < 0 or math.isnan(value):
        return 1.0
    return value


def build_slots(slot_ads: Sequence[ClassAd], config: NegotiatorConfig) -> list[Slot]:
    """Slot records in pool order; slots failing NEGOTIATOR_SLOT_CONSTRAINT are dropped."""
    weight_expr = ads.parse_expression(config.slot_weight)
    constraint = ads.parse_expression(config.slot_constraint) if config.slot_constraint else None
    out = []
    for index, ad in enumerate(slot_ads):
        slot = slot_record(index, ad, config, weight_expr, constraint)
        if slot is not None:
            out.append(slot)
    return out


def slot_record(index: int, ad: ClassAd, config: NegotiatorConfig, weight_expr: Any,
                constraint: Any) -> Slot | None:
    """The record of the slot ad at `index` (None when it fails the slot constraint)."""
    if constraint is not None and not ads.is_true(ads.evaluate(constraint, ad, None)):
        return None
    partitionable = _flag(ad, "partitionableslot")
    return Slot(
        index=index,
        name=_text(ad, "name") or f"slot{index + 1}",
        ad=ad,
        weight=slot_weight(ad, config, weight_expr),
        partitionable=partitionable,
        remote=None if partitionable else remote_submitter(ad),
    )


def remote_submitter(ad: ClassAd) -> str | None:
    """Who is charged for a claimed slot: AccountingGroup, else RemoteUser, else RemoteOwner."""
    user = _text(ad, "remoteuser") or _text(ad, "remoteowner")
    group = _text(ad, "accountinggroup")
    if group:
        return with_domain(group, user)
    if user:
        return user
    state = _text(ad, "state")
    return "<unknown>" if state in {"Claimed", "Preempting"} else None


def with_domain(name: str, user: str | None) -> str:
    """`name` with the domain of `user` appended when `name` has none."""
    if "@" in name or not user or "@" not in user:
        return name
    return f"{name}@{user.partition('@')[2]}"


def submitter_of(ad: ClassAd) -> str:
    """The accounting principal: AccountingGroup (@domain), else User, else Owner; nice users apart."""
    user = _text(ad, "user")
    owner = _text(ad, "owner") or "nobody"
    if user is None:
        domain = _text(ad, "uiddomain")
        user = f"{owner}@{domain}" if domain else owner
    group = _text(ad, "accountinggroup")
    if group:
        return with_domain(group, user)
    if _flag(ad, "niceuser"):
        return f"nice-user.{user}"
    return user


def build_jobs(job_ads: Sequence[ClassAd]) -> list[Job]:
    """Idle jobs (JobStatus 1 or unset) in queue order."""
    out = []
    for index, ad in enumerate(job_ads):
        status = ads.as_number(ads.attr(ad, "JobStatus"))
        if status is not None and int(status) != IDLE:
            continue
        cluster, proc, order = job_order(ad, index)
        out.append(Job(index, cluster, proc, submitter_of(ad), ad, order))
    return out


JobFacts = tuple[int, int, str, tuple[float, ...]]
"""(cluster, proc, submitter, queue-order key without the position) of an idle job ad."""
#: the attributes a job record reads (see build_jobs and submitter_of)
JOB_KEYS = ("jobstatus", "procid", "prejobprio1", "prejobprio2", "jobprio", "postjobprio1",
            "postjobprio2", "user", "owner", "uiddomain", "accountinggroup", "niceuser")


def literal_job_facts(ad: ClassAd) -> JobFacts | None:
    """The record facts of an idle job whose record reads literals alone (None otherwise)."""
    exprs = ad._exprs
    if "clusterid" not in exprs or ad.parent is not None:
        return None
    for key in ("clusterid", *JOB_KEYS):
        expr = exprs.get(key)
        if expr is not None and type(expr) is not Literal:
            return None
    status = ads.as_number(ads.attr(ad, "JobStatus"))
    if status is not None and int(status) != IDLE:
        return None
    cluster, proc, order = job_order(ad, 0)
    return cluster, proc, submitter_of(ad), order[:-1]


def job_order(ad: ClassAd, index: int) -> tuple[int, int, tuple[float, ...]]:
    """(ClusterId, ProcId, queue-order key) of the job ad at `index` of the job list."""
    cluster = int(_number(ad, "clusterid", float(index + 1)))
    proc = int(_number(ad, "procid", 0.0))
    prios = [_number(ad, key, 0.0) for key in _PRIO_KEYS]
    return cluster, proc, (*(-p for p in prios), float(cluster), float(proc), float(index))


#: condor_q's words for JobStatus
STATUS_WORDS = {
    1: "Idle", 2: "Running", 3: "Removed", 4: "Completed", 5: "Held",
    6: "Transferring Output", 7: "Suspended",
}


def not_idle(job_ads: Sequence[ClassAd]) -> list[tuple[str, str]]:
    """(job id, why it is not negotiated) for every job whose JobStatus is not idle."""
    out = []
    for index, ad in enumerate(job_ads):
        status = ads.as_number(ads.attr(ad, "JobStatus"))
        if status is None or int(status) == IDLE:
            continue
        cluster = int(_number(ad, "clusterid", float(index + 1)))
        proc = int(_number(ad, "procid", 0.0))
        word = STATUS_WORDS.get(int(status), f"JobStatus {int(status)}")
        reason = f"not idle: {word}"
        hold = ads.text(ad, "HoldReason") if int(status) == 5 else None
        out.append((f"{cluster}.{proc}", f"{reason} ({hold})" if hold else reason))
    return out


_PRIO_KEYS = ("prejobprio1", "prejobprio2", "jobprio", "postjobprio1", "postjobprio2")


def _text(ad: ClassAd, key: str) -> str | None:
    """`ads.text` for a lower-case name, reading a literal without the general lookup."""
    expr = ad._exprs.get(key)
    if expr is None:
        return None
    if type(expr) is Literal:
        return expr.value if type(expr.value) is str else None
    return ads.text(ad, key)


def _flag(ad: ClassAd, key: str) -> bool:
    """`ads.is_true(ads.attr(...))` for a lower-case name."""
    expr = ad._exprs.get(key)
    if expr is None:
        return False
    return ads.is_true(expr.value if type(expr) is Literal else ads.attr(ad, key))


def _number(ad: ClassAd, key: str, default: float) -> float:
    """`ads.number` for a lower-case name, reading a literal without the general lookup."""
    expr = ad._exprs.get(key)
    if expr is None:
        return default
    if type(expr) is Literal:
        value = expr.value
        t = type(value)
        if t is int or t is float:
            return default if value != value else float(value)
        if t is bool:
            return 1.0 if value else 0.0
        return default
    return ads.number(ad, key, default)


def request(job: ClassAd, slot: ClassAd) -> tuple[int, int, int]:
    """The job's (Cpus, Memory, Disk) request against `slot`, quantized as the startd does."""
    cpus = ads.number(job, "RequestCpus", 1.0, slot)
    memory = ads.number(job, "RequestMemory", 0.0, slot)
    disk = ads.number(job, "RequestDisk", 0.0, slot)
    return (
        max(CPU_QUANTUM, _round_up(cpus, CPU_QUANTUM)),
        _round_up(memory, MEMORY_QUANTUM),
        _round_up(disk, DISK_QUANTUM),
    )


def _round_up(value: float, quantum: int) -> int:
    if value <= 0 or math.isinf(value):
        return 0
    return int(math.ceil(value / quantum) * quantum)


#: the resources a carve takes: (attribute, lower-case key)
RESOURCES = (("Cpus", "cpus"), ("Memory", "memory"), ("Disk", "disk"))
CARVED_KEYS = frozenset(key for _, key in RESOURCES)
"""The attributes of a partitionable slot's ad that `carve` changes."""


def fits(slot: Slot, wanted: tuple[int, int, int]) -> bool:
    """A partitionable slot still has the resources for a request."""
    exprs = slot.ad._exprs
    for want, (name, key) in zip(wanted, RESOURCES, strict=True):
        expr = exprs.get(key)
        if type(expr) is Literal and type(expr.value) in (int, float) and expr.value == expr.value:
            have = expr.value  # a plain number (not NaN): what ads.number reads
        else:
            have = ads.number(slot.ad, name, math.inf)
        if want > have:
            return False
    return True


def carve(
    slot: Slot, wanted: tuple[int, int, int], config: NegotiatorConfig, weight_expr: Any
) -> tuple[Slot, str, float]:
    """Cut a dynamic slot of `wanted` from a partitionable slot: (what is left, dslot name, cost)."""
    left = slot.ad.copy()
    for (attr, key), amount in zip(RESOURCES, wanted, strict=True):
        if key in left._exprs:
            left[attr] = _shrink(ads.attr(left, key), amount)
    weight = slot_weight(left, config, weight_expr)
    cost = slot.weight - weight if config.use_slot_weights else 1.0
    number = int(_number(slot.ad, "numdynamicslots", 0.0)) + slot.carved + 1
    base, _, host = slot.name.partition("@")
    name = f"{base}_{number}@{host}" if host else f"{base}_{number}"
    left_slot = Slot(slot.index, slot.name, left, weight, slot.partitionable, slot.remote,
                     slot.carved + 1)
    return left_slot, name, max(cost, 0.0)


def _shrink(value: object, amount: int) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    left = value - amount
    return int(left) if isinstance(value, int) else float(left)
