"""The fast path specialised for one ad: what an expression reads from its own ad, folded in.

A slot's Requirements is evaluated against thousands of jobs and a job's against thousands of
slots, and everything such an expression reads from its own ad is the same each time. Once
one ad's expression is hot (HOT_AFTER runs), it is compiled again for that ad:

- the ad's literal attributes become constants, and so do the kept values of attributes that
  depend on the ad alone (classad.purity);
- its other attributes are inlined, and an inlined `&&` chain joins the chain around it;
- only what the other ad supplies is still looked up.

The code depends on the kinds of what was read (a literal of which type, an absent attribute,
which expression), not on the values, which are the function's default arguments. The reads
are recorded as a plan, so specialising another ad of the same shape is a replay of the reads
plus one FunctionType call, and all such ads share one code object.

Inlining keeps the fast path's rule: no evaluation context, bail out where it could matter.
An inlined attribute is not marked active the way the evaluator marks it, which could only
change a result through a cycle, and a cycle needs a reference the fast path does not follow
without bailing out (see classad.fastpath).
"""

from __future__ import annotations

from types import CodeType, FunctionType
from typing import TYPE_CHECKING, Any

from classad import ast, operators
from classad.compiler import _CACHE_LIMIT, build
from classad.evaluator import _IMPURE, _MISS, EvalContext, eval_in
from classad.fastpath import _NOT_PLAIN as _NOT_PLAIN_KEYS
from classad.fastpath import (
    BAIL,
    Fast,
    _FastGenerator,
    _Unsupported,
    compiling_at_once,
    fast_function,
    plain,
)
from classad.purity import is_self_contained

if TYPE_CHECKING:
    from classad.ad import ClassAd

#: fast-path runs of one ad's expression before it is specialised for that ad
HOT_AFTER = 8
#: attributes inlined inside one another before the rest is looked up at run time
MAX_INLINE = 8
#: shapes of ads remembered per expression
MAX_PLANS = 8

#: how an attribute of the specialised ad was found: ("lit", type), ("pure", type),
#: ("absent",) or ("expr", expression)
Kind = tuple[Any, ...]


def classify(ad: ClassAd, key: str) -> tuple[Kind, Any]:
    """How `ad` holds attribute `key`, and the value a constant for it would have."""
    expr = ad._exprs.get(key)
    if expr is None:
        return ("absent",), None
    if type(expr) is ast.Literal:
        return ("lit", type(expr.value)), expr.value
    memo = ad._memo
    kept = _MISS if memo is None else memo.get(key, _MISS)
    if kept is _MISS and is_self_contained(ad, key):
        eval_in(ad, key, expr, EvalContext(ad))  # keeps the value if it is a scalar
        memo = ad._memo
        kept = _MISS if memo is None else memo.get(key, _MISS)
    if kept is not _MISS and kept is not _IMPURE:
        return ("pure", type(kept)), kept
    return ("expr", expr), None


class Plan:
    """One specialisation's code and the reads that decide whether another ad can use it."""

    __slots__ = ("code", "consts", "namespace", "reads")

    def __init__(self, reads: list[tuple[str, Kind]], consts: list[tuple[int, bool]],
                 code: CodeType, namespace: dict[str, Any]) -> None:
        self.reads = reads
        self.consts = consts
        self.code = code
        self.namespace = namespace

    def bind(self, ad: ClassAd) -> Fast | None:
        """The function for `ad`, if `ad` reads the way the plan's first ad did."""
        values = []
        for key, kind in self.reads:
            got, value = classify(ad, key)
            if got != kind:
                return None
            values.append(value)
        defaults = tuple(operators.fold_case(values[i]) if fold else values[i]
                         for i, fold in self.consts)
        return FunctionType(self.code, self.namespace, "_spec", defaults)


_plans: dict[int, tuple[ast.Expr, list[Plan]]] = {}


def function_for(ad: ClassAd, key: str, expr: ast.Expr) -> Fast | None:
    """The fast-path function to run `ad`'s attribute `key` (`expr`) with, for a plain ad.

    The shape-shared one (classad.fastpath) until the expression is hot for this ad, then
    the one specialised for it. None when the fast path does not apply at all.
    """
    table = ad._fast
    if table is None:
        table = ad._fast = {}
    entry = table.get(key, 0)
    if type(entry) is not int:
        return entry  # type: ignore[no-any-return]
    if entry < HOT_AFTER:
        table[key] = entry + 1
        return fast_function(expr)
    fn = specialise(ad, expr)
    if fn is None:
        fn = fast_function(expr)
    table[key] = fn
    return fn


def value(expr: ast.Expr, my: ClassAd, target: ClassAd) -> Any:
    """`expr` evaluated in `my` against `target` by the path specialised for `my`, compiled at
    once; BAIL where the fast path does not apply. For tests (backend "specialised")."""
    if not plain(my):
        return BAIL
    with compiling_at_once():
        fn = specialise(my, expr)
        return BAIL if fn is None else fn(my, target, 0)


