"""The `negotiator` command: one module per command group, registered on one Typer app."""

from negotiator.cli import negotiate, simulate, state, sweep, userprio
from negotiator.cli.app import app, main

__all__ = ["app", "main", "negotiate", "simulate", "state", "sweep", "userprio"]
