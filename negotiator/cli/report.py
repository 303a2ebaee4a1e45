"""Human-readable output: the cycle's tables and condor_userprio's columns."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from rich.console import Console
from rich.table import Table

from negotiator.decisions import CycleResult
from negotiator.policy.accountant import AccountantState, priority_factor
from negotiator.policy.settings import NegotiatorConfig


def _num(value: float, digits: int = 2) -> str:
    if math.isinf(value):
        return "inf"
    return f"{value:,.{digits}f}"


def print_cycle(console: Console, result: CycleResult, max_matches: int | None = 20) -> None:
    """The per-submitter table, the group table (when groups are configured) and the matches."""
    table = Table(
        title=f"Negotiation cycle at t={result.now:g}: {len(result.matches)} matches, "
        f"{result.idle_slots} idle slots of {result.slots}, pool weight {result.pool_weight:g}"
    )
    for column in ("Submitter", "Group", "EUP", "Share", "Limit", "Idle jobs", "Matched", "In use"):
        table.add_column(column, justify="left" if column in {"Submitter", "Group"} else "right")
    order = sorted(result.submitters.values(), key=lambda s: (s.effective_priority, s.name))
    for s in order:
        table.add_row(
            s.name,
            s.group,
            _num(s.effective_priority),
            f"{s.share:.2%}",
            _num(s.limit),
            str(s.idle_jobs),
            str(s.matched),
            _num(s.usage, 1),
        )
    console.print(table)
    if result.groups:
        groups = Table(title="Accounting groups")
        for column in (
            "Group",
            "Config quota",
            "Quota",
            "Surplus",
            "Requested",
            "Allocated",
            "Matched",
            "In use",
        ):
            groups.add_column(column, justify="left" if column == "Group" else "right")
        for g in result.groups.values():
            config = (
                ""
                if g.config_quota is None
                else (f"{g.config_quota:g}" + (" (dyn)" if g.dynamic else ""))
            )
            groups.add_row(
                g.name,
                config,
                _num(g.quota),
                "yes" if g.accept_surplus else "no",
                _num(g.requested, 1),
                _num(g.allocated, 1),
                str(g.matched),
                _num(g.usage, 1),
            )
        console.print(groups)
    shown = result.matches if max_matches is None else result.matches[:max_matches]
    if shown:
        matches = Table(title="Matches")
        for column in ("Job", "Slot", "Submitter", "Claim", "Cost"):
            matches.add_column(column)
        for m in shown:
            slot = m.slot if m.dslot is None else f"{m.slot} -> {m.dslot}"
            claim = m.claim if m.preempts is None else f"{m.claim} (preempts {m.preempts})"
            matches.add_row(m.job, slot, m.submitter, claim, f"{m.cost:g}")
        console.print(matches)
        hidden = len(result.matches) - len(shown)
        if hidden > 0:
            console.print(f"... and {hidden} more matches (--all-matches or --json shows them)")


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
    """condor_userprio's default columns (plus Real Priority with --all), best priority first."""
    now = state.last_update or 0.0
    stamp = (
        datetime.fromtimestamp(now, UTC).strftime("%m/%d %H:%M") if state.last_update else "never"
    )
    console.print(f"Last Priority Update: {stamp}")
    table = Table(show_edge=False)
    columns = [
        "User Name",
        "Effective\nPriority",
        "Priority\nFactor",
        "Wghted\nIn Use",
        "Total Usage\n(wghted-hrs)",
        "Time Since\nLast Usage",
        "Submitter\nFloor",
        "Submitter\nCeiling",
    ]
    if show_all:
        columns[1:1] = ["Real\nPriority"]
    for column in columns:
        table.add_column(column, justify="left" if column == "User Name" else "right")
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
            "" if c.floor is None else f"{c.floor:g}",
            "" if c.ceiling is None else f"{c.ceiling:g}",
        ]
        if show_all:
            cells[1:1] = [f"{c.priority:.2f}"]
        table.add_row(*cells)
        in_use += c.weighted_in_use
        hours += c.accumulated_usage / 3600
    console.print(table)
    console.print(
        f"Number of users: {len(rows)}    In use: {in_use:g}    Total usage: {hours:.2f} wghted-hrs"
    )
