"""Trees built from a shared parse of a text's shape (classad.shapes) against the text parsed
as it is: the same tree, with the same literal types, and the same error at the same place."""

from __future__ import annotations

import random

import classad
from classad import parser, shapes
from classad.ad import ClassAd
from classad.errors import ClassAdSyntaxError
from tests.conformance import load_cases


def _direct(text: str) -> str:
    try:
        return repr(parser._parse(text, "start", "<t>"))  # repr shows 1, 1.0 and True apart
    except ClassAdSyntaxError as err:
        return f"error {err.message} at {err.line}:{err.column}"


def _shaped(text: str) -> str:
    try:
        return repr(parser._parse_shaped(text, "<t>"))
    except ClassAdSyntaxError as err:
        return f"error {err.message} at {err.line}:{err.column}"


def _renumbered(text: str, rng: random.Random) -> str:
    """The text with each plain integer replaced by another of a similar length."""
    found = shapes.skeleton(text)
    if found is None:
        return text
    skeleton, digits = found
    for k, d in enumerate(digits):
        new = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(len(d) - 1))
        skeleton = skeleton.replace(str(shapes.BASE + k), new, 1)
    return skeleton


def test_corpus_texts_and_renumbered_ones_parse_the_same() -> None:
    rng = random.Random(5)
    texts = [c["expr"] for c in load_cases() if "expr" in c and "\x00" not in c["expr"]]
    shaped = 0
    for text in texts:
        for variant in (text, _renumbered(text, rng), _renumbered(text, rng)):
            assert _shaped(variant) == _direct(variant), variant
        shaped += shapes.skeleton(text) is not None
    assert shaped > 500


_PIECES = [
    "a", "B_1", "'q'", "'x1'", "'x\\'2'", "is", "true", "0", "7", "10", "010", "3x", "12abc",
    "9223372036854775807", "9223372036854775808", "12345678901234567890123", "1.5", "5.", ".5",
    "1e3", "2E+4", "1e", "0x1F", "-", "-3", "-12", "-0x10", "- 4", "+", "*", "/", "<", ">=",
    "==", "&&", "||", "?", ":", "?:", ".", "..", ",", ";", "=", "(", ")", "[", "]", "{", "}",
    '"s"', '"12"', '"a\\"3"', '"open 5', "'open 6", "f(", "relTime(\"1:00\")", "absTime(\"junk\")",
    " ", "\n", "// c 7\n", "/* 8 */", "\xb5", "#",
]


def test_random_texts_with_numbers_agree() -> None:
    """Glued tokens: numbers next to names, dots, strings, signs and comments; each text and a
    renumbered copy of it give the direct parse's tree or error."""
    rng = random.Random(21)
    parsed = 0
    for _ in range(3000):
        text = "".join(rng.choice(_PIECES) + rng.choice(("", " ", "")) for _ in range(rng.randint(1, 8)))
        for variant in (text, _renumbered(text, rng)):
            want = _direct(variant)
            assert _shaped(variant) == want, variant
            parsed += not want.startswith("error")
    assert parsed > 300


def test_same_shape_texts_keep_their_own_values() -> None:
    ad = ClassAd({"x": 6})
    for limit in (5, 7, 6, 1, 12):
        expr = classad.parse_expr(f"x >= {limit} && x < 2 * {limit}")
        assert classad.evaluate(expr, ad) is (limit <= 6 and 2 * limit > 6), limit
    b = shapes.BASE
    assert f"x >= {b} && x < {b + 1} * {b + 2}" in parser._shapes


def test_skeleton_leaves_strings_names_reals_and_hex_alone() -> None:
    text = "a1 + 'b2' + \"c3\" + 1.5 + 2e3 + 0x10 + 0 + 45 + -67"
    found = shapes.skeleton(text)
    assert found is not None
    assert found[1] == ["45", "67"]
    assert found[0] == text.replace("45", str(shapes.BASE)).replace("67", str(shapes.BASE + 1))
    assert shapes.skeleton("a + 1 // 2") is None  # comments: parsed as they are


def test_texts_too_deep_to_evaluate_keep_their_error_through_shapes() -> None:
    """C++ fails the evaluation of a chain over 400 operators (classad.depth); a text that
    differs from such a chain only in its integers must fail the same way."""
    from classad.evaluator import evaluate_expr
    from classad.values import is_error

    for k in (1, 2, 3):
        text = " && ".join([str(k)] * 500)
        assert is_error(evaluate_expr(parser.parse_expr(text), None, None)), text
