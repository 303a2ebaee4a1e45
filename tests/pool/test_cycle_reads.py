"""`pool run`'s cycle reads the idle job ads only when a match is possible (a free cpu, or claims
preemption may take); otherwise an index count is all it reads. Real loop, queue and negotiator;
the node's resources are set by hand, so no engine is needed (nothing is started)."""

from __future__ import annotations

import time
from pathlib import Path

from classad.ad import ClassAd
from executor import ExecutorConfig
from negotiator.pool.loop import PoolLoop
from negotiator.pool.nodes import DSlot, Node
from negotiator.pool.settings import ensure_pool, load_settings
from negotiator.queue.jobqueue import JobQueue

JOBS = 300


def _loop(tmp_path: Path, queue: JobQueue, extra: str = "") -> PoolLoop:
    ensure_pool(tmp_path)
    (tmp_path / "pool.conf").write_text("POOL_EXECUTE_NODES = unix:///nonexistent.sock\n" + extra)
    loop = PoolLoop(load_settings(tmp_path), queue)
    node = Node("unix:///nonexistent.sock", "node1", ExecutorConfig(), alive=True)
    node.machine = {"Cpus": 2, "TotalCpus": 2, "Memory": 4096, "TotalMemory": 4096, "Disk": 10**7,
                    "Arch": "X86_64", "OpSys": "LINUX", "Start": True, "Rank": 0.0}
    loop.nodes = [node]
    return loop


def _submit(queue: JobQueue) -> None:
    cluster = queue.next_cluster_id()
    # Requirements false: the negotiator considers every job and matches none (nothing starts)
    queue.submit([ClassAd({"ClusterId": cluster, "ProcId": p, "Owner": "u", "JobStatus": 1,
                           "Requirements": False, "RequestCpus": 1, "RequestMemory": 32})
                  for p in range(JOBS)], time.time())


def _ad_reads(queue: JobQueue, action: object) -> int:
    """How many statements read job ads (the `ad` column of jobs) while `action` runs."""
    seen: list[str] = []
    queue.conn.set_trace_callback(seen.append)
    try:
        action()  # type: ignore[operator]
    finally:
        queue.conn.set_trace_callback(None)
    return sum(1 for sql in seen if "ad FROM jobs" in sql)


def test_a_full_pool_cycles_without_reading_idle_ads(tmp_path: Path) -> None:
    with JobQueue(tmp_path / "pool.db") as queue:
        _submit(queue)
        loop = _loop(tmp_path, queue)
        node = loop.nodes[0]
        busy = ClassAd({"Owner": "v", "ClusterId": 99, "ProcId": 0})
        for i in (1, 2):  # both cpus claimed by dynamic slots
            node.dslots[f"slot1_{i}@node1"] = DSlot(f"slot1_{i}@node1", f"99.{i}", 1, 32, 0, "v@x",
                                                     busy, time.time())
        now = time.time()
        assert _ad_reads(queue, lambda: loop._cycle(now)) == 0
        assert loop.counters.cycles == 1 and loop.counters.idle_reads == 0

        node.dslots.pop("slot1_2@node1")  # a cpu comes free: the next cycle reads the idle ads
        assert _ad_reads(queue, lambda: loop._cycle(now + 1)) >= 1
        assert loop.counters.idle_reads == 1
        assert sum(len(q) for q in loop.idle_by_submitter.values()) == JOBS  # none matched
        assert not loop.running


def test_preemption_makes_a_full_pool_read_the_idle_ads(tmp_path: Path) -> None:
    with JobQueue(tmp_path / "pool.db") as queue:
        _submit(queue)
        loop = _loop(tmp_path, queue, "PREEMPTION_REQUIREMENTS = True\n")
        node = loop.nodes[0]
        busy = ClassAd({"Owner": "v", "ClusterId": 99, "ProcId": 0})
        node.dslots["slot1_1@node1"] = DSlot("slot1_1@node1", "99.1", 2, 32, 0, "v@x", busy, time.time())
        assert _ad_reads(queue, lambda: loop._cycle(time.time())) >= 1


def test_no_idle_jobs_no_ad_reads(tmp_path: Path) -> None:
    with JobQueue(tmp_path / "pool.db") as queue:
        loop = _loop(tmp_path, queue)
        assert _ad_reads(queue, lambda: loop._cycle(time.time())) == 0
        assert loop.counters.cycles == 1  # the accountant's cycle still runs
