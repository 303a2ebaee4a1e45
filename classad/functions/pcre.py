"""Rewrite the PCRE2 pattern syntax that Python's `re` lacks into equivalent `re` syntax."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

_POSIX = {
    "alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z", "lower": "a-z",
    "space": " \\t\\n\\r\\f\\v", "blank": " \\t", "punct": "!-/:-@\\[-`{-~",
    "xdigit": "0-9A-Fa-f", "word": "\\w", "cntrl": "\\x00-\\x1f\\x7f", "print": " -~",
    "graph": "!-~", "ascii": "\\x00-\\x7f",
}
_POSIX_RE = re.compile(r"\[:(\^?)([a-z]+):\]")
_SIMPLE_ESCAPES = {
    "z": r"\Z", "Z": r"(?=\n?\Z)", "h": r"[ \t\xa0]", "H": r"[^ \t\xa0]",
    "v": r"[\n\x0b\x0c\r\x85]", "V": r"[^\n\x0b\x0c\r\x85]",
    "R": r"(?:\r\n|[\n\x0b\x0c\r\x85])", "e": r"\x1b",
}
_CLASS_ESCAPES = {"h": r" \t\xa0", "v": r"\n\x0b\x0c\r\x85", "e": r"\x1b"}
_INLINE_FLAGS = re.compile(r"\(\?([imsxn]*(?:-[imsxn]*)?)\)")
_NAMED_GROUP = re.compile(r"\(\?(?:<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)')")
_BACKREF = re.compile(r"\\(?:k<(\w+)>|k'(\w+)'|k\{(\w+)\}|g\{(\w+)\}|g(\d+))")
_HEX_BRACE = re.compile(r"\\x\{([0-9A-Fa-f]+)\}")
_EMPTY_MIN = re.compile(r"\{,\d*\}")
_PROPERTY = re.compile(r"\\([pP])(?:\{(\^?)([A-Za-z_&]+)\}|([A-Z]))")
_CONTROL = re.compile(r"\\c([\x20-\x7e])")
_OCTAL_BRACE = re.compile(r"\\o\{([0-7]+)\}")
_Test = Callable[[str, int], bool]
_SPECIAL_PROPERTIES: dict[str, _Test] = {
    "any": lambda c, b: True,
    "l&": lambda c, b: c in ("Lu", "Ll", "Lt"),
    "xan": lambda c, b: c[0] in "LN",
    "xwd": lambda c, b: c[0] in "LN" or b == 0x5F,
    "xsp": lambda c, b: c[0] == "Z" or 9 <= b <= 13,
    "xps": lambda c, b: c[0] == "Z" or 9 <= b <= 13,
    "latin": lambda c, b: c[0] == "L" and b not in (0xAA, 0xBA),
    "common": lambda c, b: c[0] != "L" or b in (0xAA, 0xBA),
}
#: script names PCRE knows; no Latin-1 character but Latin and Common ones belongs to them
_OTHER_SCRIPTS = frozenset({
    "arabic", "armenian", "bengali", "cyrillic", "devanagari", "georgian", "greek", "han",
    "hangul", "hebrew", "hiragana", "katakana", "thai", "tamil", "ethiopic", "khmer",
})


class _Translator:
    """One pass over a pattern, outside and inside character classes."""

    def __init__(self, pattern: str, verbose: bool) -> None:
        self.src = pattern
        self.verbose = verbose
        self.i = 0
        self.out: list[str] = []
        # per open group: the inline flag groups opened inside it that must be closed
        self.frames: list[list[str]] = [[]]

    def run(self) -> str:
        while self.i < len(self.src):
            self.step()
        self.out.append(")" * len(self.frames[0]))
        return "".join(self.out)

    def step(self) -> None:
        ch = self.src[self.i]
        if ch == "\\":
            self.escape()
        elif ch == "[":
            self.char_class()
        elif ch == "(":
            self.open_group()
        elif ch == ")":
            self.close_group()
        elif ch == "|":
            pending = self.frames[-1]
            self.out.append(")" * len(pending) + "|" + "".join(f"(?{f}:" for f in pending))
            self.i += 1
        elif ch == "{" and _EMPTY_MIN.match(self.src, self.i):
            self.out.append("\\{")
            self.i += 1
        elif ch == "#" and self.verbose:
            end = self.src.find("\n", self.i)
            end = len(self.src) if end < 0 else end
            self.out.append(self.src[self.i:end])
            self.i = end
        else:
            self.out.append(ch)
            self.i += 1

    def quoted(self) -> str:
        """The text of a `\\Q...\\E` run starting at the current `\\Q`, escaped."""
        end = self.src.find("\\E", self.i + 2)
        end = len(self.src) if end < 0 else end
        text = self.src[self.i + 2:end]
        self.i = min(end + 2, len(self.src))
        return re.escape(text)

    def escape(self) -> None:
        nxt = self.src[self.i + 1:self.i + 2]
        if nxt == "Q":
            self.out.append(self.quoted())
            return
        if nxt == "E":
            self.i += 2
            return
        if nxt in _SIMPLE_ESCAPES:
            self.out.append(_SIMPLE_ESCAPES[nxt])
            self.i += 2
            return
        if nxt == "N":
            self.out.append("[^\\n]")
            self.i += 2
            return
        if nxt == "X":
            self.out.append("(?:\\r\\n|(?s:.))")
            self.i += 2
            return
        m = _BACKREF.match(self.src, self.i) or _HEX_BRACE.match(self.src, self.i)
        if m is not None:
            self.out.append(_reference(m))
            self.i = m.end()
            return
        text = self.special_char()
        if text is not None:
            self.out.append(f"[{text}]")
            return
        self.out.append(self.src[self.i:self.i + 2])
        self.i += 2

    def special_char(self) -> str | None:
        """`\\p{..}`, `\\cX` and `\\o{..}` at the current position as class-body text."""
        for pattern, convert in ((_PROPERTY, _property_body), (_CONTROL, _control),
                                 (_OCTAL_BRACE, _octal)):
            m = pattern.match(self.src, self.i)
            if m is not None:
                self.i = m.end()
                return convert(m)
        return None

    def open_group(self) -> None:
        m = _INLINE_FLAGS.match(self.src, self.i)
        if m is not None:
            flags = m.group(1).replace("n", "")
            if flags.strip("-"):
                self.out.append(f"(?{flags}:")
                self.frames[-1].append(flags)
            self.i = m.end()
            return
        m = _NAMED_GROUP.match(self.src, self.i)
        if m is not None:
            self.out.append(f"(?P<{m.group(1) or m.group(2)}>")
            self.i = m.end()
        else:
            self.out.append("(")
            self.i += 1
        self.frames.append([])

    def close_group(self) -> None:
        if len(self.frames) > 1:
            self.out.append(")" * len(self.frames.pop()))
        self.out.append(")")
        self.i += 1

    def char_class(self) -> None:
        src = self.src
        self.i += 1
        parts = ["["]
        if src[self.i:self.i + 1] == "^":
            parts.append("^")
            self.i += 1
        if src[self.i:self.i + 1] == "]":
            parts.append("\\]")
            self.i += 1
        while self.i < len(src) and src[self.i] != "]":
            parts.append(self.class_item())
        self.out.append("".join(parts) + "]")
        self.i += 1

    def class_item(self) -> str:
        src = self.src
        m = _POSIX_RE.match(src, self.i)
        if m is not None:
            self.i = m.end()
            body = _POSIX.get(m.group(2))
            if body is None:
                raise ValueError(f"unknown POSIX class {m.group(2)!r}")
            return body if not m.group(1) else _negated_posix(m.group(2))
        ch = src[self.i]
        if ch == "[":
            self.i += 1
            return "\\["
        if ch != "\\":
            self.i += 1
            return ch
        nxt = src[self.i + 1:self.i + 2]
        if nxt == "Q":
            return self.quoted()
        if nxt in _CLASS_ESCAPES:
            self.i += 2
            return _CLASS_ESCAPES[nxt]
        m = _HEX_BRACE.match(src, self.i)
        if m is not None:
            self.i = m.end()
            return _reference(m)
        text = self.special_char()
        if text is not None:
            return text
        self.i += 2
        return src[self.i - 2:self.i]


def _negated_posix(name: str) -> str:
    """A negated POSIX class (`[:^alpha:]`) as class-body text: every other byte."""
    member = re.compile(f"[{_POSIX[name]}]".encode())
    others = [b for b in range(256) if member.fullmatch(bytes([b])) is None]
    return _byte_class(others)


def _reference(m: re.Match[str]) -> str:
    """`\\k<name>`-style back references and `\\x{HH}` in `re` syntax."""
    if m.re is _HEX_BRACE:
        value = int(m.group(1), 16)
        if value > 0xFF:
            raise ValueError("character value out of range")
        return f"\\x{value:02x}"
    name = next(g for g in m.groups() if g is not None)
    return f"(?:\\{name})" if name.isdigit() else f"(?P={name})"


def _byte_class(members: list[int]) -> str:
    """Class-body text (ranges of `\\xHH`) for a non-empty sorted list of byte values."""
    parts: list[str] = []
    start = prev = members[0]
    for b in [*members[1:], -1]:
        if b != prev + 1:
            parts.append(f"\\x{start:02x}" if start == prev else f"\\x{start:02x}-\\x{prev:02x}")
            start = b
        prev = b
    return "".join(parts)


def _property_test(name: str) -> _Test:
    key = name.lower()
    if key in _SPECIAL_PROPERTIES:
        return _SPECIAL_PROPERTIES[key]
    if key in _OTHER_SCRIPTS:
        return lambda c, b: False
    if len(name) in (1, 2) and name[0] in "CLMNPSZ":
        return lambda c, b: c.startswith(name)
    raise ValueError(f"unknown property {name!r}")


def _property_body(m: re.Match[str]) -> str:
    """`\\p{Name}` in non-UTF mode: the Latin-1 bytes whose Unicode category fits."""
    name = m.group(3) or m.group(4)
    negate = (m.group(1) == "P") != bool(m.group(2))
    test = _property_test(name)
    members = [b for b in range(256) if test(unicodedata.category(chr(b)), b) != negate]
    return _byte_class(members) if members else "^\\x00-\\xff"


def _control(m: re.Match[str]) -> str:
    return f"\\x{ord(m.group(1).upper()) ^ 0x40:02x}"


def _octal(m: re.Match[str]) -> str:
    value = int(m.group(1), 8)
    if value > 0xFF:
        raise ValueError("character value out of range")
    return f"\\x{value:02x}"


def translate(pattern: str, verbose: bool = False) -> str:
    """The pattern in Python `re` syntax (best effort; anything unknown is left alone)."""
    return _Translator(pattern, verbose).run()
