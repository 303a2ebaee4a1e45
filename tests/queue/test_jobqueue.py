"""The job queue store against real SQLite: round trips, state changes, history, many processes."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from classad import ClassAd, parse_ad, parse_expr
from negotiator.queue import adcodec
from negotiator.queue.jobqueue import (
    COMPLETED,
    HELD,
    IDLE,
    REMOVED,
    RUNNING,
    JobQueue,
    QueueError,
    Selection,
)

REQ = 'TARGET.Memory >= RequestMemory && TARGET.Arch == "X86_64"'


def cluster_ads(cluster: int, n: int, owner: str = "alice", **extra: object) -> list[ClassAd]:
    req = parse_expr(REQ)
    ads = []
    for proc in range(n):
        ad = ClassAd({"ClusterId": cluster, "ProcId": proc, "Owner": owner, "JobStatus": IDLE,
                      "Cmd": "/bin/sleep", "Args": f"10 {proc}", "RequestMemory": 128,
                      "QDate": 1_700_000_000, **extra})
        ad["Requirements"] = req
        ads.append(ad)
    return ads


@pytest.fixture
def queue(tmp_path: Path) -> JobQueue:
    q = JobQueue(tmp_path / "pool.db")
    yield q
    q.close()


def test_wal_mode_and_busy_timeout(queue: JobQueue) -> None:
    conn = sqlite3.connect(queue.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert queue.conn.execute("PRAGMA busy_timeout").fetchone()[0] > 0


def test_submitted_ads_come_back_attribute_for_attribute(queue: JobQueue) -> None:
    cluster = queue.next_cluster_id()
    ads = cluster_ads(cluster, 5)
    ads[3]["Extra"] = parse_expr("{1, 2.5, \"x\\\"y\"}")
    del ads[1]["RequestMemory"]  # ads shaped unlike the first take the name-by-name path
    assert queue.submit(ads) == cluster
    assert "RequestMemory" not in queue.get(f"{cluster}.1")  # type: ignore[operator]
    for original in ads:
        back = queue.get(f"{cluster}.{original.eval('ProcId')}")
        assert back is not None
        for name in original:
            assert back.lookup(name) == original[name], name
        assert back.eval("NumJobStarts") == 0 and back.eval("EnteredCurrentStatus") == 1_700_000_000
    assert "Extra" not in queue.get(f"{cluster}.0")  # type: ignore[operator]


def test_shared_attributes_are_stored_once(queue: JobQueue) -> None:
    cluster = queue.next_cluster_id()
    queue.submit(cluster_ads(cluster, 50))
    rows = queue.conn.execute("SELECT ad FROM jobs").fetchall()
    # only the per-proc Args differs; Cmd, Requirements, ... live in the cluster row
    assert all("Requirements" not in text and "Cmd" not in text for (text,) in rows)
    common = queue.conn.execute("SELECT common FROM clusters").fetchone()[0]
    assert "Requirements" in common


def test_codec_round_trips_every_kind_of_value() -> None:
    text = ('[ i = 3; r = 0.1; big = 1e300; s = "a\\"b\\\\c\\n"; b = true; u = undefined; '
            'e = error; t = absTime("2024-01-02T03:04:05Z"); d = relTime("1+02:03:04"); '
            'l = {1, "x", {}}; rec = [a = 1; b = x + 1]; x = MY.a * TARGET.b ?: 7; '
            'neg = -5; nan = real("NaN") ]')
    ad = parse_ad(text)
    back = adcodec.decode(adcodec.encode(ad))
    assert [n for n in back] == [n for n in ad]
    for name in ad:
        assert str(back.eval(name)) == str(ad.eval(name)), name


def test_cluster_ids_are_reserved_and_never_reused(queue: JobQueue) -> None:
    first = queue.next_cluster_id()
    queue.submit(cluster_ads(first, 1))
    assert queue.next_cluster_id() == first + 1
    assert queue.peek_cluster_id() == first + 2


def test_bad_submissions_are_refused(queue: JobQueue) -> None:
    with pytest.raises(QueueError):
        queue.submit([])
    ads = cluster_ads(queue.next_cluster_id(), 2)
    ads[1]["ProcId"] = 0
    with pytest.raises(QueueError):
        queue.submit(ads)
    with pytest.raises(QueueError):
        queue.get("1.x")


def test_update_is_a_compare_and_set_and_stamps_status_changes(queue: JobQueue) -> None:
    c = queue.next_cluster_id()
    queue.submit(cluster_ads(c, 2))
    assert queue.update(f"{c}.0", {"RemoteHost": "slot1@node", "NumJobStarts": 1},
                        status=RUNNING, expect_status=IDLE, now=2000)
    assert not queue.update(f"{c}.0", {"RemoteHost": "other"}, status=RUNNING,
                            expect_status=IDLE, now=2001)
    ad = queue.get(f"{c}.0")
    assert ad is not None
    assert (ad.eval("JobStatus"), ad.eval("LastJobStatus"), ad.eval("EnteredCurrentStatus"),
            ad.eval("RemoteHost")) == (RUNNING, IDLE, 2000, "slot1@node")
    assert not queue.update("99.0", {"X": 1}, now=1)
    assert queue.count_by_status() == {IDLE: 1, RUNNING: 1}
    assert queue.any_with_status(RUNNING) and not queue.any_with_status(HELD)


def test_hold_release_remove_follow_condor_rules(queue: JobQueue) -> None:
    c = queue.next_cluster_id()
    queue.submit(cluster_ads(c, 3))
    queue.update(f"{c}.2", {}, status=RUNNING, now=10)
    assert queue.act("hold", f"ClusterId == {c} && ProcId == 0", "disk full", now=20,
                     subcode=7) == [f"{c}.0"]
    held = queue.get(f"{c}.0")
    assert held is not None
    assert (held.eval("JobStatus"), held.eval("HoldReason"), held.eval("HoldReasonCode"),
            held.eval("HoldReasonSubCode"), held.eval("NumHolds")) == (HELD, "disk full", 1, 7, 1)
    # release only touches held jobs; the hold reason moves to LastHoldReason
    assert queue.act("release", "true", "fixed", now=30) == [f"{c}.0"]
    released = queue.get(f"{c}.0")
    assert released is not None
    assert released.eval("JobStatus") == IDLE and "HoldReason" not in released
    assert (released.eval("LastHoldReason"), released.eval("LastHoldReasonCode"),
            released.eval("ReleaseReason")) == ("disk full", 1, "fixed")
    # remove: idle jobs go to the history at once, the running one waits for finish()
    assert queue.act("remove", "true", "not needed", now=40) == [f"{c}.0", f"{c}.1", f"{c}.2"]
    assert queue.count_by_status() == {REMOVED: 1}
    assert [a.eval("ProcId") for a in queue.history()] == [1, 0]
    queue.finish(f"{c}.2", {"ExitCode": 143}, status=REMOVED, now=50)
    queue.finish(f"{c}.2", {"ExitCode": 143}, status=REMOVED, now=51)  # idempotent
    assert queue.total_jobs() == 0
    last = queue.history(limit=1)[0]
    assert (last.eval("ProcId"), last.eval("JobStatus"), last.eval("RemoveReason"),
            last.eval("LastJobStatus")) == (2, REMOVED, "not needed", RUNNING)


def test_finish_completed_sets_completion_date_and_history_filters(queue: JobQueue) -> None:
    c = queue.next_cluster_id()
    queue.submit(cluster_ads(c, 3))
    for proc in range(3):
        queue.update(f"{c}.{proc}", {"JobCurrentStartDate": 100}, status=RUNNING, now=100)
        queue.finish(f"{c}.{proc}", {"ExitCode": proc, "RemoteWallClockTime": 5.0},
                     status=COMPLETED, now=200 + proc)
    hist = queue.history()
    assert [a.eval("ProcId") for a in hist] == [2, 1, 0]
    assert all(a.eval("CompletionDate") == 200 + a.eval("ProcId") for a in hist)
    assert [a.eval("ExitCode") for a in queue.history(constraint="ExitCode > 0")] == [2, 1]
    assert len(queue.history(limit=2)) == 2
    with pytest.raises(QueueError):
        queue.finish(f"{c}.0", {}, status=HELD, now=1)


def test_selection_and_projection(queue: JobQueue) -> None:
    a, b = queue.next_cluster_id(), queue.next_cluster_id()
    queue.submit(cluster_ads(a, 2, "alice"))
    queue.submit(cluster_ads(b, 3, "bob"))
    assert len(queue.select(Selection(owners=("bob",)))) == 3
    assert len(queue.select(Selection(ids=((a, 1), (b, None))))) == 4
    got = queue.query("ProcId == 1", ["Owner", "ProcId"])
    assert [(x.eval("Owner"), x.eval("ProcId"), len(x)) for x in got] == [
        ("alice", 1, 2), ("bob", 1, 2)]
    assert queue.count_by_status(Selection(owners=("alice",))) == {IDLE: 2}
    rows = queue.batches()
    assert [(r.cluster, r.owner, r.count, r.min_proc, r.max_proc, r.procs) for r in rows] == [
        (a, "alice", 2, 0, 1, 2), (b, "bob", 3, 0, 2, 3)]


def test_slots_are_replaced_as_a_whole(queue: JobQueue) -> None:
    queue.publish_slots([parse_ad('[Name = "slot1@a"; Memory = 1024]'),
                         parse_ad('[Name = "slot2@a"; Memory = 2048; Requirements = START]')], 1)
    assert [s.eval("Memory") for s in queue.slots()] == [1024, 2048]
    queue.publish_slots([parse_ad('[Name = "slot9@b"; Memory = 1]')], 2)
    assert [s.eval("Name") for s in queue.slots()] == ["slot9@b"]


def _worker(path: str, worker: int, rounds: int) -> None:
    q = JobQueue(Path(path), timeout=120)
    for r in range(rounds):
        c = q.next_cluster_id()
        q.submit(cluster_ads(c, 5, owner=f"user{worker}"))
        q.update(f"{c}.0", {"RemoteHost": f"w{worker}"}, status=RUNNING, expect_status=IDLE,
                 now=r)
        q.act("hold", f"ClusterId == {c} && ProcId == 1", "w", now=r)
        q.finish(f"{c}.0", {"ExitCode": 0}, status=COMPLETED, now=r)
        q.count_by_status()
    q.close()


def test_concurrent_processes_share_the_queue(tmp_path: Path) -> None:
    path = tmp_path / "pool.db"
    JobQueue(path).close()
    ctx = multiprocessing.get_context("spawn")
    workers, rounds = 4, 8
    procs = [ctx.Process(target=_worker, args=(str(path), w, rounds)) for w in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(300)
    assert [p.exitcode for p in procs] == [0] * workers
    q = JobQueue(path)
    clusters = workers * rounds
    assert q.count_by_status() == {IDLE: 3 * clusters, HELD: clusters}
    assert len(q.history()) == clusters
    ids = [c for (c,) in q.conn.execute("SELECT cluster FROM clusters ORDER BY cluster")]
    assert ids == list(range(1, clusters + 1))
