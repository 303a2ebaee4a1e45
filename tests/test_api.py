"""The package's public API as the README shows it; lark stays inside the parser.

The direction of imports between packages and layers is checked by `lint-imports`
(contracts in pyproject.toml)."""

from __future__ import annotations

from pathlib import Path

import classad

ROOT = Path(__file__).resolve().parents[1]


def test_readme_api() -> None:
    job = classad.parse_ad("RequestMemory = 2048\nRequirements = TARGET.Memory >= RequestMemory\n"
                           "Rank = TARGET.Memory\n")
    slot = classad.parse_ad('[Memory = 4096; Requirements = TARGET.RequestMemory <= Memory]')
    assert job.eval("RequestMemory") == 2048
    assert classad.evaluate("TARGET.Memory >= 2048", job, slot) is True
    assert classad.symmetric_match(job, slot)
    assert classad.rank(job, slot) == 4096.0
    assert classad.evaluate("undefined") is classad.UNDEFINED
    assert isinstance(classad.evaluate("1/0"), classad.Error)


def test_only_the_parser_imports_lark() -> None:
    for path in (ROOT / "classad").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name != "parser.py":
            assert "import lark" not in text and "from lark" not in text, path


def test_project_code_uses_the_project_classad() -> None:
    """`classad.ClassAd` is HTCondor's bindings class (ad[k] gives Python values); the
    project's own code works on `classad.ad.ClassAd` (ad[k] gives expression trees)."""
    import re

    pattern = re.compile(r"^\s*from classad import [^\n]*\bClassAd\b", re.M)
    offenders = [
        str(path.relative_to(ROOT))
        for package in ("negotiator", "executor")
        for path in (ROOT / package).rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
