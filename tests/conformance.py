"""Loads the conformance corpus and compares results with the C++ library's answers."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).parent / "data" / "conformance.jsonl"


def load_cases(path: Path = CORPUS) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def same(expected: Any, got: Any, *, type_only: bool = False) -> bool:
    """Canonical results agree (parse errors match on type; random() on type only)."""
    if isinstance(expected, dict) and isinstance(got, dict):
        if "matches" in expected:
            return (expected["matches"] == got.get("matches")
                    and expected["symmetric"] == got.get("symmetric")
                    and same(expected["rank"], got.get("rank")))
        if expected.get("type") != got.get("type"):
            return False
        if type_only or expected["type"] in ("parse_error", "undefined", "error"):
            return True
        ev, gv = expected.get("value"), got.get("value")
        if expected["type"] == "abstime" and expected.get("offset") != got.get("offset"):
            return False
        return _same_value(ev, gv)
    return bool(expected == got)


def _same_value(ev: Any, gv: Any) -> bool:
    if isinstance(ev, list) and isinstance(gv, list):
        return len(ev) == len(gv) and all(same(a, b) for a, b in zip(ev, gv, strict=True))
    if isinstance(ev, dict) and isinstance(gv, dict):
        return ev.keys() == gv.keys() and all(same(ev[k], gv[k]) for k in ev)
    if isinstance(ev, float) or isinstance(gv, float):
        if isinstance(ev, str) or isinstance(gv, str):
            return bool(ev == gv)
        return bool(ev == gv or math.isclose(ev, gv, rel_tol=1e-12, abs_tol=0.0))
    return bool(ev == gv) and type(ev) is type(gv)
