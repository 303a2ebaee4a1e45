"""Bad input to the installed `negotiator` command, as an admin would give it: each case ends in
one line on stderr naming the place, a non-zero exit, and no traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

NEGOTIATOR = shutil.which("negotiator", path=str(Path(sys.executable).parent)) or "negotiator"
DATA = Path(__file__).resolve().parents[2] / "negotiator" / "data"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "80"}
    return subprocess.run([NEGOTIATOR, *args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=120, check=False)


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def state_json(doc: object) -> str:
    return json.dumps(doc)


def deep_json(depth: int) -> str:
    return '{"submitters": ' + "[" * depth + "]" * depth + "}"


Case = Callable[[Path], tuple[list[str], str, str]]

CASES: dict[str, Case] = {
    # (arguments, text the one line must contain, the place it must name)
    "machine ads as --jobs": lambda d: (
        ["negotiate", "--slots", str(DATA / "slots.ad"), "--jobs", str(DATA / "slots.ad")],
        "does not look like a job ad", "slots.ad"),
    "job ads as --slots": lambda d: (
        ["negotiate", "--slots", str(DATA / "jobs.ad"), "--jobs", str(DATA / "jobs.ad")],
        "does not look like a slot ad", "jobs.ad"),
    "misspelled --state for userprio": lambda d: (
        ["userprio", "--state", str(d / "typo.db")], "no such state file", "typo.db"),
    "export-state of a missing database": lambda d: (
        ["export-state", str(d / "nonexist.db")], "no such state file", "nonexist.db"),
    "import-state of an unknown field": lambda d: (
        ["import-state", str(write(d / "s.json", state_json({"bad": 1}))), str(d / "o.db")],
        "unknown fields", "s.json"),
    "import-state of another version": lambda d: (
        ["import-state", str(write(d / "s.json", state_json({"version": 99}))), str(d / "o.db")],
        "version must be 1", "s.json"),
    "last_update NaN": lambda d: (
        ["import-state", str(write(d / "s.json", '{"last_update": NaN}')), str(d / "o.db")],
        "last_update", "s.json"),
    "last_update infinite": lambda d: (
        ["import-state", str(write(d / "s.json", '{"last_update": 1e999}')), str(d / "o.db")],
        "last_update", "s.json"),
    "in_use many": lambda d: (
        ["import-state", str(write(d / "s.json", state_json(
            {"submitters": {"a@x": {"in_use": "many"}}}))), str(d / "o.db")],
        "in_use must be a number", "s.json"),
    "in_use 1e999": lambda d: (
        ["import-state", str(write(d / "s.json", '{"submitters": {"a@x": {"in_use": 1e999}}}')),
         str(d / "o.db")],
        "in_use must be a number", "s.json"),
    "in_use a list": lambda d: (
        ["import-state", str(write(d / "s.json", state_json(
            {"submitters": {"a@x": {"in_use": [1]}}}))), str(d / "o.db")],
        "in_use must be a number", "s.json"),
    "deeply nested JSON state": lambda d: (
        ["import-state", str(write(d / "s.json", deep_json(100_000))), str(d / "o.db")],
        "nested too deeply", "s.json"),
    "state not UTF-8": lambda d: (
        ["import-state", str(write(d / "s.json", b'{"a": "\xff"}')), str(d / "o.db")],
        "not UTF-8", "s.json"),
    "config not UTF-8": lambda d: (
        ["negotiate", "--config", str(write(d / "n.conf", b"A = 1\nB = \xe9\n"))],
        "not UTF-8", "n.conf:2"),
    "ad file not UTF-8": lambda d: (
        ["negotiate", "--slots", str(write(d / "s.ad", b"[ A = \"\xff\" ]")),
         "--jobs", str(DATA / "jobs.ad")], "not UTF-8", "s.ad:1"),
    "setfactor without a domain": lambda d: (
        ["userprio", "--state", str(write(d / "s.json", "{}")), "--setfactor", "carol", "2"],
        "user@uid.domain", "carol"),
    "setfactor below 1": lambda d: (
        ["userprio", "--state", str(write(d / "s.json", "{}")), "--setfactor", "c@x", "0.5"],
        "greater than or equal to 1", "0.5"),
    "--now before the state": lambda d: (
        ["negotiate", "--slots", str(DATA / "slots.ad"), "--jobs", str(DATA / "jobs.ad"),
         "--state", str(DATA / "state.json"), "--now", "1000"],
        "never moves the accountant backwards", "1970-01-01"),
    "doubling macros": lambda d: (
        ["negotiate", "--config", str(write(d / "n.conf", "A0 = x\n" + "".join(
            f"A{i} = $(A{i - 1})$(A{i - 1})\n" for i in range(1, 31))
            + "PRIORITY_HALFLIFE = $(A30)\n"))],
        "PRIORITY_HALFLIFE", "n.conf:32"),
    "allocation rounds infinite": lambda d: (
        ["negotiate", "--config", str(write(d / "n.conf",
                                            "GROUP_QUOTA_MAX_ALLOCATION_ROUNDS = inf\n"))],
        "finite", "n.conf:1"),
    "quota 1e400": lambda d: (
        ["negotiate", "--config", str(write(d / "n.conf", "GROUP_NAMES = a\nGROUP_QUOTA_a = 1e400\n"))],
        "finite", "n.conf:2"),
    "include command": lambda d: (
        ["negotiate", "--config", str(write(d / "n.conf", "include command : echo A=1\n"))],
        "'include command' is refused", "n.conf:1"),
    "unknown option": lambda d: (["negotiate", "--slotz", "x"], "No such option", "--slotz"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_one_clear_line_and_a_failure_status(name: str, tmp_path: Path) -> None:
    args, problem, place = CASES[name](tmp_path)
    done = run(*args, cwd=tmp_path)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode != 0, done.stdout[-500:]
    assert "Traceback" not in done.stderr
    text = " ".join(lines)
    assert problem in text and place in text, done.stderr
    if name != "unknown option":  # click's usage errors come with a usage line
        assert len(lines) == 1, done.stderr


def test_version_and_default_clock(tmp_path: Path) -> None:
    assert run("--version", cwd=tmp_path).stdout.startswith("negotiator (classad-pool) ")
    state = tmp_path / "state.db"
    first = run("negotiate", "--slots", str(DATA / "slots.ad"), "--jobs", str(DATA / "jobs.ad"),
                "--state", str(state), "--json", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    import time

    now = json.loads(first.stdout)["now"]
    assert abs(now - time.time()) < 600  # the current time, not the epoch
    exported = json.loads(run("export-state", str(state), cwd=tmp_path).stdout)
    assert exported["last_update"] == now


def test_not_idle_and_rejected_jobs_carry_reasons(tmp_path: Path) -> None:
    jobs = tmp_path / "jobs.ad"
    jobs.write_text(
        '[MyType = "Job"; ClusterId = 1; ProcId = 0; JobStatus = 5; Owner = "u";'
        ' HoldReason = "via condor_hold (by user u)"; RequestCpus = 1]\n'
        '[MyType = "Job"; ClusterId = 2; ProcId = 0; JobStatus = 1; Owner = "u";'
        ' RequestCpus = 1; Requirements = TARGET.Memory > 1e12]\n'
    )
    done = run("negotiate", "--slots", str(DATA / "slots.ad"), "--jobs", str(jobs), "--json",
               "--now", "1767225600", cwd=tmp_path)
    doc = json.loads(done.stdout)
    assert doc["rejected"] == [{"job": "2.0", "reason": "no match found"}]
    assert doc["not_negotiated"] == [
        {"job": "1.0", "reason": "not idle: Held (via condor_hold (by user u))"}
    ]
    table = run("negotiate", "--slots", str(DATA / "slots.ad"), "--jobs", str(jobs),
                "--now", "1767225600", cwd=tmp_path).stdout
    assert "no match found" in table and "not idle: Held" in table
    assert "2026-01-01 00:00:00 UTC" in table
    assert max(len(line) for line in table.splitlines()) <= 80
