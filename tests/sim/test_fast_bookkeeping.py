"""The per-cycle bookkeeping outside negotiate() (usage accrual, the time-series recorder) gives
exactly what the straightforward computation gives: whole runs on real trace slices compared
state by state and file by file, and accrue() alone over random states."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from negotiator.decisions import CycleResult
from negotiator.policy import accountant
from negotiator.policy.accountant import MIN_PRIORITY, AccountantState, Customer, decay
from negotiator.sim import usage
from negotiator.sim.engine import SimSettings, Simulation
from negotiator.sim.record import NAN, Recorder, _finite
from negotiator.sim.run import (
    Inputs,
    claim_worklife,
    load_negotiator_config,
    load_pool,
    load_workload,
    write_outputs,
)
from negotiator.sim.workload import Selection
from tests.sim.test_carryover import PREEMPT

FACTORS = """
PRIORITY_HALFLIFE = 1800
DEFAULT_PRIO_FACTOR = 3
"""


# -- the straightforward computations -----------------------------------------------------------
def accrue_reference(state: AccountantState, changes: list[usage.Change], now: float,
                     halflife: float) -> AccountantState:
    """Every customer rebuilt through its constructor, every interval through decay()."""
    start = state.last_update if state.last_update is not None else now
    by_name: dict[str, list[tuple[float, float, int]]] = {}
    for when, name, weight, count in changes:
        by_name.setdefault(name, []).append((min(max(when, start), now), weight, count))
    customers = dict(state.customers)
    for name in sorted(set(customers) | set(by_name)):
        c = customers.get(name) or Customer(name)
        priority, used, count = c.priority, c.weighted_in_use, c.in_use
        moves = by_name.get(name, [])
        if not moves and used == 0 and priority == MIN_PRIORITY and now >= start:
            continue
        accumulated, last_use, begin = c.accumulated_usage, c.last_usage_time, c.begin_usage_time
        t = start
        for when, weight, slots in moves:
            if when > t:
                priority = decay(priority, used, when - t, halflife)
                accumulated += used * (when - t)
                if used > 0:
                    last_use = when
                t = when
            used = max(0.0, used + weight)
            count = max(0, count + slots)
            if used > 0 and begin is None:
                begin = when
            if used > 0:
                last_use = when
        if now > t or not moves:
            priority = decay(priority, used, now - t, halflife)
            accumulated += used * (now - t)
        if used > 0:
            last_use = now
        customers[name] = Customer(name, priority, c.factor, used, count, accumulated, begin,
                                   last_use, c.floor, c.ceiling)
    return replace(state.with_customers(customers), last_update=now)


class ReferenceRecorder(Recorder):
    """Each row from accountant.effective_priority and the group tree, added through Table.add."""

    def cycle(self, now: float, result: CycleResult | None, sim: Any) -> None:
        state = sim.state
        names = {n for n, c in state.customers.items() if c.weighted_in_use > 0}
        names.update(n for n, q in sim.idle_of.items() if q)
        if result is not None:
            names.update(result.submitters)
        per_group: dict[str, list[float]] = {}
        for name in sorted(names):
            customer = state.customers.get(name)
            outcome = result.submitters.get(name) if result is not None else None
            running = float(customer.in_use) if customer else 0.0
            used = customer.weighted_in_use if customer else 0.0
            idle = float(len(sim.idle_of.get(name, ())))
            group = self.group_of(sim, name)
            matched = float(outcome.matched) if outcome else 0.0
            self.submitters.add(
                {"submitter": name, "group": group},
                {"time": now, "running": running, "idle": idle, "usage": used,
                 "real_priority": customer.priority if customer else MIN_PRIORITY,
                 "effective_priority": accountant.effective_priority(name, state, sim.config),
                 "submitter_limit": _finite(outcome.limit) if outcome else NAN,
                 "submitter_share": outcome.share if outcome else NAN, "matched": matched})
            row = per_group.setdefault(group, [0.0, 0.0, 0.0, 0.0])
            for i, v in enumerate((running, idle, used, matched)):
                row[i] += v
        outcomes = result.groups if result is not None else {}
        for group in sorted(set(per_group) | set(outcomes)):
            running, idle, used, matched = per_group.get(group, [0.0, 0.0, 0.0, 0.0])
            g = outcomes.get(group)
            self.groups.add(
                {"group": group},
                {"time": now, "running": running, "idle": idle, "usage": used,
                 "quota": g.quota if g else NAN, "allocated": g.allocated if g else NAN,
                 "requested": g.requested if g else NAN, "matched": matched})
        self.pool.add({}, {"time": now, "busy_cpus": sim.pool.busy_cpus,
                           "total_cpus": self.total_cpus, "idle_jobs": float(len(sim.idle)),
                           "running_jobs": float(sim.running),
                           "matches": float(len(result.matches)) if result else 0.0,
                           "negotiated": 1.0 if result is not None else 0.0})


# -- whole runs ----------------------------------------------------------------------------------
def _exact(state: AccountantState) -> tuple[object, ...]:
    """Every figure of every record, floats by repr (so -0.0 and 0.0 differ)."""
    return (repr(state.last_update), tuple(
        (name, tuple(repr(v) for v in vars(c).values())) for name, c in state.customers.items()))


def _run(tmp: Path, inputs: Inputs, straightforward: bool, start: AccountantState,
         monkeypatch: pytest.MonkeyPatch) -> tuple[list[object], dict[str, bytes]]:
    inputs = inputs.with_defaults()
    cfg, raw = load_negotiator_config(inputs)
    loaded = load_workload(inputs)
    slot_ads, _ = load_pool(inputs, loaded)
    settings = SimSettings(interval=60.0, claim_worklife=claim_worklife(raw))
    states: list[object] = []
    sim = Simulation(loaded.jobs, slot_ads, cfg, start, settings,
                     on_cycle=lambda _result, state: states.append(_exact(state)))
    with monkeypatch.context() as patch:
        if straightforward:
            patch.setattr(usage, "accrue", accrue_reference)
            sim.recorder = ReferenceRecorder(sim.pool.total_cpus)
        outcome = sim.run()
    out = tmp / ("reference" if straightforward else "fast")
    write_outputs(outcome, cfg, out, plots=False)
    return states, {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


@pytest.mark.parametrize(("name", "inputs", "factor"), [
    # the bundled LCG slice on its pool with six groups: priorities decay to the floor and back
    ("lcg-slice-groups", Inputs(selection=Selection(limit=400)), None),
    # one-core static slots with preemption and claim reuse: weights move between cycles
    ("lcg-slice-preemption", Inputs(machines="20x1c:static", config_text=PREEMPT,
                                    selection=Selection(limit=150, rate=4.0)), None),
    # a default factor from the configuration and an admin's factor on one submitter
    ("lcg-slice-factors", Inputs(machines="6x4c8g", config_text=FACTORS,
                                 selection=Selection(limit=200, rate=3.0)), 7.5),
])
def test_runs_match_the_straightforward_bookkeeping(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, inputs: Inputs,
        factor: float | None) -> None:
    start = AccountantState()
    if factor is not None:  # the slice's busiest submitter, named as the workload names it
        jobs = load_workload(inputs.with_defaults()).jobs
        busiest = max(sorted({j.submitter for j in jobs}),
                      key=lambda n: sum(j.submitter == n for j in jobs))
        start = accountant.set_factor(start, busiest, factor)
    fast_states, fast_files = _run(tmp_path, inputs, False, start, monkeypatch)
    ref_states, ref_files = _run(tmp_path, inputs, True, start, monkeypatch)
    assert len(fast_states) > 100
    # some records decayed without use (above the floor, nothing in use): the copied path
    assert any(c[1][1] != repr(MIN_PRIORITY) and c[1][3] == repr(0.0)
               for s in ref_states for c in s[1])  # type: ignore[index]
    assert fast_states == ref_states
    assert fast_files == ref_files


# -- accrue alone --------------------------------------------------------------------------------
def _random_state(rng: random.Random, names: list[str]) -> AccountantState:
    customers = {}
    for name in rng.sample(names, rng.randrange(len(names) + 1)):  # in no particular order
        used = rng.choice([0.0, 0.0, 1.0, 2.5, 8.0])
        customers[name] = Customer(
            name, priority=rng.choice([MIN_PRIORITY, MIN_PRIORITY, 0.75, 3.0, 412.5]),
            factor=rng.choice([None, None, 2.0]), weighted_in_use=used,
            in_use=math.ceil(used), accumulated_usage=rng.choice([0.0, 10.0, 1234.5]),
            begin_usage_time=rng.choice([None, 5.0]), last_usage_time=rng.choice([None, 9.0]))
    last = rng.choice([None, 100.0, 160.0])
    return AccountantState(last, customers)


def test_accrue_matches_the_straightforward_computation_on_random_states() -> None:
    rng = random.Random(7)
    names = [f"group_{g}.u{u}@sim" for g in range(3) for u in range(5)]
    for _ in range(600):
        state = _random_state(rng, names)
        now = rng.choice([160.0, 220.0, 3700.0, 90.0])  # 90: earlier than the last update
        base = state.last_update if state.last_update is not None else now
        changes: list[usage.Change] = sorted(
            (base + rng.uniform(-30, now - base + 30), rng.choice(names),
             rng.choice([-2.5, -1.0, 1.0, 8.0]), rng.choice([-1, 1]))
            for _ in range(rng.randrange(6)))
        halflife = rng.choice([600.0, 86400.0])
        fast = usage.accrue(state, changes, now, halflife)
        assert _exact(fast) == _exact(accrue_reference(state, changes, now, halflife))
        assert list(fast.customers) == sorted(fast.customers)


def test_a_copied_record_is_the_record_its_constructor_makes() -> None:
    """accrue copies a record's fields rather than calling the constructor: both give equal
    records with the fields in the same order (the copy relies on the instance dict)."""
    old = Customer("group_a.u1@sim", 3.0, 2.0, 1.0, 1, 50.0, 1.0, 9.0, 0.5, 40.0)
    state = usage.accrue(AccountantState(0.0, {old.name: old}), [], 60.0, 600.0)
    new = state.customers[old.name]
    made = Customer(old.name, decay(3.0, 1.0, 60.0, 600.0), 2.0, 1.0, 1, 110.0, 1.0, 60.0, 0.5,
                    40.0)
    assert new == made and type(new) is Customer
    assert list(vars(new)) == list(vars(made))
    assert old.priority == 3.0  # the state it came from is left alone
