"""`negotiator userprio`: condor_userprio's table from a stored state; --setfactor."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from negotiator.cli.app import (
    ConfigOpt,
    StateOpt,
    app,
    bundled,
    load_settings,
    out,
)
from negotiator.errors import NegotiatorError


@app.command()
def userprio(
    state: StateOpt = None,
    config: ConfigOpt = None,
    show_all: Annotated[bool, typer.Option("--all", help="Also show the real priority.")] = False,
    setfactor: Annotated[
        tuple[str, float] | None,
        typer.Option("--setfactor", help="Set USER's priority factor and save."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the state as JSON.")] = False,
) -> None:
    """Show user priorities in the spirit of condor_userprio (columns and order)."""
    from negotiator.cli.report import print_userprio
    from negotiator.policy.accountant import set_factor
    from negotiator.policy.settings import NegotiatorConfig
    from negotiator.policy.store import load_state, save_state, to_json

    path = state or bundled("state.json")
    if state is None and config is None:
        config = bundled("negotiator.conf")
    current = load_state(path)
    if setfactor is not None:
        if state is None:
            raise NegotiatorError("--setfactor needs --state")
        current = set_factor(current, setfactor[0], setfactor[1])
        save_state(state, current)
    settings = load_settings(config)
    assert isinstance(settings, NegotiatorConfig)
    if as_json:
        sys.stdout.write(json.dumps(to_json(current), indent=2, sort_keys=True) + "\n")
    else:
        print_userprio(out, current, settings, show_all)
