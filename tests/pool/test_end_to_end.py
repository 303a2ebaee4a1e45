"""The pool end to end through the installed `pool` command on two real engines (no mocks).

Submit files as a user writes them, `pool run` matching with fair share and group quotas,
containers on two execute nodes, output back in Iwd, user logs read by HTCondor's own
JobEventLog (the oracle), and `pool q` / `pool history` states.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import htcondor2  # the oracle: a test dependency, never skipped
import pytest

from tests.pool.conftest import Pool

pytestmark = pytest.mark.docker

IMAGE = "classad-pool/busybox:test"


def events(log: Path) -> list[tuple[str, str]]:
    """(job id, event type name) for every event of a user log, read by HTCondor's reader."""
    with htcondor2.JobEventLog(str(log)) as reader:
        return [(f"{e.cluster}.{e.proc}", e.type.name) for e in reader.events(stop_after=0)]


def docker_job(group: str, user: str, command: str, count: int, extra: str = "") -> str:
    return f"""\
universe = docker
docker_image = {IMAGE}
executable = /bin/sh
transfer_executable = false
arguments = "-c '{command}'"
accounting_group = {group}
accounting_group_user = {user}
should_transfer_files = YES
when_to_transfer_output = ON_EXIT
output = {group}.$(Process).out
error = {group}.$(Process).err
log = {group}.log
request_cpus = 1
request_memory = 32M
request_disk = 1M
{extra}
queue {count}
"""


def test_a_cluster_runs_on_two_nodes_with_group_quotas(pool: Pool) -> None:
    # 2 nodes x 2 cpus; static quotas 3 and 1 without surplus: the first cycle can start at
    # most 3 jobs of group_a and 1 of group_b (HTCondor's hierarchical group quotas)
    pool.configure("GROUP_NAMES = group_a, group_b\nGROUP_QUOTA_group_a = 3\n"
                   "GROUP_QUOTA_group_b = 1\nGROUP_ACCEPT_SURPLUS = False\n")
    a = pool.submit("a.sub", docker_job("group_a", "alice",
                                        "echo a $(Process); echo out > made.$(Process); sleep 2", 5))
    b = pool.submit("b.sub", docker_job("group_b", "bob", "echo b $(Process); sleep 2", 3))
    assert pool.af("q", "ClusterId", "ProcId", "JobStatus") == [
        [str(a), str(p), "1"] for p in range(5)] + [[str(b), str(p), "1"] for p in range(3)]

    pool("run", "--once")  # one cycle; its containers keep running for the next `pool run`
    running = pool.af("q", "AccountingGroup", "RemoteHost", constraint="JobStatus == 2")
    groups = Counter(row[0].split(".")[0] for row in running)
    assert groups == {"group_a": 3, "group_b": 1}
    assert len({row[1].split("@", 1)[1] for row in running}) == 2  # both nodes run jobs

    pool.run_until_done()
    assert pool.af("q", "ClusterId") == []
    done = pool.af("history", "ClusterId", "ProcId", "JobStatus", "ExitCode", "NumJobStarts",
                   "LastRemoteHost")
    assert sorted((int(r[0]), int(r[1])) for r in done) == sorted(
        [(a, p) for p in range(5)] + [(b, p) for p in range(3)])
    assert {(r[2], r[3], r[4]) for r in done} == {("4", "0", "1")}
    for p in range(5):
        assert (pool.work / f"group_a.{p}.out").read_text() == f"a {p}\n"
        assert (pool.work / f"made.{p}").read_text() == "out\n"
    for group, cluster, n in (("group_a", a, 5), ("group_b", b, 3)):
        logged = events(pool.work / f"{group}.log")
        seen = Counter(logged)
        for p in range(n):
            job = f"{cluster}.{p}"
            assert [e for e in logged if e[0] == job][0] == (job, "SUBMIT")  # written by submit
            assert seen[(job, "SUBMIT")] == 1
            assert seen[(job, "EXECUTE")] == 1
            assert seen[(job, "JOB_TERMINATED")] == 1
    status = pool("status")
    assert status.splitlines()[0].split() == ["Name", "OpSys", "Arch", "State", "Activity",
                                              "LoadAv", "Mem", "ActvtyTime"]
    assert "X86_64/LINUX" in status and "Unclaimed" in status


def test_fair_share_splits_the_pool_between_equal_users(pool: Pool) -> None:
    # two users with equal (fresh) priorities and 2 cpus in all: one slot each in the first cycle
    pool.configure(cpus=1)
    pool.submit("a.sub", docker_job("group_x", "alice", "sleep 1", 4))
    pool.submit("b.sub", docker_job("group_y", "bob", "sleep 1", 4))
    pool("run", "--once")
    running = pool.af("q", "AccountingGroup", constraint="JobStatus == 2")
    assert sorted(r[0] for r in running) == ["group_x.alice", "group_y.bob"]
    pool.run_until_done()
    assert len(pool.af("history", "ClusterId")) == 8
    prio = pool("userprio")
    assert "group_x.alice" in prio and "group_y.bob" in prio


def test_oom_and_missing_image_are_held_34_and_35(pool: Pool) -> None:
    pool.configure(cpus=2)
    oom = pool.submit("oom.sub", docker_job("g", "u", "dd if=/dev/zero of=/dev/null bs=300M count=1", 1)
                      .replace("request_memory = 32M", "request_memory = 48M"))
    missing = pool.submit("missing.sub", docker_job("h", "u", "true", 1)
                          .replace(IMAGE, "classad-pool/no-such-image:1"))
    pool.run_until_done()
    held = {int(r[0]): r[1:] for r in pool.af("q", "ClusterId", "HoldReasonCode",
                                               "HoldReasonSubCode", "JobStatus")}
    assert held[oom] == ["34", "102", "5"]
    assert held[missing][0] == "35" and held[missing][2] == "5"
    assert (f"{oom}.0", "JOB_HELD") in events(pool.work / "g.log")
    assert (f"{missing}.0", "JOB_HELD") in events(pool.work / "h.log")
