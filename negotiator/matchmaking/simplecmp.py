"""The common conjunct `slot attribute op job constant`, straight to truth codes over the columns.

Most conjuncts of job and slot Requirements are one comparison between a slot attribute
(`TARGET.Memory` in the job's, `MY.Cpus` in the slot's) and something the job fixes
(`RequestMemory`, a literal). The general vector evaluator gets there in some thirty numpy
calls; this path takes a few, with the same result: 1 true, 0 not true, 2 unknown.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from classad import ast
from classad.operators import fold_case
from classad.values import INT64_MAX, INT64_MIN, UNDEFINED, Error
from negotiator.matchmaking.columns import SPECIAL_NAMES, B, Column, E, I, R, S, U, X
from negotiator.matchmaking.columns import Arr as Arr
from negotiator.matchmaking.vectoreval import _CMP, _IDENT, JOB, SLOT, Const, VecEval


def compare_codes(ev: VecEval, node: ast.Expr, scope: int, sel: Arr | None) -> Arr | None:
    """Truth codes (int8) of `node` at the slots `sel` (None: all), or None when `node` is not
    a comparison of one literal-valued slot column with a value the job alone fixes."""
    while type(node) is ast.Paren:
        node = node.expr
    if type(node) is not ast.Binary:
        return None
    op = node.op
    if op not in _CMP and op not in _IDENT:
        return None
    left = _column(ev, node.left, scope, sel)
    right = _column(ev, node.right, scope, sel) if left is None else None
    if (left is None) == (right is None):
        return None
    col = left if left is not None else right
    assert col is not None
    value = ev.run(node.right if left is not None else node.left, scope, sel)
    if not isinstance(value, Const):
        return None
    if op in _IDENT:
        return _identical(col, value.value, sel, _IDENT[op])
    return _compare(col, value.value, op, left is not None, sel)


def _column(ev: VecEval, node: ast.Expr, scope: int, sel: Arr | None) -> Column | None:
    """The slot column `node` reads, when it is one with literal values only at `sel` (and
    read as the general evaluator reads it); records the column as read."""
    while type(node) is ast.Paren:
        node = node.expr
    if type(node) is not ast.Select:
        return None
    base = node.base
    if type(base) is not ast.AttrRef or base.absolute:
        return None
    if not ((scope == JOB and base.key == "target") or (scope == SLOT and base.key == "my")):
        return None
    key = node.key
    if key in SPECIAL_NAMES:
        return None
    col = ev.index.column(key)
    if col.exprs and (col.members() if sel is None else (col.group[sel] >= 0).any()):
        return None
    ev.cols.add(key)
    return col


def _take(a: Arr, sel: Arr | None) -> Arr:
    return a if sel is None else a[sel]


def _compare(col: Column, c: Any, op: str, col_left: bool, sel: Arr | None) -> Arr | None:
    kind = _take(col.kind, sel)
    test = _CMP[op]
    t = type(c)
    if t is str:
        if op not in ("==", "!="):
            return None
        strings = kind == S
        res: Arr
        code = col.sdict.fold_codes.get(fold_case(c))
        if code is None or not strings.any():
            res = np.full(len(kind), op == "!=")
        else:
            folded = col.sdict.fold_of()[np.where(strings, _take(col.scode, sel), 0)]
            res = test(folded, code)
        out = (strings & res).astype(np.int8)
    elif t is bool or t is int or t is float:
        if t is int and not INT64_MIN <= c <= INT64_MAX:
            return None
        numeric = (kind >= B) & (kind <= R)
        if t is float:
            num = _take(col.num, sel)
            res = test(num, c) if col_left else test(c, num)
        else:
            ival = _take(col.ival, sel)
            res = test(ival, int(c)) if col_left else test(int(c), ival)
            reals = kind == R
            if reals.any():
                num = _take(col.num, sel)
                fres = test(num, float(c)) if col_left else test(float(c), num)
                res = np.where(reals, fres, res)
        out = (numeric & res).astype(np.int8)
    else:
        return None  # UNDEFINED, ERROR and the rest: the general evaluator knows them
    out[kind == X] = 2
    return out


def _identical(col: Column, c: Any, sel: Arr | None, negate: bool) -> Arr | None:
    """`=?=` (`=!=` when negate): the same type and value, strings case-sensitive."""
    kind = _take(col.kind, sel)
    t = type(c)
    if c is UNDEFINED:
        same = kind == U
    elif t is Error:
        same = kind == E
    elif t is bool:
        same = (kind == B) & (_take(col.ival, sel) == int(c))
    elif t is int:
        if not INT64_MIN <= c <= INT64_MAX:
            return None
        same = (kind == I) & (_take(col.ival, sel) == c)
    elif t is float:
        same = (kind == R) & (_take(col.num, sel) == c)
    elif t is str:
        code = col.sdict.codes.get(c)
        same = (kind == S) & (_take(col.scode, sel) == code) if code is not None else \
            np.zeros(len(kind), dtype=bool)
    else:
        return None
    out = (~same if negate else same).astype(np.int8)
    out[kind == X] = 2
    return out
