"""`negotiator sweep`: a grid of simulations side by side on Dask, compared in a table and plots."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from negotiator.cli.app import app, err, out
from negotiator.errors import NegotiatorError


@app.command()
def sweep(
    grid: Annotated[Path, typer.Argument(help="Sweep file (TOML): [base], [knobs], machines, "
                                         "rates, seeds.")],
    scheduler: Annotated[str | None, typer.Option(
        help="Address of an existing Dask scheduler (default: a LocalCluster).")] = None,
    workers: Annotated[int, typer.Option(help="LocalCluster worker processes.")] = 2,
    serial: Annotated[bool, typer.Option(
        "--serial", help="Run in this process, one after another (no Dask).")] = False,
    out_dir: Annotated[Path, typer.Option("--out", help="Output directory.")] = Path("sweep-out"),
) -> None:
    """Simulate every combination of a grid of configuration changes, one Dask task each."""
    from negotiator.sim import sweep as grid_runs

    if workers < 1:
        raise NegotiatorError("--workers must be at least 1")
    runs = grid_runs.load_grid(grid)
    out_dir.mkdir(parents=True, exist_ok=True)
    err.print(f"negotiator: sweep of {len(runs)} runs "
              + ("in this process" if serial else (f"on {scheduler}" if scheduler
                                                   else f"on a LocalCluster of {workers}")))
    if serial:
        results = grid_runs.run_serial(runs, out_dir)
    else:
        results = grid_runs.run_on_dask(runs, out_dir, scheduler, workers)
    (out_dir / "summaries.json").write_text(
        json.dumps(_clean(results), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print_comparison(results)
    from negotiator.sim.sweep_plots import draw_comparison

    draw_comparison(results, out_dir / "comparison.png")
    out.print(f"Wrote {out_dir}/: summaries.json comparison.png run*/ (one folder per run)")


def _clean(value: Any) -> Any:
    from negotiator.sim.outputs import clean

    return clean(value)


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def print_comparison(results: list[dict[str, Any]]) -> None:
    """Each run's settings on a line of their own, then the figures by run number (so the
    table fits a terminal however long the settings are)."""
    for number, row in enumerate(results, 1):
        out.print(f"run {number}: {row.get('label', '')}", markup=False)
    table = Table(title="Sweep: one row per run", box=box.SIMPLE_HEAD)
    columns = [("wait mean s", "wait_mean_s"), ("wait p95 s", "wait_p95_s"),
               ("slowdown", "bounded_slowdown_mean"), ("utilisation", "utilisation"),
               ("Jain", "jain_usage_over_entitlement"),
               ("RMS share-quota", "rms_share_minus_quota_mean"), ("evictions", "evictions"),
               ("done", "completed")]
    table.add_column("run", justify="right")
    for title, _ in columns:
        table.add_column(title, justify="right", overflow="fold")
    for number, row in enumerate(results, 1):
        table.add_row(str(number), *[_cell(row.get(key)) for _, key in columns])
    out.print(table)