def specialise(ad: ClassAd, expr: ast.Expr) -> Fast | None:
    """`expr` compiled for `ad` (S in the fast path's terms); None if the path does not apply."""
    hit = _plans.get(id(expr))
    if hit is None or hit[0] is not expr:
        if len(_plans) >= _CACHE_LIMIT:
            _plans.clear()
        hit = _plans[id(expr)] = (expr, [])
    plans = hit[1]
    for plan in plans:
        fn = plan.bind(ad)
        if fn is not None:
            return fn
    if len(plans) >= MAX_PLANS:
        return None
    gen = _SpecGenerator(ad)
    try:
        template = build(gen, expr)
    except (_Unsupported, RecursionError):
        return None
    if template is None:
        return None
    plan = Plan(gen.reads, gen.consts, template.__code__, template.__globals__)
    plans.append(plan)
    return plan.bind(ad)


class _SpecGenerator(_FastGenerator):
    """The fast path's generator, reading the specialised ad (S) as it generates."""

    function_name = "_spec"

    def __init__(self, ad: ClassAd) -> None:
        super().__init__()
        self.ad = ad
        #: every attribute of S consulted, in order, with how it was found
        self.reads: list[tuple[str, Kind]] = []
        self.read_index: dict[str, int] = {}
        #: the default arguments: (index of the read giving the value, case-folded)
        self.consts: list[tuple[int, bool]] = []
        self.const_names: dict[tuple[int, bool], str] = {}
        self.inlining: list[str] = []

    def module(self, expr: ast.Expr) -> str:
        result = self.root(expr)
        params = "".join(f", {name}=None" for name in self.const_names.values())
        body = "\n".join([*self.prologue(), *self.lines])
        return f"def _spec(S, T, d{params}):\n{body}\n    return {result}\n"

    # reading S ---------------------------------------------------------------------------
    def read(self, key: str) -> tuple[int, Kind]:
        index = self.read_index.get(key)
        if index is None:
            kind, _ = classify(self.ad, key)
            index = self.read_index[key] = len(self.reads)
            self.reads.append((key, kind))
        return index, self.reads[index][1]

    def arg(self, index: int, fold: bool = False) -> str:
        name = self.const_names.get((index, fold))
        if name is None:
            name = self.const_names[(index, fold)] = f"_c{len(self.consts)}"
            self.consts.append((index, fold))
            self.known[name] = str if fold else self.reads[index][1][1]
        return name

    def folded(self, name: str) -> str:
        for (index, fold), arg in self.const_names.items():
            if arg == name and not fold:
                return self.arg(index, fold=True)
        return super().folded(name)

    def own(self, key: str, unscoped: bool) -> str:
        """S's attribute `key` (MY.key, or an unscoped name S may lack)."""
        index, kind = self.read(key)
        if kind[0] in ("lit", "pure"):
            return self.arg(index)
        out = self.temp()
        if kind[0] == "absent":
            if unscoped:
                self._read_target(key, out, unscoped=True)
            else:
                self.line(f"{out} = _UNDEF")
            return out
        if key in self.inlining or len(self.inlining) >= MAX_INLINE:
            self._nested(key, self.const(kind[1]), out)
            return out
        self.inlining.append(key)
        try:
            return self.emit(kind[1])
        finally:
            self.inlining.pop()

    def attr_ref(self, node: ast.AttrRef) -> str:
        if node.absolute or node.key in _NOT_PLAIN_KEYS:
            raise _Unsupported(node.key)
        return self.own(node.key, unscoped=True)

    def select(self, node: ast.Select) -> str:
        if _own_key(node) is not None and node.key not in _NOT_PLAIN_KEYS:
            return self.own(node.key, unscoped=False)
        return super().select(node)

    # an inlined chain joins the chain around it -----------------------------------------------
    def chain_terms(self, node: ast.Expr, chain: str) -> list[ast.Expr]:
        terms = super().chain_terms(node, chain)
        out: list[ast.Expr] = []
        for term in terms:
            inner = self.inlined_chain(term, chain)
            if inner is None:
                out.append(term)
            else:
                key, sub = inner
                self.inlining.append(key)
                try:
                    out.extend(self.chain_terms(sub, chain))
                finally:
                    self.inlining.pop()
        return out

    def inlined_chain(self, term: ast.Expr, chain: str) -> tuple[str, ast.Expr] | None:
        """(key, expression) when `term` names an attribute of S that is a `chain` chain."""
        while type(term) is ast.Paren:
            term = term.expr
        key = _own_key(term)
        if key is None or key in _NOT_PLAIN_KEYS or key in self.inlining or len(self.inlining) >= MAX_INLINE:
            return None
        _, kind = self.read(key)
        if kind[0] != "expr":
            return None
        sub = kind[1]
        while type(sub) is ast.Paren:
            sub = sub.expr
        if type(sub) is not ast.Binary or sub.op != chain:
            return None
        return key, sub


def _own_key(node: ast.Expr) -> str | None:
    """The key `x` or `MY.x` names: an attribute of the ad itself (unless the ad lacks it)."""
    if type(node) is ast.AttrRef and not node.absolute:
        return node.key
    if (type(node) is ast.Select and type(node.base) is ast.AttrRef and not node.base.absolute
            and node.base.key == "my"):
        return node.key
    return None
