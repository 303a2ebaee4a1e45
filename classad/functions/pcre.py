"""PCRE2 itself (libpcre2 through the `pcre2` binding), set up as HTCondor's ClassAd library uses it.

HTCondor compiles a pattern with pcre2_compile() over the string's bytes (no UTF mode unless
the pattern asks with `(*UTF)`) and matches with PCRE2's default limits, so a pathological
pattern fails with "match limit exceeded" instead of running for minutes. The binding adds two
options of its own at compile time (Python-style `\\uHHHH` escapes and a ban on `\\C`); both are
switched off here so that patterns mean what they mean in HTCondor.
"""

from __future__ import annotations

import functools
from typing import Any, TypeAlias

import pcre2
from pcre2 import _cy

# pcre2.h option bits (part of libpcre2's ABI)
_CASELESS = 0x00000008
_DOTALL = 0x00000020
_EXTENDED = 0x00000080
_MULTILINE = 0x00000400
_ALT_BSUX = 0x00000002
_NEVER_BACKSLASH_C = 0x00100000
#: the binding's own additions, undone: PCRE2 defaults as HTCondor compiles them
_NOT_HTCONDOR = _ALT_BSUX | _NEVER_BACKSLASH_C

#: HTCondor's option letters for regexp() and friends (lower case only there)
OPTION_BITS = {"i": _CASELESS, "m": _MULTILINE, "s": _DOTALL, "x": _EXTENDED}

# the binding has no type hints: its pcre2.Pattern and pcre2.Match objects
Pattern: TypeAlias = Any
Match: TypeAlias = Any


class MatchFailed(Exception):
    """pcre2_match() gave an error (a match, depth or heap limit, or no memory): not a match,
    not a non-match. HTCondor's regexp() turns it into ERROR."""


def option_bits(letters: str) -> int:
    """The compile options for HTCondor option letters (unknown letters are ignored)."""
    bits = 0
    for ch in letters:
        bits |= OPTION_BITS.get(ch, 0)
    return bits


@functools.lru_cache(maxsize=512)
def compile_pattern(pattern: bytes, options: int) -> Pattern | None:
    """The pattern compiled (and JIT-compiled) with these options; None if PCRE2 rejects it."""
    if b"\\C" in pattern:
        pattern = _single_bytes(pattern)
    try:
        code = _cy.compile(pattern, options, _NOT_HTCONDOR)
    except (pcre2.PatternError, pcre2.LibraryError, MemoryError):
        return None
    try:
        _cy.jit_compile(code)
        jit = True
    except (pcre2.LibraryError, MemoryError):  # pragma: no cover - JIT unavailable
        jit = False
    return pcre2.Pattern(code, pattern, options, jit, None)


def _single_bytes(pattern: bytes) -> bytes:
    """`\\C` (one code unit, here one byte) spelled `(?s:.)`: the bundled libpcre2 is built
    without `\\C`. Escapes, `\\Q...\\E` and character classes are stepped over."""
    out = bytearray()
    i, n, in_class = 0, len(pattern), False
    while i < n:
        ch = pattern[i]
        if ch == 0x5C and i + 1 < n:  # backslash
            nxt = pattern[i + 1]
            if nxt == 0x51:  # \Q ... \E is literal text
                end = pattern.find(b"\\E", i + 2)
                end = n if end < 0 else end + 2
                out += pattern[i:end]
                i = end
                continue
            out += b"(?s:.)" if nxt == 0x43 and not in_class else pattern[i:i + 2]
            i += 2
            continue
        if ch == 0x5B and not in_class:  # [ opens a class; a leading ] (after ^) is literal
            in_class = True
            out.append(ch)
            i += 1
            if pattern[i:i + 1] == b"^":
                out.append(0x5E)
                i += 1
            if pattern[i:i + 1] == b"]":
                out.append(0x5D)
                i += 1
            continue
        if ch == 0x5D:
            in_class = False
        out.append(ch)
        i += 1
    return bytes(out)


def search(rx: Pattern, subject: bytes, pos: int = 0) -> Match | None:
    """The first match at or after byte `pos`, or None; MatchFailed when PCRE2 gives up."""
    try:
        found: Match | None = rx.search(subject, pos)
    except (pcre2.LibraryError, MemoryError) as exc:
        raise MatchFailed(str(exc)) from None
    return found


def matches(rx: Pattern, subject: bytes) -> bool:
    """True if the pattern matches somewhere; MatchFailed when PCRE2 gives up."""
    return search(rx, subject) is not None
