"""The recursive-descent fast path (classad.descent) against lark running the grammar: the same
tree for every text it takes, nothing taken that lark refuses; and through classad.parser, the
same trees and the same errors (message, line, column) as with the fast path switched off."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator

import pytest
from lark.exceptions import LarkError

from classad import descent, parser
from classad.errors import ClassAdSyntaxError
from tests.conformance import load_cases


def _lark(text: str) -> str:
    try:
        return repr(parser._LARK.parse(text, start="start"))  # repr tells 1, 1.0 and True apart
    except (LarkError, parser._Reject):
        return "refused"


def _descent(text: str) -> str | None:
    try:
        return repr(descent.parse(text)[0])
    except descent.Refused:
        return None


def _taken(text: str) -> bool:
    """Whether descent took `text`; if it did, its tree is lark's."""
    got = _descent(text)
    if got is None:
        return False
    assert got == _lark(text), text
    return True


def _corpus() -> list[str]:
    cases = load_cases()
    texts = [c["expr"] for c in cases if "expr" in c]
    texts += [c[k] for c in cases for k in ("my", "target") if c.get(k)]  # ads are records
    return [t for t in texts if "\x00" not in t]


def test_corpus_texts_give_lark_s_trees() -> None:
    texts = _corpus()
    taken = sum(_taken(t) for t in texts)
    accepted = sum(_lark(t) != "refused" for t in texts)
    assert len(texts) > 2000
    assert taken > 0.9 * accepted, (taken, accepted)  # the fast path is the common path


# tokens, glued or spaced: every lexer context (operand / operator / after a dot / in an ad),
# keywords in any case, numbers in every spelling, minus signs next to numbers, elvis spellings
_PIECES = [
    "a", "B_1", "x2", "'q'", "'x\\'y'", "'a''b'", "is", "ISNT", "Is", "True", "false", "UnDeFiNeD",
    "error", "isx", "true_", "0", "7", "42", "010", "0x1F", "12abc", "1.5", "5.", ".5", "1e3", "1E+3",
    "2e-5", "1e", "3.e2", "00.5", "9223372036854775807", "9223372036854775808",
    "123456789012345678901234", "-", "-3", "-0", "-.5", "-1.5e3", "-0x10", "-012", "- 4", "+",
    "*", "/", "%", "<<", ">>>", ">>", "<", "<=", ">", ">=", "==", "!=", "=?=", "=!=", "&&", "||",
    "&", "|", "^", "!", "~", "?", ":", "?:", "? :", "?\n:", "?\f:", ".", "..", ",", ";", "=",
    "(", ")", "[", "]", "{", "}", '"s"', '"a\\"b"', '"\\0"', '"\\101"', '"\\377"', '"x" "y"',
    "f(", "strcat(", "relTime(\"1:00\")", "absTime(\"junk\")", "absTime(\"2024-01-02T03:04:05\")",
    "reltime(\"xx\")", " ", "  ", "\n", "\t", "\f", "\v", "// c\n", "/* c */", "/* open", "\u0131s",
    "\xb5", "#", "@", "$", "\\", "`", "TARGET.", "MY.", ".x", "[a=1]", "{1,2}",
]


def _soup(rng: random.Random) -> str:
    return "".join(rng.choice(_PIECES) + rng.choice(("", " ", ""))
                   for _ in range(rng.randint(1, 9)))


_EDITS = ["-", ".", "?", ":", "'", '"', " ", "\f", "\v", "e", "E", "0", "1", "(", ")", "[",
          "]", "{", "}", ",", ";", "=", "!", "<", ">", "&", "|", "/", "*", "x", "\\"]


def _mutants(text: str, rng: random.Random, count: int) -> Iterator[str]:
    """`text` with a character deleted, inserted, replaced or two swapped, or a slice doubled."""
    for _ in range(count):
        if not text:
            return
        k = rng.randrange(len(text))
        edit = rng.randrange(5)
        if edit == 0:
            yield text[:k] + text[k + 1:]
        elif edit == 1:
            yield text[:k] + rng.choice(_EDITS) + text[k:]
        elif edit == 2:
            yield text[:k] + rng.choice(_EDITS) + text[k + 1:]
        elif edit == 3:
            yield text[:k] + text[k + 1:k + 2] + text[k:k + 1] + text[k + 2:]
        else:
            j = min(len(text), k + rng.randint(1, 6))
            yield text[:j] + text[k:j] + text[j:]


def test_random_token_soup_agrees_with_lark() -> None:
    rng = random.Random(7)
    taken = 0
    for _ in range(6000):
        taken += _taken(_soup(rng))
    assert taken > 300


def test_mutated_corpus_texts_agree_with_lark() -> None:
    rng = random.Random(11)
    texts = _corpus()
    taken = tried = 0
    for text in rng.sample(texts, 600):
        for variant in _mutants(text, rng, 6):
            taken += _taken(variant)
            tried += 1
    assert taken > tried // 10


