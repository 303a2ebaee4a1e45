"""`pool submit` and Schedd.submit write the schedd's submit (000) event to each job's user log,
read back by HTCondor's own JobEventLog (the oracle). No engine needed."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import htcondor2  # the oracle
import pytest

from negotiator.queue.schedd import Schedd
from tests.executor.conftest import IWD_UID
from tests.pool.conftest import POOL, SUBMITTER


def _events(log: Path) -> list[tuple[int, int, str]]:
    with htcondor2.JobEventLog(str(log)) as reader:
        return [(e.cluster, e.proc, e.type.name) for e in reader.events(stop_after=0)]


@pytest.fixture
def work(tmp_path: Path) -> Path:
    made = tmp_path / "work"
    made.mkdir()
    if os.geteuid() == 0:  # job files belong to the submitting (non-root) user
        os.chown(made, IWD_UID, IWD_UID)
    return made


def _pool(tmp_path: Path, work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DOCKER_HOST"}
    env["POOL_DIR"] = str(tmp_path / "pooldir")
    if os.geteuid() == 0:
        env["USER"] = env["LOGNAME"] = SUBMITTER
    return subprocess.run([str(POOL), *args], cwd=work, env=env, capture_output=True, text=True,
                          timeout=60, check=False)


def test_pool_submit_logs_one_submit_event_per_proc(tmp_path: Path, work: Path) -> None:
    (work / "a.sub").write_text("executable = /bin/true\nlog = shared.log\nqueue 3\n"
                                "log = own.$(Process).log\nqueue 2\n", encoding="utf-8")
    (work / "b.sub").write_text("executable = /bin/true\nlog = b.log\nqueue 4\n", encoding="utf-8")
    first = _pool(tmp_path, work, "submit", "a.sub", "-terse")
    second = _pool(tmp_path, work, "submit", "b.sub", "-terse")
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert first.stderr == second.stderr == ""
    a, b = int(first.stdout.split(".")[0]), int(second.stdout.split(".")[0])
    assert _events(work / "shared.log") == [(a, p, "SUBMIT") for p in range(3)]
    for p in (3, 4):  # the second queue statement's procs each have their own log
        assert _events(work / f"own.{p}.log") == [(a, p, "SUBMIT")]
    assert _events(work / "b.log") == [(b, p, "SUBMIT") for p in range(4)]
    if os.geteuid() == 0:  # written as the submitting user, not as root
        assert (work / "b.log").stat().st_uid == IWD_UID


def test_a_log_outside_iwd_is_a_warning_and_the_jobs_are_queued(tmp_path: Path, work: Path) -> None:
    (work / "c.sub").write_text("executable = /bin/true\nlog = /etc/cp-pool-test.log\nqueue 1\n",
                                encoding="utf-8")
    done = _pool(tmp_path, work, "submit", "c.sub", "-terse")
    assert done.returncode == 0
    assert done.stderr.startswith("WARNING: cannot write the submit event to the user log /etc/cp-pool-test.log")
    assert len(done.stderr.splitlines()) == 1
    assert not Path("/etc/cp-pool-test.log").exists()


def test_schedd_submit_logs_submit_events(tmp_path: Path, work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(work)
    if os.geteuid() == 0:
        monkeypatch.setenv("USER", SUBMITTER)
        monkeypatch.setenv("LOGNAME", SUBMITTER)
    result = Schedd(tmp_path / "pooldir").submit({"executable": "/bin/true", "log": "api.log"}, count=2)
    assert _events(work / "api.log") == [(result.cluster(), p, "SUBMIT") for p in range(2)]
