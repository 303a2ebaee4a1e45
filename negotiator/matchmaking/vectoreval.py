"""Evaluate one job's expressions against many slots at once, over the columns, exactly or not at all.

A result element is either exact (the value the compiled evaluator would give) or X, meaning
"unknown: evaluate this pair exactly"; NT means "not true, but which falsy value is unknown".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from classad import ast, operators
from classad.functions import eager_function
from classad.values import UNDEFINED, Error
from negotiator.matchmaking.columns import (
    NT,
    SPECIAL_NAMES,
    B,
    Column,
    E,
    I,
    R,
    S,
    SlotIndex,
    StrDict,
    U,
    X,
)
from negotiator.matchmaking.columns import Arr as Arr

JOB, SLOT = 0, 1
MAX_DEPTH = 60
_TABLE_LIMIT = 4096
#: pure builtins that may be evaluated once per distinct argument value
PURE = frozenset({"stringlistmember", "stringlistimember", "regexp", "strcmp", "stricmp",
                  "tolower", "toupper", "size", "substr", "strcat", "int", "real", "floor",
                  "ceiling", "round", "stringlistsize", "string"})
# truth codes
CF, CT, CU, CE, CX, CNT = range(6)
_TRUTH_OF_KIND = np.array([CU, CE, CF, CF, CF, CE, CX, CNT], dtype=np.int8)
_KIND_OF_CODE = np.array([B, B, U, E, X, NT], dtype=np.int8)
_AND = np.array([
    [CF, CF, CF, CF, CF, CF],
    [CF, CT, CU, CE, CX, CNT],
    [CF, CU, CU, CE, CNT, CNT],
    [CE, CE, CE, CE, CE, CE],
    [CNT, CX, CNT, CNT, CX, CNT],
    [CNT, CNT, CNT, CNT, CNT, CNT],
], dtype=np.int8)
_OR = np.array([
    [CF, CT, CU, CE, CX, CNT],
    [CT, CT, CT, CT, CT, CT],
    [CU, CT, CU, CE, CX, CNT],
    [CE, CE, CE, CE, CE, CE],
    [CX, CX, CX, CX, CX, CX],
    [CNT, CX, CNT, CE, CX, CNT],
], dtype=np.int8)
_NOT = np.array([CT, CF, CU, CE, CX, CX], dtype=np.int8)
_CMP = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
        "==": np.equal, "!=": np.not_equal}
_ARITH = {"+": np.add, "-": np.subtract, "*": np.multiply}
_IDENT = {"=?=": False, "is": False, "=!=": True, "isnt": True}


class Const:
    """A value that is the same for every slot."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class Vec:
    """Per-slot values: kind, number (as float and as int64), string code in `sdict`."""

    __slots__ = ("ival", "kind", "num", "scode", "sdict")

    def __init__(self, kind: Arr, num: Arr, ival: Arr, scode: Arr, sdict: StrDict | None) -> None:
        self.kind, self.num, self.ival, self.scode, self.sdict = kind, num, ival, scode, sdict


Val = Const | Vec


def from_codes(code: Arr) -> Vec:
    """A logic result (truth codes) as a vector of values."""
    truth = code == CT
    # plain true/false everywhere (the usual case) needs no table lookup, which is slow
    kind = np.full(len(code), B, dtype=np.int8) if (code <= CT).all() else _KIND_OF_CODE[code]
    return Vec(kind, truth.astype(np.float64), truth.astype(np.int64),
               np.zeros(len(code), dtype=np.int32), None)


def truth_codes(v: Vec) -> Arr:
    """Per element: CT/CF for numbers (non-zero is true), else the code of the kind.

    Written with elementwise arithmetic: np.where and table lookups cost 20-40x more on
    large arrays."""
    k = v.kind
    reals = k == R
    number = (reals & (v.num != 0)) | (~reals & (v.ival != 0))
    numeric = (k >= B) & (k <= R)
    if numeric.all():
        return number.view(np.int8)
    other = _TRUTH_OF_KIND[k]
    return number.view(np.int8) * numeric.view(np.int8) + other * (~numeric).view(np.int8)


