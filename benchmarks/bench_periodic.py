"""The loop's periodic pass (periodic_hold/release/remove) over a large queue.

Risk guarded: the pass runs every PERIODIC_EXPR_INTERVAL; reading every job ad each time costs
the loop CPU in proportion to the whole queue. It reads only the jobs that have one of the
expressions (the queue's `periodic` column and partial index). Reference measured in the same
run: the same pass reading every idle, running and held ad (the way it worked before).

    python -m benchmarks.bench_periodic                 # 20,000 jobs, 100 with a policy
    python -m benchmarks.bench_periodic --jobs 5000 --with-policy 50
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from classad import parse_expr
from classad.ad import ClassAd
from negotiator.pool.conclude import periodic_policy
from negotiator.queue.jobqueue import IDLE, JobQueue


class _ReadsEverything:
    """The queue as the old pass used it: `with_periodic` answered by reading every ad."""

    def __init__(self, queue: JobQueue) -> None:
        self.queue = queue

    def with_periodic(self, status: int) -> list[ClassAd]:
        return self.queue.with_status(status)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.queue, name)


def _cpu(fn: Callable[[], Any], repeat: int) -> float:
    start = time.process_time()
    for _ in range(repeat):
        fn()
    return (time.process_time() - start) / repeat


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20_000)
    parser.add_argument("--with-policy", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-periodic-"))
    try:
        with JobQueue(work / "pool.db") as queue:
            plain = queue.next_cluster_id()
            queue.submit([ClassAd({"ClusterId": plain, "ProcId": p, "Owner": "u", "JobStatus": IDLE,
                                   "Cmd": "/bin/sleep", "Args": f"60 {p}", "RequestMemory": 128})
                          for p in range(args.jobs - args.with_policy)])
            policed = queue.next_cluster_id()
            # never true: the pass evaluates them and changes nothing, so each repeat is the same
            queue.submit([ClassAd({"ClusterId": policed, "ProcId": p, "Owner": "u", "JobStatus": IDLE,
                                   "Cmd": "/bin/sleep", "PeriodicHold": parse_expr("NumJobStarts > 100"),
                                   "PeriodicRemove": parse_expr("JobStatus == 5 && false")})
                          for p in range(args.with_policy)])
            now = time.time()
            indexed = _cpu(lambda: periodic_policy(queue, set(), now), args.repeat)
            every = _cpu(lambda: periodic_policy(_ReadsEverything(queue), set(), now), args.repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"bench_periodic: {args.jobs} idle jobs, {args.with_policy} with periodic expressions; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"  reference: pass reading every ad       {every * 1000:9.1f} ms CPU")
    print(f"  pass reading the `periodic` jobs only  {indexed * 1000:9.1f} ms CPU"
          f"   ({every / max(indexed, 1e-9):.0f}x less)")


if __name__ == "__main__":
    main()
