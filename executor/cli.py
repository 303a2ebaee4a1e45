"""`executor run JOBAD`, `executor machine-ad`, `executor recover`, `executor gc` (typer)."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from executor.protocol import EngineUnavailable
from executor.spec import ExecutorConfig, JobResult, SpecError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Run job ClassAds in Docker containers the way HTCondor's docker universe does.",
)



def _version(value: bool) -> None:
    from classad.cliversion import version_callback  # lazily: the executor's core knows no ClassAds

    version_callback("executor")(value)


@app.callback()
def _options(
    show_version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version.")] = False,
) -> None:
    """Run job ClassAds in Docker containers the way HTCondor's docker universe does."""


EXIT_USER_ERROR = 1
EXIT_STATUS = {"completed": 0, "nonzero": 3, "held": 4, "removed": 5}

HostOption = Annotated[str | None, typer.Option(
    "--docker-host", envvar="DOCKER_HOST", help="Engine URL, e.g. unix:///run/docker.sock.")]
SlotOption = Annotated[str, typer.Option("--slot", help="Slot name (container names, labels).")]
UidOption = Annotated[str | None, typer.Option(
    "--user", help="uid:gid jobs run as (never 0); default: ours, or nobody when we are root.")]


class UserError(Exception):
    """One line for the user, then a non-zero exit; never a traceback."""


def _fail(message: str) -> NoReturn:
    typer.echo(f"executor: {' '.join(message.split())}", err=True)
    raise typer.Exit(EXIT_USER_ERROR)


def _config(slot: str, user: str | None, networks: list[str] | None = None,
            vacate_timeout: float = 10.0) -> ExecutorConfig:
    extra: dict[str, Any] = {"slot_name": slot, "vacate_timeout": vacate_timeout}
    if networks:
        extra["networks"] = frozenset({"none", *networks})
    if user is not None:
        uid, _, gid = user.partition(":")
        if not uid.isdigit() or (gid and not gid.isdigit()):
            raise SpecError(f"--user must be UID[:GID] in numbers, not {user!r}")
        extra["uid"], extra["gid"] = int(uid), int(gid or uid)
    return ExecutorConfig(**extra)


def _read_text(path: Path) -> str:
    from classad.errors import ClassAdSyntaxError
    from classad.formats import read_text

    try:
        return read_text(path)
    except OSError as err:
        raise UserError(f"cannot read job ad {path}: {err.strerror or err}") from err
    except ClassAdSyntaxError as err:  # not UTF-8: the message names file, line and column
        raise UserError(f"cannot read job ad: {err}") from err


def _describe(result: JobResult) -> str:
    if result.status == "held":
        return (f"held (code {result.hold_reason_code} subcode {result.hold_reason_subcode}): "
                f"{result.hold_reason}")
    if result.signal is not None:
        return f"{result.status}, killed by signal {result.signal}"
    return f"{result.status}, exit code {result.exit_code}"


def _exit_status(result: JobResult) -> int:
    if result.status == "completed" and (result.exit_code != 0 or result.signal is not None):
        return EXIT_STATUS["nonzero"]
    return EXIT_STATUS[result.status]


def _executor(docker_host: str | None, config: ExecutorConfig) -> Any:
    try:
        from executor.docker_engine import DockerExecutor
    except ImportError as err:
        raise UserError("the docker SDK is missing: pip install 'classad-pool[docker]'") from err
    return DockerExecutor(config, docker_host)


