"""The `classad` command: eval (classad_eval style and --jsonl batches), match, convert, demo."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from classad.ad import ClassAd
from classad.cliversion import version_callback
from classad.errors import ClassAdError, ClassAdSyntaxError
from classad.unparse import unparse_ad, unparse_value

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Evaluate, match and convert HTCondor ClassAds.",
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


@app.callback()
def _options(
    show_version: Annotated[
        bool,
        typer.Option("--version", callback=version_callback("classad"), is_eager=True,
                     help="Print the version."),
    ] = False,
) -> None:
    """Evaluate, match and convert HTCondor ClassAds."""

DATA = Path(__file__).parent / "data"


class UsageError(Exception):
    """A user mistake: reported on one line, exit status 2."""


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"classad: {message}", markup=False)
    return typer.Exit(code)


def _load_first(path: str, what: str) -> ClassAd:
    from classad.formats import load_ads

    try:
        for ad in load_ads(sys.stdin if path == "-" else path):
            return ad
    except OSError as exc:
        raise UsageError(f"cannot read {what} file {path}: {exc.strerror}") from None
    raise UsageError(f"{what} file {path} holds no ad")


def _load_all(path: str, what: str) -> list[ClassAd]:
    from classad.formats import load_ads

    try:
        ads = list(load_ads(sys.stdin if path == "-" else path))
    except OSError as exc:
        raise UsageError(f"cannot read {what} file {path}: {exc.strerror}") from None
    if not ads:
        raise UsageError(f"{what} file {path} holds no ad")
    return ads


# ---- eval ----------------------------------------------------------------------------------

_EVAL_HELP = """Evaluate expressions, left to right, as classad_eval does.

Each argument is an ad (`\\[a = 1; b = 2]`) or an assignment (`a = 1`), merged into the context ad, or an expression, evaluated with the context as MY and printed in ClassAd syntax. Options take effect where they appear:

\b
  -quiet               stop echoing the context ad before results
  -file FILE, --my FILE
                       replace the context with the first ad of FILE (any format)
  -target-file FILE, --target FILE
                       use the first ad of FILE as TARGET
  --jsonl FILE         batch mode: one JSON case per line ("-" = stdin)
  --show-python        print the Python code generated for each expression

