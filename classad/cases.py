"""Run one conformance-style case (the corpus's JSON shape) and encode its result."""

from __future__ import annotations

from typing import Any

from classad import fastpath, specialize
from classad.ad import ClassAd
from classad.canonical import encode
from classad.errors import ClassAdSyntaxError
from classad.evaluator import EvalContext, run
from classad.fastpath import BAIL
from classad.parser import parse_expr, parse_record


def _ad(text: str | None, what: str) -> ClassAd | None:
    if text is None:
        return None
    try:
        return ClassAd.from_record(parse_record(text, source=what))
    except ClassAdSyntaxError as exc:
        raise ValueError(f"{what} ad does not parse: {exc}") from None


_FAST_BACKENDS = {"fast": fastpath.value, "specialised": specialize.value}


def run_case(case: dict[str, Any], backend: str = "auto") -> dict[str, Any]:
    """The canonical result of a case: an eval, a parse_error check or a match.

    `backend`: "auto", "compiled" or "interpreter" (see EvalContext), or one of the
    matchmaking fast paths wherever it applies, the compiled backend elsewhere: "fast"
    (classad.fastpath) or "specialised" (classad.specialize, specialised for MY).
    """
    if case.get("kind") == "match":
        from classad.match import match_report

        my = _ad(case.get("my"), "my")
        target = _ad(case.get("target"), "target")
        if my is None or target is None:
            raise ValueError("a match case needs both `my` and `target`")
        report = match_report(my, target, backend=backend)
        return {"matches": report.matches, "symmetric": report.symmetric,
                "rank": encode(report.rank_value, report.context)}
    expr_text = case.get("expr")
    if not isinstance(expr_text, str):
        raise ValueError("a case needs an `expr` string")
    my = _ad(case.get("my"), "my")
    target = _ad(case.get("target"), "target")
    try:
        expr = parse_expr(expr_text)
    except ClassAdSyntaxError as exc:
        return {"type": "parse_error", "message": str(exc).splitlines()[0]}
    scope = my if my is not None else ClassAd()
    fast = _FAST_BACKENDS.get(backend)
    ctx = EvalContext(scope, target, backend="compiled" if fast else backend)
    try:
        value = fast(expr, scope, target) if fast is not None and target is not None else BAIL
        if value is BAIL:
            value = run(expr, scope, ctx)
    except RecursionError:  # also EvaluationFailed: the whole evaluation is ERROR
        return {"type": "error"}
    return encode(value, ctx)
