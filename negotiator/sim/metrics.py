"""The summary of a run: waits, bounded slowdown, utilisation, makespan and fair-share figures."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from negotiator.sim.engine import Outcome

BOUNDED_SLOWDOWN_TAU = 10.0
"""Run times below this (s) count as this in the bounded slowdown (Feitelson's usual 10 s)."""


def job_columns(outcome: Outcome) -> dict[str, list[Any]]:
    """One row per job: submit, start, end, wait, slowdown, slot, submitter, group, evictions."""
    cols: dict[str, list[Any]] = {k: [] for k in (
        "job", "submitter", "group", "submit", "start", "end", "run_time", "wait",
        "bounded_slowdown", "slot", "cpus", "memory", "evictions", "status")}
    rows = [(j, "done" if not math.isnan(j.end) else "idle") for j in outcome.jobs]
    rows += [(j, "unfit") for j in outcome.unfit]
    rows.sort(key=lambda r: (r[0].submit, r[0].cluster, r[0].proc))
    for job, status in rows:
        if status == "done" and job.runs:
            start = job.runs[-1][0]
        else:
            start = math.nan
        wait = start - job.submit
        cols["job"].append(job.id)
        cols["submitter"].append(job.submitter)
        cols["group"].append(job.group)
        cols["submit"].append(job.submit)
        cols["start"].append(start)
        cols["end"].append(job.end)
        cols["run_time"].append(job.runtime)
        cols["wait"].append(wait)
        cols["bounded_slowdown"].append(
            max(1.0, (wait + job.runtime) / max(job.runtime, BOUNDED_SLOWDOWN_TAU)))
        cols["slot"].append(job.slot if status == "done" else "")
        cols["cpus"].append(job.cpus)
        cols["memory"].append(job.memory)
        cols["evictions"].append(job.evictions)
        cols["status"].append(status)
    return cols


def jain(values: list[float]) -> float:
    """Jain's fairness index (sum x)^2 / (n sum x^2): 1 when all equal, 1/n when one has all."""
    xs = [v for v in values if math.isfinite(v)]
    square = sum(x * x for x in xs)
    if not xs or square == 0:
        return math.nan
    return sum(xs) ** 2 / (len(xs) * square)


def summary(outcome: Outcome, jobs: dict[str, list[Any]]) -> dict[str, Any]:
    """The summary document (summary.json)."""
    done = [i for i, s in enumerate(jobs["status"]) if s == "done"]
    wait = np.array([jobs["wait"][i] for i in done], dtype=float)
    slowdown = np.array([jobs["bounded_slowdown"][i] for i in done], dtype=float)
    runs = [r for j in outcome.jobs for r in j.runs]
    first = min((j.submit for j in outcome.jobs), default=0.0)
    last = max((r[1] for r in runs), default=first)
    makespan = last - first
    cpu_seconds = sum((j_end - j_start) * job.cpus for job in outcome.jobs
                      for j_start, j_end, _ in job.runs)
    capacity = outcome.pool_cpus * makespan
    charged = sum((e - s) * w for s, e, w in runs)
    fair = fairness(outcome)
    return {
        "jobs": len(jobs["job"]),
        "completed": len(done),
        "unfit": len(outcome.unfit),
        "never_matched": len(outcome.never_matched),
        "evictions": int(sum(j.evictions for j in outcome.jobs)),
        "set_aside": dict(sorted(outcome.skipped.items())),
        "wait_mean_s": _stat(wait, np.mean),
        "wait_median_s": _stat(wait, np.median),
        "wait_p95_s": _stat(wait, lambda a: np.percentile(a, 95)),
        "bounded_slowdown_mean": _stat(slowdown, np.mean),
        "utilisation": cpu_seconds / capacity if capacity > 0 else math.nan,
        "makespan_s": makespan,
        "charged_weighted_s": charged,
        "pool_cpus": outcome.pool_cpus,
        "cycles": outcome.cycles,
        "negotiated_cycles": outcome.negotiated,
        "stopped": outcome.stopped,
        **fair,
    }


def _stat(values: np.ndarray[Any, Any], fn: Any) -> float:
    return float(fn(values)) if values.size else math.nan


def fairness(outcome: Outcome) -> dict[str, Any]:
    """Jain's index of usage over entitlement, and the RMS deviation of group shares from quotas.

    With groups, a group's entitlement in a negotiated cycle is its quota, capped by its demand
    (running + idle weight); without groups, a submitter's is its pie share of the pool, capped
    by its demand. Summed over cycles, usage / entitlement per principal gives Jain's index.
    A group's share of the pool minus its quota's share, over cycles with demand, gives the RMS.
    """
    rec = outcome.recorder
    pool = rec.pool.numeric
    total: dict[float, float] = dict(zip(pool["time"], pool["total_cpus"], strict=True))
    g = rec.groups
    if len(g) and any(math.isfinite(q) for q in g.numeric["quota"]):
        used: dict[str, float] = {}
        owed: dict[str, float] = {}
        sq: dict[str, list[float]] = {}
        groups = [str(x) for x in g.column("group")]
        n = g.numeric
        for i, name in enumerate(groups):
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
        return {"fairness_over": "groups", "jain_usage_over_entitlement": jain(ratios),
                "rms_share_minus_quota": rms,
                "rms_share_minus_quota_mean": (sum(rms.values()) / len(rms)) if rms else math.nan}
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
    return {"fairness_over": "submitters", "jain_usage_over_entitlement": jain(ratios),
            "rms_share_minus_quota": {}, "rms_share_minus_quota_mean": math.nan}