An argument that looks like an option but is none (`-quite`) is an error; write an expression that starts with '-' in parentheses: `(-x)`.
"""


@app.command("eval", help=_EVAL_HELP,
             context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                               "allow_interspersed_args": False})
def eval_command(ctx: typer.Context) -> None:
    tokens = list(ctx.args)
    if "--jsonl" in tokens:
        i = tokens.index("--jsonl")
        if i + 1 >= len(tokens):
            raise _fail("--jsonl needs a file name (or - for stdin)")
        raise typer.Exit(_run_jsonl(tokens[i + 1]))
    if not tokens:
        raise _fail("nothing to evaluate; see `classad eval --help`")
    try:
        _run_eval_stream(tokens)
    except UsageError as exc:
        raise _fail(str(exc), 1) from None
    except ClassAdError as exc:
        raise _fail(str(exc).splitlines()[0], 1) from None


_FLAG_WITH_FILE = {"-file": "my", "-my-file": "my", "--my": "my", "--file": "my",
                   "-target-file": "target", "-target-ad": "target", "--target": "target",
                   "--target-file": "target"}


def _run_eval_stream(tokens: list[str]) -> None:
    from classad.evaluator import evaluate_expr
    from classad.parser import parse_expr, parse_record

    context = ClassAd()
    target: ClassAd | None = None
    quiet = False
    show_python = False
    changed = True
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        i += 1
        if tok in ("-quiet", "--quiet", "-q"):
            quiet = True
            continue
        if tok == "--show-python":
            show_python = True
            continue
        if tok in _FLAG_WITH_FILE:
            if i >= len(tokens):
                raise UsageError(f"{tok} needs a file name")
            ad = _load_first(tokens[i], "ad")
            i += 1
            if _FLAG_WITH_FILE[tok] == "my":
                context, changed = ad, True
            else:
                target = ad
            continue
        if _looks_like_option(tok):
            raise UsageError(f"unknown option {tok}{_did_you_mean(tok)}"
                             " (write an expression that starts with '-' as (-x))")
        record = _as_ad(tok, parse_record)
        if record is not None:
            context.update_from(ClassAd.from_record(record))
            changed = True
            continue
        try:
            expr = parse_expr(tok, source="argument")
        except ClassAdSyntaxError as exc:
            raise UsageError(f"cannot parse {tok!r}: {exc.message} at column {exc.column}") from None
        if changed and not quiet:
            out.print(unparse_ad(context), markup=False)
            changed = False
        if show_python:
            _show_python(expr)
        out.print(unparse_value(evaluate_expr(expr, context, target)), markup=False)


_EVAL_OPTIONS = ("-quiet", "--quiet", "-q", "--show-python", "--jsonl", *_FLAG_WITH_FILE)


def _looks_like_option(token: str) -> bool:
    """`-name` or `--name` that is not an option: a typo, never an expression to evaluate."""
    return (token.startswith("-") and token.lstrip("-")[:1].isalpha()
            and all(c.isalnum() or c in "-_" for c in token))


def _did_you_mean(token: str) -> str:
    import difflib

    near = difflib.get_close_matches(token, _EVAL_OPTIONS, n=1, cutoff=0.6)
    return f" (did you mean {near[0]}?)" if near else ""


def _as_ad(text: str, parse_record: Any) -> Any:
    """An ad (`[a = 1]`) or an assignment (`a = 1`) as a record, or None for an expression."""
    stripped = text.strip()
    try:
        return parse_record(stripped if stripped.startswith("[") else f"[{stripped}]")
    except ClassAdSyntaxError:
        return None


def _show_python(expr: Any) -> None:
    from classad.compiler import python_source

    err.print(python_source(expr), markup=False)


def _run_jsonl(path: str) -> int:
    from classad import inputfile
    from classad.cases import run_case

    try:
        raw = sys.stdin.buffer if path == "-" else inputfile.open_input(path)
    except OSError as exc:
        err.print(f"classad: cannot read {path}: {exc.strerror}", markup=False)
        return 2
    failures = 0
    limit = inputfile.MAX_INPUT_BYTES
    with raw:
        for lineno, data in enumerate(iter(lambda: raw.readline(limit + 1), b""), 1):
            if len(data) > limit:
                err.print(f"classad: {path}:{lineno}: line longer than {limit} bytes", markup=False)
                return 2
            if not data.strip():
                continue
            case_id: Any = None
            try:
                case = json.loads(data.decode("utf-8"))
                if not isinstance(case, dict):
                    raise ValueError("a case is a JSON object")
                case_id = case.get("id")
                result = run_case(case)
                record = {"id": case_id, "result": result}
            except (ValueError, ClassAdError) as exc:
                failures += 1
                record = {"id": case_id, "result": {"type": "error"},
                          "problem": f"line {lineno}: {exc}"}
            except RecursionError:
                record = {"id": case_id, "result": {"type": "error"}}
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    return 0


# ---- match ---------------------------------------------------------------------------------


@app.command("match")
def match_command(
    job: Annotated[str, typer.Argument(help="file holding the job ad (first ad is used)")],
    machine: Annotated[str, typer.Argument(help="file holding one or more machine ads")],
    as_json: Annotated[bool, typer.Option("--json", help="print machine-readable JSON")] = False,
) -> None:
    """Match a job against machine ads, both directions, with Rank and the failing side.

    Exit status: 0 if some machine matches symmetrically, 1 if none does, 2 on bad input.
    """
    from classad.analyze import analyze

    try:
        job_ad = _load_first(job, "job")
        machines = _load_all(machine, "machine")
    except UsageError as exc:
        raise _fail(str(exc)) from None
    except ClassAdError as exc:
        raise _fail(str(exc).splitlines()[0]) from None
    report = analyze(job_ad, machines)
    if as_json:
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    else:
        report.render(out)
    raise typer.Exit(0 if report.matched else 1)


# ---- convert -------------------------------------------------------------------------------


@app.command("convert")
def convert_command(
    path: Annotated[str, typer.Argument(help="ad file in any format, - for stdin")],
    to: Annotated[str, typer.Option("--to", help="output format: new, old or json")] = "new",
) -> None:
    """Read ads in any format (new, old, JSON; detected) and write them in another."""
    from classad.formats import dump_ads

    if to not in ("new", "old", "json"):
        raise _fail(f"--to must be new, old or json, not {to!r}")
    try:
        ads = _load_all(path, "input")
    except UsageError as exc:
        raise _fail(str(exc)) from None
    except ClassAdError as exc:
        raise _fail(str(exc).splitlines()[0]) from None
    sys.stdout.write(dump_ads(ads, to))


# ---- demo ----------------------------------------------------------------------------------


@app.command("demo")
def demo_command() -> None:
    """Evaluate the bundled sample policy: a job ad against a small pool of slot ads."""
    from classad.analyze import analyze
    from classad.formats import load_ads

    job = next(iter(load_ads(str(DATA / "sample_job.ad"))))
    slots = list(load_ads(str(DATA / "sample_slots.ad")))
    out.print(f"[bold]Job[/bold] {DATA / 'sample_job.ad'} against {len(slots)} slots "
              f"from {DATA / 'sample_slots.ad'}\n")
    analyze(job, slots).render(out)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("classad: interrupted", markup=False)
        raise SystemExit(130) from None
