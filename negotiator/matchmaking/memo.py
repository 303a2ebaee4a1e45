"""Per-slot results of a job's expressions, kept per distinct job values and patched after carves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from classad import ast
from negotiator.matchmaking.columns import Arr, SlotIndex
from negotiator.matchmaking.vectoreval import token

_MEMO_BYTES = 1_200_000_000
_VOLATILE_MISSES = 16
_BUCKET = 16

Computed = tuple[tuple[Arr, ...], dict[str, Any], set[str]]
"""What a computation gives: its arrays, the job values it read (tokens), the columns it read."""
Derive = Callable[[tuple[Arr, ...], Arr | None], Arr]
"""An elementwise function of an entry's arrays at some slots (None: all of `sel`) -> values."""


@dataclass
class Entry:
    """One stored result: arrays over `sel` (every slot when None) as of clock tick `stamp`."""

    deps: dict[str, Any]
    data: tuple[Arr, ...]
    stamp: int
    cols: set[str]
    sel: Arr | None
    #: the slot positions where data[0] is 2 ("unknown"), for truth results; None: not known
    maybe: Arr | None = None
    #: full-length arrays derived elementwise from `data` (see `Memo.view`), patched with it
    views: dict[str, tuple[Derive, Arr]] = field(default_factory=dict)


class Memo:
    """Results per (expression, selection) for each distinct combination of job values read."""

    def __init__(self, index: SlotIndex) -> None:
        self.index = index
        self.entries: dict[tuple[Any, ...], list[Entry]] = {}
        self.bytes = 0
        self.tokens: dict[int, tuple[Any, Any]] = {}
        self.hits: dict[tuple[Any, ...], int] = {}
        self.misses: dict[tuple[Any, ...], int] = {}

    def volatile(self, key: tuple[Any, ...]) -> bool:
        """True when results for `key` are rarely reused (the job values it reads vary from
        job to job): better evaluated on the few slots still in question, and not kept."""
        misses = self.misses.get(key, 0)
        return misses >= _VOLATILE_MISSES and misses > 4 * self.hits.get(key, 0)

    def token_of(self, job: Any, name: str) -> Any:
        expr = job._exprs.get(name)
        if expr is None:
            return None
        if type(expr) is ast.Literal:
            return token(expr)
        hit = self.tokens.get(id(expr))
        if hit is None or hit[0] is not expr:
            hit = self.tokens[id(expr)] = (expr, token(expr))
        return hit[1]

    def entry(self, key: tuple[Any, ...], job: Any, sel: Arr | None,
              compute: Callable[[Arr | None], Computed]) -> Entry:
        """The result for `key` and the job's values, computed or brought up to date."""
        found = self.entries.get(key)
        if found is not None:
            for entry in found:
                if all(self.token_of(job, n) == t for n, t in entry.deps.items()):
                    self._refresh(entry, compute)
                    self.hits[key] = self.hits.get(key, 0) + 1
                    return entry
        self.misses[key] = self.misses.get(key, 0) + 1
        data, deps, cols = compute(sel)
        entry = Entry(deps, data, self.index.clock, cols, sel)
        bucket = self.entries.setdefault(key, [])
        bucket.insert(0, entry)
        self.bytes += _nbytes(entry)
        if len(bucket) > _BUCKET:
            self.bytes -= _nbytes(bucket.pop())
        if self.bytes > _MEMO_BYTES:
            self.entries.clear()
            self.bytes = 0
        return entry

    def maybe(self, entry: Entry) -> Arr:
        """The slot positions where a truth result is 2 (unknown)."""
        if entry.maybe is None:
            at = np.flatnonzero(entry.data[0] == 2)
            entry.maybe = at if entry.sel is None else entry.sel[at]
        return entry.maybe

    def view(self, entry: Entry, name: str, derive: Derive, default: Any, dtype: Any) -> Arr:
        """A full-length array derived elementwise from the entry (`default` outside `sel`),
        kept with the entry and patched where the entry is."""
        found = entry.views.get(name)
        if found is None:
            out = np.full(self.index.size, default, dtype=dtype)
            values = derive(entry.data, entry.sel)
            if entry.sel is None:
                out[:] = values
            else:
                out[entry.sel] = values
            found = entry.views[name] = (derive, out)
            self.bytes += out.nbytes
        return found[1]

    def _refresh(self, entry: Entry, compute: Callable[[Arr | None], Computed]) -> None:
        """Recompute the entries of slots carved since the result was stored.

        Removed slots need nothing (the caller masks them out); carved ones only when a
        column the result read has changed since.
        """
        index = self.index
        stamp = entry.stamp
        if stamp == index.clock:
            return
        entry.stamp = index.clock
        if not index.stale(entry.cols, stamp):
            return
        changed = index.replaced_since(stamp)
        sel = entry.sel
        if sel is None:
            where = changed
        else:
            at: Arr = np.searchsorted(sel, changed)
            ok = (at < len(sel)) & (sel[np.minimum(at, len(sel) - 1)] == changed)
            where, changed = at[ok], changed[ok]
        if len(changed) == 0:
            return
        data, deps, cols = compute(changed)
        for mine, fresh in zip(entry.data, data, strict=True):
            mine[where] = fresh
        if entry.maybe is not None and (len(entry.maybe) or (data[0] == 2).any()):
            entry.maybe = None
        for derive, out in entry.views.values():
            out[changed] = derive(data, changed)
        entry.deps.update(deps)
        entry.cols |= cols


def _nbytes(entry: Entry) -> int:
    return int(sum(a.nbytes for a in entry.data) + sum(v.nbytes for _, v in entry.views.values()))
