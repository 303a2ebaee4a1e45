"""One cluster's job ads split into the attributes all procs share and each proc's own.

condor_submit's ads for `queue N` differ in a few attributes (ProcId, what uses $(Process));
the rest are the very same expression objects. The comparison runs in C (`map(is_not, ...)`
over the expression lists), so splitting 100,000 ads of 60 attributes costs little more than
looking at the few attributes that differ.
"""

from __future__ import annotations

from itertools import compress
from operator import is_not
from typing import Any

from classad import ast
from classad.ad import ClassAd

Pairs = list[tuple[str, ast.Expr]]


def split_cluster(ads: list[ClassAd], columns: set[str], read: set[str]
                  ) -> tuple[dict[str, ast.Expr], list[Pairs | None], list[dict[str, Any]]]:
    """(shared name -> expression, per ad its own (name, expression) pairs, per ad the
    literal values of the attributes named in `read` (lower case) that it has).

    An ad whose attribute names differ from the first ad's gets None: the caller compares it
    attribute by attribute. Names in `columns` (lower case) are left out of both.
    """
    first = ads[0]
    names = list(first)
    base = list(first.exprs())
    width = len(names)
    positions = range(width)
    varying: set[int] = {i for i, n in enumerate(names) if n.lower() in columns}
    fast: list[list[ast.Expr] | None] = []
    odd: list[ClassAd] = []
    for ad in ads:
        exprs = list(ad.exprs())
        if len(exprs) != width or list(ad) != names:
            fast.append(None)
            odd.append(ad)
            continue
        fast.append(exprs)
        for i in compress(positions, map(is_not, exprs, base)):
            if i not in varying and exprs[i] != base[i]:
                varying.add(i)
    shared = {names[i]: base[i] for i in positions if i not in varying}
    for ad in odd:
        shared = {n: e for n, e in shared.items() if ad.lookup(n) == e}
    own = [i for i in positions if names[i] not in shared and names[i].lower() not in columns]
    out: list[Pairs | None] = [None if row is None else [(names[i], row[i]) for i in own]
                               for row in fast]
    picks = [(names[i].lower(), i) for i in positions if names[i].lower() in read]
    values = [_column_values(ad, row, picks, read) for ad, row in zip(ads, fast, strict=True)]
    return shared, out, values


def _column_values(ad: ClassAd, row: list[ast.Expr] | None, picks: list[tuple[str, int]],
                   read: set[str]) -> dict[str, Any]:
    """The literal values of the attributes to read (None for a non-literal)."""
    if row is not None:
        exprs = [(key, row[i]) for key, i in picks]
    else:
        exprs = [(key, e) for key in read if (e := ad.get_expr(key)) is not None]
    return {key: e.value if type(e) is ast.Literal else None for key, e in exprs}
