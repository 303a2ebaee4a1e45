"""`pool q` and `pool history`: condor_q's and condor_history's views of the queue."""

from __future__ import annotations

import sys
import time
from typing import Annotated

import typer

from classad.ad import ClassAd
from negotiator.cli.pool import tables
from negotiator.cli.pool.app import app, current_user, open_queue, pool_dir
from negotiator.cli.pool.autoformat import autoformat
from negotiator.cli.pool.printf import compile_format, render
from negotiator.cli.pool.restrict import restriction
from negotiator.queue.jobqueue import HELD, RUNNING

Restrict = Annotated[list[str] | None, typer.Argument(
    help="Job ids (CLUSTER or CLUSTER.PROC) and owner names.", show_default=False)]
Json = Annotated[bool, typer.Option("-json", "--json", help="Ads as HTCondor's JSON.")]
Jsonl = Annotated[bool, typer.Option("-jsonl", "--jsonl", help="Ads as JSON, one per line.")]
Attributes = Annotated[str | None, typer.Option(
    "-attributes", "--attributes", help="A,B,...: only these attributes with -l, -json, -jsonl.",
    show_default=False)]
Long = Annotated[bool, typer.Option("-l", "-long", "--long", help="Whole ads (old-style).")]
Af = Annotated[list[str] | None, typer.Option(
    "-af", "--af", "-autoformat", help="Attributes or expressions to print, one line per ad.",
    show_default=False)]
AfStyle = Annotated[str, typer.Option(
    "--af-style", hidden=True, help="The qualifiers of -af:QUALIFIERS (jlhVr,tng).")]
FormatText = Annotated[list[str] | None, typer.Option(
    "--format-text", hidden=True, help="The FMT of each -format FMT ATTR.")]
FormatAttr = Annotated[list[str] | None, typer.Option(
    "--format-attr", hidden=True, help="The ATTR of each -format FMT ATTR.")]
Constraint = Annotated[list[str] | None, typer.Option(
    "-constraint", "--constraint", help="A ClassAd expression each ad must make true.",
    show_default=False)]


def _write(lines: list[str]) -> None:
    sys.stdout.write("".join(line + "\n" for line in lines))


def custom_output(ads: list[ClassAd], af: list[str] | None, af_style: str,
                  format_text: list[str] | None, format_attr: list[str] | None) -> bool:
    """-format and -af output, when asked for (True: written)."""
    if format_text:
        formats = [compile_format(f, a)
                   for f, a in zip(format_text, format_attr or [], strict=True)]
        sys.stdout.write(render(ads, formats))
        return True
    if af:
        _write(autoformat(ads, af, af_style))
        return True
    return False


@app.command("q")
def q(
    restrict: Restrict = None,
    constraint: Constraint = None,
    af: Af = None,
    af_style: AfStyle = "",
    format_text: FormatText = None,
    format_attr: FormatAttr = None,
    long: Long = False,
    as_json: Json = False,
    jsonl: Jsonl = False,
    attributes: Attributes = None,
    nobatch: Annotated[bool, typer.Option("-nobatch", "--nobatch", help="One line per job.")]
    = False,
    batch: Annotated[bool, typer.Option("-batch", "--batch", help="One line per batch "
                                        "(the default).")] = False,
    run: Annotated[bool, typer.Option("-run", "--run", help="Running jobs and their hosts.")]
    = False,
    hold: Annotated[bool, typer.Option("-hold", "--hold", help="Held jobs and why.")] = False,
    allusers: Annotated[bool, typer.Option("-allusers", "--allusers", help="Every user's jobs "
                                           "(default: yours, unless ids or owners are given).")]
    = False,
    better_analyze: Annotated[bool, typer.Option(
        "-better-analyze", "--better-analyze", "-analyze", "--analyze",
        help="Why the selected jobs do (not) match the published slots.")] = False,
) -> None:
    """Show the job queue, as condor_q does."""
    now = time.time()
    r = restriction(restrict, constraint)
    mine = not allusers and not r.ids and not r.owners
    me = current_user()
    statuses = (RUNNING,) if run else (HELD,) if hold else ()
    sel = r.selection(statuses)
    if mine:
        sel = type(sel)(sel.ids, (me,), statuses)
    with open_queue() as queue:
        if better_analyze:
            from negotiator.cli.pool.analyze import better_analyze as analyze_jobs

            _write(analyze_jobs(queue, queue.select(sel, r.constraint), str(pool_dir()), now))
            return
        if long or as_json or jsonl or af or format_text:
            ads = queue.select(sel, r.constraint)
            if not custom_output(ads, af, af_style, format_text, format_attr):
                sys.stdout.write(tables.long_form(ads, as_json, lines=jsonl,
                                                  attributes=attributes))
            return
        lines = ["", tables.header(str(pool_dir()), now)]
        if nobatch or run or hold:
            ads = queue.select(sel, r.constraint)
            lines += tables.job_table(ads, now, "run" if run else "hold" if hold else "all")
            counts = _count(ads)
        elif r.constraint is not None:
            ads = queue.select(sel, r.constraint)
            lines += tables.batch_table(tables.batch_rows(ads, queue.cluster_info()))
            counts = _count(ads)
        else:
            lines += tables.batch_table(queue.batches(sel))
            counts = queue.count_by_status(sel)
        lines += ["", tables.totals_line("query", counts)]
        if mine:
            lines.append(tables.totals_line(me, queue.count_by_status(type(sel)((), (me,)))))
        lines += [tables.totals_line("all users", queue.count_by_status()), ""]
        _write(lines)


def _count(ads: list[ClassAd]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for ad in ads:
        status = ad.eval("JobStatus")
        if type(status) is int:
            counts[status] = counts.get(status, 0) + 1
    return counts


@app.command("history")
def history(
    restrict: Restrict = None,
    constraint: Constraint = None,
    limit: Annotated[int | None, typer.Option(
        "-limit", "--limit", "-match", "--match", min=0,
        help="At most this many jobs (newest first).")] = None,
    af: Af = None,
    af_style: AfStyle = "",
    format_text: FormatText = None,
    format_attr: FormatAttr = None,
    long: Long = False,
    as_json: Json = False,
    jsonl: Jsonl = False,
    attributes: Attributes = None,
) -> None:
    """Show finished (completed or removed) jobs, newest first, as condor_history does."""
    r = restriction(restrict, constraint)
    with open_queue() as queue:
        ads = queue.history(limit, r.as_constraint())
    if custom_output(ads, af, af_style, format_text, format_attr):
        pass
    elif long or as_json or jsonl:
        sys.stdout.write(tables.long_form(ads, as_json, lines=jsonl, attributes=attributes))
    else:
        _write(tables.history_table(ads))
