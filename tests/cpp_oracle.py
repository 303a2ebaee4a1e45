"""The real C++ ClassAd library (HTCondor's `htcondor2` + `classad2` bindings) as a test oracle.

Importing this module pins the environment the C++ library must run in (TZ=UTC and an empty
HTCondor configuration), then imports `htcondor2` *before* `classad2`: that import switches the
library to the old-ClassAd semantics HTCondor daemons use (`MY.`, fallback to TARGET, ...) and
registers HTCondor's extra builtin functions.  When the bindings are missing, `AVAILABLE` is
False and `UNAVAILABLE_REASON` says why; nothing else in the module may then be used.

`run_case(case)` mirrors `classad.cases.run_case`: it takes a case dict (kind "eval" or
"match", the corpus's JSON shape) and returns the canonical result encoding.  Results the
encoding cannot express (a string that is not valid UTF-8, a value nesting without end, an
ad text the C++ parser rejects) raise `OracleUnusable`.
"""

from __future__ import annotations

import datetime
import math
import os
import re
import time
from typing import Any

os.environ["TZ"] = "UTC"
os.environ["CONDOR_CONFIG"] = "/dev/null"
time.tzset()

AVAILABLE = True
UNAVAILABLE_REASON = ""
try:
    # isort: off
    import htcondor2  # noqa: F401  (must come first: old-ClassAd semantics + HTCondor functions)
    import classad2
    # isort: on
    from classad2 import ClassAd, ExprTree, ParserType, Value
    from classad2.classad2_impl import _classad_parse_next
except ImportError as _exc:  # pragma: no cover - depends on the environment
    AVAILABLE = False
    UNAVAILABLE_REASON = f"the htcondor bindings (htcondor2/classad2) are not importable: {_exc}"

#: how deep nested list/ad results are expanded (same bound as our canonical encoder)
MAX_DEPTH = 12

Canon = dict[str, Any]


class OracleUnusable(Exception):
    """The C++ answer for this input cannot be expressed in the canonical encoding."""


class _Failed:
    """The C++ Evaluate() returned false: every HTCondor caller treats that as ERROR."""


_FAILED = _Failed()


# ---------------------------------------------------------------------------------------------
# parsing


def _whole_ad(text: str) -> Any:
    """`text` parsed as exactly one new-syntax ad that consumes all the input, else None."""
    try:
        ad, end = _classad_parse_next(text, int(ParserType.New), 0)
    except Exception:
        return None
    if ad is None or end == 0 or text[end:].strip():
        return None
    return ad


def parse_expr(text: str) -> Any:
    """Strict expression parse: None when the C++ parser rejects `text`.

    The bindings only parse whole ads, and the ad parser ignores junk after the closing
    bracket, so the text is accepted only if both `[expression = TEXT]` and
    `[expression = (TEXT)]` parse completely and define exactly the one attribute.
    """
    if "\x00" in text:
        return None
    found = []
    for wrapped in (f"[expression = {text}\n]", f"[expression = ({text}\n)]"):
        ad = _whole_ad(wrapped)
        if ad is None or [k.lower() for k in ad] != ["expression"]:
            return None
        found.append(ad)
    return found[0].lookup("expression")


def parse_ad(text: str | None, role: str) -> Any:
    if text is None:
        return None
    ad = _whole_ad(text)
    if ad is None:
        raise OracleUnusable(f"the C++ parser rejects the {role} ad: {text!r}")
    return ad


# ---------------------------------------------------------------------------------------------
# evaluation and the canonical encoding


def _number(kind: str, x: float) -> Canon:
    if math.isnan(x):
        return {"type": kind, "value": "nan"}
    if math.isinf(x):
        return {"type": kind, "value": "inf" if x > 0 else "-inf"}
    if kind == "reltime" and x == int(x):
        return {"type": kind, "value": int(x)}
    return {"type": kind, "value": x}


_ABSTIME_LITERAL = re.compile(r'^absTime\("(.*)([+-])(\d\d):?(\d\d)"\)$')


