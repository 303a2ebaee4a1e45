"""HTCondor's macro language: `$(NAME)`, `$(NAME:default)`, `$ENV()`, `$INT()`, `$F...()` and the
other function macros, expanded within a budget (depth, substitutions, output size).

`scan` is the one `$` scanner, shared with the submit language (negotiator.queue.macros): a
`Dialect` says what `$(...)` and `$NAME(...)` become there. `Expander` is the configuration
language's dialect; the caller says how a name is looked up (and so which names exist).
"""

from __future__ import annotations

import math
import os
import posixpath
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

#: limits for one top-level expansion; past them the expansion is an error, never a hang
MAX_DEPTH = 32
MAX_SUBSTITUTIONS = 100_000
MAX_OUTPUT = 1 << 20  # characters

#: the configuration language's function macros ($Ff...: the path functions)
_FUNCTIONS = frozenset({"ENV", "INT", "REAL", "STRING", "EVAL", "SUBSTR", "CHOICE",
                        "RANDOM_CHOICE", "RANDOM_INTEGER", "DIRNAME", "BASENAME"})
_PATH_FLAGS = frozenset("fpduwnxbqa")
#: `$NAME(`: a function macro's name and its opening parenthesis
_DOLLAR_NAME = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)\(")
_TRUE_WORDS = {"true", "yes", "t", "y"}
_FALSE_WORDS = {"false", "no", "f", "n"}


class MacroError(ValueError):
    """A macro that cannot be expanded: unknown function use, bad argument, budget exhausted."""


Lookup = Callable[[str], "str | None"]


class Dialect(Protocol):
    """What one macro language makes of the `$` forms the shared scanner finds."""

    def reference(self, body: str, depth: int) -> str:
        """`$(body)`: a macro's value, its default, or `$` for `$(DOLLAR)`."""
        ...

    def is_function(self, name: str) -> bool:
        """Is `$name(` a function macro here (else the `$` is literal text)?"""
        ...

    def function_end(self, name: str, text: str, start: int) -> int:
        """The index just past the `)` ending the arguments that begin at `start`, or -1."""
        ...

    def function(self, name: str, body: str, depth: int) -> str:
        """`$name(body)`: the function's value."""
        ...

    def produced(self, piece: str, size: int) -> None:
        """A substitution gave `piece`; the output has `size` characters (raise past a budget)."""
        ...

    def failure(self, message: str) -> Exception:
        """The language's error for a malformed expansion."""
        ...

    def keeps_unterminated(self) -> bool:
        """Is an unterminated `$(` text here (else an error)?"""
        ...

    def rescans_functions(self) -> bool:
        """Is a function's value scanned again with the text after it (condor_submit's
        rescan: `$Fn($(X))` is `$Fn($(X)` whose value `$(X` joins the `)` after it)?"""
        ...


#: how often one scan may scan a function's value again (a value that makes itself: an error)
MAX_RESCANS = 10_000


def scan(text: str, depth: int, dialect: Dialect) -> str:
    """Expand every `$` form of `text` once, left to right. `$$(...)` (and a bare `$$`) are kept
    for match time; `$(` takes its body to the matching `)`; `$NAME(` is a function when the
    dialect knows NAME (the dialect finds the end of its arguments); any other `$` is text."""
    out: list[str] = []
    size = 0
    rescans = 0
    rescan = dialect.rescans_functions()
    i, n = 0, len(text)
    while i < n:
        j = text.find("$", i)
        if j < 0:
            out.append(text[i:])
            break
        out.append(text[i:j])
        size += j - i
        if text.startswith("$$", j):  # match-time $$(attr), $$([expr]): not ours to expand
            end = close_paren(text, j + 3) if text.startswith("$$(", j) else -1
            piece, i = (text[j:end], end) if end >= 0 else ("$$", j + 2)
        elif text.startswith("$(", j):
            end = close_paren(text, j + 2)
            if end < 0 and dialect.keeps_unterminated():
                piece, i = "$(", j + 2
            elif end < 0:
                raise dialect.failure(f"unterminated $( in {text!r}")
            else:
                piece, i = dialect.reference(text[j + 2:end - 1], depth), end
                dialect.produced(piece, size + len(piece))
        else:
            func = _DOLLAR_NAME.match(text, j)
            if func is None or not dialect.is_function(func.group(1)):
                piece, i = "$", j + 1
            else:
                name = func.group(1)
                end = dialect.function_end(name, text, func.end())
                if end < 0:
                    raise dialect.failure(f"unterminated ${name}( in {text!r}")
                piece, i = dialect.function(name, text[func.end():end - 1], depth), end
                dialect.produced(piece, size + len(piece))
                if rescan and "$" in piece:
                    rescans += 1
                    if rescans > MAX_RESCANS:
                        raise dialect.failure(f"a function macro's value keeps making macros: {text[:80]!r}")
                    text, i = piece + text[i:], 0
                    n = len(text)
                    dialect.produced("", size + n)
                    continue
        out.append(piece)
        size += len(piece)
    return "".join(out)


@dataclass
class Budget:
    """What one top-level expansion may still spend."""

    substitutions: int = MAX_SUBSTITUTIONS
    output: int = MAX_OUTPUT

    def spend(self, produced: int) -> None:
        self.substitutions -= 1
        self.output -= produced
        if self.substitutions < 0:
            raise MacroError(f"more than {MAX_SUBSTITUTIONS} macro substitutions")
        if self.output < 0:
            raise MacroError(f"macro expansion grows past {MAX_OUTPUT} characters")


@dataclass
class Expander:
    """Expands text against `lookup`; `env` backs $ENV(), `seed` makes $RANDOM_*() repeatable."""

    lookup: Lookup
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    seed: str = ""

    def expand(self, text: str, budget: Budget | None = None) -> str:
        return self._expand(text, 0, budget or Budget())

    def _expand(self, text: str, depth: int, budget: Budget) -> str:
        if "$" not in text:
            return text
        if depth > MAX_DEPTH:
            raise MacroError(f"macro expansion does not terminate: deeper than {MAX_DEPTH} levels (a recursive $(...)?)")
        return scan(text, depth, _ConfigDialect(self, budget))

    def _reference(self, body: str, depth: int, budget: Budget) -> str:
        """`NAME`, `NAME:default`; NAME itself may be built from macros ($($(1)))."""
        cut = _top_level(body, ":")
        name_part = body if cut < 0 else body[:cut]
        name = self._expand(name_part, depth + 1, budget).strip()
        if name.upper() == "DOLLAR":
            return "$"
        value = self.lookup(name)
        if value is not None:
            return self._expand(value, depth + 1, budget)
        if cut >= 0:
            return self._expand(body[cut + 1:], depth + 1, budget)
        return ""

    # -- function macros -----------------------------------------------------------------
    def _value_of(self, name: str, depth: int, budget: Budget) -> str:
        """A function's argument: the value of the macro it names, else the text itself."""
        value = self.lookup(name.strip())
        return self._expand(value, depth + 1, budget) if value is not None else name.strip()

    def _function(self, func: str, body: str, depth: int, budget: Budget) -> str:
        if func == "ENV":
            name, _, default = body.partition(":")
            found = self.env.get(name.strip())
            return found if found is not None else (default if _ else "UNDEFINED")
        if func in {"INT", "REAL", "STRING", "EVAL"}:
            item, _, fmt = body.partition(",")
            return _convert(func, self._value_of(item, depth, budget), fmt or None)
        if func == "SUBSTR":
            args = split_args(body)
            if len(args) not in (2, 3):
                raise MacroError("$SUBSTR(name, start[, length]) takes two or three arguments")
            text = self._value_of(args[0], depth, budget)
            return _substr(text, _integer(args[1]), _integer(args[2]) if len(args) == 3 else None)
        if func == "CHOICE":
            args = split_args(body)
            if len(args) < 2:
                raise MacroError("$CHOICE(index, list) needs an index and a list")
            items = args[1:]
            if len(items) == 1 and self.lookup(items[0].strip()) is not None:
                items = split_args(self._value_of(items[0], depth, budget))
            index = _integer(args[0])
            if not 0 <= index < len(items):
                raise MacroError(f"$CHOICE index {index} is outside the list of {len(items)}")
            return items[index].strip()
        if func == "RANDOM_CHOICE":
            items = [a.strip() for a in split_args(body)]
            return self._rng(body).choice(items)
        if func == "RANDOM_INTEGER":
            bounds = [_integer(a) for a in split_args(body)]
            if len(bounds) not in (2, 3) or bounds[0] > bounds[1] or min(bounds[2:] or [1]) <= 0:
                raise MacroError("$RANDOM_INTEGER(min, max[, step]) needs min <= max, step > 0")
            step = bounds[2] if len(bounds) == 3 else 1
            return str(self._rng(body).randrange(bounds[0], bounds[1] + 1, step))
        if func == "DIRNAME":
            return _path_function("p", self._value_of(body, depth, budget))
        if func == "BASENAME":
            return _path_function("nx", self._value_of(body, depth, budget))
        return _path_function(func[1:], self._value_of(body, depth, budget))

    def _rng(self, body: str) -> random.Random:
        return random.Random(f"{self.seed}\0{body}")


@dataclass
class _ConfigDialect:
    """The configuration language for the scanner: the known function macros, their bodies
    expanded before the call and taken to the matching `)`; every substitution on the budget."""

    expander: Expander
    budget: Budget

    def reference(self, body: str, depth: int) -> str:
        return self.expander._reference(body, depth, self.budget)

    def is_function(self, name: str) -> bool:
        return name in _FUNCTIONS or (name[0] == "F" and set(name[1:]) <= _PATH_FLAGS)

    def function_end(self, name: str, text: str, start: int) -> int:
        return close_paren(text, start)

    def function(self, name: str, body: str, depth: int) -> str:
        expanded = self.expander._expand(body, depth + 1, self.budget)
        return self.expander._function(name, expanded, depth, self.budget)

    def produced(self, piece: str, size: int) -> None:
        self.budget.spend(len(piece))

    def failure(self, message: str) -> Exception:
        return MacroError(message)

    def keeps_unterminated(self) -> bool:
        return False

    def rescans_functions(self) -> bool:
        return False


def close_paren(text: str, start: int) -> int:
    """The index just past the ')' that closes a '(' opened before `start`, or -1."""
    level = 1
    for k in range(start, len(text)):
        ch = text[k]
        if ch == "(":
            level += 1
        elif ch == ")":
            level -= 1
            if level == 0:
                return k + 1
    return -1


def _top_level(text: str, sep: str) -> int:
    level = 0
    for k, ch in enumerate(text):
        if ch == "(":
            level += 1
        elif ch == ")":
            level -= 1
        elif ch == sep and level == 0:
            return k
    return -1


def split_args(text: str) -> list[str]:
    args, level, start = [], 0, 0
    for k, ch in enumerate(text):
        if ch == "(":
            level += 1
        elif ch == ")":
            level -= 1
        elif ch == "," and level == 0:
            args.append(text[start:k])
            start = k + 1
    args.append(text[start:])
    return args


def _integer(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise MacroError(f"expected an integer, got {text.strip()!r}") from None


def _substr(text: str, start: int, length: int | None) -> str:
    if start < 0:
        start = max(0, len(text) + start)
    rest = text[start:]
    if length is None:
        return rest
    return rest[:length] if length >= 0 else rest[:max(0, len(rest) + length)]


def _convert(func: str, text: str, fmt: str | None) -> str:
    """$INT/$REAL/$STRING/$EVAL: evaluate `text` as a ClassAd expression and format it."""
    from negotiator import ads
    from negotiator.errors import NegotiatorError

    try:
        value = ads.evaluate(ads.parse_expression(text), None, None)
    except NegotiatorError as exc:
        raise MacroError(f"${func}({text}): {exc.message}") from None
    if func == "EVAL":
        return value if isinstance(value, str) else ads.unparse_value(value)
    if func == "STRING":
        if not isinstance(value, str):
            raise MacroError(f"$STRING({text}) is not a string")
        return _printf(fmt or "%s", value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MacroError(f"${func}({text}) is not a number")
    if func == "INT":
        if not math.isfinite(value):
            raise MacroError(f"$INT({text}) is not finite")
        return _printf(fmt or "%d", int(value))
    return _printf(fmt or "%16G", float(value))


def _printf(fmt: str, value: object) -> str:
    try:
        return fmt % value
    except (TypeError, ValueError, OverflowError):
        raise MacroError(f"bad format {fmt!r}") from None


def _path_function(letters: str, path: str) -> str:
    """$F[fpduwnxbqa]: parts of a file name, as HTCondor's path functions give them."""
    if "f" in letters and path and not posixpath.isabs(path):
        path = posixpath.join(os.getcwd(), path)
    if "w" in letters:
        path = path.replace("/", "\\")
    elif "u" in letters:
        path = path.replace("\\", "/")
    sep = "\\" if "w" in letters else "/"
    norm = path.replace("\\", "/")
    directory, _, filename = norm.rpartition("/")
    stem, dot, ext = filename.rpartition(".")
    if not dot:
        stem, ext = filename, ""
    parts: list[str] = []
    if "p" in letters and _:
        parts.append(directory.replace("/", sep) + sep)
    elif "d" in letters and _:
        last = directory.rpartition("/")[2]
        parts.append(last if "b" in letters else last + sep)
    if "n" in letters:
        parts.append(stem)
    if "x" in letters and dot:
        parts.append(ext if "b" in letters and "n" not in letters else "." + ext)
    if not {"p", "d", "n", "x"} & set(letters):
        parts.append(path)
    result = "".join(parts)
    if "q" in letters:
        quote = "'" if "a" in letters else '"'
        result = f"{quote}{result}{quote}"
    return result


def truth(text: str) -> bool | None:
    """A simple boolean as `if` and the knob readers take it: true/yes/1, false/no/0, or None."""
    word = text.strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS or word == "":
        return False
    try:
        return float(word) != 0
    except ValueError:
        return None
