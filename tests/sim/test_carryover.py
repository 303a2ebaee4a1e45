"""negotiate() with a Carryover decides exactly what it decides without one: whole simulations
compared file by file, and cycles over a changing pool compared decision by decision."""

from __future__ import annotations

from pathlib import Path

import pytest

from classad.ad import ClassAd
from negotiator import ads, cycle
from negotiator.cycle import negotiate
from negotiator.decisions import CycleResult
from negotiator.matchmaking.carryover import Carryover
from negotiator.policy.accountant import AccountantState
from negotiator.sim import pool
from negotiator.sim.engine import SimSettings, Simulation
from negotiator.sim.run import (
    Inputs,
    claim_worklife,
    load_negotiator_config,
    load_pool,
    load_workload,
    write_outputs,
)
from negotiator.sim.workload import Selection
from tests.sim.conftest import config, generated_jobs

LCG = Path("/work/shared/traces/LCG.swf.gz")
PREEMPT = """
PRIORITY_HALFLIFE = 600
NEGOTIATOR_CONSIDER_PREEMPTION = True
PREEMPTION_REQUIREMENTS = RemoteUserPrio > SubmitterUserPrio * 1.2
CLAIM_WORKLIFE = 600
"""
GROUPS = """
NEGOTIATOR_CONSIDER_PREEMPTION = True
PRIORITY_HALFLIFE = 600
"""


def _outputs(tmp: Path, name: str, inputs: Inputs, carry: bool) -> dict[str, bytes]:
    """Every output file of one run (no plots), by name."""
    inputs = inputs.with_defaults()
    cfg, raw = load_negotiator_config(inputs)
    loaded = load_workload(inputs)
    slot_ads, _ = load_pool(inputs, loaded)
    settings = SimSettings(interval=60.0, fast=True, carry=carry,
                           claim_worklife=claim_worklife(raw))
    outcome = Simulation(loaded.jobs, slot_ads, cfg, AccountantState(), settings).run()
    out = tmp / f"{name}-{carry}"
    write_outputs(outcome, cfg, out, plots=False)
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


@pytest.mark.parametrize(("name", "inputs"), [
    ("bundled-slice-groups-pslots", Inputs(selection=Selection(limit=300))),
    ("static-preemption", Inputs(machines="30x1c:static", config_text=PREEMPT,
                                 selection=Selection(limit=120, rate=10.0))),
    ("pslots-groups", Inputs(machines="12x4c8g", config_text=GROUPS,
                             selection=Selection(limit=200, rate=10.0))),
])
def test_simulation_outputs_are_byte_identical_with_and_without_carryover(
        tmp_path: Path, name: str, inputs: Inputs) -> None:
    kept = _outputs(tmp_path, name, inputs, carry=True)
    fresh = _outputs(tmp_path, name, inputs, carry=False)
    assert set(kept) == {"jobs.parquet", "timeseries.parquet", "summary.json", "userprio.txt"}
    assert kept == fresh


@pytest.mark.slow
@pytest.mark.skipif(not LCG.exists(), reason="the LCG trace is not on this machine")
def test_lcg_slice_on_1000_static_slots_is_byte_identical(tmp_path: Path) -> None:
    inputs = Inputs(trace=LCG, machines="1000x1c:static", selection=Selection(limit=1500))
    assert _outputs(tmp_path, "lcg", inputs, carry=True) == \
        _outputs(tmp_path, "lcg", inputs, carry=False)


def _slot(name: str, cpus: int, rank: str | float = 0.0, start: str = "=true") -> ClassAd:
    return ads.make_ad({"MyType": "Machine", "Name": name, "Cpus": cpus, "Memory": 4096,
                        "Disk": 10_000_000, "Start": start, "Rank": rank, "CurrentRank": 0.0,
                        "Requirements": "=START && TARGET.RequestCpus <= MY.Cpus",
                        "SlotWeight": "=Cpus", "State": "Unclaimed", "Activity": "Idle"})


def _claimed(ad: ClassAd, user: str, current: float = 0.0) -> ClassAd:
    out = ad.copy()
    out["State"], out["Activity"] = "Claimed", "Busy"
    out["RemoteUser"] = out["RemoteOwner"] = user
    out["CurrentRank"] = current
    return out


def _decisions(result: CycleResult) -> object:
    return (result.matches, result.rejected, result.turns, result.idle_slots,
            sorted((n, o.matched, o.limit, o.usage) for n, o in result.submitters.items()))


