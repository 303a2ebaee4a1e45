"""The pool's sums kept by the carryover equal the sums made from scratch, cycle after cycle,
and the positions it reports as moved are exactly those whose record is another object."""

from __future__ import annotations

import random

import pytest

from classad.ad import ClassAd
from negotiator import ads
from negotiator.matchmaking.carryover import Carryover
from negotiator.matchmaking.pooltotals import PoolTotals
from negotiator.matchmaking.records import build_slots
from tests.sim.conftest import config


def _slot(name: str, weight: object, user: str | None, pslot: bool) -> ClassAd:
    attrs: dict[str, object] = {"MyType": "Machine", "Name": name, "Cpus": 4, "Memory": 4096,
                                "SlotWeight": weight, "State": "Unclaimed"}
    if pslot:
        attrs["PartitionableSlot"] = True
    if user is not None:
        attrs.update({"State": "Claimed", "RemoteUser": user})
    return ads.make_ad(attrs)


def _sums(totals: PoolTotals) -> tuple[object, ...]:
    return (sorted(totals.usage.items()), sorted(totals.counts.items()), totals.idle_static,
            totals.min_weight, sorted(totals.weights.items()), totals.exact)


@pytest.mark.parametrize("weights", [[1.0, 2.0, 8.0, 0.0], [1.0, 0.5, 3.0], [1, 2.0, "=Cpus"]])
def test_kept_totals_equal_totals_from_scratch(weights: list[object]) -> None:
    rng = random.Random(7)
    cfg = config()
    carry = Carryover()
    users = [None, None, "a@x", "b@x", "c@x"]

    def fresh(i: int) -> ClassAd:
        return _slot(f"s{i}", rng.choice(weights), rng.choice(users), rng.random() < 0.2)

    pool = [fresh(i) for i in range(60)]
    for cycle in range(40):
        before = list(pool)
        if cycle:
            for i in rng.sample(range(len(pool)), rng.randint(0, 12)):
                pool[i] = fresh(i)
        records = carry.slots(pool, cfg)
        scratch = PoolTotals.of(build_slots(pool, cfg))
        assert carry.totals is not None and carry.by_index is not None
        assert _sums(carry.totals) == _sums(scratch), cycle
        assert carry.by_index == {s.index: s for s in records}
        assert list(carry.by_index) == [s.index for s in records]
        if carry.totals.exact:
            assert carry.totals.pool_weight == sum(s.weight for s in records)
        if cycle and carry.moved is not None:
            assert carry.moved == [i for i in range(len(pool)) if pool[i] is not before[i]]


def test_a_slot_without_a_record_leaves_the_sums_to_the_cycle() -> None:
    cfg = config("NEGOTIATOR_SLOT_CONSTRAINT = Cpus > 2")
    carry = Carryover()
    pool = [_slot(f"s{i}", 1.0, None, False) for i in range(4)]
    carry.slots(pool, cfg)
    assert carry.totals is None and carry.by_index is None and carry.moved is None
