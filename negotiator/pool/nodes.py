"""Execute nodes: one Docker engine each, advertised as a partitionable slot carved per match."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

from classad import parse_expr
from classad.ad import ClassAd
from executor import EngineUnavailable, ExecutorConfig
from negotiator import ads

_START = parse_expr("True")
_REQUIREMENTS = parse_expr("START")
_SLOT_WEIGHT = parse_expr("Cpus")
#: the HTCondor version whose startd this slot stands in for (submit's Requirements read it)
CONDOR_VERSION = "$CondorVersion: 25.14.1 2026-01-01 BuildID: classad-pool $"


@dataclass
class DSlot:
    """A dynamic slot carved for one job: its resources and who holds the claim."""

    name: str
    job_id: str
    cpus: int
    memory: int
    disk: int
    submitter: str
    job: ClassAd
    started: float
    #: a job that won this slot by preemption, to start when the current one has left
    successor: str | None = None
    #: when the claim began (claims are reused for later jobs up to CLAIM_WORKLIFE)
    claimed: float = 0.0

    def __post_init__(self) -> None:
        self.claimed = self.claimed or self.started


@dataclass
class Node:
    """One Docker engine of the pool and the slots it advertises."""

    url: str
    name: str  # the startd-style name: host, or engineN@host when engines share a host
    config: ExecutorConfig
    executor: Any = None  # executor.docker_engine.DockerExecutor once connected
    machine: dict[str, Any] = field(default_factory=dict)
    alive: bool = False
    last_seen: float = 0.0
    down_since: float | None = None
    dslots: dict[str, DSlot] = field(default_factory=dict)
    seq: int = 0
    entered_state: float = field(default_factory=time.time)
    cpus: int | None = None
    memory: int | None = None
    error: str = ""
    _machine_ad: tuple[dict[str, Any], ClassAd] | None = None

    @property
    def slot_name(self) -> str:
        return f"slot1@{self.name}"

    def connect(self) -> bool:
        """Reach the engine (again) and read its machine attributes; False when it does not answer."""
        from executor.docker_engine import DockerExecutor
        from executor.machine import machine_attributes

        try:
            if self.executor is None:
                self.executor = DockerExecutor(self.config, base_url=self.url)
            self.machine = machine_attributes(self.executor.client, self.config, self.url)
        except (EngineUnavailable, OSError, Exception) as err:  # docker SDK errors vary by transport
            self.error = " ".join(str(err).split())[:200]
            self.alive = False
            return False
        if self.cpus is not None:
            self.machine["Cpus"] = self.machine["TotalCpus"] = self.cpus
        if self.memory is not None:
            self.machine["Memory"] = self.machine["TotalMemory"] = self.memory
        self.alive, self.last_seen, self.down_since, self.error = True, time.time(), None, ""
        return True

    def ping(self) -> bool:
        """Does the engine answer now? Tracks when it stopped answering."""
        ok = False
        if self.executor is None:  # never reached (down since start-up): connect from scratch
            ok = self.connect()
        else:
            try:
                ok = bool(self.executor.client.ping())
            except Exception:  # any transport error means: not answering
                ok = False
            if ok and not self.alive:
                ok = self.connect()
        now = time.time()
        if ok:
            self.last_seen, self.down_since = now, None
        elif self.down_since is None:
            self.down_since = now
        self.alive = ok
        return ok

    def _machine_classad(self) -> ClassAd:
        return _machine_attrs_ad(self.machine, self.host())

    def host(self) -> str:
        return str(self.machine.get("Machine") or self.name)

    def next_dslot_name(self) -> str:
        self.seq += 1
        return f"slot1_{self.seq}@{self.name}"

    def note_dslot_name(self, name: str) -> None:
        """Keep the numbering above dynamic slots re-created after a restart."""
        base = name.partition("@")[0]
        number = base.rpartition("_")[2]
        if number.isdigit():
            self.seq = max(self.seq, int(number))

    def free(self) -> tuple[int, int, int]:
        cpus = int(self.machine.get("Cpus", 0)) - sum(d.cpus for d in self.dslots.values())
        memory = int(self.machine.get("Memory", 0)) - sum(d.memory for d in self.dslots.values())
        disk = int(self.machine.get("Disk", 0)) - sum(d.disk for d in self.dslots.values())
        return cpus, memory, disk

    def partitionable_ad(self, now: float) -> ClassAd:
        """The partitionable slot with what is left after the dynamic slots."""
        cpus, memory, disk = self.free()
        ad = self._base(now)
        _set(ad, {
            "Name": self.slot_name, "SlotType": "Partitionable", "PartitionableSlot": True,
            "DynamicSlot": False, "Cpus": cpus, "Memory": memory, "Disk": disk,
            "NumDynamicSlots": len(self.dslots),
            "State": "Unclaimed", "Activity": "Idle",
            "ChildRemoteUser": [d.submitter for d in self.dslots.values()],
        })
        ad["SlotWeight"] = _SLOT_WEIGHT
        ad["EnteredCurrentState"] = int(self.entered_state)
        return ad

    def dynamic_ad(self, dslot: DSlot, now: float, extra: dict[str, Any]) -> ClassAd:
        """A claimed dynamic slot: its resources and the claim's Remote* attributes."""
        ad = self._base(now)
        _set(ad, {
            "Name": dslot.name, "SlotType": "Dynamic", "PartitionableSlot": False,
            "DynamicSlot": True, "Cpus": dslot.cpus, "Memory": dslot.memory, "Disk": dslot.disk,
            "SlotWeight": dslot.cpus, "State": "Claimed", "Activity": "Busy",
            "EnteredCurrentState": int(dslot.started), "EnteredCurrentActivity": int(dslot.started),
            "JobId": dslot.job_id, "JobStart": int(dslot.started),
            "TotalJobRunTime": max(0, int(now - dslot.started)),
            "RemoteUser": dslot.submitter, "RemoteOwner": dslot.submitter,
        })
        _set(ad, extra)
        return ad

    def _base(self, now: float) -> ClassAd:
        if self._machine_ad is None or self._machine_ad[0] is not self.machine:
            self._machine_ad = (self.machine, self._machine_classad())
        ad = self._machine_ad[1].copy()
        ad["MyCurrentTime"] = int(now)
        ad["LastHeardFrom"] = int(self.last_seen)
        ad["EnteredCurrentActivity"] = int(self.entered_state)
        ad["LoadAvg"] = 0.0
        ad["PoolNodeUrl"] = self.url
        return ad


