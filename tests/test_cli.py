"""The installed `classad` console script: eval streams, --jsonl batches, errors, match."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conformance import load_cases, same

DATA = Path(__file__).resolve().parents[1] / "classad" / "data"


def classad_exe() -> list[str]:
    exe = shutil.which("classad", path=str(Path(sys.executable).parent))
    assert exe is not None, "the classad console script is not installed"
    return [exe]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TZ": "UTC"}
    return subprocess.run([*classad_exe(), *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=300, check=False)


def test_eval_stream_echoes_context_like_classad_eval() -> None:
    proc = run("eval", "x = y", "x", "y = 7", "x")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["[ x = y ]", "undefined", "[ x = y; y = 7 ]", "7"]


def test_eval_quiet_and_negative_literal_argument() -> None:
    proc = run("eval", "-quiet", "a = 2", "-1 - a", '"x" == "X"')
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["-3", "true"]


def test_eval_with_files(tmp_path: Path) -> None:
    proc = run("eval", "-quiet", "--my", str(DATA / "sample_job.ad"), "--target",
               str(DATA / "sample_slots.ad"), "TARGET.Memory >= RequestMemory", "RequestCpus")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["true", "4"]


def test_bad_expression_is_one_line_and_nonzero() -> None:
    proc = run("eval", "1 +")
    assert proc.returncode != 0
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


def test_missing_file_is_one_line() -> None:
    proc = run("eval", "--my", "/nonexistent/job.ad", "1")
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert "/nonexistent/job.ad" in proc.stderr


@pytest.mark.usefixtures("utc")
def test_jsonl_batch_runs_the_whole_corpus() -> None:
    cases = load_cases()
    lines = [json.dumps({k: v for k, v in c.items() if k in ("id", "expr", "my", "target", "kind")})
             for c in cases]
    lines.insert(5, "this is not json")
    proc = run("eval", "--jsonl", "-", stdin="\n".join(lines) + "\n")
    assert proc.returncode == 0, proc.stderr
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(results) == len(cases) + 1
    by_id = {r["id"]: r["result"] for r in results if r["id"] is not None}
    failures = [c["id"] for c in cases
                if not same(c["expect"], by_id[c["id"]],
                            type_only=c["category"].startswith("fn.math.random"))]
    assert failures == [], f"{len(failures)} cases differ through --jsonl: {failures[:20]}"


def test_match_command_reports_best_slot() -> None:
    proc = run("match", str(DATA / "sample_job.ad"), str(DATA / "sample_slots.ad"), "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["best"] == "slot1@node01.cluster.example.org"
    assert report["summary"]["willing"] == 1


def test_demo_runs() -> None:
    proc = run("demo")
    assert proc.returncode == 0, proc.stderr
    assert "slot1@node01.cluster.example.org" in proc.stdout


def test_typo_of_an_option_is_refused_not_evaluated() -> None:
    proc = run("eval", "-quite", "1 + 1")
    assert proc.returncode != 0 and proc.stdout == ""
    assert "unknown option -quite (did you mean -quiet?)" in proc.stderr
    assert run("eval", "-quiet", "(-2) + 1").stdout.strip() == "-1"


def test_help_keeps_brackets_and_version_is_printed() -> None:
    assert "[a = 1; b = 2]" in run("eval", "--help").stdout
    assert run("--version").stdout.startswith("classad (classad-pool) ")


def test_demo_counts_agree_in_number() -> None:
    text = run("demo").stdout
    assert "1 match and are" not in text and "1 matches and is willing" in text
