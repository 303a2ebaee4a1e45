"""The entry point every command of the distribution shares: a user's mistake is one line, never a traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

#: turns a handled exception into the message after `PROGRAM: error: `
Describe = Callable[[BaseException], str]
Kinds = type[BaseException] | tuple[type[BaseException], ...]


def first_line(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


def run_app(app: Any, program: str, *,
            args: Sequence[str] | Callable[[], Sequence[str]] | None = None,
            errors: Sequence[tuple[Kinds, Describe]] = (),
            error_code: int = 1) -> NoReturn:
    """Run a Typer app and exit.

    Handled errors (also those raised by `args`, a callable that prepares the command line)
    print `PROGRAM: error: MESSAGE` and exit with `error_code`; click's usage errors print their
    usage text; ^C exits 130; anything else is a bug and keeps its traceback."""
    import typer

    try:
        argv = args() if callable(args) else args
        code = app(args=list(argv) if argv is not None else None, prog_name=program,
                   standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        print(f"{program}: aborted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:
        for kind, describe in errors:
            if isinstance(exc, kind):
                print(f"{program}: error: {describe(exc)}", file=sys.stderr)
                sys.exit(error_code)
        # click's usage errors (a missing option, a bad value): typer vendors its own click, so
        # they are known by their shape, not their class
        show, usage_code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if show is None or not isinstance(usage_code, int):
            raise
        show()
        sys.exit(usage_code)
    sys.exit(code if isinstance(code, int) else 0)
