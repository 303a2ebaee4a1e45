"""The one-line unparse of every parsed corpus expression, and of scalar results."""

from __future__ import annotations

from typing import Any

import pytest

from classad.cases import run_case
from classad.errors import ClassAdSyntaxError
from classad.parser import parse_expr
from classad.unparse import unparse, unparse_value
from tests.conformance import load_cases

CASES = [c for c in load_cases() if c.get("kind") == "eval" and "unparse" in c]
SCALARS = [c for c in CASES if "value_unparse" in c and not c.get("eval_failed")
           and c["expect"]["type"] not in ("list", "classad")
           and not c["category"].startswith("fn.math.random")
           and not c["category"].startswith("fn.time.now")]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_unparse(case: dict[str, Any]) -> None:
    try:
        tree = parse_expr(case["expr"])
    except ClassAdSyntaxError:
        pytest.fail("does not parse")
    assert unparse(tree) == case["unparse"]


def _value(case: dict[str, Any]) -> Any:
    from classad.ad import ClassAd
    from classad.evaluator import EvalContext, evaluate
    from classad.parser import parse_record

    my = ClassAd.from_record(parse_record(case["my"])) if "my" in case else ClassAd()
    target = ClassAd.from_record(parse_record(case["target"])) if "target" in case else None
    return evaluate(parse_expr(case["expr"]), my, EvalContext(my, target))


@pytest.mark.parametrize("case", SCALARS, ids=[c["id"] for c in SCALARS])
def test_value_unparse(case: dict[str, Any], utc: None) -> None:
    got = run_case(case)
    if got.get("type") != case["expect"]["type"]:
        pytest.skip("evaluation differs (not an unparse problem)")
    assert unparse_value(_value(case)) == case["value_unparse"]
