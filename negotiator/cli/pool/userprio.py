"""`pool userprio`: condor_userprio's table, live from the pool's accountant state."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from negotiator.cli.pool.app import app, pool_dir


@app.command("userprio")
def userprio(
    show_all: Annotated[bool, typer.Option("-all", "--all", help="Also show the real priority.")]
    = False,
    setfactor: Annotated[tuple[str, float] | None, typer.Option(
        "-setfactor", "--setfactor", help="Set USER's priority factor (saved in state.db).")] = None,
    as_json: Annotated[bool, typer.Option("-json", "--json", help="The state as JSON.")] = False,
) -> None:
    """Show user priorities as condor_userprio does, from the pool's state.db."""
    from rich.console import Console

    from negotiator.policy.accountant import set_factor, update_priorities
    from negotiator.policy.store import load_state, save_state, to_json
    from negotiator.policy.userprio_table import print_userprio
    from negotiator.pool.settings import load_settings

    settings = load_settings(pool_dir().expanduser().resolve())
    state = load_state(settings.state_path, create=True)
    if setfactor is not None:
        state = set_factor(state, setfactor[0], setfactor[1])
        save_state(settings.state_path, state)
    if as_json:
        sys.stdout.write(json.dumps(to_json(state), indent=2, sort_keys=True) + "\n")
        return
    import time

    # priorities decayed to now, charging the usage in force since the loop's last cycle
    now_state = update_priorities(state, time.time(), settings.negotiator.priority_halflife)
    print_userprio(Console(highlight=False, soft_wrap=False, width=160), now_state,
                   settings.negotiator, show_all)
