"""The reference interpreter: walks the AST with HTCondor's old-ClassAd scoping rules."""

from __future__ import annotations

from typing import Any

from classad import ast
from classad.ad import ClassAd
from classad.compiler import _cache as _code
from classad.compiler import compiled, is_hot
from classad.depth import DEEP_BRANCHES, TOO_DEEP, fails_on_entry, too_deep
from classad.operators import BINARY, UNARY, logical_and, logical_or, truth
from classad.purity import is_self_contained
from classad.values import (
    FAILED_ELEMENT,
    LIST_TYPES,
    UNDEFINED,
    AbsTime,
    Error,
    EvaluationFailed,
    ListValue,
    RelTime,
    SharedList,
    Undefined,
    list_source,
    read_element,
)

#: attribute references followed inside one evaluation before it gives ERROR
MAX_ATTR_DEPTH = 96
#: attribute evaluations one context may make in all (each reference that is not a literal
#: or a kept value counts): `a1 = a0 + a0; a2 = a1 + a1; ...` doubles the work per level,
#: and the budget turns what would run for hours into ERROR
MAX_ATTR_EVALS = 200_000

_LCTX_NAMES = frozenset({"ad", "my", "other", "target"})
_MATCH_NAMES = frozenset({"lctx", "rctx", "left", "right", "symmetricmatch", "leftmatchesright",
                          "rightmatchesleft", "leftrankvalue", "rightrankvalue"})
_CONTEXT_NAMES = _LCTX_NAMES | _MATCH_NAMES
_MATCH_ATTRS = (
    ("symmetricMatch", "leftMatchesRight && rightMatchesLeft"),
    ("leftMatchesRight", "RIGHT.Requirements"),
    ("rightMatchesLeft", "LEFT.Requirements"),
    ("leftRankValue", "LEFT.Rank"),
    ("rightRankValue", "RIGHT.Rank"),
)


class EvalContext:
    """Everything one evaluation needs: MY, TARGET, the match context and the depth budget.

    With a target, the two ads sit in a MatchClassAd as HTCondor builds it: MY's parent is a
    context ad `[ad; my; other; target]` whose parent is the match ad `[lCtx; rCtx; LEFT;
    RIGHT; symmetricMatch; ...]`. Those ads are only materialised when an expression reaches
    them.
    """

    __slots__ = ("_lctx", "_match", "_rctx", "active", "compiled", "cycles", "evals", "values",
                 "my", "target", "tiered")

    def __init__(self, my: ClassAd, target: ClassAd | None = None, *,
                 backend: str = "auto") -> None:
        self.my = my
        self.target = target
        if backend == "auto":
            #: evaluate attribute expressions with generated code (else with the tree walker)
            self.compiled = True
            #: interpret an expression's first evaluations, compile it once it is hot
            self.tiered = True
        elif backend in ("compiled", "interpreter"):
            self.compiled = backend == "compiled"
            self.tiered = False
        else:
            raise ValueError(f"unknown backend {backend!r}")
        self.active: set[tuple[int, str]] = set()
        #: cycles and exhausted budgets met so far (values that met one are not kept)
        self.cycles = 0
        #: attribute evaluations left before the budget is spent
        self.evals = MAX_ATTR_EVALS
        #: values of attributes met in this evaluation (without a cycle on the way), by
        #: (id(ad), key), with their ad: `a2 = a1 + a1; a1 = a0 + a0; ...` evaluates each
        #: level once; C++ lists stay unevaluated, so `{a, a}` must not build `a` twice either
        self.values: dict[tuple[int, str], tuple[ClassAd, Any]] | None = None
        self._lctx: ClassAd | None = None
        self._rctx: ClassAd | None = None
        self._match: ClassAd | None = None

    # the match context ------------------------------------------------------------------
    def _build_match(self) -> None:
        from classad.parser import parse_expr

        my, target = self.my, self.target
        assert target is not None
        match = ClassAd()
        self._lctx = ClassAd({"ad": ast.Literal(my), "my": ast.Literal(my),
                              "other": ast.Literal(target), "target": ast.Literal(target)},
                             parent=match)
        self._rctx = ClassAd({"ad": ast.Literal(target), "my": ast.Literal(target),
                              "other": ast.Literal(my), "target": ast.Literal(my)},
                             parent=match)
        match["lCtx"] = ast.Literal(self._lctx)
        match["rCtx"] = ast.Literal(self._rctx)
        match["LEFT"] = ast.Literal(my)
        match["RIGHT"] = ast.Literal(target)
        for name, text in _MATCH_ATTRS:
            match[name] = parse_expr(text)
        self._match = match

    def parent_of(self, ad: ClassAd) -> ClassAd | None:
        """The enclosing scope of an ad, including the match context around MY and TARGET."""
        if ad.parent is not None:
            return ad.parent
        if self.target is None:
            return None
        if ad is self.my:
            if self._lctx is None:
                self._build_match()
            return self._lctx
        if ad is self.target:
            if self._rctx is None:
                self._build_match()
            return self._rctx
        return None

    def alternate_of(self, ad: ClassAd) -> ClassAd | None:
        """Where an unscoped name falls back to when its scope chain lacks it."""
        if self.target is None:
            return None
        if ad is self.my:
            return self.target
        if ad is self.target:
            return self.my
        return None

    def top_of(self, ad: ClassAd) -> ClassAd:
        top = ad
        while True:
            up = self.parent_of(top)
            if up is None:
                return top
            top = up


