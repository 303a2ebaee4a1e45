"""`negotiator userprio`: condor_userprio's table from a stored state; --setfactor."""

from __future__ import annotations

import json
import math
import sys
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
    wide: WideOpt = False,
) -> None:
    """Show user priorities in the spirit of condor_userprio (columns and order)."""
    from negotiator.policy.accountant import set_factor
    from negotiator.policy.settings import NegotiatorConfig
    from negotiator.policy.store import load_state, save_state, to_json
    from negotiator.policy.userprio_table import print_userprio

    path = state or bundled("state.json")
    if state is None and config is None:
        config = bundled("negotiator.conf")
    current = load_state(path)
    if setfactor is not None:
        if state is None:
            raise NegotiatorError("--setfactor needs --state")
        user, factor = setfactor
        if "@" not in user or user.startswith("@") or user.endswith("@"):
            raise NegotiatorError(
                f"--setfactor: {user!r} is not a submitter name: give user@uid.domain"
                " (as condor_userprio does)"
            )
        if not math.isfinite(factor) or factor < 1:
            raise NegotiatorError(f"--setfactor: the priority factor must be >= 1, got {factor!r}")
        current = set_factor(current, user, factor)
        save_state(state, current)
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
        print_userprio(out, current, settings, show_all)
