"""`negotiator userprio`: condor_userprio's table from a stored state, and its edits (--setprio...)."""

from __future__ import annotations

import json
import sys
import time
from typing import Annotated

import typer

from negotiator.cli.app import (
    ConfigOpt,
    StateOpt,
    WideOpt,
    app,
    bundled,
    err,
    load_settings,
    out,
    widen,
)
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
from negotiator.errors import NegotiatorError


@app.command()
def userprio(
    state: StateOpt = None,
    config: ConfigOpt = None,
    show_all: Annotated[bool, typer.Option("--all", help="Also show the real priority.")] = False,
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
    as_json: Annotated[bool, typer.Option("--json", help="Print the state as JSON.")] = False,
    wide: WideOpt = False,
) -> None:
    """Show user priorities as condor_userprio does (columns and order), or edit them (--set...)."""
    from negotiator.policy.settings import NegotiatorConfig
    from negotiator.policy.store import load_state, save_state, to_json
    from negotiator.policy.userprio_edit import (
        active_since,
        activefrom,
        apply_edit,
    )
    from negotiator.policy.userprio_table import print_userprio

    path = state or bundled("state.json")
    if state is None and config is None:
        config = bundled("negotiator.conf")
    current = load_state(path)
    # the state's own clock: a stored state is shown (and edited) as of its last update
    now = current.last_update if current.last_update is not None else time.time()
    edit = edit_of(setprio=setprio, setfactor=setfactor, setaccum=setaccum, setbegin=setbegin,
                   setlast=setlast, setceiling=setceiling, setfloor=setfloor,
                   resetusage=resetusage, delete=delete, resetall=resetall)
    if edit is not None:
        if state is None:
            raise NegotiatorError(f"--{edit[0]} needs --state (the bundled state is read-only)")
        current, reply = apply_edit(current, *edit, now=now)
        save_state(state, current)
        out.print(reply, markup=False, highlight=False)
        return
    if config is None:
        err.print(
            "negotiator: note: no --config: priority factors are shown with HTCondor's defaults;"
            " give the config the negotiator used",
            markup=False,
        )
    widen(wide)
    settings = load_settings(config)
    assert isinstance(settings, NegotiatorConfig)
    if as_json:
        sys.stdout.write(json.dumps(to_json(current), indent=2, sort_keys=True) + "\n")
    else:
        since = None if allusers else activefrom(*active_from) if active_from else now - 86400
        print_userprio(out, active_since(current, since), settings, show_all)