# ---- attribute lookup ----------------------------------------------------------------------


def eval_in(ad: ClassAd, key: str, expr: ast.Expr, ctx: EvalContext) -> Any:
    """Evaluate `ad`'s attribute `key` in `ad`'s scope; a cycle gives UNDEFINED.

    A value that depends on its own ad alone is kept in the ad (until the ad changes).
    """
    if type(expr) is ast.Literal:
        return expr.value
    if TOO_DEEP and too_deep(expr):
        raise EvaluationFailed("operators nested past the C++ evaluation depth limit")
    memo = ad._memo
    if memo is not None:
        kept = memo.get(key, _MISS)
        if kept is not _MISS and kept is not _IMPURE:
            return kept
    else:
        kept = _MISS
    token = (id(ad), key)
    values = ctx.values
    if values is not None:
        known = values.get(token)
        if known is not None and known[0] is ad:
            return known[1]
    active = ctx.active
    if token in active:
        ctx.cycles += 1
        return UNDEFINED
    if len(active) >= MAX_ATTR_DEPTH:  # the active references are the depth
        ctx.cycles += 1
        return Error("attribute references nested too deeply")
    ctx.evals -= 1
    if ctx.evals < 0:
        ctx.cycles += 1
        return Error("evaluation budget exhausted (too many attribute evaluations)")
    cycles = ctx.cycles
    active.add(token)
    try:
        if ctx.compiled:
            hit = _code.get(id(expr))
            if hit is not None and hit[0] is expr:
                value = hit[1](ad, ctx)
            elif ctx.tiered and not is_hot(expr):
                value = evaluate(expr, ad, ctx)
            else:
                value = compiled(expr)(ad, ctx)
        else:
            value = evaluate(expr, ad, ctx)
    finally:
        active.discard(token)
    if kept is _MISS and ad.parent is None:
        _remember(ad, key, value, ctx.cycles == cycles)
    if ctx.cycles == cycles:
        if values is None:
            values = ctx.values = {}
        values[token] = (ad, value)
    return value


_MISS = object()
_IMPURE = object()
_SCALARS = frozenset({bool, int, float, str, Error, Undefined, AbsTime, RelTime})


def _remember(ad: ClassAd, key: str, value: Any, clean: bool) -> None:
    """Keep `value` in the ad if it depends on the ad alone (and met no cycle on the way)."""
    if not clean:
        return
    memo = ad._memo
    if memo is None:
        memo = ad._memo = {}
    memo[key] = value if type(value) in _SCALARS and is_self_contained(ad, key) else _IMPURE


def attr_fast(scope: ClassAd, ctx: EvalContext, key: str) -> Any:
    """An unscoped reference, with the common case (an attribute of the scope) first."""
    expr = scope._exprs.get(key)
    if expr is None:
        return lookup_unscoped(scope, key, ctx)
    if type(expr) is ast.Literal:
        return expr.value
    return eval_in(scope, key, expr, ctx)


