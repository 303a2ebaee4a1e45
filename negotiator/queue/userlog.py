"""The schedd's submit (000) events: one per queued proc, in each job's own user log (`log =`)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from classad.ad import ClassAd

#: the attributes that decide where a proc's submit event goes
_WHERE = ("userlog", "iwd", "owner")


@dataclass(frozen=True)
class LogProblem:
    """A user log the submit events could not be written to, and why."""

    path: str
    reason: str


def _text(ad: ClassAd, name: str) -> str | None:
    value = ad.eval(name) if name in ad else None
    return value if isinstance(value, str) and value else None


def _where(ad: ClassAd) -> tuple[str, str, str] | None:
    log, iwd = _text(ad, "UserLog"), _text(ad, "Iwd")
    if log is None or iwd is None:
        return None
    return iwd, log, _text(ad, "Owner") or ""


def _group(targets: Iterable[tuple[tuple[str, str, str] | None, int, int]]
           ) -> dict[tuple[str, str, str], list[tuple[int, int]]]:
    by_log: dict[tuple[str, str, str], list[tuple[int, int]]] = {}
    for where, cluster, proc in targets:
        if where is not None:
            by_log.setdefault(where, []).append((cluster, proc))
    return by_log


def log_submitted_ads(ads: Sequence[ClassAd], when: float | None = None) -> list[LogProblem]:
    """Submit events for full job ads (one ad per proc)."""
    return _write(_group((_where(ad), _int(ad, "ClusterId"), _int(ad, "ProcId")) for ad in ads), when)


def log_submitted_cluster(common: ClassAd, procs: Sequence[Mapping[str, Any]],
                          when: float | None = None) -> list[LogProblem]:
    """Submit events for one queue statement stored as a shared ad plus per-proc differences;
    the shared ad decides the log unless a proc has its own UserLog, Iwd or Owner."""
    cluster, shared = _int(common, "ClusterId"), _where(common)
    targets = []
    for diff in procs:
        proc = diff.get("ProcId")
        proc = proc if type(proc) is int else 0
        if any(name.lower() in _WHERE for name in diff):
            ad = common.copy()
            for name, value in diff.items():
                if not _absent(value):
                    ad[name] = value
                elif name in ad:
                    del ad[name]
            targets.append((_where(ad), cluster, proc))
        else:
            targets.append((shared, cluster, proc))
    return _write(_group(targets), when)


def _absent(value: Any) -> bool:
    from negotiator.queue.template import ABSENT

    return value is ABSENT


def _int(ad: ClassAd, name: str) -> int:
    value = ad.eval(name) if name in ad else None
    return value if type(value) is int else 0


def _write(by_log: dict[tuple[str, str, str], list[tuple[int, int]]],
           when: float | None) -> list[LogProblem]:
    """All the events of one log in one append, written as the submitting user, inside Iwd."""
    from executor import JobSpec, SpecError
    from executor.runner import user_log

    stamp = time.time() if when is None else when
    problems = []
    for (iwd, log, owner), jobs in by_log.items():
        try:
            spec = JobSpec(image="-", iwd=iwd, user_log=log, owner=owner)
            writer = user_log(spec)
            if writer is not None:
                writer.submitted(spec, jobs, stamp)
        except (OSError, SpecError) as err:
            problems.append(LogProblem(log, str(err)))
    return problems
