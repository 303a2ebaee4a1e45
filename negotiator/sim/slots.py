"""The simulated pool's slots: claimed by a job, carved into dynamic slots, freed again.

A slot ad carries the times a startd publishes for its state machine, from the simulated clock:
EnteredCurrentState and EnteredCurrentActivity (what StateTimer and ActivityTimer of HTCondor's
policy templates read: `time() - EnteredCurrentState`) are set when the simulation begins, when
a slot is claimed, carved or freed; a claim reused for the same submitter's next job stays in
its state and enters its activity again.
"""

from __future__ import annotations

from typing import Any

from classad.ad import ClassAd
from negotiator import ads
from negotiator.matchmaking.records import request, slot_weight
from negotiator.policy.settings import NegotiatorConfig
from negotiator.sim.workload import SimJob

_RESOURCES = ("Cpus", "Memory", "Disk")
STATE_TIME, ACTIVITY_TIME = "EnteredCurrentState", "EnteredCurrentActivity"
_CLAIMS_KEPT = 100_000
"""Claim attribute sets remembered (a budget)."""


class SimSlot:
    """One static, partitionable or dynamic slot and the job it runs."""

    __slots__ = ("ad", "base", "children", "claim_start", "job", "name", "parent",
                 "partitionable", "pos", "sub_id", "weight")

    def __init__(self, ad: ClassAd, parent: SimSlot | None = None) -> None:
        self.base = ad
        self.ad = ad
        self.name = ads.text(ad, "Name") or "slot"
        self.partitionable = ads.is_true(ads.attr(ad, "PartitionableSlot"))
        self.parent = parent
        self.children: list[SimSlot] = []
        self.job: SimJob | None = None
        self.weight = 0.0
        self.claim_start = 0.0
        self.sub_id = 0
        """A dynamic slot's number under its partitionable slot (slot1_<sub_id>)."""
        self.pos = -1
        """A top-level slot's place in the pool (-1 for a dynamic slot)."""

    @property
    def cpus(self) -> float:
        return ads.number(self.ad, "Cpus", 0.0)


