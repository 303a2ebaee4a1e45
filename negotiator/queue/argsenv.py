"""The two syntaxes of `arguments` and `environment`, and how condor_submit stores them.

Arguments (condor_arglist.cpp): the new syntax is the whole value in double quotes, `""` a
literal double quote, words split on white space, single quotes group (`''` a literal single
quote). The old syntax splits on white space, `\\"` is a literal double quote and a bare `"`
is an error. Old input is stored as `Args` (words joined by one space), new input as
`Arguments` (the words re-quoted the V2 way).
Environment (env.cpp): new syntax as above with `NAME=value` words; old syntax is `;`
separated (or the first character, if it is one of the permitted delimiters). Variables are
kept sorted by name, and stored as `Environment` in the V2 form.
"""

from __future__ import annotations

import re

from negotiator.queue.errors import SubmitError

_V1_DELIMS = "!#$%&*+,-/:;<>?@^`|~\x1f"
_PLAIN = re.compile(r"[^ \t\n\r']+")


def is_v2_quoted(text: str) -> bool:
    return text.lstrip().startswith('"')


def v2_quoted_to_raw(text: str) -> str:
    """Strip the outer double quotes of a V2 value; `""` inside is one `"`."""
    s = text.strip()
    out: list[str] = []
    i = 1
    while i < len(s):
        c = s[i]
        if c == '"':
            if i + 1 < len(s) and s[i + 1] == '"':
                out.append('"')
                i += 2
                continue
            if s[i + 1:].strip():
                raise SubmitError("unexpected characters following double-quote; did you "
                                  f"forget to escape the double-quote by repeating it? {s[i:]!r}")
            return "".join(out)
        out.append(c)
        i += 1
    raise SubmitError("unterminated double-quote")


def split_v2_raw(raw: str) -> list[str]:
    """Words of a V2 raw string: white space separates, single quotes group."""
    if "'" not in raw:
        return raw.split()
    words: list[str] = []
    buf: list[str] = []
    token = False
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if c == "'":
            token = True
            i += 1
            while True:
                if i >= n:
                    raise SubmitError(f"unbalanced quote starting here: {raw[raw.rfind(chr(39), 0, i):]!r}")
                if raw[i] == "'":
                    if i + 1 < n and raw[i + 1] == "'":
                        buf.append("'")
                        i += 2
                        continue
                    i += 1
                    break
                buf.append(raw[i])
                i += 1
        elif c in " \t\r\n":
            i += 1
            if token:
                words.append("".join(buf))
                buf, token = [], False
        else:
            token = True
            buf.append(c)
            i += 1
    if token:
        words.append("".join(buf))
    return words


def join_v2_raw(words: list[str]) -> str:
    """Words back into a V2 raw string (append_arg in condor_arglist.cpp)."""
    if all(word and _PLAIN.fullmatch(word) for word in words):
        return " ".join(words)
    result = ""
    for word in words:
        if result:
            result += " "
        if not word:
            result += "''"
        for c in word:
            if c in " \t\n\r'":
                if result.endswith("'"):
                    result = result[:-1]
                else:
                    result += "'"
                if c == "'":
                    result += "'"
                result += c + "'"
            else:
                result += c
    return result


def arguments(args1: str | None, args2: str | None) -> tuple[str, str]:
    """(attribute, value): `Args` for old-syntax input, `Arguments` otherwise."""
    if args1 is not None and args2 is not None:
        raise SubmitError("give 'arguments' or 'arguments2', not both")
    if args2 is not None:
        if not is_v2_quoted(args2):
            raise SubmitError("arguments2: expecting a double-quoted string (V2 format)")
        return "Arguments", join_v2_raw(split_v2_raw(v2_quoted_to_raw(args2)))
    if args1 is None:
        return "Arguments", ""
    if is_v2_quoted(args1):
        return "Arguments", join_v2_raw(split_v2_raw(v2_quoted_to_raw(args1)))
    if '"' not in args1:
        return "Args", " ".join(args1.split())
    raw: list[str] = []
    i = 0
    while i < len(args1):
        if args1[i] == '"':
            raise SubmitError(f"found illegal unescaped double-quote: {args1[i:]!r}")
        if args1.startswith('\\"', i):
            i += 1
        raw.append(args1[i])
        i += 1
    return "Args", " ".join("".join(raw).split())


def environment(env1: str | None, env2: str | None,
                imported: dict[str, str] | None = None) -> str:
    """The job's `Environment` (V2 raw) from `environment`/`env` or `environment2`."""
    if env1 is not None and env2 is not None:
        raise SubmitError("give 'environment' or 'environment2', not both")
    table: dict[str, str] = dict(imported or {})
    text = env2 if env2 is not None else env1
    if text is None:
        entries: list[str] = []
    elif is_v2_quoted(text):
        entries = split_v2_raw(v2_quoted_to_raw(text))
    elif env2 is not None:
        raise SubmitError("environment2: expecting a double-quoted string (V2 format)")
    else:
        entries = _v1_entries(text)
    for entry in entries:
        name, eq, value = entry.partition("=")
        if not eq:
            raise SubmitError(f"missing '=' after environment variable {entry!r}")
        if not name:
            raise SubmitError(f"missing variable name in {entry!r}")
        table[name] = value
    return join_v2_raw([f"{k}={table[k]}" for k in sorted(table)])


def _v1_entries(text: str) -> list[str]:
    delim = ";"
    if text and text[0] in _V1_DELIMS:
        delim, text = text[0], text[1:]
    entries = []
    for piece in text.replace("\n", delim).split(delim):
        piece = piece.lstrip(" \t\r")
        if piece:
            entries.append(piece)
    return entries