def _quoted_name(name: str) -> str:
    return "'" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _eval(expr: Any, my: Any, target: Any) -> Any:
    try:
        return expr.eval(scope=my if my is not None else ClassAd(), target=target)
    except UnicodeDecodeError as exc:
        raise OracleUnusable(f"the C++ result is not valid UTF-8: {exc}") from None
    except (RuntimeError, classad2.ClassAdException) as exc:
        if "failed to evaluate" in str(exc):
            return _FAILED
        raise OracleUnusable(f"the C++ evaluation raised {exc!r}") from None


def _literal_text(expr: Any, my: Any, target: Any) -> str:
    """The C++ unparse of the evaluated value (tells reltime from real, recovers offsets)."""
    try:
        return repr(expr.simplify(scope=my if my is not None else ClassAd(), target=target))
    except UnicodeDecodeError as exc:
        raise OracleUnusable(f"the C++ result is not valid UTF-8: {exc}") from None
    except Exception as exc:
        raise OracleUnusable(f"the C++ simplify raised {exc!r}") from None


def canonical_of_text(text: str, my: Any, target: Any, depth: int = 0) -> Canon:
    """Parse `text`, evaluate it with MY=`my`, TARGET=`target` and encode the value."""
    expr = parse_expr(text)
    if expr is None:
        raise OracleUnusable(f"an internal path expression does not parse: {text!r}")
    return _canonical(_eval(expr, my, target), expr, text, my, target, depth)


def _canonical(value: Any, expr: Any, text: str, my: Any, target: Any, depth: int) -> Canon:
    if depth > MAX_DEPTH:
        raise OracleUnusable("the C++ value nests too deeply")
    if value is _FAILED:
        return {"type": "error"}
    if isinstance(value, Value):
        if value == Value.Undefined:
            return {"type": "undefined"}
        if value == Value.Error:
            return {"type": "error"}
        raise OracleUnusable(f"unknown classad2.Value {value!r}")
    if isinstance(value, bool):
        return {"type": "boolean", "value": value}
    if isinstance(value, int):
        return {"type": "integer", "value": value}
    if isinstance(value, float):
        # a reltime comes back as a plain float: only its literal tells it apart
        kind = "reltime" if _literal_text(expr, my, target).startswith("relTime(") else "real"
        return _number(kind, value)
    if isinstance(value, str):
        return {"type": "string", "value": value}
    if isinstance(value, datetime.datetime):
        # an abstime comes back as a UTC datetime: the offset is recovered from its literal
        literal = _literal_text(expr, my, target)
        m = _ABSTIME_LITERAL.match(literal)
        if m is None:
            raise OracleUnusable(f"cannot read the abstime literal {literal!r}")
        sign = 1 if m.group(2) == "+" else -1
        offset = sign * (int(m.group(3)) * 3600 + int(m.group(4)) * 60)
        secs: float = value.timestamp()
        return {"type": "abstime", "value": int(secs) if secs == int(secs) else secs,
                "offset": offset}
    if isinstance(value, list):
        # list elements are unevaluated expressions: evaluate each in place
        return {"type": "list",
                "value": [canonical_of_text(f"({text}\n)[{i}]", my, target, depth + 1)
                          for i in range(len(value))]}
    if isinstance(value, ClassAd):
        fields = {k.lower(): canonical_of_text(f"({text}\n).{_quoted_name(k)}", my, target,
                                               depth + 1)
                  for k in value}
        return {"type": "classad", "value": dict(sorted(fields.items()))}
    if isinstance(value, ExprTree):
        raise OracleUnusable(f"unexpected unevaluated result {value!r}")
    raise OracleUnusable(f"unexpected result type {type(value).__name__}")


def match_truth(canon: Canon) -> bool:
    """How the C++ matchmaker (MatchClassAd::EvalMatchExpr) reads a Requirements value."""
    kind = canon["type"]
    if kind == "boolean":
        return bool(canon["value"])
    if kind == "integer":
        return bool(canon["value"] != 0)
    if kind == "real":
        return canon["value"] in ("nan", "inf", "-inf") or canon["value"] != 0
    return False