def _machine_attrs_ad(machine: dict[str, Any], host: str) -> ClassAd:
    from executor import machine as machine_ad

    expressions: frozenset[str] = getattr(machine_ad, "EXPRESSIONS", frozenset())
    ad = ClassAd()
    for key, value in machine.items():
        if key in expressions and isinstance(value, str):
            ad[key] = parse_expr(value)  # `executor machine-ad` writes these unquoted
        elif key != "Name":
            ad[key] = value
    if "Requirements" not in ad:
        if "Start" not in ad:
            ad["Start"] = _START
        ad["Requirements"] = _REQUIREMENTS
    if "CondorVersion" not in ad:
        ad["CondorVersion"] = CONDOR_VERSION
    if "HasFileTransfer" not in ad:
        ad["HasFileTransfer"] = True  # the pool transfers Iwd files in and out
    ad["Machine"] = host
    return ad


def claim_attrs(job: ClassAd) -> dict[str, Any]:
    """What the startd publishes about the claim's job (the negotiator adds the rest)."""
    user = ads.text(job, "User")
    if user is None:
        owner = ads.text(job, "Owner") or "nobody"
        domain = ads.text(job, "UidDomain")
        user = f"{owner}@{domain}" if domain else owner
    out: dict[str, Any] = {"RemoteUser": user, "RemoteOwner": user}
    group = ads.text(job, "AccountingGroup")
    if group:
        out["AccountingGroup"] = group
    return out


def node_names(hosts: list[str]) -> list[str]:
    """Startd names: the host, or engineN@host for engines sharing one host (N from 1)."""
    out = []
    for i, host in enumerate(hosts):
        shared = hosts.count(host) > 1
        out.append(f"engine{hosts[: i + 1].count(host)}@{host}" if shared else host)
    return out


def owner_label(pool_dir: str, url: str) -> str:
    """The executor's owner label: recovery only touches this pool's containers on this engine."""
    digest = hashlib.sha256(f"{pool_dir}\0{url}".encode()).hexdigest()[:16]
    return f"classad-pool-{digest}"


def _set(ad: ClassAd, attrs: dict[str, Any]) -> None:
    for name, value in attrs.items():
        ad[name] = value
