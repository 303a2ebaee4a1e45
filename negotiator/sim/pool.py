"""Simulated pools: a short machine spec (`200x8c32g`), slot ad files, or an SWF trace header."""

from __future__ import annotations

import math
import re
from pathlib import Path

from classad.ad import ClassAd
from classad.inputfile import read_text_input
from negotiator import ads
from negotiator.errors import NegotiatorError
from negotiator.sim.swf import Header

MAX_SLOTS = 1_000_000
"""A budget: no spec may build more slots than this."""
_PART = re.compile(
    r"^(?P<count>\d+)x(?P<cpus>\d+)c(?:(?P<mem>\d+(?:\.\d+)?)(?P<unit>[gm]))?"
    r"(?::(?P<kind>static|partitionable|p|s))?$"
)
DEFAULT_MB_PER_CORE = 2048
_DISK_KB = 100_000_000
REQUIREMENTS = "START && TARGET.RequestCpus <= MY.Cpus && TARGET.RequestMemory <= MY.Memory"


def from_spec(spec: str, where: str = "--machines") -> list[ClassAd]:
    """Slot ads of a spec: `COUNTxCPUSc[MEMg|MEMm][:static]`, parts joined by `+`.

    `200x8c32g` is 200 partitionable machines of 8 cores and 32 GB; `1000x1c2g:static` is 1000
    static one-core slots; a static machine of C cores is C one-core slots sharing its memory.
    """
    slots: list[ClassAd] = []
    machine = 0
    for part in spec.strip().split("+"):
        found = _PART.match(part.strip().lower())
        if found is None:
            raise NegotiatorError(
                f"pool spec {spec!r}: cannot read {part.strip()!r} "
                "(expected COUNTxCPUSc[MEMg][:static], e.g. 200x8c32g)", where)
        count, cpus = int(found["count"]), int(found["cpus"])
        if count <= 0 or cpus <= 0:
            raise NegotiatorError(f"pool spec {spec!r}: {part.strip()!r} has no cores", where)
        if found["mem"] is None:
            memory = cpus * DEFAULT_MB_PER_CORE
        else:
            memory = int(float(found["mem"]) * (1024 if found["unit"] == "g" else 1))
        if memory <= 0:
            raise NegotiatorError(f"pool spec {spec!r}: {part.strip()!r} has no memory", where)
        static = found["kind"] in ("static", "s")
        if len(slots) + count * (cpus if static else 1) > MAX_SLOTS:
            raise NegotiatorError(f"pool spec {spec!r}: more than {MAX_SLOTS:,} slots", where)
        for _ in range(count):
            machine += 1
            slots.extend(_machine(machine, cpus, memory, static))
    return slots


def _machine(number: int, cpus: int, memory: int, static: bool) -> list[ClassAd]:
    host = f"m{number:05d}.sim"
    if not static:
        return [_slot(f"slot1@{host}", host, 1, cpus, memory, partitionable=True)]
    per_slot = max(1, memory // cpus)
    return [_slot(f"slot{k}@{host}", host, k, 1, per_slot, partitionable=False)
            for k in range(1, cpus + 1)]


def _slot(name: str, host: str, slot_id: int, cpus: int, memory: int,
          partitionable: bool) -> ClassAd:
    attrs: dict[str, object] = {
        "MyType": "Machine",
        "Name": name,
        "Machine": host,
        "SlotID": slot_id,
        "Cpus": cpus,
        "Memory": memory,
        "Disk": _DISK_KB,
        "TotalCpus": cpus,
        "TotalMemory": memory,
        "Start": "=true",
        "Requirements": "=" + REQUIREMENTS,
        "Rank": 0.0,
        "CurrentRank": 0.0,
        "SlotWeight": "=Cpus",
        "State": "Unclaimed",
        "Activity": "Idle",
    }
    if partitionable:
        attrs.update({"PartitionableSlot": True, "SlotType": "Partitionable",
                      "NumDynamicSlots": 0})
    else:
        attrs["SlotType"] = "Static"
    return ads.make_ad(attrs)


def from_header(header: Header, memory_per_core: int, where: str,
                widest: int = 1) -> tuple[list[ClassAd], str]:
    """The pool a trace ran on, from its header, and a line saying what was built.

    MaxNodes partitionable machines of MaxProcs/MaxNodes cores (MaxProcs one-core static slots
    without MaxNodes; MaxNodes one-core machines without MaxProcs). A job runs in one slot, so
    when the trace has jobs wider than one such machine (`widest` cores: a parallel log), the
    MaxProcs processors are one partitionable machine instead, which every job up to MaxProcs
    cores fits.
    """
    procs, nodes = header.number("MaxProcs"), header.number("MaxNodes")
    if procs is None or procs <= 0:
        procs = nodes
    if procs is None or procs <= 0:
        raise NegotiatorError(
            "the trace header has neither MaxProcs nor MaxNodes: give --machines or --slots",
            where)
    memory = max(DEFAULT_MB_PER_CORE, memory_per_core)
    cores = max(1, procs // nodes) if nodes and nodes > 0 else 1
    if widest > cores:
        spec = f"1x{procs}c{memory * procs}m"
        note = (f"{where}: jobs up to {widest} cores are wider than one node of the header "
                f"({cores} core{'s' if cores > 1 else ''}): the pool is the header's {procs} "
                "processors as one "
                f"partitionable machine (--machines {spec}); give --machines to choose")
        return from_spec(spec, where), note
    if nodes and nodes > 0:
        spec = f"{nodes}x{cores}c{memory * cores}m"
    else:
        spec = f"{procs}x1c{memory}m:static"
    return from_spec(spec, where), f"{where}: the pool is the header's (--machines {spec})"


def from_file(path: str | Path) -> list[ClassAd]:
    """Slot ads of a file; claimed slots are made unclaimed (the simulation starts empty)."""
    out = []
    for ad in ads.read_ads(path, "slot"):
        if ads.text(ad, "State") in ("Claimed", "Preempting") or "RemoteUser" in ad:
            ad = ad.copy()
            for attr in ("RemoteUser", "RemoteOwner", "AccountingGroup", "JobId"):
                if attr in ad:
                    del ad[attr]
            ad["State"], ad["Activity"] = "Unclaimed", "Idle"
        if ads.is_true(ads.attr(ad, "DynamicSlot")):
            continue  # the partitionable slot it came from is in the file with what is left
        out.append(ad)
    if not out:
        raise NegotiatorError("no slot ads", str(path))
    return out


def read_pool_file(path: str | Path) -> list[ClassAd]:
    """A pool file: a one-line spec (`# comments` allowed) or slot ads."""
    try:
        text = read_text_input(path)
    except OSError as exc:
        raise NegotiatorError(f"cannot read pool: {exc.strerror}", str(path)) from None
    lines = [ln.split("#", 1)[0].strip() for ln in text.splitlines()]
    spec = [ln for ln in lines if ln]
    if len(spec) == 1 and _PART.match(spec[0].split("+")[0].strip().lower()):
        return from_spec(spec[0], f"{path}")
    return from_file(path)


def capacity(slots: list[ClassAd]) -> tuple[float, float]:
    """The largest (cpus, memory) any one slot offers."""
    cpus = max((ads.number(s, "Cpus", 0.0) for s in slots), default=0.0)
    memory = max((ads.number(s, "Memory", 0.0) for s in slots), default=0.0)
    return cpus, memory if memory > 0 else math.inf
