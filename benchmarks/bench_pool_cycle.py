"""A `pool run` cycle when every cpu is claimed, against reading and negotiating the idle jobs.

Risk guarded: a full pool with a long idle queue must not pay for reading every idle job ad
each cycle (NEGOTIATOR_INTERVAL, and each submit) when no match is possible. The reference,
measured in the same run on the same queue, is what such a cycle did before: read the idle ads
(JobQueue.with_status) and negotiate them. CPU time (process_time), best of --rounds.

    python benchmarks/bench_pool_cycle.py [--jobs 5000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from classad.ad import ClassAd
from executor import ExecutorConfig
from negotiator.cycle import negotiate
from negotiator.pool.loop import IDLE, PoolLoop
from negotiator.pool.nodes import DSlot, Node
from negotiator.pool.settings import ensure_pool, load_settings
from negotiator.queue.jobqueue import JobQueue


def _cpu(action: object, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        began = time.process_time()
        action()  # type: ignore[operator]
        best = min(best, time.process_time() - began)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-cycle-") as tmp:
        base = Path(tmp)
        ensure_pool(base)
        (base / "pool.conf").write_text("POOL_EXECUTE_NODES = unix:///nonexistent.sock\n")
        with JobQueue(base / "pool.db") as queue:
            cluster = queue.next_cluster_id()
            queue.submit([ClassAd({"ClusterId": cluster, "ProcId": p, "Owner": "u", "JobStatus": 1,
                                   "RequestCpus": 1, "RequestMemory": 32, "Requirements": True})
                          for p in range(args.jobs)], time.time())
            loop = PoolLoop(load_settings(base), queue)
            node = Node("unix:///nonexistent.sock", "node1", ExecutorConfig(), alive=True)
            node.machine = {"Cpus": 4, "TotalCpus": 4, "Memory": 8192, "TotalMemory": 8192,
                            "Disk": 10**7, "Arch": "X86_64", "OpSys": "LINUX", "Start": True}
            busy = ClassAd({"Owner": "v", "ClusterId": 99, "ProcId": 0})
            for i in range(1, 5):
                node.dslots[f"slot1_{i}@node1"] = DSlot(f"slot1_{i}@node1", f"99.{i}", 1, 32, 0,
                                                         "v@x", busy, time.time())
            loop.nodes = [node]
            now = time.time()

            def before() -> None:  # the cycle's work before this change: read, then negotiate
                slots = loop.slot_ads(now)
                negotiate(slots, queue.with_status(IDLE), loop.state, loop.settings.negotiator, now)

            reference = _cpu(before, args.rounds)
            cycle = _cpu(lambda: loop._cycle(now), args.rounds)
            assert loop.counters.idle_reads == 0 and not loop.running
    print(f"load {os.getloadavg()[0]:.1f}; {args.jobs} idle jobs, 4 of 4 cpus claimed")
    print(f"reference (read + negotiate the idle ads): {reference * 1e3:9.2f} ms CPU per cycle")
    print(f"pool run cycle (nothing can match):        {cycle * 1e3:9.2f} ms CPU per cycle")
    print(f"ratio reference / cycle: {reference / max(cycle, 1e-9):.0f}x")


if __name__ == "__main__":
    main()
