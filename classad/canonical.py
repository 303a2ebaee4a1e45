"""The canonical typed JSON encoding of values used by the conformance corpus and `--jsonl`."""

from __future__ import annotations

import math
from typing import Any

from classad.ad import ClassAd
from classad.values import UNDEFINED, AbsTime, Error, RelTime

#: how deep nested lists and ads are expanded (the oracle uses the same bound)
MAX_DEPTH = 12
#: how many values one encoding may hold: an ad that refers to the match context (`lctx`,
#: `my`, `target`) expands into every ad around it again at each level
MAX_NODES = 50_000


class TooLarge(ValueError):
    """The encoding of a value would hold more than MAX_NODES values."""


def _number(kind: str, x: float) -> dict[str, Any]:
    if math.isnan(x):
        return {"type": kind, "value": "nan"}
    if math.isinf(x):
        return {"type": kind, "value": "inf" if x > 0 else "-inf"}
    if kind == "reltime" and x == int(x):
        return {"type": kind, "value": int(x)}
    return {"type": kind, "value": x}


def encode(value: Any, ctx: Any = None, depth: int = 0) -> dict[str, Any]:
    """`value` as `{"type": ..., "value": ...}`; nested ads are evaluated in `ctx`.

    Raises TooLarge when the encoding would hold more than MAX_NODES values.
    """
    return _encode(value, ctx, depth, [MAX_NODES])


def _encode(value: Any, ctx: Any, depth: int, budget: list[int]) -> dict[str, Any]:
    from classad.evaluator import EvalContext, select_value

    budget[0] -= 1
    if budget[0] < 0:
        raise TooLarge(f"the value is too large to encode (more than {MAX_NODES} values)")
    t = type(value)
    if t is bool:
        return {"type": "boolean", "value": value}
    if t is int:
        return {"type": "integer", "value": value}
    if t is float:
        return _number("real", value)
    if t is str:
        return {"type": "string", "value": value}
    if value is UNDEFINED:
        return {"type": "undefined"}
    if t is Error:
        return {"type": "error"}
    if t is AbsTime:
        secs = value.secs
        return {"type": "abstime", "value": int(secs) if secs == int(secs) else secs,
                "offset": value.offset}
    if t is RelTime:
        return _number("reltime", value.secs)
    if depth >= MAX_DEPTH:
        return {"type": "error"}
    if isinstance(value, list):
        return {"type": "list", "value": [_encode(v, ctx, depth + 1, budget) for v in value]}
    if isinstance(value, ClassAd):
        if ctx is None:
            ctx = EvalContext(value)
        out = {}
        for name in sorted(value, key=str.lower):
            key = name.lower()
            out[key] = _encode(select_value(value, key, ctx), ctx, depth + 1, budget)  # `(v).name`
        return {"type": "classad", "value": dict(sorted(out.items()))}
    raise TypeError(f"not a ClassAd value: {value!r}")