def target_attr(scope: ClassAd, ctx: EvalContext, key: str) -> Any:
    """`TARGET.key`, without building the match context when it is not needed."""
    if scope.parent is None and "target" not in scope._exprs:
        if scope is ctx.my:
            other = ctx.target
        elif scope is ctx.target:
            other = ctx.my
        else:
            return select_value(lookup_unscoped(scope, "target", ctx), key, ctx)
        if other is None:
            return UNDEFINED
        expr = other._exprs.get(key)
        if expr is None:
            return lookup_in_chain(other, key, ctx)
        if type(expr) is ast.Literal:
            return expr.value
        return eval_in(other, key, expr, ctx)
    return select_value(lookup_unscoped(scope, "target", ctx), key, ctx)


_NO_EXPRS: dict[str, ast.Expr] = {}


def target_exprs(scope: ClassAd, ctx: EvalContext) -> dict[str, ast.Expr]:
    """TARGET's attribute table when `TARGET.x` may be read straight from it, else empty."""
    if scope.parent is None and "target" not in scope._exprs:
        if scope is ctx.my and ctx.target is not None:
            return ctx.target._exprs
        if scope is ctx.target:
            return ctx.my._exprs
    return _NO_EXPRS


def my_attr(scope: ClassAd, ctx: EvalContext, key: str) -> Any:
    """`MY.key`: the scope's own attribute, then its enclosing ads."""
    if scope.get_expr("my") is not None:
        return select_value(lookup_unscoped(scope, "my", ctx), key, ctx)
    expr = scope.get_expr(key)
    if expr is None:
        return lookup_in_chain(scope, key, ctx)
    if type(expr) is ast.Literal:
        return expr.value
    return eval_in(scope, key, expr, ctx)


def _up(ad: ClassAd, key: str, ctx: EvalContext) -> ClassAd | None:
    """The next ad up the scope chain that could hold `key`."""
    if ad.parent is not None:
        return ad.parent
    if key in _CONTEXT_NAMES:
        return ctx.parent_of(ad)
    return None


def lookup_in_chain(ad: ClassAd, key: str, ctx: EvalContext) -> Any:
    """`ad.name`: the ad, special names, then its enclosing ads. UNDEFINED if nobody has it."""
    expr = ad._exprs.get(key)
    if expr is not None:
        return eval_in(ad, key, expr, ctx)
    if key in _SPECIAL:
        return _SPECIAL[key](ad, ctx)
    cur: ClassAd | None = _up(ad, key, ctx)
    while cur is not None:
        expr = cur.get_expr(key)
        if expr is not None:
            return eval_in(cur, key, expr, ctx)
        cur = _up(cur, key, ctx)
    return UNDEFINED


def lookup_unscoped(scope: ClassAd, key: str, ctx: EvalContext) -> Any:
    """An unscoped name: the scope, special names, enclosing ads, then the alternate scope."""
    found = _find_unscoped(scope, key, ctx)
    if found is not None:
        return eval_in(found[0], key, found[1], ctx)
    if key in _SPECIAL:
        return _SPECIAL[key](scope, ctx)
    if key == "currenttime":
        from classad.functions import call_builtin

        return call_builtin("time", (), scope, ctx)
    return UNDEFINED


def _special_parent(scope: ClassAd, ctx: EvalContext) -> Any:
    up = ctx.parent_of(scope)
    return UNDEFINED if up is None else up


def _special_top(scope: ClassAd, ctx: EvalContext) -> Any:
    return ctx.top_of(scope)


_SPECIAL: dict[str, Any] = {
    "parent": _special_parent,
    "toplevel": _special_top,
    "root": _special_top,
    "my": lambda scope, ctx: scope,
    "self": lambda scope, ctx: scope,  # the ad the reference is evaluated in, as in C++
}


# ---- the interpreter -----------------------------------------------------------------------


def evaluate(node: ast.Expr, scope: ClassAd, ctx: EvalContext) -> Any:
    """The value of `node` evaluated in `scope`."""
    return _DISPATCH[type(node)](node, scope, ctx)


