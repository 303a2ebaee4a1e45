"""Regular-expression builtins (regexp, regexpMember, regexps, replace, replaceall)."""

from __future__ import annotations

from typing import Any

from classad.functions import builtin, pcre
from classad.values import MAX_STRING, UNDEFINED, Error, from_bytes, to_bytes


class _Options:
    """Parsed option letters: compile options plus `f` (keep the full target) and `g` (global)."""

    __slots__ = ("bits", "full", "globally")

    def __init__(self, letters: str) -> None:
        self.bits = pcre.option_bits(letters)
        self.full = "f" in letters
        self.globally = "g" in letters


def _compile(pattern: str, opts: _Options) -> pcre.Pattern | None:
    return pcre.compile_pattern(to_bytes(pattern), opts.bits)


def _check(args: list[Any]) -> Any:
    """ERROR if any argument is ERROR, else UNDEFINED if any is UNDEFINED, else None."""
    for a in args:
        if type(a) is Error:
            return a
    if any(a is UNDEFINED for a in args):
        return UNDEFINED
    return None


def _all_strings(args: list[Any]) -> bool:
    return all(type(a) is str for a in args)


@builtin("regexp", arity=(2, 3))
def regexp(args: list[Any]) -> Any:
    bad = _check(args)
    if bad is not None:
        return bad
    if not _all_strings(args):
        return Error("regexp() needs string arguments")
    rx = _compile(args[0], _Options(args[2] if len(args) == 3 else ""))
    if rx is None:
        return Error(f"invalid regular expression {args[0]!r}")
    try:
        return pcre.matches(rx, to_bytes(args[1]))
    except pcre.MatchFailed as exc:
        return Error(f"regexp(): {exc}")


@builtin("regexpMember", arity=(2, 3))
def regexp_member(args: list[Any]) -> Any:
    bad = _check(args)
    if bad is not None:
        return bad
    pattern, items = args[0], args[1]
    options = args[2] if len(args) == 3 else ""
    if type(pattern) is not str or not isinstance(items, list) or type(options) is not str:
        return Error("regexpMember() needs a pattern string and a list")
    rx = _compile(pattern, _Options(options))
    saw_undefined = False
    for item in items:
        if item is UNDEFINED:
            saw_undefined = True
            continue
        if type(item) is not str:
            return item if type(item) is Error else Error("regexpMember() list item is not a string")
        if rx is not None and _member_matches(rx, item):
            return True
    return UNDEFINED if saw_undefined else False


def _member_matches(rx: pcre.Pattern, item: str) -> bool:
    """A list item matches; a match PCRE2 gives up on counts as none, as in HTCondor."""
    try:
        return pcre.matches(rx, to_bytes(item))
    except pcre.MatchFailed:
        return False


# ---- substitution ---------------------------------------------------------------------------
def _participating(m: pcre.Match, groups: int) -> int:
    """1 + the highest-numbered group that took part in the match (PCRE's match count)."""
    for n in range(groups, 0, -1):
        if m.start(n) != -1:
            return n + 1
    return 1


def _expand(template: bytes, m: pcre.Match, groups: int) -> bytes | None:
    """The replacement with `\\N` group references filled in; None for an unset group."""
    out = bytearray()
    count = _participating(m, groups)
    i = 0
    while i < len(template):
        ch = template[i]
        nxt = template[i + 1] if i + 1 < len(template) else 0
        if ch == 0x5C and 0x30 <= nxt <= 0x39:
            group = nxt - 0x30
            if group >= count:
                return None
            out += m.group(group) or b""
            i += 2
            continue
        out.append(ch)
        i += 1
    return bytes(out)


def substitute(pattern: str, target: str, replacement: str, letters: str) -> Any:
    """regexps(): replace the first (or with `g` every) match; `f` keeps the rest of target."""
    opts = _Options(letters)
    rx = _compile(pattern, opts)
    if rx is None:
        return Error(f"invalid regular expression {pattern!r}")
    try:
        return _substitute(rx, to_bytes(target), to_bytes(replacement), opts, target)
    except pcre.MatchFailed as exc:
        return Error(f"regular expression substitution: {exc}")


def _substitute(rx: pcre.Pattern, text: bytes, template: bytes, opts: _Options,
                target: str) -> Any:
    groups = rx.groups
    out = bytearray()
    last = 0
    m = pcre.search(rx, text)
    if m is None:
        return target if opts.full else ""
    while m is not None:
        piece = _expand(template, m, groups)
        if piece is None:
            return Error("replacement refers to a group that did not match")
        if opts.full:
            out += text[last:m.start()]
        out += piece
        last = m.end()
        if not opts.globally:
            break
        pos = m.end() if m.end() > m.start() else m.end() + 1
        if pos > len(text):
            return Error("global substitution of an empty match at the end")
        if len(out) > MAX_STRING:
            return Error("substitution result too long")
        m = pcre.search(rx, text, pos)
    if opts.full:
        out += text[last:]
    return from_bytes(bytes(out))


def _substitution(name: str, extra: str) -> None:
    @builtin(name, arity=(3, 4))
    def run(args: list[Any]) -> Any:
        bad = _check(args)
        if bad is not None:
            return bad
        if not _all_strings(args):
            return Error(f"{name}() needs string arguments")
        letters = (args[3] if len(args) == 4 else "") + extra
        return substitute(args[0], args[1], args[2], letters)


_substitution("regexps", "")
_substitution("replace", "f")
_substitution("replaceall", "fg")
