"""The `negotiator` command: negotiate (tables and --json), userprio, state export/import, errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from negotiator.cli import app

runner = CliRunner()

SLOTS = "".join(
    f'[ Name = "slot{n}@host"; SlotID = {n}; Cpus = 1; Memory = 2048; Requirements = true; '
    f"Rank = 0.0; CurrentRank = 0.0; SlotWeight = Cpus ]\n"
    for n in range(1, 11)
)
JOBS = "\n".join(
    f'ClusterId = {c}\nProcId = {p}\nUser = "{u}@pool"\nJobStatus = 1\nRequestCpus = 1\n'
    f"Requirements = true\n"
    for c, u in ((1, "alice"), (2, "bob"))
    for p in range(10)
)


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "slots.ad").write_text(SLOTS)
    (tmp_path / "jobs.ad").write_text(JOBS)
    (tmp_path / "neg.conf").write_text("PRIORITY_HALFLIFE = 3600\n")
    return {
        "slots": tmp_path / "slots.ad",
        "jobs": tmp_path / "jobs.ad",
        "config": tmp_path / "neg.conf",
        "dir": tmp_path,
    }


def negotiate(files: dict[str, Path], *more: str) -> list[str]:
    """`negotiate --slots ... --jobs ...` on the fixture's pool, then `more`."""
    return ["negotiate", "--slots", str(files["slots"]), "--jobs", str(files["jobs"]), *more]


def test_negotiate_json(files: dict[str, Path]) -> None:
    result = runner.invoke(
        app,
        negotiate(files, "--config", str(files["config"]), "--json"),
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert len(doc["matches"]) == 10
    assert set(doc["matches"][0]) >= {"job", "slot", "submitter"}
    assert doc["submitters"]["alice@pool"] == doc["submitters"]["alice@pool"] | {
        "matched": 5,
        "limit": 5.0,
    }
    assert doc["submitters"]["bob@pool"]["effective_priority"] == 500.0


def test_negotiate_table_and_state_db(files: dict[str, Path]) -> None:
    db = files["dir"] / "state.db"
    result = runner.invoke(app, negotiate(files, "--state", str(db), "--now", "1000"))
    assert result.exit_code == 0, result.output
    assert "alice@pool" in result.stdout and "Matched" in result.stdout
    prio = runner.invoke(app, ["userprio", "--state", str(db), "--all"])
    assert prio.exit_code == 0
    assert "Effective" in prio.stdout and "alice@pool" in prio.stdout
    exported = files["dir"] / "state.json"
    assert runner.invoke(app, ["export-state", str(db), str(exported)]).exit_code == 0
    assert json.loads(exported.read_text())["submitters"]["alice@pool"]["weighted_in_use"] == 5.0
    copy = files["dir"] / "copy.db"
    assert runner.invoke(app, ["import-state", str(exported), str(copy)]).exit_code == 0


def test_bundled_demo_runs_with_no_setup() -> None:
    result = runner.invoke(app, ["negotiate", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert len(doc["matches"]) > 50 and len(doc["submitters"]) >= 5 and doc["groups"]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "negotiator", *args], capture_output=True, text=True, timeout=300
    )


def test_bad_config_is_one_line_not_a_traceback(files: dict[str, Path]) -> None:
    files["config"].write_text("GROUP_NAMES = a\nGROUP_QUOTA_a = -1\n")
    done = run_cli(*negotiate(files, "--config", str(files["config"])))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert f"{files['config']}:2:" in done.stderr


def test_malformed_ads_error(files: dict[str, Path]) -> None:
    files["slots"].write_text("[ Name = ; ]\n")
    done = run_cli(*negotiate(files))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert str(files["slots"]) in done.stderr


def test_installed_console_script() -> None:
    script = shutil.which("negotiator") or str(Path(sys.executable).parent / "negotiator")
    if not Path(script).exists():
        pytest.skip("the negotiator console script is not installed in this environment")
    done = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "negotiate" in done.stdout
