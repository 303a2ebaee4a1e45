"""A lean driver for the LALR tables lark builds from grammar/classad.lark (no lark import).

lark's own LALR loop is general: every token becomes a `Token` with line and column
bookkeeping, and every reduction, even the dozen chain rules (`?lor: land`, ...) that a
single operand climbs through, costs a call and a hash of a `Rule` object. This driver runs
the same tables, the same contextual-lexer regular expressions and the same reduction
callbacks (the `_ToAst` transformer), keyed by plain ints and strings, so a typical
Requirements text parses several times faster. It only handles the good path: any input it
cannot accept raises `Refused`, and the caller parses that text again with lark, which
produces the positioned error. Token values reach the callbacks as plain `str` slices.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

END = "$END"


class Refused(Exception):
    """The input is not accepted on the fast path (a syntax error, or an unexpected case)."""


@dataclass(frozen=True, slots=True)
class LexState:
    """The contextual lexer of one parser state: the terminals acceptable there."""

    #: skips ignored text (whitespace, comments), then matches one token or nothing
    pattern: re.Pattern[str]
    #: terminal name -> a full-match pattern whose group names retype a match (keywords)
    retype: Mapping[str, re.Pattern[str]]
    ignore: frozenset[str]


@dataclass(frozen=True, slots=True)
class Rule:
    """One reduction: pop `size` values, push `callback(values)` under goto(`origin`)."""

    size: int
    origin: str
    callback: Callable[[list[Any]], Any]
    #: a chain rule `?a: b` whose callback hands its one child back unchanged
    unit: bool


@dataclass(frozen=True, slots=True)
class Tables:
    """Everything the driver needs, taken from lark once (see classad.parser)."""

    #: state -> {symbol: code}; code >= 0 shifts to (or, for a nonterminal, goes to) that
    #: state, code < 0 reduces by rules[~code]
    actions: Sequence[Mapping[str, int]]
    lexers: Sequence[LexState]
    rules: Sequence[Rule]
    start: Mapping[str, int]
    end: Mapping[str, int]
    #: (state below, state, token) -> the state after the chain rules that token triggers;
    #: filled as texts are parsed, bounded by states x states x terminals
    chains: dict[tuple[int, int, str], int]


def parse(tables: Tables, text: str, start: str) -> tuple[Any, int]:
    """The value the callbacks build for `text` and how many callbacks built it (a bound on
    the depth of the tree), or Refused."""
    actions, lexers, rules, chains = tables.actions, tables.lexers, tables.rules, tables.chains
    built = 0
    state = tables.start[start]
    end_state = tables.end[start]
    states = [state]
    values: list[Any] = []
    pos, n = 0, len(text)
    while True:
        # the next token, lexed with the terminals this state accepts
        lexer = lexers[state]
        m = lexer.pattern.match(text, pos)
        if m is None:
            raise Refused
        group = m.lastgroup
        if group is None or group in lexer.ignore:
            if m.end() < n:
                raise Refused
            kind, value = END, ""
        else:
            kind = group
            pos = m.end()
            value = m.group(kind)
            retype = lexer.retype.get(kind)
            if retype is not None:
                km = retype.fullmatch(value)
                if km is not None and km.lastgroup is not None:
                    kind = km.lastgroup
        # reduce as long as the table says so, then shift the token
        while True:
            code = actions[state].get(kind)
            if code is None:
                raise Refused
            if code >= 0:
                if kind == END:
                    raise Refused  # lark never shifts the end marker
                states.append(code)
                values.append(value)
                state = code
                break
            rule = rules[~code]
            if rule.unit:
                key = (states[-2], state, kind)
                state = chains.get(key, -1)
                if state < 0:
                    state = _chain(actions, rules, states[-2], key[1], kind)
                    chains[key] = state
                states[-1] = state
                continue
            size = rule.size
            if size:
                args = values[-size:]
                del values[-size:]
                del states[-size:]
            else:
                args = []
            values.append(rule.callback(args))
            built += 1
            state = actions[states[-1]][rule.origin]
            states.append(state)
            if kind == END and state == end_state:
                return values[-1], built
        if kind == END:
            raise Refused


def _chain(actions: Sequence[Mapping[str, int]], rules: Sequence[Rule], below: int, state: int,
           kind: str) -> int:
    """Follow the chain rules `kind` triggers on top of `below`: the state they end in."""
    while True:
        code = actions[state].get(kind)
        if code is None or code >= 0 or not rules[~code].unit:
            return state
        state = actions[below][rules[~code].origin]
