"""`negotiator export-state` and `import-state`: accountant state between SQLite and JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from negotiator.cli.app import (
    app,
)


@app.command("export-state")
def export_state(database: Path, output: Annotated[Path | None, typer.Argument()] = None) -> None:
    """Write a state database as JSON (to OUTPUT, or standard output)."""
    from negotiator.policy.store import load_state, save_json, to_json

    current = load_state(database)
    if output is None:
        sys.stdout.write(json.dumps(to_json(current), indent=2, sort_keys=True) + "\n")
    else:
        save_json(output, current)


@app.command("import-state")
def import_state(source: Path, database: Path) -> None:
    """Load a JSON state file into a state database (replacing its contents atomically)."""
    from negotiator.policy.store import load_json, save_sqlite

    save_sqlite(database, load_json(source))
