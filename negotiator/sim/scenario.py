"""Scenario files (TOML): slots, jobs, config and state in; cycles run with an injected clock."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from classad.ad import ClassAd
from classad.inputfile import read_text_input
from negotiator import ads
from negotiator.cycle import negotiate
from negotiator.decisions import CycleResult
from negotiator.errors import NegotiatorError
from negotiator.policy.accountant import AccountantState
from negotiator.policy.config import parse_config
from negotiator.policy.settings import NegotiatorConfig, build_config
from negotiator.policy.store import from_json
from negotiator.sim.between_cycles import apply_matches


@dataclass(frozen=True)
class Scenario:
    """One runnable case of a scenario file."""

    name: str
    config: NegotiatorConfig
    slots: list[ClassAd]
    jobs: list[ClassAd]
    state: AccountantState
    now: float
    interval: float
    cycles: int
    expect: list[dict[str, Any]] = field(default_factory=list)
    churn: bool = False
    """Jobs finish within a cycle: the pool is offered afresh every cycle (usage is still charged)."""
    kind: str = "negotiate"


def load_scenarios(path: str | Path) -> list[Scenario]:
    """Every case of a scenario file (a file without [[case]] tables is one case)."""
    path = Path(path)
    try:
        doc = tomllib.loads(read_text_input(path))
    except OSError as exc:
        raise NegotiatorError(f"cannot read scenario: {exc.strerror}", str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise NegotiatorError(f"malformed scenario: {exc}", str(path)) from None
    cases = [{}, *doc.pop("case", [])]
    return [_scenario({**doc, **case}, path, i) for i, case in enumerate(cases)]


def _scenario(doc: Mapping[str, Any], path: Path, index: int) -> Scenario:
    base = str(doc.get("name", path.stem))
    label = doc.get("label", str(index + 1) if "label" not in doc and index else "")
    text = str(doc.get("config", "")) + "\n" + str(doc.get("config_extra", ""))
    return Scenario(
        name=f"{base}[{label}]" if label else base,
        config=build_config(parse_config(text, f"{path}:config")),
        slots=[
            *_generated(doc.get("slots", []), _slot_ad),
            *_raw(doc.get("slot_ads"), path, "slot"),
        ],
        jobs=[*_generated(doc.get("jobs", []), _job_ad), *_raw(doc.get("job_ads"), path, "job")],
        state=from_json(doc.get("state", {}), str(path)),
        now=float(doc.get("now", 0.0)),
        interval=float(doc.get("interval", 60.0)),
        cycles=int(doc.get("cycles", 1)),
        expect=list(doc.get("expect", [])),
        churn=bool(doc.get("churn", False)),
        kind=str(doc.get("kind", "negotiate")),
    )


def _raw(text: object, path: Path, kind: str) -> list[ClassAd]:
    return ads.parse_ad_text(str(text), str(path), kind) if text else []


def _generated(specs: list[dict[str, Any]], make: Any) -> Iterator[ClassAd]:
    serial = 0
    for index, spec in enumerate(specs):
        for offset in range(int(spec.get("count", 1))):
            serial += 1
            yield make(spec, index, offset, serial)


def _slot_ad(spec: Mapping[str, Any], _index: int, _offset: int, number: int) -> ClassAd:
    host = str(spec.get("host", "node"))
    cpus = spec.get("cpus", 1)
    attrs: dict[str, object] = {
        "MyType": "Machine",
        "Name": str(spec.get("name", "slot{n}@{host}")).format(n=number, host=host),
        "SlotID": number,
        "Machine": host,
        "Cpus": cpus,
        "Memory": spec.get("memory", 2048),
        "Disk": spec.get("disk", 10_000_000),
        "Start": "=true",
        "Requirements": "=START",
        "Rank": 0.0,
        "CurrentRank": 0.0,
        "SlotWeight": "=Cpus",
        "State": "Unclaimed",
        "Activity": "Idle",
    }
    if spec.get("partitionable"):
        attrs["PartitionableSlot"] = True
        attrs["Requirements"] = (
            "=START && TARGET.RequestCpus <= MY.Cpus && TARGET.RequestMemory <= MY.Memory"
        )
    claimed = spec.get("claimed_by")
    if claimed:
        attrs.update(
            {"State": "Claimed", "Activity": "Busy", "RemoteUser": claimed, "RemoteOwner": claimed}
        )
        if spec.get("claimed_group"):
            attrs["AccountingGroup"] = spec["claimed_group"]
    attrs.update(spec.get("attrs", {}))
    return ads.make_ad(attrs)


def _job_ad(spec: Mapping[str, Any], index: int, proc: int, _serial: int) -> ClassAd:
    user = str(spec.get("user", "user@pool"))
    cluster = int(spec.get("cluster", index + 1))
    attrs: dict[str, object] = {
        "MyType": "Job",
        "ClusterId": cluster,
        "ProcId": proc,
        "Owner": user.partition("@")[0],
        "User": user,
        "JobStatus": 1,
        "JobPrio": spec.get("prio", 0),
        "RequestCpus": spec.get("cpus", 1),
        "RequestMemory": spec.get("memory", 1024),
        "RequestDisk": spec.get("disk", 1024),
        "Requirements": "=" + str(spec.get("requirements", "true")),
        "Rank": "=" + str(spec.get("rank", "0.0")),
    }
    if spec.get("group"):
        attrs["AcctGroup"] = spec["group"]
        attrs["AccountingGroup"] = f"{spec['group']}.{attrs['Owner']}"
    attrs.update(spec.get("attrs", {}))
    return ads.make_ad(attrs)


def run(scenario: Scenario) -> list[tuple[CycleResult, AccountantState]]:
    """Every cycle of the scenario; matched jobs start running on their slots between cycles."""
    slots, jobs, state = list(scenario.slots), list(scenario.jobs), scenario.state
    out = []
    for cycle in range(scenario.cycles):
        now = scenario.now + cycle * scenario.interval
        result, state = negotiate(slots, jobs, state, scenario.config, now)
        out.append((result, state))
        if not scenario.churn:
            slots, jobs = apply_matches(result, slots, jobs)
    return out


def simulate_scenario(scenario: Scenario) -> list[tuple[CycleResult, AccountantState]]:
    """The scenario run by the simulator instead of `run`: the same cycles, by the event loop.

    Its jobs have no run time, so they run until the end (or, with `churn`, end at the next
    cycle and go back to the queue); a slot claimed in the file runs a job of its claimant.
    """
    from negotiator.matchmaking.records import remote_submitter
    from negotiator.sim.engine import SimSettings, Simulation
    from negotiator.sim.workload import SimJob

    runtime = scenario.interval if scenario.churn else math.inf
    jobs = [_sim_job(ad, index, scenario.now, runtime, scenario.churn)
            for index, ad in enumerate(scenario.jobs)]
    free_slots: list[ClassAd] = []
    claimed: list[tuple[Any, str]] = []
    for ad in scenario.slots:
        who = remote_submitter(ad)
        if who is None:
            free_slots.append(ad)
            continue
        unclaimed = ad.copy()
        for attr in ("RemoteUser", "RemoteOwner", "AccountingGroup"):
            if attr in unclaimed:
                del unclaimed[attr]
        unclaimed["State"], unclaimed["Activity"] = "Unclaimed", "Idle"
        free_slots.append(unclaimed)
        holder = ads.make_ad({"MyType": "Job", "ClusterId": 1_000_000 + len(claimed),
                              "ProcId": 0, "User": who, "Owner": who.partition("@")[0],
                              "JobStatus": 2, "RequestCpus": ads.number(ad, "Cpus", 1.0)})
        if "AccountingGroup" in ad:
            holder["AccountingGroup"] = ad.eval("AccountingGroup")
        claimed.append((SimJob(len(jobs) + len(claimed), 1_000_000 + len(claimed), 0,
                               scenario.now, math.inf, holder, who, "", 1, 0),
                        ads.text(ad, "Name") or ""))
    history: list[tuple[CycleResult, AccountantState]] = []
    settings = SimSettings(interval=scenario.interval, max_cycles=scenario.cycles,
                           start=scenario.now, skip_quiet_cycles=False,
                           run_out_budget=True)
    sim = Simulation(jobs, free_slots, scenario.config, scenario.state, settings,
                     on_cycle=lambda r, s: history.append((r, s)) if r is not None else None)
    for job, slot in claimed:
        sim.start_running(job, slot, scenario.now)
    sim.run()
    return history


def _sim_job(ad: ClassAd, index: int, now: float, runtime: float, churn: bool) -> Any:
    from negotiator.matchmaking.records import submitter_of
    from negotiator.sim.workload import SimJob

    job = SimJob(index, int(ads.number(ad, "ClusterId", index + 1)),
                 int(ads.number(ad, "ProcId", 0)), now, runtime, ad, submitter_of(ad),
                 "", int(ads.number(ad, "RequestCpus", 1)), 0)
    job.requeue = churn
    return job
