"""The columnar slot index: typed numpy columns per attribute, built on demand, patched in place."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from operator import methodcaller
from typing import Any, TypeAlias

import numpy as np

from classad import ast
from classad.operators import fold_case
from classad.unparse import unparse
from classad.values import UNDEFINED, Error

Arr: TypeAlias = Any
"""A numpy array (numpy's own generics add nothing but noise here)."""

# value kinds of a column entry or a vector value
U, E, B, I, R, S, X, NT = range(8)  # noqa: E741
"""UNDEFINED, ERROR, bool, int, real, string, unknown (evaluate exactly), not-true-but-unknown."""
#: names the evaluator's lookup treats specially: a column never stands for them
SPECIAL_NAMES = frozenset({"parent", "toplevel", "root", "my", "self", "target", "ad", "other", "lctx",
                           "rctx", "left", "right", "symmetricmatch", "leftmatchesright",
                           "rightmatchesleft", "leftrankvalue", "rightrankvalue", "currenttime"})


class StrDict:
    """Dictionary encoding of one column's strings: exact codes, and codes after case folding."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}
        self.values: list[str] = []
        self.fold_codes: dict[str, int] = {}
        self._fold: list[int] = []
        self._fold_arr: Arr = np.zeros(0, dtype=np.int32)

    def code(self, text: str) -> int:
        found = self.codes.get(text)
        if found is None:
            found = self.codes[text] = len(self.values)
            self.values.append(text)
            folded = fold_case(text)
            self._fold.append(self.fold_codes.setdefault(folded, len(self.fold_codes)))
        return found

    def fold_of(self) -> Arr:
        """scode -> folded code, as an array."""
        if len(self._fold_arr) != len(self._fold):
            self._fold_arr = np.asarray(self._fold, dtype=np.int32)
        return self._fold_arr


def value_kind(value: Any) -> int:
    t = type(value)
    if t is bool:
        return B
    if t is int:
        return I
    if t is float:
        return R
    if t is str:
        return S
    if value is UNDEFINED:
        return U
    if t is Error:
        return E
    return X


class Column:
    """One attribute over all slots: kind, numbers, strings, and non-literal expressions."""

    def __init__(self, key: str, size: int) -> None:
        self.key = key
        self.kind: Arr = np.full(size, U, dtype=np.int8)
        self.num: Arr = np.zeros(size, dtype=np.float64)
        self.ival: Arr = np.zeros(size, dtype=np.int64)
        self.scode: Arr = np.zeros(size, dtype=np.int32)
        self.present: Arr = np.zeros(size, dtype=bool)
        #: -1 for a literal or missing entry, else the index of a distinct expression in `exprs`
        self.group: Arr = np.full(size, -1, dtype=np.int32)
        self.exprs: list[ast.Expr] = []
        self.sdict = StrDict()
        self._by_text: dict[str, int] = {}
        self._by_id: dict[int, int] = {}
        self._members: dict[int, Arr] | None = None

    def set(self, i: int, expr: ast.Expr | None) -> None:
        """Store slot i's expression for this attribute."""
        if self.group[i] >= 0:
            self._members = None
        self.group[i] = -1
        if expr is None:
            self.present[i] = False
            self.kind[i] = U
            return
        self.present[i] = True
        if type(expr) is not ast.Literal:
            self.kind[i] = X
            self.group[i] = self._expr_id(expr)
            self._members = None
            return
        value = expr.value
        k = value_kind(value)
        self.kind[i] = k
        if k in (B, I):
            if k == I and not -(1 << 63) <= value < (1 << 63):
                self.kind[i] = X
                return
            self.ival[i] = int(value)
            self.num[i] = float(value)
        elif k == R:
            self.num[i] = value
        elif k == S:
            self.scode[i] = self.sdict.code(value)

    def fill(self, exprs: Sequence[ast.Expr | None]) -> None:
        """Store every slot's expression at once (slot i's is `exprs[i]`), as `set` would.

        Entries are gathered in Python lists, one row per distinct node, and written to the
        arrays in one go: shared literal nodes cost one classification each.
        """
        rows: dict[int, tuple[int, float, int, int, int]] = {}
        keep: list[ast.Expr] = []  # the classified nodes stay alive while their ids are keys
        missing = (U, 0.0, 0, 0, -2)
        out: list[tuple[int, float, int, int, int]] = []
        append = out.append
        for expr in exprs:
            if expr is None:
                append(missing)
                continue
            row = rows.get(id(expr))
            if row is None:
                row = rows[id(expr)] = self._row(expr)
                keep.append(expr)
            append(row)
        if not out:
            return
        kind, num, ival, scode, group = zip(*out, strict=True)
        self.kind[:] = kind
        self.num[:] = num
        self.ival[:] = ival
        self.scode[:] = scode
        groups = np.asarray(group, dtype=np.int32)
        self.present[:] = groups != -2
        self.group[:] = np.maximum(groups, -1)
        self._members = None

    def _row(self, expr: ast.Expr) -> tuple[int, float, int, int, int]:
        """(kind, num, ival, scode, group) of one present expression, as `set` stores it."""
        if type(expr) is not ast.Literal:
            return (X, 0.0, 0, 0, self._expr_id(expr))
        value = expr.value
        k = value_kind(value)
        if k in (B, I):
            if k == I and not -(1 << 63) <= value < (1 << 63):
                return (X, 0.0, 0, 0, -1)
            return (k, float(value), int(value), 0, -1)
        if k == R:
            return (k, value, 0, 0, -1)
        if k == S:
            return (k, 0.0, 0, self.sdict.code(value), -1)
        return (k, 0.0, 0, 0, -1)

    def _expr_id(self, expr: ast.Expr) -> int:
        found = self._by_id.get(id(expr))
        if found is not None and self.exprs[found] is expr:
            return found
        text = unparse(expr)
        found = self._by_text.get(text)
        if found is None:
            found = self._by_text[text] = len(self.exprs)
            self.exprs.append(expr)
        self._by_id[id(expr)] = found
        return found

    def members(self) -> dict[int, Arr]:
        """Slot indices holding each distinct non-literal expression."""
        if self._members is None:
            has = np.flatnonzero(self.group >= 0)
            groups = self.group[has]
            self._members = {int(g): has[groups == g] for g in np.unique(groups)}
        return self._members


class SlotIndex:
    """Columns over a fixed list of slot ads (position = slot number), plus liveness."""

    def __init__(self, slot_ads: Sequence[Any]) -> None:
        self.ads: list[Any] = list(slot_ads)
        #: each slot's attribute dict (columns are built from these in one C-level pass)
        self._exprs: list[dict[str, ast.Expr]] = [ad._exprs for ad in self.ads]
        self.size = len(self.ads)
        self.columns: dict[str, Column] = {}
        self.alive: Arr = np.ones(self.size, dtype=bool)
        self.changed_at: Arr = np.zeros(self.size, dtype=np.int64)
        self.clock = 0
        #: the position changed at each tick of `clock`
        self.log: list[int] = []
        #: clock ticks of the carves (`replace`) and the positions they changed
        self.replace_ticks: list[int] = []
        self.replace_log: list[int] = []
        #: the last tick at which some slot's value of a built column changed
        self.column_clock: dict[str, int] = {}
        self._since: dict[int, tuple[int, Arr]] = {}
        #: slots whose ads hold `target`/`my` themselves: always evaluated exactly
        self.irregular: Arr = np.array(
            [("target" in ad._exprs or "my" in ad._exprs or ad.parent is not None)
             for ad in self.ads], dtype=bool)

    def column(self, key: str) -> Column:
        """The column of a lower-case attribute name (built on first use)."""
        col = self.columns.get(key)
        if col is None:
            col = Column(key, self.size)
            col.fill(list(map(methodcaller("get", key), self._exprs)))
            self.columns[key] = col
        return col

    def replace(self, i: int, ad: Any, keys: Iterable[str] | None = None) -> None:
        """Slot i's ad changed (a partitionable slot was carved): patch the built columns
        whose expression changed. `keys`, when given, names every attribute that may have
        changed (the others are not compared)."""
        old = self.ads[i]._exprs
        self.ads[i] = ad
        self._exprs[i] = ad._exprs
        self.log.append(i)
        self.clock += 1
        self.changed_at[i] = self.clock
        self.replace_ticks.append(self.clock)
        self.replace_log.append(i)
        new = ad._exprs
        columns = self.columns
        changed = columns.items() if keys is None else \
            [(k, columns[k]) for k in keys if k in columns]
        for key, col in changed:
            expr = new.get(key)
            if expr is not old.get(key):
                col.set(i, expr)
                self.column_clock[key] = self.clock

    def stale(self, keys: Any, stamp: int) -> bool:
        """True when a slot's value of one of the columns `keys` changed after tick `stamp`."""
        clock = self.column_clock
        return any(clock.get(k, 0) > stamp for k in keys)

    def replaced_since(self, stamp: int) -> Arr:
        """The sorted distinct positions carved after tick `stamp` and still alive (cached per
        clock): a removed slot never comes back, and every user masks it out."""
        hit = self._since.get(stamp)
        if hit is not None and hit[0] == self.clock:
            return hit[1]
        if len(self._since) > 64:
            self._since.clear()
        start = bisect.bisect_right(self.replace_ticks, stamp)
        found = np.unique(np.asarray(self.replace_log[start:], dtype=np.int64))
        found = found[self.alive[found]]
        self._since[stamp] = (self.clock, found)
        return found

    def revive(self) -> None:
        """Every slot alive again (the next cycle offers them all): positions carved while
        dead must have been `replace`d again before, since their results were not refreshed."""
        self.alive[:] = True
        self._since.clear()

    def remove(self, i: int) -> None:
        self.alive[i] = False
        self.log.append(i)
        self.clock += 1
        self.changed_at[i] = self.clock
