"""Pure mapping from a JobSpec to the docker SDK's create() options, names and labels."""

from __future__ import annotations

import os
import re
from typing import Any

from docker.types import LogConfig, Mount

from executor.protocol import JobHandle
from executor.spec import ExecutorConfig, JobSpec, SpecError

LABEL_HTCONDOR = "org.htcondorproject"
LABEL_OWNER = "io.classad-pool.owner"
LABEL_JOB = "io.classad-pool.job"
LABEL_SANDBOX = "io.classad-pool.sandbox"
LABEL_SPEC = "io.classad-pool.spec"
LABEL_NOTE = "io.classad-pool.note."  # + key: the runner's notes (kept sandbox, input manifest)
STDOUT_FILE = "_condor_stdout"
STDERR_FILE = "_condor_stderr"
JOB_AD_FILE = ".job.ad"
INTERNAL_FILES = frozenset(
    {STDOUT_FILE, STDERR_FILE, JOB_AD_FILE, ".machine.ad", ".docker_stderror"}
)
NETWORK_MODES = {"none": "none", "host": "host", "nat": "bridge"}
PIDS_LIMIT = 4096


# create_options() keys that belong in HostConfig (the SDK's public api.create_host_config)
HOST_CONFIG_KEYS = frozenset({"init", "cpu_shares", "mem_limit", "memswap_limit", "pids_limit", "cap_drop",
                              "security_opt", "privileged", "network_mode", "mounts", "log_config"})


def normalize_image(ref: str) -> str:
    """Strip `docker://`, add `:latest` when neither a tag nor a digest is given."""
    ref = ref.strip().removeprefix("docker://")
    if "@" in ref:
        return ref
    return ref if ":" in ref.rsplit("/", 1)[-1] else f"{ref}:latest"


def container_name(spec: JobSpec, config: ExecutorConfig, seq: int) -> str:
    """HTCondor's `HTCJob<c>_<p>_<slot>_PID<pid>`, plus a counter so each attempt is unique."""
    slot = re.sub(r"[^A-Za-z0-9_.-]", "_", config.slot_name)
    return f"HTCJob{spec.cluster}_{spec.proc}_{slot}_PID{os.getpid()}_{seq}"


def hostname(spec: JobSpec) -> str:
    raw = f"{spec.owner or 'job'}-{spec.cluster}.{spec.proc}-{os.uname().nodename}"
    return re.sub(r"[^A-Za-z0-9.-]", "-", raw)[:63].strip("-.") or "job"


def check_network(spec: JobSpec, config: ExecutorConfig) -> None:
    if spec.network not in config.networks:
        allowed = ", ".join(sorted(config.networks))
        raise SpecError(f"this slot does not allow DockerNetworkType {spec.network!r} (allowed: {allowed})")


def environment(spec: JobSpec, sandbox: str, config: ExecutorConfig) -> dict[str, str]:
    env = dict(spec.env)
    env.update({
        "_CONDOR_SCRATCH_DIR": sandbox,
        "_CONDOR_SLOT": config.slot_name,
        "TMPDIR": sandbox,
        "TEMP": sandbox,
        "TMP": sandbox,
    })
    if os.path.lexists(os.path.join(sandbox, JOB_AD_FILE)):  # written by us before the job runs
        env["_CONDOR_JOB_AD"] = os.path.join(sandbox, JOB_AD_FILE)
    return env


def labels(handle: JobHandle, config: ExecutorConfig) -> dict[str, str]:
    return {
        LABEL_HTCONDOR: "True",
        LABEL_OWNER: config.owner_label,
        LABEL_JOB: handle.spec.job_id,
        LABEL_SANDBOX: handle.sandbox,
        LABEL_SPEC: handle.spec.to_json(),
        **{LABEL_NOTE + key: value for key, value in handle.notes},
    }


def notes(container_labels: dict[str, str]) -> dict[str, str]:
    """The runner's notes back from a container's labels."""
    return {k.removeprefix(LABEL_NOTE): v for k, v in container_labels.items() if k.startswith(LABEL_NOTE)}


def create_options(handle: JobHandle, config: ExecutorConfig) -> dict[str, Any]:
    """Keyword arguments for `client.containers.create(image, **options)`."""
    spec, sandbox = handle.spec, handle.sandbox
    memory = f"{spec.memory_mb}m"
    options: dict[str, Any] = {
        "name": handle.name,
        "command": list(spec.command) if spec.command is not None else None,
        "environment": environment(spec, sandbox, config),
        "working_dir": sandbox,
        "user": f"{config.uid}:{config.gid}",
        "init": config.init,
        "cpu_shares": 100 * spec.cpus,
        "mem_limit": memory,
        "memswap_limit": memory,  # no swap beyond the request (HTCondor omits this)
        "pids_limit": PIDS_LIMIT,
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],
        "privileged": False,
        "network_mode": NETWORK_MODES[spec.network],
        "labels": labels(handle, config),
        "mounts": [Mount(target=sandbox, source=sandbox, type="bind")],
        # HTCondor's DOCKER_LOG_DRIVER_NONE: stdout/stderr are streamed from an attach made before
        # start into the sandbox files, byte-exact and unbounded (a log driver splits lines at 16 KiB
        # and rotates or caps what it keeps).
        "log_config": LogConfig(type="none"),
    }
    if spec.network != "host":
        options["hostname"] = hostname(spec)
    if spec.network == "none":
        # HTCondor's --network=none without libnetwork: the same view, half the engine's CPU.
        # For "none", Docker 20.10 still builds a libnetwork sandbox and runc runs a prestart hook
        # (libnetwork-setkey) that re-executes the whole dockerd binary for every container:
        # ~40% of a trivial job's CPU. NetworkDisabled skips both; runc still makes a fresh
        # network namespace holding only lo, up (with ::1, which libnetwork hides). Docker then
        # writes no /etc/hosts: we mount nothing but the scratch directory, so `localhost`
        # resolves only if the image's own /etc/hosts says so (127.0.0.1 always works).
        options["network_disabled"] = True
    return options
