"""Every public conformance case, evaluated through the Python API (TZ=UTC)."""

from __future__ import annotations

from typing import Any

import pytest

from classad.cases import run_case
from tests.conformance import load_cases, same

CASES = load_cases()


@pytest.mark.parametrize("backend", ["interpreter", "compiled", "fast", "specialised"])
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case: dict[str, Any], backend: str, utc: None) -> None:
    got = run_case(case, backend)
    type_only = case["category"].startswith("fn.math.random") and case["expect"]["type"] != "error"
    assert same(case["expect"], got, type_only=type_only), f"{case.get('expr', '')!r}: expected {case['expect']}, got {got}"