def _pools() -> list[list[ClassAd]]:
    """A pool through eight cycles: claims, releases, a slot whose Rank prefers big jobs,
    a Start expression that changes, a partitionable slot that shrinks."""
    base = [_slot(f"s{i}", 1 + i % 3) for i in range(24)]
    base.append(_slot("rank", 2, rank="=TARGET.RequestCpus"))
    pslot = ads.make_ad({"MyType": "Machine", "Name": "p1", "Cpus": 8, "Memory": 16384,
                         "Disk": 10_000_000, "PartitionableSlot": True,
                         "Requirements": "=TARGET.RequestCpus <= MY.Cpus", "Rank": 0.0,
                         "SlotWeight": "=Cpus", "State": "Unclaimed", "NumDynamicSlots": 0})
    base.append(pslot)
    pools = [list(base)]
    now = list(base)
    for step in range(1, 8):
        now = list(now)
        for i in range(step, 24, 5):
            now[i] = _claimed(base[i], f"u{i % 3}@sim") if now[i] is base[i] else base[i]
        if step == 3:
            now[24] = _claimed(base[24], "u1@sim", current=1.0)
        if step == 5:
            now[0] = _slot("s0", 1, start="=TARGET.RequestCpus < 3")
        if step == 6:
            shrunk = pslot.copy()
            shrunk["Cpus"] = 5
            now[25] = shrunk
        pools.append(now)
    return pools


def _jobs(step: int) -> list[ClassAd]:
    return [j.ad for j in generated_jobs(step, 30, users=3, max_cpus=3, max_memory=2048)]


@pytest.mark.parametrize("text", [
    "", "NEGOTIATOR_CONSIDER_PREEMPTION = False",
    "PREEMPTION_REQUIREMENTS = RemoteUserPrio > SubmitterUserPrio",
    "NEGOTIATOR_POST_JOB_RANK = Cpus * 2 - RemoteUserPrio",
])
def test_cycles_over_a_changing_pool_decide_alike(text: str) -> None:
    cfg = config(text + "\nPRIORITY_HALFLIFE = 300")
    carry = Carryover()
    kept_state = fresh_state = AccountantState()
    for step, slot_ads in enumerate(_pools()):
        jobs = _jobs(step)
        now = 1000.0 + 60 * step
        kept, kept_state = negotiate(slot_ads, jobs, kept_state, cfg, now, carry=carry)
        fresh, fresh_state = negotiate(slot_ads, jobs, fresh_state, cfg, now)
        assert _decisions(kept) == _decisions(fresh), step
        assert kept_state == fresh_state
    assert carry.stats["slot_hits"] > 0 and carry.stats["matchers"] >= 1


def test_remote_attributes_are_left_out_only_where_nothing_can_read_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With no PREEMPTION_REQUIREMENTS and no claimed slot preferring by Rank, the Remote*
    attributes cannot change a decision: the cycle with them forced on decides alike."""
    cfg = config("PRIORITY_HALFLIFE = 300")
    slot_ads = [_slot(f"s{i}", 2) for i in range(12)]
    slot_ads[:6] = [_claimed(a, f"u{i % 2}@sim") for i, a in enumerate(slot_ads[:6])]
    jobs = _jobs(1)
    jobs[0] = jobs[0].copy()
    jobs[0]["Requirements"] = ads.parse_expression("TARGET.RemoteUserPrio =?= UNDEFINED")
    state = AccountantState()
    without, _ = negotiate(slot_ads, jobs, state, cfg, 100.0)
    assert not cycle._remote_readable(
        [s for s in cycle.build_slots(slot_ads, cfg)], cycle.Policy.from_config(cfg), None)
    monkeypatch.setattr(cycle, "_remote_readable", lambda *_: True)
    forced, _ = negotiate(slot_ads, jobs, state, cfg, 100.0)
    assert _decisions(without) == _decisions(forced)
    assert without.matches  # the pool had free slots for them


def test_a_pool_of_another_shape_or_config_starts_afresh() -> None:
    cfg = config()
    carry = Carryover()
    small = pool.from_spec("4x1c:static")
    negotiate(small, _jobs(1), AccountantState(), cfg, 10.0, carry=carry)
    bigger = pool.from_spec("6x1c:static")
    kept, _ = negotiate(bigger, _jobs(1), AccountantState(), cfg, 10.0, carry=carry)
    fresh, _ = negotiate(bigger, _jobs(1), AccountantState(), cfg, 10.0)
    assert _decisions(kept) == _decisions(fresh)
    other = config("PRIORITY_HALFLIFE = 10")
    kept, _ = negotiate(bigger, _jobs(2), AccountantState(), other, 10.0, carry=carry)
    fresh, _ = negotiate(bigger, _jobs(2), AccountantState(), other, 10.0)
    assert _decisions(kept) == _decisions(fresh)
    assert carry.config is other
