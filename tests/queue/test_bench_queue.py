"""Smoke test: benchmarks/bench_queue.py runs end to end on a small cluster and prints its rows."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_bench_queue_small_run() -> None:
    if not (shutil.which("pool") or (Path(sys.executable).parent / "pool").exists()):
        pytest.skip("the pool console script is not installed in this environment")
    done = subprocess.run([sys.executable, "-m", "benchmarks.bench_queue", "--jobs", "300"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "`pool submit` (queue 300), end to end" in done.stdout
    assert "`pool q` summary over 300 jobs" in done.stdout
