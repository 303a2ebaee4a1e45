"""Bring a job to its state after an attempt: completed, held, removed, evicted or re-queued."""

from __future__ import annotations

import contextlib
from collections.abc import Container
from typing import Any

from classad.ad import ClassAd
from executor import JobResult, SpecError
from executor.jobad import spec_from_ad
from executor.runner import user_log
from negotiator import ads
from negotiator.pool.attempts import Running
from negotiator.pool.jobpolicy import JOB_POLICY, Verdict, on_exit, periodic

IDLE, RUNNING, REMOVED, COMPLETED, HELD = 1, 2, 3, 4, 5
_DISPATCH = ("PoolDispatch", "PoolOutcome", "PoolNode", "RemoteHost")


def _usage_attrs(ad: ClassAd, run: Running, result: JobResult, now: float) -> dict[str, Any]:
    usage = result.usage
    wall = usage.wall_seconds or max(0.0, now - run.started)
    before = ads.number(ad, "RemoteWallClockTime", 0.0)
    attrs: dict[str, Any] = {
        "RemoteWallClockTime": round(before + wall, 3),
        "LastRemoteWallClockTime": round(wall, 3),
        "RemoteUserCpu": round(usage.user_cpu_seconds, 3),
        "RemoteSysCpu": round(usage.sys_cpu_seconds, 3),
        "MemoryUsage": usage.peak_memory_mb,
        "ResidentSetSize": usage.peak_rss_kb,
        "ImageSize": usage.peak_memory_mb,
        "LastRemoteHost": run.dslot.name,
        "LastJobLeaseRenewal": int(now),
    }
    for name in _DISPATCH:
        attrs[name] = None
    return attrs


def apply(queue: Any, run: Running, ad: ClassAd, result: JobResult, now: float) -> str:
    """Write the attempt's end into the queue; returns the counter it adds to."""
    status = int(ads.number(ad, "JobStatus", RUNNING))
    attrs = _usage_attrs(ad, run, result, now)
    if run.cancel in ("evict", "lease"):
        attrs["LastVacateTime"] = int(now)
        if status == RUNNING:
            queue.update(run.job_id, attrs, status=IDLE, expect_status=RUNNING, now=now)
        else:
            _settle(queue, run.job_id, attrs, status, now)
        return "evicted"
    if status == REMOVED or result.status == "removed":
        queue.finish(run.job_id, attrs, status=REMOVED, now=now)
        return "removed"
    if status == HELD:  # held by the user or a policy while it ran: keep its reason
        queue.update(run.job_id, attrs, now=now)
        return "held"
    if result.status == "held":
        attrs.update({"HoldReason": result.hold_reason or "", "HoldReasonCode": result.hold_reason_code or 0,
                      "HoldReasonSubCode": result.hold_reason_subcode or 0,
                      "NumHolds": int(ads.number(ad, "NumHolds", 0)) + 1})
        queue.update(run.job_id, attrs, status=HELD, expect_status=RUNNING, now=now)
        return "held"
    exit_facts = _exit_facts(result)
    attrs.update({k: v for k, v in exit_facts.items() if v is not None})
    verdict = run.exit_verdict  # decided (and logged) when the container ended
    if verdict is not None and verdict.action == "hold":
        attrs.update({"HoldReason": verdict.reason, "HoldReasonCode": JOB_POLICY,
                      "HoldReasonSubCode": verdict.subcode,
                      "NumHolds": int(ads.number(ad, "NumHolds", 0)) + 1})
        queue.update(run.job_id, attrs, status=HELD, expect_status=RUNNING, now=now)
        return "held"
    if verdict is not None and verdict.action == "requeue":
        queue.update(run.job_id, attrs, status=IDLE, expect_status=RUNNING, now=now)
        return "requeued"
    attrs["CompletionDate"] = int(now)
    attrs["NumJobCompletions"] = int(ads.number(ad, "NumJobCompletions", 0)) + 1
    queue.finish(run.job_id, attrs, status=COMPLETED, now=now)
    return "completed"


