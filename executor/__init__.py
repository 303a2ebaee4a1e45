"""Run job ads in Docker containers the way HTCondor's docker universe does."""

from executor.protocol import EngineUnavailable, Executor, JobHandle
from executor.spec import (
    ExecutorConfig,
    HoldCode,
    JobResult,
    JobSpec,
    SpecError,
    Usage,
)

__all__ = [
    "EngineUnavailable",
    "Executor",
    "ExecutorConfig",
    "HoldCode",
    "JobHandle",
    "JobResult",
    "JobSpec",
    "SpecError",
    "Usage",
]
