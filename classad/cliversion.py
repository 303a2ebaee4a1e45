"""`--version` for every command of the distribution (classad, negotiator, executor, pool)."""

from __future__ import annotations

from collections.abc import Callable


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("classad-pool")
    except PackageNotFoundError:
        return "unknown"


def version_callback(program: str) -> Callable[[bool], None]:
    """An eager typer option callback that prints `PROGRAM (classad-pool) X.Y.Z` and exits."""

    def show(value: bool) -> None:
        if value:
            import typer

            typer.echo(f"{program} (classad-pool) {package_version()}")
            raise typer.Exit()

    return show