def const_code(value: Any) -> int:
    t = operators.truth(value)
    if t is True:
        return CT
    if t is False:
        return CF
    return CU if t is UNDEFINED else CE


def unknown(n: int) -> Vec:
    return Vec(np.full(n, X, dtype=np.int8), np.zeros(n), np.zeros(n, dtype=np.int64),
               np.zeros(n, dtype=np.int32), None)


def broadcast(value: Any, n: int, sdict: StrDict | None) -> Vec:
    """A constant as a vector (strings coded in `sdict`, a new one if None)."""
    k = _kind(value)
    kind = np.full(n, k, dtype=np.int8)
    num = np.zeros(n)
    ival = np.zeros(n, dtype=np.int64)
    scode = np.zeros(n, dtype=np.int32)
    if k in (B, I):
        ival[:] = int(value)
        num[:] = float(value)
    elif k == R:
        num[:] = value
    elif k == S:
        sdict = sdict or StrDict()
        scode[:] = sdict.code(value)
    return Vec(kind, num, ival, scode, sdict if k == S else None)


def _kind(value: Any) -> int:
    from negotiator.matchmaking.columns import value_kind

    k = value_kind(value)
    if k == I and not -(1 << 63) <= value < (1 << 63):
        return X
    return k


def blend(n: int, parts: list[tuple[Arr, Val]]) -> Vec:
    """Elements taken from each part where its mask is set (later parts win); the rest X."""
    sdict = next((p.sdict for _, p in parts if isinstance(p, Vec) and p.sdict is not None), None)
    out = unknown(n)
    for mask, part in parts:
        vec = part if isinstance(part, Vec) else broadcast(part.value, n, sdict)
        if sdict is None and vec.sdict is not None:
            sdict = vec.sdict
        kind: Arr = vec.kind
        if vec.sdict is not None and vec.sdict is not sdict:
            kind = kind.copy()
            kind[kind == S] = X
        out.kind = np.where(mask, kind, out.kind)
        out.num = np.where(mask, vec.num, out.num)
        out.ival = np.where(mask, vec.ival, out.ival)
        out.scode = np.where(mask, vec.scode, out.scode)
    out.sdict = sdict
    return out


