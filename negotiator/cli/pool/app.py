"""The `pool` Typer app: the pool directory option, HTCondor-style arguments, clean errors."""

from __future__ import annotations

import getpass
import os
import sqlite3
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from classad.clirun import first_line, run_app
from classad.cliversion import version_callback
from classad.errors import ClassAdError
from negotiator.errors import NegotiatorError
from negotiator.queue.jobqueue import JobQueue, QueueError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="An HTCondor-style pool: submit jobs, watch and steer the queue, run the pool.",
    context_settings={"help_option_names": ["-h", "--help", "-help"]},
)
err = Console(stderr=True, highlight=False, soft_wrap=True)

_state: dict[str, Path | None] = {"pool": None}


@app.callback()
def _options(
    pool: Annotated[Path | None, typer.Option(
        "--pool", envvar="POOL_DIR", help="The pool directory (default: "
        "$XDG_DATA_HOME/classad-pool, i.e. ~/.local/share/classad-pool).")] = None,
    show_version: Annotated[bool, typer.Option(
        "--version", callback=version_callback("pool"), is_eager=True,
        help="Print the version.")] = False,
) -> None:
    _state["pool"] = pool


def default_pool_dir() -> Path:
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "classad-pool"


def pool_dir() -> Path:
    """The pool directory: --pool, else $POOL_DIR, else the user's data directory."""
    return _state["pool"] or default_pool_dir()


def open_queue() -> JobQueue:
    """The pool's job queue (pool.db), created with the directory if missing."""
    return JobQueue(pool_dir() / "pool.db")


def current_user() -> str:
    return getpass.getuser()


#: options that take a list of words up to the next option, as condor_q's -af does
_LIST_OPTIONS = ("-af", "-autoformat", "--af")


def spread_lists(argv: list[str]) -> list[str]:
    """`-af:jh A B C` -> `-af A -af B -af C --af-style jh`, and `-format FMT ATTR` ->
    `--format-text FMT --format-attr ATTR`, so these options read like HTCondor's."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        tok = argv[i]
        name, colon, qualifiers = tok.partition(":")
        if tok in ("-format", "--format"):
            if i + 2 >= len(argv):
                raise UsageError(f"{tok} needs two arguments: a printf format and an attribute")
            out += ["--format-text", argv[i + 1], "--format-attr", argv[i + 2]]
            i += 3
            continue
        if name in _LIST_OPTIONS:
            i += 1
            words = 0
            while i < len(argv) and not argv[i].startswith("-"):
                out += ["-af", argv[i]]
                words += 1
                i += 1
            if not words:
                out.append("-af")
            if colon:
                out += ["--af-style", qualifiers]
            continue
        out.append(tok)
        i += 1
    return out


class UsageError(Exception):
    """A bad command line found after parsing (e.g. a malformed job id)."""


def main() -> None:
    """Console entry point: a user's mistake is one line on stderr and exit 1, no traceback."""
    run_app(app, "pool", args=lambda: spread_lists(sys.argv[1:]), errors=[
        ((NegotiatorError, QueueError, ClassAdError, UsageError, ValueError), first_line),
        (sqlite3.Error, lambda exc: f"the job queue in {pool_dir()}: {exc}"),
        (OSError, str),
    ])
