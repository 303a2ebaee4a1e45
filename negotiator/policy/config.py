"""HTCondor's configuration language: `NAME = value`, `@=tag` blocks, continuation lines, `$(...)`
macros, `include`, `if`/`elif`/`else`/`endif`, `use CATEGORY : template`, `error`/`warning`."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from classad.inputfile import open_input
from negotiator.errors import NegotiatorError
from negotiator.policy import templates
from negotiator.policy.macros import Budget, Expander, MacroError, split_args, truth

SUBSYSTEM = "NEGOTIATOR"
#: the HTCondor version `if version >= x.y.z` compares against (the series whose semantics we follow)
CONDOR_VERSION = (25, 0, 0)
MAX_INCLUDE_DEPTH = 20
MAX_FILE_BYTES = 16 << 20

_NAME = r"[A-Za-z_$][A-Za-z0-9_.$()]*"
_ASSIGN = re.compile(rf"^({_NAME})\s*=\s?(.*)$", re.DOTALL)
_MULTILINE = re.compile(rf"^({_NAME})\s*@=\s*(\S+)\s*$")
_KEYWORD = re.compile(r"^@?(if|elif|else|endif|include|use|error|warning)\b\s*(.*)$", re.I | re.S)
_VERSION = re.compile(r"^version\s*(==|!=|>=|<=|>|<)\s*([0-9]+(?:\.[0-9]+){0,2})$", re.I)


@dataclass(frozen=True)
class Setting:
    """One definition: its raw (unexpanded) value and where it was written."""

    name: str
    raw: str
    path: str
    line: int


class RawConfig:
    """Definitions by upper-cased name; values expand `$(NAME)` lazily, the last definition wins."""

    def __init__(
        self,
        settings: dict[str, Setting] | None = None,
        warnings: tuple[str, ...] = (),
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._settings: dict[str, Setting] = dict(settings or {})
        self.warnings = warnings
        self._env = env

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
        try:
            return self.expander().expand(found.raw).strip()
        except MacroError as exc:
            raise NegotiatorError(f"{found.name}: {exc}", found.path, found.line) from None

    def lookup(self, name: str) -> str | None:
        """The raw value a `$(name)` reference expands: a definition, else HTCondor's default."""
        found = self.setting(name)
        if found is not None:
            return found.raw
        return _default(name)

    def expander(self) -> Expander:
        return Expander(self.lookup, self._env if self._env is not None else os.environ)

    def where(self, name: str) -> tuple[str | None, int | None]:
        found = self.setting(name)
        return (found.path, found.line) if found else (None, None)

    def merged(self, other: RawConfig) -> RawConfig:
        """A new config: this one's definitions overridden by `other`'s."""
        return RawConfig(
            {**self._settings, **other._settings}, self.warnings + other.warnings, self._env
        )

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


def _default(name: str) -> str | None:
    upper = name.upper()
    return next((v for k, v in templates.DEFAULTS.items() if k.upper() == upper), None)


def parse_config(
    text: str, path: str = "<config>", env: Mapping[str, str] | None = None
) -> RawConfig:
    """Parse config text; a line that is not a statement raises NegotiatorError(path, line)."""
    reader = _Reader(env=env)
    reader.run(text, path, 0, None)
    return RawConfig(reader.settings, tuple(reader.warnings), env)


def load_config(path: str | Path, env: Mapping[str, str] | None = None) -> RawConfig:
    """Read and parse a config file (and what it includes)."""
    reader = _Reader(env=env)
    reader.run(_read(Path(path), str(path), None), str(path), 0, None)
    return RawConfig(reader.settings, tuple(reader.warnings), env)


def _read(path: Path, shown: str, where: tuple[str, int] | None) -> str:
    at = where or (shown, None)
    try:
        with open_input(path) as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise NegotiatorError(f"cannot read config {shown}: {exc.strerror}", *at) from None
    if len(data) > MAX_FILE_BYTES:
        raise NegotiatorError(f"config {shown} is larger than {MAX_FILE_BYTES} bytes", *at)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise NegotiatorError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x})", shown, line
        ) from None


