"""Fuzzing: every reader and every backend returns a value or raises ClassAdError, in bounded
time and memory, on generated expressions, generated ads and byte-mutated real ads.

The default run is bounded (a few hundred examples per property, well under a minute in all);
CLASSAD_FUZZ_EXAMPLES=N raises the count per property for a longer soak, e.g.
`CLASSAD_FUZZ_EXAMPLES=20000 pytest tests/test_robustness.py`.  The fixed adversarial cases
below (the ones from issue 12) always run.
"""

from __future__ import annotations

import os
import signal
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classad import fastpath, specialize
from classad.ad import ClassAd
from classad.canonical import TooLarge, encode
from classad.errors import ClassAdError
from classad.evaluator import EvalContext, run
from classad.fastpath import BAIL
from classad.formats import dump_ad, parse_ads
from classad.functions import names as function_names
from classad.parser import parse_expr
from classad.unparse import ValueTooLarge, unparse, unparse_value
from classad.values import MAX_STRING, Error, EvaluationFailed

EXAMPLES = int(os.environ.get("CLASSAD_FUZZ_EXAMPLES", "250"))
#: wall-clock budget for one example (all readers or all backends); generous for a loaded CI
SECONDS = 20
#: memory budget for one example, on top of the input's own size
MEGABYTES = 200
BACKENDS = ("interpreter", "compiled", "fast", "specialised")
FORMATS = ("new", "old", "json", "auto")
DATA = Path(__file__).resolve().parent.parent / "classad" / "data"

FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])

pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")


class Overrun(Exception):
    """An example ran past its time budget."""


@contextmanager
def bounded(what: str, input_size: int = 0, *, memory: bool = True) -> Iterator[None]:
    """Fail if the block runs longer than SECONDS or (if `memory`) allocates more than
    MEGABYTES beyond eight times the input's size."""
    def expire(signum: int, frame: Any) -> None:
        raise Overrun(f"{what}: more than {SECONDS} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(SECONDS)
    if memory:
        tracemalloc.start()
    peak = 0
    try:
        yield
        if memory:
            peak = tracemalloc.get_traced_memory()[1]
    finally:
        if memory:
            tracemalloc.stop()
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    limit = MEGABYTES * 1e6 + 8 * input_size
    assert peak <= limit, f"{what}: peak {peak / 1e6:.0f} MB"


# ---- strategies ----------------------------------------------------------------------------

_NAMES = ["a", "b", "x", "Y", "my", "target", "other", "lctx", "rctx", "parent", "root",
          "toplevel", "Requirements", "Rank", "Memory", "'quoted name'", "CurrentTime"]
_OPS = ["+", "-", "*", "/", "%", "<", "<=", ">", ">=", "==", "!=", "=?=", "=!=", "is", "isnt",
        "&&", "||", "&", "|", "^", "<<", ">>", ">>>"]
_FUNCTIONS = sorted(set(function_names()) - {"debug"})


def _string_literal(text: str) -> str:
    body = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{body}"'


_CHARS = st.characters(codec="utf-8") | st.sampled_from(["\\", '"', "\n", "\udc80", "\ud800",
                                                          "é", "(", "+", "*", "$", "%"])
_atoms = st.one_of(
    st.integers(min_value=-(1 << 70), max_value=1 << 70).map(str),
    st.sampled_from(["0", "1", "-1", "0.0", "-0.0", "1e308", "1e-320", ".5", "5.", "1E",
                     "9223372036854775807", "9223372036854775808", "0x1F", "true", "false",
                     "undefined", "error", '"\\377\\376"', '"\\101"', "''", "[]", "{}"]),
    st.text(_CHARS, max_size=12).map(_string_literal),
    st.sampled_from(_NAMES),
    st.sampled_from(_NAMES).map(lambda n: f"{n}.{n}"),
)


def _compound(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    args = st.lists(inner, max_size=4).map(", ".join)
    return st.one_of(
        st.tuples(inner, st.sampled_from(_OPS), inner).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
        st.tuples(st.sampled_from(["-", "+", "!", "~"]), inner).map("".join),
        inner.map(lambda e: f"({e})"),
        st.tuples(inner, inner, inner).map(lambda t: f"{t[0]} ? {t[1]} : {t[2]}"),
        st.tuples(inner, inner).map(lambda t: f"{t[0]} ?: {t[1]}"),
        st.tuples(st.sampled_from(_FUNCTIONS), args).map(lambda t: f"{t[0]}({t[1]})"),
        args.map(lambda a: "{" + a + "}"),
        st.lists(st.tuples(st.sampled_from(_NAMES[:6]), inner), max_size=4).map(
            lambda kv: "[" + "; ".join(f"{k} = {v}" for k, v in kv) + "]"),
        st.tuples(inner, inner).map(lambda t: f"{t[0]}[{t[1]}]"),
        st.tuples(inner, st.sampled_from(_NAMES[:6])).map(lambda t: f"({t[0]}).{t[1]}"),
    )


expressions = st.recursive(_atoms, _compound, max_leaves=24)
records = st.lists(st.tuples(st.sampled_from(_NAMES[:4] + ["Requirements", "Rank", "Memory"]),
                             expressions), max_size=5).map(
    lambda kv: "[" + "; ".join(f"{k} = {v}" for k, v in kv) + "]")


def _real_ads() -> list[str]:
    texts = [(DATA / name).read_text(encoding="utf-8") for name in ("sample_job.ad",
                                                                    "sample_slots.ad")]
    slots = list(parse_ads(texts[1]))[:3]
    return texts + ["\n".join(dump_ad(ad, fmt) for ad in slots) for fmt in ("new", "json")]


REAL_ADS = _real_ads()


@st.composite
def mutated_ads(draw: st.DrawFn) -> bytes:
    """A real ad file (old, new or JSON syntax) with bytes flipped, cut, doubled or inserted."""
    data = bytearray(draw(st.sampled_from(REAL_ADS)).encode("utf-8"))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["flip", "insert", "cut", "double", "token"]))
        if kind == "flip":
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "cut":
            del data[at:at + draw(st.integers(1, 200))]
        elif kind == "double":
            end = at + draw(st.integers(1, 400))
            data[at:at] = data[at:end]
        else:
            token = draw(st.sampled_from(['"', "[", "]", "{", "}", ";", "=", "\\", "/*", "//",
                                          "\n", "\x00", "\xff", "&&", "(", ")", "'", ",",
                                          ":", "@"]))
            data[at:at] = token.encode("utf-8", "surrogateescape")
    return bytes(data)


