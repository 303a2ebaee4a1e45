"""Jobs whose execute node does not answer: rm/hold while it is away, and adoption at start-up."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable

import docker
import htcondor2  # the oracle: HTCondor's own event log reader
import pytest

from tests.executor.conftest import Engine, start_engine
from tests.pool.conftest import Pool
from tests.pool.test_end_to_end import docker_job, events
from tests.pool.test_running_jobs import spare_engine

__all__ = ["spare_engine"]  # the fixture, shared with test_running_jobs

pytestmark = pytest.mark.docker


def _sequence(pool: Pool, log: str, job: str) -> list[str]:
    return [e for j, e in events(pool.work / log) if j == job and e != "IMAGE_SIZE"]


def _running_containers(pool: Pool, host: str) -> list[str]:
    client = docker.DockerClient(base_url=host)
    try:
        return [c.name for c in client.containers.list()
                if str(pool.directory) in str((c.labels or {}).get("io.classad-pool.sandbox", ""))]
    finally:
        client.close()


def test_rm_and_hold_while_the_node_is_away_stop_the_containers_on_reconnect(
        pool: Pool, spare_engine: Callable[[], Engine]) -> None:
    spare = spare_engine()
    assert spare.directory is not None
    pool.nodes = [spare.host]
    pool.configure("POOL_NODE_LEASE = 300\n", cpus=2)
    # both jobs would run for 300 s: only a kill sent after the reconnect ends them sooner
    c = pool.submit("d.sub", docker_job("g", "u", "sleep 300", 2))
    pool.start()
    pool.wait_for(lambda: pool.af("q", "JobStatus") == [["2"], ["2"]], 90)
    pool.wait_for(lambda: sum(e == "EXECUTE" for _, e in events(pool.work / "g.log")) == 2, 30)
    pid = int((spare.directory / "docker.pid").read_text())
    os.kill(pid, signal.SIGTERM)  # live-restore: the containers run on without their engine
    pool.wait_for(lambda: not os.path.exists(f"/proc/{pid}"), 60)
    pool.wait_for(lambda: sum(e == "JOB_DISCONNECTED" for _, e in events(pool.work / "g.log")) == 2, 30)
    pool("rm", f"{c}.0")
    pool("hold", f"{c}.1")
    time.sleep(1.5)  # the loop reads the queue's rm/hold every 0.25 s: its kill goes nowhere
    assert start_engine(spare.directory) == spare.host  # the same engine, its containers kept
    back = time.monotonic()
    pool.wait_for(lambda: pool.af("history", "ProcId", "JobStatus") == [["0", "3"]], 150)
    pool.wait_for(lambda: pool.af("q", "ProcId", "JobStatus", "RemoteHost") == [["1", "5", "undefined"]], 150)
    assert time.monotonic() - back < 240  # well before the jobs' own end
    assert _running_containers(pool, spare.host) == []
    # HTCondor's shadow: reconnected first, then the kill it was asked for while away
    assert _sequence(pool, "g.log", f"{c}.0") == [
        "SUBMIT", "EXECUTE", "JOB_DISCONNECTED", "JOB_RECONNECTED", "JOB_ABORTED"]
    assert _sequence(pool, "g.log", f"{c}.1") == [
        "SUBMIT", "EXECUTE", "JOB_DISCONNECTED", "JOB_RECONNECTED", "JOB_HELD"]
    assert pool.af("q", "HoldReasonCode") == [["1"]]  # the user's hold, not a lost node


def test_a_job_adopted_on_a_node_already_down_fails_to_reconnect_then_runs_elsewhere(
        pool: Pool, engines: tuple[Engine, Engine], spare_engine: Callable[[], Engine]) -> None:
    spare = spare_engine()
    assert spare.directory is not None
    pool.nodes = [engines[0].host, spare.host]
    pool.configure("POOL_NODE_LEASE = 3\n", cpus=1)
    c = pool.submit("b.sub", docker_job("g", "u", "echo $(Process); sleep 12", 2))
    pool.start()
    pool.wait_for(lambda: len(pool.af("q", "ClusterId", constraint="JobStatus == 2")) == 2, 90)
    pool.wait_for(lambda: sum(e == "EXECUTE" for _, e in events(pool.work / "g.log")) == 2, 30)
    on_spare = [r[0] for r in pool.af("q", "ProcId", "PoolNode") if r[1] == spare.host]
    assert len(on_spare) == 1
    pool.stop_all()  # the loop goes; its containers run on
    os.kill(int((spare.directory / "docker.pid").read_text()), signal.SIGKILL)
    pool.start()  # adopts both jobs; one of them is on a node that does not answer
    pool.wait_for(lambda: pool.af("q", "ClusterId") == [], 120)
    lost = f"{c}.{on_spare[0]}"
    # HTCondor's shadow born in reconnect mode: no 022 (it had no connection to lose), 024 when
    # the lease ends, then the eviction; the job runs again on the other node
    assert _sequence(pool, "g.log", lost) == [
        "SUBMIT", "EXECUTE", "JOB_RECONNECT_FAILED", "JOB_EVICTED", "EXECUTE", "JOB_TERMINATED"]
    with htcondor2.JobEventLog(str(pool.work / "g.log")) as reader:
        failed = [e for e in reader.events(stop_after=0)
                  if e.type == htcondor2.JobEventType.JOB_RECONNECT_FAILED]
    assert [e["Reason"] for e in failed] == ["Job disconnected too long: JobLeaseDuration (3 seconds) expired"]
    done = {r[0]: r[1:] for r in pool.af("history", "ProcId", "JobStatus", "NumJobStarts")}
    assert done[on_spare[0]] == ["4", "2"]
    assert (pool.work / f"g.{on_spare[0]}.out").read_text() == f"{on_spare[0]}\n"


def test_a_job_removed_while_its_node_is_lost_for_the_whole_lease_ends_removed(
        pool: Pool, spare_engine: Callable[[], Engine]) -> None:
    spare = spare_engine()
    assert spare.directory is not None
    pool.nodes = [spare.host]
    pool.configure("POOL_NODE_LEASE = 8\n", cpus=1)
    c = pool.submit("l.sub", docker_job("g", "u", "sleep 300", 1))
    pool.start()
    pool.wait_for(lambda: (f"{c}.0", "EXECUTE") in events(pool.work / "g.log"), 90)
    os.kill(int((spare.directory / "docker.pid").read_text()), signal.SIGKILL)  # never comes back
    pool.wait_for(lambda: (f"{c}.0", "JOB_DISCONNECTED") in events(pool.work / "g.log"), 30)
    pool("rm", f"{c}.0")
    pool.wait_for(lambda: pool.af("history", "ProcId", "JobStatus") == [["0", "3"]], 60)
    # the schedd: reconnect failed when the lease ends, then the removal the user asked for
    assert _sequence(pool, "g.log", f"{c}.0") == [
        "SUBMIT", "EXECUTE", "JOB_DISCONNECTED", "JOB_RECONNECT_FAILED", "JOB_ABORTED"]


def test_a_job_adopted_on_a_node_that_comes_back_within_the_lease_reconnects(
        pool: Pool, spare_engine: Callable[[], Engine]) -> None:
    spare = spare_engine()
    assert spare.directory is not None
    pool.nodes = [spare.host]
    pool.configure("POOL_NODE_LEASE = 120\n", cpus=1)
    c = pool.submit("a.sub", docker_job("g", "u", "sleep 25; echo ran through", 1))
    pool.start()
    pool.wait_for(lambda: (f"{c}.0", "EXECUTE") in events(pool.work / "g.log"), 90)
    pool.stop_all()
    pid = int((spare.directory / "docker.pid").read_text())
    os.kill(pid, signal.SIGTERM)  # live-restore: the container runs on without its engine
    pool.wait_for(lambda: not os.path.exists(f"/proc/{pid}"), 60)
    pool.start()  # the node does not answer: the job is adopted in reconnect mode
    run_log = pool.directory / f"run-{len(pool.runs) - 1}.log"
    pool.wait_for(lambda: "attempting to reconnect" in run_log.read_text(encoding="utf-8"), 60)
    assert start_engine(spare.directory) == spare.host
    pool.wait_for(lambda: pool.af("q", "ClusterId") == [], 120)
    assert pool.af("history", "JobStatus", "NumJobStarts", "ExitCode") == [["4", "1", "0"]]
    assert _sequence(pool, "g.log", f"{c}.0") == ["SUBMIT", "EXECUTE", "JOB_RECONNECTED", "JOB_TERMINATED"]