@dataclass
class _Branch:
    """One open `if`: whether its parent is active, whether a branch was taken, where it began."""

    outer: bool
    taken: bool
    active: bool
    line: int
    seen_else: bool = False


@dataclass
class _Reader:
    env: Mapping[str, str] | None = None
    settings: dict[str, Setting] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def run(self, text: str, path: str, depth: int, origin: tuple[str, int] | None) -> None:
        """Read statements; `origin` (the `use` line) stands for every line of a template."""
        stack: list[_Branch] = []
        for line_no, line in _logical_lines(text, path):
            where = origin or (path, line_no)
            active = not stack or stack[-1].active
            keyword = _KEYWORD.match(line)
            if keyword is not None and not keyword.group(2).startswith("="):
                word, rest = keyword.group(1).lower(), keyword.group(2).strip()
                if word in {"if", "elif", "else", "endif"}:
                    self._branch(stack, word, rest, where, active)
                elif active:
                    self._statement(word, rest, where, depth)
                continue
            if active:
                self._define(line, where)
        if stack:
            raise NegotiatorError("'if' without 'endif'", path, stack[-1].line)

    # -- conditionals ----------------------------------------------------------------------
    def _branch(
        self, stack: list[_Branch], word: str, rest: str, where: tuple[str, int], active: bool
    ) -> None:
        if word == "if":
            take = active and self._condition(rest, where)
            stack.append(_Branch(active, take, take, where[1]))
            return
        if not stack:
            raise NegotiatorError(f"'{word}' without 'if'", *where)
        top = stack[-1]
        if word == "endif":
            stack.pop()
        elif top.seen_else:
            raise NegotiatorError(f"'{word}' after 'else'", *where)
        elif word == "else":
            top.seen_else = True
            top.active, top.taken = top.outer and not top.taken, True
        else:  # elif
            take = top.outer and not top.taken and self._condition(rest, where)
            top.active, top.taken = take, top.taken or take

    def _condition(self, text: str, where: tuple[str, int]) -> bool:
        text = text.strip()
        negate = text.startswith("!")
        if negate:
            text = text[1:].strip()
        words = text.split(None, 1)
        if not words:
            raise NegotiatorError("'if' needs a condition", *where)
        if words[0].lower() == "defined":
            if len(words) < 2:
                raise NegotiatorError("'defined' needs a name", *where)
            name = self._now(words[1], where).strip()
            value = self._raw().lookup(name)
            result = value is not None and value.strip() != ""
        elif words[0].lower() == "version":
            result = _version_test(text, where)
        else:
            expanded = self._now(text, where)
            found = truth(expanded)
            if found is None:
                raise NegotiatorError(
                    f"condition {text!r} is {expanded!r}, not a simple boolean", *where
                )
            result = found
        return result != negate

    # -- statements ------------------------------------------------------------------------
    def _statement(self, word: str, rest: str, where: tuple[str, int], depth: int) -> None:
        if word in {"error", "warning"}:
            message = self._now(rest.lstrip(":").strip() if rest.startswith(":") else rest, where)
            if word == "error":
                raise NegotiatorError(f"error: {message}", *where)
            self.warnings.append(f"{where[0]}:{where[1]}: warning: {message}")
        elif word == "include":
            self._include(rest, where, depth)
        else:
            self._use(rest, where, depth)

    def _include(self, rest: str, where: tuple[str, int], depth: int) -> None:
        options, colon, target = rest.partition(":")
        if not colon:
            raise NegotiatorError("include needs ':' before the file name", *where)
        flags = options.lower().split()
        if "command" in flags or target.rstrip().endswith("|"):
            raise NegotiatorError(
                "'include command' is refused: reading a configuration never runs a program "
                "(run it yourself and include its output file)",
                *where,
            )
        if any(f not in {"ifexist"} for f in flags):
            raise NegotiatorError(f"unknown include option {options.strip()!r}", *where)
        if depth >= MAX_INCLUDE_DEPTH:
            raise NegotiatorError(f"includes nest deeper than {MAX_INCLUDE_DEPTH} levels", *where)
        name = self._now(target, where).strip()
        if not name:
            raise NegotiatorError("include names no file", *where)
        path = Path(name)
        if not path.is_absolute():
            path = Path(where[0]).parent / path
        if "ifexist" in flags and not path.exists():
            return
        self.run(_read(path, str(path), where), str(path), depth + 1, None)

    def _use(self, rest: str, where: tuple[str, int], depth: int) -> None:
        category, colon, spec = rest.partition(":")
        category = category.strip()
        if not colon or not category or not spec.strip():
            raise NegotiatorError("use needs 'CATEGORY : template'", *where)
        if category.upper() not in templates.TEMPLATES:
            known = ", ".join(sorted(templates.TEMPLATES))
            raise NegotiatorError(f"unknown template category {category!r} ({known})", *where)
        if depth >= MAX_INCLUDE_DEPTH:
            raise NegotiatorError(f"templates nest deeper than {MAX_INCLUDE_DEPTH} levels", *where)
        for name, args in _template_calls(spec, where):
            text = templates.template(category, name)
            if text is None:
                names = ", ".join(sorted(templates.TEMPLATES[category.upper()]))
                raise NegotiatorError(
                    f"unknown template {category}:{name} (this reader knows {names})", *where
                )
            self.run(templates.substitute_arguments(text, args), where[0], depth + 1, where)

    def _define(self, line: str, where: tuple[str, int]) -> None:
        match = _ASSIGN.match(line)
        if match is None:
            raise NegotiatorError(f"expected NAME = value, got {line.strip()!r}", *where)
        spelled, raw = match.group(1), match.group(2).strip()
        if "$" in spelled:
            spelled = self._now(spelled, where).strip()
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", spelled):
                raise NegotiatorError(f"{spelled!r} is not a knob name", *where)
        name = spelled.upper()
        previous = self.settings.get(name)
        before = previous.raw if previous is not None else _default(name)
        # a self-reference expands at once: A = $(A) more
        raw = re.sub(
            rf"\$\({re.escape(name)}(?::([^)]*))?\)",
            lambda m: before if before is not None else (m.group(1) or ""),
            raw,
            flags=re.I,
        )
        self.settings[name] = Setting(spelled, raw, where[0], where[1])

    # -- helpers ---------------------------------------------------------------------------
    def _raw(self) -> RawConfig:
        return RawConfig(self.settings, (), self.env)

    def _now(self, text: str, where: tuple[str, int]) -> str:
        """Expand `text` against the definitions read so far (include names, conditions)."""
        try:
            return self._raw().expander().expand(text, Budget())
        except MacroError as exc:
            raise NegotiatorError(str(exc), *where) from None


