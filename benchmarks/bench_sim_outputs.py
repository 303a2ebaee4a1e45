"""Simulation bookkeeping at the scale of the whole LCG trace: loading, per-cycle accrual and the
end-of-run outputs.

Risk guarded: the parts of a whole-trace run outside negotiate() growing with the trace (every
customer every cycle, millions of time-series rows read row by row at the end).

    python -m benchmarks.bench_sim_outputs [--submitters 40] [--cycles 25000] [--plots]

Prints CPU seconds of each step and peak RSS, with the same-run reference (the row-by-row
computation the tests compare against: tests/sim/test_fast_bookkeeping.py and
test_outputs_columns.py) and the ratio where there is one, and the machine's load.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from negotiator.matchmaking.gcpause import collector_paused
from negotiator.policy.accountant import AccountantState, Customer
from negotiator.policy.config import RawConfig
from negotiator.policy.settings import build_config
from negotiator.sim import metrics, outputs, usage, workload
from negotiator.sim.engine import Outcome
from negotiator.sim.record import Recorder
from tests.sim.test_fast_bookkeeping import accrue_reference
from tests.sim.test_outputs_columns import fairness_reference, series_reference

LCG = Path("/work/shared/traces/LCG.swf.gz")


def cpu(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.process_time()
    out = fn()
    return time.process_time() - started, out


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def accrual(customers: int, cycles: int = 500) -> dict[str, float]:
    """accrue() over `customers` records (a third at the floor, the rest decaying or in use)."""
    rng = random.Random(1)
    names = [f"group_{k % 10}.u{k}@sim" for k in range(customers)]
    records = {}
    for name in names:
        used = float(rng.choice([0, 0, 0, 1, 5, 20]))
        records[name] = Customer(name, rng.choice([0.5, 3.0, 100.0]), None, used, int(used),
                                 1000.0, 1.0, 5.0)
    out = {}
    for label, fn in (("reference", accrue_reference), ("accrue", usage.accrue)):
        state = AccountantState(0.0, dict(sorted(records.items())))
        started = time.process_time()
        for c in range(cycles):
            now = 60.0 * (c + 1)
            changes = [(now - 30 + k, names[k * 7 % customers], 1.0 if k % 2 else -1.0, 1)
                       for k in range(8)]
            state = fn(state, changes, now, 86400.0)
        out[label] = (time.process_time() - started) / cycles * 1e6
    return {"accrue_us_per_cycle": out["accrue"], "reference_us_per_cycle": out["reference"],
            "ratio": out["reference"] / out["accrue"]}


def load(trace: Path) -> list[workload.SimJob]:
    """Every job of the trace, as `negotiator simulate` loads them (collector paused)."""
    with collector_paused():
        return workload.from_swf(trace).jobs


def whole_trace_outcome(jobs: list[workload.SimJob], submitters: int, cycles: int) -> Outcome:
    """The jobs with made-up runs, a recorder of `cycles` x `submitters` rows."""
    rng = random.Random(2)
    for job in jobs:
        start = job.submit + rng.choice([0, 60, 600, 36000, 200000])
        job.runs.append((start, start + job.runtime, 1.0))
        job.end, job.slot = start + job.runtime, f"slot{job.seq % 1000}@m.sim"
    names = sorted({j.submitter for j in jobs})
    rec = Recorder(1000.0)
    for c in range(cycles):
        now = 60.0 * c
        for name in sorted(rng.sample(names, min(submitters, len(names)))):
            rec.submitters.add({"submitter": name, "group": "<none>"}, {
                "time": now, "running": 10.0, "idle": 5.0, "usage": rng.choice([0.0, 10.0]),
                "real_priority": 3.0 + c, "effective_priority": 3.0 + c,
                "submitter_limit": float("nan"), "submitter_share": rng.choice([0.1, 0.25]),
                "matched": 1.0})
        rec.groups.add({"group": "<none>"}, {
            "time": now, "running": 1.0, "idle": 1.0, "usage": 1.0, "quota": float("nan"),
            "allocated": float("nan"), "requested": float("nan"), "matched": 1.0})
        rec.pool.add({}, {"time": now, "busy_cpus": 900.0, "total_cpus": 1000.0,
                          "idle_jobs": 50000.0, "running_jobs": 900.0, "matches": 5.0,
                          "negotiated": 1.0})
    state = AccountantState(60.0 * cycles, {n: Customer(n, 5.0, None, 1.0, 1) for n in names})
    return Outcome(jobs, [], [], state, rec, 1000.0, cycles, cycles)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trace", default=str(LCG))
    parser.add_argument("--submitters", type=int, default=40, help="active per cycle")
    parser.add_argument("--cycles", type=int, default=25_000)
    parser.add_argument("--customers", type=int, default=216)
    parser.add_argument("--plots", action="store_true")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    result: dict[str, Any] = {"accrual": accrual(args.customers)}
    load_s, trace_jobs = cpu(lambda: load(Path(args.trace)))
    result["load_whole_trace_s"] = load_s
    result["rss_after_load_mb"] = rss_mb()
    outcome = whole_trace_outcome(trace_jobs, args.submitters, args.cycles)
    result["rss_with_recorder_mb"] = rss_mb()
    rec = outcome.recorder
    result["rows"] = len(rec.submitters)
    config = build_config(RawConfig())
    steps: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-sim-outputs-") as tmp:
        out = Path(tmp)
        steps["job_columns"], jobs = cpu(lambda: metrics.job_columns(outcome))
        steps["summary"], _ = cpu(lambda: metrics.summary(outcome, jobs))
        steps["jobs.parquet"], _ = cpu(lambda: outputs.write_parquet(out / "j.parquet", jobs))
        steps["timeseries.parquet"], _ = cpu(lambda: outputs.write_parquet(
            out / "t.parquet", outputs.timeseries_columns(rec)))
        steps["userprio.txt"], _ = cpu(lambda: outputs.userprio_text(outcome.state, config))
        if args.plots:
            from negotiator.sim import plots

            steps["plots"], _ = cpu(lambda: plots.draw_all(outcome, jobs, out / "plots"))
    result["outputs_s"] = steps
    result["outputs_total_s"] = sum(steps.values())
    from negotiator.sim import plots as drawing

    fair, _ = cpu(lambda: metrics.fairness(outcome))
    fair_ref, _ = cpu(lambda: fairness_reference(outcome))
    series, _ = cpu(lambda: drawing._series(rec.submitters, "submitter", "", "usage"))
    series_ref, _ = cpu(lambda: series_reference(rec.submitters, "submitter", "usage"))
    result["fairness_s"] = {"columns": fair, "row_by_row": fair_ref, "ratio": fair_ref / fair}
    result["plot_series_s"] = {"codes": series, "strings": series_ref,
                               "ratio": series_ref / series}
    result["peak_rss_mb"] = rss_mb()
    result["load_before"] = f"{load_before[0]:.1f} (1 min) on {os.cpu_count()} cores"
    result["load_after"] = f"{os.getloadavg()[0]:.1f} (1 min)"
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
