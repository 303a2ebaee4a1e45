"""Parser behaviour beyond the corpus: grammar strictness, error positions, deep and huge input."""

from __future__ import annotations

import pytest
from lark import Lark

from classad import ast, evaluate
from classad.errors import ClassAdSyntaxError
from classad.parser import MAX_NESTING, _grammar_text, parse_expr, parse_record
from classad.values import Error


def test_grammar_has_no_conflicts() -> None:
    Lark(_grammar_text(), parser="lalr", lexer="contextual", start=["start", "ad_start"],
         strict=True)


def test_identical_text_shares_one_tree() -> None:
    assert parse_expr("TARGET.Memory >= 2048") is parse_expr("TARGET.Memory >= 2048")


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("1 +", 1, 4),
        ("a == 010", 1, 6),
        ("x ?: -y", 1, 6),
        ("[a = 1;\n b = ]", 2, 6),
        ('"abc', 1, 1),
    ],
)
def test_error_positions(text: str, line: int, column: int) -> None:
    with pytest.raises(ClassAdSyntaxError) as info:
        parse_record(text) if text.startswith("[") else parse_expr(text)
    assert (info.value.line, info.value.column) == (line, column)
    assert "^" in info.value.snippet


def test_deep_parentheses_give_a_clean_error() -> None:
    text = "(" * 100_000 + "1" + ")" * 100_000
    with pytest.raises(ClassAdSyntaxError, match="nested"):
        parse_expr(text)


def test_nesting_within_budget_evaluates() -> None:
    depth = MAX_NESTING - 5
    assert evaluate("(" * depth + "1" + ")" * depth) == 1


def test_long_chains_do_not_recurse() -> None:
    """400 chained operators evaluate; past that the C++ library's evaluation depth limit
    makes the whole evaluation ERROR (classad.depth), and the parser takes any length."""
    text = " && ".join(f"(x{i} =?= undefined)" for i in range(200))
    assert evaluate(text) is True
    assert evaluate(" + ".join(["1"] * 401)) == 401
    assert isinstance(evaluate(" + ".join(["1"] * 5000)), Error)
    assert isinstance(evaluate(" && ".join(["true"] * 2000)), Error)


def test_megabyte_expression() -> None:
    text = " || ".join(f'Name == "slot{i}@host.example.org"' for i in range(40_000))
    assert len(text) > 1_000_000
    assert evaluate(text) is not None


def test_attribute_chain_beyond_budget_is_error_not_crash() -> None:
    from classad.ad import ClassAd

    ad = ClassAd({f"a{i}": parse_expr(f"a{i + 1} + 1") for i in range(3000)})
    ad["a3000"] = 0
    assert isinstance(ad.eval("a0"), Error)
    assert ad.eval("a2990") == 10


def test_tree_is_our_own() -> None:
    node = parse_expr("MY.x + f(1)")
    assert isinstance(node, ast.Binary)
    assert isinstance(node.right, ast.Call)
