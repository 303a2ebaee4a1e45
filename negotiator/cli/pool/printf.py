"""`-format FMT ATTR`: condor_q / condor_history / condor_status's printf-style output.

Each `-format` prints its attribute (or expression) through one printf conversion; an ad's
formats are printed one after another with no separator or newline of their own (`\\n` in FMT
is a newline). Conversions, as HTCondor's manual gives them: `%s` a string (a non-string
attribute prints as its expression), `%d %i %o %x %X %c` integers (reals truncated, booleans
0/1), `%f %e %g` reals, `%v` the value in its type's own form (strings unquoted), `%V` as -long
shows it (strings quoted), `%r` the expression unevaluated. When the value cannot be printed
with the conversion (an undefined attribute, a string for `%d`), that format prints nothing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from classad import parse_expr
from classad.ad import ClassAd
from classad.ast import Expr
from classad.errors import ClassAdError
from classad.evaluator import evaluate_expr
from classad.unparse import unparse, unparse_value

_CONVERSION = re.compile(r"%([-+ #0]*)(\d*)(?:\.(\d+))?([diouxXcsfeEgGvVr])")
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", "r": "\r", "a": "\a", "f": "\f", "v": "\v",
            '"': '"', "'": "'"}
_MAX_WIDTH = 4096  # a width or precision from the command line is not an allocation request


@dataclass(frozen=True)
class Format:
    before: str
    flags: str
    width: str
    precision: str | None
    letter: str
    after: str
    text: str
    tree: Expr


def escapes(text: str) -> str:
    r"""Backslash escapes (\n, \t, \\ ...) as HTCondor's tools read them in -format."""
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text)


def compile_format(fmt: str, attr: str) -> Format:
    """One -format: the text around its single conversion, and the parsed attribute."""
    try:
        tree = parse_expr(attr)
    except ClassAdError as exc:
        raise ValueError(f"-format argument '{attr}' is not a valid expression: {exc}") from None
    text = escapes(fmt).replace("%%", "\0")
    m = _CONVERSION.search(text)
    if m is None:
        return Format(text.replace("\0", "%"), "", "", None, "", "", attr, tree)
    for number in (m.group(2), m.group(3)):
        if number and int(number) > _MAX_WIDTH:
            raise ValueError(f"-format '{fmt}': width or precision over {_MAX_WIDTH}")
    before, after = text[:m.start()], text[m.end():]
    return Format(before.replace("\0", "%"), m.group(1), m.group(2), m.group(3), m.group(4),
                  after.replace("\0", "%"), attr, tree)


def _value(f: Format, ad: ClassAd) -> str | None:
    letter = f.letter
    stored = ad.lookup(f.text) if f.text.isidentifier() else None
    if letter == "r":
        return _apply(f, "s", unparse(stored if stored is not None else f.tree))
    value: Any = evaluate_expr(f.tree, ad, None)
    if letter in "vV":
        shown = value if type(value) is str and letter == "v" else unparse_value(value)
        return _apply(f, "s", shown)
    if letter == "s":
        if type(value) is str:
            return _apply(f, "s", value)
        return _apply(f, "s", unparse(stored)) if stored is not None else None
    if type(value) is bool:
        value = int(value)
    if type(value) not in (int, float) or (type(value) is float and not math.isfinite(value)
                                           and letter in "diouxXc"):
        return None
    if letter in "diouxXc":
        return _apply(f, letter, int(value))
    return _apply(f, letter, float(value))


def _apply(f: Format, letter: str, value: object) -> str | None:
    spec = f"%{f.flags}{f.width}{'.' + f.precision if f.precision is not None else ''}{letter}"
    try:
        return f.before + (spec % value) + f.after
    except (OverflowError, ValueError, TypeError):
        return None


def render(ads: list[ClassAd], formats: list[Format]) -> str:
    """Every ad through every format, concatenated (the formats carry their own newlines)."""
    out: list[str] = []
    for ad in ads:
        for f in formats:
            if not f.letter:
                out.append(f.before)
                continue
            text = _value(f, ad)
            if text is not None:
                out.append(text)
    return "".join(out)
