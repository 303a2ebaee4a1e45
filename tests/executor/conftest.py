"""A real, private Docker engine for the executor tests (no mocks), and a busybox test image.

The engine comes from `scripts/dockerd.sh` (session scope), or from CLASSAD_POOL_DOCKER_HOST when
the caller already runs one. Without an engine the docker tests skip, unless
CLASSAD_POOL_REQUIRE_DOCKER=1: then they fail, and the session fails if none of them passed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERD = ROOT / "scripts" / "dockerd.sh"
BUSYBOX = ROOT / "scripts" / "busybox-image.sh"
IMAGE = "classad-pool/busybox:test"
IWD_UID = 4242  # the submitting user of the tests' jobs: owns every test's Iwd (tmp_path) when we are root
REQUIRE = os.environ.get("CLASSAD_POOL_REQUIRE_DOCKER") == "1"
_passed_docker_tests: list[str] = []


@dataclass(frozen=True)
class Engine:
    """A running engine the tests may use: its URL and the test image."""

    host: str
    image: str
    directory: Path | None  # set when we started it (and so may restart it)


def unavailable(reason: str) -> None:
    if REQUIRE:
        pytest.fail(f"docker tests required (CLASSAD_POOL_REQUIRE_DOCKER=1) but {reason}")
    pytest.skip(reason)


def start_engine(directory: Path) -> str:
    done = subprocess.run([str(DOCKERD), "start", str(directory)], capture_output=True, text=True,
                          timeout=60, check=False)
    if done.returncode != 0:
        unavailable(f"cannot start a private dockerd: {done.stderr.strip()}")
    return done.stdout.strip()


def stop_engine(directory: Path) -> None:
    subprocess.run([str(DOCKERD), "stop", str(directory)], capture_output=True, timeout=120, check=False)


def build_image(host: str, tag: str = IMAGE) -> str:
    env = {**os.environ, "DOCKER_HOST": host}
    done = subprocess.run([str(BUSYBOX), tag], capture_output=True, text=True, env=env, timeout=120,
                          check=False)
    if done.returncode != 0:
        unavailable(f"cannot build the busybox test image: {done.stderr.strip()}")
    return tag


def _can_start_private() -> str | None:
    if os.geteuid() != 0:
        return "a private dockerd needs root"
    for tool in ("dockerd", "docker", "curl"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install -y docker.io busybox-static curl)"
    if not Path("/bin/busybox").exists():
        return "busybox-static is not installed"
    return None


def _short_dir(prefix: str) -> Path:
    """Unix socket paths must stay short, so engines live directly under /tmp."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    given = os.environ.get("CLASSAD_POOL_DOCKER_HOST")
    if given:
        yield Engine(given, build_image(given), None)
        return
    why = _can_start_private()
    if why:
        unavailable(why)
    directory = _short_dir("cp-dockerd-")
    try:
        host = start_engine(directory)
        yield Engine(host, build_image(host), directory)
    finally:
        stop_engine(directory)


@pytest.fixture
def private_engine() -> Iterator[Callable[[], Engine]]:
    """A throw-away engine of its own (for tests that restart the daemon)."""
    why = _can_start_private()
    if why:
        unavailable(why)
    directories: list[Path] = []

    def make() -> Engine:
        directory = _short_dir("cp-dockerd-own-")
        directories.append(directory)
        host = start_engine(directory)
        return Engine(host, build_image(host), directory)

    yield make
    for directory in directories:
        stop_engine(directory)


@pytest.fixture(autouse=True)
def _iwd_belongs_to_a_user(request: pytest.FixtureRequest) -> None:
    """As root, a job's Iwd must belong to its (non-root) submitter, as under a real schedd."""
    if os.geteuid() == 0 and "tmp_path" in request.fixturenames:
        os.chown(request.getfixturevalue("tmp_path"), IWD_UID, IWD_UID)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("CLASSAD_POOL_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow soak test: set CLASSAD_POOL_SLOW=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed and "docker" in report.keywords:
        _passed_docker_tests.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if REQUIRE and not _passed_docker_tests and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        print("\nCLASSAD_POOL_REQUIRE_DOCKER=1 but no docker test passed", flush=True)
