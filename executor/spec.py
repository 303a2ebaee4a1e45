"""Frozen records: what to run (JobSpec, ExecutorConfig) and how it ended (JobResult, Usage)."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Literal

Status = Literal["completed", "held", "removed"]
NETWORKS = ("none", "nat", "host")


class SpecError(ValueError):
    """A job description that cannot be run as given (a user error, reported in one line)."""


class HoldCode(IntEnum):
    """HTCondor hold reason codes used by the docker universe (condor_holdcodes.h)."""

    USER_REQUEST = 1
    FAILED_TO_CREATE_PROCESS = 6
    TRANSFER_OUTPUT_ERROR = 12
    TRANSFER_INPUT_ERROR = 13
    JOB_OUT_OF_RESOURCES = 34
    INVALID_DOCKER_IMAGE = 35


MAX_CPUS = 1 << 16
MAX_MEMORY_MB = 1 << 30  # 1 PiB: anything larger is a typo, not a request
MEMORY_SUBCODE = 102  # JobOutOfResources subcode for memory (HTCondor 24.0.12+)


@dataclass(frozen=True, slots=True)
class JobSpec:
    """One job attempt, independent of the ClassAd library (built by executor.jobad)."""

    image: str
    cluster: int = 1
    proc: int = 0
    command: tuple[str, ...] | None = None  # None: the image's default command
    env: tuple[tuple[str, str], ...] = ()
    cpus: int = 1
    memory_mb: int = 128
    iwd: str = field(default_factory=os.getcwd)
    transfer_input: tuple[str, ...] = ()
    transfer_output: tuple[str, ...] | None = None  # None: every new or changed top-level file
    stdout: str | None = None  # Out, relative to iwd; None: discarded like /dev/null
    stderr: str | None = None  # Err
    user_log: str | None = None  # UserLog
    output_remaps: tuple[tuple[str, str], ...] = ()  # TransferOutputRemaps: sandbox name -> Iwd path
    network: str = "none"  # DockerNetworkType: none | nat | host
    kill_sig: str = "SIGTERM"
    owner: str = ""
    pull_always: bool = False

    def __post_init__(self) -> None:
        if not self.image.strip():
            raise SpecError("the job has no DockerImage")
        if not 1 <= self.cpus <= MAX_CPUS:
            raise SpecError(f"RequestCpus must be between 1 and {MAX_CPUS}, not {self.cpus}")
        if not 6 <= self.memory_mb <= MAX_MEMORY_MB:
            raise SpecError(f"RequestMemory must be between 6 MB (Docker's minimum) and {MAX_MEMORY_MB} MB, "
                            f"not {self.memory_mb}")
        if not (0 <= self.cluster < 2**31 and 0 <= self.proc < 2**31):
            raise SpecError(f"ClusterId and ProcId must be between 0 and 2147483647, not {self.cluster}.{self.proc}")
        if self.network not in NETWORKS:
            raise SpecError(f"DockerNetworkType must be one of {', '.join(NETWORKS)}, not {self.network!r}")
        if not os.path.isabs(self.iwd):
            raise SpecError(f"Iwd must be an absolute path, not {self.iwd!r}")

    @property
    def job_id(self) -> str:
        return f"{self.cluster}.{self.proc}"

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> JobSpec:
        raw: dict[str, Any] = json.loads(text)
        for key in ("command", "transfer_output"):
            if raw.get(key) is not None:
                raw[key] = tuple(raw[key])
        raw["transfer_input"] = tuple(raw.get("transfer_input", ()))
        for key in ("env", "output_remaps"):
            raw[key] = tuple((str(k), str(v)) for k, v in raw.get(key, ()))
        return cls(**raw)


def _default_uid() -> tuple[int, int]:
    """Personal-condor rule: run jobs as ourselves, or as nobody when we are root."""
    uid, gid = os.getuid(), os.getgid()
    return (uid, gid) if uid != 0 else (65534, 65534)


@dataclass(frozen=True, slots=True)
class ExecutorConfig:
    """How this execute slot runs containers (the EP admin's knobs)."""

    slot_name: str = "slot1"
    uid: int = field(default_factory=lambda: _default_uid()[0])
    gid: int = field(default_factory=lambda: _default_uid()[1])
    networks: frozenset[str] = frozenset({"none"})  # what the slot allows
    vacate_timeout: float = 10.0  # SIGTERM -> SIGKILL escalation
    stats_interval: float = 1.0  # delay before following the stats stream (1 sample/s)
    engine_timeout: float = 60.0  # how long a lost engine may take to come back mid-job
    instance: str = ""  # owner label; recovery only touches our own containers
    init: bool = True

    def __post_init__(self) -> None:
        if self.uid <= 0 or self.gid <= 0:
            raise SpecError("jobs may not run as uid or gid 0")
        if self.uid > 2**31 - 1 or self.gid > 2**31 - 1:
            raise SpecError("uid and gid must fit in a signed 32-bit integer")
        unknown = set(self.networks) - set(NETWORKS)
        if unknown:
            raise SpecError(f"unknown network type {sorted(unknown)[0]!r}; use one of {', '.join(NETWORKS)}")

    @property
    def owner_label(self) -> str:
        return self.instance or f"{self.slot_name}@{os.uname().nodename}"


@dataclass(frozen=True, slots=True)
class Usage:
    """Resources a job used, as HTCondor reports them back into the job ad."""

    wall_seconds: float = 0.0
    user_cpu_seconds: float = 0.0
    sys_cpu_seconds: float = 0.0
    peak_memory_mb: int = 0  # MemoryUsage (and ImageSize, in MB for docker jobs)
    peak_rss_kb: int = 0  # ResidentSetSize

    def to_dict(self) -> dict[str, float | int]:
        return dataclasses.asdict(self)

    def job_attributes(self) -> dict[str, float | int]:
        """The job-ad attributes HTCondor's starter publishes for docker jobs."""
        return {
            "RemoteWallClockTime": round(self.wall_seconds, 3),
            "RemoteUserCpu": round(self.user_cpu_seconds, 3),
            "RemoteSysCpu": round(self.sys_cpu_seconds, 3),
            "MemoryUsage": self.peak_memory_mb,
            "ResidentSetSize": self.peak_rss_kb,
            "ImageSize": self.peak_memory_mb,
        }


@dataclass(frozen=True, slots=True)
class JobResult:
    """The final state of one attempt, the same shape `executor run --json` prints."""

    status: Status
    exit_code: int | None = None
    signal: int | None = None
    hold_reason_code: int | None = None
    hold_reason_subcode: int | None = None
    hold_reason: str | None = None
    usage: Usage = field(default_factory=Usage)
    started: bool = False  # an execute event belongs to this attempt

    @classmethod
    def held(cls, code: int, subcode: int, reason: str, *, usage: Usage | None = None,
             started: bool = False) -> JobResult:
        return cls("held", hold_reason_code=int(code), hold_reason_subcode=subcode,
                   hold_reason=reason, usage=usage or Usage(), started=started)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "exit_code": self.exit_code,
            "signal": self.signal,
            "hold_reason_code": self.hold_reason_code,
            "hold_reason_subcode": self.hold_reason_subcode,
            "hold_reason": self.hold_reason,
            "usage": self.usage.to_dict(),
        }

    def with_changes(self, **changes: Any) -> JobResult:
        return dataclasses.replace(self, **changes)


def env_pairs(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), str(v)) for k, v in env.items())
