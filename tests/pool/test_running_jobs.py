"""rm, hold and release of running jobs; an engine that stops answering; quota preemption."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import htcondor2  # the oracle
import pytest

from tests.executor.conftest import (
    Engine,
    _can_start_private,
    _short_dir,
    build_image,
    start_engine,
    stop_engine,
    unavailable,
)
from tests.pool.conftest import Pool
from tests.pool.test_end_to_end import docker_job, events

pytestmark = pytest.mark.docker


def _in_history(pool: Pool, job: str) -> list[str] | None:
    c, p = job.split(".")
    rows = pool.af("history", "JobStatus", "NumJobStarts", constraint=f"ClusterId == {c} && ProcId == {p}")
    return rows[0] if rows else None


def test_rm_hold_release_of_running_jobs(pool: Pool) -> None:
    pool.configure(cpus=2)
    # job 0 ignores SIGTERM: only the SIGKILL after POOL_VACATE_TIMEOUT (2 s) stops it
    c = pool.submit("s.sub", docker_job(
        "g", "u", 'if [ $(Process) = 0 ]; then trap """" TERM; fi; sleep 120 & wait', 3))
    pool.start()
    pool.wait_for(lambda: len(pool.af("q", "ClusterId", constraint="JobStatus == 2")) == 3, 90)
    began = time.monotonic()
    pool("rm", f"{c}.0")
    pool("hold", f"{c}.1")
    pool.wait_for(lambda: _in_history(pool, f"{c}.0") is not None, 60)
    took = time.monotonic() - began
    assert _in_history(pool, f"{c}.0") == ["3", "1"]
    assert took >= 2.0  # the kill signal was ignored; SIGKILL came after the vacate timeout
    pool.wait_for(lambda: pool.af("q", "JobStatus", "HoldReasonCode", "RemoteHost",
                                  constraint=f"ProcId == 1 && ClusterId == {c}")
                  == [["5", "1", "undefined"]], 60)
    seen = Counter(events(pool.work / "g.log"))
    assert seen[(f"{c}.0", "JOB_ABORTED")] == 1
    assert seen[(f"{c}.1", "JOB_HELD")] == 1
    assert seen[(f"{c}.2", "JOB_TERMINATED")] == 0

    pool("release", f"{c}.1")
    pool.wait_for(lambda: pool.af("q", "JobStatus", "NumJobStarts",
                                  constraint=f"ProcId == 1 && ClusterId == {c}") == [["2", "2"]], 60)
    pool("rm", str(c))
    pool.wait_for(lambda: pool.af("q", "ClusterId") == [], 60)
    assert sorted(r[0] for r in pool.af("history", "ProcId", "JobStatus")) == ["0", "1", "2"]
    assert {r[1] for r in pool.af("history", "ProcId", "JobStatus")} == {"3"}


@pytest.fixture
def spare_engine(engines: tuple[Engine, Engine]) -> Iterator[Callable[[], Engine]]:
    """A throw-away engine a test may kill."""
    why = _can_start_private()
    if why:
        unavailable(why)
    made: list[Path] = []

    def make() -> Engine:
        directory = _short_dir("cp-pool-spare-")
        made.append(directory)
        host = start_engine(directory)
        return Engine(host, build_image(host), directory)

    yield make
    for directory in made:
        stop_engine(directory)


