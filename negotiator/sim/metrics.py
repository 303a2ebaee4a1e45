"""The summary of a run: waits, bounded slowdown, utilisation, makespan and fair-share figures."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from negotiator.sim.engine import Outcome
from negotiator.sim.record import Recorder, Table

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

    Computed on the recorder's columns (a whole trace has millions of rows): per-principal sums
    are np.bincount's, which adds each principal's rows in row order, as a loop would.
    """
    rec = outcome.recorder
    g = rec.groups
    if len(g) and np.isfinite(_col(g, "quota")).any():
        n = {k: _col(g, k) for k in ("quota", "usage", "idle", "time")}
        codes = _codes(g, "group")
        none = rec.names.values.index("<none>") if "<none>" in rec.names.values else -1
        demand = n["usage"] + n["idle"]
        keep = np.isfinite(n["quota"]) & (codes != none) & (demand > 0)
        size = _pool_size(rec, n["time"][keep])
        size = np.where(size == 0.0, 1.0, size)  # `or 1.0`
        quota, use, code = n["quota"][keep], n["usage"][keep], codes[keep]
        used = _sums(code, use)
        owed = _sums(code, np.minimum(quota, demand[keep]))
        deviation = (use - quota) / size
        order = np.argsort(code, kind="stable")  # each group's rows, in row order
        present, first = np.unique(code[order], return_index=True)
        bounds = [*first.tolist(), len(order)]
        rows = {c: deviation[order[bounds[i]:bounds[i + 1]]].tolist()
                for i, c in enumerate(present.tolist())}
        names = sorted((rec.names.values[c], c) for c in rows)
        ratios = [float(used[c] / owed[c]) for _, c in names if owed[c] > 0]
        # the built-in sum, as before (it is not a plain running sum on every Python)
        rms = {name: math.sqrt(sum(x * x for x in rows[c]) / len(rows[c])) for name, c in names}
        return {"fairness_over": "groups", "jain_usage_over_entitlement": jain(ratios),
                "rms_share_minus_quota": rms,
                "rms_share_minus_quota_mean": (sum(rms.values()) / len(rms)) if rms else math.nan}
    s = rec.submitters
    share = _col(s, "submitter_share")
    keep = np.isfinite(share)
    use, idle = _col(s, "usage")[keep], _col(s, "idle")[keep]
    code = _codes(s, "submitter")[keep]
    size = _pool_size(rec, _col(s, "time")[keep])
    used = _sums(code, use)
    owed = _sums(code, np.minimum(share[keep] * size, use + idle))
    names = sorted((rec.names.values[c], c) for c in np.unique(code).tolist())
    ratios = [float(used[c] / owed[c]) for _, c in names if owed[c] > 0]
    return {"fairness_over": "submitters", "jain_usage_over_entitlement": jain(ratios),
            "rms_share_minus_quota": {}, "rms_share_minus_quota_mean": math.nan}


def _col(table: Table, key: str) -> np.ndarray[Any, Any]:
    return np.frombuffer(table.numeric[key], dtype=np.float64) if len(table) else np.zeros(0)


def _codes(table: Table, key: str) -> np.ndarray[Any, Any]:
    if not len(table):
        return np.zeros(0, dtype=np.intp)
    return np.frombuffer(table.coded[key], dtype=np.int32).astype(np.intp)


def _sums(codes: np.ndarray[Any, Any], values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Per code, the sum of its values in row order (0.0 + first + second + ...)."""
    if not codes.size:
        return np.zeros(0)
    return np.bincount(codes, weights=values)


def _pool_size(rec: Recorder, times: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The pool's total cores in the cycle of each time (0.0 for a time without a pool row)."""
    ptimes, totals = _col(rec.pool, "time"), _col(rec.pool, "total_cpus")
    total: dict[float, float] = dict(zip(ptimes.tolist(), totals.tolist(), strict=True))
    if ptimes.size and bool(np.all(ptimes[1:] > ptimes[:-1])):  # one row per cycle, in order
        at = np.minimum(np.searchsorted(ptimes, times), ptimes.size - 1)
        return np.where(ptimes[at] == times, totals[at], 0.0)
    return np.array([total.get(t, 0.0) for t in times.tolist()], dtype=np.float64)
