"""The columnar fast path chooses exactly what pair-by-pair compiled evaluation chooses."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classad import parse_expr
from classad.ad import ClassAd
from negotiator.cycle import negotiate
from negotiator.matchmaking import matching, prefilter
from negotiator.matchmaking.matching import Policy
from negotiator.matchmaking.prefilter import FastMatcher
from negotiator.matchmaking.records import build_slots
from negotiator.policy.accountant import AccountantState
from negotiator.policy.settings import NegotiatorConfig

VALUES = [None, 0, 1, 2, 4, 8, 2048, 4096, 0.5, 8.0, -1, True, False, "x86_64", "X86_64",
          "LINUX", "linux", "", "MWT2", "undefined"]
JOB_CLAUSES = [
    'TARGET.Arch == "X86_64"', 'TARGET.Arch =?= "X86_64"', 'TARGET.OpSys != "linux"',
    "TARGET.Memory >= RequestMemory", "TARGET.Cpus >= RequestCpus", "TARGET.GPUs >= 1",
    "TARGET.HasDocker", "!TARGET.HasDocker", "TARGET.Memory > 2048.0", "TARGET.Cpus == true",
    "TARGET.KFlops =!= undefined", "(TARGET.Disk >= 100) || TARGET.HasDocker",
    "(TARGET.Arch == MY.Arch)", 'regexp("^x86", TARGET.Arch)',
    "stringListMember(TARGET.Site, MY.Sites)", "(TARGET.Memory - 1024) * 2 >= RequestMemory",
    "ifThenElse(isUndefined(TARGET.GPUs), true, TARGET.GPUs > 0)", "TARGET.Cpus ?: false",
    "Memory >= 1", "-TARGET.Cpus < 0", "TARGET.OpSys < \"m\"", "(TARGET.Cpus > 1 ? TARGET.Memory > 4000 : true)",
    "TARGET.Undef is undefined", "TARGET.Name =!= LastHost", "TARGET.Cpus / 2 >= 1",
]
SLOT_STARTS = [
    "true", "TARGET.RequestCpus <= MY.Cpus && TARGET.RequestMemory <= MY.Memory",
    "(MY.GPUs =?= 0) || ((TARGET.RequestGPUs ?: 0) > 0)", 'regexp("^group_", TARGET.AcctGroup)',
    "(TARGET.Sites is undefined) || stringListMember(MY.Site, TARGET.Sites)",
    "Owner =!= \"blocked\"", "START2", "KeyboardIdle > 100 && LoadAvg < 0.5", "undefined",
    "TARGET.RequestMemory <= Memory && Cpus > 0", "MY.Requirements",
]
RANKS = ["0.0", "TARGET.KFlops", "TARGET.Memory", "TARGET.Cpus * TARGET.Memory", "-TARGET.Cpus",
         "TARGET.Undef", 'TARGET.Arch == "x86_64"', "1"]


def _value(rng: random.Random) -> Any:
    return rng.choice(VALUES)


def slot_ad(rng: random.Random, i: int) -> ClassAd:
    ad = ClassAd()
    ad["Name"] = f"slot{rng.randrange(3)}@host{i % 7}"
    for name in ("Arch", "OpSys", "HasDocker", "Site", "Owner", "LoadAvg", "KeyboardIdle",
                 "KFlops", "GPUs"):
        value = _value(rng)
        if value is not None:
            ad[name] = value
    for name, choices in (("Cpus", (1, 2, 4, 8, 0, 2.5, "4")), ("Memory", (1024, 4096, 8192.0, 0)),
                          ("Disk", (10, 1000, 100000))):
        if rng.random() < 0.9:
            ad[name] = rng.choice(choices)
    if rng.random() < 0.1:
        ad["Memory"] = parse_expr("Cpus * 1024")
    ad["START"] = parse_expr(rng.choice(SLOT_STARTS))
    ad["START2"] = parse_expr(rng.choice(SLOT_STARTS[:4]))
    ad["Requirements"] = parse_expr(rng.choice(["START", "START && MY.Cpus > 0", "true",
                                                "(START) && (TARGET.RequestDisk <= MY.Disk)"]))
    ad["Rank"] = parse_expr(rng.choice(["0", "TARGET.JobPrio", '10 * (TARGET.Owner == "a")']))
    if rng.random() < 0.3:
        ad["PartitionableSlot"] = True
    elif rng.random() < 0.3:
        ad["RemoteUser"] = rng.choice(["a@x", "b@x"])
        ad["State"] = "Claimed"
        ad["CurrentRank"] = rng.choice([0, 5.0, -1])
    return ad


def job_ad(rng: random.Random, i: int) -> ClassAd:
    ad = ClassAd()
    ad["ClusterId"] = i + 1
    ad["ProcId"] = 0
    ad["Owner"] = rng.choice(["a", "b", "blocked"])
    ad["JobPrio"] = rng.choice([0, 5, 20])
    ad["RequestCpus"] = rng.choice([1, 2, 4, 0.5, True])
    ad["RequestMemory"] = rng.choice([512, 2048, 4096, "big"]) if rng.random() < 0.95 else \
        parse_expr("ifthenelse(MemoryUsage =!= undefined, MemoryUsage, 1000)")
    ad["RequestDisk"] = rng.choice([1, 100, 5000])
    if rng.random() < 0.15:  # a request that reads the slot: per-slot room checks
        ad["RequestDisk"] = parse_expr(rng.choice(["TARGET.Disk - 100", "MY.Undef ?: 10"]))
    if rng.random() < 0.3:
        ad["RequestGPUs"] = rng.choice([0, 1])
    for name in ("Arch", "Sites", "AcctGroup", "LastHost"):
        if rng.random() < 0.5:
            ad[name] = rng.choice(["x86_64", "MWT2,UCSD", "group_a", "slot1@host1", "a"])
    clauses = rng.sample(JOB_CLAUSES, rng.randrange(1, 5))
    ad["Requirements"] = parse_expr(" && ".join(f"({c})" for c in clauses))
    ad["Rank"] = parse_expr(rng.choice(RANKS))
    return ad


def compare_lists(slots: list[ClassAd], jobs: list[ClassAd], config: NegotiatorConfig) -> None:
    built = build_slots(slots, config)
    policy = Policy.from_config(config)
    matcher = FastMatcher({s.index: s for s in built}, policy)
    for job in jobs:
        for submitter in ("a@x", "c@x"):
            fast = [(c.slot.index, c.claim, c.key) for c in
                    matcher.candidates(job, submitter).materialize()]
            slow = [(c.slot.index, c.claim, c.key) for c in
                    matching.candidates(job, submitter, built, policy)]
            assert fast == slow, str(job.lookup("requirements"))


@pytest.fixture(params=[0, prefilter.SCALAR_AT, 10**9], ids=["vectorised", "mixed", "scalar"])
def scalar_at(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Rank values at few candidate slots come from the interpreter, at many from the
    vectorised evaluator, and a pool with few free slots is classified pair by pair: each
    must give the pair-by-pair lists."""
    monkeypatch.setattr(prefilter, "SCALAR_AT", request.param)
    monkeypatch.setattr(prefilter, "FEW_FREE", request.param)
    return int(request.param)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 10**9), preempt=st.booleans())
