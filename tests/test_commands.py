"""Every installed command answers --version, and the executor's bad input is one line naming
the place (the negotiator's are in tests/negotiator/test_malformed_inputs.py, the classad
command's in tests/test_cli.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def run(command: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / command), *args], capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.mark.parametrize("command", ["classad", "negotiator", "executor", "pool"])
def test_version(command: str) -> None:
    done = run(command, "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{command} (classad-pool) ")


@pytest.mark.parametrize(
    ("content", "problem", "place"),
    [
        (b'[ DockerImage = "busybox"; Cmd = "/bin/true"; RequestMemory = 1e400 ]',
         "RequestMemory must be a finite number", "RequestMemory"),
        (b'[ DockerImage = "busybox"; Cmd = "/bin/true"; RequestMemory = -5 ]',
         "RequestMemory", "RequestMemory"),
        (b'[ DockerImage = "\xff" ]', "not UTF-8", "job.ad:1:18"),
        (b"\xff\xfe[\x00 \x00]\x00", "UTF-16", "job.ad:1:1"),
        (b"[ DockerImage = ", "job.ad", "job.ad"),
    ],
)
def test_executor_bad_job_ads(tmp_path: Path, content: bytes, problem: str, place: str) -> None:
    path = tmp_path / "job.ad"
    path.write_bytes(content)
    done = run("executor", "run", str(path), "--docker-host", f"unix://{tmp_path}/no.sock")
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert len(lines) == 1, done.stderr
    assert problem in lines[0] and place in lines[0], lines[0]


def test_executor_missing_job_ad(tmp_path: Path) -> None:
    done = run("executor", "run", str(tmp_path / "missing.ad"))
    assert done.returncode != 0
    assert done.stderr.strip().endswith("missing.ad: No such file or directory")
