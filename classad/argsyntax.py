"""HTCondor's argument and environment strings: V2 quoting (Arguments, Environment) and V1 (Args, Env).

One implementation for the ClassAd builtins (argsToList, envV1ToV2, mergeEnvironment, ...) and
for everything that turns a job's attributes into a command line and an environment.
"""

from __future__ import annotations

#: characters that separate V2 arguments and that must be quoted inside one
_V2_SPACE = " \t\n\r"
_V2_SPECIAL = _V2_SPACE + "'"

#: characters that, leading a V1 environment string, name its delimiter (HTCondor's
#: Env::MergeFromV1AutoDelim); otherwise the delimiter is ';'
_V1_DELIMS = "!#$%&*+,-/:;<>?@^`|~\x1f"


class ArgSyntaxError(ValueError):
    """An argument or environment string that HTCondor's syntax does not allow."""


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


def split_v2(text: str) -> list[str]:
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
            have = True
        else:
            cur.append(ch)
            have = True
            i += 1
    if have:
        args.append("".join(cur))
    return args


def _quoted_section(text: str, i: int, cur: list[str]) -> int:
    """Read a quoted section starting after its opening quote; the index after it."""
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
    raise ArgSyntaxError(f"unbalanced single quote in {text!r}")


def join_v2(args: list[str]) -> str:
    """The V2 argument string that `split_v2` turns back into `args`."""
    return " ".join(quote_v2(a) for a in args)


def split_v1(text: str) -> list[str]:
    """Old-style Args: whitespace separates words; no quoting at all."""
    return text.split()


def _pair(entry: str) -> tuple[str, str]:
    name, eq, value = entry.partition("=")
    if not eq or not name:
        raise ArgSyntaxError(f"environment entry {entry!r} is not NAME=VALUE")
    return name, value


def environment_v2(text: str) -> list[tuple[str, str]]:
    """`Environment = "A=1 B='two words'"`: V2-quoted NAME=VALUE words, in order."""
    return [_pair(word) for word in split_v2(text)]


def environment_v1(text: str) -> list[tuple[str, str]]:
    """`Env = "A=1;B=2"`: ';' separates, unless the first character names another delimiter."""
    delim = ";"
    if text[:1] and text[0] in _V1_DELIMS:
        delim, text = text[0], text[1:]
    entries = (entry.lstrip(_V2_SPACE) for entry in text.replace("\n", delim).split(delim))
    return [_pair(entry) for entry in entries if entry]


def join_environment(env: dict[str, str]) -> str:
    """A V2 environment string, names in byte order (as HTCondor writes one)."""
    names = sorted(env, key=lambda s: s.encode("utf-8", "surrogateescape"))
    return " ".join(quote_v2(f"{name}={env[name]}") for name in names)
