"""A Python API in the spirit of htcondor2.Schedd: submit, query, act, edit and history on a pool.

    from negotiator.queue.schedd import JobAction, Schedd
    schedd = Schedd("/path/to/pool")          # the pool directory (None: the default one)
    result = schedd.submit({"executable": "/bin/sleep", "arguments": "60"}, count=10)
    schedd.query("JobStatus == 1", ["ClusterId", "ProcId"])
    schedd.act(JobAction.Hold, f"{result.cluster()}", reason="not now")

Names and parameters follow htcondor2 where the same thing is meant; what a single-host pool
has no use for (spooling, itemdata iterators, RemoveX, Vacate, Suspend) is not offered.
"""

from __future__ import annotations

import enum
import getpass
import os
import re
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from classad.ad import ClassAd
from classad.parser import parse_expr
from negotiator.queue.constraint import all_of
from negotiator.queue.jobqueue import JobQueue, QueueError, Selection, parse_job_id
from negotiator.queue.submit import SubmitFile, read_submit
from negotiator.queue.userlog import log_submitted_ads

_JOB_ID = re.compile(r"\d+(\.\d+)?")
#: attributes the queue itself keeps; edit() refuses them as the schedd does
_PROTECTED = {"clusterid", "procid", "owner", "jobstatus", "qdate"}


class JobAction(enum.Enum):
    """The actions of htcondor2.JobAction that a pool supports."""

    Hold = "hold"
    Release = "release"
    Remove = "remove"


class SubmitResult:
    """What htcondor2's Schedd.submit returns: the cluster, its procs and the cluster's ad."""

    def __init__(self, cluster: int, first_proc: int, num_procs: int, clusterad: ClassAd) -> None:
        self._cluster, self._first, self._num, self._ad = cluster, first_proc, num_procs, clusterad

    def cluster(self) -> int:
        return self._cluster

    def first_proc(self) -> int:
        return self._first

    def num_procs(self) -> int:
        return self._num

    def clusterad(self) -> ClassAd:
        return self._ad

    def __repr__(self) -> str:
        return f"SubmitResult(cluster={self._cluster}, num_procs={self._num})"


def default_pool_dir() -> Path:
    """$POOL_DIR, else $XDG_DATA_HOME/classad-pool (~/.local/share/classad-pool)."""
    if os.environ.get("POOL_DIR"):
        return Path(os.environ["POOL_DIR"])
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "classad-pool"


def _description(description: SubmitFile | Mapping[str, str] | str, count: int) -> SubmitFile:
    if isinstance(description, SubmitFile):
        if count:
            raise QueueError("count applies to a dict of submit commands, not a SubmitFile")
        return description
    if isinstance(description, str):
        if count:
            raise QueueError("count applies to a dict of submit commands; "
                             "submit text has its own queue statement")
        return read_submit(None, description)
    lines = []
    for key, value in description.items():
        if "\n" in key or "\n" in str(value):
            raise QueueError(f"submit command {key!r}: one line each")
        lines.append(f"{key} = {value}")
    lines.append(f"queue {count or 1}")
    return read_submit(None, "\n".join(lines) + "\n")


