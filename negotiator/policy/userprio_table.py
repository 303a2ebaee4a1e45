"""condor_userprio's table: one row per submitter, best effective priority first."""

from __future__ import annotations

from datetime import UTC, datetime

from rich import box
from rich.console import Console
from rich.table import Table

from negotiator.policy.accountant import AccountantState, priority_factor
from negotiator.policy.settings import NegotiatorConfig


def _since(now: float, last: float | None, in_use: float) -> str:
    if in_use > 0:
        return "<now>"
    if last is None:
        return ""
    seconds = max(0, int(now - last))
    days, rest = divmod(seconds, 86400)
    return f"{days}+{rest // 3600:02d}:{rest % 3600 // 60:02d}"


def print_userprio(
    console: Console, state: AccountantState, config: NegotiatorConfig, show_all: bool
) -> None:
    """condor_userprio's default columns (plus Real Priority after Effective with -all), best first."""
    now = state.last_update or 0.0
    stamp = (
        datetime.fromtimestamp(now, UTC).strftime("%m/%d %H:%M") if state.last_update else "never"
    )
    console.print(f"Last Priority Update: {stamp}")
    table = Table(box=box.SIMPLE_HEAD)
    columns = [
        "User Name",
        "Effective\nPriority",
        "Priority\nFactor",
        "Wghted\nIn Use",
        "Usage\n(w-hrs)",
        "Last\nUsage",
        "Floor",
        "Ceiling",
    ]
    # floors and ceilings are rare: their columns appear when one is set
    limits = any(c.floor is not None or c.ceiling is not None for c in state.customers.values())
    if not limits:
        columns = columns[:-2]
    if show_all:
        columns[2:2] = ["Real\nPriority"]
    for column in columns:
        if column == "User Name":
            table.add_column(column, overflow="fold")
        else:
            table.add_column(column, justify="right", no_wrap=True)
    rows = []
    for c in state.customers.values():
        factor = priority_factor(c.name, c, config)
        rows.append((max(c.priority, 0.5) * factor, c, factor))
    rows.sort(key=lambda r: (r[0], r[1].name))
    in_use = hours = 0.0
    for eup, c, factor in rows:
        cells = [
            c.name,
            f"{eup:.2f}",
            f"{factor:.2f}",
            f"{c.weighted_in_use:g}",
            f"{c.accumulated_usage / 3600:.2f}",
            _since(now, c.last_usage_time, c.weighted_in_use),
        ]
        if limits:
            cells += ["" if c.floor is None else f"{c.floor:g}",
                      "" if c.ceiling is None else f"{c.ceiling:g}"]
        if show_all:
            cells[2:2] = [f"{c.priority:.2f}"]
        table.add_row(*cells)
        in_use += c.weighted_in_use
        hours += c.accumulated_usage / 3600
    console.print(table)
    console.print(
        f"Number of users: {len(rows)}    In use: {in_use:g}    Total usage: {hours:.2f} wghted-hrs"
    )
