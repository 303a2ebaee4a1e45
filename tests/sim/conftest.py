"""Shared helpers for the simulator's tests: generated workloads and a checked run."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator

import pytest

from classad import ClassAd
from negotiator import ads
from negotiator.matchmaking.carryover import Carryover
from negotiator.policy.accountant import AccountantState
from negotiator.policy.config import parse_config
from negotiator.policy.settings import NegotiatorConfig, build_config
from negotiator.sim.engine import Outcome, SimSettings, Simulation
from negotiator.sim.workload import SimJob


@pytest.fixture(autouse=True)
def verified_hints(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every simulation here checks the pool's own account of its changed slots against a
    slot-by-slot comparison (and still decides from the account)."""
    monkeypatch.setattr(Carryover, "verify_hints", True)
    yield


def generated_jobs(seed: int, count: int, users: int = 4, max_cpus: int = 4,
                   max_memory: int = 8192, span: float = 3600.0, groups: int = 2) -> list[SimJob]:
    """Random jobs: submit times within `span`, run times 1 s to 2 h, 1..max_cpus cores."""
    rng = random.Random(seed)
    jobs = []
    for n in range(count):
        user = f"u{rng.randrange(users)}"
        group = f"group_{rng.randrange(groups)}"
        cpus = rng.randint(1, max_cpus)
        memory = rng.choice([0, 512, 1024, 2048, max_memory])
        ad = ads.make_ad({"MyType": "Job", "ClusterId": n + 1, "ProcId": 0, "Owner": user,
                          "User": f"{user}@sim", "AccountingGroup": f"{group}.{user}",
                          "JobStatus": 1, "RequestCpus": cpus, "RequestMemory": memory,
                          "Requirements": "=true", "Rank": 0.0})
        submit = round(rng.uniform(0, span), 1)
        runtime = float(rng.choice([1, 30, 59, 60, 61, 600, 3600, 7200]))
        jobs.append(SimJob(n, n + 1, 0, submit, runtime, ad, f"{group}.{user}@sim", group,
                           cpus, memory))
    return jobs


def config(text: str = "") -> NegotiatorConfig:
    return build_config(parse_config(text))


def run(jobs: list[SimJob], slots: list[ClassAd], cfg: NegotiatorConfig,
        interval: float = 60.0, **kw: object) -> Outcome:
    sim = Simulation(jobs, slots, cfg, AccountantState(), SimSettings(interval=interval, **kw))
    return sim.run()  # type: ignore[arg-type]


def check_invariants(outcome: Outcome, slots: list[ClassAd], interval: float) -> None:
    """Every fitting job ran for exactly its run time, never before its submit time, each run
    started once; no machine ever held more cores or memory than it has; charged usage is the
    sum of run time x slot weight."""
    capacity = {}
    for ad in slots:
        machine = ads.text(ad, "Machine") or ""
        cpus, memory = capacity.get(machine, (0.0, 0.0))
        capacity[machine] = (cpus + ads.number(ad, "Cpus", 0), memory + ads.number(ad, "Memory", 0))
    events: dict[str, list[tuple[float, int, float, float]]] = defaultdict(list)
    first = min(j.submit for j in outcome.jobs)
    for job in outcome.jobs:
        assert job.runs, f"job {job.id} never ran"
        *evicted, last = job.runs
        assert abs(last[1] - last[0] - job.runtime) < 1e-6, job.id
        assert job.end == last[1]
        for start, end, weight in job.runs:
            assert start >= job.submit, f"job {job.id} started before its submission"
            assert weight > 0
            # starts happen at cycle times only (no claim reuse configured)
            periods = (start - first) / interval
            assert abs(periods - round(periods)) < 1e-6, "a start between cycles"
            machine = job.slot.partition("@")[2] if not evicted else ""
            if machine:
                events[machine].append((start, 1, job.cpus, job.memory))
                events[machine].append((end, 0, -job.cpus, -job.memory))
    for machine, evs in events.items():
        cpus = memory = 0.0
        for _, _, dc, dm in sorted(evs):
            cpus += dc
            memory += dm
            assert cpus <= capacity[machine][0] + 1e-9, machine
            assert memory <= capacity[machine][1] + 1e-9, machine
    charged = sum(c.accumulated_usage for c in outcome.state.customers.values())
    expected = sum((e - s) * w for j in outcome.jobs for s, e, w in j.runs)
    assert abs(charged - expected) <= 1e-6 * max(1.0, expected)