class VecEval:
    """Evaluates expressions of one job against the slots of an index (all, or a selection)."""

    def __init__(self, index: SlotIndex, job: Any) -> None:
        self.index = index
        self.job = job
        self.deps: dict[str, Any] = {}
        #: the slot columns read (a result changes only where one of them changes)
        self.cols: set[str] = set()
        self.active: set[tuple[int, str]] = set()
        self.depth = 0

    # ---- entry points --------------------------------------------------------------------
    def run(self, node: ast.Expr, scope: int, sel: Arr | None) -> Val:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                return unknown(self._n(sel))
            return self._eval(node, scope, sel)
        finally:
            self.depth -= 1

    def attribute(self, key: str, scope: int, sel: Arr | None) -> Val:
        """The value of MY.key (as an attribute of the scope's own ad)."""
        if scope == JOB:
            return self.job_attr(key, sel, missing=Const(UNDEFINED))
        return self.slot_attr(key, sel, lambda s: Const(UNDEFINED))

    def _n(self, sel: Arr | None) -> int:
        return self.index.size if sel is None else len(sel)

    # ---- lookups -------------------------------------------------------------------------
    def job_attr(self, key: str, sel: Arr | None, missing: Val) -> Val:
        expr = self.job._exprs.get(key)
        self.deps[key] = token(expr)
        if expr is None:
            return missing
        if type(expr) is ast.Literal:
            return Const(expr.value)
        mark = (JOB, key)
        if mark in self.active:
            return unknown(self._n(sel))
        self.active.add(mark)
        try:
            return self.run(expr, JOB, sel)
        finally:
            self.active.discard(mark)

    def slot_attr(self, key: str, sel: Arr | None, missing: Any) -> Val:
        """Slot attribute per slot; `missing(positions)` gives the value where a slot lacks it."""
        col = self.index.column(key)
        self.cols.add(key)
        n = self._n(sel)
        def take(a: Arr) -> Arr:
            return a if sel is None else a[sel]

        base = Vec(take(col.kind), take(col.num), take(col.ival), take(col.scode), col.sdict)
        present = take(col.present)
        parts: list[tuple[Arr, Val]] = [(np.ones(n, dtype=bool), base)]
        if not present.all():
            absent = np.flatnonzero(~present)
            sub = absent if sel is None else sel[absent]
            value = missing(sub)
            mask = ~present
            if isinstance(value, Vec):
                full = unknown(n)
                for name in ("kind", "num", "ival", "scode"):
                    getattr(full, name)[absent] = getattr(value, name)
                full.sdict = value.sdict
                value = full
            parts.append((mask, value))
        parts.extend(self._expr_groups(col, key, sel, n))
        if len(parts) == 1:
            return base
        return blend(n, parts)

    def _expr_groups(self, col: Column, key: str, sel: Arr | None, n: int) -> list[tuple[Arr, Val]]:
        if not col.exprs:
            return []
        groups = col.group if sel is None else col.group[sel]
        has = groups >= 0
        if not has.any():
            return []
        out: list[tuple[Arr, Val]] = []
        mark = (SLOT, key)
        for g in np.unique(groups[has]):
            pos = np.flatnonzero(groups == g)
            sub = pos if sel is None else sel[pos]
            if mark in self.active:
                value: Val = unknown(len(sub))
            else:
                self.active.add(mark)
                try:
                    value = self.run(col.exprs[int(g)], SLOT, sub)
                finally:
                    self.active.discard(mark)
            mask = np.zeros(n, dtype=bool)
            mask[pos] = True
            if isinstance(value, Vec):
                full = unknown(n)
                for name in ("kind", "num", "ival", "scode"):
                    getattr(full, name)[pos] = getattr(value, name)
                full.sdict = value.sdict
                value = full
            out.append((mask, value))
        return out

    def _target(self, key: str, scope: int, sel: Arr | None) -> Val:
        if key in SPECIAL_NAMES:
            return unknown(self._n(sel))
        if scope == SLOT:
            return self.job_attr(key, sel, Const(UNDEFINED))
        return self.slot_attr(key, sel, lambda s: Const(UNDEFINED))

    def _my(self, key: str, scope: int, sel: Arr | None) -> Val:
        if key in SPECIAL_NAMES:
            return unknown(self._n(sel))
        return self.attribute(key, scope, sel)

    def _unscoped(self, key: str, scope: int, sel: Arr | None) -> Val:
        if key in SPECIAL_NAMES:
            return unknown(self._n(sel))
        if scope == JOB:
            if key in self.job._exprs:
                return self.job_attr(key, sel, Const(UNDEFINED))
            self.deps[key] = None
            return self.slot_attr(key, sel, lambda s: Const(UNDEFINED))
        return self.slot_attr(key, sel, lambda s: self.job_attr(key, s, Const(UNDEFINED)))

    # ---- the node walk -------------------------------------------------------------------
    def _eval(self, node: ast.Expr, scope: int, sel: Arr | None) -> Val:
        t = type(node)
        if t is ast.Literal:
            return Const(node.value)  # type: ignore[union-attr]
        if t is ast.Paren:
            return self.run(node.expr, scope, sel)  # type: ignore[union-attr]
        if t is ast.AttrRef:
            if node.absolute:  # type: ignore[union-attr]
                return unknown(self._n(sel))
            return self._unscoped(node.key, scope, sel)  # type: ignore[union-attr]
        if t is ast.Select:
            base = node.base  # type: ignore[union-attr]
            if type(base) is ast.AttrRef and not base.absolute:
                if base.key == "target":
                    return self._target(node.key, scope, sel)  # type: ignore[union-attr]
                if base.key == "my":
                    return self._my(node.key, scope, sel)  # type: ignore[union-attr]
            return unknown(self._n(sel))
        if t is ast.Binary:
            return self._binary(node, scope, sel)  # type: ignore[arg-type]
        if t is ast.Unary:
            return self._unary(node.op, self.run(node.operand, scope, sel))  # type: ignore[union-attr]
        if t is ast.Cond:
            return self._cond(node.test, node.then, node.orelse, scope, sel)  # type: ignore[union-attr]
        if t is ast.Elvis:
            return self._elvis(node, scope, sel)  # type: ignore[arg-type]
        if t is ast.Call:
            return self._call(node, scope, sel)  # type: ignore[arg-type]
        return unknown(self._n(sel))

    def _binary(self, node: ast.Binary, scope: int, sel: Arr | None) -> Val:
        op = node.op
        if op in ("&&", "||"):
            return self._logic(op, node, scope, sel)
        left = self.run(node.left, scope, sel)
        right = self.run(node.right, scope, sel)
        if isinstance(left, Const) and isinstance(right, Const):
            return Const(operators.BINARY[op](left.value, right.value))
        n = self._n(sel)
        if op in _CMP:
            return compare(op, left, right, n)
        if op in _IDENT:
            return identical(left, right, n, _IDENT[op])
        if op in _ARITH:
            return arith(op, left, right, n)
        return unknown(n)

    def _logic(self, op: str, node: ast.Binary, scope: int, sel: Arr | None) -> Val:
        left = self.run(node.left, scope, sel)
        stop = CF if op == "&&" else CT
        if isinstance(left, Const):
            code = const_code(left.value)
            if code in (stop, CE):
                return Const(operators.truth(left.value))
        right = self.run(node.right, scope, sel)
        if isinstance(left, Const) and isinstance(right, Const):
            fn = operators.logical_and if op == "&&" else operators.logical_or
            return Const(fn(left.value, lambda: right.value))
        n = self._n(sel)
        x = codes_of(left, n)
        y = codes_of(right, n)
        return from_codes((_AND if op == "&&" else _OR)[x, y])

    def _unary(self, op: str, value: Val) -> Val:
        if isinstance(value, Const):
            return Const(operators.UNARY[op](value.value))
        k = value.kind
        n = len(k)
        if op == "!":
            return from_codes(_NOT[truth_codes(value)])
        if op == "+":
            ok = (k == I) | (k == R) | (k == U) | (k == E) | (k == X)
            return blend(n, [(ok, value), (~ok, Const(Error("bad operand type for unary +")))])
        if op == "-":
            out = Vec(k.copy(), -value.num, -value.ival, value.scode, None)
            bad = (k == B) | (k == S) | (k == NT)
            out.kind[bad] = E
            out.kind[k == NT] = X
            out.num = np.where(k == I, out.ival.astype(np.float64), out.num)
            return out
        return unknown(n)

    def _cond(self, test_node: ast.Expr, then: ast.Expr, orelse: ast.Expr, scope: int,
              sel: Arr | None) -> Val:
        test = self.run(test_node, scope, sel)
        if isinstance(test, Const):
            code = const_code(test.value)
            if code == CT:
                return self.run(then, scope, sel)
            if code == CF:
                return self.run(orelse, scope, sel)
            return Const(operators.truth(test.value))
        n = self._n(sel)
        c = truth_codes(test)
        a = self.run(then, scope, sel)
        b = self.run(orelse, scope, sel)
        special = from_codes(np.where((c == CU) | (c == CE), c, CX).astype(np.int8))
        return blend(n, [(np.ones(n, dtype=bool), special), (c == CT, a), (c == CF, b)])

    def _elvis(self, node: ast.Elvis, scope: int, sel: Arr | None) -> Val:
        left = self.run(node.left, scope, sel)
        if isinstance(left, Const):
            return self.run(node.right, scope, sel) if left.value is UNDEFINED else left
        n = self._n(sel)
        undef = left.kind == U
        if not undef.any():
            return left
        right = self.run(node.right, scope, sel)
        return blend(n, [(np.ones(n, dtype=bool), left), (undef, right)])

    def _call(self, node: ast.Call, scope: int, sel: Arr | None) -> Val:
        key, n = node.key, self._n(sel)
        if key == "ifthenelse" and len(node.args) == 3:
            return self._cond(node.args[0], node.args[1], node.args[2], scope, sel)
        if key in ("isundefined", "iserror") and len(node.args) == 1:
            value = self.run(node.args[0], scope, sel)
            want = U if key == "isundefined" else E
            if isinstance(value, Const):
                return Const(operators.BINARY["=?="](value.value, Error() if want == E else UNDEFINED))
            res = value.kind == want
            code = np.where(value.kind >= X, CX, res.astype(np.int8)).astype(np.int8)
            return from_codes(code)
        fn = eager_function(key, len(node.args)) if key in PURE else None
        if fn is None:
            return unknown(n)
        args = [self.run(a, scope, sel) for a in node.args]
        vecs = [i for i, a in enumerate(args) if isinstance(a, Vec)]
        if not vecs:
            return Const(fn([a.value for a in args]))  # type: ignore[union-attr]
        if len(vecs) != 1:
            return unknown(n)
        return call_table(fn, args, vecs[0], n)


