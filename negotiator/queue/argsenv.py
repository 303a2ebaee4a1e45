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
from collections.abc import Callable

from classad import argsyntax
from negotiator.queue.errors import SubmitError

_V1_DELIMS = "!#$%&*+,-/:;<>?@^`|~\x1f"
_PLAIN = re.compile(r"[^ \t\n\r']+")
#: a whole V2 quoted value: "...", with "" for a literal double quote
_V2_QUOTED = re.compile(r'"((?:[^"]|"")*)"\Z', re.DOTALL)
#: the quoted part at the start, when something follows it
_V2_OPEN = re.compile(r'"(?:[^"]|"")*"', re.DOTALL)



def is_v2_quoted(text: str) -> bool:
    return text.lstrip().startswith('"')


def v2_quoted_to_raw(text: str) -> str:
    """Strip the outer double quotes of a V2 value; `""` inside is one `"`."""
    s = text.strip()
    m = _V2_QUOTED.match(s)
    if m is None:
        if _V2_OPEN.match(s) is None:
            raise SubmitError("unterminated double-quote")
        rest = s[_V2_OPEN.match(s).end():]  # type: ignore[union-attr]
        raise SubmitError("unexpected characters following double-quote; did you forget to "
                          f"escape the double-quote by repeating it? {rest!r}")
    return m.group(1).replace('""', '"')


def split_v2_raw(raw: str) -> list[str]:
    """Words of a V2 raw string: white space separates, single quotes group (`''` inside is
    one `'`). The quoting rules are classad.argsyntax's, which the executor reads with."""
    if "'" not in raw:
        return raw.split()
    try:
        return argsyntax.split_v2(raw)
    except argsyntax.ArgSyntaxError as e:
        raise SubmitError(str(e)) from None


def join_v2_raw(words: list[str]) -> str:
    """Words back into a V2 raw string (append_arg in condor_arglist.cpp)."""
    if all(word and _PLAIN.fullmatch(word) for word in words):
        return " ".join(words)
    return argsyntax.join_v2(words)


def arguments(args1: str | None, args2: str | None) -> tuple[str, str]:
    """(attribute, value): `Args` for old-syntax input, `Arguments` otherwise."""
    if args1 is not None and args2 is not None:
        raise SubmitError("give 'arguments' or 'arguments2', not both")
    if args2 is not None:
        if not is_v2_quoted(args2):
            raise SubmitError("arguments2: expecting a double-quoted string (V2 format)")
        return "Arguments", join_v2_raw(split_v2_raw(v2_quoted_to_raw(args2)))
    if args1 is None:  # (a value that expands to nothing counts as none)
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
    table = environment_table(env1, env2, imported)
    return join_v2_raw([f"{k}={table[k]}" for k in sorted(table)])


def environment_v1(table: dict[str, str]) -> str:
    """The `Env` (V1 raw, `;`-separated) condor_submit stores when the file used `env = ...`
    in the old syntax (getDelimitedStringV1Raw)."""
    for name in sorted(table):
        if not v1_safe(name) or not v1_safe(table[name]):
            raise SubmitError(f"failed to insert environment into job ad: {name}={table[name]} "
                              "cannot be written in the old ';' syntax")
    return ";".join(f"{k}={table[k]}" for k in sorted(table))


def v1_safe(text: str) -> bool:
    """Whether `text` can stand in a `;`-separated V1 environment (IsSafeEnvV1Value)."""
    return ";" not in text and "\n" not in text


def import_filter(names: str) -> Callable[[str], bool]:
    """`getenv = CONDOR*, !CONDOR_CONFIG, PATH`: which variables to import. Names ignore case,
    `*` is a wildcard, `!name` excludes; separators are commas, semicolons and white space."""
    allow: list[re.Pattern[str]] = []
    deny: list[re.Pattern[str]] = []
    for word in re.split(r"[,;\s]+", names):
        target = deny if word.startswith("!") else allow
        word = word.lstrip("!").strip()
        if word:
            target.append(re.compile(".*".join(map(re.escape, word.split("*"))) + r"\Z",
                                      re.IGNORECASE))
    return lambda name: (not any(p.match(name) for p in deny)
                         and (not allow or any(p.match(name) for p in allow)))


def environment_table(env1: str | None, env2: str | None,
                      imported: dict[str, str] | None = None) -> dict[str, str]:
    """The job's variables: the imported ones overridden by those the file sets."""
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
    return table


def _v1_entries(text: str) -> list[str]:
    """`a=1;b=2`: ';' separates unless the first character names another delimiter."""
    delim = ";"
    if text and text[0] in _V1_DELIMS:
        delim, text = text[0], text[1:]
    return [e for e in (p.lstrip(" \t\r") for p in text.replace("\n", delim).split(delim)) if e]
