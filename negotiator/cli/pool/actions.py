"""`pool rm`, `pool hold`, `pool release`: condor_rm, condor_hold and condor_release."""

from __future__ import annotations

import sys
import time
from typing import Annotated, Literal

import typer

from negotiator.cli.pool.app import UsageError, app, current_user, open_queue
from negotiator.cli.pool.restrict import restriction
from negotiator.queue.constraint import all_of
from negotiator.queue.jobqueue import HELD, JobQueue, Selection

Action = Literal["remove", "hold", "release"]
#: how condor_rm / condor_hold / condor_release say it was done
_DONE = {"remove": "marked for removal", "hold": "held", "release": "released"}
_VERB = {"remove": "remove", "hold": "hold", "release": "release"}
_TOOL = {"remove": "rm", "hold": "hold", "release": "release"}

Restrict = Annotated[list[str] | None, typer.Argument(
    help="Job ids (CLUSTER or CLUSTER.PROC) and user names.", show_default=False)]
Constraint = Annotated[str | None, typer.Option(
    "-constraint", "--constraint", help="Act on the jobs this ClassAd expression selects.")]
All = Annotated[bool, typer.Option("-all", "--all", help="Act on every job in the queue.")]
Reason = Annotated[str | None, typer.Option("-reason", "--reason",
                                            help="Why (kept in the job ad).")]
Subcode = Annotated[int, typer.Option("-subcode", "--subcode",
                                      help="HoldReasonSubCode (pool hold only).")]


def _one(queue: JobQueue, action: Action, sel: Selection, constraint: str, reason: str,
         subcode: int) -> tuple[int, int]:
    """(jobs changed, jobs selected) for one target."""
    now = time.time()
    matched = len(queue.select(sel, constraint, ["ClusterId"]))
    done = queue.act(action, constraint, reason, now, subcode, sel)
    return len(done), matched


def run_action(action: Action, targets: list[str] | None, constraint: str | None,
               every: bool, reason: str | None, subcode: int = 0) -> None:
    r = restriction(targets, [constraint] if constraint else None)
    if r.empty and not every:
        raise UsageError(f"pool {_TOOL[action]}: name jobs (CLUSTER, CLUSTER.PROC, USER), "
                         "or give -constraint EXPR or -all")
    why = reason or f"via pool {_TOOL[action]} (by user {current_user()})"
    done, verb, failed = _DONE[action], _VERB[action], False
    lines: list[str] = []
    with open_queue() as queue:
        if every:
            n, _ = _one(queue, action, Selection(), "true", why, subcode)
            lines.append(f"All jobs have been {done}.")
        for cluster, proc in r.ids:
            n, m = _one(queue, action, Selection(((cluster, proc),)), "true", why, subcode)
            if proc is None:
                ok = n > 0
                lines.append(f"All jobs in cluster {cluster} have been {done}" if ok else
                             f"Couldn't find/{verb} all jobs in cluster {cluster}")
            else:
                ok = n == 1
                lines.append(f"Job {cluster}.{proc} {done}" if ok else
                             f"Job {cluster}.{proc} not found" if m == 0 else
                             _wrong_status(action, f"{cluster}.{proc}", queue))
            failed |= not ok
        for owner in r.owners:
            n, m = _one(queue, action, Selection((), (owner,)), "true", why, subcode)
            ok = n > 0
            lines.append(f'All jobs of user "{owner}" have been {done}' if ok else
                         f'Couldn\'t find/{verb} all of user "{owner}"\'s job(s)')
            failed |= not ok
        if constraint:
            expr = all_of(constraint) or "true"
            n, m = _one(queue, action, Selection(), expr, why, subcode)
            ok = n > 0
            lines.append(f"Jobs matching constraint ({constraint}) have been {done}" if ok else
                         f"Couldn't find/{verb} all jobs matching constraint ({constraint})")
            failed |= not ok
    sys.stdout.write("".join(line + "\n" for line in lines))
    if failed:
        raise typer.Exit(1)


def _wrong_status(action: Action, job: str, queue: JobQueue) -> str:
    ad = queue.get(job)
    status = ad.eval("JobStatus") if ad is not None else None
    if action == "release":
        return f"Job {job} not held to be released"
    if action == "hold" and status == HELD:
        return f"Job {job} already held"
    return f"Couldn't find/{_VERB[action]} job {job} (JobStatus = {status})"


@app.command("rm")
def rm(targets: Restrict = None, constraint: Constraint = None, every: All = False,
       reason: Reason = None) -> None:
    """Remove jobs (condor_rm): idle and held jobs leave the queue, running ones are stopped."""
    run_action("remove", targets, constraint, every, reason)


@app.command("hold")
def hold(targets: Restrict = None, constraint: Constraint = None, every: All = False,
         reason: Reason = None, subcode: Subcode = 0) -> None:
    """Put jobs on hold (condor_hold): they stay in the queue and do not run until released."""
    run_action("hold", targets, constraint, every, reason, subcode)


@app.command("release")
def release(targets: Restrict = None, constraint: Constraint = None, every: All = False,
            reason: Reason = None) -> None:
    """Release held jobs (condor_release): they become idle again."""
    run_action("release", targets, constraint, every, reason)
