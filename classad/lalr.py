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
from dataclasses import dataclass, field
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
    """Everything the driver needs, read once out of the Lark object (see classad.parser)."""

    #: state -> {symbol: code}; code >= 0 shifts to (or, for a nonterminal, goes to) that
    #: state, code < 0 reduces by rules[~code]
    actions: Sequence[Mapping[str, int]]
    lexers: Sequence[LexState]
    rules: Sequence[Rule]
    start: Mapping[str, int]
    end: Mapping[str, int]
    #: (state below, state, token) -> the state after the chain rules that token triggers;
    #: filled as texts are parsed, bounded by states x states x terminals
    chains: dict[tuple[int, int, str], int] = field(default_factory=dict)
    # the same, laid out for the driver's inner loop
    matchers: list[Callable[[str, int], re.Match[str] | None]] = field(init=False)
    retypes: list[dict[str, Callable[[str], re.Match[str] | None]] | None] = field(init=False)
    ignores: frozenset[str] = field(init=False)
    sizes: list[int] = field(init=False)
    origins: list[str] = field(init=False)
    callbacks: list[Callable[[list[Any]], Any]] = field(init=False)
    units: list[bool] = field(init=False)

    def __post_init__(self) -> None:
        put = object.__setattr__
        put(self, "matchers", [lx.pattern.match for lx in self.lexers])
        put(self, "retypes", [{k: p.fullmatch for k, p in lx.retype.items()} or None
                              for lx in self.lexers])
        put(self, "ignores", frozenset().union(*(lx.ignore for lx in self.lexers)))
        put(self, "sizes", [r.size for r in self.rules])
        put(self, "origins", [r.origin for r in self.rules])
        put(self, "callbacks", [r.callback for r in self.rules])
        put(self, "units", [r.unit for r in self.rules])


def parse(tables: Tables, text: str, start: str) -> tuple[Any, int]:
    """The value the callbacks build for `text` and how many callbacks built it (a bound on
    the depth of the tree), or Refused."""
    actions, chains = tables.actions, tables.chains
    matchers, retypes, ignores = tables.matchers, tables.retypes, tables.ignores
    sizes, origins, callbacks, units = tables.sizes, tables.origins, tables.callbacks, tables.units
    built = 0
    state = tables.start[start]
    end_state = tables.end[start]
    states = [state]
    values: list[Any] = []
    pos, n = 0, len(text)
    while True:
        # the next token, lexed with the terminals this state accepts
        m = matchers[state](text, pos)
        if m is None:
            raise Refused
        kind = m.lastgroup
        if kind is None or kind in ignores:
            if m.end() < n:
                raise Refused
            kind, value = END, ""
        else:
            pos = m.end()
            value = m.group(kind)
            retype = retypes[state]
            if retype is not None and kind in retype:
                km = retype[kind](value)
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
            rule = ~code
            if units[rule]:
                key = (states[-2], state, kind)
                state = chains.get(key, -1)
                if state < 0:
                    state = chains[key] = _chain(tables, key[0], key[1], kind)
                states[-1] = state
                continue
            size = sizes[rule]
            if size:
                args = values[-size:]
                del values[-size:]
                del states[-size:]
            else:
                args = []
            values.append(callbacks[rule](args))
            built += 1
            state = actions[states[-1]][origins[rule]]
            states.append(state)
            if kind == END and state == end_state:
                return values[-1], built
        if kind == END:
            raise Refused


def _chain(tables: Tables, below: int, state: int, kind: str) -> int:
    """Follow the chain rules `kind` triggers on top of `below`: the state they end in."""
    while True:
        code = tables.actions[state].get(kind)
        if code is None or code >= 0 or not tables.units[~code]:
            return state
        state = tables.actions[below][tables.origins[~code]]
