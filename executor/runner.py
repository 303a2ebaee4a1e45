"""One job attempt end to end: sandbox, input, container, user log, output transfer, cleanup."""

from __future__ import annotations

import contextlib
import errno
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from executor import sandbox as sb
from executor.containers import JOB_AD_FILE
from executor.eventlog import TERMINAL, EventLog
from executor.protocol import Executor, JobHandle
from executor.spec import ExecutorConfig, HoldCode, JobResult, JobSpec

NOTE_KEEP, NOTE_MANIFEST = "keep-sandbox", "input-manifest"
#: writes a completed attempt's terminal event its own way (see finish)
LogAs = Callable[[EventLog, JobSpec, JobResult], None]


@dataclass
class Attempt:
    """A launched attempt; `early` is set when it ended before a container ran."""

    spec: JobSpec
    sandbox: str
    log: EventLog | None
    handle: JobHandle | None = None
    snapshot: sb.Snapshot = field(default_factory=lambda: sb.Snapshot({}))
    early: JobResult | None = None
    keep_sandbox: bool = False
    recovered: bool = False
    config: ExecutorConfig = field(default_factory=ExecutorConfig)
    reported_memory_mb: int = 0


def user_log(spec: JobSpec) -> EventLog | None:
    """The job's event log in Iwd, written as the submitting user (JobFileError if outside Iwd)."""
    if not spec.user_log:
        return None
    return EventLog(spec.iwd, sb.iwd_relative(spec, spec.user_log, "UserLog"), spec)


def _refused(err: OSError, code: HoldCode) -> JobResult:
    return JobResult.held(code, err.errno or errno.EIO, f"Job files refused before running: {err}")


def launch(executor: Executor, spec: JobSpec, config: ExecutorConfig, *, sandbox: str | None = None,
           execute_dir: str | None = None, job_ad: str | None = None, submit_event: bool = True) -> Attempt:
    """Make the sandbox, transfer input, start the container and log submit/execute events."""
    path = sb.make(spec, config, sandbox, execute_dir)
    attempt = Attempt(spec, path, None, keep_sandbox=sandbox is not None, config=config)
    try:
        sb.check_iwd(spec)
    except OSError as err:
        attempt.early = _refused(err, HoldCode.TRANSFER_INPUT_ERROR)
        return attempt
    try:
        sb.check_destinations(spec)
        attempt.log = user_log(spec)
        if attempt.log is not None and submit_event:
            attempt.log.submit(spec)
    except OSError as err:
        attempt.log = None  # a log we may not write gets no events
        attempt.early = _refused(err, HoldCode.TRANSFER_OUTPUT_ERROR)
        return attempt
    log = attempt.log
    if job_ad is not None:
        sb.write_file(path, JOB_AD_FILE, job_ad.encode(), config)
    try:
        attempt.snapshot = sb.transfer_input(spec, path, config)
    except sb.TransferError as err:
        attempt.early = err.result(started=False)
        return attempt
    notes = ((NOTE_KEEP, "1" if attempt.keep_sandbox else "0"), (NOTE_MANIFEST, attempt.snapshot.to_json()))
    try:
        attempt.handle = executor.start(spec, path, notes)
    except Exception:
        if not attempt.keep_sandbox:
            sb.remove(path)
        raise
    result = executor.poll(attempt.handle)
    if log is not None and (result is None or result.started):
        with contextlib.suppress(OSError):  # finish() holds the job if its terminal event cannot be written
            log.execute(spec, config.slot_name)
    return attempt


def _note_memory(executor: Executor, attempt: Attempt) -> None:
    """An image-size (006) event whenever the peak memory seen grows, as the shadow writes."""
    if attempt.log is None or attempt.handle is None:
        return
    usage = executor.usage(attempt.handle)
    if usage.peak_memory_mb > attempt.reported_memory_mb:
        attempt.reported_memory_mb = usage.peak_memory_mb
        with contextlib.suppress(OSError):  # finish() holds the job if its terminal event cannot be written
            attempt.log.image_size(attempt.spec, usage)


def finish(executor: Executor, attempt: Attempt, result: JobResult,
           log_as: LogAs | None = None) -> JobResult:
    """Transfer output (completed jobs), write the terminal event once, remove container+sandbox.

    `log_as` writes a completed job's event in place of its terminated event once its output is
    back (the schedd's on_exit_hold and on_exit_remove: HTCondor logs the hold or the requeue).
    """
    if result.status == "completed":
        try:
            sb.transfer_output(attempt.spec, attempt.sandbox, attempt.snapshot, attempt.config)
        except sb.TransferError as err:
            result = err.result(started=True).with_changes(usage=result.usage)
    log = attempt.log
    try:
        if log is not None and not (attempt.recovered and log.last_event(attempt.spec) in TERMINAL):
            if result.usage.peak_memory_mb > attempt.reported_memory_mb:
                log.image_size(attempt.spec, result.usage)
            if log_as is not None and result.status == "completed":
                log_as(log, attempt.spec, result)
            else:
                log.outcome(attempt.spec, result, disk_kb=sb.disk_kb(attempt.sandbox))
    except OSError as err:  # the log became unwritable (or a link) while the job ran
        if result.status != "held":
            result = JobResult.held(HoldCode.TRANSFER_OUTPUT_ERROR, err.errno or errno.EIO,
                                    f"Cannot write the user log: {err}", usage=result.usage, started=True)
    if attempt.handle is not None:
        executor.release(attempt.handle)
    if not attempt.keep_sandbox:
        sb.remove(attempt.sandbox)
    return result


def complete(executor: Executor, attempt: Attempt, *, stop: threading.Event | None = None,
             hold_on_stop: bool = False, poll_interval: float = 0.5) -> JobResult:
    """Wait for the attempt (cancelling it once `stop` is set) and finish it."""
    if attempt.early is not None or attempt.handle is None:
        return finish(executor, attempt, attempt.early or JobResult("removed"))
    handle, cancelled = attempt.handle, False
    while True:
        result = executor.wait(handle, poll_interval)
        if result is not None:
            return finish(executor, attempt, result)
        _note_memory(executor, attempt)
        if stop is not None and stop.is_set() and not cancelled:
            executor.cancel(handle, hold=hold_on_stop, reason="via executor (signal received)")
            cancelled = True


def run_job(executor: Executor, spec: JobSpec, config: ExecutorConfig, *, sandbox: str | None = None,
            execute_dir: str | None = None, job_ad: str | None = None,
            stop: threading.Event | None = None) -> JobResult:
    """Run one job to its final state, like a slot's starter would."""
    attempt = launch(executor, spec, config, sandbox=sandbox, execute_dir=execute_dir, job_ad=job_ad)
    return complete(executor, attempt, stop=stop)
