"""Reading and writing ClassAd files: new-style `[...]`, old-style `-long` and JSON."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TextIO

from classad import inputfile
from classad.ad import ClassAd
from classad.errors import ClassAdSyntaxError
from classad.formats import jsonfmt, newstyle, oldstyle
from classad.formats._common import ClassAdSyntaxErrors, ErrorMode, Errors, LineIndex
from classad.inputfile import (
    NotText,
    read_input,
    read_limited,
    text_of,
    too_large,
)

__all__ = [
    "FORMATS", "ClassAdSyntaxErrors", "decode", "detect_format", "dump_ad", "dump_ads",
    "load_ads", "parse_ad", "parse_ads", "read_text",
]

#: the formats this package reads and writes
FORMATS = ("new", "old", "json")
_ALIASES = {"new": "new", "newl": "new", "old": "old", "long": "old", "json": "json",
            "jsonl": "json"}
_READERS = {"new": newstyle.iter_ads, "old": oldstyle.iter_ads, "json": jsonfmt.iter_ads}


def detect_format(text: str) -> str:
    """"new", "old" or "json", from the first characters of an ad file.

    `[` starts a new-style ad unless a `{` or `"` follows (a JSON array); `{` starts JSON
    unless a `[` follows (the `-long:new` list wrapper); `/` (a comment) means new-style;
    anything else is old-style. XML (`<`) is refused.
    """
    n = len(text)
    i = 0
    while i < n and (text[i].isspace() or text[i] == "\ufeff"):
        i += 1
    if i >= n:
        return "old"
    c = text[i]
    j = i + 1
    while j < n and text[j].isspace():
        j += 1
    nxt = text[j] if j < n else ""
    if c == "[":
        return "json" if nxt in ('{', '"') and nxt else "new"
    if c == "{":
        return "new" if nxt == "[" else "json"
    if c == "/":
        return "new"
    if c == "<":
        raise ClassAdSyntaxError("XML ad files are not supported; use new, old or json",
                                 line=1, column=1)
    return "old"


def _resolve(fmt: str, text: str) -> str:
    key = fmt.lower()
    if key == "auto":
        return detect_format(text)
    if key not in _ALIASES:
        raise ValueError(f"unknown ad format {fmt!r}; use auto, new, old or json")
    return _ALIASES[key]


def parse_ads(text: str, fmt: str = "auto", source: str = "<string>",
              errors: ErrorMode = "raise") -> Iterator[ClassAd]:
    """The ads of a text, one at a time, in file order.

    errors="raise" stops at the first ClassAdSyntaxError; "collect" skips bad ads and, after
    the last good one, raises one ClassAdSyntaxErrors listing every error (and the good ads).
    """
    sink = Errors(errors)
    try:
        kind = _resolve(fmt, text)
    except ClassAdSyntaxError as err:
        err.source = source
        raise
    if text.startswith("\ufeff"):
        text = " " + text[1:]
    reader = _READERS[kind](text, LineIndex(text, source), sink)
    if errors == "raise":
        yield from reader
        return
    good: list[ClassAd] = []
    for ad in reader:
        good.append(ad)
        yield ad
    sink.finish(good)


def parse_ad(text: str, fmt: str = "auto", source: str = "<string>",
             errors: ErrorMode = "raise") -> ClassAd:
    """Exactly one ad (an empty old-style text is the empty ad)."""
    found: list[ClassAd] = []
    for ad in parse_ads(text, fmt, source, errors):
        found.append(ad)
        if len(found) > 1:
            raise ClassAdSyntaxError("expected one ad, found more", source=source)
    if not found:
        if _resolve(fmt, text) == "old" and not text.strip():
            return ClassAd()
        raise ClassAdSyntaxError("expected one ad, found none", source=source)
    return found[0]


def load_ads(path: str | os.PathLike[str] | TextIO, fmt: str = "auto",
             errors: ErrorMode = "raise") -> list[ClassAd]:
    """All ads of a file, or of an open text stream (`.gz` files are decompressed).

    Errors name the file (a stream by its `name`, e.g. `<stdin>`).
    """
    if not isinstance(path, str | os.PathLike):
        source = str(getattr(path, "name", "<stream>"))
        raw = getattr(path, "buffer", None)  # a text stream's bytes: decoded (and checked) here
        limit = inputfile.MAX_INPUT_BYTES
        text = decode(read_limited(raw), source) if raw is not None else path.read(limit + 1)
        if len(text) > limit:
            raise too_large(limit)
        return list(parse_ads(text, fmt, source=source, errors=errors))
    name = os.fspath(path)
    return list(parse_ads(read_text(name), fmt, source=name, errors=errors))


def read_text(path: str | os.PathLike[str]) -> str:
    """The text of an ad file (`.gz` files are decompressed), which must be UTF-8.

    Raises OSError for an unreadable file (or one larger than MAX_INPUT_BYTES, or corrupt
    gzip data; a FIFO without a writer reads as empty) and ClassAdSyntaxError, naming the file, line and
    column, for bytes that are not UTF-8 text (a binary or UTF-16 file).
    """
    name = os.fspath(path)
    return decode(read_input(name, gunzip=True), name)


def decode(data: bytes, source: str) -> str:
    """`data` as UTF-8 text; ClassAdSyntaxError at the first byte that is not."""
    try:
        return text_of(data)
    except NotText as exc:
        raise ClassAdSyntaxError(exc.message, line=exc.line, column=exc.column,
                                 source=source) from None


def dump_ad(ad: ClassAd, fmt: str = "new", *, pretty: bool = False) -> str:
    """One ad as text: "new" (one line, or multi-line with pretty=True), "old" or "json"."""
    kind = _resolve(fmt, "")
    if kind == "new":
        return newstyle.dump_ad(ad, pretty=pretty)
    if kind == "old":
        return oldstyle.dump_ad(ad)
    return jsonfmt.dump_ad(ad)


def dump_ads(ads: Iterable[ClassAd], fmt: str = "new", *, pretty: bool = False,
             wrap: bool = False) -> str:
    """Many ads as one text that parse_ads reads back.

    "new": one ad per line (`-long:newl`); wrap=True gives the `{ ad , ad }` list of
    `-long:new`. "old": each ad then a blank line. "json": an array; "jsonl": one per line.
    """
    key = fmt.lower()
    kind = _resolve(fmt, "")
    if kind == "new":
        return newstyle.dump_ads(ads, pretty=pretty, wrap=wrap)
    if kind == "old":
        return oldstyle.dump_ads(ads)
    return jsonfmt.dump_ads(ads, lines=key == "jsonl")
