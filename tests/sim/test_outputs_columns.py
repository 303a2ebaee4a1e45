"""The summary's fairness figures and the plots' series, computed on the recorder's columns,
are exactly those of the row-by-row computation: on real runs and on a large random table."""

from __future__ import annotations

import json
import math
import random
from typing import Any

import numpy as np
import pytest

from negotiator.policy.accountant import AccountantState
from negotiator.sim import metrics, plots
from negotiator.sim.engine import Outcome
from negotiator.sim.record import Recorder, Table
from negotiator.sim.run import Inputs, simulate
from negotiator.sim.workload import Selection

NAN = math.nan


# -- the row-by-row computations -----------------------------------------------------------------
def fairness_reference(outcome: Outcome) -> dict[str, Any]:
    rec = outcome.recorder
    pool = rec.pool.numeric
    total: dict[float, float] = dict(zip(pool["time"], pool["total_cpus"], strict=True))
    g = rec.groups
    if len(g) and any(math.isfinite(q) for q in g.numeric["quota"]):
        used: dict[str, float] = {}
        owed: dict[str, float] = {}
        sq: dict[str, list[float]] = {}
        n = g.numeric
        for i, name in enumerate(str(x) for x in g.column("group")):
            quota = n["quota"][i]
            if not math.isfinite(quota) or name == "<none>":
                continue
            demand = n["usage"][i] + n["idle"][i]
            if demand <= 0:
                continue
            used[name] = used.get(name, 0.0) + n["usage"][i]
            owed[name] = owed.get(name, 0.0) + min(quota, demand)
            size = total.get(n["time"][i], 0.0) or 1.0
            sq.setdefault(name, []).append((n["usage"][i] - quota) / size)
        ratios = [used[k] / owed[k] for k in sorted(used) if owed[k] > 0]
        rms = {k: math.sqrt(sum(x * x for x in v) / len(v)) for k, v in sorted(sq.items())}
        return {"fairness_over": "groups", "jain_usage_over_entitlement": metrics.jain(ratios),
                "rms_share_minus_quota": rms,
                "rms_share_minus_quota_mean": (sum(rms.values()) / len(rms)) if rms else NAN}
    s = rec.submitters
    n = s.numeric
    used, owed = {}, {}
    for i, name in enumerate(str(x) for x in s.column("submitter")):
        share = n["submitter_share"][i]
        if not math.isfinite(share):
            continue
        demand = n["usage"][i] + n["idle"][i]
        size = total.get(n["time"][i], 0.0)
        used[name] = used.get(name, 0.0) + n["usage"][i]
        owed[name] = owed.get(name, 0.0) + min(share * size, demand)
    ratios = [used[k] / owed[k] for k in sorted(used) if owed[k] > 0]
    return {"fairness_over": "submitters", "jain_usage_over_entitlement": metrics.jain(ratios),
            "rms_share_minus_quota": {}, "rms_share_minus_quota_mean": NAN}


def series_reference(table: Table, key: str, value: str) -> dict[str, tuple[Any, Any]]:
    labels = np.asarray(table.column(key))
    times = np.asarray(table.numeric["time"])
    values = np.asarray(table.numeric[value])
    return {label: (times[labels == label], values[labels == label])
            for label in sorted(set(labels.tolist()))}


def _same(mine: dict[str, Any], theirs: dict[str, Any]) -> bool:
    """Equal to the last bit (JSON of repr'd floats; NaN equal to NaN)."""
    return json.dumps(mine, default=repr, sort_keys=True) == json.dumps(
        theirs, default=repr, sort_keys=True)


def _same_series(table: Table, key: str, value: str) -> None:
    mine = plots._series(table, key, key, value)
    theirs = series_reference(table, key, value)
    assert list(mine) == list(theirs)
    for label, (t, v) in theirs.items():
        assert np.array_equal(mine[label][0], t) and np.array_equal(mine[label][1], v,
                                                                    equal_nan=True)