def test_jobs_of_an_engine_that_stops_answering_are_requeued_after_the_lease(
        pool: Pool, engines: tuple[Engine, Engine], spare_engine: Callable[[], Engine]) -> None:
    spare = spare_engine()
    pool.nodes = [engines[0].host, spare.host]
    pool.configure("POOL_NODE_LEASE = 3\n", cpus=1)
    c = pool.submit("s.sub", docker_job("g", "u", "echo $(Process); sleep 15", 2))
    pool.start()
    pool.wait_for(lambda: len(pool.af("q", "ClusterId", constraint="JobStatus == 2")) == 2, 90)
    running = pool.af("q", "ProcId", "PoolNode", constraint="JobStatus == 2")
    on_spare = [row for row in running if row[1] == spare.host]
    assert len(on_spare) == 1, running
    assert spare.directory is not None
    os.kill(int((spare.directory / "docker.pid").read_text()), signal.SIGKILL)  # it stops answering
    pool.wait_for(lambda: pool.af("q", "ClusterId") == [], 120)
    done = {r[0]: r[1:] for r in pool.af("history", "ProcId", "JobStatus", "NumJobStarts")}
    lost = on_spare[0][0]
    assert done[lost] == ["4", "2"]  # re-queued, then run to completion on the other node
    assert {k: v[0] for k, v in done.items()} == {"0": "4", "1": "4"}
    logged = events(pool.work / "g.log")
    seen = Counter(logged)
    assert seen[(f"{c}.{lost}", "JOB_EVICTED")] == 1
    assert seen[(f"{c}.0", "JOB_TERMINATED")] == seen[(f"{c}.1", "JOB_TERMINATED")] == 1
    # HTCondor's shadow: disconnected, then reconnect failed when the lease ends, then evicted
    assert [e for j, e in logged if j == f"{c}.{lost}" and e != "IMAGE_SIZE"] == [
        "SUBMIT", "EXECUTE", "JOB_DISCONNECTED", "JOB_RECONNECT_FAILED", "JOB_EVICTED", "EXECUTE",
        "JOB_TERMINATED"]
    for p in ("0", "1"):
        assert (pool.work / f"g.{p}.out").read_text() == f"{p}\n"


def test_a_job_reconnects_when_its_engine_answers_again_within_the_lease(
        pool: Pool, spare_engine: Callable[[], Engine]) -> None:
    spare = spare_engine()
    assert spare.directory is not None
    pool.nodes = [spare.host]
    pool.configure("POOL_NODE_LEASE = 120\n", cpus=1)
    # the job writes after the engine is back: what it writes while the engine is down is lost
    # (documented), and under load the engine takes its time to stop and start again
    c = pool.submit("r.sub", docker_job("g", "u", "sleep 25; echo ran through", 1))
    pool.start()
    pool.wait_for(lambda: pool.af("q", "JobStatus") == [["2"]], 90)
    pool.wait_for(lambda: (f"{c}.0", "EXECUTE") in events(pool.work / "g.log"), 30)
    pid = int((spare.directory / "docker.pid").read_text())
    os.kill(pid, signal.SIGTERM)  # live-restore: the container runs on without its engine
    pool.wait_for(lambda: not os.path.exists(f"/proc/{pid}"), 60)
    pool.wait_for(lambda: (f"{c}.0", "JOB_DISCONNECTED") in events(pool.work / "g.log"), 30)
    assert start_engine(spare.directory) == spare.host  # the same engine, its containers kept
    pool.wait_for(lambda: pool.af("q", "ClusterId") == [], 120)
    assert pool.af("history", "JobStatus", "NumJobStarts", "ExitCode") == [["4", "1", "0"]]
    assert [e for j, e in events(pool.work / "g.log") if j == f"{c}.0" and e != "IMAGE_SIZE"] == [
        "SUBMIT", "EXECUTE", "JOB_DISCONNECTED", "JOB_RECONNECTED", "JOB_TERMINATED"]
    assert (pool.work / "g.0.out").read_text() == "ran through\n"


QUOTA_PREEMPTION = """\
GROUP_NAMES = group_a, group_b
GROUP_QUOTA_group_a = 1
GROUP_QUOTA_group_b = 1
GROUP_ACCEPT_SURPLUS = True
PREEMPTION_REQUIREMENTS = (SubmitterGroupResourcesInUse < SubmitterGroupQuota) && \
(RemoteGroupResourcesInUse > RemoteGroupQuota)
"""


