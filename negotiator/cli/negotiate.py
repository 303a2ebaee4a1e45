"""`negotiator negotiate` and `demo`: one cycle over ad files, as a table or JSON."""

from __future__ import annotations

import json
import math
import sys
import time
from datetime import UTC, datetime
from typing import Annotated

import typer

from negotiator.cli.app import (
    ConfigOpt,
    JobsOpt,
    SlotsOpt,
    StateOpt,
    VerboseOpt,
    WideOpt,
    app,
    bundled,
    load_settings,
    out,
    widen,
)
from negotiator.errors import NegotiatorError


@app.command()
def negotiate(
    slots: SlotsOpt = None,
    jobs: JobsOpt = None,
    config: ConfigOpt = None,
    state: StateOpt = None,
    now: Annotated[
        float | None,
        typer.Option(
            help="Cycle time (seconds since the epoch); default: now."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the decisions as JSON.")] = False,
    save: Annotated[
        bool | None,
        typer.Option(
            "--save/--no-save",
            help="Write the new state back (default: yes for a database, no for JSON).",
        ),
    ] = None,
    all_matches: Annotated[
        bool, typer.Option("--all-matches", help="List every match in the table output.")
    ] = False,
    wide: WideOpt = False,
    verbose: VerboseOpt = False,
    any_ads: Annotated[
        bool,
        typer.Option("--any-ads", help="Skip the check that job ads look like jobs, slots like slots."),
    ] = False,
) -> None:
    """Run one negotiation cycle. With no --slots/--jobs, negotiates the bundled example pool."""
    from negotiator import ads
    from negotiator.cli.report import print_cycle
    from negotiator.cycle import negotiate as run_cycle
    from negotiator.policy.accountant import AccountantState
    from negotiator.policy.settings import NegotiatorConfig
    from negotiator.policy.store import is_json_path, load_state, save_state

    demo = slots is None and jobs is None
    if demo:
        slots, jobs = bundled("slots.ad"), bundled("jobs.ad")
        config = config or bundled("negotiator.conf")
        state_in = load_state(state, create=True) if state else load_state(bundled("state.json"))
    elif slots is None or jobs is None:
        raise NegotiatorError(
            "give both --slots and --jobs (or neither, for the bundled example pool)"
        )
    else:
        state_in = load_state(state, create=True) if state else AccountantState()
    assert slots is not None and jobs is not None
    widen(wide)
    settings = load_settings(config, verbose)
    assert isinstance(settings, NegotiatorConfig)
    if demo and now is None:  # the bundled example is reproducible: it runs at its state's time
        now = state_in.last_update
    when = cycle_time(now, state_in.last_update)
    result, new_state = run_cycle(
        ads.read_ads(slots, "slot", not any_ads),
        ads.read_ads(jobs, "job", not any_ads),
        state_in,
        settings,
        when,
    )
    if state is not None and (save if save is not None else not is_json_path(state)):
        save_state(state, new_state)
    if as_json:
        sys.stdout.write(json.dumps(result.to_json(), indent=2) + "\n")
    else:
        print_cycle(out, result, None if all_matches else 20)


@app.command()
def demo(
    as_json: Annotated[bool, typer.Option("--json", help="Print the decisions as JSON.")] = False,
) -> None:
    """Negotiate the bundled example pool (240 slots, 600 jobs, a CMS/CHTC/OSG group tree)."""
    negotiate(None, None, None, None, None, as_json, None, False, False, False, False)


def cycle_time(given: float | None, last_update: float | None) -> float:
    """The cycle's clock: --now, else the current time; never before the state's last update."""
    when = time.time() if given is None else given
    if not math.isfinite(when) or when < 0:
        raise NegotiatorError(f"--now must be a time since the epoch, got {when!r}")
    if last_update is not None and when < last_update:
        raise NegotiatorError(
            f"the cycle time {_date(when)} is before the state's last update {_date(last_update)};"
            " a cycle never moves the accountant backwards"
        )
    return when


def _date(when: float) -> str:
    return datetime.fromtimestamp(when, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
