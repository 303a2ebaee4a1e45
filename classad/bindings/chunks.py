"""Where one ad of a text ends, so parseNext can leave a file just past the ad it read.

Old-style ads are runs of non-blank lines; lines that are only comments (`#`, `//`, `/*...*/`)
are dropped, as HTCondor's file reader drops them. A new-style ad runs to its matching `]`.
"""

from __future__ import annotations

import re

_COMMENT_LINE = re.compile(r"\s*(#|//).*")
_BLOCK = re.compile(r"/\*.*?\*/", re.S)


def _only_comments(text: str) -> bool:
    text = _BLOCK.sub("", text)
    return all(not line.strip() or _COMMENT_LINE.fullmatch(line) for line in text.splitlines())


def old_chunks(text: str) -> list[tuple[str, int]]:
    """Each old-style ad's text (comment lines removed) and the offset just past it."""
    found: list[tuple[str, int]] = []
    lines: list[str] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        offset += len(line)
        if line.strip():
            lines.append(line)
            continue
        if lines and not _only_comments("".join(lines)):
            found.append((_strip(lines), offset))
        lines = []
    if lines and not _only_comments("".join(lines)):
        found.append((_strip(lines), offset))
    return found


def _strip(lines: list[str]) -> str:
    return "".join(line for line in lines if not _COMMENT_LINE.fullmatch(line.rstrip("\n")))


def new_end(text: str) -> int:
    """The offset just past the first new-style ad of `text` (len(text) if it never closes)."""
    depth = 0
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            i += 1
            while i < n and text[i] != c:
                i += 2 if text[i] == "\\" else 1
        elif text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
        elif text.startswith("/*", i):
            i = text.find("*/", i + 2)
            i = n if i < 0 else i + 1
        elif c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n
