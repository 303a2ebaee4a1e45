"""`pool userprio`: condor_userprio's table, live from the pool's accountant state, and its edits."""

from __future__ import annotations

import json
import sys
import time
from typing import Annotated

import typer

from negotiator.cli.pool.app import app, pool_dir
from negotiator.cli.userprio_options import (
    ActiveFrom,
    AllUsers,
    Delete,
    ResetAll,
    ResetUsage,
    SetAccum,
    SetBegin,
    SetCeiling,
    SetFactor,
    SetFloor,
    SetLast,
    SetPrio,
    edit_of,
)


@app.command("userprio")
def userprio(
    show_all: Annotated[bool, typer.Option("-all", "--all", help="Also show the real priority.")]
    = False,
    allusers: AllUsers = False,
    active_from: ActiveFrom = None,
    setprio: SetPrio = None,
    setfactor: SetFactor = None,
    setaccum: SetAccum = None,
    setbegin: SetBegin = None,
    setlast: SetLast = None,
    setceiling: SetCeiling = None,
    setfloor: SetFloor = None,
    resetusage: ResetUsage = None,
    delete: Delete = None,
    resetall: ResetAll = False,
    as_json: Annotated[bool, typer.Option("-json", "--json", help="The state as JSON.")] = False,
) -> None:
    """Show user priorities as condor_userprio does, from the pool's state.db; or edit them."""
    from rich.console import Console

    from negotiator.policy.accountant import update_priorities
    from negotiator.policy.store import load_state, save_state, to_json
    from negotiator.policy.userprio_edit import (
        active_since,
        activefrom,
        apply_edit,
    )
    from negotiator.policy.userprio_table import print_userprio
    from negotiator.pool.settings import load_settings

    settings = load_settings(pool_dir().expanduser().resolve())
    state = load_state(settings.state_path, create=True)
    now = time.time()
    edit = edit_of(setprio=setprio, setfactor=setfactor, setaccum=setaccum, setbegin=setbegin,
                   setlast=setlast, setceiling=setceiling, setfloor=setfloor,
                   resetusage=resetusage, delete=delete, resetall=resetall)
    if edit is not None:
        state, reply = apply_edit(state, *edit, now=now)
        save_state(settings.state_path, state)
        print(reply)
        return
    if as_json:
        sys.stdout.write(json.dumps(to_json(state), indent=2, sort_keys=True) + "\n")
        return
    # priorities decayed to now, charging the usage in force since the loop's last cycle
    now_state = update_priorities(state, now, settings.negotiator.priority_halflife)
    since = None if allusers else activefrom(*active_from) if active_from else now - 86400
    print_userprio(Console(highlight=False, soft_wrap=False, width=160),
                   active_since(now_state, since), settings.negotiator, show_all)