def token(expr: ast.Expr | None) -> Any:
    """What a job attribute contributes to a cached result: its type-exact literal, or its text."""
    if expr is None:
        return None
    if type(expr) is ast.Literal:
        value = expr.value
        try:
            hash(value)
        except TypeError:
            return ("id", id(expr))
        return (type(value).__name__, value)
    from classad.unparse import unparse

    return ("expr", unparse(expr))


def codes_of(value: Val, n: int) -> Arr:
    if isinstance(value, Const):
        return np.full(n, const_code(value.value), dtype=np.int8)
    return truth_codes(value)


def _as_vec(value: Val, n: int, sdict: StrDict | None) -> Vec:
    return value if isinstance(value, Vec) else broadcast(value.value, n, sdict)


def _sdict(a: Val, b: Val) -> StrDict | None:
    for v in (a, b):
        if isinstance(v, Vec) and v.sdict is not None:
            return v.sdict
    return None


def _specials(ka: Arr, kb: Arr) -> Arr:
    """The result kind forced by ERROR/unknown/UNDEFINED operands, else -1."""
    out = np.full(len(ka), -1, dtype=np.int8)
    unk = (ka >= X) | (kb >= X)
    out[(ka == U) | (kb == U)] = U
    out[unk] = X
    out[(ka == E) | (kb == E)] = E
    return out


