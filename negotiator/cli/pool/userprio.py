"""`pool userprio`: condor_userprio's table, live from the pool's accountant state, and its edits."""

from __future__ import annotations

import json
import sys
import time
from typing import Annotated

import typer

from negotiator.cli.pool.app import app, pool_dir

UserValue = tuple[str, float] | None


def _valued(name: str, text: str) -> object:
    return typer.Option(f"-{name}", f"--{name}", help=text, show_default=False)


@app.command("userprio")
def userprio(
    show_all: Annotated[bool, typer.Option("-all", "--all", help="Also show the real priority.")]
    = False,
    allusers: Annotated[bool, typer.Option("-allusers", "--allusers", help="Every submitter "
                                           "(default: those active in the last day).")] = False,
    active_from: Annotated[tuple[int, int, int] | None, typer.Option(
        "-activefrom", "--activefrom", help="MONTH DAY YEAR: submitters active since then.",
        show_default=False)] = None,
    setprio: Annotated[UserValue, _valued("setprio", "USER VALUE: set the real priority.")] = None,
    setfactor: Annotated[UserValue, _valued("setfactor", "USER VALUE: set the priority factor "
                                            "(>= 1).")] = None,
    setaccum: Annotated[UserValue, _valued("setaccum", "USER SECONDS: set the accumulated "
                                           "usage.")] = None,
    setbegin: Annotated[UserValue, _valued("setbegin", "USER TIME: set the begin usage time.")]
    = None,
    setlast: Annotated[UserValue, _valued("setlast", "USER TIME: set the last usage time.")]
    = None,
    setceiling: Annotated[UserValue, _valued("setceiling", "USER N: at most N weighted slots "
                                             "(-1: no ceiling).")] = None,
    setfloor: Annotated[UserValue, _valued("setfloor", "USER N: at least N weighted slots "
                                           "(0: no floor).")] = None,
    resetusage: Annotated[str | None, _valued("resetusage", "USER: zero the accumulated usage.")]
    = None,
    delete: Annotated[str | None, _valued("delete", "USER: remove the accountant record.")]
    = None,
    resetall: Annotated[bool, typer.Option("-resetall", "--resetall",
                                           help="Zero every submitter's accumulated usage.")]
    = False,
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
        requested_edits,
    )
    from negotiator.policy.userprio_table import print_userprio
    from negotiator.pool.settings import load_settings

    settings = load_settings(pool_dir().expanduser().resolve())
    state = load_state(settings.state_path, create=True)
    now = time.time()
    edit = requested_edits(
        {"setprio": setprio, "setfactor": setfactor, "setaccum": setaccum, "setbegin": setbegin,
         "setlast": setlast, "setceiling": setceiling, "setfloor": setfloor},
        {"resetusage": resetusage, "delete": delete}, resetall)
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
