"""`pool status`: condor_status's slot table and state summary, from the published slot ads."""

from __future__ import annotations

import sys
import time
from typing import Annotated, Any

import typer

from classad import parse_expr
from classad.ad import ClassAd
from negotiator import ads
from negotiator.cli.pool import tables
from negotiator.cli.pool.app import app, open_queue
from negotiator.cli.pool.query import (
    AfStyle,
    Attributes,
    FormatAttr,
    FormatText,
    Jsonl,
    custom_output,
)

STATES = ("Owner", "Claimed", "Unclaimed", "Matched", "Preempting", "Drain", "Backfill", "BkIdle")


@app.command("status")
def status(
    long: Annotated[bool, typer.Option("-l", "-long", "--long", help="Whole slot ads (old-style).")]
    = False,
    as_json: Annotated[bool, typer.Option("-json", "--json", help="Slot ads as HTCondor's JSON.")]
    = False,
    af: Annotated[list[str] | None, typer.Option(
        "-af", "--af", "-autoformat", help="Attributes or expressions to print, one line per slot.",
        show_default=False)] = None,
    af_style: AfStyle = "",
    format_text: FormatText = None,
    format_attr: FormatAttr = None,
    constraint: Annotated[str | None, typer.Option(
        "-constraint", "--constraint", help="A ClassAd expression each slot ad must make true.")]
    = None,
    jsonl: Jsonl = False,
    attributes: Attributes = None,
    avail: Annotated[bool, typer.Option("-avail", "--avail", help="Only unclaimed slots "
                                        "(State == \"Unclaimed\").")] = False,
    claimed: Annotated[bool, typer.Option("-claimed", "--claimed", "-run", "--run",
                                          help="Only claimed slots (State == \"Claimed\").")]
    = False,
    total: Annotated[bool, typer.Option("-total", "--total", "-totals", "--totals",
                                        help="Only the summary.")] = False,
) -> None:
    """Show the pool's slots, as condor_status does (published by `pool run`)."""
    with open_queue() as queue:
        slots = queue.slots()
    if constraint is not None:
        tree = parse_expr(constraint)
        slots = [ad for ad in slots if ads.is_true(ads.evaluate(tree, ad, None))]
    # condor_status's modes: -avail adds State == "Unclaimed", -claimed State == "Claimed"
    wanted = {s for s, on in (("Unclaimed", avail), ("Claimed", claimed)) if on}
    if wanted:
        slots = [ad for ad in slots if _text(ad, "State") in wanted]
    slots.sort(key=_order)
    if custom_output(slots, af, af_style, format_text, format_attr):
        pass
    elif long or as_json or jsonl:
        sys.stdout.write(tables.long_form(slots, as_json, lines=jsonl, attributes=attributes))
    elif total:
        _write(slot_summary(slots))
    else:
        _write(slot_table(slots, time.time()))


def _order(ad: ClassAd) -> tuple[str, int, str]:
    name = ads.text(ad, "Name") or ""
    base, _, host = name.partition("@")
    number = base.rpartition("_")[2]
    return (host, int(number) if "_" in base and number.isdigit() else 0, name)


def _write(lines: list[str]) -> None:
    sys.stdout.write("".join(line + "\n" for line in lines))


def _activity_time(ad: ClassAd, now: float) -> str:
    since = ads.number(ad, "EnteredCurrentActivity", now)
    secs = max(0, int(ads.number(ad, "MyCurrentTime", now) - since))
    return f"{secs // 86400}+{secs % 86400 // 3600:02d}:{secs % 3600 // 60:02d}:{secs % 60:02d}"


def _text(ad: ClassAd, name: str) -> str:
    value: Any = ads.attr(ad, name)
    return value if isinstance(value, str) else ""


def slot_table(slots: list[ClassAd], now: float) -> list[str]:
    """condor_status's default table and the per-platform summary below it."""
    if not slots:
        return []
    width = max(len("Name"), *(len(_text(ad, "Name")) for ad in slots))
    head = f"{'Name':<{width}} {'OpSys':<10} {'Arch':<6} {'State':<9} {'Activity':<8} {'LoadAv':>6} {'Mem':>6}   ActvtyTime"
    lines = [head, ""]
    lines.extend(
        f"{_text(ad, 'Name'):<{width}} {_text(ad, 'OpSys'):<10} {_text(ad, 'Arch'):<6} "
        f"{_text(ad, 'State'):<9} {_text(ad, 'Activity'):<8} "
        f"{ads.number(ad, 'LoadAvg', 0.0):>6.3f} {int(ads.number(ad, 'Memory', 0)):>6}  "
        f"{_activity_time(ad, now):>11}" for ad in slots)
    lines.append("")
    return lines + slot_summary(slots)


def slot_summary(slots: list[ClassAd]) -> list[str]:
    """condor_status's summary: slots per platform and state (what -total prints)."""
    if not slots:
        return []
    lines: list[str] = []
    counts: dict[str, dict[str, int]] = {}
    for ad in slots:
        platform = f"{_text(ad, 'Arch')}/{_text(ad, 'OpSys')}"
        row = counts.setdefault(platform, dict.fromkeys(("Total", *STATES), 0))
        row["Total"] += 1
        state = _text(ad, "State")
        if state in row:
            row[state] += 1
    label = max(len("Total"), *(len(p) for p in counts)) + 2
    cols = ("Total", *STATES)
    lines.append(" " * (label + 1) + " ".join(f"{c:>{max(len(c), 5)}}" for c in cols))
    lines.append("")
    total = dict.fromkeys(cols, 0)
    for platform in sorted(counts):
        row = counts[platform]
        for c in cols:
            total[c] += row[c]
        lines.append(f"{platform:>{label}} " + " ".join(f"{row[c]:>{max(len(c), 5)}}" for c in cols))
    lines.append("")
    lines.append(f"{'Total':>{label}} " + " ".join(f"{total[c]:>{max(len(c), 5)}}" for c in cols))
    return lines
