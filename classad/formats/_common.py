"""Shared helpers for the ad file formats: positions, error collection, literal fast paths."""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from typing import Literal as TLiteral

from classad import ast
from classad.errors import ClassAdSyntaxError, caret_snippet
from classad.parser import RESERVED_WORDS, parse_expr
from classad.values import ERROR, INT64_MAX, UNDEFINED

ErrorMode = TLiteral["raise", "collect"]


class ClassAdSyntaxErrors(ClassAdSyntaxError):
    """Several syntax errors found in one input (errors="collect"); the first gives the place.

    `errors` lists every error in file order; `ads` holds the ads that parsed cleanly.
    """

    def __init__(self, errors: Sequence[ClassAdSyntaxError], ads: Sequence[object] = ()) -> None:
        self.errors = list(errors)
        self.ads = list(ads)
        first = self.errors[0]
        super().__init__(f"{len(self.errors)} syntax error(s); first: {first.message}",
                         line=first.line, column=first.column, source=first.source,
                         snippet=first.snippet)

    def __str__(self) -> str:
        head = f"{self.source}: {len(self.errors)} syntax error(s)"
        return "\n".join([head, *(str(e) for e in self.errors)])


class LineIndex:
    """Offsets in a text -> 1-based (line, column), built once in linear time."""

    __slots__ = ("_starts", "source", "text")

    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self._starts: list[int] | None = None

    @property
    def starts(self) -> list[int]:
        """The offset of each line's start, found on first use (a file without errors
        never needs them)."""
        if self._starts is None:
            self._starts = [0]
            self._starts.extend(m.end() for m in re.finditer("\n", self.text))
        return self._starts

    def linecol(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    def offset(self, line: int, column: int) -> int:
        line = max(1, min(line, len(self.starts)))
        return self.starts[line - 1] + column - 1

    def error(self, message: str, offset: int) -> ClassAdSyntaxError:
        """An error at `offset`, with the file's line shown under a caret."""
        offset = max(0, min(offset, len(self.text)))
        line, col = self.linecol(offset)
        start = self.starts[line - 1]
        end = self.text.find("\n", start)
        src = self.text[start:] if end < 0 else self.text[start:end]
        return ClassAdSyntaxError(message, line=line, column=col, source=self.source,
                                  snippet=caret_snippet(src.rstrip("\r"), 1, col))

    def relocate(self, err: ClassAdSyntaxError, sub: str, sub_offset: int,
                 to_original: Callable[[int], int] | None = None) -> ClassAdSyntaxError:
        """Move an error raised on the substring `sub` (found at `sub_offset`) into the file."""
        local = LineIndex(sub, "").offset(err.line, err.column) if "\n" in sub else err.column - 1
        local = max(0, min(local, len(sub)))
        if to_original is not None:
            local = to_original(local)
        return self.error(err.message, sub_offset + local)


class Errors:
    """Raise at once (mode "raise") or gather (mode "collect") the errors of one input."""

    __slots__ = ("items", "mode")

    def __init__(self, mode: ErrorMode) -> None:
        if mode not in ("raise", "collect"):
            raise ValueError(f"errors must be 'raise' or 'collect', not {mode!r}")
        self.mode = mode
        self.items: list[ClassAdSyntaxError] = []

    def add(self, err: ClassAdSyntaxError) -> None:
        if self.mode == "raise":
            raise err
        self.items.append(err)

    def finish(self, ads: Sequence[object] = ()) -> None:
        if self.items:
            raise ClassAdSyntaxErrors(self.items, ads)


_INT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})\Z")
_SIMPLE_STRING = re.compile(r'"[^"\\\x00]*"\Z')
_REAL = re.compile(r"-?[0-9]+\.[0-9]+(?:[eE][+-]?[0-9]+)?\Z")
_KEYWORDS: dict[str, ast.Literal] = {
    "true": ast.Literal(True), "false": ast.Literal(False),
    "undefined": ast.Literal(UNDEFINED), "error": ast.Literal(ERROR),
}


def fast_literal(text: str) -> ast.Expr | None:
    """The expression for a plain literal (int, simple string, keyword), without the parser."""
    if not text:
        return None
    c = text[0]
    if c == '"':
        if _SIMPLE_STRING.match(text):
            return ast.literal(text[1:-1])
        return None
    if c.isdigit() or c == "-":
        if _INT.match(text):
            value = int(text)
            if -INT64_MAX <= value <= INT64_MAX:
                return ast.literal(value)
        elif _REAL.match(text):
            return ast.Literal(float(text))
        return None
    return _KEYWORDS.get(text.lower())


