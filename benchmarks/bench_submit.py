"""Risk guarded: `pool submit` of a 100,000-proc cluster must take seconds, not minutes.

Times SubmitFile.expand for `queue 100000` (per-proc output/error/arguments, the usual
shape) and for `queue x from <file>` with 100,000 item lines, and prints procs/s and the
ratio against a reference measured in the same run: copying one ClassAd of the same size
and setting its ProcId 100,000 times (the least any per-proc ad costs).

    .venv/bin/python -m benchmarks.bench_submit [--procs N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import classad
from negotiator.queue.submit import read_submit

PER_PROC = """\
universe       = vanilla
executable     = /bin/echo
arguments      = hello $(Process)
output         = out/$(Cluster).$(Process).out
error          = out/$(Cluster).$(Process).err
log            = run.log
request_cpus   = 1
request_memory = 1G
request_disk   = 100M
+ProjectName   = "bench"
queue {procs}
"""

FROM_FILE = """\
universe       = docker
docker_image   = python:3.12-slim
executable     = /usr/local/bin/python3
arguments      = "-c 'print($(x))' $(y)"
output         = out/$(x).out
request_memory = 512M
queue x, y from items.txt
"""


def _time(fn: object, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procs", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n = args.procs
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / "items.txt").write_text("".join(f"{i} arg{i}\n" for i in range(n)))
        cases = {
            f"queue {n} (per-proc output)": read_submit(None, PER_PROC.format(procs=n),
                                                        submit_dir=d),
            f"queue x,y from file ({n} lines)": read_submit(None, FROM_FILE, submit_dir=d),
        }
        first = next(iter(cases.values())).expand(1, "alice", 1_700_000_000, d, env={})[0]

        def reference() -> None:
            for proc in range(n):
                ad = first.copy()
                ad["ProcId"] = proc

        ref = _time(reference, args.repeat)
        print(f"reference (copy a {len(first)}-attribute ad + set ProcId) x {n}: "
              f"{ref:.3f} s  {n / ref:,.0f} procs/s")
        for label, sf in cases.items():
            def run(sf: object = sf) -> None:
                ads = sf.expand(7, "alice", 1_700_000_000, d, env={})  # type: ignore[attr-defined]
                assert len(ads) == n

            dt = _time(run, args.repeat)
            print(f"{label}: {dt:.3f} s  {n / dt:,.0f} procs/s  {dt / ref:.1f}x reference")
        t0 = time.perf_counter()
        read_submit(None, FROM_FILE, submit_dir=d)
        print(f"read_submit with {n} item lines: {time.perf_counter() - t0:.3f} s")
    _ = classad


if __name__ == "__main__":
    main()
