"""`pool submit FILE`: condor_submit — read the submit file, expand it, queue the jobs."""

from __future__ import annotations

import errno
import os
import stat
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from negotiator.cli.pool.app import UsageError, app, current_user, open_queue


def _not_a_submit_file(path: Path) -> str:
    """Why `path` cannot be read as a submit file (condor_submit's strerror), or ""."""
    try:
        mode = path.stat().st_mode
    except OSError as err:
        return err.strerror or str(err)
    if stat.S_ISDIR(mode):
        return os.strerror(errno.EISDIR)
    if not stat.S_ISREG(mode):  # a FIFO, socket or device: `-` reads standard input
        return 'not a regular file; "pool submit -" reads standard input'
    if not os.access(path, os.R_OK):
        return os.strerror(errno.EACCES)
    return ""


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
    from negotiator.queue.userlog import LogProblem, log_submitted_ads, log_submitted_cluster

    if file == "-":
        desc = read_submit(None, sys.stdin.read(), append=list(append or []))
        submit_dir = Path.cwd()
    else:
        path = Path(file)
        refused = _not_a_submit_file(path)
        if refused:
            raise UsageError(f"Failed to open command file ({file}) ({refused})")
        desc = read_submit(path, append=list(append or []))
        submit_dir = path.resolve().parent
    now = int(time.time())
    with open_queue() as queue:
        cluster = queue.peek_cluster_id() if dry_run else queue.next_cluster_id()
        if dry_run:
            ads = desc.expand(cluster, current_user(), now, submit_dir, dict(os.environ))
            sys.stdout.write(dump_ads(ads, "json" if as_json else "old"))
            return
        parts = desc.expand_clusters(cluster, current_user(), now, submit_dir,
                                     dict(os.environ))
        n = sum(len(part.procs) for part in parts)
        problems: list[LogProblem] = []
        # the submit (000) events go first: a running loop may start a job once it is stored
        if len(parts) == 1:
            problems = log_submitted_cluster(parts[0].common, parts[0].procs, now)
            queue.submit_cluster(parts[0].common, parts[0].procs, now)
        elif n:  # several queue statements: one cluster, split afresh over all its procs
            ads = [part.ad(i) for part in parts for i in range(len(part.procs))]
            problems = log_submitted_ads(ads, now)
            queue.submit(ads, now)
    for problem in problems:  # the jobs are queued; their log is the user's to fix
        sys.stderr.write(f"WARNING: cannot write the submit event to the user log "
                         f"{problem.path}: {problem.reason}\n")
    if terse:
        if n:
            sys.stdout.write(f"{cluster}.0 - {cluster}.{n - 1}\n")
        return
    sys.stdout.write(f"Submitting job(s){'.' * min(n, 60)}\n"
                     f"{n} job(s) submitted to cluster {cluster}.\n")
