"""Job outcomes on a real engine: exit codes, signals, OOM, missing image, cancel, files, limits."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from executor.docker_engine import DockerExecutor
from executor.runner import complete, launch, run_job
from executor.spec import ExecutorConfig, JobResult, JobSpec, SpecError

from .conftest import Engine

pytestmark = pytest.mark.docker
CONFIG = ExecutorConfig(vacate_timeout=3.0)


@pytest.fixture
def executor(engine: Engine) -> Iterator[DockerExecutor]:
    ex = DockerExecutor(CONFIG, engine.host)
    yield ex
    ex.client.close()


def spec(engine: Engine, iwd: Path, script: str, **extra: Any) -> JobSpec:
    return JobSpec(image=engine.image, iwd=str(iwd), command=("/bin/sh", "-c", script), **extra)


def run(executor: DockerExecutor, job: JobSpec, sandbox: Path | None = None) -> JobResult:
    return run_job(executor, job, CONFIG, sandbox=str(sandbox) if sandbox else None)


@pytest.mark.parametrize(("script", "exit_code", "signal"), [
    ("exit 0", 0, None),
    ("exit 3", 3, None),
    ("exit 128", 128, None),
    ("exit 130", None, 2),  # HTCondor reads codes above 128 as 128 + signal
    ("kill -9 $$", None, 9),
    ("kill -USR1 $$", None, 10),
])
def test_exit_code_or_signal(executor: DockerExecutor, engine: Engine, tmp_path: Path, script: str,
                             exit_code: int | None, signal: int | None) -> None:
    result = run(executor, spec(engine, tmp_path, script))
    assert (result.status, result.exit_code, result.signal) == ("completed", exit_code, signal)
    assert result.hold_reason_code is None


def test_oom_is_held_34_102_with_the_limit_in_the_reason(executor: DockerExecutor, engine: Engine,
                                                         tmp_path: Path) -> None:
    job = JobSpec(image=engine.image, iwd=str(tmp_path), memory_mb=48,
                  command=("dd", "if=/dev/zero", "of=/dev/null", "bs=300M", "count=1"))
    result = run(executor, job)
    assert result.status == "held"
    assert (result.hold_reason_code, result.hold_reason_subcode) == (34, 102)
    assert result.hold_reason == "Docker job has gone over memory limit of 48 Mb"
    assert result.usage.peak_memory_mb >= 48


def test_killed_by_9_without_oom_is_not_a_hold(executor: DockerExecutor, engine: Engine,
                                               tmp_path: Path) -> None:
    result = run(executor, spec(engine, tmp_path, "kill -KILL $$", memory_mb=48))
    assert (result.status, result.signal) == ("completed", 9)


def test_missing_image_is_held_35_without_an_execute_event(executor: DockerExecutor, engine: Engine,
                                                           tmp_path: Path) -> None:
    job = JobSpec(image="classad-pool/no-such-image:1", iwd=str(tmp_path), user_log="log")
    result = run(executor, job)
    assert (result.status, result.hold_reason_code, result.hold_reason_subcode) == ("held", 35, 0)
    assert result.hold_reason is not None
    assert result.hold_reason.startswith("Cannot pull image classad-pool/no-such-image:1 ")
    codes = [line[:3] for line in (tmp_path / "log").read_text().splitlines() if line[:3].isdigit()]
    assert codes == ["000", "012"]
    assert not executor.own_containers()


def test_bad_image_reference_is_held_35(executor: DockerExecutor, engine: Engine, tmp_path: Path) -> None:
    result = run(executor, JobSpec(image="Bad Image!!", iwd=str(tmp_path)))
    assert (result.status, result.hold_reason_code) == ("held", 35)


def test_missing_executable_runs_under_init_and_exits_127(executor: DockerExecutor, engine: Engine,
                                                          tmp_path: Path) -> None:
    job = JobSpec(image=engine.image, iwd=str(tmp_path), command=("/no/such/exe",), stderr="err")
    result = run(executor, job)
    assert (result.status, result.exit_code) == ("completed", 127)
    assert "/no/such/exe" in (tmp_path / "err").read_text()


def _cancel_when_ready(executor: DockerExecutor, engine: Engine, tmp_path: Path,
                      script: str) -> tuple[JobResult, float, Path]:
    """Run `script` (which prints "ready"), cancel it once ready: its result, the seconds the
    cancel took, and its sandbox."""
    sandbox = tmp_path / "scratch"
    attempt = launch(executor, spec(engine, tmp_path, script), CONFIG, sandbox=str(sandbox))
    assert attempt.handle is not None
    _wait_for_text(sandbox / "_condor_stdout", "ready", executor, attempt.handle.name)
    started = time.monotonic()
    executor.cancel(attempt.handle)
    result = complete(executor, attempt)
    return result, time.monotonic() - started, sandbox


def test_cancel_sends_sigterm_to_the_job_through_init(executor: DockerExecutor, engine: Engine,
                                                      tmp_path: Path) -> None:
    script = "trap 'echo got TERM; exit 42' TERM; echo ready; while true; do sleep 0.1; done"
    result, seconds, sandbox = _cancel_when_ready(executor, engine, tmp_path, script)
    assert seconds < CONFIG.vacate_timeout
    assert (result.status, result.exit_code) == ("removed", 42)
    assert "got TERM" in (sandbox / "_condor_stdout").read_text()


def test_cancel_escalates_to_sigkill_after_the_vacate_timeout(executor: DockerExecutor, engine: Engine,
                                                             tmp_path: Path) -> None:
    script = "trap '' TERM; echo ready; while true; do sleep 0.1; done"
    result, seconds, _ = _cancel_when_ready(executor, engine, tmp_path, script)
    assert CONFIG.vacate_timeout - 0.5 <= seconds < CONFIG.vacate_timeout + 5
    assert (result.status, result.signal) == ("removed", 9)


def test_stop_event_removes_a_running_job(executor: DockerExecutor, engine: Engine, tmp_path: Path) -> None:
    stop = threading.Event()
    threading.Timer(1.0, stop.set).start()
    result = run_job(executor, spec(engine, tmp_path, "sleep 600"), CONFIG, stop=stop)
    assert (result.status, result.signal) == ("removed", 15)


def test_hold_request_ends_held_code_1(executor: DockerExecutor, engine: Engine, tmp_path: Path) -> None:
    attempt = launch(executor, spec(engine, tmp_path, "sleep 600"), CONFIG)
    assert attempt.handle is not None
    executor.cancel(attempt.handle, hold=True, reason="via condor_hold (by user alice)")
    result = complete(executor, attempt)
    assert (result.status, result.hold_reason_code, result.hold_reason) == (
        "held", 1, "via condor_hold (by user alice)")


def test_input_and_output_transfer(executor: DockerExecutor, engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_text("payload\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a").write_text("A")
    (tmp_path / "unused.txt").write_text("never sent")
    job = spec(engine, tmp_path,
               "cat in.txt data/a > copy.txt; echo to-stdout; echo to-stderr >&2; "
               "[ -e unused.txt ] && exit 9; echo result > result.txt",
               transfer_input=("in.txt", "data"), stdout="job.out", stderr="job.err")
    result = run(executor, job)
    assert (result.status, result.exit_code) == ("completed", 0)
    assert (tmp_path / "copy.txt").read_text() == "payload\nA"
    assert (tmp_path / "result.txt").read_text() == "result\n"
    assert (tmp_path / "job.out").read_text() == "to-stdout\n"
    assert "to-stderr" in (tmp_path / "job.err").read_text()
    assert not (tmp_path / "_condor_stdout").exists()


def test_transfer_output_list_and_missing_output_is_held_12(executor: DockerExecutor, engine: Engine,
                                                           tmp_path: Path) -> None:
    job = spec(engine, tmp_path, "echo 1 > one; echo 2 > two", transfer_output=("one",))
    assert run(executor, job).status == "completed"
    assert (tmp_path / "one").exists() and not (tmp_path / "two").exists()
    missing = spec(engine, tmp_path, "true", transfer_output=("absent",))
    result = run(executor, missing)
    assert (result.status, result.hold_reason_code, result.hold_reason_subcode) == ("held", 12, 2)


def test_missing_input_is_held_13_before_running(executor: DockerExecutor, engine: Engine,
                                                 tmp_path: Path) -> None:
    result = run(executor, spec(engine, tmp_path, "true", transfer_input=("absent.txt",)))
    assert (result.status, result.hold_reason_code, result.hold_reason_subcode) == ("held", 13, 2)


def test_job_runs_as_non_root_and_owns_its_files(executor: DockerExecutor, engine: Engine,
                                                 tmp_path: Path) -> None:
    sandbox = tmp_path / "scratch"
    result = run(executor, spec(engine, tmp_path, "id -u > uid; id -g >> uid; touch made"), sandbox)
    assert result.exit_code == 0
    assert (sandbox / "uid").read_text().split() == [str(CONFIG.uid), str(CONFIG.gid)]
    assert CONFIG.uid != 0
    assert (sandbox / "made").stat().st_uid == CONFIG.uid
    assert sandbox.stat().st_uid == CONFIG.uid
    assert (sandbox / "_condor_stdout").stat().st_uid == CONFIG.uid


def test_uid_zero_is_refused() -> None:
    with pytest.raises(SpecError):
        ExecutorConfig(uid=0, gid=0)


def test_limits_seen_inside_the_container(executor: DockerExecutor, engine: Engine, tmp_path: Path) -> None:
    script = (
        "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max 2>/dev/null | head -1;"
        "cat /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpu.weight 2>/dev/null | head -1;"
        "grep -E '^(CapEff|CapPrm|NoNewPrivs)' /proc/self/status;"
        "ls /sys/class/net; cat /proc/1/comm; echo $_CONDOR_SCRATCH_DIR; pwd; hostname"
    )
    sandbox = tmp_path / "scratch"
    result = run(executor, spec(engine, tmp_path, script, memory_mb=96, cpus=2, owner="alice",
                                cluster=42, proc=7), sandbox)
    assert result.exit_code == 0
    lines = (sandbox / "_condor_stdout").read_text().split("\n")
    assert int(lines[0]) == 96 * 1024 * 1024
    assert lines[1] == "200"
    assert lines[2:5] == ["CapPrm:\t0000000000000000", "CapEff:\t0000000000000000", "NoNewPrivs:\t1"]
    assert lines[5] == "lo"  # network none
    assert lines[6] == "docker-init"
    assert lines[7] == lines[8] == str(sandbox.resolve())
    assert lines[9].startswith("alice-42.7-")


def test_memory_has_no_swap_beyond_the_limit(executor: DockerExecutor, engine: Engine,
                                             tmp_path: Path) -> None:
    attempt = launch(executor, spec(engine, tmp_path, "sleep 600", memory_mb=64), CONFIG)
    assert attempt.handle is not None
    info = executor.client.api.inspect_container(attempt.handle.name)["HostConfig"]
    executor.cancel(attempt.handle)
    complete(executor, attempt)
    assert info["Memory"] == info["MemorySwap"] == 64 * 1024 * 1024
    assert info["Privileged"] is False and info["CapDrop"] == ["ALL"]
    assert info["SecurityOpt"] == ["no-new-privileges"] and info["NetworkMode"] == "none"
    assert info["Init"] is True and info["CpuShares"] == 100
    assert [(m["Type"], m["Target"]) for m in info["Mounts"]] == [("bind", attempt.sandbox)]


def test_network_none_has_only_loopback(executor: DockerExecutor, engine: Engine,
                                        tmp_path: Path) -> None:
    """No libnetwork sandbox, yet Docker's view of --network none: only lo, up, 127.0.0.1."""
    script = ("ls /sys/class/net; cat /sys/class/net/lo/flags; ip -4 addr show lo | grep -o 'inet [^ ]*';"
              "nc -l -p 5555 > got & for i in $(seq 50); do echo hi | nc 127.0.0.1 5555 && break; sleep 0.1; done;"
              "wait; cat got")
    sandbox = tmp_path / "scratch"
    result = run(executor, spec(engine, tmp_path, script), sandbox)
    assert result.exit_code == 0
    lines = (sandbox / "_condor_stdout").read_text().split("\n")
    assert lines[:2] == ["lo", "0x9"], lines  # IFF_UP | IFF_LOOPBACK
    assert lines[2:4] == ["inet 127.0.0.1/8", "hi"], lines


