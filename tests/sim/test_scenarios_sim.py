"""The multi-cycle scenario files, run by the simulator's event loop, give their files' numbers."""

from __future__ import annotations

import pytest

from negotiator import ads
from negotiator.policy.accountant import AccountantState
from negotiator.policy.settings import NegotiatorConfig
from negotiator.sim.between_cycles import slot_load_factor
from negotiator.sim.engine import SimSettings, Simulation
from negotiator.sim.pool import from_spec
from negotiator.sim.scenario import Scenario, simulate_scenario
from negotiator.sim.workload import SimJob
from tests.negotiator.test_scenarios import CASES, check

MULTI = [c for c in CASES if c.kind == "negotiate" and c.cycles > 1]


def test_the_multi_cycle_scenarios_are_there() -> None:
    names = {c.name.split("[")[0][:3] for c in MULTI}
    assert {"S02", "S05", "S06", "S07"} <= names
    assert any(c.churn for c in MULTI)  # S02b: the sqrt(2):1 convergence


@pytest.mark.parametrize("scenario", MULTI, ids=[c.name for c in MULTI])
def test_scenario_through_the_simulator(scenario: Scenario) -> None:
    history = simulate_scenario(scenario)
    assert len(history) == scenario.cycles
    for row in scenario.expect:
        index = int(row.get("cycle", 1)) - 1
        check(scenario, history[: index + 1], row)


@pytest.mark.parametrize(("duration", "cadence"), [(400, 300), (600, 300), (30, 60), (100, 60)])
def test_slot_load_factor_comes_out_of_the_event_loop(duration: int, cadence: int) -> None:
    """One slot, a queue of jobs of `duration` s, a cycle every `cadence` s: the slot is busy
    D / (C * ceil(D / C)) of the time (S21's formula, measured from the simulation)."""
    jobs = []
    for n in range(12):
        ad = ads.make_ad({"MyType": "Job", "ClusterId": n + 1, "ProcId": 0, "User": "a@pool",
                          "Owner": "a", "JobStatus": 1, "RequestCpus": 1, "RequestMemory": 100,
                          "Requirements": "=true"})
        jobs.append(SimJob(n, n + 1, 0, 0.0, float(duration), ad, "a@pool", "", 1, 0))
    sim = Simulation(jobs, from_spec("1x1c:static"), NegotiatorConfig(), AccountantState(),
                     SimSettings(interval=cadence))
    outcome = sim.run()
    busy = sum(e - s for j in outcome.jobs for s, e, _ in j.runs)
    first = min(j.runs[0][0] for j in outcome.jobs)
    last = max(j.runs[0][1] for j in outcome.jobs)
    # from the first start to the start of the last job's cycle: whole periods only
    span = (last - first) + (cadence * -(-duration // cadence) - duration)
    assert busy / span == pytest.approx(slot_load_factor(duration, cadence), rel=1e-9)
