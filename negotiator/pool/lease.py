"""The job lease of an execute node that stops answering: disconnected (022), then reconnected
(023) when it answers again in time, or reconnect failed (024) and the job back to idle (or
removed/held, when the user asked for that while the node was away)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable

from executor import HoldCode, JobResult, JobSpec
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


#: why a job was stopped by the user or its policy: kept across a disconnection (the shadow's
#: remove_requested), so the kill is sent again once the node answers
ASKED = ("remove", "hold")


def disconnect(runs: Iterable[Running], node: Node, now: float) -> list[Running]:
    """Mark the node's started, unfinished jobs disconnected (once each) and log 022 for them."""
    lost = []
    for run in _on(runs, node):
        if (run.disconnected is not None or run.cancel not in (None, *ASKED) or run.result is not None
                or run.attempt is None or run.attempt.handle is None):
            continue
        run.disconnected = now
        lost.append(run)
        log = _log(run.spec)
        if log is not None:
            with contextlib.suppress(OSError):  # a log we may not write gets no events
                log.disconnected(run.spec, DISCONNECT_REASON, run.dslot.name)
    return lost


def born_disconnected(runs: Iterable[Running], node: Node, since: float) -> list[Running]:
    """Jobs adopted at start-up on a node that does not answer: HTCondor's shadow starts in
    reconnect mode; it logs no 022 (it never had a connection to lose), only 023 or 024 later."""
    marked = []
    for run in _on(runs, node):
        if run.disconnected is None and run.attempt is None and run.cancel not in ("evict", "lease"):
            run.disconnected = since
            marked.append(run)
    return marked


def reconnect(runs: Iterable[Running], node: Node, present: set[str]) -> tuple[list[Running], list[Running]]:
    """The node answers again: jobs whose containers are still there (`present`: their sandbox
    paths) reconnect (023); the others are lost (024) and go back to idle. (reconnected, lost)

    A job adopted at start-up whose container is gone is left to the caller (its start may have
    been cut short before the container existed)."""
    back, lost = [], []
    for run in _on(runs, node):
        if run.disconnected is None or run.cancel in ("evict", "lease"):
            continue
        run.disconnected = None
        log = _log(run.spec)
        found = os.path.realpath(run.sandbox) in present
        if not found and run.attempt is None:
            continue
        if found:
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
        if run.cancel == "lease" or (run.cancel in ASKED and run.result is not None):
            continue
        gone.append(run)
        if run.disconnected is not None:
            give_up(run, _log(run.spec),
                    f"Job disconnected too long: JobLeaseDuration ({lease:g} seconds) expired")
        else:  # never started there, or already ending: evicted without a reconnect attempt
            run.cancel, run.result = "lease", run.result or JobResult("removed")
    return gone


def give_up(run: Running, log: EventLog | None, reason: str) -> None:
    """Log 024 and let the attempt end as an eviction (004, back to idle), or as the removal or
    hold the user asked for while the node was away (009 / 012, as the schedd does)."""
    run.disconnected = None
    if run.cancel == "remove":
        run.result = run.result or JobResult("removed")
    elif run.cancel == "hold":
        run.result = run.result or JobResult.held(HoldCode.USER_REQUEST, 0, run.cancel_reason or "via condor_hold")
    else:
        run.cancel, run.result = "lease", run.result or JobResult("removed")
    if log is not None:
        with contextlib.suppress(OSError):
            log.reconnect_failed(run.spec, reason, run.dslot.name)