def test_usage_reports_peak_memory_and_cpu(executor: DockerExecutor, engine: Engine, tmp_path: Path) -> None:
    script = "dd if=/dev/zero of=/dev/null bs=40M count=1; i=0; while [ $i -lt 60000 ]; do i=$((i+1)); done; sleep 2"
    result = run(executor, spec(engine, tmp_path, script, memory_mb=256))
    assert result.exit_code == 0
    assert result.usage.peak_memory_mb >= 40
    assert result.usage.user_cpu_seconds + result.usage.sys_cpu_seconds > 0
    assert result.usage.wall_seconds >= 1


def test_network_types_the_slot_does_not_allow_are_refused(executor: DockerExecutor, engine: Engine,
                                                           tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="does not allow"):
        executor.start(spec(engine, tmp_path, "true", network="host"), str(tmp_path))


def test_concurrent_jobs(executor: DockerExecutor, engine: Engine, tmp_path: Path) -> None:
    results: dict[int, JobResult] = {}

    def one(n: int) -> None:
        job = spec(engine, tmp_path, f"echo job{n} > out{n}; exit {n}", proc=n)
        results[n] = run(executor, job)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert {n: r.exit_code for n, r in results.items()} == {n: n for n in range(8)}
    assert all((tmp_path / f"out{n}").read_text() == f"job{n}\n" for n in range(8))
    assert not executor.own_containers()
    # one keep-alive pool for the engine, not one per request URL (docker-py's default)
    assert len(executor.client.api._custom_adapter.pools) == 1


