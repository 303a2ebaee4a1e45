"""One parse serves every expression text that differs from another only in its literals.

Real job ads repeat a few Requirements shapes with different numbers and strings in them
(`TARGET.Memory >= 2048`, `TARGET.Machine != "node12"`, `TARGET.LoadAvg < 0.5`). `skeleton`
puts a placeholder in place of every decimal integer, real and string of a text; the parser
parses the skeleton once, and `Shape` builds the tree of each text from that parse by putting
its own literals back, rebuilding only the nodes above them. Each placeholder is a token of the
same terminal as the text it stands for and starts with the same character class (digit, dot
or quote), and the scanner finds strings, quoted names and numbers left to right with the
lexer's own patterns, so the skeleton lexes and parses as the text does; a shape whose tree
does not hold each placeholder exactly once is not used (the text is then parsed as it is).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from classad import ast

#: integer placeholders are BASE, BASE + 1, ...: 19-digit integers that still fit in int64
BASE = 8_000_000_000_000_000_000
#: at most this many literals per text are replaced (then the text is parsed as it is)
MAX_HOLES = 4096

_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*"'
# Strings (a run of them joins into one literal) are holes; quoted names are skipped whole
# (their digits are not literals); a comment gives up (rare in expressions, and its text could
# hide anything); a run of digits, letters and dots (and an exponent's sign) that does not
# continue a name or a number is a number's text.
_SCAN = re.compile(
    rf"{_STRING}(?:[ \t\f\r\n]*{_STRING})*|'[^'\\]*(?:\\.[^'\\]*)*'|/[/*]"
    # (the test on the character before a number comes after its first one: every branch then
    # starts with a character set, which the regex engine scans for quickly)
    r"|(?:[0-9](?<![A-Za-z0-9_.].)|\.(?<![A-Za-z0-9_.].)[0-9])(?:[0-9A-Za-z_.]|(?<=[eE])[+-])*",
    re.S,
)
#: one string of a run
STRING = re.compile(_STRING, re.S)
#: the grammar's REAL terminal, whole, without the `5.` and `5.e3` forms the parser
#: rejects (as C++ does)
_REAL = re.compile(r"[0-9]+\.[0-9]+(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?"
                   r"|[0-9]+[eE][+-]?[0-9]+")


def placeholder(raw: str, k: int) -> str:
    """The text that stands for the literal `raw`, the k-th hole of a text."""
    c = raw[0]
    if c == '"':
        return f'"\x01{k}"'
    if raw.isdigit():
        return str(BASE + k)
    # reals: (k+1)e-300 from a digit, .(k+1)1e-300 from a dot (the 1 keeps them apart)
    return f"{k + 1}e-300" if c != "." else f".{k + 1}1e-300"


def placeholder_value(raw: str, k: int) -> int | float | str:
    """The literal value the parser gives `placeholder(raw, k)` (its magnitude, for numbers)."""
    c = raw[0]
    if c == '"':
        return f"\x01{k}"
    if raw.isdigit():
        return BASE + k
    return float(placeholder(raw, k))


def skeleton(text: str) -> tuple[str, list[str]] | None:
    """The text with each plain decimal integer (`[1-9][0-9]*`), real (the grammar's REAL) and
    run of strings replaced by a placeholder, and those literals' texts in order; None when
    the text has none (or has a comment). Integers with a leading zero, hex, `5.` and runs
    glued to names are kept as they are."""
    raws: list[str] = []
    parts: list[str] = []
    last = 0
    for m in _SCAN.finditer(text):
        tok = m.group()
        c = tok[0]
        if c == '"':
            hole = f'"\x01{len(raws)}"'
        elif c == "'":
            continue
        elif c == "/":
            return None
        elif tok.isdigit():
            if c == "0":
                continue  # 0, 007: kept as they are
            hole = str(BASE + len(raws))
        elif _REAL.fullmatch(tok) is None:
            continue  # 1., 1.e3, 0x1F, 12abc: kept as they are
        else:
            hole = placeholder(tok, len(raws))
        if len(raws) >= MAX_HOLES:
            return None
        parts.append(text[last:m.start()])
        parts.append(hole)
        raws.append(tok)
        last = m.end()
    if not raws:
        return None
    parts.append(text[last:])
    return "".join(parts), raws


#: a step of the rebuild: how to remake a node, the node, and where its new children are in
#: the list of results (which starts with the placeholders' literals, then the nodes kept)
_Step = tuple[Callable[[Any, tuple[ast.Expr, ...]], ast.Expr], ast.Expr,
              Callable[[list[ast.Expr]], tuple[ast.Expr, ...]]]


def _picker(where: tuple[int, ...]) -> Callable[[list[ast.Expr]], tuple[ast.Expr, ...]]:
    """A function taking the items at `where` out of a list, as a tuple."""
    if len(where) == 1:
        k = where[0]
        return lambda built: (built[k],)
    return itemgetter(*where)


class Shape:
    """The parse of a skeleton, ready to take each text's literals back."""

    __slots__ = ("kept", "root_index", "signs", "steps")

    def __init__(self, signs: list[int], kept: list[ast.Expr], steps: list[_Step],
                 root_index: int) -> None:
        #: +1 or -1 for each placeholder: a plain literal, or part of a negative literal
        self.signs = signs
        #: the unchanged children of the nodes that change
        self.kept = kept
        self.steps = steps
        self.root_index = root_index

    @classmethod
    def of(cls, tree: ast.Expr, raws: Sequence[str]) -> Shape | None:
        """The shape of the tree of `skeleton`'s text for the literals `raws`; None unless
        each placeholder is found exactly once, as a literal of its own type."""
        holes = len(raws)
        wanted = {(type(v), v): k for k, v in enumerate(
            placeholder_value(raw, k) for k, raw in enumerate(raws))}
        signs = [0] * holes
        index: dict[int, int] = {}  # id(node) -> its result index, for nodes that change
        changed: list[tuple[ast.Expr, tuple[ast.Expr | int, ...]]] = []
        stack: list[tuple[ast.Expr, bool]] = [(tree, False)]
        while stack:
            node, expanded = stack.pop()
            if type(node) is ast.Literal:
                value = node.value
                t = type(value)
                if t is int or t is float or t is str:
                    k = wanted.get((t, value if t is str or value >= 0 else -value), -1)
                    if k >= 0:
                        if signs[k] or id(node) in index:
                            return None  # a placeholder twice: not the text's shape
                        signs[k] = -1 if t is not str and value < 0 else 1
                        index[id(node)] = k
                continue
            kids = ast.children(node)
            if not expanded:
                if kids:
                    stack.append((node, True))
                    stack.extend((kid, False) for kid in kids)
                continue
            if id(node) in index or not any(id(kid) in index for kid in kids):
                continue
            index[id(node)] = -1 - len(changed)
            changed.append((node, tuple(index.get(id(kid), kid) for kid in kids)))
        if not all(signs) or id(tree) not in index:
            return None
        # results: the literals (0 .. holes-1), the nodes kept, then the changed nodes in order
        kept: list[ast.Expr] = []
        for _, spec in changed:
            kept += (kid for kid in spec if not isinstance(kid, int))
        first = holes + len(kept)

        def where(item: ast.Expr | int, kept_at: list[int]) -> int:
            if type(item) is not int:
                kept_at[0] += 1
                return holes + kept_at[0] - 1
            assert isinstance(item, int)
            return item if item >= 0 else first + (-1 - item)

        kept_at = [0]
        steps: list[_Step] = []
        for node, spec in changed:
            maker = ast.make_with_children(node)
            steps.append((maker, node, _picker(tuple(where(kid, kept_at) for kid in spec))))
        return cls(signs, kept, steps, first + (-1 - index[id(tree)]))

    def build(self, raws: Sequence[str], literal: Callable[[str, int], ast.Expr]) -> ast.Expr:
        """The tree of the text whose literals are `raws`; `literal(raw, sign)` makes one
        literal node as the parser would (or raises the parser's error)."""
        built = [literal(r, s) for r, s in zip(raws, self.signs, strict=True)]
        built += self.kept
        append = built.append
        for make, node, pick in self.steps:
            append(make(node, pick(built)))
        return built[self.root_index]