_BINOPS = ["||", "&&", "|", "^", "&", "==", "!=", "=?=", "=!=", "is", "ISNT", "<", "<=", ">", ">=",
           "<<", ">>", ">>>", "+", "-", "*", "/", "%"]
_POSTFIX = [".y", "[0]", ".'z'", '["k"]', "..w", ". v"]
_ATOMS = ["a", "Memory", "TARGET.Cpus", "MY.x", "true", "FALSE", "Undefined", "error", "0", "7",
          "4096", "1.5", ".5", "2e3", "1E-2", "-3", "-.25", "-1e3", "-0", '"s"', '"a\\"b" "c"',
          "'q r'", "'a''b'", ".abs", "..up", "9223372036854775808", "-9223372036854775808"]


def _expr_text(rng: random.Random, depth: int) -> str:
    """A random expression of the grammar (spaced so that tokens stay apart, mostly)."""
    sep = rng.choice(("", " ", " ", "\n"))
    k = rng.randrange(12) if depth > 0 else 0
    if k == 0:
        return rng.choice(_ATOMS)
    sub = [_expr_text(rng, depth - 1) for _ in range(3)]
    if k <= 3:
        return f"{sub[0]}{sep}{rng.choice(_BINOPS)} {sub[1]}"
    if k == 4:
        return f"{rng.choice('-+!~')}{sep}{sub[0]}"
    if k == 5:
        return f"({sep}{sub[0]}{sep})"
    if k == 6:
        return f"{sub[0]} ?{sep}{sub[1]} :{sep}{sub[2]}"
    if k == 7:
        return f"({sub[0]}){sep}{rng.choice(('?:', '? :', '?:'))}{sep}({sub[1]}).x"
    if k == 8:
        name = rng.choice(("f", "strcat", "ifThenElse", "member", "size"))
        return f"{name}({', '.join(sub[:rng.randrange(4)])})"
    if k == 9:
        return "{" + ", ".join(sub[:rng.randrange(4)]) + "}"
    if k == 10:
        defs = "; ".join(f"n{j} = {e}" for j, e in enumerate(sub[:rng.randrange(4)]))
        return f"[{rng.choice(('', ';'))}{defs}{rng.choice(('', ';', ';;'))}]"
    return f"({sub[0]}){rng.choice(_POSTFIX)}"


def test_random_grammar_texts_agree_with_lark() -> None:
    """Texts built from the grammar's rules (mostly valid): same trees, most of them taken."""
    rng = random.Random(17)
    taken = tried = 0
    for _ in range(1500):
        text = _expr_text(rng, rng.randint(1, 5))
        taken += _taken(text)
        tried += 1
    assert taken > tried // 2


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("CLASSAD_POOL_SLOW") != "1", reason="slow: set CLASSAD_POOL_SLOW=1")
def test_soak_soup_and_mutants() -> None:
    rng = random.Random(2024)
    texts = _corpus()
    for _ in range(100_000):
        _taken(_soup(rng))
        text = _expr_text(rng, rng.randint(1, 6))
        _taken(text)
        for variant in _mutants(text, rng, 2):
            _taken(variant)
    for text in texts:
        for variant in _mutants(text, rng, 30):
            _taken(variant)


def _through_parser(text: str) -> str:
    try:
        return repr(parser._parse(text, "start", "<t>"))
    except ClassAdSyntaxError as err:
        return f"error {err.message} at {err.line}:{err.column}"


def test_parser_results_and_errors_are_those_of_the_old_path(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """classad.parser with the fast path and without it (the LALR driver and lark): the same
    tree or the same error message at the same place, and the same depth verdicts."""
    rng = random.Random(3)
    texts = rng.sample(_corpus(), 400)
    texts += [_soup(rng) for _ in range(1500)]
    texts += [m for t in texts[:200] for m in _mutants(t, rng, 3)]
    texts += ["(" * 60 + "a" + ")" * 60, "-" * 80 + "1", "a" + " && a" * 500, "!" * 170 + "x",
              "(" * 170 + "x" + ")" * 170, "x ? " * 200 + "1" + " : 2" * 200, "a\x00b"]
    now = [_through_parser(t) for t in texts]

    def refuse(text: str) -> tuple[object, int]:
        raise descent.Refused

    monkeypatch.setattr(descent, "parse", refuse)
    before = [_through_parser(t) for t in texts]
    for text, got, want in zip(texts, now, before, strict=True):
        assert got == want, text
    assert sum(not r.startswith("error") for r in now) > 500


@pytest.mark.parametrize("text", [
    "a -1", "a-1", "a - -1", "--1", "-(1)", "a ?: -1", "a?:b?:c", "a ? -1 : .5", "x.y-.5e3",
    "1e5-1", "[;a=1;;b=2;]", "{}", "f()", "is(1)", "a.'b' 'c'", ".x..y", "a is b isnt c",
])
def test_glued_and_rare_spellings(text: str) -> None:
    assert (_descent(text) or _lark(text)) == _lark(text) != "refused"
