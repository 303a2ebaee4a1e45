"""A run's files: jobs.parquet, timeseries.parquet, summary.json and userprio.txt."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
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
    """Submitter rows then group rows (`kind` says which) then pool rows, in one long table;
    names are dictionary-encoded, numbers go to Arrow from the recorder's arrays unboxed."""
    parts = [("submitter", recorder.submitters), ("group", recorder.groups),
             ("pool", recorder.pool)]
    numeric: list[str] = []
    for _, table in parts:
        numeric += [k for k in table.numeric if k not in numeric]
    kinds = pa.array(np.concatenate([np.full(len(t), i, dtype=np.int32)
                                     for i, (_, t) in enumerate(parts)]))
    out: dict[str, Any] = {
        "kind": pa.DictionaryArray.from_arrays(kinds, pa.array([k for k, _ in parts]))}
    dictionary = pa.array(recorder.names.values, type=pa.string())
    for key in ("submitter", "group"):
        codes = np.concatenate([_codes(t, key) for _, t in parts])
        indices = pa.array(codes, mask=codes < 0, type=pa.int32())
        out[key] = pa.DictionaryArray.from_arrays(indices, dictionary)
    for key in numeric:
        out[key] = pa.array(np.concatenate([_numbers(t, key) for _, t in parts]))
    return out


def _codes(table: Table, key: str) -> np.ndarray[Any, Any]:
    if key in table.coded:
        return np.frombuffer(table.coded[key], dtype=np.int32) if len(table) else np.zeros(
            0, dtype=np.int32)
    return np.full(len(table), -1, dtype=np.int32)


def _numbers(table: Table, key: str) -> np.ndarray[Any, Any]:
    if key in table.numeric and len(table):
        return np.frombuffer(table.numeric[key], dtype=np.float64)
    return np.full(len(table), np.nan)


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
        if column == "User Name":
            table.add_column(column, overflow="fold")
        else:
            table.add_column(column, justify="right")
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
