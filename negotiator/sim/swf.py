"""Standard Workload Format (SWF) traces: `;` header comments, 18 fields a record, -1 unknown."""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from classad.inputfile import GZIP_MAGIC, corrupt_gzip, open_input
from negotiator.errors import NegotiatorError

FIELDS = (
    "job", "submit", "wait", "run", "alloc_procs", "avg_cpu", "used_memory", "req_procs",
    "req_time", "req_memory", "status", "user", "group", "executable", "queue", "partition",
    "preceding", "think",
)
#: SWF status codes (field 11): 1 completed, 0 failed, 5 cancelled; 2-4 are partial executions
COMPLETED, FAILED, CANCELLED = 1, 0, 5
PARTIAL = frozenset({2, 3, 4})
MAX_LINE = 4096
"""A record longer than this is not SWF (a budget against a binary file read as text)."""
MAX_TRACE_LINES = 50_000_000
"""The most lines a trace may hold (a budget against a gzip bomb of empty lines: the largest
traces of the Parallel Workloads Archive hold a few million jobs)."""


class Record(NamedTuple):
    """One SWF line, as numbers (-1 where the trace does not know).

    A named tuple: a whole trace is hundreds of thousands of them, and a tuple is made at a
    fraction of a frozen dataclass's cost.
    """

    line: int
    job: int
    submit: float
    wait: float
    run: float
    alloc_procs: int
    used_memory: float
    req_procs: int
    req_time: float
    req_memory: float
    status: int
    user: int
    group: int
    queue: int
    partition: int


@dataclass
class Header:
    """The `; Key: value` lines of an SWF header (MaxProcs, MaxNodes, UnixStartTime, ...)."""

    fields: dict[str, str] = field(default_factory=dict)

    def number(self, key: str) -> int | None:
        value = self.fields.get(key.lower(), "").split()
        try:
            return int(value[0]) if value else None
        except ValueError:
            return None


@contextmanager
def open_text(path: Path) -> Iterator[io.TextIOWrapper]:
    """The file as text, gunzipped when it is gzip (by its magic number, not its name)."""
    try:
        raw = open_input(path)
    except OSError as exc:
        raise NegotiatorError(f"cannot read trace: {exc.strerror}", str(path)) from None
    with raw:
        if raw.peek(2)[:2] == GZIP_MAGIC:
            yield io.TextIOWrapper(gzip.GzipFile(fileobj=raw, mode="rb"), encoding="utf-8",
                                   errors="replace")
        else:
            yield io.TextIOWrapper(raw, encoding="utf-8", errors="replace")


def read_swf(path: str | Path) -> tuple[Header, list[Record]]:
    """Every record of an SWF file (plain or gzip) and its header; errors name file:line:column."""
    path = Path(path)
    source = str(path)
    header = Header()
    records: list[Record] = []
    append = records.append
    with open_text(path) as handle:
        try:
            for number, line in enumerate(_lines(handle, source), 1):
                if number > MAX_TRACE_LINES:
                    raise NegotiatorError(f"more than {MAX_TRACE_LINES} lines: not a trace "
                                          "(a gzip bomb?)", source, number)
                stripped = line.strip()
                if not stripped or stripped[0] == ";":
                    parse_line(line, source, number, header)
                    continue
                v = _numbers(line, source, number)
                append(Record(number, int(v[0]), v[1], v[2], v[3], int(v[4]), v[6], int(v[7]),
                              v[8], v[9], int(v[10]), int(v[11]), int(v[12]), int(v[14]),
                              int(v[15])))
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise NegotiatorError(f"cannot read trace: {corrupt_gzip(exc).strerror}",
                                  source) from None
        except OSError as exc:
            raise NegotiatorError(f"cannot read trace: {exc.strerror or exc}", source) from None
    return header, records


_CHUNK = 1 << 20
"""Characters read at a time (whole lines are cut from them)."""


def _lines(handle: io.TextIOWrapper, source: str) -> Iterator[str]:
    """The file's lines (without their newline), read a chunk at a time; a line longer than
    MAX_LINE (newline included) is an error at its number, found before it is read whole."""
    done = 0
    rest = ""
    while True:
        chunk = handle.read(_CHUNK)
        if not chunk:
            break
        lines = (rest + chunk).split("\n") if rest else chunk.split("\n")
        rest = lines.pop()
        for index, line in enumerate(lines):
            if len(line) >= MAX_LINE:  # with its newline, longer than MAX_LINE
                raise NegotiatorError(f"line longer than {MAX_LINE} characters: not SWF",
                                      source, done + index + 1)
            yield line
        done += len(lines)
        if len(rest) > MAX_LINE:
            raise NegotiatorError(f"line longer than {MAX_LINE} characters: not SWF", source,
                                  done + 1)
    if rest:
        yield rest


def parse_line(line: str, source: str, number: int, header: Header) -> Record | None:
    """One line: a header comment (recorded in `header`), a blank line or a record."""
    if len(line) > MAX_LINE:
        raise NegotiatorError(f"line longer than {MAX_LINE} characters: not SWF", source, number)
    stripped = line.strip()
    if not stripped:
        return None
    if stripped.startswith(";"):
        key, colon, value = stripped[1:].partition(":")
        if colon and key.strip() and " " not in key.strip():
            header.fields.setdefault(key.strip().lower(), value.strip())
        return None
    v = _numbers(line, source, number)
    return Record(number, int(v[0]), v[1], v[2], v[3], int(v[4]), v[6], int(v[7]), v[8], v[9],
                  int(v[10]), int(v[11]), int(v[12]), int(v[14]), int(v[15]))


def _numbers(line: str, source: str, number: int) -> list[float]:
    tokens = line.split()
    if len(tokens) == len(FIELDS):
        try:
            values = list(map(float, tokens))
        except ValueError:
            values = []
        # the sum is below the bound only when every value is (NaN and infinities fail it)
        if values and (sum(map(abs, values)) < _BIG or all(-_BIG < x < _BIG for x in values)):
            return values
    return _located(line, source, number)


_BIG = 1e300


def _located(line: str, source: str, number: int) -> list[float]:
    """The slow reading of a line that failed the fast one: the error names its column."""
    out: list[float] = []
    for index, column, token in _tokens(line):
        if index >= len(FIELDS):
            raise NegotiatorError(
                f"column {column}: more than {len(FIELDS)} fields (an SWF record has 18)",
                source, number)
        try:
            value = float(token)
        except ValueError:
            value = float("nan")
        if value != value or value in (float("inf"), float("-inf")):
            raise NegotiatorError(
                f"column {column}: field {index + 1} ({FIELDS[index]}) is {token!r}, not a number",
                source, number)
        out.append(value)
    if len(out) != len(FIELDS):
        raise NegotiatorError(
            f"{len(out)} fields, an SWF record has {len(FIELDS)}", source, number)
    return out


def _tokens(line: str) -> Iterator[tuple[int, int, str]]:
    """(field index, 1-based column, text) of every whitespace-separated field."""
    index = 0
    column = 0
    length = len(line)
    while column < length:
        while column < length and line[column].isspace():
            column += 1
        if column >= length:
            return
        start = column
        while column < length and not line[column].isspace():
            column += 1
        yield index, start + 1, line[start:column]
        index += 1
