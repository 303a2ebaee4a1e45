"""Two private Docker engines (execute nodes), a pool directory, and the installed `pool` command.

The engines come from the executor tests' helpers (scripts/dockerd.sh, the busybox test image).
Without a way to start them the tests skip locally and fail in CI (CLASSAD_POOL_REQUIRE_DOCKER=1).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest

from tests.executor.conftest import (
    IWD_UID,
    Engine,
    _can_start_private,
    _short_dir,
    build_image,
    pytest_collection_modifyitems,  # slow soak tests run only with CLASSAD_POOL_SLOW=1
    start_engine,
    stop_engine,
    unavailable,
)

__all__ = ["pytest_collection_modifyitems"]

POOL = Path(sys.executable).parent / "pool"
SUBMITTER = "cp-pool-tester"  # a name without a passwd entry: jobs act as Iwd's owner
JOB_ID = re.compile(r"^\d+\.\d+$")


@pytest.fixture(scope="session")
def engines() -> Iterator[tuple[Engine, Engine]]:
    """Two engines for the whole session: the pool's two execute nodes."""
    why = _can_start_private()
    if why:
        unavailable(why)
    dirs = [_short_dir("cp-pool-a-"), _short_dir("cp-pool-b-")]
    try:
        hosts = [start_engine(d) for d in dirs]
        yield (Engine(hosts[0], build_image(hosts[0]), dirs[0]),
               Engine(hosts[1], build_image(hosts[1]), dirs[1]))
    finally:
        for d in dirs:
            stop_engine(d)


@dataclass
class Pool:
    """A pool directory, its configuration and a way to run the installed `pool` command."""

    directory: Path
    work: Path
    nodes: list[str]
    runs: list[subprocess.Popen[str]] = field(default_factory=list)
    logs: list[IO[str]] = field(default_factory=list)

    def configure(self, extra: str = "", *, cpus: int | None = 2, interval: float = 0.5) -> None:
        text = (f"POOL_EXECUTE_NODES = {' '.join(self.nodes)}\n"
                f"NEGOTIATOR_INTERVAL = {interval}\nNEGOTIATOR_MIN_INTERVAL = 0.1\n"
                "POOL_VACATE_TIMEOUT = 2\nPERIODIC_EXPR_INTERVAL = 1\n")
        if cpus is not None:
            text += f"POOL_NODE_CPUS = {cpus}\n"
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "pool.conf").write_text(text + extra, encoding="utf-8")

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "DOCKER_HOST"}
        env["POOL_DIR"] = str(self.directory)
        if os.geteuid() == 0:  # `pool submit` takes Owner from $USER; Iwd belongs to IWD_UID
            env["USER"] = env["LOGNAME"] = SUBMITTER
        return env

    def __call__(self, *args: str, check: bool = True, timeout: float = 120) -> str:
        done = subprocess.run([str(POOL), *args], capture_output=True, text=True, cwd=self.work,
                              env=self.env(), timeout=timeout, check=False)
        if check and done.returncode != 0:
            raise AssertionError(f"pool {' '.join(args)} exited {done.returncode}: {done.stderr}")
        return done.stdout

    def submit(self, name: str, text: str) -> int:
        (self.work / name).write_text(text, encoding="utf-8")
        out = self("submit", name, "-terse")
        return int(out.split(".")[0])

    def start(self, *args: str) -> subprocess.Popen[str]:
        """`pool run ARGS` in the background (plain lines, stdout to a file in the pool dir)."""
        log = open(self.directory / f"run-{len(self.runs)}.log", "w", encoding="utf-8")  # noqa: SIM115
        proc = subprocess.Popen([str(POOL), "run", *args], stdout=log, stderr=subprocess.STDOUT,
                                cwd=self.work, env=self.env(), text=True, start_new_session=True)
        self.runs.append(proc)
        self.logs.append(log)
        return proc

    def run_until_done(self, timeout: float = 240) -> str:
        return self("run", "--until-done", timeout=timeout)

    def stop_all(self) -> None:
        for proc in self.runs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        for log in self.logs:
            log.close()
        self.logs.clear()

    def af(self, command: str, *attrs: str, constraint: str | None = None) -> list[list[str]]:
        args = [command, "-af", *attrs]
        if command == "q":
            args.append("-allusers")
        if constraint:
            args += ["-constraint", constraint]
        return [line.split() for line in self(*args).splitlines() if line.strip()]

    def wait_for(self, what: Callable[[], bool], timeout: float = 60, step: float = 0.2) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if what():
                return
            time.sleep(step)
        raise AssertionError(f"timed out after {timeout:g} s waiting for {what.__doc__ or what}")


@pytest.fixture
def pool(engines: tuple[Engine, Engine], tmp_path: Path) -> Iterator[Pool]:
    work = tmp_path / "work"
    work.mkdir()
    if os.geteuid() == 0:  # as under a real schedd, job files belong to a (non-root) user
        os.chown(work, IWD_UID, IWD_UID)
    made = Pool(tmp_path / "pooldir", work, [engines[0].host, engines[1].host])
    made.configure()
    yield made
    made.stop_all()
    _remove_our_containers(made, engines)


def _remove_our_containers(made: Pool, engines: tuple[Engine, Engine]) -> None:
    """Leave the shared engines clean: remove this pool's containers (found by its sandbox path)."""
    import docker

    for eng in engines:
        try:
            client = docker.DockerClient(base_url=eng.host)
            for c in client.containers.list(all=True):
                if str(made.directory) in str((c.labels or {}).get("io.classad-pool.sandbox", "")):
                    c.remove(force=True)
            client.close()
        except Exception:  # the engine may have been stopped by the test
            pass


def job_ids(rows: list[list[str]]) -> list[str]:
    return [f"{r[0]}.{r[1]}" for r in rows]
