"""`negotiator simulate`: a pool through time on a real trace, every cycle the real negotiate()."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from negotiator.cli.app import ConfigOpt, JobsOpt, app, err, out
from negotiator.errors import NegotiatorError

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(text: str | None, option: str) -> float | None:
    """`3600`, `90m`, `6h` or `2d` in seconds."""
    if text is None:
        return None
    found = _DURATION.match(text.lower())
    if found is None:
        raise NegotiatorError(f"{option}: expected a duration such as 3600, 90m, 6h or 2d, "
                              f"got {text!r}")
    return float(found[1]) * _UNIT[found[2]]


@app.command()
def simulate(
    trace: Annotated[Path | None, typer.Option(
        "--trace", help="SWF trace (.swf or .swf.gz), e.g. from the Parallel Workloads Archive.")
    ] = None,
    jobs: JobsOpt = None,
    slots: Annotated[Path | None, typer.Option(
        "--slots", help="Slot ads (static and partitionable), or a file holding a pool spec.")
    ] = None,
    machines: Annotated[str | None, typer.Option(
        "--machines", help="Pool spec: COUNTxCPUSc[MEMg][:static], parts joined by '+'.")
    ] = None,
    config: ConfigOpt = None,
    interval: Annotated[float | None, typer.Option(
        help="Seconds between cycles (default: NEGOTIATOR_INTERVAL, 60).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the random arrival jitter.")] = 0,
    jitter: Annotated[float, typer.Option(
        help="Move each submit time by a seeded uniform draw in [-S, +S] seconds.")] = 0.0,
    start: Annotated[str | None, typer.Option(
        help="Only jobs submitted this long after the first (e.g. 6h).")] = None,
    end: Annotated[str | None, typer.Option(
        help="Only jobs submitted before this long after the first (e.g. 2d).")] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many jobs.")] = None,
    rate: Annotated[float, typer.Option(
        help="Arrival-rate multiplier: 2 submits the same jobs twice as fast.")] = 1.0,
    accounting: Annotated[str, typer.Option(
        help="SWF user/group to submitter: the last dotted part is the owner, the rest the "
        "accounting group; fields {user} {group} {queue} {partition}.")
    ] = "group_{group}.u{user}",
    names: Annotated[Path | None, typer.Option(
        help="Names for SWF ids: lines 'user 12 alice' or 'group 3 cms'.")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Output directory.")] = Path("sim-out"),
    plots: Annotated[bool, typer.Option("--plots/--no-plots", help="Write plots/*.png.")] = True,
    max_cycles: Annotated[int, typer.Option(help="Stop after this many cycles.")] = 10_000_000,
) -> None:
    """Simulate a pool over time: jobs arrive, every cycle is negotiate(), jobs run and end.

    With no --trace/--jobs, simulates the bundled slice of the LCG trace (3,000 jobs) on the
    bundled pool (15 x 8-core machines) and configuration (six groups with quotas).
    """
    from negotiator.sim.outputs import userprio_text
    from negotiator.sim.run import Inputs, write_outputs
    from negotiator.sim.run import simulate as run_simulation
    from negotiator.sim.workload import Selection

    inputs = Inputs(
        trace=trace, jobs=jobs, slots=slots, machines=machines, config=config,
        interval=interval, seed=seed, jitter=jitter, accounting=accounting, names=names,
        selection=Selection(duration(start, "--start"), duration(end, "--end"), limit, rate),
        max_cycles=max_cycles)
    if limit is not None and limit < 0:
        raise NegotiatorError("--limit must be >= 0")
    with _progress() as tick:
        outcome, settings = run_simulation(inputs, tick)
    for warning in settings.warnings:
        err.print(f"negotiator: warning: {warning}", markup=False, soft_wrap=True)
    summary = write_outputs(outcome, settings, out_dir, plots=plots)
    print_summary(out, summary)
    for job in outcome.unfit[:5]:
        err.print(f"negotiator: warning: {job.source}: job {job.id} ({job.cpus} cores, "
                  f"{job.memory} MB) fits no slot of the pool: not run", markup=False, soft_wrap=True)
    if len(outcome.unfit) > 5:
        err.print(f"negotiator: warning: ... {len(outcome.unfit)} jobs fit no slot "
                  "(jobs.parquet lists them, status 'unfit')", markup=False, soft_wrap=True)
    if outcome.never_matched:
        err.print(f"negotiator: warning: {len(outcome.never_matched)} jobs were never matched "
                  f"({outcome.stopped})", markup=False, soft_wrap=True)
    # the file keeps 120 columns and Real Priority; the terminal gets condor_userprio's default
    # columns at its own width
    out.print(userprio_text(outcome.state, settings, width=out.width, show_all=False), markup=False,
              highlight=False, end="")
    out.print(f"Wrote {out_dir}/: jobs.parquet timeseries.parquet summary.json userprio.txt"
              + (" plots/*.png" if plots else ""))


class _progress:
    """A rich progress bar on stderr over simulated time; nothing when stderr is no terminal."""

    def __enter__(self) -> Any:
        console = Console(stderr=True)
        if not console.is_terminal:
            self.bar = None
            return None
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("simulating"), BarColumn(),
                            TextColumn("{task.description}"), TimeElapsedColumn(),
                            console=console, transient=True)
        self.bar.__enter__()
        self.task = self.bar.add_task("", total=1.0)

        def tick(now: float, first: float, last: float) -> None:
            span = max(last - first, 1.0)
            assert self.bar is not None
            self.bar.update(self.task, completed=min(1.0, (now - first) / span),
                            description=f"day {(now - first) / 86400:.2f}")

        return tick

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _fmt(value: Any, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:,.3f}{unit}" if abs(value) < 10 else f"{value:,.0f}{unit}"
    return f"{value:,}{unit}"


def print_summary(console: Console, summary: dict[str, Any]) -> None:
    """The summary as a two-column table."""
    table = Table(title="Simulation summary", show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = [
        ("jobs (completed / never matched / fit no slot)",
         f"{summary['jobs']:,} ({summary['completed']:,} / {summary['never_matched']:,} / "
         f"{summary['unfit']:,})"),
        ("wait mean / median / p95 (s)",
         f"{_fmt(summary['wait_mean_s'])} / {_fmt(summary['wait_median_s'])} / "
         f"{_fmt(summary['wait_p95_s'])}"),
        ("bounded slowdown (mean, tau 10 s)", _fmt(summary["bounded_slowdown_mean"])),
        ("utilisation (busy core-s / pool core-s)", _fmt(summary["utilisation"])),
        ("makespan (h)", _fmt(summary["makespan_s"] / 3600)),
        ("evictions", _fmt(summary["evictions"])),
        (f"Jain's index, usage / entitlement ({summary['fairness_over']})",
         _fmt(summary["jain_usage_over_entitlement"])),
        ("RMS of group share - quota (mean)", _fmt(summary["rms_share_minus_quota_mean"])),
        ("cycles (negotiated)", f"{summary['cycles']:,} ({summary['negotiated_cycles']:,})"),
    ]
    for why, count in summary["set_aside"].items():
        rows.append((f"set aside: {why}", f"{count:,}"))
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
