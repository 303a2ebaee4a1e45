"""The `negotiator` command: one module per command group, registered on one Typer app."""

from negotiator.cli import negotiate, state, userprio
from negotiator.cli.app import app, main

__all__ = ["app", "main", "negotiate", "state", "userprio"]
