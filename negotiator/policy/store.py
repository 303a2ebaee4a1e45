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

from classad.inputfile import read_text_input
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


def load_state(path: str | Path, create: bool = False) -> AccountantState:
    """Read state from a .json file or an SQLite database. A missing file is an error, unless
    the caller creates state (`create`: a first negotiation cycle), when it is an empty state."""
    path = Path(path)
    if not path.exists():
        if create:
            return AccountantState()
        raise NegotiatorError(
            "no such state file (a first `negotiator negotiate --state PATH` creates one)",
            str(path),
        )
    if path.is_dir():
        raise NegotiatorError("is a directory, not a state file", str(path))
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
        conn = sqlite3.connect(path, isolation_level=None, timeout=30)
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
    source = str(path)
    version = meta.get("version")
    if version not in (None, str(FORMAT_VERSION)):
        raise NegotiatorError(f"state format version {version!r} is not {FORMAT_VERSION}", source)
    last = meta.get("last_update")
    try:
        stamp = float(last) if last not in (None, "") else None
    except (TypeError, ValueError):
        stamp = math.nan
    customers = {}
    for row in rows:
        values = dict(zip(_COLUMNS, row, strict=True))
        name = values.pop("name")
        if not isinstance(name, str):
            raise NegotiatorError(f"submitter name {name!r} is not text", source)
        customers[name] = _customer(name, {k: v for k, v in values.items() if v is not None},
                                    source)
    return AccountantState(last_update=_timestamp(stamp, source), customers=customers)


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


_TOP_LEVEL = {"version", "last_update", "submitters"}


def from_json(doc: Any, source: str = "<json>") -> AccountantState:
    """Parse a state document, field by field: unknown, mistyped or non-finite values raise
    NegotiatorError naming the field."""
    if not isinstance(doc, dict):
        raise NegotiatorError("state must be a JSON object", source)
    unknown = set(doc) - _TOP_LEVEL
    if unknown:
        raise NegotiatorError(f"unknown fields {sorted(unknown)} (expected {sorted(_TOP_LEVEL)})",
                              source)
    version = doc.get("version", FORMAT_VERSION)
    if type(version) is not int or version != FORMAT_VERSION:
        raise NegotiatorError(f"version must be {FORMAT_VERSION}, got {version!r}", source)
    last = doc.get("last_update")
    if last is not None and (type(last) not in (int, float)):
        raise NegotiatorError("last_update must be a number (seconds since the epoch)", source)
    raw = doc.get("submitters", {})
    if not isinstance(raw, dict):
        raise NegotiatorError("submitters must be an object", source)
    customers = {name: _customer(name, row, source) for name, row in raw.items()}
    stamp = None if last is None else float(last)
    return AccountantState(last_update=_timestamp(stamp, source)).with_customers(customers)


def _timestamp(value: float | None, source: str) -> float | None:
    if value is not None and (not math.isfinite(value) or value < 0):
        raise NegotiatorError(f"last_update must be a finite time >= 0, got {value!r}", source)
    return value


def _customer(name: str, row: Any, source: str) -> Customer:
    if not isinstance(row, dict):
        raise NegotiatorError(f"submitter {name!r} must be an object", source)
    unknown = set(row) - set(_COLUMNS) | ({"name"} & set(row))
    if unknown:
        raise NegotiatorError(f"submitter {name!r}: unknown fields {sorted(unknown)}", source)
    values: dict[str, Any] = {}
    for key, value in row.items():
        if value is None:
            continue
        if type(value) not in (int, float) or not math.isfinite(value) or value < 0:
            raise NegotiatorError(
                f"submitter {name!r}: {key} must be a number (finite, >= 0), got {value!r}", source
            )
        if key == "in_use":
            if value != int(value) or value > 2**31 - 1:
                raise NegotiatorError(f"submitter {name!r}: in_use must be a whole number", source)
            values[key] = int(value)
        else:
            values[key] = float(value)
    if values.get("factor", 1.0) <= 0:
        raise NegotiatorError(f"submitter {name!r}: factor must be positive", source)
    return Customer(name=name, **values)


def load_json(path: str | Path) -> AccountantState:
    try:
        doc = json.loads(read_text_input(path))
    except OSError as exc:
        raise NegotiatorError(f"cannot read state: {exc.strerror}", str(path)) from None
    except UnicodeDecodeError as exc:
        raise NegotiatorError(f"not UTF-8 text (byte {exc.start})", str(path)) from None
    except json.JSONDecodeError as exc:
        raise NegotiatorError(f"malformed JSON: {exc.msg}", str(path), exc.lineno) from None
    except RecursionError:
        raise NegotiatorError("JSON nested too deeply for a state file", str(path)) from None
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