class Schedd:
    """The job queue of one pool directory, used the way htcondor2.Schedd is."""

    def __init__(self, pool_dir: Path | str | None = None) -> None:
        self.pool_dir = Path(pool_dir) if pool_dir is not None else default_pool_dir()

    def _queue(self) -> JobQueue:
        return JobQueue(self.pool_dir / "pool.db")

    def submit(self, description: SubmitFile | Mapping[str, str] | str, count: int = 0, *,
               submit_dir: Path | None = None) -> SubmitResult:
        """Queue the jobs of a submit description (a dict of commands, submit text or a
        SubmitFile); `count` is the `queue N` of a dict."""
        desc = _description(description, count)
        now = int(time.time())
        with self._queue() as queue:
            cluster = queue.next_cluster_id()
            ads = desc.expand(cluster, getpass.getuser(), now, submit_dir or Path.cwd(),
                              dict(os.environ))
            if not ads:
                return SubmitResult(cluster, 0, 0, ClassAd())
            log_submitted_ads(ads, now)  # first: a running loop may start a job once stored
            queue.submit(ads, now)
            first = ads[0].eval("ProcId")
            common = ClassAd({"ClusterId": cluster, "Owner": ads[0].eval("Owner"),
                              "QDate": now, "TotalSubmitProcs": len(ads)})
        return SubmitResult(cluster, first if type(first) is int else 0, len(ads), common)

    def query(self, constraint: str = "true", projection: list[str] | None = None,
              callback: Callable[[ClassAd], Any] | None = None,
              limit: int = -1) -> list[Any]:
        """Job ads for which `constraint` is true, in queue order (at most `limit`).

        With `callback`, the list holds what it returns for each ad (None left out).
        """
        with self._queue() as queue:
            ads = queue.query(constraint, projection or None)
        ads = ads if limit < 0 else ads[:limit]
        if callback is None:
            return ads
        return [v for v in (callback(ad) for ad in ads) if v is not None]

    def history(self, constraint: str | None = None, projection: list[str] | None = None,
                match: int = -1) -> list[ClassAd]:
        """Finished jobs, newest first (at most `match`)."""
        with self._queue() as queue:
            return queue.history(None if match < 0 else match, constraint, projection or None)

    def act(self, action: JobAction, job_spec: str | list[str] | int,
            reason: str | None = None) -> ClassAd:
        """Hold, release or remove jobs: a cluster id, "C.P" ids, or a constraint.

        Returns a result ad with htcondor's counters (TotalJobAds, TotalSuccess,
        TotalBadStatus, TotalNotFound, TotalError).
        """
        if not isinstance(action, JobAction):
            raise QueueError(f"unsupported action {action!r}: JobAction.Hold, Release or Remove")
        kind: Literal["remove", "hold", "release"] = action.value
        why = reason or "Python-initiated action"
        sel, constraint, wanted = self._spec(job_spec)
        with self._queue() as queue:
            matched = queue.select(sel, constraint, ["ClusterId", "ProcId"])
            done = queue.act(kind, constraint or "true", why, time.time(), 0, sel)
        found = {f"{a.eval('ClusterId')}.{a.eval('ProcId')}" for a in matched}
        missing = sum(1 for c, p in wanted if p is not None and f"{c}.{p}" not in found)
        return ClassAd({"TotalJobAds": len(matched), "TotalSuccess": len(done),
                        "TotalBadStatus": len(matched) - len(done), "TotalNotFound": missing,
                        "TotalError": 0, "TotalChangedAds": len(done)})

    def edit(self, job_spec: str | list[str] | int, attr: str, value: str) -> int:
        """Set `attr` to the expression `value` in the selected jobs; returns how many."""
        if attr.lower() in _PROTECTED:
            raise QueueError(f"{attr} is kept by the queue and cannot be edited")
        expr = parse_expr(value)
        sel, constraint, _ = self._spec(job_spec)
        with self._queue() as queue:
            changed = 0
            for ad in queue.select(sel, constraint, ["ClusterId", "ProcId"]):
                job = f"{ad.eval('ClusterId')}.{ad.eval('ProcId')}"
                changed += queue.update(job, {attr: expr}, now=time.time())
        return changed

    @staticmethod
    def _spec(job_spec: str | list[str] | int
              ) -> tuple[Selection, str | None, list[tuple[int, int | None]]]:
        """(selection, constraint, the ids named) for htcondor's job_spec forms."""
        if isinstance(job_spec, bool):
            raise QueueError("job_spec is a cluster id, job ids or a constraint")
        if isinstance(job_spec, int):
            ids: list[tuple[int, int | None]] = [(job_spec, None)]
            return Selection(tuple(ids)), None, ids
        specs = [job_spec] if isinstance(job_spec, str) else list(job_spec)
        if specs and all(_JOB_ID.fullmatch(s.strip()) for s in specs):
            ids = [parse_job_id(s) for s in specs]
            return Selection(tuple(ids)), None, ids
        if isinstance(job_spec, str):
            parse_expr(job_spec)
            return Selection(), all_of(job_spec), []
        raise QueueError("a list job_spec holds job ids (\"C\" or \"C.P\")")