def _literal(node: ast.Literal, scope: ClassAd, ctx: EvalContext) -> Any:
    return node.value


def _attr(node: ast.AttrRef, scope: ClassAd, ctx: EvalContext) -> Any:
    if node.absolute:
        return lookup_in_chain(ctx.top_of(scope), node.key, ctx)
    return lookup_unscoped(scope, node.key, ctx)


class SubscriptAd(ClassAd):
    """An ad handed back by `ad["name"]`: the C++ library selects nothing from it (`.x` is
    UNDEFINED) though `["x"]` still works; an ad inside a list so handed back answers
    neither (ListedAd). Only the former is of the C++ library's shared ad type."""

    __slots__ = ()
    shared_value = True


class ListedAd(SubscriptAd):
    __slots__ = ()
    shared_value = False


def _handed_back(value: ClassAd, kind: type[SubscriptAd], parent: ClassAd | None) -> ClassAd:
    ad = kind.__new__(kind)
    ad._exprs, ad._names = dict(value._exprs), dict(value._names)
    ad._memo = ad._fast = ad._values = None
    ad.parent = parent
    return ad


def _subscripted(v: Any) -> Any:
    """A list element read by a subscript: a failed evaluation is an ordinary ERROR here."""
    if type(v) is Error and v.reason is FAILED_ELEMENT:
        return Error("a list element's evaluation failed")
    return v


def select_value(base: Any, key: str, ctx: EvalContext) -> Any:
    """`base.name` for an evaluated base: an ad, a list of ads, or ERROR/UNDEFINED."""
    if isinstance(base, ClassAd):
        if isinstance(base, SubscriptAd):
            return UNDEFINED
        return lookup_in_chain(base, key, ctx)
    t = type(base)
    if t in LIST_TYPES:
        return [select_value(item, key, ctx) if isinstance(item, ClassAd)
                or item is UNDEFINED or type(item) is Error or isinstance(item, list)
                else Error("selection from a non-ad list element")
                for item in map(read_element, base)]
    if base is UNDEFINED or t is Error:
        return base
    return Error("selection from a value that is not an ad")


def _select(node: ast.Select, scope: ClassAd, ctx: EvalContext) -> Any:
    return select_value(evaluate(node.base, scope, ctx), node.key, ctx)


def subscript_value(base: Any, index: Any, ctx: EvalContext) -> Any:
    tb, ti = type(base), type(index)
    if tb is Error:
        return base
    if ti is Error:
        return index
    if index is UNDEFINED:
        return UNDEFINED
    if tb in LIST_TYPES:
        if ti is int:
            if 0 <= index < len(base):
                return _subscripted(base[index])
            return Error("list index out of range")
        if index is UNDEFINED:
            return UNDEFINED
        return Error("list index is not an integer")
    if isinstance(base, ClassAd):
        if ti is str:
            key = index.lower()
            expr = base.get_expr(key)
            if expr is None or type(base) is ListedAd:
                return UNDEFINED
            value = eval_in(base, key, expr, ctx)
            if isinstance(value, ClassAd):
                # `ad["name"]` hands back a nested ad detached from its enclosing scope
                detach = value.parent is base and type(expr) is ast.RecordExpr
                return _handed_back(value, SubscriptAd, None if detach else value.parent)
            if isinstance(value, list):
                out = SharedList(_handed_back(v, ListedAd, v.parent)
                                 if isinstance(v, ClassAd) else v for v in value)
                out.source = list_source(value)
                return out
            return value
        if index is UNDEFINED:
            return UNDEFINED
        return Error("ad subscript is not a string")
    if base is UNDEFINED:
        return UNDEFINED
    return Error("subscript of a value that is neither a list nor an ad")


def _subscript(node: ast.Subscript, scope: ClassAd, ctx: EvalContext) -> Any:
    base = node.base
    while type(base) is ast.Paren:
        base = base.expr
    if type(base) is ast.ListExpr:
        return pick_element(base.items, evaluate(node.index, scope, ctx), scope, ctx)
    if type(base) is ast.AttrRef and not base.absolute:
        return subscript_ref(scope, ctx, base.key, evaluate(node.index, scope, ctx))
    return subscript_value(evaluate(node.base, scope, ctx), evaluate(node.index, scope, ctx), ctx)


