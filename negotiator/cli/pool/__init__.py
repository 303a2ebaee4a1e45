"""The `pool` command: one module per command group, registered on one Typer app."""

from negotiator.cli.pool import actions, query, run, status, submit, userprio
from negotiator.cli.pool.app import app, main

__all__ = ["actions", "app", "main", "query", "run", "status", "submit", "userprio"]
