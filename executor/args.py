"""HTCondor's argument and environment string syntaxes (V2 quoting, and V1 for Args/Env)."""

from __future__ import annotations

from executor.spec import SpecError


def split_v2(text: str) -> list[str]:
    """Whitespace separates; '...' quotes (may join unquoted text); '' inside quotes is a quote."""
    words: list[str] = []
    current: list[str] = []
    in_word = quoted = False
    i = 0
    while i < len(text):
        ch = text[i]
        if quoted:
            if ch == "'" and text[i + 1:i + 2] == "'":
                current.append("'")
                i += 1
            elif ch == "'":
                quoted = False
            else:
                current.append(ch)
        elif ch == "'":
            quoted = in_word = True
        elif ch.isspace():
            if in_word:
                words.append("".join(current))
                current, in_word = [], False
        else:
            current.append(ch)
            in_word = True
        i += 1
    if quoted:
        raise SpecError(f"unbalanced single quote in {text!r}")
    if in_word:
        words.append("".join(current))
    return words


def split_v1(text: str) -> list[str]:
    """Old-style Args: whitespace separates words; no quoting at all."""
    return text.split()


def _pair(word: str) -> tuple[str, str]:
    name, sep, value = word.partition("=")
    if not sep or not name:
        raise SpecError(f"environment entry {word!r} is not NAME=VALUE")
    return name, value


def environment_v2(text: str) -> list[tuple[str, str]]:
    """`Environment = "A=1 B='two words'"`."""
    return [_pair(word) for word in split_v2(text)]


def environment_v1(text: str) -> list[tuple[str, str]]:
    """`Env = "A=1;B=2"`."""
    return [_pair(word.strip()) for word in text.split(";") if word.strip()]


def string_list(text: str) -> list[str]:
    """ClassAd string lists such as TransferInput: commas and/or whitespace separate items."""
    return [item for item in text.replace(",", " ").split() if item]
