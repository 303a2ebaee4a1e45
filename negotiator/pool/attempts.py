"""One job attempt on a node, driven through the executor's runner off the loop's thread."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from executor import EngineUnavailable, ExecutorConfig, JobResult, JobSpec, Usage, runner
from negotiator.pool.jobpolicy import JOB_POLICY, Verdict
from negotiator.pool.nodes import DSlot, Node

EVICTED = 4  # the user log's "Job was evicted." event


@dataclass
class Running:
    """A job the loop has dispatched and not yet brought to a final state."""

    job_id: str
    token: str
    node: Node
    dslot: DSlot
    spec: JobSpec
    sandbox: str
    attempt: runner.Attempt | None = None
    launching: Future[runner.Attempt] | None = None
    finishing: Future[JobResult] | None = None
    result: JobResult | None = None  # what the container's end decided
    cancel: str | None = None  # "remove" | "hold" | "evict" | "lease": why we stopped it
    cancel_reason: str = ""
    cancel_subcode: int = 0
    started: float = field(default_factory=time.time)
    usage_noted: float = 0.0
    reused: bool = False  # its claim went on to the next job when the container ended
    exit_verdict: Verdict | None = None  # on_exit_hold / on_exit_remove on a completed result
    disconnected: float | None = None  # when its node stopped answering (the lease runs from then)


def token_of(job_id: str, start: int) -> str:
    """The dispatch token of start number `start`: it names the attempt's sandbox directory."""
    return f"{job_id}-{start}"


def result_json(result: JobResult) -> str:
    return json.dumps(result.to_dict(), separators=(",", ":"), sort_keys=True)


def result_from_json(text: str) -> JobResult:
    raw: dict[str, Any] = json.loads(text)
    usage = Usage(**raw.pop("usage", {}))
    return JobResult(status=raw["status"], exit_code=raw.get("exit_code"), signal=raw.get("signal"),
                     hold_reason_code=raw.get("hold_reason_code"),
                     hold_reason_subcode=raw.get("hold_reason_subcode"),
                     hold_reason=raw.get("hold_reason"), usage=usage, started=True)


class Launcher:
    """Per-node worker pools: starts and finishes run concurrently, bounded per engine."""

    def __init__(self, per_node: int) -> None:
        self.per_node = per_node
        self._pools: dict[str, ThreadPoolExecutor] = {}

    def pool(self, node: Node) -> ThreadPoolExecutor:
        found = self._pools.get(node.url)
        if found is None:
            found = self._pools[node.url] = ThreadPoolExecutor(
                self.per_node, thread_name_prefix=f"node-{len(self._pools) + 1}")
        return found

    def launch(self, run: Running, config: ExecutorConfig, job_ad: str) -> None:
        run.launching = self.pool(run.node).submit(_launch, run, config, job_ad)

    def finish(self, run: Running, result: JobResult) -> None:
        run.finishing = self.pool(run.node).submit(_finish, run, result)

    def evict(self, run: Running) -> None:
        run.finishing = self.pool(run.node).submit(_evict, run)

    def shutdown(self) -> None:
        for pool in self._pools.values():
            pool.shutdown(wait=True, cancel_futures=False)


def _launch(run: Running, config: ExecutorConfig, job_ad: str) -> runner.Attempt:
    """Sandbox, input, container, execute event (the runner's launch, submit event excluded)."""
    Path(run.sandbox).parent.mkdir(parents=True, exist_ok=True)
    if os.path.isdir(run.sandbox) and os.listdir(run.sandbox):
        shutil.rmtree(run.sandbox)  # a launch cut short by our own crash, never started
    return runner.launch(run.node.executor, run.spec, config, sandbox=run.sandbox,
                         job_ad=job_ad, submit_event=False)


def _finish(run: Running, result: JobResult) -> JobResult:
    """Output transfer, the terminal event, container removal; then the sandbox goes."""
    attempt = run.attempt
    if attempt is None:  # recovered after the container was already removed
        attempt = runner.Attempt(run.spec, run.sandbox, runner.user_log(run.spec),
                                 keep_sandbox=True, recovered=True)
        if not os.path.isdir(run.sandbox):
            return result
    try:
        final = runner.finish(run.node.executor, attempt, result, log_as=_policy_event(run.exit_verdict))
    except EngineUnavailable:
        final = result
    remove_sandbox(run.sandbox)
    return final


def _policy_event(verdict: Verdict | None) -> runner.LogAs | None:
    """HTCondor's events for a job its exit policy keeps: the hold alone, or evicted-requeued."""
    if verdict is None:
        return None
    if verdict.action == "hold":
        held = JobResult.held(JOB_POLICY, verdict.subcode, verdict.reason)
        return lambda log, spec, result: log.held(spec, held)
    return lambda log, spec, result: log.requeued(spec, result, verdict.reason)


def _evict(run: Running) -> JobResult:
    """A preempted or lost job goes back to idle: no output, an evicted (004) event."""
    if run.attempt is not None and run.attempt.handle is not None:
        with contextlib.suppress(Exception):  # the engine is gone: its containers go with it
            run.node.executor.release(run.attempt.handle)
    write_evicted(run.spec, run.result)
    remove_sandbox(run.sandbox)
    return run.result or JobResult("removed")


def write_evicted(spec: JobSpec, result: JobResult | None) -> None:
    try:
        log = runner.user_log(spec)
        if log is None:
            return
        usage = result.usage if result is not None else Usage()
        cpu = f"Usr {_clock(usage.user_cpu_seconds)}, Sys {_clock(usage.sys_cpu_seconds)}"
        log.write(EVICTED, spec, "Job was evicted.", [
            "(0) Job was not checkpointed.",
            f"\t{cpu}  -  Run Remote Usage",
            "\tUsr 0 00:00:00, Sys 0 00:00:00  -  Run Local Usage",
            "0  -  Run Bytes Sent By Job",
            "0  -  Run Bytes Received By Job",
        ])
    except OSError:
        pass  # a log we may not write gets no events


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 86400} {s % 86400 // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def remove_sandbox(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)


def host_name() -> str:
    return socket.gethostname()
