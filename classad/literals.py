"""Literal tokens read as the C++ lexer reads them: escapes, integers, negative numbers, names
and the absTime/relTime calls folded at parse time (shared by both of classad.parser's paths)."""

from __future__ import annotations

import re
from typing import Any

from classad import ast
from classad.timefmt import parse_abstime, parse_reltime
from classad.values import INT64_MAX, INT64_MIN


class Reject(Exception):
    """A token the C++ lexer would refuse; `token` (lark's, with its line and column, when
    lark parsed the text) places the error."""

    def __init__(self, message: str, token: Any) -> None:
        super().__init__(message)
        self.message = message
        self.token = token


#: `is` and `=?=` (and `isnt`, `=!=`) are one operator; the tree keeps one spelling
SAME_OP = {"is": "=?=", "isnt": "=!="}
#: words that cannot name an attribute without quotes
RESERVED_WORDS = frozenset({"is", "isnt", "true", "false", "undefined", "error"})

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "a": "\a",
            "\\": "\\", '"': '"', "'": "'", "?": "?"}


def unescape(body: str, token: Any = None) -> str:
    """Process the escapes of a quoted string's body, the way the C++ lexer does."""
    if "\\" not in body:
        return body
    out: list[str] = []
    raw = False
    i, n = 0, len(body)
    while i < n:
        ch = body[i]
        if ch != "\\" or i + 1 >= n:
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in "01234567":
            value, j = 0, i + 1
            while j < n and j < i + 4 and body[j] in "01234567":
                if j == i + 3 and value >= 0x20:
                    break
                value = value * 8 + int(body[j])
                j += 1
            if value == 0:
                raise Reject("an escape may not produce a NUL character", token)
            if value >= 0x80:
                raw = True
                out.append(chr(_RAW_BASE + value))
            else:
                out.append(chr(value))
            i = j
        else:
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
    text = "".join(out)
    return _decode_raw_bytes(text) if raw else text


# Octal escapes above 0x7f are bytes of a UTF-8 sequence (C++ strings are bytes): they are
# held as private-use stand-ins while scanning, then decoded together as UTF-8.
_RAW_BASE = 0x10FE00


def _decode_raw_bytes(text: str) -> str:
    data = bytearray()
    for ch in text:
        code = ord(ch)
        if _RAW_BASE + 0x80 <= code < _RAW_BASE + 0x100:
            data.append(code - _RAW_BASE)
        else:
            data.extend(ch.encode("utf-8", "surrogatepass"))
    return data.decode("utf-8", "surrogateescape")


def magnitude(digits: str) -> int:
    """A decimal digit string's value, or -1 when it has more than 19 significant digits
    (out of int64 range whatever they are; Python refuses to convert very long ones)."""
    significant = digits.lstrip("0") or "0"
    return int(significant) if len(significant) <= 19 else -1


def int_value(digits: str) -> int:
    """A literal above INT64_MAX is 0, as the C++ lexer reads it."""
    value = magnitude(digits)
    return value if 0 <= value <= INT64_MAX else 0


#: the hexadecimal spellings a negative number may have
_NEG_HEX = re.compile(r"0[xX][0-9A-Fa-f]+")


def negative_number(text: str, token: Any) -> ast.Literal:
    """The literal of a NEG_NUMBER token whose text after the minus is `text`."""
    if ("x" in text or "X" in text) and not _NEG_HEX.fullmatch(text):
        # the C++ lexer takes `-0x1F` (as 0) but not `-12x`, `-0x` or `-012x1`
        raise Reject(f"malformed number -{text}", token)
    if any(c in text for c in ".eE") and not text.lower().startswith("0x"):
        if text.endswith(".") or ".e" in text or ".E" in text:
            raise Reject(f"malformed real literal -{text!r}", token)
        return ast.Literal(-float(text))
    if len(text) > 1 and text[0] == "0" and text[1].isdigit() and any(
            c in "89" for c in text[1:]):
        raise Reject(f"invalid octal literal -{text}", token)
    digits = text
    for k, c in enumerate(text):
        if not c.isdigit():
            digits = text[:k]
            break
    value = magnitude(digits)
    return ast.Literal(-value if 0 <= value <= -INT64_MIN else 0)


def fold_time_literal(name: str, args: tuple[ast.Expr, ...], tok: Any) -> ast.Literal | None:
    """absTime("...") and relTime("...") with one literal string are folded at parse time."""
    key = name.lower()
    if key not in ("abstime", "reltime") or len(args) != 1:
        return None
    arg = args[0]
    if not (isinstance(arg, ast.Literal) and type(arg.value) is str):
        return None
    if key == "abstime":
        at = parse_abstime(arg.value)
        if at is None:
            raise Reject(f"invalid absTime literal {arg.value!r}", tok)
        return ast.Literal(at)
    secs = parse_reltime(arg.value)
    if secs is None:
        raise Reject(f"invalid relTime literal {arg.value!r}", tok)
    # The C++ library folds a literal relTime string into a Real, not a RelTime.
    return ast.Literal(float(secs), text=f"relTime({_quote(arg.value)})")


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
