"""The job event log (user log) in HTCondor's text format, appended one event at a time."""

from __future__ import annotations

import errno
import os
import re
import socket
import threading
import time
from collections.abc import Iterable

from executor import jobfiles as jf
from executor.spec import JobResult, JobSpec, Usage

SUBMIT, EXECUTE, EVICTED, TERMINATED, IMAGE_SIZE = 0, 1, 4, 5, 6
ABORTED, HELD, RELEASED = 9, 12, 13
DISCONNECTED, RECONNECTED, RECONNECT_FAILED = 22, 23, 24
TERMINAL = frozenset({TERMINATED, ABORTED, HELD})
_HEADER = re.compile(r"^(\d{3}) \((\d+)\.(\d+)\.(\d+)\) ")
SUBMIT_BATCH = 4096  # submit events per write for a large cluster
MAX_LINE = 64 * 1024  # longer lines of a log are read in pieces (never all in memory)
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock(path: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(os.path.abspath(path), threading.Lock())


def _cpu(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 86400} {s % 86400 // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def host_sinful() -> str:
    try:
        addr = socket.gethostbyname(socket.gethostname())
    except OSError:
        addr = "127.0.0.1"
    return f"<{addr}:0?alias={socket.gethostname()}>"


class EventLog:
    """Appends events for jobs to one user log; safe to share between threads.

    The log is `name` below directory `root`, opened there as the submitting user (the owner of
    `root`, see sandbox.submit_identity for `owner`), never through a link, and only if it is a
    regular file.
    """

    def __init__(self, root: str, name: str, owner: JobSpec | None = None) -> None:
        self.root, self.name = root, name
        self.path = os.path.join(root, name)
        self.owner = owner or JobSpec(image="-", iwd=root)

    def _open(self, flags: int) -> int:
        from executor.sandbox import open_iwd  # sandbox -> containers -> docker SDK: load lazily

        root, who = open_iwd(self.owner)
        try:
            with jf.acting_as(who):
                fd, _ = jf.open_file(root, self.name, flags)
        finally:
            os.close(root)
        os.set_blocking(fd, True)
        return fd

    @staticmethod
    def _event(code: int, cluster: int, proc: int, text: str, body: Iterable[str] = (),
               when: float | None = None, indent: str = "\t") -> str:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(when or time.time()))
        lines = [f"{code:03d} ({cluster:03d}.{proc:03d}.000) {stamp} {text}"]
        lines += [f"{indent}{line}" for line in body]
        lines.append("...")
        return "\n".join(lines) + "\n"

    def append(self, data: str) -> None:
        """Add whole events to the log in one write (O_APPEND: never interleaved)."""
        with _lock(self.path):
            fd = self._open(os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            try:
                jf.write_all(fd, data.encode())
            finally:
                os.close(fd)

    def write(self, code: int, spec: JobSpec, text: str, body: Iterable[str] = (),
              when: float | None = None, indent: str = "\t") -> None:
        self.append(self._event(code, spec.cluster, spec.proc, text, body, when, indent))

    def submitted(self, spec: JobSpec, jobs: Iterable[tuple[int, int]], when: float | None = None) -> None:
        """The schedd's submit events for several procs (cluster, proc) at once."""
        text, batch = f"Job submitted from host: {host_sinful()}", []
        for cluster, proc in jobs:
            batch.append(self._event(SUBMIT, cluster, proc, text, (), when))
            if len(batch) >= SUBMIT_BATCH:
                self.append("".join(batch))
                batch.clear()
        if batch:
            self.append("".join(batch))

    def disconnected(self, spec: JobSpec, reason: str, slot: str) -> None:
        """The shadow lost its execute node (022); it tries to reconnect until the lease ends."""
        self.write(DISCONNECTED, spec, "Job disconnected, attempting to reconnect",
                   [reason, f"Trying to reconnect to {slot} {host_sinful()}"], indent="    ")

    def reconnected(self, spec: JobSpec, slot: str) -> None:
        """The execute node answers again and the job runs on (023)."""
        self.write(RECONNECTED, spec, f"Job reconnected to {slot}",
                   [f"startd address: {host_sinful()}", f"starter address: {host_sinful()}"],
                   indent="    ")

    def reconnect_failed(self, spec: JobSpec, reason: str, slot: str) -> None:
        """The lease ended (or the job is gone from the node): it will be rescheduled (024)."""
        self.write(RECONNECT_FAILED, spec, "Job reconnection failed",
                   [reason, f"Can not reconnect to {slot}, rescheduling job"], indent="    ")

    def submit(self, spec: JobSpec) -> None:
        self.write(SUBMIT, spec, f"Job submitted from host: {host_sinful()}")

    def execute(self, spec: JobSpec, slot: str) -> None:
        self.write(EXECUTE, spec, f"Job executing on host: {host_sinful()}",
                   [f"SlotName: {slot}@{socket.gethostname()}"])

    def image_size(self, spec: JobSpec, usage: Usage) -> None:
        self.write(IMAGE_SIZE, spec, f"Image size of job updated: {usage.peak_memory_mb}", [
            f"{usage.peak_memory_mb}  -  MemoryUsage of job (MB)",
            f"{usage.peak_rss_kb}  -  ResidentSetSize of job (KB)",
        ])

    def terminated(self, spec: JobSpec, result: JobResult, disk_kb: int = 0) -> None:
        u = result.usage
        if result.signal is not None:
            status = [f"(0) Abnormal termination (signal {result.signal})", "(0) No core file"]
        else:
            status = [f"(1) Normal termination (return value {result.exit_code or 0})"]
        remote = f"\tUsr {_cpu(u.user_cpu_seconds)}, Sys {_cpu(u.sys_cpu_seconds)}"
        local = "\tUsr 0 00:00:00, Sys 0 00:00:00"
        body = status + [
            f"{remote}  -  Run Remote Usage", f"{local}  -  Run Local Usage",
            f"{remote}  -  Total Remote Usage", f"{local}  -  Total Local Usage",
            "0  -  Run Bytes Sent By Job", "0  -  Run Bytes Received By Job",
            "0  -  Total Bytes Sent By Job", "0  -  Total Bytes Received By Job",
            "Partitionable Resources :    Usage  Request Allocated ",
            f"   Cpus                 : {'':>8} {spec.cpus:>8} {spec.cpus:>9} ",
            f"   Disk (KB)            : {disk_kb:>8} {disk_kb:>8} {disk_kb:>9} ",
            f"   Memory (MB)          : {u.peak_memory_mb:>8} {spec.memory_mb:>8} {spec.memory_mb:>9} ",
        ]
        self.write(TERMINATED, spec, "Job terminated.", body)

    def held(self, spec: JobSpec, result: JobResult) -> None:
        self.write(HELD, spec, "Job was held.", [
            result.hold_reason or "Reason unspecified",
            f"Code {result.hold_reason_code or 0} Subcode {result.hold_reason_subcode or 0}",
        ])

    def requeued(self, spec: JobSpec, result: JobResult, reason: str) -> None:
        """The job exited but its on_exit_remove kept it in the queue: evicted (004), requeued."""
        u = result.usage
        if result.signal is not None:
            how = [f"(0) Abnormal termination (signal {result.signal})", "(0) No core file"]
        else:
            how = [f"(1) Normal termination (return value {result.exit_code or 0})"]
        self.write(EVICTED, spec, "Job was evicted.", [
            "(0) Job terminated and was requeued",
            f"\tUsr {_cpu(u.user_cpu_seconds)}, Sys {_cpu(u.sys_cpu_seconds)}  -  Run Remote Usage",
            "\tUsr 0 00:00:00, Sys 0 00:00:00  -  Run Local Usage",
            "0  -  Run Bytes Sent By Job", "0  -  Run Bytes Received By Job", *how, reason])

    def aborted(self, spec: JobSpec, reason: str) -> None:
        self.write(ABORTED, spec, "Job was aborted.", [reason])

    def released(self, spec: JobSpec, reason: str) -> None:
        self.write(RELEASED, spec, "Job was released.", [reason])

    def outcome(self, spec: JobSpec, result: JobResult, reason: str = "via executor cancel",
                disk_kb: int = 0) -> None:
        """The one terminal event for an attempt's result."""
        if result.status == "completed":
            self.terminated(spec, result, disk_kb)
        elif result.status == "held":
            self.held(spec, result)
        else:
            self.aborted(spec, reason)

    def last_event(self, spec: JobSpec) -> int | None:
        """The code of the job's most recent event, or None (used to never report twice)."""
        last = None
        try:
            fd = self._open(os.O_RDONLY)
        except OSError as err:  # JobFileError carries ENOENT without being a FileNotFoundError
            if err.errno == errno.ENOENT:
                return None
            raise
        with open(fd, encoding="utf-8", errors="replace") as log:
            while line := log.readline(MAX_LINE):
                m = _HEADER.match(line)
                if m and int(m[2]) == spec.cluster and int(m[3]) == spec.proc:
                    last = int(m[1])
        return last
