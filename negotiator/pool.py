"""Slot and job records built from ads: names, weights, claims, submitters and job order."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from classad import ClassAd
from negotiator import ads
from negotiator.settings import NegotiatorConfig

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
    if config.force_slot_weight or "SlotWeight" not in ad:
        if not config.force_slot_weight and not ads.is_true(ads.attr(ad, "PartitionableSlot")):
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
        if constraint is not None and not ads.is_true(ads.evaluate(constraint, ad, None)):
            continue
        partitionable = ads.is_true(ads.attr(ad, "PartitionableSlot"))
        out.append(
            Slot(
                index=index,
                name=ads.text(ad, "Name") or f"slot{index + 1}",
                ad=ad,
                weight=slot_weight(ad, config, weight_expr),
                partitionable=partitionable,
                remote=None if partitionable else remote_submitter(ad),
            )
        )
    return out


def remote_submitter(ad: ClassAd) -> str | None:
    """Who is charged for a claimed slot: AccountingGroup, else RemoteUser, else RemoteOwner."""
    user = ads.text(ad, "RemoteUser") or ads.text(ad, "RemoteOwner")
    group = ads.text(ad, "AccountingGroup")
    if group:
        return with_domain(group, user)
    if user:
        return user
    state = ads.text(ad, "State")
    return "<unknown>" if state in {"Claimed", "Preempting"} else None


def with_domain(name: str, user: str | None) -> str:
    """`name` with the domain of `user` appended when `name` has none."""
    if "@" in name or not user or "@" not in user:
        return name
    return f"{name}@{user.partition('@')[2]}"


def submitter_of(ad: ClassAd) -> str:
    """The accounting principal: AccountingGroup (@domain), else User, else Owner; nice users apart."""
    user = ads.text(ad, "User")
    owner = ads.text(ad, "Owner") or "nobody"
    if user is None:
        domain = ads.text(ad, "UidDomain")
        user = f"{owner}@{domain}" if domain else owner
    group = ads.text(ad, "AccountingGroup")
    if group:
        return with_domain(group, user)
    if ads.is_true(ads.attr(ad, "NiceUser")):
        return f"nice-user.{user}"
    return user


def build_jobs(job_ads: Sequence[ClassAd]) -> list[Job]:
    """Idle jobs (JobStatus 1 or unset) in queue order."""
    out = []
    for index, ad in enumerate(job_ads):
        status = ads.as_number(ads.attr(ad, "JobStatus"))
        if status is not None and int(status) != IDLE:
            continue
        cluster = int(ads.number(ad, "ClusterId", float(index + 1)))
        proc = int(ads.number(ad, "ProcId", 0.0))
        prios = [
            ads.number(ad, n, 0.0)
            for n in ("PreJobPrio1", "PreJobPrio2", "JobPrio", "PostJobPrio1", "PostJobPrio2")
        ]
        order = (*(-p for p in prios), float(cluster), float(proc), float(index))
        out.append(Job(index, cluster, proc, submitter_of(ad), ad, order))
    return out


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


def fits(slot: Slot, wanted: tuple[int, int, int]) -> bool:
    """A partitionable slot still has the resources for a request."""
    have = [ads.number(slot.ad, n, math.inf) for n in ("Cpus", "Memory", "Disk")]
    return all(w <= h for w, h in zip(wanted, have, strict=True))


def carve(
    slot: Slot, wanted: tuple[int, int, int], config: NegotiatorConfig, weight_expr: Any
) -> tuple[Slot, str, float]:
    """Cut a dynamic slot of `wanted` from a partitionable slot: (what is left, dslot name, cost)."""
    left = slot.ad.copy()
    for attr, amount in zip(("Cpus", "Memory", "Disk"), wanted, strict=True):
        if attr in left:
            left[attr] = _shrink(ads.attr(left, attr), amount)
    weight = slot_weight(left, config, weight_expr)
    cost = slot.weight - weight if config.use_slot_weights else 1.0
    number = int(ads.number(slot.ad, "NumDynamicSlots", 0.0)) + slot.carved + 1
    base, _, host = slot.name.partition("@")
    name = f"{base}_{number}@{host}" if host else f"{base}_{number}"
    return replace(slot, ad=left, weight=weight, carved=slot.carved + 1), name, max(cost, 0.0)


def _shrink(value: object, amount: int) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    left = value - amount
    return int(left) if isinstance(value, int) else float(left)