def _version_test(text: str, where: tuple[str, int]) -> bool:
    match = _VERSION.match(text)
    if match is None:
        raise NegotiatorError(f"expected 'version OP x.y[.z]', got {text!r}", *where)
    op, given = match.group(1), tuple(int(p) for p in match.group(2).split("."))
    mine = CONDOR_VERSION[: len(given)]
    return {
        "==": mine == given,
        "!=": mine != given,
        ">=": mine >= given,
        "<=": mine <= given,
        ">": mine > given,
        "<": mine < given,
    }[op]


def _template_calls(spec: str, where: tuple[str, int]) -> Iterator[tuple[str, list[str]]]:
    """`A B(x, y) C` -> (A, []), (B, [x, y]), (C, [])."""
    i, n = 0, len(spec)
    while i < n:
        while i < n and (spec[i].isspace() or spec[i] == ","):
            i += 1
        start = i
        while i < n and not spec[i].isspace() and spec[i] not in ",(":
            i += 1
        name = spec[start:i]
        j = i
        while j < n and spec[j].isspace():
            j += 1
        args: list[str] = []
        if j < n and spec[j] == "(":
            level, k = 0, j
            while k < n:
                level += spec[k] == "("
                level -= spec[k] == ")"
                if level == 0:
                    break
                k += 1
            if level:
                raise NegotiatorError(f"unbalanced '(' in {spec.strip()!r}", *where)
            args = split_args(spec[j + 1:k])
            args = [] if args == [""] else args
            i = k + 1
        if name:
            yield name, args


def _logical_lines(text: str, path: str) -> Iterator[tuple[int, str]]:
    """Yield (first line number, joined text) for every statement line."""
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
