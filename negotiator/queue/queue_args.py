"""Queue statements: `queue [N] [vars] [in|from|matching [files|dirs]] [slice] items`.

As condor_submit: with no variable the variable is `Item`; `in` items are split on commas
and white space; each `from` line is one item, split into the variables on commas and/or
white space with the last variable taking the rest of the line; `matching` expands globs
(sorted); the slice `[start:stop:step]` picks items the Python way (no negative step), and
each picked item makes N procs (Step 0..N-1) keeping its index (ItemIndex, Row).
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass
from pathlib import Path

from classad.inputfile import open_input
from negotiator.queue.errors import SubmitError

#: the most procs one submit file may make (all its queue statements together)
MAX_PROCS = 1_000_000
#: the most items one queue statement may read (lines of a file, glob matches...)
MAX_ITEMS = 1_000_000
#: the largest items file read (bytes)
MAX_ITEMS_FILE = 256 << 20

_KEYWORD = re.compile(r"(?:^|\s)(in|from|matching)(?=\s|\(|\[|$)", re.IGNORECASE)
_VAR = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\Z")
_SLICE = re.compile(r"\[\s*(-?\d*)\s*(?::\s*(-?\d*)\s*(?::\s*(\d*)\s*)?)?\]")
_SPLIT = re.compile(r"[\s,]+")
_SEPARATOR = re.compile(r"\s*,\s*|\s+")


@dataclass(frozen=True, slots=True)
class QueueSpec:
    """A parsed queue statement: N procs for each picked item (or N procs with no items)."""

    count: int
    variables: tuple[str, ...]
    #: the items (each a tuple of values, one per variable) with their index; None for `queue N`
    items: tuple[tuple[int, tuple[str, ...]], ...] | None

    @property
    def procs(self) -> int:
        return self.count * (1 if self.items is None else len(self.items))


def parse_queue(args: str, block: tuple[str, ...] | None, base: Path) -> QueueSpec:
    """Parse expanded queue arguments; `base` is where item files and globs are looked up."""
    m = _KEYWORD.search(args)
    if m is None:
        return QueueSpec(_count(args), (), None)
    head, mode, rest = args[:m.start()].strip(), m.group(1).lower(), args[m.end():].strip()
    count, variables = _head(head)
    variables = variables or ("Item",)
    pick = ""
    if mode == "matching":
        word = rest.split(None, 1)
        if word and word[0].lower() in ("files", "dirs", "any"):
            pick = word[0].lower()
            rest = word[1] if len(word) > 1 else ""
    slice_, rest = _slice(rest)
    if mode == "from":
        lines = _from_lines(rest, block, base)
        values = [_split_line(line, len(variables)) for line in lines]
    else:
        words = _in_words(rest, block)
        if mode == "matching":
            words = _matches(words, pick, base)
        pad = ("",) * (len(variables) - 1)
        values = [(w, *pad) for w in words]
    if len(values) > MAX_ITEMS:
        raise SubmitError(f"more than {MAX_ITEMS} items")
    picked = range(len(values))[slice_]
    return QueueSpec(count, variables, tuple((i, values[i]) for i in picked))


def _count(text: str) -> int:
    text = text.strip()
    if not text:
        return 1
    import classad

    try:
        value = classad.evaluate(classad.parse_expr(text))
    except classad.ClassAdError:
        value = None
    if isinstance(value, bool) or not isinstance(value, int):
        raise SubmitError(f"invalid queue count {text!r}: it must be an integer")
    if not 0 <= value <= MAX_PROCS:
        raise SubmitError(f"queue count {value} is outside 0..{MAX_PROCS}")
    return value


def _head(head: str) -> tuple[int, tuple[str, ...]]:
    """`[count] [var[, var...]]` before the keyword."""
    tokens = head.split(None, 1)
    count = 1
    if tokens and not all(_VAR.match(p) for p in tokens[0].split(",") if p):
        count = _count(tokens[0])
        head = tokens[1] if len(tokens) > 1 else ""
    names = tuple(t for t in _SPLIT.split(head.strip()) if t)
    for name in names:
        if not _VAR.match(name):
            raise SubmitError(f"{name!r} is not a valid queue variable name")
    if len({n.lower() for n in names}) != len(names):
        raise SubmitError("a queue variable is named twice")
    return count, names


def _slice(rest: str) -> tuple[slice, str]:
    m = _SLICE.match(rest)
    if not m:
        return slice(None), rest
    start, stop, step = (int(g) if g else None for g in m.groups())
    if step == 0:
        raise SubmitError("a queue slice step must be positive")
    return slice(start, stop, step), rest[m.end():].strip()


def _in_words(rest: str, block: tuple[str, ...] | None) -> list[str]:
    if block is not None:
        if rest != "(":
            raise SubmitError(f"unexpected {rest!r} before the item block")
        text = "\n".join(line for line in block if not line.strip().startswith("#"))
    elif rest.startswith("("):
        if not rest.endswith(")"):
            raise SubmitError("the items' '(' is not closed on the queue line")
        text = rest[1:-1]
    else:
        text = rest
    return [w for w in _SPLIT.split(text) if w]


def _from_lines(rest: str, block: tuple[str, ...] | None, base: Path) -> list[str]:
    if block is not None:  # `#` lines of an inline block are comments; an items file's are items
        if rest != "(":
            raise SubmitError(f"unexpected {rest!r} before the item block")
        lines = [line for line in block if not line.strip().startswith("#")]
    elif rest.startswith("(") and rest.endswith(")"):
        lines = [rest[1:-1]]
    elif rest.endswith("|"):
        raise SubmitError("'queue ... from <command> |' (items from a command) is not supported")
    elif not rest or rest == "-":
        raise SubmitError("'queue ... from' needs a file name or a ( ... ) block")
    else:
        lines = _read_items_file(base / rest)
    return [line.strip() for line in lines]  # an empty row is an item too


def _read_items_file(path: Path) -> list[str]:
    try:
        with open_input(path) as f:
            data = f.read(MAX_ITEMS_FILE + 1)
    except OSError as e:
        raise SubmitError(f"cannot read the items file {str(path)!r}: {e.strerror}") from None
    if len(data) > MAX_ITEMS_FILE:
        raise SubmitError(f"the items file {str(path)!r} is larger than {MAX_ITEMS_FILE} bytes")
    try:
        return data.decode().splitlines()
    except UnicodeDecodeError:
        raise SubmitError(f"the items file {str(path)!r} is not UTF-8 text") from None


def _split_line(line: str, n: int) -> tuple[str, ...]:
    """One `from` line as `n` values: separators are commas and/or white space; the last
    variable takes the rest of the line. An empty line gives no values: its procs keep the
    previous row's (as condor_submit's do)."""
    if not line.strip():
        return ()
    values = _SEPARATOR.split(line.strip(), maxsplit=n - 1) if n > 1 else [line.strip()]
    if len(values) < n:
        values.extend([""] * (n - len(values)))
    return tuple(values)


def _matches(patterns: list[str], pick: str, base: Path) -> list[str]:
    found: list[str] = []
    seen: set[str] = set()
    for pattern in patterns:
        hits = sorted(glob.glob(pattern, root_dir=base))
        for hit in hits:
            if hit in seen:
                continue
            is_dir = os.path.isdir(base / hit)
            if (pick == "files" and is_dir) or (pick == "dirs" and not is_dir):
                continue
            seen.add(hit)
            found.append(hit + "/" if is_dir else hit)  # condor_submit marks directories
            if len(found) > MAX_ITEMS:
                raise SubmitError(f"'matching' found more than {MAX_ITEMS} files")
    return found