def _exit_facts(result: JobResult) -> dict[str, Any]:
    facts: dict[str, Any] = {"ExitBySignal": result.signal is not None,
                             "ExitCode": result.exit_code if result.signal is None else None}
    if result.signal is not None:
        facts["ExitSignal"] = result.signal
    return facts


def exit_policy(ad: ClassAd | None, result: JobResult) -> Verdict | None:
    """on_exit_hold / on_exit_remove for a job that exited: hold or requeue (None: it leaves)."""
    if ad is None or result.status != "completed":
        return None
    verdict = on_exit(ad, {**_exit_facts(result), "JobStatus": COMPLETED})
    return verdict if verdict.action in ("hold", "requeue") else None


def _settle(queue: Any, job_id: str, attrs: dict[str, Any], status: int, now: float) -> None:
    if status == REMOVED:
        queue.finish(job_id, attrs, status=REMOVED, now=now)
    else:
        queue.update(job_id, attrs, now=now)


def periodic_policy(queue: Any, running: Container[str], now: float) -> bool:
    """The schedd's periodic pass over idle, running and held jobs (periodic_hold/release/remove);
    running jobs only change state here (the loop stops their containers). True if one was released.
    Only jobs that have one of the expressions are read (the queue's `periodic` column)."""
    released = False
    for status in (IDLE, RUNNING, HELD):
        for ad in queue.with_periodic(status):
            verdict = periodic(ad)
            if not verdict.action:
                continue
            job_id = f"{int(ads.number(ad, 'ClusterId', 0))}.{int(ads.number(ad, 'ProcId', 0))}"
            if verdict.action == "release":
                queue.update(job_id, {"ReleaseReason": verdict.reason, "HoldReason": None,
                                      "HoldReasonCode": None, "HoldReasonSubCode": None},
                             status=IDLE, expect_status=HELD, now=now)
                log_released(ad, verdict.reason)
                released = True
            elif verdict.action == "hold":
                queue.update(job_id, {"HoldReason": verdict.reason, "HoldReasonCode": JOB_POLICY,
                                      "HoldReasonSubCode": verdict.subcode},
                             status=HELD, expect_status=status, now=now)
                if job_id not in running:
                    log_held(ad, verdict.reason, JOB_POLICY, verdict.subcode)
            elif verdict.action == "remove":
                if job_id in running:
                    queue.update(job_id, {"RemoveReason": verdict.reason}, status=REMOVED,
                                 expect_status=status, now=now)
                else:
                    queue.finish(job_id, {"RemoveReason": verdict.reason}, status=REMOVED, now=now)
                    log_aborted(ad, verdict.reason)
    return released


def describe(kind: str, result: JobResult) -> str:
    if kind == "completed":
        how = f"signal {result.signal}" if result.signal is not None else f"exit code {result.exit_code}"
        return f"completed ({how})"
    if kind == "held" and result.status == "held":
        return f"held (code {result.hold_reason_code}): {result.hold_reason}"
    return kind


def _log(ad: ClassAd) -> tuple[Any, Any] | None:
    try:
        spec = spec_from_ad(ad)
        log = user_log(spec)
    except (SpecError, OSError):
        return None
    return (log, spec) if log is not None else None


def log_held(ad: ClassAd, reason: str, code: int, subcode: int) -> None:
    found = _log(ad)
    if found is not None:
        with contextlib.suppress(OSError):
            found[0].held(found[1], JobResult.held(code, subcode, reason))


def log_released(ad: ClassAd, reason: str) -> None:
    found = _log(ad)
    if found is not None:
        with contextlib.suppress(OSError):
            found[0].released(found[1], reason)


def log_aborted(ad: ClassAd, reason: str) -> None:
    found = _log(ad)
    if found is not None:
        with contextlib.suppress(OSError):
            found[0].aborted(found[1], reason)