def test_quota_preemption_evicts_the_group_over_its_quota(pool: Pool, engines: tuple[Engine, Engine]) -> None:
    # one node with 2 cpus: group_a takes both through surplus; group_b (usage 0 < quota 1)
    # may then preempt a slot of group_a (usage 2 > quota 1), as the manual's policy says
    pool.nodes = [engines[0].host]
    pool.configure(QUOTA_PREEMPTION, cpus=2)
    a = pool.submit("a.sub", docker_job("group_a", "alice", "sleep 120", 2))
    pool("run", "--once")
    assert len(pool.af("q", "ClusterId", constraint="JobStatus == 2")) == 2
    b = pool.submit("b.sub", docker_job("group_b", "bob", "echo b; sleep 1", 1))
    pool.start()
    pool.wait_for(lambda: _in_history(pool, f"{b}.0") is not None, 90)
    assert _in_history(pool, f"{b}.0") == ["4", "1"]
    seen = Counter(events(pool.work / "group_a.log"))
    evicted = [p for p in (0, 1) if seen[(f"{a}.{p}", "JOB_EVICTED")]]
    assert len(evicted) == 1  # exactly one of group_a's two jobs made room
    # group_a is back at its quota: nothing more is preempted, its evicted job runs again
    pool.wait_for(lambda: len(pool.af("q", "ClusterId", constraint="JobStatus == 2")) == 2, 60)
    time.sleep(2)
    assert Counter(e for e in events(pool.work / "group_a.log") if e[1] == "JOB_EVICTED") == {
        (f"{a}.{evicted[0]}", "JOB_EVICTED"): 1}
    pool("rm", str(a))
    pool.wait_for(lambda: pool.af("q", "ClusterId") == [], 60)


def test_periodic_and_on_exit_policies_hold_with_their_reasons(pool: Pool) -> None:
    pool.configure(cpus=2)
    c = pool.submit("p.sub", docker_job(
        "g", "u", "sleep 60", 1,
        'periodic_hold = (JobStatus == 2) && (time() - EnteredCurrentStatus) > 1\n'
        'periodic_hold_reason = "ran too long"\nperiodic_hold_subcode = 7\n'))
    e = pool.submit("e.sub", docker_job(
        "h", "u", "exit 3", 1, "on_exit_hold = ExitCode != 0\n"))
    pool.start()
    pool.wait_for(lambda: len(pool.af("q", "ClusterId", constraint="JobStatus == 5 && RemoteHost =?= undefined")) == 2, 90)
    held = {int(r[0]): r[1:] for r in pool.af("q", "ClusterId", "HoldReasonCode", "HoldReasonSubCode",
                                               "ExitCode")}
    assert held[c][:2] == ["3", "7"]
    assert held[e] == ["3", "0", "3"]
    reasons = {int(r[0]): " ".join(r[1:]) for r in pool.af("q", "ClusterId", "HoldReason")}
    assert reasons[c] == "ran too long"
    assert reasons[e] == "The job attribute OnExitHold expression 'ExitCode != 0' evaluated to TRUE"
    assert (f"{c}.0", "JOB_HELD") in events(pool.work / "g.log")
    # HTCondor's shadow puts the job on hold without a terminated event: the log has only the hold
    assert [ev for j, ev in events(pool.work / "h.log") if j == f"{e}.0" and ev != "IMAGE_SIZE"] == [
        "SUBMIT", "EXECUTE", "JOB_HELD"]
    with htcondor2.JobEventLog(str(pool.work / "h.log")) as reader:
        held_event = [ev for ev in reader.events(stop_after=0) if ev.type == htcondor2.JobEventType.JOB_HELD]
    assert held_event[0]["HoldReason"] == reasons[e]
    assert (held_event[0]["HoldReasonCode"], held_event[0]["HoldReasonSubCode"]) == (3, 0)


def test_on_exit_remove_false_requeues_with_an_evicted_requeued_event(pool: Pool) -> None:
    pool.configure(cpus=2)
    c = pool.submit("q.sub", docker_job("q", "u", "exit 5", 1, "on_exit_remove = NumJobStarts >= 2\n"))
    pool.run_until_done()
    assert pool.af("history", "JobStatus", "NumJobStarts", "ExitCode") == [["4", "2", "5"]]
    with htcondor2.JobEventLog(str(pool.work / "q.log")) as reader:
        logged = [ev for ev in reader.events(stop_after=0) if ev.type != htcondor2.JobEventType.IMAGE_SIZE]
    assert [(ev.cluster, ev.type.name) for ev in logged] == [
        (c, "SUBMIT"), (c, "EXECUTE"), (c, "JOB_EVICTED"), (c, "EXECUTE"), (c, "JOB_TERMINATED")]
    evicted = logged[2]  # HTCondor's requeue: evicted, "Job terminated and was requeued"
    assert evicted["TerminatedAndRequeued"] is True
    assert (evicted["TerminatedNormally"], evicted["ReturnValue"]) == (True, 5)
    assert evicted["Reason"] == ("The job attribute OnExitRemove expression 'NumJobStarts >= 2' "
                                 "evaluated to FALSE")
