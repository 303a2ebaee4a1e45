"""Rank values kept per slot position equal the interpreter's for every job, asked in any order,
while the slots' ads are replaced."""

from __future__ import annotations

import random

import numpy as np
import pytest

from classad import parse_expr
from classad.ad import ClassAd
from classad.purity import target_names
from negotiator import ads
from negotiator.matchmaking.columns import SlotIndex
from negotiator.matchmaking.slotranks import RankColumn
from negotiator.policy.settings import DEFAULT_POST_JOB_RANK, DEFAULT_PRE_JOB_RANK

EXPRESSIONS = [
    DEFAULT_PRE_JOB_RANK, DEFAULT_POST_JOB_RANK,
    "Cpus * 2 - RemoteUserPrio", "TARGET.RequestCpus * 10 + Memory", "MY.KFlops + Mips",
    "ifThenElse(Owner =?= \"alice\", 5, Cpus)", "Memory / (RequestMemory + 1)",
    "Alias * 3", "time() % 7", "MY.Missing =?= UNDEFINED", "Rank + CurrentRank",
    "strcat(Name, Owner) == \"slot1x\"",
]


def _slot(rng: random.Random, i: int) -> ClassAd:
    attrs: dict[str, object] = {"MyType": "Machine", "Name": f"slot{i}", "Cpus": rng.randint(1, 8),
                                "Memory": rng.choice([512, 2048, 8192]), "Rank": 0.0,
                                "CurrentRank": 0.0, "SlotID": i}
    if rng.random() < 0.5:
        attrs["RemoteOwner"] = "bob@x"
    if rng.random() < 0.5:
        attrs["KFlops"] = rng.randint(100, 5000)
    if rng.random() < 0.5:
        attrs["Alias"] = "=Cpus + RequestCpus"  # reads the job through a slot attribute
    return ads.make_ad(attrs)


def _changed(rng: random.Random, ad: ClassAd, i: int) -> ClassAd:
    """Another ad for the slot: a new one, or a copy with one attribute set or removed (one
    no expression reads, or one some may)."""
    if rng.random() < 0.3:
        return _slot(rng, i)
    out = ad.copy()
    name = rng.choice(["EnteredCurrentState", "State", "Cpus", "RemoteOwner", "KFlops", "Rank",
                       "Owner", "Missing", "Mips", "Alias"])
    if name in out and rng.random() < 0.3:
        del out[name]
    else:
        out[name] = rng.choice([1, 2, 7, "bob@x", "=Cpus + 1"])
    return out


def _job(rng: random.Random) -> ClassAd:
    attrs: dict[str, object] = {"MyType": "Job", "ClusterId": 1, "ProcId": 0,
                                "RequestCpus": rng.randint(1, 4)}
    optional = (("Owner", "alice"), ("RemoteOwner", "carol@x"), ("KFlops", 7),
                ("RequestMemory", 1000), ("Mips", 3), ("RemoteUserPrio", 2.5))
    attrs.update({name: value for name, value in optional if rng.random() < 0.4})
    return ads.make_ad(attrs)


@pytest.mark.parametrize("seed", range(4))
def test_kept_values_equal_the_interpreter(seed: int) -> None:
    rng = random.Random(seed)
    exprs = [parse_expr(text) for text in EXPRESSIONS]
    slots = [_slot(rng, i) for i in range(12)]
    index = SlotIndex(slots)
    jobs = [_job(rng) for _ in range(12)]
    columns = [RankColumn(expr, index.size) for expr in exprs]
    answered = 0
    for _ in range(3000):
        if rng.random() < 0.1:  # a slot claimed, freed or carved: another ad at its position
            p = rng.randrange(index.size)
            index.replace(p, _changed(rng, index.ads[p], p))
        column, job = rng.choice(columns), rng.choice(jobs)
        pos = np.array(sorted(rng.sample(range(index.size), rng.randint(1, index.size))))
        got = column.at(index, job, pos)
        if got is None:
            continue
        answered += 1
        want = [ads.negotiator_rank(column.expr, index.ads[p], job) for p in pos.tolist()]
        assert got.tolist() == want, (str(column.expr), str(job))
    assert answered > 300  # most jobs lack what the default ranks read


def test_a_job_with_a_name_the_slot_may_read_is_left_to_the_caller() -> None:
    expr = parse_expr(DEFAULT_PRE_JOB_RANK)
    index = SlotIndex([ads.make_ad({"Cpus": 2, "Memory": 512, "Rank": 0.0})])
    column = RankColumn(expr, 1)
    plain = ads.make_ad({"RequestCpus": 1})
    assert column.at(index, plain, np.array([0])) is not None
    owner = ads.make_ad({"RequestCpus": 1, "RemoteOwner": "x@y"})
    assert column.at(index, owner, np.array([0])) is None
    clock = RankColumn(parse_expr("time() + Cpus"), 1)
    assert clock.at(index, plain, np.array([0])) is None


def test_what_may_be_read_of_the_job() -> None:
    slot = ads.make_ad({"Cpus": 2, "Alias": "=Cpus + KFlops", "Rank": 0.0})
    assert target_names(parse_expr(DEFAULT_PRE_JOB_RANK), slot) == frozenset({"remoteowner", "memory"})
    assert target_names(parse_expr("Alias + TARGET.X + MY.Absent"), slot) == frozenset({"kflops", "x"})
    assert target_names(parse_expr("time() + Cpus"), slot) is None
    assert target_names(parse_expr(".Cpus"), slot) is None