def compare(op: str, a: Val, b: Val, n: int) -> Vec:
    """A comparison operator with operators._comparison's rules, elementwise."""
    sdict = _sdict(a, b)
    va, vb = _as_vec(a, n, sdict), _as_vec(b, n, sdict)
    ka, kb = va.kind, vb.kind
    kind = _specials(ka, kb)
    num_a, num_b = (ka >= B) & (ka <= R), (kb >= B) & (kb <= R)
    both_num = num_a & num_b & (kind < 0)
    ints = both_num & (ka != R) & (kb != R)
    test = _CMP[op]
    res: Arr = np.where(ints, test(va.ival, vb.ival), test(va.num, vb.num))
    strings: Arr = (ka == S) & (kb == S) & (kind < 0)
    if strings.any():
        if op in ("==", "!=") and (va.sdict is vb.sdict):
            fold = va.sdict.fold_of() if va.sdict is not None else np.zeros(1, dtype=np.int32)
            sres = test(fold[np.where(ka == S, va.scode, 0)], fold[np.where(kb == S, vb.scode, 0)])
            res = np.where(strings, sres, res)
        else:
            kind[strings] = X
    rest = kind < 0
    kind[rest & ~both_num & ~strings] = E
    kind[rest & (both_num | strings)] = B
    out_kind = np.where(kind == B, B, kind).astype(np.int8)
    res = res & (out_kind == B)
    return Vec(out_kind, res.astype(np.float64), res.astype(np.int64),
               np.zeros(n, dtype=np.int32), None)


