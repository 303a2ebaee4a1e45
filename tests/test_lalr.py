"""The lean LALR driver (classad.lalr) against lark's own parser on the same tables: same trees,
and refusal exactly where lark raises."""

from __future__ import annotations

import random
from typing import Any

import pytest
from lark.exceptions import LarkError

from classad import lalr
from classad.parser import _LARK, _TABLES, _Reject, parse_expr
from tests.conformance import load_cases


def _lark(text: str, start: str) -> Any:
    try:
        return _LARK.parse(text, start=start)
    except (LarkError, _Reject):
        return "refused"


def _fast(text: str, start: str) -> Any:
    assert _TABLES is not None
    try:
        return lalr.parse(_TABLES, text, start)[0]
    except (lalr.Refused, _Reject):
        return "refused"


def test_the_fast_path_is_in_use() -> None:
    assert _TABLES is not None, "lark's tables could not be read: every parse goes through lark"


def test_corpus_texts_parse_to_the_same_trees() -> None:
    texts = [(c["expr"], "start") for c in load_cases() if "expr" in c]
    texts += [(c[k], "ad_start") for c in load_cases() for k in ("my", "target") if c.get(k)]
    assert len(texts) > 2000
    for text, start in texts:
        if "\x00" in text:
            continue
        assert _fast(text, start) == _lark(text, start), text


_PIECES = [
    "a", "B_1", "'q'", "'x\\'y'", "is", "ISNT", "True", "false", "undefined", "error", "isx",
    "0", "7", "010", "12345678901234567890", "1.5", "5.", ".5", "1e3", "1e", "0x1F", "-", "-3",
    "-0x10", "+", "*", "/", "%", "<<", ">>>", ">>", "<", "<=", ">", ">=", "==", "!=", "=?=", "=!=",
    "&&", "||", "&", "|", "^", "!", "~", "?", ":", "?:", "? :", ".", "..", ",", ";", "=", "(",
    ")", "[", "]", "{", "}", '"s"', '"a\\"b"', '"\\0"', '"\\101"', "relTime(\"1:00\")",
    "absTime(\"junk\")", " ", "  ", "\n", "\t", "// c\n", "/* c */", "/* open", "\u0131s", "\xb5",
    "#", "@", "$",
]


def test_random_token_soup_agrees() -> None:
    """Texts glued from tokens, separators, comments and junk: lexing and parsing agree."""
    rng = random.Random(12)
    agreed = parsed = 0
    for _ in range(4000):
        text = "".join(rng.choice(_PIECES) + rng.choice(("", " ", "")) for _ in range(rng.randint(1, 9)))
        for start in ("start", "ad_start"):
            want = _lark(text, start)
            assert _fast(text, start) == want, (text, start)
            agreed += 1
            parsed += want != "refused"
    assert parsed > 100 and agreed == 8000


@pytest.mark.parametrize("text", ["  a  ", "a // trailing comment", "/* lead */ a", "a\n", ""])
def test_ignored_text_at_the_edges(text: str) -> None:
    assert _fast(text, "start") == _lark(text, "start")
    if text:
        assert parse_expr(text) == _lark(text, "start")
