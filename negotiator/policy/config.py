"""HTCondor config syntax: `NAME = value`, `$(NAME)` macros, comments, continuation lines."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from negotiator.errors import NegotiatorError

SUBSYSTEM = "NEGOTIATOR"
_NAME = r"[A-Za-z_][A-Za-z0-9_.]*"
_ASSIGN = re.compile(rf"^({_NAME})\s*=\s?(.*)$", re.DOTALL)
_MULTILINE = re.compile(rf"^({_NAME})\s*@=\s*(\S+)\s*$")
_MACRO = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_.]*)(?::([^)]*))?\)")
_MAX_EXPANSION_DEPTH = 32


@dataclass(frozen=True)
class Setting:
    """One definition: its raw (unexpanded) value and where it was written."""

    name: str
    raw: str
    path: str
    line: int


class RawConfig:
    """Definitions by upper-cased name; values expand `$(NAME)` lazily, the last definition wins."""

    def __init__(self, settings: dict[str, Setting] | None = None) -> None:
        self._settings: dict[str, Setting] = dict(settings or {})

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._key(name) in self._settings

    def names(self) -> list[str]:
        """Effective knob names (subsystem prefix stripped), sorted."""
        out = {self._strip(s.name) for s in self._settings.values()}
        return sorted(n for n in out if n is not None)

    def setting(self, name: str) -> Setting | None:
        """The definition that supplies `name`, `NEGOTIATOR.NAME` before `NAME`."""
        key = self._key(name)
        return self._settings.get(key) if key is not None else None

    def get(self, name: str) -> str | None:
        """The expanded value of `name`, or None when it is not defined."""
        found = self.setting(name)
        if found is None:
            return None
        return self._expand(found.raw, found, 0).strip()

    def where(self, name: str) -> tuple[str | None, int | None]:
        found = self.setting(name)
        return (found.path, found.line) if found else (None, None)

    def merged(self, other: RawConfig) -> RawConfig:
        """A new config: this one's definitions overridden by `other`'s."""
        return RawConfig({**self._settings, **other._settings})

    def _key(self, name: str) -> str | None:
        upper = name.upper()
        for key in (f"{SUBSYSTEM}.{upper}", upper):
            if key in self._settings:
                return key
        return None

    @staticmethod
    def _strip(name: str) -> str | None:
        if "." not in name or name.upper().startswith("GROUP_"):
            return name
        prefix, _, rest = name.partition(".")
        return rest if prefix.upper() == SUBSYSTEM else None

    def _expand(self, text: str, origin: Setting, depth: int) -> str:
        if depth > _MAX_EXPANSION_DEPTH:
            raise NegotiatorError(
                f"macro expansion of {origin.name} does not terminate (recursive $(...))",
                origin.path,
                origin.line,
            )

        def substitute(match: re.Match[str]) -> str:
            found = self.setting(match.group(1))
            if found is None:
                return match.group(2) or ""
            return self._expand(found.raw, origin, depth + 1)

        return _MACRO.sub(substitute, text)


def parse_config(text: str, path: str = "<config>") -> RawConfig:
    """Parse config text; a line that is not a definition raises NegotiatorError(path, line)."""
    settings: dict[str, Setting] = {}
    for line_no, line in _logical_lines(text, path):
        _define(settings, line, path, line_no)
    return RawConfig(settings)


def load_config(path: str | Path) -> RawConfig:
    """Read and parse a config file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise NegotiatorError(f"cannot read config: {exc.strerror}", str(path)) from None
    return parse_config(text, str(path))


def _define(settings: dict[str, Setting], line: str, path: str, line_no: int) -> None:
    match = _ASSIGN.match(line)
    if match is None:
        head = line.split(None, 1)[0].lower() if line.split() else ""
        if head in {"include", "if", "elif", "else", "endif", "use"}:
            raise NegotiatorError(f"'{head}' directives are not supported", path, line_no)
        raise NegotiatorError(f"expected NAME = value, got {line.strip()!r}", path, line_no)
    spelled, raw = match.group(1), match.group(2).strip()
    name = spelled.upper()
    previous = settings.get(name)
    if previous is not None:  # a self-reference expands at once: A = $(A) more
        raw = re.sub(
            rf"\$\({re.escape(name)}(?::[^)]*)?\)", lambda _m: previous.raw, raw, flags=re.I
        )
    else:
        raw = re.sub(
            rf"\$\({re.escape(name)}(?::([^)]*))?\)", lambda m: m.group(1) or "", raw, flags=re.I
        )
    settings[name] = Setting(spelled, raw, path, line_no)


def _logical_lines(text: str, path: str) -> Iterator[tuple[int, str]]:
    """Yield (first line number, joined text) for every definition line."""
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        start = index + 1
        line = lines[index]
        index += 1
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or stripped.startswith("["):
            continue
        multi = _MULTILINE.match(stripped)
        if multi is not None:
            body, index = _until_tag(lines, index, multi.group(2), path, start)
            yield start, f"{multi.group(1)} = {body}"
            continue
        while stripped.endswith("\\"):
            stripped = stripped[:-1].rstrip()
            if index >= len(lines):
                break
            nxt = lines[index].strip()
            index += 1
            if nxt.startswith("#"):
                nxt = ""
            stripped = f"{stripped} {nxt}".rstrip()
        yield start, stripped


def _until_tag(lines: list[str], index: int, tag: str, path: str, start: int) -> tuple[str, int]:
    body: list[str] = []
    while index < len(lines):
        if lines[index].strip() == f"@{tag}":
            return "\n".join(body), index + 1
        body.append(lines[index])
        index += 1
    raise NegotiatorError(f"multi-line value is missing its closing @{tag}", path, start)
