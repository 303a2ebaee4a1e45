"""Human-readable output: the cycle's tables and condor_userprio's columns."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from rich import box
from rich.console import Console
from rich.table import Table

from negotiator.decisions import REJECTED_REASON, CycleResult


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
