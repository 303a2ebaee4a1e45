"""Matchmaking: one-way and symmetric Requirements, and Rank, with the C++ matchmaker's rules."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from classad.ad import ClassAd
from classad.ast import Literal
from classad.evaluator import EvalContext, eval_in
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
    """my.Requirements is true against target."""
    expr = my._exprs.get("requirements")
    if expr is None:
        return False
    if type(expr) is Literal:
        return is_true(expr.value)
    try:
        value = eval_in(my, "requirements", expr, EvalContext(my, target))
    except RecursionError:
        return False
    t = type(value)
    if t is bool:
        return value is True
    return is_true(value)


def symmetric_match(a: ClassAd, b: ClassAd) -> bool:
    """Both ads' Requirements are true against each other (a's is evaluated first)."""
    return matches(a, b) and matches(b, a)


def rank(my: ClassAd, target: ClassAd) -> float:
    """my.Rank against target as a number; anything that is not a number counts as 0.0."""
    expr = my._exprs.get("rank")
    if expr is None:
        return 0.0
    value = expr.value if type(expr) is Literal else _attr(my, "rank", EvalContext(my, target))
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
    ctx = EvalContext(my, target, backend=backend)
    req = _attr(my, "requirements", ctx)
    rctx = EvalContext(target, my, backend=backend)
    treq = _attr(target, "requirements", rctx)
    return MatchReport(
        requirements=req,
        target_requirements=treq,
        matches=is_true(req),
        target_matches=is_true(treq),
        rank_value=_attr(my, "rank", ctx),
        target_rank_value=_attr(target, "rank", rctx),
        context=ctx,
    )
