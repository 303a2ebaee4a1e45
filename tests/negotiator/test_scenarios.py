"""Scenarios S1-S21 of the research note, run from the data files in scenarios/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from negotiator import ads
from negotiator.decisions import CycleResult
from negotiator.sim.between_cycles import slot_load_factor
from negotiator.sim.scenario import Scenario, load_scenarios, run

SCENARIO_DIR = Path(__file__).parent / "scenarios"
CASES = [case for path in sorted(SCENARIO_DIR.glob("*.toml")) for case in load_scenarios(path)]


def test_every_research_scenario_is_present() -> None:
    numbers = {p.name[1:3] for p in SCENARIO_DIR.glob("S*.toml")}
    assert numbers == {f"{n:02d}" for n in range(1, 22)}


@pytest.mark.parametrize("scenario", CASES, ids=[c.name for c in CASES])
def test_scenario(scenario: Scenario) -> None:
    if scenario.kind == "load_factor":
        for row in scenario.expect:
            got = slot_load_factor(row["duration"], row["cadence"])
            assert got == pytest.approx(row["load_factor"], abs=1e-6)
        return
    cycles = run(scenario)
    for row in scenario.expect:
        index = int(row.get("cycle", 1)) - 1
        check(scenario, cycles[: index + 1], row)


def check(scenario: Scenario, history: list[Any], row: dict[str, Any]) -> None:
    result: CycleResult = history[-1][0]
    state = history[-1][1]
    for name, want in row.get("matched", {}).items():
        assert result.matched(name) == want, f"{name}: {result.matched(name)} != {want}"
    for name, (low, high) in row.get("matched_between", {}).items():
        assert low <= result.matched(name) <= high, name
    if "total_matched" in row:
        assert len(result.matches) == row["total_matched"]
    if "idle_slots" in row:
        assert result.idle_slots == row["idle_slots"]
    if "cumulative_sorted" in row:
        totals: dict[str, int] = {}
        for past, _ in history:
            for m in past.matches:
                totals[m.submitter] = totals.get(m.submitter, 0) + 1
        assert sorted(totals.values(), reverse=True) == row["cumulative_sorted"]
    for name, want in row.get("limit", {}).items():
        assert result.submitters[name].limit == pytest.approx(want, rel=1e-9)
    for name, want in row.get("share", {}).items():
        assert result.submitters[name].share == pytest.approx(want, abs=1e-6)
    for name, want in row.get("effective_priority", {}).items():
        assert result.submitters[name].effective_priority == pytest.approx(want, rel=1e-9)
    for name, want in row.get("priority", {}).items():
        assert state.customer(name).priority == pytest.approx(want, rel=1e-9)
    if "eup_ratio" in row:
        a, b, want = row["eup_ratio"]
        ratio = result.submitters[a].effective_priority / result.submitters[b].effective_priority
        assert ratio == pytest.approx(want, rel=1e-9)
    if "priority_ratio" in row:
        a, b, want, tolerance = row["priority_ratio"]
        assert state.customer(a).priority / state.customer(b).priority == pytest.approx(
            want, abs=tolerance
        )
    if "match_order" in row:
        assert [m.slot for m in result.matches] == row["match_order"]
    if "first_matches" in row:
        seen: list[str] = []
        for m in result.matches:
            if m.submitter not in seen:
                seen.append(m.submitter)
        assert seen[: len(row["first_matches"])] == row["first_matches"]
    for job, slot in row.get("slot_of", {}).items():
        assert {m.job: m.slot for m in result.matches}.get(job) == slot
    if "rejected" in row:
        assert list(result.rejected) == row["rejected"]
    for slot_name, want in row.get("pre_job_rank", {}).items():
        slot = next(s for s in scenario.slots if ads.text(s, "Name") == slot_name)
        expr = ads.parse_expression(scenario.config.pre_job_rank or "0")
        assert ads.negotiator_rank(expr, slot, scenario.jobs[0]) == pytest.approx(want)
