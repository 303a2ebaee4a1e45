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

from negotiator.policy.accountant import AccountantState
from negotiator.policy.settings import NegotiatorConfig
from negotiator.policy.userprio_table import print_userprio
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


def userprio_text(state: AccountantState, config: NegotiatorConfig, width: int = 120,
                  show_all: bool = True) -> str:
    """condor_userprio's table at the end of the run, as text (`show_all`: with Real Priority)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, highlight=False)
    print_userprio(console, state, config, show_all=show_all)
    return buffer.getvalue()
