"""`pool run` killed with SIGKILL at random points and started again: nothing lost, nothing twice."""

from __future__ import annotations

import os
import random
import signal
import time
from collections import Counter

import docker
import pytest

from negotiator.policy.store import load_state
from negotiator.queue.jobqueue import JobQueue
from tests.executor.conftest import Engine
from tests.pool.conftest import Pool
from tests.pool.test_end_to_end import docker_job, events

pytestmark = pytest.mark.docker


def _container_starts(pool: Pool, engines: tuple[Engine, Engine], since: float) -> Counter[str]:
    """Container starts of this pool's jobs per sandbox (= per dispatch token), from the engines."""
    starts: Counter[str] = Counter()
    for eng in engines:
        client = docker.DockerClient(base_url=eng.host)
        try:
            for event in client.events(since=int(since) - 1, until=int(time.time()) + 1, decode=True,
                                       filters={"type": "container", "event": "start"}):
                sandbox = event.get("Actor", {}).get("Attributes", {}).get("io.classad-pool.sandbox", "")
                if sandbox.startswith(str(pool.directory)):
                    starts[sandbox] += 1
        finally:
            client.close()
    return starts


def _published(queue: JobQueue) -> float:
    row = queue.conn.execute("SELECT max(updated) FROM slots").fetchone()
    return float(row[0] or 0.0)


def kill_and_restart(pool: Pool, engines: tuple[Engine, Engine], jobs: int, kills: int,
                     seed: int) -> None:
    pool.configure(cpus=2, interval=0.3)
    began = time.time()
    cluster = pool.submit("c.sub", docker_job("g", "u", "echo $(Process); sleep 1", jobs))
    rng = random.Random(seed)
    with JobQueue(pool.directory / "pool.db") as queue:
        for _ in range(kills):
            launched = time.time()
            proc = pool.start()
            # once this loop is at work (it has published its slots), at a random moment
            pool.wait_for(lambda t=launched: _published(queue) > t, 120, step=0.05)
            time.sleep(rng.uniform(0.0, 3.0))
            os.killpg(proc.pid, signal.SIGKILL)  # the loop and its threads, wherever they are
            proc.wait()
    pool.run_until_done(timeout=600)
    elapsed = time.time() - began

    done = pool.af("history", "ProcId", "JobStatus", "ExitCode", "NumJobStarts",
                   "RemoteWallClockTime")
    assert sorted(int(r[0]) for r in done) == list(range(jobs))  # each job finished exactly once
    assert {(r[1], r[2]) for r in done} == {("4", "0")}
    assert pool.af("q", "ClusterId") == []
    seen = Counter(events(pool.work / "g.log"))
    starts = _container_starts(pool, engines, began)
    assert starts and max(starts.values()) == 1  # no container started twice for one start
    by_job = Counter(os.path.basename(s).removeprefix("dir_").rsplit("-", 1)[0] for s in starts)
    for proc_id, _status, _code, num_starts, _wall in done:
        job = f"{cluster}.{proc_id}"
        assert seen[(job, "JOB_TERMINATED")] == 1
        assert seen[(job, "EXECUTE")] <= int(num_starts)
        assert by_job[job] <= int(num_starts)
        # output came back for every job; a container adopted after a kill may have lost its
        # stdout: the executor streams stdout through an attach (log driver "none"), and what a
        # container wrote while no loop was attached is gone (an executor limitation)
        assert (pool.work / f"g.{proc_id}.out").read_text() in (f"{proc_id}\n", "")
    assert sum((pool.work / f"g.{p}.out").read_text() == f"{p}\n" for p in range(jobs)) >= jobs // 2
    # the accountant: every job's run was charged (1 cpu x its wall time, give or take the
    # cycle in which it ended), and no more than the pool's 4 cpus could have used
    state = load_state(pool.directory / "state.db")
    charged = sum(c.accumulated_usage for c in state.customers.values())
    walls = sum(float(r[4]) for r in done)
    assert charged >= 0.8 * walls
    assert charged <= 4 * elapsed


def test_sigkill_at_three_points_of_a_twenty_job_run(pool: Pool, engines: tuple[Engine, Engine]) -> None:
    kill_and_restart(pool, engines, jobs=20, kills=3, seed=13)


@pytest.mark.slow
def test_sigkill_at_twenty_points_of_a_two_hundred_job_run(pool: Pool,
                                                           engines: tuple[Engine, Engine]) -> None:
    kill_and_restart(pool, engines, jobs=200, kills=20, seed=2026)
