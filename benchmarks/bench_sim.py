"""Simulation speed: a whole real trace through time, and a sweep on Dask against one process.

Risk guarded: a simulation too slow to run a real trace (every cycle is the real negotiate()),
and a sweep that gains nothing from its cluster.

    python -m benchmarks.bench_sim trace [--jobs N] [--machines 1000x1c:static] [--interval 60]
    python -m benchmarks.bench_sim sweep [--runs 16] [--workers 2] [--limit 1500]

`trace` prints wall seconds, peak RSS and simulated days per wall-clock hour, beside the 17
simulated days per hour published for the Slurm simulator (Simakov et al., PMBS 2017, a
reference figure, not measured here). `sweep` runs the same grid in one process and on a
LocalCluster, checks the summaries are equal, and prints the ratio and the machine's load.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from negotiator.sim import sweep as sweeps
from negotiator.sim.run import Inputs, simulate
from negotiator.sim.workload import Selection

LCG = Path("/work/shared/traces/LCG.swf.gz")
SLURM_SIM_DAYS_PER_HOUR = 17.0


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def bench_trace(args: argparse.Namespace) -> dict[str, object]:
    inputs = Inputs(trace=Path(args.trace), machines=args.machines, interval=args.interval,
                    config=Path(args.config) if args.config else None,
                    selection=Selection(limit=args.jobs))
    before = load()
    started, cpu = time.perf_counter(), time.process_time()
    outcome, _ = simulate(inputs)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    first = min(j.submit for j in outcome.jobs)
    last = max(r[1] for j in outcome.jobs for r in j.runs)
    days = (last - first) / 86400
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rate = days / (wall / 3600)
    return {"jobs": len(outcome.jobs), "unfit": len(outcome.unfit), "simulated_days": days,
            "cycles": outcome.cycles, "negotiated_cycles": outcome.negotiated,
            "wall_s": wall, "cpu_s": cpu, "peak_rss_mb": rss_mb,
            "simulated_days_per_hour": rate,
            "vs_slurm_simulator_17": rate / SLURM_SIM_DAYS_PER_HOUR,
            "load_before": before, "load_after": load()}


def sweep_grid(runs: int, limit: int) -> list[sweeps.Run]:
    """`runs` variations of the bundled slice: half-lives x pool sizes x arrival rates."""
    halflives = [600, 3600, 21600, 86400]
    pools = ["10x8c16g", "15x8c16g", "20x8c16g", "30x8c16g"]
    rates = [1.0, 1.5]
    out = []
    base = Inputs(selection=Selection(limit=limit)).with_defaults()
    for n in range(runs):
        h, m, r = halflives[n % 4], pools[(n // 4) % 4], rates[(n // 16) % 2]
        inputs = Inputs(trace=base.trace, machines=m, config=base.config,
                        config_text=f"PRIORITY_HALFLIFE = {h}",
                        selection=Selection(limit=limit, rate=r))
        out.append(sweeps.Run(f"PRIORITY_HALFLIFE={h} machines={m} rate={r}", {}, inputs))
    return out


def bench_sweep(args: argparse.Namespace) -> dict[str, object]:
    runs = sweep_grid(args.runs, args.limit)
    before = load()
    started = time.perf_counter()
    serial = sweeps.run_serial(runs, None)
    serial_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="bench-sim-") as _:
        started = time.perf_counter()
        parallel = sweeps.run_on_dask(runs, None, args.scheduler, args.workers)
        dask_s = time.perf_counter() - started
    same = json.dumps(serial, sort_keys=True, default=str) == json.dumps(
        parallel, sort_keys=True, default=str)
    return {"runs": len(runs), "workers": args.workers, "one_process_s": serial_s,
            "dask_s": dask_s, "speedup": serial_s / dask_s, "same_summaries": same,
            "load_before": before, "load_after": load()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    trace = sub.add_parser("trace")
    trace.add_argument("--trace", default=str(LCG))
    trace.add_argument("--jobs", type=int, default=None, help="only the first N jobs")
    trace.add_argument("--machines", default="1000x1c:static")
    trace.add_argument("--interval", type=float, default=60.0)
    trace.add_argument("--config", default=None)
    swp = sub.add_parser("sweep")
    swp.add_argument("--runs", type=int, default=16)
    swp.add_argument("--workers", type=int, default=2)
    swp.add_argument("--limit", type=int, default=1500)
    swp.add_argument("--scheduler", default=None)
    args = parser.parse_args(argv)
    result = bench_trace(args) if args.what == "trace" else bench_sweep(args)
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
