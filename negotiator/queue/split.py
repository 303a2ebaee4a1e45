"""One cluster's job ads split into the attributes all procs share and each proc's own.

condor_submit's ads for `queue N` differ in a few attributes (ProcId, what uses $(Process));
the rest are the very same expression objects. The comparisons run in C (`map(is_not, ...)`
over the expression lists, `itemgetter` for the columns), so splitting 100,000 ads of 60
attributes costs little more than looking at the few attributes that differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import compress
from operator import is_not, itemgetter
from typing import Any

from classad import ast
from classad.ad import ClassAd


@dataclass
class Split:
    """shared: name -> expression common to all ads. own_names: the attributes that differ;
    own[k]: ad k's expressions for them, or None for an ad shaped unlike the first (its
    caller compares it name by name). read[name][k]: ad k's literal value of a name asked
    for (None when it is missing or not a literal)."""

    shared: dict[str, ast.Expr]
    own_names: list[str]
    own: list[tuple[ast.Expr, ...] | None]
    read: dict[str, list[Any]]


def _rows(indexes: list[int], rows: list[list[ast.Expr] | None], odd: bool
          ) -> list[tuple[ast.Expr, ...] | None]:
    if not indexes:
        return [None if row is None else () for row in rows]
    getter = itemgetter(*indexes)
    if not odd:
        picked: list[Any] = list(map(getter, rows))  # type: ignore[arg-type]
    else:
        picked = [None if row is None else getter(row) for row in rows]
    if len(indexes) == 1:  # itemgetter of one index gives the item, not a 1-tuple
        return [None if x is None else (x,) for x in picked]
    return picked


def _column(key: str, index: int | None, rows: list[list[ast.Expr] | None],
            ads: list[ClassAd]) -> list[Any]:
    if index is None:
        exprs = [ad.get_expr(key) for ad in ads]
    else:
        exprs = [ad.get_expr(key) if row is None else row[index]
                 for row, ad in zip(rows, ads, strict=True)]
    return [e.value if type(e) is ast.Literal else None for e in exprs]


def split_cluster(ads: list[ClassAd], columns: set[str], read: set[str]) -> Split:
    """Split the ads; names in `columns` (lower case) are in neither part."""
    first = ads[0]
    names = list(first)
    base = list(first.exprs())
    width = len(names)
    positions = range(width)
    varying: set[int] = {i for i, n in enumerate(names) if n.lower() in columns}
    rows: list[list[ast.Expr] | None] = []
    odd: list[ClassAd] = []
    for ad in ads:
        exprs = list(ad.exprs())
        if len(exprs) != width or list(ad) != names:
            rows.append(None)
            odd.append(ad)
            continue
        rows.append(exprs)
        for i in compress(positions, map(is_not, exprs, base)):
            if i not in varying and exprs[i] != base[i]:
                varying.add(i)
    shared = {names[i]: base[i] for i in positions if i not in varying}
    for ad in odd:
        shared = {n: e for n, e in shared.items() if ad.lookup(n) == e}
    own = [i for i in positions if names[i] not in shared and names[i].lower() not in columns]
    where = {names[i].lower(): i for i in positions}
    values = {key: _column(key, where.get(key), rows, ads) for key in read}
    return Split(shared, [names[i] for i in own], _rows(own, rows, bool(odd)), values)
