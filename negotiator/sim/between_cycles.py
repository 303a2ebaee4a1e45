"""Between cycles: matched jobs start, their slots become claimed (or are carved into dslots);
how busy a slot stays when each job waits for the next cycle."""

from __future__ import annotations

import math
from collections.abc import Sequence

from classad.ad import ClassAd
from negotiator import ads
from negotiator.decisions import CycleResult, Match
from negotiator.matchmaking.records import request

RUNNING = 2


def apply_matches(
    result: CycleResult, slots: Sequence[ClassAd], jobs: Sequence[ClassAd]
) -> tuple[list[ClassAd], list[ClassAd]]:
    """The pool and queue after every match of `result` started its job."""
    by_job = {m.job: m for m in result.matches}
    new_jobs, started = [], {}
    for ad in jobs:
        job_id = f"{int(ads.number(ad, 'ClusterId', 0))}.{int(ads.number(ad, 'ProcId', 0))}"
        match = by_job.get(job_id)
        if match is not None and ads.number(ad, "JobStatus", 1) == 1:
            ad = ad.copy()
            ad["JobStatus"] = RUNNING
            ad["RemoteHost"] = match.dslot or match.slot
            started[job_id] = ad
        new_jobs.append(ad)
    by_slot: dict[str, list[Match]] = {}
    for m in result.matches:
        by_slot.setdefault(m.slot, []).append(m)
    new_slots: list[ClassAd] = []
    for ad in slots:
        matches = by_slot.get(ads.text(ad, "Name") or "", [])
        if not matches:
            new_slots.append(ad)
        elif matches[0].dslot is None:
            new_slots.append(_claim(ad, matches[0], started.get(matches[0].job)))
        else:
            new_slots.extend(_carve(ad, matches, started))
    return new_slots, new_jobs


def _claim(slot: ClassAd, match: Match, job: ClassAd | None) -> ClassAd:
    ad = slot.copy()
    ad["State"], ad["Activity"] = "Claimed", "Busy"
    for attr in ("RemoteUser", "RemoteOwner", "AccountingGroup"):
        ad[attr] = match.submitter
    ad["JobId"] = match.job
    ad["TotalJobRunTime"] = 0
    if job is not None:
        ad["CurrentRank"] = ads.number(slot, "Rank", 0.0, job)
    return ad


def _carve(pslot: ClassAd, matches: list[Match], started: dict[str, ClassAd]) -> list[ClassAd]:
    left = pslot.copy()
    out = []
    for match in matches:
        job = started.get(match.job)
        if job is None:
            continue
        wanted = request(job, left)
        dslot = left.copy()
        del dslot["PartitionableSlot"]
        dslot["DynamicSlot"] = True
        dslot["Name"] = match.dslot or match.slot
        for attr, amount in zip(("Cpus", "Memory", "Disk"), wanted, strict=True):
            dslot[attr] = amount
            if attr in left:
                left[attr] = ads.number(left, attr, 0.0) - amount
                if float(left.eval(attr)).is_integer():
                    left[attr] = int(left.eval(attr))
        out.append(_claim(dslot, match, job))
    left["NumDynamicSlots"] = int(ads.number(pslot, "NumDynamicSlots", 0.0)) + len(out)
    return [left, *out]


def slot_load_factor(duration: float, cadence: float) -> float:
    """Fraction of time a slot is busy when each job of `duration` s waits for the next cycle
    (every `cadence` s) to be replaced: D / (C * ceil(D / C))."""
    if duration <= 0 or cadence <= 0:
        raise ValueError("duration and cadence must be positive")
    return duration / (cadence * math.ceil(duration / cadence))
