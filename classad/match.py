"""Matchmaking: one-way and symmetric Requirements, and Rank, with the C++ matchmaker's rules."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from classad import fastpath, specialize
from classad.ad import ClassAd
from classad.ast import Expr, Literal
from classad.evaluator import EvalContext, eval_in
from classad.fastpath import BAIL, plain
from classad.values import UNDEFINED, Error


def is_true(value: Any) -> bool:
    """How the matchmaker reads Requirements: true, or a non-zero (or NaN) number."""
    t = type(value)
    if t is bool:
        return bool(value)
    if t is int:
        return bool(value != 0)
    if t is float:
        return bool(value != 0.0 or math.isnan(value))
    return False


def _attr(ad: ClassAd, key: str, ctx: EvalContext) -> Any:
    expr = ad._exprs.get(key)
    if expr is None:
        return UNDEFINED
    if type(expr) is Literal:
        return expr.value
    try:
        return eval_in(ad, key, expr, ctx)
    except RecursionError:
        return Error("evaluation nested too deeply")


def requirements(my: ClassAd, target: ClassAd) -> Any:
    """The value of my.Requirements against target."""
    return _attr(my, "requirements", EvalContext(my, target))


def matches(my: ClassAd, target: ClassAd) -> bool:
    """my.Requirements is true against target (the fast path first, see classad.fastpath)."""
    table = my._fast
    fast = table.get("requirements") if table is not None else None
    if fast is None or type(fast) is int:
        return _holds(my, target)
    if my.parent is None:  # the entry exists only while my is otherwise plain
        try:
            value = fast(my, target, 0)
        except RecursionError:  # also EvaluationFailed: the whole evaluation is ERROR
            return False
        if value is True or value is False:
            return bool(value)
        if value is not BAIL:
            return is_true(value)
    return _holds(my, target, fast=False)


def symmetric_match(a: ClassAd, b: ClassAd) -> bool:
    """Both ads' Requirements are true against each other (a's is evaluated first)."""
    return matches(a, b) and matches(b, a)


def _holds(my: ClassAd, target: ClassAd, fast: bool = True) -> bool:
    """my.Requirements against target: the fast path if it applies, else the evaluator."""
    expr = my._exprs.get("requirements")
    if expr is None:
        return False
    if type(expr) is Literal:
        return is_true(expr.value)
    try:
        value = _fast_value(my, "requirements", expr, target) if fast else BAIL
        if value is BAIL:
            value = eval_in(my, "requirements", expr, EvalContext(my, target))
    except RecursionError:  # also EvaluationFailed: the whole evaluation is ERROR
        return False
    return is_true(value)


def _fast_value(my: ClassAd, key: str, expr: Expr, target: ClassAd) -> Any:
    """my's attribute `key` (`expr`, not a literal) against target by the fast path; BAIL
    where it does not apply."""
    if not plain(my):
        return BAIL
    fn = specialize.function_for(my, key, expr)
    return BAIL if fn is None else fn(my, target, 0)


def rank(my: ClassAd, target: ClassAd) -> float:
    """my.Rank against target as a number; anything that is not a number counts as 0.0."""
    expr = my._exprs.get("rank")
    if expr is None:
        return 0.0
    if type(expr) is Literal:
        value = expr.value
    else:
        try:
            value = _fast_value(my, "rank", expr, target)
        except RecursionError:  # also EvaluationFailed: the whole evaluation is ERROR
            return 0.0
        if value is BAIL:
            value = _attr(my, "rank", EvalContext(my, target))
    t = type(value)
    if t is int or t is float or t is bool:
        return float(value)
    return 0.0


@dataclass(frozen=True)
class MatchReport:
    """Both directions of a match, for reports and the `classad match` command."""

    requirements: Any
    target_requirements: Any
    matches: bool
    target_matches: bool
    rank_value: Any
    target_rank_value: Any
    context: EvalContext

    @property
    def symmetric(self) -> bool:
        return self.matches and self.target_matches


def match_report(my: ClassAd, target: ClassAd, *, backend: str = "auto") -> MatchReport:
    """Both directions of a match. Backends "fast" and "specialised": that fast path
    wherever it applies (for tests), the compiled backend elsewhere."""
    fast = {"fast": fastpath.value, "specialised": specialize.value}.get(backend)
    if fast is not None:
        backend = "compiled"
    ctx = EvalContext(my, target, backend=backend)
    rctx = EvalContext(target, my, backend=backend)

    def attr(ad: ClassAd, key: str, c: EvalContext) -> Any:
        expr = ad._exprs.get(key)
        if fast is not None and expr is not None:
            value = fast(expr, ad, c.target)  # type: ignore[arg-type]
            if value is not BAIL:
                return value
        return _attr(ad, key, c)

    req = attr(my, "requirements", ctx)
    treq = attr(target, "requirements", rctx)
    return MatchReport(
        requirements=req,
        target_requirements=treq,
        matches=is_true(req),
        target_matches=is_true(treq),
        rank_value=attr(my, "rank", ctx),
        target_rank_value=attr(target, "rank", rctx),
        context=ctx,
    )
