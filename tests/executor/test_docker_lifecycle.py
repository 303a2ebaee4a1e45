"""Engine restarts, our own crash (recovery by label), image GC, machine ad, user log via HTCondor."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from executor import containers as ct
from executor.docker_engine import DockerExecutor
from executor.images import cached_images, collect
from executor.machine import machine_attributes
from executor.recovery import recover
from executor.runner import complete, launch, run_job
from executor.spec import ExecutorConfig, JobSpec

from .conftest import DOCKERD, ROOT, Engine, build_image

pytestmark = pytest.mark.docker


def job(engine: Engine, iwd: Path, script: str, **extra: object) -> JobSpec:
    return JobSpec(image=engine.image, iwd=str(iwd), command=("/bin/sh", "-c", script), **extra)  # type: ignore[arg-type]


def test_engine_restart_in_the_middle_of_a_job(private_engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine: Engine = private_engine()
    config = ExecutorConfig(engine_timeout=60)
    with DockerExecutor(config, engine.host) as executor:
        restart_mid_job(engine, executor, config, tmp_path)


def restart_mid_job(engine: Engine, executor: DockerExecutor, config: ExecutorConfig, tmp_path: Path) -> None:
    spec = job(engine, tmp_path, "echo start; sleep 4; echo done > done.txt; exit 7", stdout="out",
               user_log="log")
    attempt = launch(executor, spec, config)
    time.sleep(1)
    restart = subprocess.run([str(DOCKERD), "restart", str(engine.directory)], capture_output=True,
                             text=True, timeout=120, check=False)
    assert restart.returncode == 0, restart.stderr
    result = complete(executor, attempt)
    assert (result.status, result.exit_code) == ("completed", 7)
    assert (tmp_path / "done.txt").read_text() == "done\n"
    # stdout written before the restart survives; dockerd 20.10 drops what follows a live-restore
    assert (tmp_path / "out").read_text().startswith("start\n")
    assert not executor.own_containers()


CRASHING_SLOT = """
import json, os, signal, sys
from executor import containers as ct
from executor.docker_engine import DockerExecutor
from executor.runner import launch, user_log
from executor.spec import ExecutorConfig, JobSpec

host, image, iwd, instance = sys.argv[1:5]
config = ExecutorConfig(instance=instance)
ex = DockerExecutor(config, host)
def job(proc, script):
    return JobSpec(image=image, iwd=iwd, proc=proc, user_log="log", command=("/bin/sh", "-c", script))
slow, fast, reported = job(1, "sleep 2; echo slow > slow.txt"), job(2, "echo fast > fast.txt; exit 4"), job(3, "true")
attempts = {s.proc: launch(ex, s, config, sandbox=os.path.join(iwd, f"scratch{s.proc}"))
            for s in (slow, fast, reported)}
# proc 3 ends and is logged, but the slot dies before removing its container
user_log(reported).terminated(reported, ex.wait(attempts[3].handle, 30))
ex.client.containers.create(image, ["sleep", "600"], labels={ct.LABEL_OWNER: config.owner_label},
                            name=f"orphan-{instance}")
ex.client.containers.create(image, ["sleep", "600"], labels={ct.LABEL_OWNER: "someone-else"},
                            name=f"stranger-{instance}")