def identical(a: Val, b: Val, n: int, negate: bool) -> Vec:
    """`=?=` (or `=!=` when negate): same type and value, strings case-sensitive."""
    sdict = _sdict(a, b)
    va, vb = _as_vec(a, n, sdict), _as_vec(b, n, sdict)
    ka, kb = va.kind, vb.kind
    same = ka == kb
    res = np.where(ka == R, va.num == vb.num, va.ival == vb.ival)
    res = np.where((ka == U) | (ka == E), True, res)
    strings = same & (ka == S)
    if strings.any() and va.sdict is vb.sdict:
        res = np.where(ka == S, va.scode == vb.scode, res)
    res = same & res
    if negate:
        res = ~res
    kind = np.full(n, B, dtype=np.int8)
    kind[(ka >= X) | (kb >= X)] = X
    if strings.any() and va.sdict is not vb.sdict:
        kind[strings] = X
    res = res & (kind == B)
    return Vec(kind, res.astype(np.float64), res.astype(np.int64), np.zeros(n, dtype=np.int32), None)


def arith(op: str, a: Val, b: Val, n: int) -> Vec:
    """`+ - *` on numbers: int64 wraps around, a real +inf is ERROR, others ERROR."""
    va, vb = _as_vec(a, n, None), _as_vec(b, n, None)
    ka, kb = va.kind, vb.kind
    kind = _specials(ka, kb)
    num_a, num_b = (ka >= B) & (ka <= R), (kb >= B) & (kb <= R)
    both = num_a & num_b & (kind < 0)
    ints = both & (ka != R) & (kb != R)
    fn = _ARITH[op]
    with np.errstate(all="ignore"):
        ival = fn(va.ival, vb.ival)
        num = fn(va.num, vb.num)
    num = np.where(ints, ival.astype(np.float64), num)
    rest = kind < 0
    kind[rest & ~both] = E
    kind[rest & ints] = I
    real = rest & both & ~ints
    kind[real] = R
    kind[real & (num == np.inf)] = E
    return Vec(kind.astype(np.int8), num, np.where(ints, ival, 0), np.zeros(n, dtype=np.int32), None)


def call_table(fn: Any, args: list[Val], at: int, n: int) -> Val:
    """A pure builtin with one per-slot string argument: evaluated once per distinct string."""
    vec = args[at]
    assert isinstance(vec, Vec)
    k = vec.kind
    if not ((k == S) | (k == U) | (k >= X)).all():
        return unknown(n)
    sdict = vec.sdict
    values = sdict.values if sdict is not None else []
    if len(values) > _TABLE_LIMIT:
        return unknown(n)
    consts = [a.value if isinstance(a, Const) else None for a in args]

    def call(v: Any) -> Any:
        consts[at] = v
        return fn(list(consts))

    results = [call(v) for v in values]
    undef_result = call(UNDEFINED)
    if any(_kind(r) in (S, X) for r in [*results, undef_result]):
        return unknown(n)
    table = [broadcast(r, 1, None) for r in results] or [broadcast(UNDEFINED, 1, None)]
    kinds = np.array([t.kind[0] for t in table], dtype=np.int8)
    nums = np.array([t.num[0] for t in table])
    ivals = np.array([t.ival[0] for t in table], dtype=np.int64)
    codes = np.where(k == S, vec.scode, 0)
    out = Vec(kinds[codes], nums[codes], ivals[codes], np.zeros(n, dtype=np.int32), None)
    u = broadcast(undef_result, 1, None)
    out.kind = np.where(k == U, u.kind[0], out.kind).astype(np.int8)
    out.num = np.where(k == U, u.num[0], out.num)
    out.ival = np.where(k == U, u.ival[0], out.ival)
    out.kind[k >= X] = X
    return out
