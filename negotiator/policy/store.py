"""Accountant state on disk: SQLite written in one transaction, and a JSON export/import."""

from __future__ import annotations

import contextlib
import json
import math
import os
import sqlite3
import tempfile
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from negotiator.errors import NegotiatorError
from negotiator.policy.accountant import AccountantState, Customer

FORMAT_VERSION = 1
_COLUMNS = [f.name for f in fields(Customer)]
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS customers ({", ".join(c + (" TEXT PRIMARY KEY" if c == "name" else "") for c in _COLUMNS)});
"""


def is_json_path(path: str | Path) -> bool:
    return str(path).lower().endswith(".json")


def load_state(path: str | Path) -> AccountantState:
    """Read state from a .json file or an SQLite database; a missing file is an empty state."""
    path = Path(path)
    if not path.exists():
        return AccountantState()
    return load_json(path) if is_json_path(path) else load_sqlite(path)


def save_state(path: str | Path, state: AccountantState) -> None:
    """Write state atomically: a JSON file is replaced by rename, a database in one transaction."""
    if is_json_path(path):
        save_json(path, state)
    else:
        save_sqlite(path, state)


# -- SQLite ---------------------------------------------------------------------------------
def _connect(path: Path) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.executescript(_SCHEMA)
    except sqlite3.DatabaseError as exc:
        raise NegotiatorError(f"not a state database: {exc}", str(path)) from None
    return conn


def load_sqlite(path: str | Path) -> AccountantState:
    with contextlib.closing(_connect(Path(path))) as conn:
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            rows = conn.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM customers ORDER BY name"
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            raise NegotiatorError(f"unreadable state database: {exc}", str(path)) from None
    last = meta.get("last_update")
    customers = {row[0]: Customer(**dict(zip(_COLUMNS, row, strict=True))) for row in rows}
    return AccountantState(
        last_update=float(last) if last not in (None, "") else None, customers=customers
    )


def save_sqlite(path: str | Path, state: AccountantState) -> None:
    """Replace the stored state in a single transaction: a crash leaves the old or the new state."""
    with contextlib.closing(_connect(Path(path))) as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("DELETE FROM customers")
            marks = ", ".join("?" for _ in _COLUMNS)
            conn.executemany(
                f"INSERT INTO customers ({', '.join(_COLUMNS)}) VALUES ({marks})",
                [tuple(getattr(c, col) for col in _COLUMNS) for c in state.customers.values()],
            )
            last = "" if state.last_update is None else repr(state.last_update)
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('last_update', ?)", (last,)
            )
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('version', ?)",
                (str(FORMAT_VERSION),),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


# -- JSON -----------------------------------------------------------------------------------
def to_json(state: AccountantState) -> dict[str, Any]:
    """The state as a JSON-ready document."""
    submitters = {}
    for name, customer in state.customers.items():
        row = asdict(customer)
        del row["name"]
        submitters[name] = {k: v for k, v in row.items() if v is not None}
    return {"version": FORMAT_VERSION, "last_update": state.last_update, "submitters": submitters}


def from_json(doc: Any, source: str = "<json>") -> AccountantState:
    """Parse a state document; unknown or mistyped fields raise NegotiatorError."""
    if not isinstance(doc, dict):
        raise NegotiatorError("state must be a JSON object", source)
    last = doc.get("last_update")
    if last is not None and not isinstance(last, int | float):
        raise NegotiatorError("last_update must be a number", source)
    raw = doc.get("submitters", {})
    if not isinstance(raw, dict):
        raise NegotiatorError("submitters must be an object", source)
    customers = {name: _customer(name, row, source) for name, row in raw.items()}
    return AccountantState(last_update=None if last is None else float(last)).with_customers(
        customers
    )


def _customer(name: str, row: Any, source: str) -> Customer:
    if not isinstance(row, dict):
        raise NegotiatorError(f"submitter {name!r} must be an object", source)
    unknown = set(row) - set(_COLUMNS)
    if unknown:
        raise NegotiatorError(f"submitter {name!r}: unknown fields {sorted(unknown)}", source)
    values: dict[str, Any] = {}
    for key, value in row.items():
        if key == "in_use":
            values[key] = int(value)
        elif value is not None:
            if not isinstance(value, int | float) or isinstance(value, bool) or math.isnan(value):
                raise NegotiatorError(f"submitter {name!r}: {key} must be a number", source)
            values[key] = float(value)
    if values.get("priority", 0.5) < 0 or values.get("factor", 1.0) <= 0:
        raise NegotiatorError(f"submitter {name!r}: priority and factor must be positive", source)
    return Customer(name=name, **values)


def load_json(path: str | Path) -> AccountantState:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise NegotiatorError(f"cannot read state: {exc.strerror}", str(path)) from None
    except json.JSONDecodeError as exc:
        raise NegotiatorError(f"malformed JSON: {exc.msg}", str(path), exc.lineno) from None
    return from_json(doc, str(path))


def save_json(path: str | Path, state: AccountantState) -> None:
    """Write to a temporary file in the same directory, fsync, then rename over the old one."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(to_json(state), handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