@app.command()
def run(
    jobad: Annotated[Path, typer.Argument(help="Job ad file (new, old or JSON ClassAd syntax).")],
    sandbox: Annotated[Path | None, typer.Option(help="Scratch dir to use and keep (must be empty).")] = None,
    docker_host: HostOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the final state as JSON.")] = False,
    slot: SlotOption = "slot1",
    user: UidOption = None,
    allow_network: Annotated[list[str] | None, typer.Option(
        help="Also allow DockerNetworkType nat or host (none is always allowed).")] = None,
    vacate_timeout: Annotated[float, typer.Option(help="Seconds from SIGTERM to SIGKILL.")] = 10.0,
    eval_timeout: Annotated[float, typer.Option(
        help="Seconds (and 1 GB) allowed for evaluating the job ad; a runaway expression is an error.")] = 10.0,
) -> None:
    """Run one job ad as a slot would and print its final state.

    Exit status: 0 completed with exit code 0, 3 completed otherwise, 4 held, 5 removed
    (SIGINT/SIGTERM to this command removes the job), 1 for errors before the job could run.
    """
    from executor.boundedad import spec_from_text
    from executor.runner import run_job

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):  # from the start: a signal before the job ran removes it
        signal.signal(sig, lambda *_: stop.set())
    try:
        text = _read_text(jobad)
        spec = spec_from_text(text, str(jobad), str(jobad.resolve().parent),  # before any thread starts
                              seconds=eval_timeout)
        config = _config(slot, user, allow_network, vacate_timeout)
        executor = _executor(docker_host, config)
        result = run_job(executor, spec, config, sandbox=str(sandbox) if sandbox else None,
                         job_ad=text, stop=stop)
    except (UserError, SpecError, EngineUnavailable) as err:
        _fail(str(err))
    except OSError as err:
        _fail(f"{err.filename or ''}: {err.strerror or err}".lstrip(": "))
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        typer.echo(f"job {spec.job_id}: {_describe(result)}")
    raise typer.Exit(_exit_status(result))


def _to_classad_text(attrs: dict[str, Any], fmt: str = "old") -> str:
    try:
        import classad
    except ImportError as err:
        raise UserError("the classad package is not importable; use --json") from err
    from executor.machine import EXPRESSIONS

    ad = classad.ClassAd()
    for name, value in attrs.items():
        ad[name] = classad.parse_expr(value) if name in EXPRESSIONS else value
    text: str = ad.to_string(fmt)
    return text


@app.command("machine-ad")
def machine_ad(
    docker_host: HostOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a ClassAd.")] = False,
    slot: SlotOption = "slot1",
    allow_network: Annotated[list[str] | None, typer.Option(help="Networks the slot allows.")] = None,
) -> None:
    """Print the engine's machine ad: a partitionable slot with HasDocker and cached images."""
    from executor.machine import machine_attributes

    try:
        config = _config(slot, None, allow_network)
        executor = _executor(docker_host, config)
        attrs = machine_attributes(executor.client, config, executor.base_url)
        typer.echo(_to_classad_text(attrs, "json" if as_json else "old").rstrip("\n"))
    except (UserError, SpecError, EngineUnavailable) as err:
        _fail(str(err))
    except OSError as err:
        _fail(f"cannot query the Docker engine: {err}")


@app.command()
def recover(
    docker_host: HostOption = None,
    slot: SlotOption = "slot1",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per job.")] = False,
) -> None:
    """After a crash: finish this slot's jobs found by label (output, user log), drop orphans."""
    from executor.recovery import recover as find
    from executor.runner import complete

    try:
        executor = _executor(docker_host, _config(slot, None))
        found = find(executor)
    except (UserError, SpecError, EngineUnavailable) as err:
        _fail(str(err))
    for name, why in found.removed:
        typer.echo(f"removed orphan {name}: {why}", err=True)
    for attempt in found.attempts:
        result = complete(executor, attempt)
        line = {"job": attempt.spec.job_id, **result.to_dict()}
        typer.echo(json.dumps(line) if as_json else f"job {attempt.spec.job_id}: {_describe(result)}")


@app.command()
def gc(
    budget_mb: Annotated[float, typer.Option(help="Keep job images within this many MB.")],
    max_images: Annotated[int | None, typer.Option(help="Also keep at most this many.")] = None,
    docker_host: HostOption = None,
) -> None:
    """Remove least recently used job images beyond the budget (never one in use)."""
    from executor.images import collect

    try:
        executor = _executor(docker_host, _config("slot1", None))
        removed = collect(executor.client, budget_mb, max_images)
    except (UserError, EngineUnavailable) as err:
        _fail(str(err))
    for image in removed:
        typer.echo(f"removed {' '.join(image.tags)} ({image.size_mb} MB)")


def main() -> None:
    """Console-script entry point."""
    app(prog_name="executor")


if __name__ == "__main__":
    main()