# -- real runs -----------------------------------------------------------------------------------
@pytest.mark.parametrize("inputs", [
    Inputs(selection=Selection(limit=500)),  # the bundled LCG slice, six groups with quotas
    Inputs(machines="8x4c8g", selection=Selection(limit=300, rate=3.0),
           config_text="PRIORITY_HALFLIFE = 900"),  # no groups: fairness over submitters
], ids=["groups", "submitters"])
def test_real_runs_match_the_row_by_row_figures(inputs: Inputs) -> None:
    outcome, _ = simulate(inputs)
    assert _same(metrics.fairness(outcome), fairness_reference(outcome))
    rec = outcome.recorder
    _same_series(rec.submitters, "submitter", "effective_priority")
    _same_series(rec.submitters, "submitter", "usage")
    _same_series(rec.groups, "group", "usage")
    _same_series(rec.groups, "group", "quota")


# -- a large random table ------------------------------------------------------------------------
def _random_outcome(seed: int, groups: bool, pool_in_order: bool) -> Outcome:
    rng = random.Random(seed)
    rec = Recorder(64.0)
    names = [f"group_{rng.randrange(4)}.u{k}@sim" for k in range(40)]
    group_names = ["<none>", "group_0", "group_1", "group_2", "group_3"]
    cycles = list(range(2000))
    pool_cycles = [c for c in cycles if rng.random() > 0.05]  # some times have no pool row
    if not pool_in_order:
        rng.shuffle(pool_cycles)
    for c in pool_cycles:
        rec.pool.add({}, {"time": 60.0 * c, "busy_cpus": 1.0, "total_cpus": rng.choice(
            [64.0, 64.0, 0.0, 48.5]), "idle_jobs": 1.0, "running_jobs": 1.0, "matches": 0.0,
            "negotiated": 1.0})
    for c in cycles:
        for name in sorted(rng.sample(names, rng.randrange(12))):
            rec.submitters.add({"submitter": name, "group": name.split(".")[0]}, {
                "time": 60.0 * c, "running": float(rng.randrange(5)),
                "idle": float(rng.choice([0, 0, 3, 40])), "usage": rng.choice([0.0, 1.5, 7.0]),
                "real_priority": rng.uniform(0.5, 9), "effective_priority": rng.uniform(0.5, 90),
                "submitter_limit": rng.choice([NAN, 3.0]),
                "submitter_share": rng.choice([NAN, 0.0, 0.1, 1 / 3]),
                "matched": float(rng.randrange(3))})
        for group in group_names:
            rec.groups.add({"group": group}, {
                "time": 60.0 * c, "running": 1.0, "idle": rng.choice([0.0, 0.0, 2.0]),
                "usage": rng.choice([0.0, 3.0, 10.1]),
                "quota": rng.choice([NAN, 5.0, 16.4]) if groups else NAN,
                "allocated": NAN, "requested": NAN, "matched": 0.0})
    return Outcome([], [], [], AccountantState(), rec, 64.0)


@pytest.mark.parametrize("groups", [True, False])
@pytest.mark.parametrize("pool_in_order", [True, False])
def test_a_large_random_table_matches_the_row_by_row_figures(groups: bool,
                                                            pool_in_order: bool) -> None:
    outcome = _random_outcome(3, groups, pool_in_order)
    assert len(outcome.recorder.submitters) > 10_000
    mine, theirs = metrics.fairness(outcome), fairness_reference(outcome)
    assert mine["fairness_over"] == ("groups" if groups else "submitters")
    assert _same(mine, theirs)
    _same_series(outcome.recorder.submitters, "submitter", "effective_priority")
    _same_series(outcome.recorder.groups, "group", "quota")


def test_an_empty_recorder() -> None:
    outcome = Outcome([], [], [], AccountantState(), Recorder(0.0), 0.0)
    assert _same(metrics.fairness(outcome), fairness_reference(outcome))
    assert plots._series(outcome.recorder.submitters, "submitter", "", "usage") == {}
