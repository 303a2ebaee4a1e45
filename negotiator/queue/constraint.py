"""`-constraint` expressions: evaluated against each job ad on its own, as condor_q does."""

from __future__ import annotations

from typing import Any

from classad import ast
from classad.ad import ClassAd
from classad.evaluator import evaluate_expr
from classad.unparse import quote_string


def evaluate_constraint(tree: ast.Expr, ad: ClassAd) -> Any:
    """The value of a constraint with `ad` as MY and no TARGET."""
    return evaluate_expr(tree, ad, None)


def all_of(*constraints: str | None) -> str | None:
    """Constraints joined by `&&` (each parenthesised); None when there are none."""
    parts = [f"({c})" for c in constraints if c]
    return " && ".join(parts) if parts else None


def owner_is(owner: str) -> str:
    return f"Owner == {quote_string(owner)}"
