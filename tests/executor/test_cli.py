"""`executor run` and `executor machine-ad` as a user calls them (a real engine, a subprocess)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import pytest

from .conftest import ROOT, Engine

JOB = """[
  ClusterId = 7; ProcId = 2; Owner = "alice";
  DockerImage = "{image}";
  Cmd = "/bin/sh"; TransferExecutable = false;
  Arguments = "-c 'cat input.txt; echo $GREETING; echo made > output.txt; exit 5'";
  Environment = "GREETING='hello world' OTHER=1";
  RequestCpus = 1; RequestMemory = 32 * 2;
  TransferInput = "input.txt";
  Out = "job.out"; Err = "job.err"; UserLog = "job.log";
]
"""


def executor_cli(*args: str, host: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DOCKER_HOST", None)
    if host:
        env["DOCKER_HOST"] = host
    return subprocess.run([sys.executable, "-m", "executor.cli", *args], capture_output=True, text=True,
                          env=env, timeout=timeout, check=False)


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1, done
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("executor: "), done.stderr
    return lines[0]


@pytest.mark.docker
def test_run_prints_the_final_state_as_json(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "input.txt").write_text("data\n")
    (tmp_path / "job.ad").write_text(JOB.format(image=engine.image))
    done = executor_cli("run", str(tmp_path / "job.ad"), "--json", host=engine.host)
    assert done.returncode == 3, done.stderr  # completed with a non-zero exit code
    state = json.loads(done.stdout)
    assert set(state) == {"status", "exit_code", "signal", "hold_reason_code", "hold_reason_subcode",
                          "hold_reason", "usage"}
    assert (state["status"], state["exit_code"], state["signal"]) == ("completed", 5, None)
    assert (tmp_path / "job.out").read_text() == "data\nhello world\n"
    assert (tmp_path / "output.txt").read_text() == "made\n"
    assert "005 (007.002.000)" in (tmp_path / "job.log").read_text()


@pytest.mark.docker
def test_run_with_a_kept_sandbox_and_a_held_job(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "job.ad").write_text('DockerImage = "no/such:image"\nClusterId = 3\n')  # old syntax
    done = executor_cli("run", str(tmp_path / "job.ad"), "--sandbox", str(tmp_path / "box"),
                        "--docker-host", engine.host)
    assert done.returncode == 4
    assert done.stdout.startswith("job 3.0: held (code 35 subcode 0): Cannot pull image no/such:image")
    assert (tmp_path / "box" / ".job.ad").exists()


@pytest.mark.docker
def test_sigterm_to_executor_run_removes_the_job(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "job.ad").write_text(f'[DockerImage = "{engine.image}"; Cmd = "sleep"; Arguments = "600"; '
                                      'TransferExecutable = false; UserLog = "job.log"]')
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DOCKER_HOST": engine.host}
    with subprocess.Popen([sys.executable, "-m", "executor.cli", "run", str(tmp_path / "job.ad"), "--json"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as proc:
        deadline = time.monotonic() + 60  # a loaded machine may take seconds to start python
        while time.monotonic() < deadline and "001 (" not in _text(tmp_path / "job.log"):
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 5, err
    state = json.loads(out)
    assert (state["status"], state["signal"]) == ("removed", 15)


def _text(path: Path) -> str:
    return path.read_text() if path.exists() else ""


@pytest.mark.docker
def test_machine_ad_is_a_classad(engine: Engine) -> None:
    classad = pytest.importorskip("classad")
    done = executor_cli("machine-ad", host=engine.host)
    assert done.returncode == 0, done.stderr
    ad = classad.parse_ad(done.stdout)
    assert ad.eval("HasDocker") is True
    assert engine.image in ad.eval("DockerCachedImages")
    as_json = json.loads(executor_cli("machine-ad", "--json", host=engine.host).stdout)
    assert as_json["SlotType"] == "Partitionable"


@pytest.mark.parametrize(("args", "needle"), [
    (["run", "/nonexistent/job.ad"], "cannot read job ad"),
    (["run", "{bad}"], "bad.ad"),
    (["run", "{noimage}"], "no DockerImage"),
    (["run", "{good}", "--user", "0"], "uid or gid 0"),
    (["run", "{good}", "--docker-host", "unix:///nonexistent/docker.sock"], "cannot reach the Docker engine"),
    (["machine-ad", "--docker-host", "unix:///nonexistent/docker.sock"], "cannot reach the Docker engine"),
])
def test_user_errors_are_one_line(tmp_path: Path, args: list[str], needle: str) -> None:
    (tmp_path / "bad.ad").write_text("[ DockerImage = ; ]")
    (tmp_path / "noimage.ad").write_text("[ Cmd = \"true\" ]")
    (tmp_path / "good.ad").write_text("[ DockerImage = \"busybox\" ]")
    files = {"bad": tmp_path / "bad.ad", "noimage": tmp_path / "noimage.ad", "good": tmp_path / "good.ad"}
    args = [a.format(**files) for a in args]
    line = one_line_error(executor_cli(*args))
    assert needle in line


def test_console_script_points_at_the_cli() -> None:
    try:
        scripts = metadata.distribution("classad-pool").entry_points
    except metadata.PackageNotFoundError:
        pytest.skip("classad-pool is not installed (pip install -e .)")
    assert any(ep.name == "executor" and ep.value == "executor.cli:main" for ep in scripts)


def test_help_lists_the_commands() -> None:
    done = executor_cli("--help")
    assert done.returncode == 0
    for command in ("run", "machine-ad", "recover", "gc"):
        assert command in done.stdout


@pytest.mark.docker
def test_recover_and_gc_commands_on_an_idle_slot(engine: Engine) -> None:
    done = executor_cli("recover", "--slot", f"idle{time.monotonic_ns()}", "--json", host=engine.host)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    done = executor_cli("gc", "--budget-mb", "100000", host=engine.host)
    assert (done.returncode, done.stdout) == (0, "")


DOCKER_JOB = """[
  MyType = "Job"; JobUniverse = 5; WantDocker = true; DockerImage = "{image}";
  RequestCpus = 1; RequestMemory = 64; RequestDisk = 1024;
  Requirements = (TARGET.HasDocker) && (TARGET.Arch == "{arch}") && (TARGET.OpSys == "LINUX") &&
                 (TARGET.Disk >= RequestDisk) && (TARGET.Memory >= RequestMemory) &&
                 (TARGET.Cpus >= RequestCpus) && (TARGET.HasFileTransfer)
]"""


@pytest.mark.docker
def test_machine_ad_matches_a_docker_job_in_our_negotiator_and_htcondors(engine: Engine, tmp_path: Path) -> None:
    """What `executor machine-ad` prints is a slot the negotiator's matchmaker gives a docker job to."""
    classad = pytest.importorskip("classad")
    from negotiator.ads import read_ads, symmetric_match

    done = executor_cli("machine-ad", host=engine.host)
    assert done.returncode == 0, done.stderr
    (tmp_path / "slot.ad").write_text(done.stdout)
    slot = read_ads(tmp_path / "slot.ad", "slot")[0]
    for name in ("HasDocker", "HasFileTransfer", "PartitionableSlot", "Start"):
        assert slot.eval(name) is True, name
    assert slot.eval("Requirements") is True and slot.eval("MyType") == "Machine"
    arch = slot.eval("Arch")
    job = classad.parse_ad(DOCKER_JOB.format(image=engine.image, arch=arch))
    assert symmetric_match(job, slot)
    greedy = classad.parse_ad(DOCKER_JOB.format(image=engine.image, arch=arch).replace(
        "RequestMemory = 64", f"RequestMemory = {slot.eval('Memory') + 1}"))
    assert not symmetric_match(greedy, slot)
    classad2 = pytest.importorskip("classad2")  # the C++ library as the oracle
    oracle_slot = classad2.parseOne(done.stdout)
    assert classad2.parseOne(DOCKER_JOB.format(image=engine.image, arch=arch)).symmetricMatch(oracle_slot)
    assert json.loads(executor_cli("machine-ad", "--json", host=engine.host).stdout)["HasFileTransfer"] is True
