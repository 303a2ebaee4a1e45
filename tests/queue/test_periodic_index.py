"""The queue's `periodic` column: the periodic pass reads exactly the jobs with a policy expression."""

from __future__ import annotations

import time
from pathlib import Path

from classad import parse_expr
from classad.ad import ClassAd
from negotiator.pool.conclude import periodic_policy
from negotiator.queue.jobqueue import HELD, IDLE, REMOVED, RUNNING, JobQueue
from negotiator.queue.submit import read_submit

NAMES = ("PeriodicHold", "PeriodicRelease", "PeriodicRemove")


def _full_scan(queue: JobQueue, status: int) -> list[str]:
    """The jobs the periodic pass must see, found the old way: every ad of the status read."""
    return [f"{ad.eval('ClusterId')}.{ad.eval('ProcId')}" for ad in queue.with_status(status)
            if any(name in ad for name in NAMES)]


def _indexed(queue: JobQueue, status: int) -> list[str]:
    return [f"{ad.eval('ClusterId')}.{ad.eval('ProcId')}" for ad in queue.with_periodic(status)]


def _submit_file(queue: JobQueue, tmp_path: Path, text: str) -> int:
    """As `pool submit` does: the cluster's shared ad once and each proc's differences."""
    path = tmp_path / f"s{queue.peek_cluster_id()}.sub"
    path.write_text(text, encoding="utf-8")
    cluster = queue.next_cluster_id()
    parts = read_submit(path).expand_clusters(cluster, "alice", int(time.time()), tmp_path)
    for part in parts:
        queue.submit_cluster(part.common, part.procs)
    return cluster


def _plain(cluster: int, n: int, **extra: object) -> list[ClassAd]:
    return [ClassAd({"ClusterId": cluster, "ProcId": p, "Owner": "bob", "JobStatus": IDLE,
                     "Cmd": "/bin/true", **extra}) for p in range(n)]


def test_the_periodic_column_follows_submit_update_and_edit(tmp_path: Path) -> None:
    with JobQueue(tmp_path / "pool.db") as queue:
        queue.submit(_plain(queue.next_cluster_id(), 50))
        # proc 0 gets PeriodicRelease from the shared ad; proc 1 has none (its value is empty)
        shared = _submit_file(queue, tmp_path, "executable = /bin/true\nperiodic_release = $(R)\n"
                                               "queue a,R from (\n  x, True\n  y\n)\n")
        # an expression that differs per proc is stored in each proc's own part
        own = _submit_file(queue, tmp_path, "executable = /bin/true\n"
                                            "periodic_hold = $(Process) == 2\nqueue 3\n")
        full = queue.next_cluster_id()
        queue.submit(_plain(full, 4, PeriodicRemove=parse_expr("JobStatus == 5")))
        for status in (IDLE, RUNNING, HELD):
            assert _indexed(queue, status) == _full_scan(queue, status)
        assert _indexed(queue, IDLE) == [f"{shared}.0", f"{own}.0", f"{own}.1", f"{own}.2",
                                         *(f"{full}.{p}" for p in range(4))]
        # condor_qedit-like changes and status changes keep the column right
        queue.update("1.7", {"PeriodicHold": parse_expr("true")}, now=time.time())
        queue.update(f"{full}.1", {"PeriodicRemove": None}, now=time.time())
        queue.update(f"{own}.1", {}, status=RUNNING, now=time.time())
        queue.act("hold", f"ProcId == 3 && ClusterId == {full}", "by test", time.time())
        for status in (IDLE, RUNNING, HELD):
            assert _indexed(queue, status) == _full_scan(queue, status)
        assert "1.7" in _indexed(queue, IDLE) and f"{full}.1" not in _indexed(queue, IDLE)
        assert _indexed(queue, HELD) == [f"{full}.3"]


def test_a_queue_from_before_the_column_is_migrated(tmp_path: Path) -> None:
    with JobQueue(tmp_path / "pool.db") as queue:
        queue.submit(_plain(queue.next_cluster_id(), 5))
        queue.submit(_plain(queue.next_cluster_id(), 2, PeriodicHold=parse_expr("true")))
        queue.conn.execute("DROP INDEX jobs_periodic")
        queue.conn.execute("ALTER TABLE jobs DROP COLUMN periodic")  # the old schema
    with JobQueue(tmp_path / "pool.db") as queue:
        assert _indexed(queue, IDLE) == ["2.0", "2.1"] == _full_scan(queue, IDLE)


def test_the_periodic_pass_acts_on_the_indexed_jobs(tmp_path: Path) -> None:
    with JobQueue(tmp_path / "pool.db") as queue:
        queue.submit(_plain(queue.next_cluster_id(), 20))
        held = queue.next_cluster_id()
        queue.submit(_plain(held, 2, PeriodicHold=parse_expr("ProcId == 1")))
        gone = queue.next_cluster_id()
        queue.submit(_plain(gone, 1, PeriodicRemove=parse_expr("true")))
        assert not periodic_policy(queue, set(), time.time())
        assert queue.count_by_status() == {IDLE: 21, HELD: 1}
        assert [ad.eval("JobStatus") for ad in queue.history()] == [REMOVED]
        hold = queue.get(f"{held}.1")
        assert hold is not None and hold.eval("HoldReasonCode") == 3
        queue.update(f"{held}.1", {"PeriodicRelease": parse_expr("true")}, now=time.time())
        assert periodic_policy(queue, set(), time.time())  # released
        assert queue.count_by_status() == {IDLE: 22}
