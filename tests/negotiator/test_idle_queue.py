"""A kept IdleQueue decides every cycle exactly as the same ads given to negotiate() as a list."""

from __future__ import annotations

import random

import pytest

from classad import ClassAd
from negotiator import ads
from negotiator.cycle import negotiate
from negotiator.matchmaking.carryover import Carryover
from negotiator.matchmaking.idlequeue import IdleQueue
from negotiator.policy.accountant import AccountantState
from negotiator.policy.config import parse_config
from negotiator.policy.settings import build_config

CONFIGS = {
    "default": "",
    "no-preemption": "NEGOTIATOR_CONSIDER_PREEMPTION = False",
    "priority-preemption": "PREEMPTION_REQUIREMENTS = RemoteUserPrio > SubmitterUserPrio * 1.2",
    "groups": """
GROUP_NAMES = group_a, group_b, group_c
GROUP_QUOTA_DYNAMIC_group_a = 0.5
GROUP_QUOTA_DYNAMIC_group_b = 0.3
GROUP_QUOTA_DYNAMIC_group_c = 0.2
GROUP_ACCEPT_SURPLUS = True
""",
    "groups-weighted": """
GROUP_NAMES = group_a, group_b
GROUP_QUOTA_group_a = 10
GROUP_QUOTA_group_b = 6
GROUP_ACCEPT_SURPLUS_group_a = True
NEGOTIATOR_USE_WEIGHTED_DEMAND = True
NEGOTIATOR_CONSIDER_PREEMPTION = False
""",
}


def _slot(name: str, cpus: int, memory: int, partitionable: bool = False) -> ClassAd:
    attrs: dict[str, object] = {
        "MyType": "Machine", "Name": name, "Machine": name.partition("@")[2] or name,
        "Cpus": cpus, "Memory": memory, "Disk": 1_000_000, "State": "Unclaimed",
        "Requirements": "=TARGET.RequestMemory <= MY.Memory", "Rank": 0.0,
    }
    if partitionable:
        attrs.update({"PartitionableSlot": True, "SlotWeight": "=Cpus", "NumDynamicSlots": 0,
                      "Requirements": "=TARGET.RequestCpus <= MY.Cpus"
                                      " && TARGET.RequestMemory <= MY.Memory"})
    return ads.make_ad(attrs)


def _claimed(slot: ClassAd, submitter: str) -> ClassAd:
    ad = slot.copy()
    ad["State"], ad["Activity"] = "Claimed", "Busy"
    ad["RemoteUser"] = ad["RemoteOwner"] = submitter
    ad["CurrentRank"] = 0.0
    return ad


def _job(rng: random.Random, cluster: int, odd: bool) -> ClassAd:
    user = f"u{rng.randrange(5)}"
    group = f"group_{'abc'[rng.randrange(3)]}"
    attrs: dict[str, object] = {
        "MyType": "Job", "ClusterId": cluster, "ProcId": rng.randrange(3), "Owner": user,
        "User": f"{user}@sim", "AccountingGroup": f"{group}.{user}", "JobStatus": 1,
        "RequestCpus": rng.choice([1, 1, 2, 1.5]) if rng.random() < 0.2 else 1,
        # some can never match (no slot has the memory): their autocluster is rejected
        "RequestMemory": rng.choice([512, 1024, 2048, 4096, 999_999]),
        "Requirements": "=true", "Rank": 0.0,
    }
    if rng.random() < 0.3:
        attrs["JobPrio"] = rng.randrange(-2, 3)  # out of submission order in the queue
    if odd:
        attrs["JobPrio"] = "=ClusterId % 3"  # a record that reads an expression
    return ads.make_ad(attrs)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_queue_and_list_decide_alike_through_many_cycles(name: str, seed: int) -> None:
    rng = random.Random(seed * 101 + len(name))
    cfg = build_config(parse_config(CONFIGS[name] + "\nPRIORITY_HALFLIFE = 600"))
    base = [_slot(f"slot{i}@m{i}", 1 + i % 2, 1024 * (1 + i % 4)) for i in range(14)]
    base += [_slot(f"slot1@p{i}", 4, 8192, partitionable=True) for i in range(2)]
    pool = list(base)
    queue, carry = IdleQueue(), Carryover()
    state = AccountantState()
    cluster = returned = 0
    odd_at = rng.randrange(4, 10) if seed == 2 else -1
    for step in range(14):
        for _ in range(rng.randrange(0, 25)):
            cluster += 1
            queue.add(_job(rng, cluster, odd=step == odd_at and cluster % 2 == 0))
        for ad in rng.sample(queue.ads(), k=min(len(queue), rng.randrange(0, 3))):
            queue.remove(ad)  # a job removed from the queue
        now = 10_000.0 + 60 * step
        listed = queue.ads()
        kept, kept_state = negotiate(pool, queue, state, cfg, now, carry=carry)
        fresh, fresh_state = negotiate(pool, listed, state, cfg, now)
        assert repr(kept) == repr(fresh), (name, seed, step)
        assert repr(kept_state) == repr(fresh_state)
        by_id = {f"{ads.number(a, 'ClusterId', 0):.0f}.{ads.number(a, 'ProcId', 0):.0f}": a
                 for a in listed}
        names = [ads.text(a, "Name") for a in pool]
        for match in kept.matches:
            queue.remove(by_id[match.job])
            at = names.index(match.slot)
            if match.dslot is None:
                if match.preempts is not None:
                    returned += 1  # the evicted job comes back to the queue
                    queue.add(_job(rng, 1_000_000 + returned, odd=False))
                pool[at] = _claimed(base[at], match.submitter)
        for at in rng.sample(range(len(base)), k=3):  # some jobs end: their slots free again
            pool[at] = base[at]
        state = kept_state
    assert cluster > 0


def test_an_empty_queue_and_its_bookkeeping() -> None:
    queue = IdleQueue()
    cfg = build_config(parse_config(""))
    result, _ = negotiate([_slot("s1@m", 1, 1024)], queue, AccountantState(), cfg, 100.0)
    assert result.matches == () and len(queue) == 0 and queue.plain
    rng = random.Random(7)
    ad = _job(rng, 1, odd=False)
    queue.add(ad)
    with pytest.raises(ValueError):
        queue.add(ad)
    queue.remove(ad)
    assert len(queue) == 0 and queue.queues[ads.text(ad, "AccountingGroup") + "@sim"] == []
