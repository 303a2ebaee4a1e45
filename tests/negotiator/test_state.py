"""Accountant state: SQLite and JSON round trips, and a database that survives kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from negotiator.errors import NegotiatorError
from negotiator.policy.accountant import AccountantState, Customer
from negotiator.policy.store import from_json, load_state, save_state, to_json

STATE = AccountantState(
    last_update=120.0,
    customers={
        "a@pool": Customer(
            "a@pool",
            priority=12.5,
            factor=2.0,
            weighted_in_use=4.0,
            in_use=4,
            accumulated_usage=3600.0,
            begin_usage_time=0.0,
            last_usage_time=120.0,
        ),
        "g.b@pool": Customer("g.b@pool", ceiling=10.0),
    },
)


def test_sqlite_and_json_round_trip(tmp_path: Path) -> None:
    for name in ("state.db", "state.json"):
        save_state(tmp_path / name, STATE)
        assert load_state(tmp_path / name) == STATE
    assert from_json(to_json(STATE)) == STATE
    assert load_state(tmp_path / "missing.db", create=True) == AccountantState()
    with pytest.raises(NegotiatorError, match="no such state file"):
        load_state(tmp_path / "typo.db")
    assert not (tmp_path / "typo.db").exists()


WRITER = textwrap.dedent(
    """
    import sys
    from negotiator.policy.accountant import AccountantState, Customer
    from negotiator.policy.store import save_sqlite
    path = sys.argv[1]
    i = 0
    while True:
        i += 1
        customers = {f"u{n}@pool": Customer(f"u{n}@pool", priority=float(i)) for n in range(400)}
        save_sqlite(path, AccountantState(last_update=float(i), customers=customers))
        if i == 3:
            print("ready", flush=True)
    """
)


def test_state_survives_kill_9_mid_write(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    for delay in (0.05, 0.2, 0.4):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db)], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        state = load_state(db)
        assert state.last_update is not None and state.last_update >= 3
        assert len(state.customers) == 400
        assert {c.priority for c in state.customers.values()} == {state.last_update}


def test_cli_cycle_killed_mid_run_leaves_a_loadable_state(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    command = [sys.executable, "-m", "negotiator", "negotiate", "--state", str(db), "--json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    assert done.returncode == 0
    before = load_state(db)
    proc = subprocess.Popen(
        [*command, "--now", str((before.last_update or 0) + 60)], stdout=subprocess.DEVNULL
    )
    time.sleep(1.0)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    after = load_state(db)
    assert after.last_update in {before.last_update, (before.last_update or 0) + 60}
    assert set(after.customers) == set(before.customers)
