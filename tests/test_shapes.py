"""Trees built from a shared parse of a text's shape (classad.shapes) against the text parsed
as it is: the same tree, with the same literal types, and the same error at the same place."""

from __future__ import annotations

import random
import re

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


_PLACEHOLDER = re.compile(r'"\x01[0-9]+"|(?<![A-Za-z0-9_.])(?:8[0-9]{18}|\.?[0-9]+e-300)(?![0-9])')
_REALS = ["1.5", "0.25", "12e3", "3.0e-2", "7E+1", "1e999", "00.5", "2.5E-3", "0.0", "123456789.125"]
_DOT_REALS = [".5", ".25e3", ".0", ".1E-2"]
_STRINGS = ['"x"', '"a\\"b"', '"\\101"', '"\\0"', '"a" "b"', '""', '"\u00e9\\t"', '"12"',
            '"c" /* c */ "d"', '"\\377\\376"', '"1:00"', '"\\"', '"\n"']


def _revalued(text: str, rng: random.Random) -> str:
    """The text with each literal classad.shapes replaces turned into another of its kind: an
    integer of a similar length, another real, another string (escapes, runs, NUL)."""
    found = shapes.skeleton(text)
    if found is None:
        return text
    raws = iter(found[1])

    def other(m: re.Match[str]) -> str:
        raw = next(raws)
        if raw[0] == '"':
            return rng.choice(_STRINGS)
        if raw.isdigit():
            return str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(len(raw) - 1))
        return rng.choice(_DOT_REALS if raw[0] == "." else _REALS)

    return _PLACEHOLDER.sub(other, found[0])


def test_corpus_texts_and_revalued_ones_parse_the_same() -> None:
    rng = random.Random(5)
    texts = [c["expr"] for c in load_cases() if "expr" in c and "\x00" not in c["expr"]]
    shaped = 0
    for text in texts:
        for variant in (text, _revalued(text, rng), _revalued(text, rng)):
            assert _shaped(variant) == _direct(variant), variant
        shaped += shapes.skeleton(text) is not None
    assert shaped > 500


_PIECES = [
    "a", "B_1", "'q'", "'x1'", "'x\\'2'", "is", "true", "0", "7", "10", "010", "3x", "12abc",
    "9223372036854775807", "9223372036854775808", "12345678901234567890123", "1.5", "5.", ".5",
    "1e3", "2E+4", "1e", "0x1F", "-", "-3", "-12", "-0x10", "- 4", "+", "*", "/", "<", ">=",
    "==", "&&", "||", "?", ":", "?:", ".", "..", ",", ";", "=", "(", ")", "[", "]", "{", "}",
    '"s"', '"12"', '"a\\"3"', '"open 5', "'open 6", "f(", "relTime(\"1:00\")", "absTime(\"junk\")",
    '"\\0"', '"\\101"', '"x" "y"', "'it\"s'", '"it\'s"', "1.e5", "-.5", "1e+5", "-1.5e-3", "1.5is",
    "3.e", ".5e", "0.0", "-0.0", "1e999", "regexp(", "\"\x01\"",
    " ", "\n", "// c 7\n", "/* 8 */", "\xb5", "#",
]


def test_random_texts_with_numbers_agree() -> None:
    """Glued tokens: numbers next to names, dots, strings, signs and comments; each text and a
    renumbered copy of it give the direct parse's tree or error."""
    rng = random.Random(21)
    parsed = 0
    for _ in range(3000):
        text = "".join(rng.choice(_PIECES) + rng.choice(("", " ", "")) for _ in range(rng.randint(1, 8)))
        for variant in (text, _revalued(text, rng), _revalued(text, rng)):
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


def test_skeleton_replaces_integers_reals_and_strings_only() -> None:
    text = "a1 + 'b2' + \"c3\" \"d\" + 1.5 + 2e+3 + .5 + 0x10 + 0 + 007 + 5. + 45 + -67 + 1.5x"
    found = shapes.skeleton(text)
    assert found is not None
    assert found[1] == ['"c3" "d"', "1.5", "2e+3", ".5", "45", "67"]
    assert found[0] == ("a1 + 'b2' + \"\x010\" + 2e-300 + 3e-300 + .41e-300 + 0x10 + 0 + 007 + 5. + "
                        f"{shapes.BASE + 4} + -{shapes.BASE + 5} + 1.5x")
    assert shapes.skeleton("a + 1 // 2") is None  # comments: parsed as they are


def test_texts_differing_in_strings_and_reals_share_one_parse() -> None:
    texts = [f'regexp("^u{k}", Owner) && Machine != "n{k}\\"x" && LoadAvg < {k}.5e-1 && -{k}.25 < x'
             for k in range(1, 6)]
    for text in texts:
        assert _shaped(text) == _direct(text), text
    found = shapes.skeleton(texts[0])
    assert found is not None and parser._shapes.get(found[0]) is not None
    assert len({shapes.skeleton(t)[0] for t in texts}) == 1  # type: ignore[index]
    built = parser.parse_expr(texts[2])
    assert classad.evaluate(built, ClassAd({"Owner": "u3", "Machine": "m", "LoadAvg": 0.1, "x": 0}))


def test_a_bad_string_in_a_known_shape_is_reported_on_the_text() -> None:
    good, bad = 'a == "x" && b == "y"', 'a == "x" && b == "\\0"'
    assert _shaped(good) == _direct(good)
    assert _shaped(bad) == _direct(bad)
    assert _direct(bad).startswith("error an escape may not produce a NUL character at 1:")


def test_texts_too_deep_to_evaluate_keep_their_error_through_shapes() -> None:
    """C++ fails the evaluation of a chain over 400 operators (classad.depth); a text that
    differs from such a chain only in its integers must fail the same way."""
    from classad.evaluator import evaluate_expr
    from classad.values import is_error

    for k in (1, 2, 3):
        text = " && ".join([str(k)] * 500)
        assert is_error(evaluate_expr(parser.parse_expr(text), None, None)), text