print(attempts[3].handle.name, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_recovery_after_our_own_crash(engine: Engine, tmp_path: Path) -> None:
    instance = f"recovery-test-{time.monotonic_ns()}"
    crash = subprocess.run([sys.executable, "-c", CRASHING_SLOT, engine.host, engine.image,
                            str(tmp_path), instance], capture_output=True, text=True, timeout=120,
                           cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert crash.returncode == -9, crash.stderr
    third = crash.stdout.strip()

    with DockerExecutor(ExecutorConfig(instance=instance), engine.host) as survivor:
        recover_crashed(survivor, instance, third, tmp_path)


def recover_crashed(survivor: DockerExecutor, instance: str, third: str, tmp_path: Path) -> None:
    found = recover(survivor)
    assert [name for name, _ in found.removed] == [f"orphan-{instance}"]
    assert found.already_reported == [third]
    assert {c.labels[ct.LABEL_JOB] for c in survivor.own_containers()} == {"1.1", "1.2"}
    results = {a.spec.proc: complete(survivor, a) for a in found.attempts}
    assert {p: (r.status, r.exit_code) for p, r in results.items()} == {1: ("completed", 0), 2: ("completed", 4)}
    assert (tmp_path / "slow.txt").read_text() == "slow\n"
    assert (tmp_path / "fast.txt").read_text() == "fast\n"
    assert not survivor.own_containers()
    assert recover(survivor).attempts == []
    terminated = [line for line in (tmp_path / "log").read_text().splitlines() if line.startswith("005 ")]
    assert sorted(line[4:17] for line in terminated) == ["(001.001.000)", "(001.002.000)", "(001.003.000)"]
    stranger = survivor.client.containers.get(f"stranger-{instance}")
    assert stranger.status == "created"
    stranger.remove(force=True)


def test_user_log_is_read_by_htcondors_reader(engine: Engine, tmp_path: Path) -> None:
    htcondor2 = pytest.importorskip("htcondor2")
    config = ExecutorConfig(vacate_timeout=2)
    with DockerExecutor(config, engine.host) as executor:
        log_read_by_htcondor(engine, executor, config, tmp_path, htcondor2)


def log_read_by_htcondor(engine: Engine, executor: DockerExecutor, config: ExecutorConfig, tmp_path: Path,
                         htcondor2: Any) -> None:
    common = {"user_log": "job.log", "cluster": 23}
    run_job(executor, job(engine, tmp_path, "exit 3", proc=0, **common), config)
    run_job(executor, job(engine, tmp_path, "kill -TERM $$; sleep 5", proc=1, **common), config)
    oom = JobSpec(image=engine.image, iwd=str(tmp_path), memory_mb=32, proc=2,
                  command=("dd", "if=/dev/zero", "of=/dev/null", "bs=200M", "count=1"), **common)  # type: ignore[arg-type]
    run_job(executor, oom, config)
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    run_job(executor, job(engine, tmp_path, "sleep 60", proc=3, **common), config, stop=stop)
    run_job(executor, JobSpec(image="missing/image:0", iwd=str(tmp_path), proc=4, **common), config)  # type: ignore[arg-type]

    events = list(htcondor2.JobEventLog(str(tmp_path / "job.log")).events(stop_after=0))
    by_proc: dict[int, list[str]] = {}
    sizes: set[int] = set()
    for event in events:
        assert event.cluster == 23
        if event["MyType"] == "JobImageSizeEvent":  # whenever a usage sample shows growth
            sizes.add(event.proc)
            continue
        by_proc.setdefault(event.proc, []).append(event["MyType"])
    assert by_proc[0] == ["SubmitEvent", "ExecuteEvent", "JobTerminatedEvent"]
    assert by_proc[1] == ["SubmitEvent", "ExecuteEvent", "JobTerminatedEvent"]
    assert by_proc[2] == ["SubmitEvent", "ExecuteEvent", "JobHeldEvent"]
    assert 2 in sizes
    assert by_proc[3] == ["SubmitEvent", "ExecuteEvent", "JobAbortedEvent"]
    assert by_proc[4] == ["SubmitEvent", "JobHeldEvent"]
    last = {e.proc: e for e in events if e["MyType"] != "JobImageSizeEvent"}
    assert last[0]["TerminatedNormally"] is True and last[0]["ReturnValue"] == 3
    assert last[1]["TerminatedNormally"] is False and last[1]["TerminatedBySignal"] == 15
    assert (last[2]["HoldReasonCode"], last[2]["HoldReasonSubCode"]) == (34, 102)
    assert last[2]["HoldReason"] == "Docker job has gone over memory limit of 32 Mb"
    assert last[4]["HoldReasonCode"] == 35


def test_machine_ad_advertises_docker_and_cached_images(engine: Engine) -> None:
    with DockerExecutor(ExecutorConfig(), engine.host) as executor:
        ad = machine_attributes(executor.client, executor.config, engine.host)
    assert ad["HasDocker"] is True and ad["HasContainer"] is True and ad["PartitionableSlot"] is True
    assert ad["DockerVersion"].startswith("Docker version ")
    assert engine.image in ad["DockerCachedImages"]
    assert ad["Cpus"] >= 1 and ad["Memory"] > 0 and ad["Disk"] > 0
    assert ad["DockerNetworks"] == "none"


def test_image_gc_drops_least_recently_used_but_never_one_in_use(private_engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine: Engine = private_engine()
    tags = [build_image(engine.host, f"gc-test/{name}:1") for name in ("a", "b", "c")]
    config = ExecutorConfig(vacate_timeout=1)
    with DockerExecutor(config, engine.host) as executor:
        collect_garbage(engine, executor, config, tags, tmp_path)


def collect_garbage(engine: Engine, executor: DockerExecutor, config: ExecutorConfig, tags: list[str],
                    tmp_path: Path) -> None:
    for tag in [engine.image, *tags]:  # use order: test image, a, b, c
        assert run_job(executor, JobSpec(image=tag, iwd=str(tmp_path), command=("true",)), config).exit_code == 0
        time.sleep(0.05)
    busy = launch(executor, JobSpec(image=tags[0], iwd=str(tmp_path), command=("sleep", "60")), config)
    removed = collect(executor.client, budget_mb=10_000, max_images=2)
    assert sorted(t for image in removed for t in image.tags) == [engine.image, tags[1]]
    left = {t for image in cached_images(executor.client) for t in image.tags}
    assert {tags[0], tags[2]} <= left and tags[1] not in left
    assert busy.handle is not None
    executor.cancel(busy.handle)
    complete(executor, busy)


def test_an_engine_that_stops_answering_leaves_no_socket_unclosed(tmp_path: Path) -> None:
    """The SDK's unix-socket connect() drops its socket unclosed when the engine is down; ours
    closes it (else a ResourceWarning surfaces whenever the garbage collector runs, in any test)."""
    import gc
    import warnings

    from .conftest import _can_start_private, _short_dir, start_engine, stop_engine, unavailable

    why = _can_start_private()
    if why:
        unavailable(why)
    directory = _short_dir("cp-dockerd-down-")
    try:
        executor = DockerExecutor(ExecutorConfig(), start_engine(directory))
    finally:
        stop_engine(directory)
    with executor, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        for _ in range(3):
            with pytest.raises(Exception, match="(?i)connection|no such file"):
                executor.client.ping()
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
