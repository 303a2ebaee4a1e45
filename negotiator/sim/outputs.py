"""A run's files: jobs.parquet, timeseries.parquet, summary.json and userprio.txt."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table as RichTable

from negotiator.policy.accountant import AccountantState, priority_factor
from negotiator.policy.settings import NegotiatorConfig
from negotiator.sim.record import Recorder, Table


def write_parquet(path: Path, columns: dict[str, Any]) -> None:
    """Columns to one Parquet file (no timestamps or pandas metadata: identical runs, identical bytes)."""
    table = pa.table(columns)
    pq.write_table(table, path, compression="zstd", use_dictionary=True, write_statistics=True)


def timeseries_columns(recorder: Recorder) -> dict[str, Any]:
    """Submitter rows then group rows (`kind` says which) then pool rows, in one long table."""
    parts = [("submitter", recorder.submitters), ("group", recorder.groups),
             ("pool", recorder.pool)]
    keys = ["kind", "time", "submitter", "group"]
    for _, table in parts:
        keys += [k for k in table.numeric if k not in keys]
    out: dict[str, list[Any]] = {k: [] for k in keys}
    for kind, table in parts:
        rows = len(table)
        out["kind"] += [kind] * rows
        for key in keys[1:]:
            out[key] += _column(table, key, rows)
    return out


def _column(table: Table, key: str, rows: int) -> list[Any]:
    if key in table.coded:
        return list(table.column(key))
    if key in table.numeric:
        return list(table.numeric[key])
    if key in ("submitter", "group"):
        return [None] * rows
    return [math.nan] * rows


def clean(value: Any) -> Any:
    """JSON has no NaN or infinity: they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


def write_summary(path: Path, summary: dict[str, Any]) -> None:
    path.write_text(json.dumps(clean(summary), indent=2, sort_keys=True) + "\n", encoding="utf-8")


def userprio_text(state: AccountantState, config: NegotiatorConfig, width: int = 120) -> str:
    """condor_userprio's columns at the end of the run, best effective priority first."""
    table = RichTable(show_edge=False, box=None, pad_edge=False)
    for column in ("User Name", "Effective Priority", "Real Priority", "Priority Factor",
                   "Wghted In Use", "Total Usage (wghted-hrs)"):
        table.add_column(column, justify="left" if column == "User Name" else "right")
    rows = []
    for c in state.customers.values():
        factor = priority_factor(c.name, c, config)
        rows.append((max(c.priority, 0.5) * factor, c, factor))
    rows.sort(key=lambda r: (r[0], r[1].name))
    hours = 0.0
    for eup, c, factor in rows:
        table.add_row(c.name, f"{eup:.2f}", f"{c.priority:.2f}", f"{factor:.2f}",
                      f"{c.weighted_in_use:g}", f"{c.accumulated_usage / 3600:.2f}")
        hours += c.accumulated_usage / 3600
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, highlight=False)
    console.print(table)
    console.print(f"Number of users: {len(rows)}    Total usage: {hours:.2f} wghted-hrs")
    return buffer.getvalue()
