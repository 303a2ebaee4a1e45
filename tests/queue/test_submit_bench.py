"""Smoke test: benchmarks/bench_submit.py runs and prints its figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_submit_runs_small() -> None:
    run = subprocess.run([sys.executable, "-m", "benchmarks.bench_submit", "--procs", "300",
                          "--repeat", "1"], cwd=ROOT, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "reference (copy a" in run.stdout
    assert run.stdout.count("procs/s") == 3 and "x reference" in run.stdout
