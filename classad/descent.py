"""Text -> AST by recursive descent over one regular-expression pass: classad.parser's fast path.

grammar/classad.lark stays the definition of the language. This parser takes the common part
of it (no comments, nesting up to `MAX_NESTING`, literals in their plain spellings) and builds
exactly the tree the grammar's callbacks build; on anything else it raises `Refused`, and the
text goes to the LALR driver and lark, which accept it or place the error. It is written by
hand because a table-driven parser in Python pays a call and a table lookup per reduction
(a dozen precedence levels per operand): this one pays about two calls per operand.
tests/test_descent.py checks that it agrees with lark on the conformance corpus and on random
and mutated texts, and that every text it refuses is one lark refuses or one outside that part.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from classad import ast
from classad.literals import RESERVED_WORDS, Reject, fold_time_literal, int_value, negative_number
from classad.literals import unescape as _unescape
from classad.values import ERROR, UNDEFINED

#: deepest nesting of expression slots (parentheses, arguments, branches, ...) taken here;
#: deeper texts go to the LALR driver, which does not recurse
MAX_NESTING = 40


class Refused(Exception):
    """The text is outside the part of the language this parser takes, or is not a ClassAd
    expression: the caller parses it with the LALR tables instead."""


# One token per match, after any whitespace: a string, a quoted name, a name, a number (with
# a minus glued to it: NEG_NUMBER where an operand is expected, else an operator and a
# number), an elvis `?:` (whitespace inside, as the grammar's ELVIS), a two- or three-character
# operator, a comment opener (refused), or any other single character. A number is taken as a
# run of the characters that may continue one (an exponent's sign included) and checked whole
# afterwards, so `1.5.x`, `0x1F` or `12abc` are refused rather than split differently.
_TOKEN = re.compile(r"""[ \t\f\r\n]*+(
    [A-Za-z_]\w*
  | =[?!]= | [=!<>]= | >>>? | << | && | \|\| | \.\. | /[/*]
  | "[^"\\]*(?:\\.[^"\\]*)*"
  | '[^'\\]*(?:\\.[^'\\]*)*'
  | -?\.?[0-9](?:[0-9A-Za-z_.]|(?<=[eE])[+-])*
  | \?[ \t\r\n]*:
  | .
)""", re.S | re.X | re.A)
#: follows the last token (no token is a space: whitespace is skipped)
_END = " "
#: the grammar's REAL, without the `5.` and `5.e3` spellings its callback rejects
_REAL = re.compile(r"[0-9]+\.[0-9]+(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?"
                   r"|[0-9]+[eE][+-]?[0-9]+")


def _spellings(word: str) -> set[str]:
    """Every ASCII case spelling of a keyword (keywords are case-insensitive, ASCII only)."""
    return {"".join(p) for p in itertools.product(*({c.lower(), c.upper()} for c in word))}


_RESERVED = frozenset(s for word in RESERVED_WORDS for s in _spellings(word))
#: the spellings of the reserved words: (value,) for the keyword literals, else _NOT_A_NAME
_NOT_A_NAME = ()
_WORDS: dict[str, tuple[Any, ...]] = {s: _NOT_A_NAME for s in _RESERVED}
_WORDS.update((s, (value,)) for word, value in (
    ("true", True), ("false", False), ("undefined", UNDEFINED), ("error", ERROR))
    for s in _spellings(word))
_NAME_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_DIGITS = frozenset("0123456789")
_UNARY = frozenset("-+!~")

# binding strength of the binary operators, loosest first, and the operator the tree keeps
_LOR, _LAND, _BOR, _BXOR, _BAND, _EQ, _REL, _SHIFT, _ADD, _MUL = range(1, 11)
_BINARY: dict[str, tuple[int, str]] = {
    "||": (_LOR, "||"), "&&": (_LAND, "&&"), "|": (_BOR, "|"), "^": (_BXOR, "^"),
    "&": (_BAND, "&"),
    **{op: (_EQ, op) for op in ("==", "!=", "=?=", "=!=")},
    **{s: (_EQ, "=?=") for s in _spellings("is")},
    **{s: (_EQ, "=!=") for s in _spellings("isnt")},
    **{op: (_REL, op) for op in ("<", "<=", ">", ">=")},
    **{op: (_SHIFT, op) for op in ("<<", ">>", ">>>")},
    **{op: (_ADD, op) for op in ("+", "-")},
    **{op: (_MUL, op) for op in ("*", "/", "%")},
}


def parse(text: str) -> tuple[ast.Expr, int]:
    """The tree of the expression `text` and a bound on its depth (its token count), or
    Refused."""
    toks: list[str] = _TOKEN.findall(text)
    n = len(toks)
    toks.append(_END)
    try:
        node, i = _expr(toks, 0, 0)
    except (Reject, IndexError, RecursionError):
        raise Refused from None
    if i != n:
        raise Refused
    return node, n + 1


def _expr(toks: list[str], i: int, depth: int) -> tuple[ast.Expr, int]:
    """An expression slot: `lor`, or `lor ? expr : expr`."""
    if depth > MAX_NESTING:
        raise Refused
    node, i = _operand(toks, i, depth, True)
    node, i = _climb(toks, i, node, _LOR, depth)
    if toks[i] != "?":
        return node, i
    then, i = _expr(toks, i + 1, depth + 1)
    if toks[i] != ":":
        raise Refused
    orelse, i = _expr(toks, i + 1, depth + 1)
    return ast.Cond(node, then, orelse), i


def _climb(toks: list[str], i: int, left: ast.Expr, weakest: int,
           depth: int) -> tuple[ast.Expr, int]:
    """`left` and what follows it joined by binary operators binding at least as tightly as
    `weakest` (each level left-associative), by precedence climbing."""
    tok = toks[i]
    found = _BINARY.get(tok)
    while True:
        if found is None:
            if tok[0] != "-" or weakest > _ADD:
                return left, i
            # a minus glued to a number after an operand: `-`, then the number
            toks[i] = tok[1:]
            strength, op = _ADD, "-"
        else:
            strength, op = found
            if strength < weakest:
                return left, i
            i += 1
        right, i = _operand(toks, i, depth, True)
        # the operators after `right` that bind more tightly than `op` take it first
        tok = toks[i]
        found = _BINARY.get(tok)
        if found is not None and found[0] > strength or (
                found is None and tok[0] == "-" and strength < _ADD):
            right, i = _climb(toks, i, right, strength + 1, depth)
            tok = toks[i]
            found = _BINARY.get(tok)
        left = ast.Binary(op, left, right)


def _operand(toks: list[str], i: int, depth: int, full: bool) -> tuple[ast.Expr, int]:
    """`unary` (prefix operators, then `?:` links of selections), or with `full` False only a
    `select` (a primary, then `.name` and `[index]` postfixes: an elvis's right operand)."""
    tok = toks[i]
    c = tok[0]
    node: ast.Expr
    if c in _NAME_START:
        word = _WORDS.get(tok)
        if word is not None:
            if word is _NOT_A_NAME:  # `is`, `isnt` (`is(1)` is a call: left to lark)
                raise Refused
            node = ast.Literal(word[0])
            i += 1
        elif toks[i + 1] == "(":
            node, i = _call(toks, i, depth)
        else:
            node = ast.AttrRef(tok)
            i += 1
    elif c == "(":
        inner, i = _expr(toks, i + 1, depth + 1)
        if toks[i] != ")":
            raise Refused
        node = ast.Paren(inner)
        i += 1
    elif c == '"' and len(tok) > 1:  # (a lone `"` opens a string that does not end)
        if "\\" in tok or toks[i + 1][0] == '"':
            node, i = _string(toks, i)
        else:
            node = ast.Literal(tok[1:-1])
            i += 1
    elif c in _DIGITS or c == "." and tok != "." and tok != "..":
        node = _number(tok)
        i += 1
    elif tok in _UNARY:
        if not full or depth > MAX_NESTING:
            raise Refused
        operand, i = _operand(toks, i + 1, depth + 1, True)
        return ast.Unary(tok, operand), i
    elif c == "-":  # a minus glued to a number: NEG_NUMBER
        body = tok[1:]
        if not (body.isdigit() and (body[0] != "0" or len(body) == 1)) and (
                _REAL.fullmatch(body) is None):
            raise Refused
        node = negative_number(body, None)
        i += 1
    elif c == "'":
        name, i = _quoted_name(toks, i)
        node = ast.AttrRef(name)
    elif tok == "." or tok == "..":
        name, i = _name(toks, i + 1)
        node = ast.AttrRef(name, True)
    elif c == "{":
        items, i = _items(toks, i + 1, "}", depth)
        node = ast.ListExpr(items)
    elif c == "[":
        node, i = _record(toks, i + 1, depth)
    else:
        raise Refused
    while True:
        tok = toks[i]
        c = tok[0]
        if c not in ".[?":
            return node, i
        if tok == "." or tok == "..":
            name = toks[i + 1]
            if name[0] in _NAME_START and name not in _RESERVED:
                i += 2
            else:
                name, i = _name(toks, i + 1)
            node = ast.Select(node, name)
        elif tok == "[":
            index, i = _expr(toks, i + 1, depth + 1)
            if toks[i] != "]":
                raise Refused
            node = ast.Subscript(node, index)
            i += 1
        elif full and c == "?" and tok != "?":  # an elvis: its right operand a select
            right, i = _operand(toks, i + 1, depth, False)
            node = ast.Elvis(node, right)
        else:
            return node, i


def _number(tok: str) -> ast.Literal:
    """An INT (no leading zero) or a REAL, in the spellings lark takes as one token."""
    if tok.isdigit():
        if tok[0] == "0" and len(tok) > 1:
            raise Refused
        return ast.Literal(int(tok) if len(tok) < 19 else int_value(tok))
    if _REAL.fullmatch(tok) is None:
        raise Refused
    return ast.Literal(float(tok))


def _string(toks: list[str], i: int) -> tuple[ast.Literal, int]:
    """A run of strings, joined."""
    parts = [_unescape(toks[i][1:-1])]
    i += 1
    tok = toks[i]
    while tok[0] == '"' and len(tok) > 1:
        parts.append(_unescape(tok[1:-1]))
        i += 1
        tok = toks[i]
    return ast.Literal("".join(parts)), i


def _quoted_name(toks: list[str], i: int) -> tuple[str, int]:
    """A run of quoted names, joined into one attribute name."""
    parts = []
    tok = toks[i]
    while tok[0] == "'" and len(tok) > 1:  # (a lone `'` opens a name that does not end)
        parts.append(_unescape(tok[1:-1]))
        i += 1
        tok = toks[i]
    if not parts:
        raise Refused
    return "".join(parts), i


def _name(toks: list[str], i: int) -> tuple[str, int]:
    """An attribute name: a NAME that is not a reserved word, or quoted names."""
    tok = toks[i]
    if tok[0] in _NAME_START:
        if tok in _RESERVED:
            raise Refused
        return tok, i + 1
    if tok[0] == "'":
        return _quoted_name(toks, i)
    raise Refused


def _items(toks: list[str], i: int, close: str, depth: int) -> tuple[tuple[ast.Expr, ...], int]:
    """`[expr ("," expr)*]` up to and past the `close` token."""
    if toks[i] == close:
        return (), i + 1
    items = []
    while True:
        item, i = _expr(toks, i, depth + 1)
        items.append(item)
        tok = toks[i]
        if tok == close:
            return tuple(items), i + 1
        if tok != ",":
            raise Refused
        i += 1


def _call(toks: list[str], i: int, depth: int) -> tuple[ast.Expr, int]:
    """`name(args)` (toks[i] is the name, toks[i + 1] the parenthesis)."""
    name = toks[i]
    args, i = _items(toks, i + 2, ")", depth)
    folded = fold_time_literal(name, args, None)
    return (folded if folded is not None else ast.Call(name, args)), i


def _record(toks: list[str], i: int, depth: int) -> tuple[ast.RecordExpr, int]:
    """A nested ad after its `[`: definitions separated (and maybe led, if there is one, or
    ended) by runs of `;`."""
    led = toks[i] == ";"
    while toks[i] == ";":
        i += 1
    names: list[str] = []
    exprs: list[ast.Expr] = []
    if toks[i] == "]":
        if led:
            raise Refused  # `[;]` is not an ad
        return ast.RecordExpr((), ()), i + 1
    while True:
        name, i = _name(toks, i)
        if toks[i] != "=":
            raise Refused
        value, i = _expr(toks, i + 1, depth + 1)
        names.append(name)
        exprs.append(value)
        if toks[i] == "]":
            break
        if toks[i] != ";":
            raise Refused
        while toks[i] == ";":
            i += 1
        if toks[i] == "]":
            break
    return ast.RecordExpr(tuple(names), tuple(exprs)), i + 1
