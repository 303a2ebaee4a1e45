"""HTCondor's module functions for text: parseAds, parseOne, parseNext, quote, unquote, ..."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Any

from classad import ast
from classad.bindings.ad import ClassAd
from classad.bindings.chunks import new_end, old_chunks
from classad.bindings.convert import adopt
from classad.bindings.errors import ClassAdParseError, ClassAdValueError, ParserType
from classad.errors import ClassAdSyntaxError
from classad.unparse import quote_string

#: the version of HTCondor's ClassAd library whose behaviour this package follows
LIBRARY_VERSION = "25.14.1"

_FORMATS = {ParserType.Auto: "auto", ParserType.FileAuto: "auto", ParserType.Old: "old",
            ParserType.New: "new", ParserType.JSON: "json"}
_last_error = ""


def _fail(message: str, err: ClassAdSyntaxError) -> ClassAdParseError:
    global _last_error
    _last_error = str(err)
    return ClassAdParseError.from_error(message, err)


def _text(input: str | Iterable[str]) -> str:  # noqa: A002
    if isinstance(input, str):
        return _to_nul(input)
    if isinstance(input, bytes | bytearray):
        return _to_nul(bytes(input).decode("utf-8"))
    return _to_nul("".join(input))


def _to_nul(text: str) -> str:
    """The input as the C++ reader sees it: a C string, which ends at the first NUL."""
    nul = text.find("\x00")
    return text if nul < 0 else text[:nul]


def _format(parser: ParserType | int) -> str:
    try:
        return _FORMATS[ParserType(parser)]
    except (KeyError, ValueError):
        from classad.bindings.errors import ClassAdEnumError

        raise ClassAdEnumError(f"unsupported parser type {parser!r}") from None


def _kind(text: str, parser: ParserType | int) -> str:
    from classad.formats import detect_format

    fmt = _format(parser)
    return detect_format(text) if fmt == "auto" else fmt


def _ads(text: str, parser: ParserType | int) -> list[ClassAd]:
    from classad.formats import parse_ad, parse_ads

    fmt = _kind(text, parser)
    try:
        if fmt == "old":
            return [adopt(parse_ad(chunk, "old")) for chunk, _ in old_chunks(text)]
        ads = [adopt(ad) for ad in parse_ads(text, fmt)]
    except ClassAdSyntaxError as e:
        raise _fail("Unable to parse input stream into a ClassAd", e) from None
    if fmt == "new":
        # HTCondor's reader takes an empty ad `[]` for the end of its input: it is not
        # returned, and an ad after it cannot be read
        for i, ad in enumerate(ads):
            if not len(ad):
                if any(len(later) for later in ads[i + 1:]):
                    raise _fail("Unable to parse input stream into a ClassAd", ClassAdSyntaxError(
                        f"ad {i + 1} is empty: an empty ad ends the input, the ads after it "
                        "cannot be read"))
                return ads[:i]
    return ads


def parseAds(input: str | Iterable[str],  # noqa: A002, N802 (HTCondor's names)
             parser: ParserType | int = ParserType.Auto) -> Iterator[ClassAd]:
    """Each ad of a string or a file: new-style ads may follow one another, old-style ads are
    separated by blank lines. The input is read when the first ad is asked for."""
    def generate() -> Iterator[ClassAd]:
        if isinstance(input, str) or not hasattr(input, "read"):
            yield from _ads(_text(input), parser)
        else:
            yield from _from_stream(input, parser)

    return generate()


def parseOne(input: str | Iterable[str],  # noqa: A002, N802 (HTCondor's names)
             parser: ParserType | int = ParserType.Auto) -> ClassAd:
    """All the ads of the input merged into one (a later attribute wins)."""
    merged = ClassAd()
    for ad in _ads(_text(input), parser):
        merged.update_from(ad)
    return merged


def parseNext(input: str | Iterable[str],  # noqa: A002, N802 (HTCondor's names)
              parser: ParserType | int = ParserType.Auto) -> ClassAd | None:
    """The first ad of the input (None if there is none). A file is left just past that ad,
    so calling again reads the next one; a string is not consumed."""
    if isinstance(input, str) or not hasattr(input, "read"):
        ads = _ads(_text(input), parser)
        return ads[0] if ads else None
    return next(_from_stream(input, parser, first_only=True), None)


def _from_stream(stream: Any, parser: ParserType | int, first_only: bool = False,
                 ) -> Iterator[ClassAd]:
    """The ads of a file, each handed out with the file positioned just past it."""
    try:
        start = stream.tell()
    except (OSError, io.UnsupportedOperation):
        start = None
    text = _to_nul(stream.read())
    fmt = _kind(text, parser)
    if fmt == "old":
        pieces = old_chunks(text)
    else:
        pieces = []
        at = 0
        while text[at:].strip():
            stop = at + new_end(text[at:])
            pieces.append((text[at:stop], stop))
            at = stop
            if first_only:
                break
    if start is not None:
        stream.seek(start)
    done = 0
    for piece, stop in pieces[:1] if first_only else pieces:
        ads = _ads(piece, fmt_parser(fmt))
        if start is not None:
            stream.read(stop - done)
            done = stop
        if ads:
            yield ads[0]


def fmt_parser(fmt: str) -> ParserType:
    return {"new": ParserType.New, "json": ParserType.JSON}.get(fmt, ParserType.Old)


def parse(input: str | Iterable[str]) -> ClassAd:  # noqa: A002
    """First-generation name: one new-style ad."""
    return parseOne(input, ParserType.New)


def parseOld(input: str | Iterable[str]) -> ClassAd:  # noqa: A002, N802 (HTCondor's name)
    """First-generation name: one old-style ad."""
    return parseOne(input, ParserType.Old)


def parseOldAds(input: str | Iterable[str]) -> Iterator[ClassAd]:  # noqa: A002, N802
    """First-generation name: the old-style ads of the input."""
    return parseAds(input, ParserType.Old)


def quote(input: str) -> str:  # noqa: A002
    """`input` as a ClassAd string literal, quoted and escaped."""
    if not isinstance(input, str):
        raise TypeError("quote() takes a string")
    if "\x00" in input:  # as classad2 (the first generation wrote it as \000)
        raise ClassAdValueError("embedded null character")
    return quote_string(input)


def unquote(input: str) -> str:  # noqa: A002
    """The string a ClassAd string literal stands for (ClassAdParseError, a ValueError, if
    `input` is not one)."""
    from classad.parser import parse_expr

    if not isinstance(input, str):
        raise TypeError("unquote() takes a string")
    try:
        node = parse_expr(input)
    except ClassAdSyntaxError as e:
        raise _fail("String does not parse to a ClassAd literal", e) from None
    if type(node) is not ast.Literal or type(node.value) is not str:
        raise ClassAdParseError("String does not parse to a ClassAd string literal")
    return node.value


def lastError() -> str:  # noqa: N802 (HTCondor's name)
    """The message of the last parse error these functions met ("" if none)."""
    return _last_error


def version() -> str:
    """The version of HTCondor's ClassAd library whose semantics this package reproduces."""
    return LIBRARY_VERSION


def registerLibrary(path: Any) -> None:  # noqa: N802 (HTCondor's name)
    """HTCondor loads C++ function libraries here; this package cannot, and says so."""
    raise ClassAdParseError(f"cannot load the C++ function library {path!r}: not supported")