#: literal nodes by their text: the values of a pool's ads repeat, and nodes are immutable
_LITERALS: dict[str, ast.Expr] = {}
_LITERALS_MAX = 200_000

#: the text of a literal that `literal_node` reads (a regular-expression fragment)
LITERAL_PATTERN = (r'"[^"\\\n\x00]*"|-?(?:0|[1-9][0-9]{0,17})(?![0-9.eE])'
                   r'|-?[0-9]+\.[0-9]+(?:[eE][+-]?[0-9]+)?|(?i:true|false|undefined|error)(?![A-Za-z0-9_])')


def literal_node(raw: str) -> ast.Expr | None:
    """`fast_literal`, remembered by text."""
    node = _LITERALS.get(raw)
    if node is None:
        node = fast_literal(raw)
        if node is not None and len(_LITERALS) < _LITERALS_MAX:
            _LITERALS[raw] = node
    return node


#: `plain_attribute` by the whole text of the match: most lines of a pool's ads repeat
PLAIN_SEEN: dict[str, tuple[str, ast.Expr]] = {}
_PLAIN_SEEN_MAX = 200_000


def plain_attribute(m: re.Match[str]) -> tuple[str, ast.Expr] | None:
    """(name, literal) from a match of `name = literal` (groups 1 and 2); None when the name
    is a reserved word or the literal is not one `literal_node` reads. Remembered in
    PLAIN_SEEN by the match's text."""
    whole = m.group()
    found = PLAIN_SEEN.get(whole)
    if found is not None:
        return found
    name, raw = m.group(1, 2)
    node = literal_node(raw)
    if node is None or name.lower() in RESERVED_WORDS:
        return None
    found = (name, node)
    if len(PLAIN_SEEN) < _PLAIN_SEEN_MAX:
        PLAIN_SEEN[whole] = found
    return found


def transform(node: ast.Expr, fn: Callable[[ast.Expr], ast.Expr]) -> ast.Expr:
    """Rebuild a tree bottom-up through `fn`; untouched subtrees are shared, not copied.
    Walks with an explicit stack, so a chain of thousands of operators is no problem."""
    done: dict[int, ast.Expr] = {}
    stack: list[ast.Expr] = [node]
    while stack:
        cur = stack[-1]
        if id(cur) in done:
            stack.pop()
            continue
        kids = ast.children(cur)
        pending = [k for k in kids if id(k) not in done]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        new = tuple(done[id(k)] for k in kids)
        rebuilt = cur
        if any(a is not b for a, b in zip(kids, new, strict=True)):
            rebuilt = ast.with_children(cur, new)
        done[id(cur)] = fn(rebuilt)
    return done[id(node)]


_SPECIAL_REALS = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}


def _fold_special_real(node: ast.Expr) -> ast.Expr:
    """`real("INF")`, `real("-INF")` and `real("NaN")`, as the writers spell them, as literals."""
    if type(node) is ast.Call and node.key == "real" and len(node.args) == 1:
        arg = node.args[0]
        if type(arg) is ast.Literal and type(arg.value) is str:
            value = _SPECIAL_REALS.get(arg.value.lower())
            if value is not None:
                return ast.Literal(value)
    return node


def parse_value(text: str, index: LineIndex, offset: int,
                to_original: Callable[[int], int] | None = None) -> ast.Expr:
    """Parse an attribute's value text found at `offset` of the file; errors name the file."""
    stripped = text.strip()
    node = fast_literal(stripped)
    if node is not None:
        return node
    if stripped and stripped != text:  # share the parser's cache across layouts
        lead = len(text) - len(text.lstrip())
        if to_original is None or lead == 0:
            text, offset = stripped, offset + lead
    try:
        node = parse_expr(text, source=index.source)
    except ClassAdSyntaxError as err:
        raise index.relocate(err, text, offset, to_original) from None
    if "real(" in text or "REAL(" in text.upper():
        node = transform(node, _fold_special_real)
    return node


def format_real_short(x: float) -> str:
    """Old-style/JSON real text: `%.16G` with `.0` added when it looks integral; lossless."""
    text = f"{x:.16G}"
    if float(text) != x:
        text = f"{x:.17G}"
    if "." not in text and "E" not in text and "N" not in text and "I" not in text:
        text += ".0"
    return text


def format_real_long(x: float) -> str:
    """New-style real text `d.dddE+XX` as the one-line unparser writes it, made lossless."""
    text = f"{x:.15E}"
    return text if float(text) == x else f"{x:.16E}"


def is_finite(x: float) -> bool:
    return not (math.isinf(x) or math.isnan(x))