def run(expr: ast.Expr, scope: ClassAd, ctx: EvalContext) -> Any:
    """Evaluate with the context's backend."""
    if TOO_DEEP and too_deep(expr):
        raise EvaluationFailed("operators nested past the C++ evaluation depth limit")
    if ctx.compiled:
        hit = _code.get(id(expr))
        if hit is not None and hit[0] is expr:
            return hit[1](scope, ctx)
        if ctx.tiered and not is_hot(expr):
            return evaluate(expr, scope, ctx)
        return compiled(expr)(scope, ctx)
    return evaluate(expr, scope, ctx)


def pick_element(items: tuple[ast.Expr, ...], index: Any, scope: ClassAd,
                 ctx: EvalContext) -> Any:
    """`{a, b, ...}[i]`: only the chosen element is evaluated, as lists are lazy in C++."""
    if type(index) is int and 0 <= index < len(items):
        return _subscripted(list_element(items[index], scope, ctx))
    return subscript_value([UNDEFINED] * len(items), index, ctx)


def subscript_ref(scope: ClassAd, ctx: EvalContext, key: str, index: Any) -> Any:
    """`name[i]`: when `name` holds a list literal, evaluate just the chosen element, after
    the reference itself has finished (so `L = {1, L}` makes `L[1]` the whole list)."""
    found = _find_unscoped(scope, key, ctx)
    if found is not None:
        ad, expr = found
        if type(expr) is ast.ListExpr and (id(ad), key) not in ctx.active:
            return pick_element(expr.items, index, ad, ctx)
    return subscript_value(lookup_unscoped(scope, key, ctx), index, ctx)


def _find_unscoped(scope: ClassAd, key: str, ctx: EvalContext) -> tuple[ClassAd, ast.Expr] | None:
    """Where an unscoped name's expression lives, without evaluating it: the scope, then
    (unless the name is special) the enclosing ads, then the alternate scope. None: nowhere."""
    expr = scope._exprs.get(key)
    if expr is not None:
        return scope, expr
    if key in _SPECIAL:
        return None
    cur = _up(scope, key, ctx)
    while cur is not None:
        expr = cur._exprs.get(key)
        if expr is not None:
            return cur, expr
        cur = _up(cur, key, ctx)
    alt = ctx.alternate_of(scope)
    if alt is not None:
        expr = alt._exprs.get(key)
        if expr is not None:
            return alt, expr
    return None


def _unary(node: ast.Unary, scope: ClassAd, ctx: EvalContext) -> Any:
    return UNARY[node.op](evaluate(node.operand, scope, ctx))


def _binary(node: ast.Binary, scope: ClassAd, ctx: EvalContext) -> Any:
    # Walk the left spine in a loop so that long chains (`a && b && ...`) do not recurse.
    spine: list[ast.Binary] = []
    cur: ast.Expr = node
    while type(cur) is ast.Binary:
        spine.append(cur)
        cur = cur.left
    acc = evaluate(cur, scope, ctx)
    for b in reversed(spine):
        op = b.op
        right = b.right
        if op == "&&":
            acc = logical_and(acc, lambda r=right: branch(r, scope, ctx))  # type: ignore[misc]
        elif op == "||":
            acc = logical_or(acc, lambda r=right: branch(r, scope, ctx))  # type: ignore[misc]
        else:
            acc = BINARY[op](acc, evaluate(right, scope, ctx))
    return acc


def _cond(node: ast.Cond, scope: ClassAd, ctx: EvalContext) -> Any:
    test = truth(evaluate(node.test, scope, ctx))
    if test is True:
        taken = node.then
    elif test is False:
        taken = node.orelse
    else:
        return test
    if DEEP_BRANCHES and fails_on_entry(taken):  # (no call of `branch`: a frame per level)
        raise EvaluationFailed("a branch taken nests past the C++ evaluation depth limit")
    return evaluate(taken, scope, ctx)


