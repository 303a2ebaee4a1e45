"""Functions about evaluation itself: ifThenElse, eval, unparse, unresolved, debug."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from classad import ast
from classad.functions import Evaluation, builtin
from classad.operators import truth
from classad.values import Error


@builtin("ifThenElse", arity=(3, 3), lazy=True)
def if_then_else(args: Sequence[ast.Expr], ev: Evaluation) -> Any:
    test = truth(ev.eval(args[0]))
    if test is True:
        return ev.eval(args[1])
    if test is False:
        return ev.eval(args[2])
    if type(test) is Error and not isinstance(ev.eval(args[0]), Error):
        return Error("ifThenElse condition is not a boolean or number")
    return test
