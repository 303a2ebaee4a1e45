"""HTCondor's macro language: `$(NAME)`, `$(NAME:default)`, `$ENV()`, `$INT()`, `$F...()` and the
other function macros, expanded within a budget (depth, substitutions, output size).

The same language is read in configuration files and in submit description files; the caller
says how a name is looked up (and so which names exist).
"""

from __future__ import annotations

import math
import os
import posixpath
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

#: limits for one top-level expansion; past them the expansion is an error, never a hang
MAX_DEPTH = 32
MAX_SUBSTITUTIONS = 100_000
MAX_OUTPUT = 1 << 20  # characters

_FUNCTION = re.compile(
    r"\$(ENV|INT|REAL|STRING|EVAL|SUBSTR|CHOICE|RANDOM_CHOICE|RANDOM_INTEGER|DIRNAME|BASENAME"
    r"|F[fpduwnxbqa]*)\("
)
_TRUE_WORDS = {"true", "yes", "t", "y"}
_FALSE_WORDS = {"false", "no", "f", "n"}


class MacroError(ValueError):
    """A macro that cannot be expanded: unknown function use, bad argument, budget exhausted."""


Lookup = Callable[[str], "str | None"]


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

    # -- the scanner ---------------------------------------------------------------------
    def _expand(self, text: str, depth: int, budget: Budget) -> str:
        if "$" not in text:
            return text
        if depth > MAX_DEPTH:
            raise MacroError(f"macro expansion does not terminate: deeper than {MAX_DEPTH} levels (a recursive $(...)?)")
        out: list[str] = []
        i, n = 0, len(text)
        while i < n:
            j = text.find("$", i)
            if j < 0:
                out.append(text[i:])
                break
            out.append(text[i:j])
            if text.startswith("$$(", j):  # match-time $$(attr): not ours to expand
                end = close_paren(text, j + 3)
                out.append(text[j:end])
                i = end
                continue
            if text.startswith("$(", j):
                end = close_paren(text, j + 2)
                if end < 0:
                    raise MacroError(f"unterminated $( in {text!r}")
                value = self._reference(text[j + 2:end - 1], depth, budget)
                budget.spend(len(value))
                out.append(value)
                i = end
                continue
            func = _FUNCTION.match(text, j)
            if func is not None:
                end = close_paren(text, func.end())
                if end < 0:
                    raise MacroError(f"unterminated ${func.group(1)}( in {text!r}")
                body = self._expand(text[func.end():end - 1], depth + 1, budget)
                value = self._function(func.group(1), body, depth, budget)
                budget.spend(len(value))
                out.append(value)
                i = end
                continue
            out.append("$")
            i = j + 1
        return "".join(out)

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
