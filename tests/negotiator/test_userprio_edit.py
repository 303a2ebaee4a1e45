"""condor_userprio's edits and its active-submitter filter, on the stored state and through the CLIs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import negotiator
from negotiator.errors import NegotiatorError
from negotiator.policy.accountant import AccountantState, Customer
from negotiator.policy.store import load_state
from negotiator.policy.userprio_edit import active_since, apply_edit, requested_edits

BUNDLED_STATE = Path(negotiator.__file__).parent / "data" / "state.json"
NOW = 1_767_225_600.0
STATE = AccountantState(last_update=NOW, customers={
    "a@x": Customer("a@x", priority=5.0, accumulated_usage=7200.0, begin_usage_time=NOW - 9e5,
                    last_usage_time=NOW - 60),
    "b@x": Customer("b@x", priority=2.0, last_usage_time=NOW - 3 * 86400),
    "c@x": Customer("c@x", weighted_in_use=4.0),
})


def test_set_edits_change_one_field_and_reply_as_condor_userprio() -> None:
    state, reply = apply_edit(STATE, "setprio", "a@x", 12.5, NOW)
    assert state.customers["a@x"].priority == 12.5 and reply == "The priority of a@x was set to 12.500000"
    assert state.customers["b@x"] == STATE.customers["b@x"]
    state, reply = apply_edit(STATE, "setfactor", "new@x", 3000, NOW)
    assert state.customers["new@x"].factor == 3000
    assert reply == "The priority factor of new@x was set to 3000.000000"
    state, reply = apply_edit(STATE, "setaccum", "a@x", 36.0, NOW)
    assert state.customers["a@x"].accumulated_usage == 36.0
    assert reply == "The Accumulated Usage of a@x was set to 36.000000"
    state, reply = apply_edit(STATE, "setlast", "a@x", 1700000000.9, NOW)
    assert state.customers["a@x"].last_usage_time == 1700000000
    assert reply == "The Last Usage Time of a@x was set to 1700000000"
    state, _ = apply_edit(STATE, "setceiling", "a@x", 8, NOW)
    assert state.customers["a@x"].ceiling == 8
    state, _ = apply_edit(state, "setceiling", "a@x", -1, NOW)   # -1: no ceiling
    assert state.customers["a@x"].ceiling is None


def test_reset_usage_keeps_the_priority_and_restarts_the_usage_now() -> None:
    state, reply = apply_edit(STATE, "resetusage", "a@x", None, NOW)
    a = state.customers["a@x"]
    assert (a.accumulated_usage, a.begin_usage_time, a.priority) == (0.0, NOW, 5.0)
    assert reply == "The accumulated usage of a@x was reset"
    state, reply = apply_edit(STATE, "resetall", None, None, NOW)
    assert all(c.accumulated_usage == 0 and c.begin_usage_time == NOW
               for c in state.customers.values())
    assert reply == "The accumulated usage was reset for all users"


def test_delete_removes_the_record() -> None:
    state, reply = apply_edit(STATE, "delete", "b@x", None, NOW)
    assert "b@x" not in state.customers and reply == "The accountant record named b@x was deleted"
    with pytest.raises(NegotiatorError, match="no accountant record"):
        apply_edit(STATE, "delete", "nobody@x", None, NOW)


@pytest.mark.parametrize("edit, user, value, words", [
    ("setprio", "a", 3.0, "full name"),            # user@uid.domain, as condor_userprio insists
    ("setfactor", "a@x", 0.5, "greater than or equal to 1"),
    ("setfactor", "a@x", float("nan"), "greater than or equal to 1"),
    ("setprio", "a@x", 0.0, "> 0"),
    ("setaccum", "a@x", -1.0, "0 or more"),
    ("setceiling", "a@x", -2.0, "greater than or equal to -1"),
    ("setfloor", "a@x", -1.0, "greater than or equal to 0"),
])
def test_bad_edits_are_refused(edit: str, user: str, value: float, words: str) -> None:
    with pytest.raises(NegotiatorError, match=words):
        apply_edit(STATE, edit, user, value, NOW)


def test_one_edit_at_a_time() -> None:
    with pytest.raises(NegotiatorError, match="one edit at a time"):
        requested_edits({"setprio": ("a@x", 1.0), "setfactor": ("a@x", 2.0)}, {}, False)
    assert requested_edits({"setprio": None}, {"delete": "a@x"}, False) == ("delete", "a@x", None)


def test_default_listing_shows_submitters_active_in_the_last_day() -> None:
    shown = active_since(STATE, NOW - 86400)
    assert list(shown.customers) == ["a@x", "c@x"]     # b@x last used 3 days ago
    assert list(active_since(STATE, None).customers) == ["a@x", "b@x", "c@x"]


def _script(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def test_pool_userprio_edits_persist(tmp_path: Path) -> None:
    env = {**os.environ, "POOL_DIR": str(tmp_path / "pool")}

    def pool(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([_script("pool"), "userprio", *args], capture_output=True,
                              text=True, env=env, timeout=120)
        assert (done.returncode == 0) == ok, done.stderr
        return done

    assert pool("-setprio", "alice@pool", "7").stdout == "The priority of alice@pool was set to 7.000000\n"
    assert pool("-setfactor", "alice@pool", "100").returncode == 0
    listing = pool("-allusers", "-all").stdout
    row = next(line for line in listing.splitlines() if "alice@pool" in line).split()
    assert row[1:4] == ["700.00", "7.00", "100.00"]   # effective = real x factor
    assert "alice@pool" not in pool().stdout            # never used: not active
    bad = pool("-setfactor", "alice", "5", ok=False)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and "user@uid.domain" in bad.stderr


def test_negotiator_userprio_edits_the_state_file(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    subprocess.run([_script("negotiator"), "import-state", str(BUNDLED_STATE), str(db)], check=True, capture_output=True, timeout=120)
    done = subprocess.run([_script("negotiator"), "userprio", "--state", str(db), "--resetusage",
                           "group_cms.prod.cmsprod@ap40.uw.osg-htc.org"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    cms = load_state(db).customers["group_cms.prod.cmsprod@ap40.uw.osg-htc.org"]
    assert cms.accumulated_usage == 0 and cms.priority == 180.0