def test_candidate_lists_identical(seed: int, preempt: bool, scalar_at: int) -> None:
    rng = random.Random(seed)
    slots = [slot_ad(rng, i) for i in range(rng.randrange(1, 60))]
    jobs = [job_ad(rng, i) for i in range(8)]
    config = NegotiatorConfig(consider_preemption=preempt,
                              preemption_requirements="RemoteUserPrio > 1" if preempt else None)
    compare_lists(slots, jobs, config)


@pytest.mark.parametrize("seed", range(6))
def test_cycles_identical(seed: int, scalar_at: int) -> None:
    rng = random.Random(seed)
    slots = [slot_ad(rng, i) for i in range(80)]
    jobs = [job_ad(rng, i % 12) for i in range(60)]
    for i, job in enumerate(jobs):
        job["ClusterId"] = i + 1
        job["User"] = rng.choice(["a@x", "b@x", "c@x"])
    config = NegotiatorConfig()
    fast, _ = negotiate(slots, jobs, AccountantState(), config, 1000.0, fast=True)
    slow, _ = negotiate(slots, jobs, AccountantState(), config, 1000.0, fast=False)
    assert fast.matches == slow.matches


def test_realistic_pool_identical() -> None:
    from benchmarks import poolgen
    from benchmarks.bench_negotiation import to_classad

    slots = [to_classad(a) for a in poolgen.slot_ads(400, seed=3)]
    jobs = [to_classad(a) for a in poolgen.job_ads(300, 40, seed=4)]
    config = NegotiatorConfig()
    compare_lists(slots, jobs[::10], config)
    fast, _ = negotiate(slots, jobs, AccountantState(), config, float(poolgen.NOW), fast=True)
    slow, _ = negotiate(slots, jobs, AccountantState(), config, float(poolgen.NOW), fast=False)
    assert fast.matches == slow.matches
    assert len(fast.matches) > 50


def test_kept_masks_and_volatile_clauses_identical() -> None:
    """Many jobs per autocluster over partitionable slots: the slot-side masks are kept per
    autocluster and refreshed after carves, and a clause reading a per-job value (evaluated on
    the survivors only once it proves volatile) still gives the exact path's decisions."""
    from benchmarks import poolgen
    from benchmarks.bench_negotiation import to_classad

    raw_slots = poolgen.slot_ads(250, seed=7)
    machines = sorted({str(a["Machine"]) for a in raw_slots})
    slots = [to_classad(a) for a in raw_slots]
    raw = poolgen.job_ads(900, 10, seed=8)
    for i, attrs in enumerate(raw):
        if i % 3 == 0:
            attrs["Requirements"] = poolgen.Expr(
                f"({attrs['Requirements']}) && (TARGET.Machine =!= LastRemoteHost)")
            attrs["LastRemoteHost"] = machines[i % len(machines)] if i % 2 else f"gone{i}.org"
    jobs = [to_classad(a) for a in raw]
    config = NegotiatorConfig()
    stats: dict[str, float] = {}
    fast, _ = negotiate(slots, jobs, AccountantState(), config, float(poolgen.NOW), fast=True,
                        stats=stats)
    slow, _ = negotiate(slots, jobs, AccountantState(), config, float(poolgen.NOW), fast=False)
    assert fast.matches == slow.matches
    assert fast.rejected == slow.rejected
    assert fast.turns == slow.turns
    assert len(fast.matches) > 100
    assert stats["lists"] > 40
