"""The `negotiator` Typer app, its consoles and shared options, and the entry point's error handling."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from classad.clirun import run_app
from classad.cliversion import version_callback
from negotiator.errors import NegotiatorError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="An HTCondor-style negotiator: user priorities, group quotas and matchmaking over ad files.",
)
#: tables fit the terminal (80 columns when not a terminal); `--wide` lifts the limit
out = Console(highlight=False, soft_wrap=False)
#: messages are never wrapped: a knob name split across lines breaks grep
err = Console(stderr=True, highlight=False, soft_wrap=True)
WIDE = 100_000


@app.callback()
def _options(
    show_version: Annotated[
        bool,
        typer.Option("--version", callback=version_callback("negotiator"), is_eager=True,
                     help="Print the version."),
    ] = False,
) -> None:
    """An HTCondor-style negotiator: user priorities, group quotas and matchmaking over ad files."""

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
WideOpt = Annotated[
    bool, typer.Option("--wide", help="Do not fit tables to the terminal's width.")
]
VerboseOpt = Annotated[
    bool, typer.Option("--verbose", help="Also list the other daemons' knobs the config sets.")
]


def widen(wide: bool) -> None:
    """`--wide`: tables as wide as their contents."""
    if wide:
        out.width = WIDE


def bundled(name: str) -> Path:
    return Path(str(resources.files("negotiator") / "data" / name))


def load_settings(path: Path | None, verbose: bool = False) -> object:
    from negotiator.policy.config import RawConfig, load_config
    from negotiator.policy.settings import build_config

    config = build_config(load_config(path) if path else RawConfig())
    for warning in config.warnings:
        err.print(f"negotiator: warning: {warning}", markup=False)
    if verbose:
        for knob in config.ignored:
            err.print(f"negotiator: not a negotiator knob, left alone: {knob}", markup=False)
    return config


def main() -> None:
    """Console entry point: bad input gives one line on stderr and exit status 2, never a traceback."""
    run_app(app, "negotiator", errors=[(NegotiatorError, str)], error_code=2)
