"""pool.conf mistakes: one line naming the file and line, a non-zero exit, no traceback."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.pool.conftest import POOL


def _run(pool_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "POOL_DIR": str(pool_dir)}
    return subprocess.run([str(POOL), *args], capture_output=True, text=True, env=env, timeout=120,
                          check=False)


def test_a_bad_execute_node_url_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "pool.conf").write_text("NEGOTIATOR_INTERVAL = 5\nPOOL_EXECUTE_NODES = /var/run/docker.sock\n")
    done = _run(tmp_path, "run", "--once")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert f"{tmp_path / 'pool.conf'}:2" in done.stderr and "POOL_EXECUTE_NODES" in done.stderr


def test_a_bad_number_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "pool.conf").write_text("POOL_NODE_LEASE = soon\n")
    done = _run(tmp_path, "status")
    assert done.returncode == 0  # status reads only the published slots
    done = _run(tmp_path, "run", "--once")
    assert done.returncode == 1
    assert f"{tmp_path / 'pool.conf'}:1" in done.stderr and "POOL_NODE_LEASE" in done.stderr


def test_a_fresh_pool_gets_a_commented_pool_conf(tmp_path: Path) -> None:
    done = _run(tmp_path / "new", "userprio")
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "new" / "pool.conf").read_text()
    assert "POOL_NODE_LEASE" in text and "NEGOTIATOR_INTERVAL" in text
