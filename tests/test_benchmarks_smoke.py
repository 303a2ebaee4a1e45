"""Smoke tests: the ClassAd benchmarks run in --quick mode and both libraries choose the same slots."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import poolgen

ROOT = Path(__file__).resolve().parent.parent


def test_poolgen_is_deterministic_and_renders_three_formats() -> None:
    slots, jobs = poolgen.slot_ads(300, seed=5), poolgen.job_ads(30, autoclusters=6, seed=5)
    assert poolgen.slot_ads(300, seed=5) == slots and poolgen.job_ads(30, 6, seed=5) == jobs
    assert {a["SlotType"] for a in slots} == {"Partitionable", "Dynamic", "Static"}
    assert len({j["Requirements"] for j in jobs}) > 1
    for fmt in poolgen.FORMATS:
        text = poolgen.render(slots, fmt)
        assert text == poolgen.render(slots, fmt) and "WithinResourceLimits" in text


def test_poolgen_cli_writes_files(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "benchmarks.poolgen", "--slots", "20", "--jobs", "10",
                    "--autoclusters", "3", "--format", "old", "--out", str(tmp_path)],
                   cwd=ROOT, check=True, capture_output=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jobs_10_ac3.old.ad", "slots_20.old.ad"]


@pytest.mark.oracle
def test_bench_classads_quick_agrees_with_classad2() -> None:
    pytest.importorskip("classad2")
    env = {**os.environ, "CONDOR_CONFIG": "/dev/null"}
    run = subprocess.run([sys.executable, "-m", "benchmarks.bench_classads", "--quick"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "chosen slots: identical in both libraries" in run.stdout
    assert "disagree 0" in run.stdout and "NOTE:" not in run.stdout


@pytest.mark.oracle
def test_bench_parse_quick_runs() -> None:
    pytest.importorskip("classad2")
    env = {**os.environ, "CONDOR_CONFIG": "/dev/null"}
    run = subprocess.run([sys.executable, "-m", "benchmarks.bench_parse", "--quick"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "differing in a string" in run.stdout and "own Requirements (strings, reals), json" in run.stdout
