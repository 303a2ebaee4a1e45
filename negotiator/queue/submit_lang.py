"""The submit file's syntax: comments, `\\` continuation, `key = value`, `key @=tag` blocks,
`+Attr`/`MY.Attr`, `if/elif/else/endif`, and `queue` lines (with their `( ... )` item blocks).

This module only cuts the text into logical lines with their place (`file:line`); the caller
(negotiator.queue.submit) keeps the macro definitions and decides what each line means.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from negotiator.queue.errors import SubmitError
from negotiator.queue.macros import is_macro_name

#: the most lines (physical) one submit file may have
MAX_LINES = 1_000_000
#: the longest logical line (after joining continuations), in characters
MAX_LINE = 1 << 20

_QUEUE = re.compile(r"queue(?=\s|$)", re.IGNORECASE)
_UNSUPPORTED = re.compile(r"(include|use|error|warning)(?=\s|:|$)", re.IGNORECASE)
_COND = re.compile(r"(if|elif|else|endif)(?=\s|$)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Assign:
    """`key = value`; `+Attr` is stored as `MY.Attr`, as condor_submit rewrites it."""

    key: str
    value: str
    where: str


@dataclass(frozen=True, slots=True)
class Queue:
    """A queue statement: its arguments and, for `in (`/`from (`, the lines of its block."""

    args: str
    block: tuple[str, ...] | None
    where: str


@dataclass(frozen=True, slots=True)
class Cond:
    """`if <cond>`, `elif <cond>`, `else` or `endif`."""

    word: str
    condition: str
    where: str


Statement = Assign | Queue | Cond


def logical_lines(text: str, filename: str) -> Iterator[Statement]:
    """The statements of a submit file, in order."""
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise SubmitError(f"more than {MAX_LINES} lines", f"{filename}:{MAX_LINES + 1}")
    i = 0
    while i < len(lines):
        start = i
        line = lines[i].strip()
        i += 1
        while line.endswith("\\") and i < len(lines):  # continuation
            line = line[:-1] + lines[i].strip()
            i += 1
            if len(line) > MAX_LINE:
                raise SubmitError(f"a line longer than {MAX_LINE} characters",
                                  f"{filename}:{start + 1}")
        if line.endswith("\\"):
            line = line[:-1]
        where = f"{filename}:{start + 1}"
        if not line or line.startswith("#"):
            continue
        if _QUEUE.match(line) and not line[5:].lstrip().startswith("="):
            args = line[5:].strip()
            block = None
            paren = args.find("(")
            if paren >= 0 and ")" not in args[paren:]:  # the items go on to a line with ')'
                first = args[paren + 1:].strip()
                block, i = _block(lines, i, where)
                block = ((first,) if first else ()) + block
                args = args[:paren + 1]
            yield Queue(args, block, where)
            continue
        m = _COND.match(line)
        if m and "=" not in line.split(None, 1)[0]:
            yield Cond(m.group(1).lower(), line[m.end():].strip(), where)
            continue
        key, eq, value = line.partition("=")
        key = key.strip()
        if key.endswith("@") and eq:  # key @=tag ... @tag
            key = key[:-1].strip()
            value, i = _multiline(lines, i, value.strip(), where)
        elif not eq:
            if _UNSUPPORTED.match(line):
                word = _UNSUPPORTED.match(line).group(1)  # type: ignore[union-attr]
                raise SubmitError(f"'{word}' statements are not supported", where)
            raise SubmitError(f"expected 'name = value' or a queue statement, found {line!r}",
                              where)
        yield Assign(_command_name(key, where), value.strip(), where)


def _command_name(key: str, where: str) -> str:
    if key.startswith("+"):
        key = "MY." + key[1:].strip()
    if not is_macro_name(key) or key.endswith("."):
        raise SubmitError(f"{key!r} is not a valid command or macro name", where)
    if key[:3].lower() == "my.":
        attr = key[3:]
        if not attr or "." in attr:
            raise SubmitError(f"{key!r} is not a valid job attribute name", where)
        key = "MY." + attr
    return key


def _block(lines: list[str], i: int, where: str) -> tuple[tuple[str, ...], int]:
    """The lines of a queue statement's `( ... )` block, up to the line starting with `)`."""
    block: list[str] = []
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if line.startswith(")"):
            if line[1:].strip():
                raise SubmitError(f"unexpected text after ')': {line[1:].strip()!r}", where)
            return tuple(block), i
        block.append(line)
    raise SubmitError("the queue statement's '(' is never closed by a line starting with ')'",
                      where)


def _multiline(lines: list[str], i: int, tag: str, where: str) -> tuple[str, int]:
    if not re.fullmatch(r"[A-Za-z0-9_]*", tag):
        raise SubmitError(f"'@={tag}': a multi-line tag is letters, digits and '_'", where)
    body: list[str] = []
    while i < len(lines):
        line = lines[i]
        i += 1
        if line.strip() == "@" + tag:
            return "\n".join(body), i
        body.append(line.strip())
    raise SubmitError(f"'@={tag}' is never closed by a line '@{tag}'", where)


class Conditionals:
    """The `if/elif/else/endif` nesting: which lines are live, with a depth budget."""

    MAX_DEPTH = 64

    def __init__(self) -> None:
        #: per open `if`: (this branch is on, some branch was already taken, else seen)
        self._stack: list[tuple[bool, bool, bool]] = []
        #: where each open `if` stands
        self._wheres: list[str] = []

    @property
    def active(self) -> bool:
        return all(on for on, _, _ in self._stack)

    def apply(self, cond: Cond, truth: Callable[[str], bool]) -> None:
        if cond.word == "if":
            if len(self._stack) >= self.MAX_DEPTH:
                raise SubmitError(f"'if' nested more than {self.MAX_DEPTH} deep", cond.where)
            on = self.active and truth(cond.condition)
            self._stack.append((on, on, False))
            self._wheres.append(cond.where)
            return
        if not self._stack:
            raise SubmitError(f"'{cond.word}' without 'if'", cond.where)
        on, taken, seen_else = self._stack.pop()
        parent = self.active
        if cond.word == "endif":
            self._wheres.pop()
            return
        if seen_else:
            raise SubmitError(f"'{cond.word}' after 'else'", cond.where)
        if cond.word == "else":
            self._stack.append((parent and not taken, True, True))
        else:  # elif
            now = parent and not taken and truth(cond.condition)
            self._stack.append((now, taken or now, False))

    def close(self, where: str) -> None:
        if self._stack:  # named at the innermost open `if`
            raise SubmitError("'if' without 'endif' before the end of the file", self._wheres[-1])