# ---- the checks ----------------------------------------------------------------------------


def _backend_value(expr: Any, my: ClassAd, target: ClassAd | None, backend: str) -> Any:
    """The value of `expr` by one backend (the fast paths fall back to compiled code); an
    evaluation that fails as a whole (EvaluationFailed, as the entry points do) is ERROR."""
    fast: dict[str, Callable[[Any, ClassAd, ClassAd], Any]] = {
        "fast": fastpath.value, "specialised": specialize.value}
    value = BAIL
    try:
        if backend in fast and target is not None:
            value = fast[backend](expr, my, target)
        if value is BAIL:
            ctx = EvalContext(my, target, backend="compiled" if backend in fast else backend)
            value = run(expr, my, ctx)
    except EvaluationFailed as exc:
        return Error(str(exc))
    return value


def check_value(value: Any) -> None:
    """The value prints and encodes, or is too large to (a clean error either way)."""
    with suppress(ValueTooLarge):
        unparse_value(value)
    with suppress(TooLarge):
        encode(value)


def check_expression(text: str, my_text: str | None = None,
                     target_text: str | None = None) -> None:
    with bounded(f"parse {text!r}", len(text)):
        try:
            expr = parse_expr(text)
        except ClassAdError:
            return
        unparse(expr)
        repr(expr), hash(expr)
    my, target = _ad(my_text), _ad(target_text)
    for backend in BACKENDS:
        with bounded(f"{backend} {text!r} my={my_text!r} target={target_text!r}", len(text)):
            check_value(_backend_value(expr, my if my is not None else ClassAd(), target,
                                       backend))


def _ad(text: str | None) -> ClassAd | None:
    if text is None:
        return None
    try:
        ads = list(parse_ads(text, "new"))
    except ClassAdError:
        return None
    return ads[0] if ads else None


def check_reader(data: bytes) -> None:
    text = data.decode("utf-8", "surrogateescape")
    for fmt in FORMATS:
        with bounded(f"{fmt} reader", len(data)):
            try:
                ads = list(parse_ads(text, fmt))
            except ClassAdError:
                continue
            for ad in ads[:3]:
                for out in ("new", "old", "json"):
                    _dump(ad, out)


def _dump(ad: ClassAd, fmt: str) -> None:
    try:
        dump_ad(ad, fmt)
    except ClassAdError:
        pass
    except ValueError as exc:  # old syntax cannot spell every string: a documented refusal
        assert fmt == "old", exc


