"""HTCondor's argument and environment helpers: listToArgs, argsToList, envV1ToV2, mergeEnvironment."""

from __future__ import annotations

from typing import Any

from classad.functions import builtin
from classad.values import UNDEFINED, Error

#: characters that separate V2 arguments and that must be quoted inside one
_V2_SPACE = " \t\n\r"
_V2_SPECIAL = _V2_SPACE + "'"


# ---- V2 argument syntax --------------------------------------------------------------------


def quote_v2(arg: str) -> str:
    """One argument in V2 syntax: runs of whitespace and quotes go inside '...', ' as ''."""
    if not arg:
        return "''"
    out: list[str] = []
    quoted = False
    for ch in arg:
        special = ch in _V2_SPECIAL
        if special != quoted:
            out.append("'")
            quoted = special
        out.append("''" if ch == "'" else ch)
    if quoted:
        out.append("'")
    return "".join(out)


def parse_v2(text: str) -> list[str] | Error:
    """Split a V2 argument string: whitespace separates, '...' quotes, '' inside is a quote."""
    args: list[str] = []
    cur: list[str] = []
    have = False
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in _V2_SPACE:
            if have:
                args.append("".join(cur))
            cur, have = [], False
            i += 1
        elif ch == "'":
            i = _quoted_section(text, i + 1, cur)
            if i < 0:
                return Error("unterminated quote")
            have = True
        else:
            cur.append(ch)
            have = True
            i += 1
    if have:
        args.append("".join(cur))
    return args


def _quoted_section(text: str, i: int, cur: list[str]) -> int:
    """Read a quoted section starting after its opening quote; the index after it, or -1."""
    n = len(text)
    while i < n:
        if text[i] == "'":
            if text[i + 1:i + 2] == "'":
                cur.append("'")
                i += 2
                continue
            return i + 1
        cur.append(text[i])
        i += 1
    return -1


@builtin("listToArgs", arity=(1, 1))
def list_to_args(args: list[Any]) -> Any:
    items = args[0]
    if type(items) is not list or any(type(v) is not str for v in items):
        return Error("listToArgs() needs a list of strings")
    return " ".join(quote_v2(v) for v in items)


@builtin("argsToList", arity=(1, 1))
def args_to_list(args: list[Any]) -> Any:
    text = args[0]
    if type(text) is not str:
        return Error("argsToList() needs a string")
    return parse_v2(text)


# ---- environments --------------------------------------------------------------------------


def _entry(env: dict[str, str], entry: str) -> Error | None:
    name, eq, value = entry.partition("=")
    if not eq or not name:
        return Error(f"environment entry {entry!r} is not NAME=VALUE")
    env[name] = value
    return None


#: characters that, leading a V1 environment string, name its delimiter (HTCondor's
#: Env::MergeFromV1AutoDelim); otherwise the delimiter is ';'
_V1_DELIMS = "!#$%&*+,-/:;<>?@^`|~\x1f"


def _parse_v1(text: str, env: dict[str, str]) -> Error | None:
    delim = ";"
    if text[:1] and text[0] in _V1_DELIMS:
        delim, text = text[0], text[1:]
    for entry in text.replace("\n", delim).split(delim):
        entry = entry.lstrip(_V2_SPACE)
        bad = _entry(env, entry) if entry else None
        if bad is not None:
            return bad
    return None


def _merge_v2(text: str, env: dict[str, str]) -> Error | None:
    entries = parse_v2(text)
    if isinstance(entries, Error):
        return entries
    for entry in entries:
        bad = _entry(env, entry)
        if bad is not None:
            return bad
    return None


def _unparse_env(env: dict[str, str]) -> str:
    names = sorted(env, key=lambda s: s.encode("utf-8", "surrogateescape"))
    return " ".join(quote_v2(f"{name}={env[name]}") for name in names)


@builtin("envV1ToV2", arity=(1, 1))
def env_v1_to_v2(args: list[Any]) -> Any:
    text = args[0]
    if text is UNDEFINED:
        return UNDEFINED
    if type(text) is not str:
        return Error("envV1ToV2() needs a string")
    env: dict[str, str] = {}
    bad = _parse_v1(text, env)
    return bad if bad is not None else _unparse_env(env)


@builtin("mergeEnvironment", arity=(0, None))
def merge_environment(args: list[Any]) -> Any:
    env: dict[str, str] = {}
    for text in args:
        if text is UNDEFINED:
            continue
        if type(text) is not str:
            return Error("mergeEnvironment() needs strings")
        bad = _merge_v2(text, env)
        if bad is not None:
            return bad
    return _unparse_env(env)
