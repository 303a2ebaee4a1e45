"""Human-readable output: the cycle's tables and condor_userprio's columns."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from rich import box
from rich.console import Console
from rich.table import Table

from negotiator.decisions import REJECTED_REASON, CycleResult
from negotiator.policy.accountant import AccountantState, priority_factor
from negotiator.policy.settings import NegotiatorConfig


def _num(value: float, digits: int = 2) -> str:
    if math.isinf(value):
        return "inf"
    return f"{value:,.{digits}f}"


def print_cycle(console: Console, result: CycleResult, max_matches: int | None = 20) -> None:
    """The per-submitter table, the group table (when groups are configured) and the matches."""
    table = Table(
        box=box.SIMPLE_HEAD,
        title=f"Negotiation cycle at {date(result.now)}: {len(result.matches)} matches, "
        f"{result.idle_slots} idle slots of {result.slots}, pool weight {result.pool_weight:g}"
    )
    # the submitter's name carries its group; a separate column only where there is room
    with_group = console.width >= 140
    for column in ("Submitter", "Group", "EUP", "Share", "Limit", "Idle", "Matched", "In use"):
        if column == "Group" and not with_group:
            continue
        if column in {"Submitter", "Group"}:
            table.add_column(column, overflow="fold")
        else:
            table.add_column(column, justify="right", no_wrap=True)
    order = sorted(result.submitters.values(), key=lambda s: (s.effective_priority, s.name))
    for s in order:
        cells = [
            s.name,
            _num(s.effective_priority),
            f"{s.share:.1%}",
            _num(s.limit, 1),
            str(s.idle_jobs),
            str(s.matched),
            _num(s.usage, 1),
        ]
        if with_group:
            cells.insert(1, s.group)
        table.add_row(*cells)
    console.print(table)
    if result.groups:
        groups = Table(title="Accounting groups", box=box.SIMPLE_HEAD)
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
        matches = Table(title="Matches", box=box.SIMPLE_HEAD)
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
    _print_unmatched(console, result, max_matches)


def _print_unmatched(console: Console, result: CycleResult, limit: int | None) -> None:
    """Jobs that got no slot, and jobs not negotiated at all, each with the reason."""
    rows = [(job, REJECTED_REASON) for job in result.rejected] + list(result.skipped)
    if not rows:
        return
    table = Table(box=box.SIMPLE_HEAD, title=f"Jobs without a match: {len(result.rejected)} rejected, "
                  f"{len(result.skipped)} not idle")
    table.add_column("Job")
    table.add_column("Reason", overflow="fold")
    for job, reason in rows if limit is None else rows[:limit]:
        table.add_row(job, reason)
    console.print(table)
    if limit is not None and len(rows) > limit:
        console.print(f"... and {len(rows) - limit} more (--all-matches or --json shows them)")


def date(when: float) -> str:
    """A cycle time as people read it (UTC)."""
    if not math.isfinite(when):
        return str(when)
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


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
        columns[1:1] = ["Real\nPriority"]
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
            cells[1:1] = [f"{c.priority:.2f}"]
        table.add_row(*cells)
        in_use += c.weighted_in_use
        hours += c.accumulated_usage / 3600
    console.print(table)
    console.print(
        f"Number of users: {len(rows)}    In use: {in_use:g}    Total usage: {hours:.2f} wghted-hrs"
    )