class Pool:
    """Every slot by name, in the order the negotiator is offered them."""

    def __init__(self, slot_ads: list[ClassAd], config: NegotiatorConfig) -> None:
        self.config = config
        self.weight_expr = ads.parse_expression(config.slot_weight)
        self.top = [SimSlot(ad) for ad in slot_ads]
        for pos, slot in enumerate(self.top):
            slot.pos = pos
        self.by_name: dict[str, SimSlot] = {}
        for slot in self.top:
            if slot.name in self.by_name:
                raise ValueError(f"two slots named {slot.name!r}")
            self.by_name[slot.name] = slot
        self.total_cpus = sum(s.cpus for s in self.top)
        self.busy_cpus = 0.0
        self.dslots_made = 0
        #: dynamic slots that exist now (none: the ads are the top-level slots' alone)
        self.dslots_alive = 0
        #: the last ads offered while no dynamic slot existed, and the top-level positions
        #: whose ad was set since (see `ads` and `changed`)
        self._offered: list[ClassAd] | None = None
        self._touched: set[int] = set()
        self._changed: list[int] | None = None
        #: per (submitter, group): the attributes of a slot it claims (see `claim`)
        self._claims: dict[tuple[str, str | None], ClassAd] = {}

    def begin(self, now: float) -> None:
        """Every slot enters its state (Unclaimed, Idle) at `now`, the first cycle's time."""
        when = int(now)
        for slot in self.top:
            ad = slot.base.copy()
            ad[STATE_TIME] = ad[ACTIVITY_TIME] = when
            slot.base = ad
            self._set(slot, ad)

    def ads(self) -> list[ClassAd]:
        """The slot ads in the order the negotiator is offered them (each partitionable
        slot followed by its dynamic slots); `changed` then tells which positions hold
        another ad than in the call before."""
        touched, self._touched = self._touched, set()
        if self.dslots_alive:
            self._offered = self._changed = None
            out: list[ClassAd] = []
            for slot in self.top:
                out.append(slot.ad)
                out.extend(child.ad for child in slot.children)
            return out
        offered = self._offered
        if offered is None:
            offered = self._offered = [slot.ad for slot in self.top]
            self._changed = None
        else:
            top = self.top
            for pos in touched:
                offered[pos] = top[pos].ad
            self._changed = sorted(touched)
        return list(offered)

    def changed(self) -> list[int] | None:
        """The positions whose ad the last `ads()` call changed since the call before (None:
        unknown, e.g. while dynamic slots exist)."""
        return self._changed

    def _set(self, slot: SimSlot, ad: ClassAd) -> None:
        slot.ad = ad
        if slot.pos >= 0:
            self._touched.add(slot.pos)

    def has_free(self) -> bool:
        """Some slot is unclaimed (a partitionable one with a core left counts)."""
        return self.busy_cpus < self.total_cpus

    def carve(self, pslot: SimSlot, name: str, job: SimJob) -> SimSlot:
        """Cut `job`'s request out of `pslot` as a dynamic slot.

        The startd, not the negotiator, names it: `slot1_N@host` with N the lowest number no
        dynamic slot of `pslot` holds now (HTCondor's IdDispenser), so numbers freed by jobs
        that ended are used again; `name` (the negotiator's guess) is not used.
        """
        wanted = request(job.ad, pslot.ad)
        dslot_ad = pslot.ad.copy()
        left = pslot.ad.copy()
        for attr, amount in zip(_RESOURCES, wanted, strict=True):
            dslot_ad[attr] = amount
            if attr in left:
                left[attr] = _minus(ads.number(left, attr, 0.0), amount)
        sub_id = _lowest_free({c.sub_id for c in pslot.children})
        base, at, host = pslot.name.partition("@")
        name = f"{base}_{sub_id}{at}{host}"
        del dslot_ad["PartitionableSlot"]
        dslot_ad["DynamicSlot"] = True
        dslot_ad["SlotType"] = "Dynamic"
        dslot_ad["Name"] = name
        left["NumDynamicSlots"] = len(pslot.children) + 1
        self._set(pslot, left)
        child = SimSlot(dslot_ad, pslot)
        child.base = dslot_ad
        child.sub_id = sub_id
        pslot.children.append(child)
        self.by_name[name] = child
        self.dslots_made += 1
        self.dslots_alive += 1
        return child

    def claim(self, slot: SimSlot, job: SimJob, now: float) -> float:
        """Start `job` on `slot`; returns the slot's weight (what its submitter is charged).

        A slot whose job of the same submitter just ended here is that claim reused: it stays
        Claimed since it was claimed and enters Busy again now; otherwise (unclaimed, a new
        dynamic slot, a preempted job) it enters Claimed now.
        """
        before = slot.job  # the job that ran here until now (its run ended or was evicted)
        same_claim = (before is not None and before.submitter == job.submitter
                      and before.slot == slot.name)  # ended here, not evicted
        claimed_at = slot.ad.lookup(STATE_TIME) if same_claim else None
        ad = slot.base.copy()
        ad.update_from(self._claimed_by(job))
        ad[STATE_TIME] = claimed_at if claimed_at is not None else int(now)
        ad[ACTIVITY_TIME] = int(now)
        ad["JobId"] = job.id
        ad["CurrentRank"] = ads.number(slot.base, "Rank", 0.0, job.ad)
        self._set(slot, ad)
        slot.job = job
        slot.weight = slot_weight(ad, self.config, self.weight_expr)
        self.busy_cpus += slot.cpus
        return slot.weight

    def _claimed_by(self, job: SimJob) -> ClassAd:
        """The attributes every slot claimed by the job's submitter (and group) carries."""
        group = ads.text(job.ad, "AccountingGroup")
        key = (job.submitter, group)
        found = self._claims.get(key)
        if found is None:
            if len(self._claims) >= _CLAIMS_KEPT:
                self._claims.clear()
            attrs: dict[str, object] = {"State": "Claimed", "Activity": "Busy",
                                        "RemoteUser": job.submitter,
                                        "RemoteOwner": job.submitter}
            if group:
                attrs["AccountingGroup"] = group
            attrs["TotalJobRunTime"] = 0
            found = self._claims[key] = ClassAd()
            for name, value in attrs.items():
                found[name] = value
        return found

    def release(self, slot: SimSlot, now: float | None = None) -> None:
        """The job left `slot` at `now` (default: when its job's last run ended): a static slot
        is unclaimed and enters Unclaimed, Idle then; a dynamic one returns its resources."""
        self.busy_cpus -= slot.cpus
        job, slot.job = slot.job, None
        parent = slot.parent
        if parent is None:
            if now is None:
                now = job.runs[-1][1] if job is not None and job.runs else None
            if now is None:
                self._set(slot, slot.base)
                return
            ad = slot.base.copy()
            ad[STATE_TIME] = ad[ACTIVITY_TIME] = int(now)
            self._set(slot, ad)
            return
        parent.children.remove(slot)
        self.dslots_alive -= 1
        del self.by_name[slot.name]
        left = parent.ad.copy()
        left["NumDynamicSlots"] = len(parent.children)
        for attr in _RESOURCES:
            if attr in left:
                left[attr] = _plus(ads.number(left, attr, 0.0), ads.number(slot.ad, attr, 0.0))
        self._set(parent, left)

    def running_time(self, now: float) -> None:
        """Refresh TotalJobRunTime on claimed slots (PREEMPTION_RANK reads it)."""
        for slot in self.top:
            for s in (slot, *slot.children):
                if s.job is not None:
                    ad = s.ad.copy()
                    ad["TotalJobRunTime"] = int(now - s.job.start)
                    self._set(s, ad)


def _lowest_free(used: set[int]) -> int:
    """The smallest positive number not in `used`."""
    number = 1
    while number in used:
        number += 1
    return number


def _minus(have: float, amount: float) -> Any:
    left = have - amount
    return int(left) if float(left).is_integer() else left


def _plus(have: float, amount: float) -> Any:
    total = have + amount
    return int(total) if float(total).is_integer() else total
