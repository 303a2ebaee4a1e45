"""Build a JobSpec from a job ClassAd (DockerImage, Cmd, Arguments, Environment, Request*, ...)."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable
from typing import Any, Protocol

from executor.spec import JobSpec, SpecError


class JobAd(Protocol):
    """The part of classad.ClassAd this module needs."""

    def __contains__(self, name: object) -> bool: ...

    def eval(self, name: str, target: Any = None) -> Any: ...


def _value(ad: JobAd, name: str) -> Any:
    """The evaluated attribute, or None when absent or UNDEFINED; an ERROR value is a SpecError."""
    from classad import is_error, is_undefined  # only this module and the CLI know ClassAds

    if name not in ad:
        return None
    value = ad.eval(name)
    if is_undefined(value):
        return None
    if is_error(value):
        raise SpecError(f"job attribute {name} evaluates to ERROR")
    return value


def _first(ad: JobAd, names: Iterable[str]) -> tuple[str, Any]:
    for name in names:
        value = _value(ad, name)
        if value is not None:
            return name, value
    return "", None


def _str(ad: JobAd, name: str) -> str | None:
    value = _value(ad, name)
    if value is None or isinstance(value, str):
        return value
    raise SpecError(f"job attribute {name} must be a string, not {value!r}")


def _int(ad: JobAd, name: str, default: int) -> int:
    value = _value(ad, name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpecError(f"job attribute {name} must be a number, not {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise SpecError(f"job attribute {name} must be a finite number, not {value!r}")
    if abs(value) > 2**62:
        raise SpecError(f"job attribute {name} is out of range: {value!r}")
    return int(math.ceil(value))


def _bool(ad: JobAd, name: str, default: bool = False) -> bool:
    value = _value(ad, name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    raise SpecError(f"job attribute {name} must be a boolean, not {value!r}")


def _image(ad: JobAd) -> str:
    name, value = _first(ad, ("DockerImage", "ContainerImage"))
    if not isinstance(value, str) or not value.strip():
        raise SpecError("the job ad has no DockerImage (or ContainerImage)")
    source = _value(ad, "ContainerImageSource") if name == "ContainerImage" else None
    if name == "ContainerImage" and (
            value.endswith(".sif") or value.startswith(("/", "./"))
            or (isinstance(source, str) and source.lower() not in ("docker", ""))):
        # condor_submit marks a transferred image (a file or a sandbox directory, which becomes
        # its base name) with ContainerImageSource "cedar"/"local"/...: never a registry name
        raise SpecError(f"ContainerImage {value!r} is not a docker image; only docker images can run here")
    return value.strip()


def _command(ad: JobAd, iwd: str) -> tuple[tuple[str, ...] | None, tuple[str, ...]]:
    """(command, extra input files): Cmd + Arguments; no Cmd means the image's own command."""
    from classad.argsyntax import ArgSyntaxError, split_v1, split_v2

    cmd = _str(ad, "Cmd")
    args_v2, args_v1 = _str(ad, "Arguments"), _str(ad, "Args")
    try:
        args = split_v2(args_v2) if args_v2 is not None else split_v1(args_v1 or "")
    except ArgSyntaxError as exc:
        raise SpecError(f"Arguments: {exc}") from None
    if not cmd:
        return (tuple(args) if args else None), ()
    if _bool(ad, "TransferExecutable", True):  # HTCondor's default: Cmd travels with the job
        source = cmd if os.path.isabs(cmd) else os.path.join(iwd, cmd)
        return (f"./{os.path.basename(cmd)}", *args), (source,)
    return (cmd, *args), ()


def _env(ad: JobAd) -> tuple[tuple[str, str], ...]:
    from classad.argsyntax import ArgSyntaxError, environment_v1, environment_v2

    v2 = _str(ad, "Environment")
    try:
        if v2 is not None:
            return tuple(environment_v2(v2))
        return tuple(environment_v1(_str(ad, "Env") or ""))
    except ArgSyntaxError as exc:
        raise SpecError(f"Environment: {exc}") from None


def string_list(text: str) -> list[str]:
    """ClassAd string lists such as TransferInput: commas and/or whitespace separate items."""
    return [item for item in text.replace(",", " ").split() if item]


def _remaps(ad: JobAd) -> tuple[tuple[str, str], ...]:
    """TransferOutputRemaps = "name = dest; name2 = dest2" (a backslash escapes `;` and `=`)."""
    text = _str(ad, "TransferOutputRemaps") or ""
    pairs = []
    for item in re.split(r"(?<!\\);", text):
        if not item.strip():
            continue
        parts = [p.strip().replace("\\;", ";").replace("\\=", "=") for p in re.split(r"(?<!\\)=", item, maxsplit=1)]
        if len(parts) != 2 or not all(parts):
            raise SpecError(f"TransferOutputRemaps entry {item.strip()!r} is not NAME = DESTINATION")
        pairs.append((parts[0], parts[1]))
    return tuple(pairs)


def _std(ad: JobAd, name: str) -> str | None:
    value = _str(ad, name)
    return None if value in (None, "", "/dev/null") else value


def _kill_sig(ad: JobAd) -> str:
    value = _value(ad, "KillSig")
    if value is None:
        return "SIGTERM"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        return value if value.upper().startswith("SIG") or value.isdigit() else f"SIG{value.upper()}"
    raise SpecError(f"job attribute KillSig must be a signal name or number, not {value!r}")


def spec_from_ad(ad: JobAd, default_iwd: str | None = None) -> JobSpec:
    """Read the docker-universe attributes of a job ad into a JobSpec."""
    iwd = _str(ad, "Iwd") or default_iwd or os.getcwd()
    command, extra_inputs = _command(ad, iwd)
    transfer_output = _str(ad, "TransferOutput")
    return JobSpec(
        image=_image(ad),
        cluster=_int(ad, "ClusterId", 1),
        proc=_int(ad, "ProcId", 0),
        command=command,
        env=_env(ad),
        cpus=_int(ad, "RequestCpus", 1),
        memory_mb=_int(ad, "RequestMemory", 128),
        iwd=os.path.abspath(iwd),
        transfer_input=(*string_list(_str(ad, "TransferInput") or ""), *extra_inputs),
        transfer_output=tuple(string_list(transfer_output)) if transfer_output is not None else None,
        stdout=_std(ad, "Out"),
        stderr=_std(ad, "Err"),
        user_log=_str(ad, "UserLog"),
        output_remaps=_remaps(ad),
        network=(_str(ad, "DockerNetworkType") or "none").lower(),
        kill_sig=_kill_sig(ad),
        owner=_str(ad, "Owner") or "",
        pull_always=(_str(ad, "DockerPullPolicy") or "").lower() == "always",
    )