def _elvis(node: ast.Elvis, scope: ClassAd, ctx: EvalContext) -> Any:
    left = evaluate(node.left, scope, ctx)
    if left is not UNDEFINED:
        return left
    right = node.right
    if DEEP_BRANCHES and fails_on_entry(right):
        raise EvaluationFailed("a branch taken nests past the C++ evaluation depth limit")
    return evaluate(right, scope, ctx)


def branch(node: ast.Expr, scope: ClassAd, ctx: EvalContext) -> Any:
    """A branch taken (of `?:`, `&&`, `||`, elvis, ifThenElse): C++ counts its operators
    on top of those active, and fails past its depth limit (classad.depth.DEEP_BRANCHES)."""
    if DEEP_BRANCHES and fails_on_entry(node):
        raise EvaluationFailed("a branch taken nests past the C++ evaluation depth limit")
    return evaluate(node, scope, ctx)


def _paren(node: ast.Paren, scope: ClassAd, ctx: EvalContext) -> Any:
    return evaluate(node.expr, scope, ctx)


def _call(node: ast.Call, scope: ClassAd, ctx: EvalContext) -> Any:
    from classad.functions import call_builtin

    return call_builtin(node.key, node.args, scope, ctx)


def _list(node: ast.ListExpr, scope: ClassAd, ctx: EvalContext) -> Any:
    out = ListValue()
    out.source = node
    for item in node.items:  # (values are never changed in place)
        if type(item) is ast.Literal:
            out.append(item.value)
            continue
        try:  # each element on its own (see list_element)
            out.append(evaluate(item, scope, ctx))
        except RecursionError:  # also EvaluationFailed
            out.append(Error(FAILED_ELEMENT))
    return out


def list_element(item: ast.Expr, scope: ClassAd, ctx: EvalContext) -> Any:
    """One element of a list, evaluated on its own: C++ keeps a list unevaluated and
    evaluates an element only when it is read, keeping a failed evaluation (userHome(),
    random(0), too deep) to that element as ERROR: `size({1, userHome()})` is 2."""
    try:
        return run(item, scope, ctx)
    except RecursionError:  # also EvaluationFailed
        return Error(FAILED_ELEMENT)  # read_element() fails where C++ reads it in place


def _record(node: ast.RecordExpr, scope: ClassAd, ctx: EvalContext) -> Any:
    return ClassAd.from_record(node, parent=scope)


_DISPATCH: dict[type, Any] = {
    ast.Literal: _literal, ast.AttrRef: _attr, ast.Select: _select, ast.Subscript: _subscript,
    ast.Unary: _unary, ast.Binary: _binary, ast.Cond: _cond, ast.Elvis: _elvis,
    ast.Paren: _paren, ast.Call: _call, ast.ListExpr: _list, ast.RecordExpr: _record,
}


# ---- entry points --------------------------------------------------------------------------


def evaluate_expr(expr: ast.Expr, my: ClassAd | None = None,
                  target: ClassAd | None = None, *, backend: str = "auto",
                  strict: bool = False) -> Any:
    """Evaluate a loose expression with `my` as scope (an empty ad if None) and a TARGET.
    An evaluation that fails as a whole (EvaluationFailed: where the C++ Evaluate() returns
    false) gives ERROR, or with `strict` raises, as HTCondor's Python bindings do."""
    scope = my if my is not None else ClassAd()
    ctx = EvalContext(scope, target, backend=backend)
    try:
        return run(expr, scope, ctx)
    except RecursionError:
        if strict:
            raise
        return Error("evaluation nested too deeply")


def evaluate_attr(ad: ClassAd, name: str, target: ClassAd | None = None, *,
                  backend: str = "auto", strict: bool = False) -> Any:
    """Evaluate `ad`'s attribute `name` (UNDEFINED if absent) in a match with `target`;
    `strict` as for evaluate_expr."""
    key = name.lower()
    expr = ad.get_expr(key)
    if expr is None:
        return UNDEFINED
    ctx = EvalContext(ad, target, backend=backend)
    try:
        return eval_in(ad, key, expr, ctx)
    except RecursionError:
        if strict:
            raise
        return Error("evaluation nested too deeply")