_CALL = re.compile(r"([A-Za-z_]\w*)\s*\(")
_CONTEXT_FUNCTIONS = {"evalineachcontext", "countmatches"}
_AD_LIST = re.compile(r"\{\s*\[")


def _may_crash(texts: list[str]) -> bool:
    """The C++ library (25.14.1) dies with SIGSEGV when evalInEachContext() or countMatches()
    gets a list that a function computed, e.g. `countMatches(1, split("a b"))`, also through
    an attribute, and when it gets a literal list of ads.  Such cases are refused: with these
    two functions, no other call at all and no nested ad."""
    calls = [name.lower() for text in texts for name in _CALL.findall(text)]
    if _CONTEXT_FUNCTIONS.isdisjoint(calls):
        return False
    # it also dies on a literal list of ads, e.g.
    # `evalInEachContext({-1, -1, 1e308}, {[a = 1; b = a + 1], [a = "x"]})`
    return len(calls) > 1 or any(_AD_LIST.search(text) for text in texts)


def run_case(case: dict[str, Any]) -> Canon:
    """The C++ library's canonical result for an "eval" or "match" case."""
    texts = [case[k] for k in ("expr", "my", "target") if isinstance(case.get(k), str)]
    if _may_crash(texts):
        raise OracleUnusable("evalInEachContext/countMatches with other calls can crash C++")
    my = parse_ad(case.get("my"), "my")
    target = parse_ad(case.get("target"), "target")
    if case.get("kind") == "match":
        if my is None or target is None:
            raise ValueError("a match case needs both `my` and `target`")
        forward = match_truth(canonical_of_text("MY.Requirements", my, target))
        backward = match_truth(canonical_of_text("MY.Requirements", target, my))
        return {"matches": forward, "symmetric": forward and backward,
                "rank": canonical_of_text("MY.Rank", my, target)}
    text = case["expr"]
    expr = parse_expr(text)
    if expr is None:
        return {"type": "parse_error"}
    return _canonical(_eval(expr, my, target), expr, text, my, target, 0)


# ---------------------------------------------------------------------------------------------
# comparison


def same(expected: Any, got: Any) -> bool:
    """Canonical results agree: exact values (a real's sign of zero included), NaN equals
    NaN (both are the string "nan"), parse errors compare by type only."""
    if isinstance(expected, dict) and isinstance(got, dict):
        if "matches" in expected:
            return (expected["matches"] == got.get("matches")
                    and expected["symmetric"] == got.get("symmetric")
                    and same(expected["rank"], got.get("rank")))
        kind = expected.get("type")
        if kind != got.get("type"):
            return False
        if kind in ("parse_error", "undefined", "error"):
            return True
        # the oracle reads the offset from a literal written in whole minutes (see run_case)
        if kind == "abstime" and expected.get("offset") != _whole_minutes(got.get("offset")):
            return False
        return _same_value(expected.get("value"), got.get("value"))
    return bool(expected == got)


def _whole_minutes(offset: Any) -> Any:
    """An offset in seconds as the C++ library writes it: whole minutes, toward zero."""
    return int(offset / 60) * 60 if isinstance(offset, int) else offset


def _same_value(ev: Any, gv: Any) -> bool:
    if isinstance(ev, list) and isinstance(gv, list):
        return len(ev) == len(gv) and all(same(a, b) for a, b in zip(ev, gv, strict=True))
    if isinstance(ev, dict) and isinstance(gv, dict):
        return ev.keys() == gv.keys() and all(same(ev[k], gv[k]) for k in ev)
    if isinstance(ev, bool) or isinstance(gv, bool):
        return type(ev) is type(gv) and ev == gv
    if isinstance(ev, int | float) and isinstance(gv, int | float):
        if ev == 0 and gv == 0:
            return math.copysign(1.0, ev) == math.copysign(1.0, gv)
        return bool(ev == gv)
    return bool(ev == gv) and type(ev) is type(gv)
