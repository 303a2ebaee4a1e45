"""One parse serves every expression text that differs from another only in its integers.

Real job ads repeat a few Requirements shapes with different numbers in them
(`TARGET.Memory >= 2048`, `TARGET.Disk >= 123456`). `skeleton` puts a placeholder in place
of every decimal integer of a text; the parser parses the skeleton once, and `Shape` builds
the tree of each text from that parse by putting its own integer literals back, rebuilding
only the nodes above them. The placeholders are digit runs too, so the skeleton lexes and
parses exactly as the text does; a shape whose tree does not hold each placeholder exactly
once is not used (the text is then parsed as it is).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from classad import ast

#: placeholders are BASE, BASE + 1, ...: 19-digit integers that still fit in int64
BASE = 8_000_000_000_000_000_000
#: at most this many integers per text are replaced (then the text is parsed as it is)
MAX_HOLES = 4096

# Strings and quoted names are skipped whole (their digits are not literals); a comment
# gives up (rare in expressions, and its text could hide anything); a run of digits, letters
# and dots that does not continue a name or a number is a number's text.
_SCAN = re.compile(
    r""""[^"\\]*(?:\\.[^"\\]*)*"|'[^'\\]*(?:\\.[^'\\]*)*'|/[/*]"""
    r"|(?<![A-Za-z0-9_.])[0-9][0-9A-Za-z_.]*",
    re.S,
)


def skeleton(text: str) -> tuple[str, list[str]] | None:
    """The text with each plain decimal integer (`[1-9][0-9]*`, not part of a real, a hex
    number, a name or a string) replaced by a placeholder, and those integers' digits in
    order; None when the text has none (or has a comment)."""
    digits: list[str] = []
    parts: list[str] = []
    last = 0
    for m in _SCAN.finditer(text):
        tok = m.group()
        c = tok[0]
        if c == '"' or c == "'":
            continue
        if c == "/":
            return None
        if c == "0" or not tok.isdigit():
            continue  # 0, 007, 1.5, 1e5, 0x1F, 12abc: kept as they are
        if len(digits) >= MAX_HOLES:
            return None
        parts.append(text[last:m.start()])
        parts.append(str(BASE + len(digits)))
        digits.append(tok)
        last = m.end()
    if not digits:
        return None
    parts.append(text[last:])
    return "".join(parts), digits


#: a step of the rebuild: a node whose children change, and its children, each a node kept
#: as it is or the index of an earlier result (the placeholders' literals come first)
_Step = tuple[ast.Expr, tuple[ast.Expr | int, ...]]


class Shape:
    """The parse of a skeleton, ready to take each text's integers back."""

    __slots__ = ("root_index", "signs", "steps")

    def __init__(self, signs: list[int], steps: list[_Step], root_index: int) -> None:
        #: +1 or -1 for each placeholder: a plain literal, or part of a negative literal
        self.signs = signs
        self.steps = steps
        self.root_index = root_index

    @classmethod
    def of(cls, tree: ast.Expr, holes: int) -> Shape | None:
        """The shape of a skeleton's tree with `holes` placeholders; None unless each
        placeholder is found exactly once."""
        signs = [0] * holes
        index: dict[int, int] = {}  # id(node) -> its result index, for nodes that change
        steps: list[_Step] = []
        stack: list[tuple[ast.Expr, bool]] = [(tree, False)]
        while stack:
            node, expanded = stack.pop()
            if type(node) is ast.Literal:
                value = node.value
                if type(value) is int and BASE <= abs(value) < BASE + holes:
                    k = abs(value) - BASE
                    if signs[k] or id(node) in index:
                        return None  # a placeholder twice: not the text's shape
                    signs[k] = 1 if value > 0 else -1
                    index[id(node)] = k
                continue
            kids = ast.children(node)
            if not expanded:
                stack.append((node, True))
                stack.extend((kid, False) for kid in kids)
                continue
            if id(node) in index or not any(id(kid) in index for kid in kids):
                continue
            index[id(node)] = holes + len(steps)
            steps.append((node, tuple(index.get(id(kid), kid) for kid in kids)))
        if not all(signs) or id(tree) not in index:
            return None
        return cls(signs, steps, index[id(tree)])

    def build(self, digits: Sequence[str], literal: Callable[[str, int], ast.Expr]) -> ast.Expr:
        """The tree of the text whose integers are `digits`; `literal(digits, sign)` makes
        one literal node as the parser would."""
        built: list[ast.Expr] = [literal(d, s) for d, s in zip(digits, self.signs, strict=True)]
        for node, kids in self.steps:
            built.append(ast.with_children(node, tuple(
                built[k] if type(k) is int else k for k in kids)))  # type: ignore[misc]
        return built[self.root_index]
