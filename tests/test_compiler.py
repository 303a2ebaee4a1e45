"""The compiled backend: agreement with the interpreter and safety of the generated code."""

from __future__ import annotations

import ast as pyast

import pytest

from classad.ad import ClassAd
from classad.canonical import encode
from classad.compiler import python_source
from classad.evaluator import evaluate_expr
from classad.parser import parse_expr, parse_record

NASTY = [
    "'__import__(\"os\").system(\"true\")' + 1",
    "\"'); import os; os.system('true'); ('\" == x",
    "'a\\'b\\\\c' == \"\\\"\\n\\t\"",
    "__class__.__mro__ + __builtins__",
    "'x\ny' && 'y z'",
    "\"\\u00e9\\u65e5\" == \"日本\"",
    "exec(\"print(1)\") + eval(\"__import__\")",
    "TARGET.'__globals__' ?: MY.'\\n'",
    "\"" + "A" * 5000 + "\" == " + "\"" + "a" * 5000 + "\"",
    "{[a = 1; b = c], 'lambda: 0'}['__len__']",
]

MY = parse_record("[x = 1; c = x + 1; '__import__' = 5; '\\n' = \"nl\"]")
TARGET = parse_record("[y = 2; '__globals__' = undefined]")


@pytest.mark.parametrize("text", NASTY)
def test_generated_code_only_evaluates(text: str) -> None:
    expr = parse_expr(text)
    source = python_source(expr)
    tree = pyast.parse(source)
    allowed_calls = {"type", "_truth"}
    for node in pyast.walk(tree):
        assert not isinstance(node, pyast.Import | pyast.ImportFrom | pyast.Attribute
                              | pyast.Lambda | pyast.Global) or (
            isinstance(node, pyast.Attribute) and node.attr in ("lower", "isascii", "top_of", "_exprs", "get", "value", "target", "my", "parent")
        ), pyast.dump(node)
        if isinstance(node, pyast.Name):
            assert not node.id.startswith("__"), node.id
            assert node.id in ("scope", "ctx", "type", "int", "float", "str", "bool") or \
                node.id.startswith("_"), node.id
        if isinstance(node, pyast.Call) and isinstance(node.func, pyast.Name):
            assert node.func.id.startswith("_") or node.func.id in allowed_calls


@pytest.mark.parametrize("text", NASTY)
def test_backends_agree_on_nasty_input(text: str) -> None:
    expr = parse_expr(text)
    my, target = ClassAd.from_record(MY), ClassAd.from_record(TARGET)
    got = encode(evaluate_expr(expr, my, target, backend="compiled"))
    want = encode(evaluate_expr(expr, my, target, backend="interpreter"))
    assert got == want


def test_show_python_prints_generated_code() -> None:
    from typer.testing import CliRunner

    from classad.cli import app

    result = CliRunner().invoke(app, ["eval", "--show-python", "TARGET.Memory >= 2048"])
    assert result.exit_code == 0
    assert "def _expr(scope, ctx):" in result.output
