"""The narrow executor Protocol (start, poll, cancel, release) and the handle it hands out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from executor.spec import JobResult, JobSpec, Usage


class EngineUnavailable(RuntimeError):
    """The container engine cannot be reached; no job state was changed."""


@dataclass(frozen=True, slots=True)
class JobHandle:
    """One started attempt: enough to find its container again after our own restart."""

    name: str  # container name, unique per attempt
    spec: JobSpec
    sandbox: str
    notes: tuple[tuple[str, str], ...] = ()  # the runner's notes, kept in the container's labels


class Executor(Protocol):
    """What a slot needs from a container runtime. Job problems are results, never exceptions."""

    def start(self, spec: JobSpec, sandbox: str, notes: tuple[tuple[str, str], ...] = ()) -> JobHandle:
        """Create and start the job's container; failures show up in poll() as a held result.

        stdout and stderr stream into the sandbox's _condor_stdout/_condor_stderr while it runs.
        """
        ...

    def poll(self, handle: JobHandle) -> JobResult | None:
        """The final result once the job has ended (stdout/stderr are in the sandbox), else None."""
        ...

    def wait(self, handle: JobHandle, timeout: float | None = None) -> JobResult | None:
        """Block until the job ends or the timeout passes."""
        ...

    def usage(self, handle: JobHandle) -> Usage:
        """Usage seen so far (peak memory, CPU)."""
        ...

    def cancel(self, handle: JobHandle, *, hold: bool = False, reason: str = "") -> None:
        """Send the kill signal now and SIGKILL after the vacate timeout; ends as removed or held.

        Called again, it sends the signal again (the first call's kind and reason stay)."""
        ...

    def release(self, handle: JobHandle) -> None:
        """Forget the job and remove its container (after output transfer)."""
        ...