def test_binary_output_is_byte_exact(executor: DockerExecutor, engine: Engine, tmp_path: Path) -> None:
    job = spec(engine, tmp_path, r"printf '\377\376\000x\ny'", stdout="out")
    assert run(executor, job).exit_code == 0
    assert (tmp_path / "out").read_bytes() == b"\xff\xfe\x00x\ny"


def _wait_for_text(path: Path, text: str, executor: DockerExecutor, name: str) -> None:
    """Poll the sandbox's stdout until `text` shows (stdout streams there while the job runs)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if path.exists() and text.encode() in path.read_bytes():
            return
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never appeared in {name}'s output ({path})")


def test_sandbox_must_be_empty(executor: DockerExecutor, engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "junk").write_text("x")
    with pytest.raises(FileExistsError):
        run(executor, spec(engine, tmp_path, "true"), tmp_path)
    assert os.listdir(tmp_path) == ["junk"]


def test_large_interleaved_output_lands_in_the_right_files(executor: DockerExecutor, engine: Engine,
                                                          tmp_path: Path) -> None:
    job = spec(engine, tmp_path, "i=0; while [ $i -lt 3000 ]; do echo out$i; echo err$i >&2; i=$((i+1)); done; "
               "head -c 300000 /dev/zero", stdout="out", stderr="err")
    assert run(executor, job).exit_code == 0
    out = (tmp_path / "out").read_bytes()
    assert out.startswith(b"out0\nout1\n") and out.endswith(b"out2999\n" + b"\0" * 300000)
    assert (tmp_path / "err").read_text() == "".join(f"err{i}\n" for i in range(3000))
