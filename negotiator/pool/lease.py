"""The job lease of an execute node that stops answering: disconnected (022), then reconnected
(023) when it answers again in time, or reconnect failed (024) and the job back to idle."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable

from executor import JobResult, JobSpec
from executor.eventlog import EventLog
from executor.runner import user_log
from negotiator.pool.attempts import Running
from negotiator.pool.nodes import Node

#: why the shadow says it lost the job (the engine's socket is our starter's connection)
DISCONNECT_REASON = "Socket between submit and execute hosts closed unexpectedly"
NOT_FOUND_REASON = "Job not found at execution machine"


def _log(spec: JobSpec) -> EventLog | None:
    try:
        return user_log(spec)
    except OSError:
        return None


def _on(runs: Iterable[Running], node: Node) -> list[Running]:
    return [r for r in runs if r.node is node]


def disconnect(runs: Iterable[Running], node: Node, now: float) -> list[Running]:
    """Mark the node's started, unfinished jobs disconnected (once each) and log 022 for them."""
    lost = []
    for run in _on(runs, node):
        if (run.disconnected is not None or run.cancel is not None or run.result is not None
                or run.attempt is None or run.attempt.handle is None):
            continue
        run.disconnected = now
        lost.append(run)
        log = _log(run.spec)
        if log is not None:
            with contextlib.suppress(OSError):  # a log we may not write gets no events
                log.disconnected(run.spec, DISCONNECT_REASON, run.dslot.name)
    return lost


def reconnect(runs: Iterable[Running], node: Node, present: set[str]) -> tuple[list[Running], list[Running]]:
    """The node answers again: jobs whose containers are still there (`present`: their sandbox
    paths) reconnect (023); the others are lost (024) and go back to idle. (reconnected, lost)"""
    back, lost = [], []
    for run in _on(runs, node):
        if run.disconnected is None or run.cancel is not None:
            continue
        run.disconnected = None
        log = _log(run.spec)
        if os.path.realpath(run.sandbox) in present:
            back.append(run)
            if log is not None:
                with contextlib.suppress(OSError):
                    log.reconnected(run.spec, run.dslot.name)
            continue
        lost.append(run)
        give_up(run, log, NOT_FOUND_REASON)
    return back, lost


def expire(runs: Iterable[Running], node: Node, lease: float) -> list[Running]:
    """The node has not answered for the whole lease: its jobs are rescheduled (024 + evicted)."""
    gone = []
    for run in _on(runs, node):
        if run.cancel == "lease":
            continue
        gone.append(run)
        if run.disconnected is not None:
            give_up(run, _log(run.spec),
                    f"Job disconnected too long: JobLeaseDuration ({lease:g} seconds) expired")
        else:  # never started there, or already ending: evicted without a reconnect attempt
            run.cancel, run.result = "lease", run.result or JobResult("removed")
    return gone


def give_up(run: Running, log: EventLog | None, reason: str) -> None:
    """Log 024 and let the attempt end as an eviction (004, back to idle)."""
    run.disconnected = None
    run.cancel, run.result = "lease", run.result or JobResult("removed")
    if log is not None:
        with contextlib.suppress(OSError):
            log.reconnect_failed(run.spec, reason, run.dslot.name)