# ---- properties ----------------------------------------------------------------------------


@FUZZ
@given(expressions)
def test_expressions_evaluate_on_every_backend(text: str) -> None:
    check_expression(text)


@FUZZ
@given(expressions, records, records)
def test_expressions_evaluate_in_a_match(text: str, my: str, target: str) -> None:
    check_expression(text, my, target)


@FUZZ
@given(mutated_ads())
def test_mutated_real_ads_read_or_fail_cleanly(data: bytes) -> None:
    check_reader(data)


@FUZZ
@given(st.binary(max_size=300))
def test_arbitrary_bytes_read_or_fail_cleanly(data: bytes) -> None:
    check_reader(data)


# ---- the cases of issue 12, always run -----------------------------------------------------

_CHAIN = 3000
ADVERSARIAL = [
    'regexp("(a+)+$", "' + "a" * 39 + '!")',
    'regexps("(a+)+$", "' + "a" * 39 + '!", "x")',
    'stringList_regexpMember("(a+)+$", "' + "a" * 39 + '!")',
    'regexpMember("(a+)+$", {"' + "a" * 39 + '!"})',
    " + ".join(["a"] * _CHAIN),
    " || ".join(["a"] * _CHAIN),
    " && ".join(["true"] * _CHAIN),
    "[a0 = \"xxxxxxxxxx\"; " + "; ".join(f"a{i + 1} = strcat(a{i}, a{i})" for i in range(40))
    + "].a40",
    "[a0 = {1, 2}; " + "; ".join(f"a{i + 1} = {{a{i}, a{i}}}" for i in range(22)) + "].a22",
    "[a0 = 1; " + "; ".join(f"a{i + 1} = a{i} + a{i}" for i in range(60)) + "].a60",
    "[a0 = \"x\"; " + "; ".join(f"a{i + 1} = join(a{i}, {{a{i}, a{i}, a{i}}})"
                                for i in range(30)) + "].a30",
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=[t[:40] for t in ADVERSARIAL])
def test_adversarial_expressions(text: str) -> None:
    check_expression(text)


def test_pathological_regexp_is_error_quickly() -> None:
    expr = parse_expr(ADVERSARIAL[0])
    for backend in BACKENDS:
        start = time.perf_counter()
        value = _backend_value(expr, ClassAd(), None, backend)
        assert type(value) is Error
        assert time.perf_counter() - start < 5  # ERROR from the match limit, not a timeout


def test_string_doubling_ends_in_error() -> None:
    value = _backend_value(parse_expr(ADVERSARIAL[7]), ClassAd(), None, "interpreter")
    assert type(value) is Error
    assert 10 * 2 ** 22 <= MAX_STRING < 10 * 2 ** 23  # the case stops at a23, not later


@pytest.mark.parametrize("ch", ["\ud800", "\udfff", "\udc80", "\ud83d"])
@pytest.mark.parametrize("call", ["formatTime(0, s)", "regexp(s, s)", "stringListMax(s)",
                                  "regexps(s, s, s)", "size(s)", "toUpper(s)", "substr(s, 1)",
                                  "strcmp(s, \"a\")", "stringListSize(s)", "unparse(s)"])
def test_lone_surrogates_in_strings(call: str, ch: str) -> None:
    my = ClassAd({"s": f"a{ch}b"})
    for backend in BACKENDS:
        with bounded(call):
            check_value(_backend_value(parse_expr(call), my, None, backend))


def test_long_chains_print_compare_hash_and_convert() -> None:
    for op in ("+", "||", "&&", "*"):
        text = f" {op} ".join(f"a{i}" for i in range(_CHAIN))
        expr = parse_expr(text)
        again = parse_expr(text)
        assert expr == again and hash(expr) == hash(again)
        assert parse_expr(unparse(expr)) == expr
        assert str(expr).startswith("Binary(")
        ad = ClassAd({"x": expr})
        for fmt in ("new", "old", "json"):
            back = next(iter(parse_ads(dump_ad(ad, fmt), fmt)))
            assert back.get_expr("x") == expr


def test_jsonl_encoder_of_match_context_is_bounded() -> None:
    my = _ad("[x = lctx; y = lctx]")
    target = _ad("[p = rctx; q = rctx]")
    assert my is not None and target is not None
    ctx = EvalContext(my, target)
    with bounded("encode lctx", memory=False), pytest.raises(TooLarge):
        encode(run(parse_expr("x"), my, ctx), ctx)
