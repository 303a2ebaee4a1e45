"""After our own crash: find our containers by label, adopt live or finished jobs, drop orphans."""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from executor.containers import LABEL_SANDBOX, LABEL_SPEC, notes
from executor.docker_engine import DockerExecutor
from executor.eventlog import TERMINAL, EventLog
from executor.runner import NOTE_KEEP, NOTE_MANIFEST, Attempt, user_log
from executor.sandbox import Snapshot, remove
from executor.spec import JobSpec


@dataclass
class Recovered:
    """What recovery found: attempts to complete, and containers it removed (with why)."""

    attempts: list[Attempt] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)
    already_reported: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # sandboxes of containers left to their follower


def _spec(container: Any) -> tuple[JobSpec, str] | None:
    labels = container.labels or {}
    try:
        return JobSpec.from_json(labels[LABEL_SPEC]), str(labels[LABEL_SANDBOX])
    except (KeyError, ValueError, TypeError):
        return None


def recover(executor: DockerExecutor, skip: Collection[str] = ()) -> Recovered:
    """Adopt every container of this slot; finish them with runner.complete().

    Containers whose sandbox is in `skip` (attempts the caller still follows, e.g. across an
    engine restart) are only reported in `skipped`, never adopted or removed.
    """
    found = Recovered()
    for container in executor.own_containers():
        parsed = _spec(container)
        if parsed is None:
            found.removed.append((container.name, "no readable job spec label"))
            container.remove(force=True, v=True)
            continue
        spec, sandbox = parsed
        if sandbox in skip:
            found.skipped.append(sandbox)
            continue
        noted = notes(container.labels or {})
        keep = noted.get(NOTE_KEEP, "1") != "0"  # unknown: keep, never delete what we did not make
        if not os.path.isdir(sandbox):
            found.removed.append((container.name, f"sandbox {sandbox} is gone"))
            container.remove(force=True, v=True)
            continue
        log = _log(spec)
        if container.status != "running" and log is not None and _last(log, spec) in TERMINAL:
            found.already_reported.append(container.name)
            container.remove(force=True, v=True)
            if not keep:
                remove(sandbox)
            continue
        handle = executor.adopt(container, spec, sandbox)
        found.attempts.append(Attempt(spec, sandbox, log, handle, Snapshot.from_json(noted.get(NOTE_MANIFEST, "{}")),
                                      keep_sandbox=keep, recovered=True, config=executor.config))
    return found


def _log(spec: JobSpec) -> EventLog | None:
    try:
        return user_log(spec)
    except OSError:
        return None


def _last(log: EventLog, spec: JobSpec) -> int | None:
    try:
        return log.last_event(spec)
    except OSError:
        return None
