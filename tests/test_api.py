"""The package's public API as the README shows it, and the one-way import direction."""

from __future__ import annotations

import ast as pyast
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


def _imports(package: str) -> set[str]:
    found: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in pyast.walk(pyast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, pyast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, pyast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


def test_dependencies_point_one_way() -> None:
    assert not {"negotiator", "executor"} & _imports("classad")
    assert "negotiator" not in _imports("executor")


def test_only_the_parser_imports_lark() -> None:
    for path in (ROOT / "classad").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name != "parser.py":
            assert "import lark" not in text and "from lark" not in text, path
