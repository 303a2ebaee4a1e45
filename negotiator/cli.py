"""The `negotiator` command: negotiate a pool, show user priorities, move state to and from JSON."""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from negotiator.errors import NegotiatorError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="An HTCondor-style negotiator: user priorities, group quotas and matchmaking over ad files.",
)
out = Console(highlight=False, soft_wrap=False, width=160)
err = Console(stderr=True, highlight=False)

SlotsOpt = Annotated[
    Path | None, typer.Option("--slots", help="Slot (machine) ads: new, old or JSON syntax.")
]
JobsOpt = Annotated[Path | None, typer.Option("--jobs", help="Job ads: new, old or JSON syntax.")]
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="Negotiator config (HTCondor syntax).")
]
StateOpt = Annotated[
    Path | None, typer.Option("--state", help="Accountant state: SQLite database or .json file.")
]


def _bundled(name: str) -> Path:
    return Path(str(resources.files("negotiator") / "data" / name))


def _load_config(path: Path | None) -> object:
    from negotiator.config import RawConfig, load_config
    from negotiator.settings import build_config

    config = build_config(load_config(path) if path else RawConfig())
    for warning in config.warnings:
        err.print(f"negotiator: warning: {warning}")
    return config


@app.command()
def negotiate(
    slots: SlotsOpt = None,
    jobs: JobsOpt = None,
    config: ConfigOpt = None,
    state: StateOpt = None,
    now: Annotated[
        float | None,
        typer.Option(
            help="Cycle time (seconds since the epoch); default: the state's last update."
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
) -> None:
    """Run one negotiation cycle. With no --slots/--jobs, negotiates the bundled example pool."""
    from negotiator import ads
    from negotiator.accountant import AccountantState
    from negotiator.cycle import negotiate as run_cycle
    from negotiator.report import print_cycle
    from negotiator.settings import NegotiatorConfig
    from negotiator.store import is_json_path, load_state, save_state

    demo = slots is None and jobs is None
    if demo:
        slots, jobs = _bundled("slots.ad"), _bundled("jobs.ad")
        config = config or _bundled("negotiator.conf")
        state_in = load_state(state) if state else load_state(_bundled("state.json"))
    elif slots is None or jobs is None:
        raise NegotiatorError(
            "give both --slots and --jobs (or neither, for the bundled example pool)"
        )
    else:
        state_in = load_state(state) if state else AccountantState()
    assert slots is not None and jobs is not None
    settings = _load_config(config)
    assert isinstance(settings, NegotiatorConfig)
    when = now if now is not None else (state_in.last_update or 0.0)
    result, new_state = run_cycle(
        ads.read_ads(slots, "slot"), ads.read_ads(jobs, "job"), state_in, settings, when
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
    negotiate(None, None, None, None, None, as_json, None, False)


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
    from negotiator.accountant import set_factor
    from negotiator.report import print_userprio
    from negotiator.settings import NegotiatorConfig
    from negotiator.store import load_state, save_state, to_json

    path = state or _bundled("state.json")
    if state is None and config is None:
        config = _bundled("negotiator.conf")
    current = load_state(path)
    if setfactor is not None:
        if state is None:
            raise NegotiatorError("--setfactor needs --state")
        current = set_factor(current, setfactor[0], setfactor[1])
        save_state(state, current)
    settings = _load_config(config)
    assert isinstance(settings, NegotiatorConfig)
    if as_json:
        sys.stdout.write(json.dumps(to_json(current), indent=2, sort_keys=True) + "\n")
    else:
        print_userprio(out, current, settings, show_all)


@app.command()
def bench(
    slots: Annotated[
        list[int] | None, typer.Option("--slots", help="Pool size(s); repeat for a scaling run.")
    ] = None,
    jobs: Annotated[int, typer.Option(help="Idle jobs.")] = 1000,
    autoclusters: Annotated[int, typer.Option(help="Distinct job shapes.")] = 50,
    naive_jobs: Annotated[
        int, typer.Option(help="Jobs for the classad2 naive loop (0: skip).")
    ] = 20,
    exact_jobs: Annotated[
        int, typer.Option(help="Jobs to re-run on the exact path and compare (0: skip).")
    ] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Benchmark a full cycle on a generated pool (needs the repository's benchmarks/)."""
    try:
        from benchmarks.bench_negotiation import report
    except ImportError as exc:
        raise NegotiatorError(f"the benchmark needs the source tree's benchmarks/: {exc}") from None
    report(slots or [10_000], jobs, autoclusters, naive_jobs, exact_jobs, as_json)


@app.command("export-state")
def export_state(database: Path, output: Annotated[Path | None, typer.Argument()] = None) -> None:
    """Write a state database as JSON (to OUTPUT, or standard output)."""
    from negotiator.store import load_state, save_json, to_json

    current = load_state(database)
    if output is None:
        sys.stdout.write(json.dumps(to_json(current), indent=2, sort_keys=True) + "\n")
    else:
        save_json(output, current)


@app.command("import-state")
def import_state(source: Path, database: Path) -> None:
    """Load a JSON state file into a state database (replacing its contents atomically)."""
    from negotiator.store import load_json, save_sqlite

    save_sqlite(database, load_json(source))


def main() -> None:
    """Console entry point: bad input gives one line on stderr and exit status 2, never a traceback."""
    try:
        app(standalone_mode=False)
    except NegotiatorError as exc:
        err.print(f"negotiator: error: {exc}", markup=False)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print("negotiator: aborted")
        sys.exit(130)
    except typer.BadParameter as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except Exception as exc:  # click's usage errors (missing option, bad value)
        show = getattr(exc, "show", None)
        code = getattr(exc, "exit_code", None)
        if show is None or not isinstance(code, int):
            raise
        show()
        sys.exit(code)


if __name__ == "__main__":
    main()
