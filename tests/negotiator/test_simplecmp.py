"""The quick path for `slot attribute op job constant` gives the general vector evaluator's codes."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classad import parse_expr
from classad.ad import ClassAd
from negotiator.matchmaking.columns import SlotIndex
from negotiator.matchmaking.simplecmp import compare_codes
from negotiator.matchmaking.vectoreval import CT, CX, JOB, SLOT, VecEval, codes_of

VALUES: list[Any] = [None, 0, 1, 2, 7, -1, 2048, 1 << 60, 0.5, 2.0, 2048.0, float("nan"),
                     float("inf"), True, False, "", "x86_64", "X86_64", "LINUX", "linux", "TACC"]
LITERALS = ["0", "1", "2", "2048", "2.0", "2048.0", "-1", "true", "false", '"x86_64"',
            '"X86_64"', '"linux"', '"nope"', "undefined", "error", "1152921504606846976"]
OPS = ["<", "<=", ">", ">=", "==", "!=", "=?=", "=!=", "is", "isnt"]


def _slot(rng: random.Random) -> ClassAd:
    ad = ClassAd()
    for name in ("A", "B"):
        value = rng.choice(VALUES)
        if value is not None:
            ad[name] = value
    if rng.random() < 0.1:
        ad["B"] = parse_expr("A + 1")  # an expression: the quick path must step aside
    return ad


def _general(ev: VecEval, node: Any, scope: int, sel: Any) -> Any:
    size = ev.index.size if sel is None else len(sel)
    code = codes_of(ev.run(node, scope, sel), size)
    return np.where(code == CT, 1, np.where(code == CX, 2, 0)).astype(np.int8)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(0, 10**9))
def test_quick_codes_equal_general(seed: int) -> None:
    rng = random.Random(seed)
    slots = [_slot(rng) for _ in range(rng.randrange(1, 40))]
    index = SlotIndex(slots)
    job = ClassAd()
    job["R"] = parse_expr(rng.choice(LITERALS))
    op = rng.choice(OPS)
    attr = rng.choice(["A", "B"])
    literal = rng.choice([*LITERALS, "R"])
    flip = rng.random() < 0.5
    if rng.random() < 0.5:
        scope, side = JOB, f"TARGET.{attr}"
    else:
        scope, side = SLOT, f"MY.{attr}"
        literal = "TARGET.R" if literal == "R" else literal
    text = f"{literal} {op} {side}" if flip else f"{side} {op} {literal}"
    node = parse_expr(text)
    sel = None if rng.random() < 0.5 else np.array(
        sorted(rng.sample(range(len(slots)), rng.randrange(1, len(slots) + 1))), dtype=np.int64)
    quick = compare_codes(VecEval(index, job), node, scope, sel)
    if quick is None:
        return
    expected = _general(VecEval(index, job), node, scope, sel)
    assert quick.tolist() == expected.tolist(), text
