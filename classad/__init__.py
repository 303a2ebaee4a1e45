"""HTCondor ClassAds in Python: parse, evaluate, match, and read and write ad files."""

from __future__ import annotations

from typing import Any

from classad.ad import ClassAd
from classad.errors import ClassAdError, ClassAdSyntaxError
from classad.evaluator import evaluate_expr as _evaluate_expr
from classad.formats import dump_ad, dump_ads, load_ads, parse_ad, parse_ads
from classad.match import matches, rank, symmetric_match
from classad.parser import parse_expr
from classad.values import (
    ERROR,
    UNDEFINED,
    AbsTime,
    Error,
    RelTime,
    Undefined,
    is_error,
    is_undefined,
)

__all__ = [
    "ERROR", "UNDEFINED", "AbsTime", "ClassAd", "ClassAdError", "ClassAdSyntaxError", "Error",
    "RelTime", "Undefined", "evaluate", "is_error", "is_undefined", "parse_expr",
    "dump_ad", "dump_ads", "load_ads", "parse_ad", "parse_ads", "matches", "rank",
    "symmetric_match",
]


def evaluate(expr: Any, my: ClassAd | None = None, target: ClassAd | None = None) -> Any:
    """Evaluate an expression (text or parsed) with `my` as MY and `target` as TARGET."""
    tree = parse_expr(expr) if isinstance(expr, str) else expr
    return _evaluate_expr(tree, my, target)
