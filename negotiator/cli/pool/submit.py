"""`pool submit FILE`: condor_submit — read the submit file, expand it, queue the jobs."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from negotiator.cli.pool.app import app, current_user, open_queue


@app.command("submit")
def submit(
    file: Annotated[str, typer.Argument(help="The submit description file ('-': stdin).")],
    append: Annotated[list[str] | None, typer.Option(
        "-append", "--append", "-a", help="A submit command added after the file's own "
        "(before its queue statement), as condor_submit -append does.", show_default=False)]
    = None,
    dry_run: Annotated[bool, typer.Option(
        "-dry-run", "--dry-run", help="Print the job ads; queue nothing.")] = False,
    as_json: Annotated[bool, typer.Option(
        "-json", "--json", help="With -dry-run: the ads as JSON.")] = False,
    terse: Annotated[bool, typer.Option(
        "-terse", "--terse", help="Print only the job ids queued (C.P - C.Q).")] = False,
) -> None:
    """Submit jobs from an HTCondor submit description file, as condor_submit does."""
    from classad import dump_ads
    from negotiator.queue.submit import read_submit

    if file == "-":
        desc = read_submit(None, sys.stdin.read(), append=list(append or []))
        submit_dir = Path.cwd()
    else:
        path = Path(file)
        if not path.is_file():
            raise FileNotFoundError(f"{file}: no such submit file")
        desc = read_submit(path, append=list(append or []))
        submit_dir = path.resolve().parent
    now = int(time.time())
    with open_queue() as queue:
        cluster = queue.peek_cluster_id() if dry_run else queue.next_cluster_id()
        ads = desc.expand(cluster, current_user(), now, submit_dir, dict(os.environ))
        if dry_run:
            sys.stdout.write(dump_ads(ads, "json" if as_json else "old"))
            return
        if ads:
            queue.submit(ads, now)
    if terse:
        if ads:
            first, last = ads[0].eval("ProcId"), ads[-1].eval("ProcId")
            sys.stdout.write(f"{cluster}.{first} - {cluster}.{last}\n")
        return
    sys.stdout.write(f"Submitting job(s){'.' * min(len(ads), 60)}\n"
                     f"{len(ads)} job(s) submitted to cluster {cluster}.\n")
