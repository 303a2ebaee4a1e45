"""General rules found against the real C++ library, each checked over many variants.

Old-syntax values (the C++ reader keeps the longest leading expression of a line and ignores
the rest), parser nesting limits and builtin arities: every variant's expected answer comes
from the C++ library (`tests.cpp_oracle`) in the same run, never from this file.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests import cpp_oracle

if not cpp_oracle.AVAILABLE:
    if os.environ.get("CLASSAD_POOL_REQUIRE_ORACLE") == "1":
        raise ImportError(f"CLASSAD_POOL_REQUIRE_ORACLE=1 but {cpp_oracle.UNAVAILABLE_REASON}")
    pytest.skip(cpp_oracle.UNAVAILABLE_REASON, allow_module_level=True)

import classad2  # type: ignore[import-untyped]  # noqa: E402  (after htcondor2, via cpp_oracle)

import classad  # noqa: E402

pytestmark = pytest.mark.oracle


def _ads(module: Any, text: str) -> list[dict[str, str]] | None:
    """The ads an old-syntax text reads as, each attribute's value unparsed (whitespace left
    out: the two libraries lay out nested lists differently); None: rejected."""
    try:
        ads = list(module.parseAds(text, module.ParserType.Old))
    except Exception:  # noqa: BLE001 - the C++ reader raises ValueError, ours ClassAdParseError
        return None
    return [{k.lower(): "".join(str(v).split()) for k, v in ad.items()} for ad in ads]


#: what may follow an old-syntax value on its line
TRAILERS = ["# note", "#note", "# a = 2", "; # note", ";", "// note", "/* note */", "2", ")",
            "]", "@@", "$", "`", "\\", "'q'", "junk words", "== 1 junk", "x y"]
VALUES = ["1", "f(1)", "{1, 2}", "[a = 1]", '"x#y"', "a.b", "1 == 1", "true", "-1.5e3"]


@pytest.mark.parametrize("trailer", TRAILERS)
@pytest.mark.parametrize("value", VALUES)
def test_old_syntax_value_is_the_longest_leading_expression(value: str, trailer: str) -> None:
    text = f"a = {value} {trailer}\nb = 2\n\nc = {value}{trailer}\n"
    expected = _ads(classad2, text)
    assert expected is not None, "the C++ reader rejected a variant this test expects it to read"
    assert _ads(classad, text) == expected


@pytest.mark.parametrize("value", ["1 +", "1 + # note", "1 ?", "-", "", "{1, # note"])
def test_old_syntax_value_cut_short_is_a_clean_error(value: str) -> None:
    """C++ silently reads no ads at all from such a file; ours names the line instead."""
    text = f"a = {value}\nb = 2\n"
    assert _ads(classad2, text) == []
    with pytest.raises(classad.ClassAdParseError) as info:
        list(classad.parseAds(text, classad.ParserType.Old))
    assert "<string>:1:" in str(info.value)


def _builtin_calls() -> list[str]:
    from classad.functions import names

    clock = {"random", "time", "currenttime", "daytime"}
    crashy = {"evalineachcontext", "countmatches"}  # can crash C++ (see cpp_oracle._may_crash)
    calls = []
    for name in names():
        if name in clock or name in crashy:
            continue
        for n in range(5):
            for arg in ("1", '"a"'):
                calls.append(f"{name}({', '.join([arg] * n)})")
                if n == 0:
                    break
    return calls


@pytest.mark.parametrize("call", _builtin_calls())
def test_builtin_with_any_argument_count(call: str) -> None:
    """Every builtin with 0..4 arguments, seen from outside: whether a wrong count is an
    ERROR value (`isError` sees it) or fails the whole evaluation (userHome does)."""
    from classad.cases import run_case

    for expr in (f"isError({call})", f"{call} =?= error", f"false && {call}",
                 f"[a = {call}; b = isError(a)].b"):
        case = {"kind": "eval", "expr": expr}
        expected = cpp_oracle.run_case(case)
        for backend in ("interpreter", "compiled"):
            got = run_case(case, backend)
            assert cpp_oracle.same(expected, got), f"{expr} ({backend}): C++ {expected}, ours {got}"


# ---- nesting limits (classad.depth) --------------------------------------------------------

#: shapes of deep nesting: n -> text
SHAPES: dict[str, Any] = {
    "parentheses": lambda n: "(" * n + "1" + ")" * n,
    "sum of parentheses": lambda n: "1 + (" * n + "1" + ")" * n,
    "conditional in the middle": lambda n: "x ? (" * n + "1" + ") : 0" * n,
    "bare conditional in the middle": lambda n: "x ? " * n + "1" + " : 0" * n,
    "conditional chain": lambda n: "true ? 1 : " * n + "0",
    "conditional of conditionals": lambda n: "(" * n + "true" + " ? 1 : 0)" * n,
    "unary minus": lambda n: "- " * n + "1",
    "glued minus": lambda n: "-" * n + "1",
    "not": lambda n: "!" * n + "true",
    "calls": lambda n: "int(" * n + "1" + ")" * n,
    "lists": lambda n: "{" * n + "1" + "}" * n,
    "ads": lambda n: "[a = " * n + "1" + "]" * n,
    "ads in lists": lambda n: "{[a = " * n + "1" + "]}" * n,
    "subscripts": lambda n: "x[" * n + "1" + "]" * n,
    "elvis chain": lambda n: "x ?: " * n + "0",
    "folded absTime": lambda n: "int(" * n + 'absTime("2020-01-01T00:00:00Z")' + ")" * n,
    "and chain": lambda n: " && ".join(["true"] * (n + 1)),
    "or chain": lambda n: " || ".join(["false"] * (n + 1)),
    "sum chain": lambda n: " + ".join(["1"] * (n + 1)),
    "selections": lambda n: "[a = 1]" + ".a" * n,
    # branches taken count on top of the operators above them (classad.depth.DEEP_BRANCHES)
    "else chain": lambda n: "false ? 0 : " * n + "1",
    "then chain": lambda n: "true ? " * n + "1" + " : 0" * n,
    "else chain, negated tests": lambda n: "!true ? 0 : " * n + "1",
    "else chain ending in a sum": lambda n: "false ? 0 : " * n + "(1 + 1)",
    "sum of an else chain": lambda n: "1 + (" + "false ? 0 : " * n + "1)",
    "&& of an else chain": lambda n: "true && (" + "false ? 0 : " * n + "true)",
    "|| of an else chain": lambda n: "false || (" + "false ? 0 : " * n + "true)",
    "ifThenElse of an else chain": lambda n: "ifThenElse(true, " + "false ? 0 : " * n + "1, 0)",
    "elvis of an else chain": lambda n: "undefined ?: (" + "false ? 0 : " * n + "1)",
    "untaken deep branch": lambda n: "true ? 1 : " + "false ? 0 : " * n + "1",
}
#: around each limit some shape meets: 82 (ads in lists), 124, 165 (3 per level), 400 (the
#: evaluator's), 497 (1 per level), and well past them
SIZES = [80, 81, 82, 83, 122, 123, 124, 125, 163, 164, 165, 166, 399, 400, 401, 495, 496, 497,
         498, 499, 700]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("shape", list(SHAPES))
def test_nesting_limits_are_the_cpp_librarys(shape: str, size: int) -> None:
    from classad.cases import run_case

    text = SHAPES[shape](size)
    try:
        classad2.ExprTree(text)  # the C++ ParseExpression, unwrapped
        cpp_parses = True
    except Exception:  # noqa: BLE001 - classad2 raises ClassAdParseError/ValueError
        cpp_parses = False
    case = {"kind": "eval", "expr": text}
    for backend in ("interpreter", "compiled"):
        got = run_case(case, backend)
        if not cpp_parses:
            assert got["type"] == "parse_error", f"C++ rejects it, ours ({backend}): {got}"
            continue
        assert got["type"] != "parse_error", f"C++ parses it, ours rejects: {got}"
        try:
            expected = cpp_oracle.run_case(case)
        except cpp_oracle.OracleUnusable:
            continue  # the value nests past what the canonical encoding expands
        if expected["type"] == "parse_error":
            continue  # the oracle wraps the text in (...), one level deeper than C++ here
        assert cpp_oracle.same(expected, got), f"({backend}): C++ {expected}, ours {got}"


# ---- random() --------------------------------------------------------------------------------

SHARED_DRAWS = [
    "[r = random(1000000000); x = r == r].x",
    "[r = random(1000000000); a = r; x = a == r].x",
    "[r = random(1000000000); x = {r, r}; y = x[0] == x[1]].y",
    "[r = random(1000000000); s = [t = r]; x = s.t == r].x",
    "random(1000000000) == random(1000000000)",
    "[r = random(); x = r - r == 0].x",
]


@pytest.mark.parametrize("expr", SHARED_DRAWS)
def test_each_reference_to_a_random_attribute_draws_again(expr: str) -> None:
    """C++ keeps no attribute's value within an evaluation: two references to `r` draw twice
    (equal draws out of 10**9 happen about once in a billion runs)."""
    from classad.cases import run_case

    case = {"kind": "eval", "expr": expr}
    cpp_equal = sum(cpp_oracle.run_case(case) == {"type": "boolean", "value": True}
                    for _ in range(5))
    for backend in ("interpreter", "compiled"):
        ours_equal = sum(run_case(case, backend) == {"type": "boolean", "value": True}
                         for _ in range(5))
        assert (ours_equal == 0) == (cpp_equal == 0), f"{backend}: {ours_equal} vs C++ {cpp_equal}"


@pytest.mark.parametrize("arg", ["0", "-5", "0.0", "-1.5", "2147483648", "4294967296",
                                 "4294967297", '"a"', "undefined", "error", "true", "1, 2"])
def test_random_of_a_non_positive_number_fails_the_evaluation(arg: str) -> None:
    from classad.cases import run_case

    for expr in (f"isError(random({arg}))", f"false || isError(random({arg}))"):
        case = {"kind": "eval", "expr": expr}
        expected = cpp_oracle.run_case(case)
        for backend in ("interpreter", "compiled"):
            got = run_case(case, backend)
            assert cpp_oracle.same(expected, got), f"{expr} ({backend}): C++ {expected}, ours {got}"


# ---- empty ads in the new-style reader -----------------------------------------------------

EMPTY_AD_TEXTS = ["[]", "[]\n", "[ ]", "[][]", "[a=1]\n\n[]", "[a=1]\n[]", "[a=1] [] ",
                  "[a=1]\n[ ]\n", "[a=1]\n[\n]\n", "[a=1]\n[]\n[b=2]\n", "[]\n[b=2]",
                  "[a=1]\n[\n]\n[b=2]", "[a = []]\n[b = 2]"]


@pytest.mark.parametrize("parser", ["New", "Auto"])
@pytest.mark.parametrize("text", EMPTY_AD_TEXTS)
def test_an_empty_ad_ends_the_new_style_input(text: str, parser: str) -> None:
    """HTCondor's reader returns no empty ad; an ad after one cannot be read (C++ raises)."""
    def read(module: Any) -> list[dict[str, str]] | None:
        try:
            ads = module.parseAds(text, getattr(module.ParserType, parser))
            return [{k.lower(): "".join(str(v).split()) for k, v in ad.items()} for ad in ads]
        except Exception:  # noqa: BLE001 - ValueError from C++, ClassAdParseError from ours
            return None

    assert read(classad) == read(classad2)


# ---- the two list types (classad.values.SharedList) -----------------------------------------

#: lists of the C++ library's first type (a literal, reached through an attribute or selection)
#: and of its second (built by a function, handed back by `ad["name"]`), in context MY
LIST_SOURCES = [
    "{1, 2}", "l", "MY.l", "[g = {1, 2}].g", "{{1, 2}}[0]", "ifThenElse(true, {1, 2}, 0)",
    "(true ? {1, 2} : 0)", "({1, 2} ?: 0)", 'eval("{1, 2}")', 'eval(split("1 2"))',
    "{[a = {1}]}.a", "m.l", "[a = {{1}}][\"a\"][0]",
    '[g = {1, 2}]["g"]', 'MY["l"]', 'm["l"]', 'split("1 2")', 'splitUserName("a@b")',
    'splitSlotName("a@b")', 'argsToList("1 2")', '{split("a")}[0]', '[x = split("a")].x',
    's', 'ifThenElse(true, split("a"), 0)', 'debug(split("a"))', '[a = {{1}}]["a"]',
    'eval("split(\\"a\\")")', '[x = [g = {1}]["g"]; y = x].y',
]
LIST_MY = '[l = {1, 2}; s = split("a b"); m = [l = {3}]]'


def _agrees(expr: str, my: str | None = None) -> None:
    """Both our backends give the C++ library's answer for `expr` (with MY = `my`)."""
    from classad.cases import run_case

    case = {"kind": "eval", "expr": expr} | ({"my": my} if my is not None else {})
    expected = cpp_oracle.run_case(case)
    for backend in ("interpreter", "compiled"):
        got = run_case(case, backend)
        assert cpp_oracle.same(expected, got), f"{expr} ({backend}): C++ {expected}, ours {got}"


@pytest.mark.parametrize("op", ["=?=", "=!="])
@pytest.mark.parametrize("left", LIST_SOURCES)
def test_two_lists_compare_by_their_type(left: str, op: str) -> None:
    """`=?=` between lists of the two C++ list types is false, of one type an ERROR."""
    for right in LIST_SOURCES:
        _agrees(f"({left}) {op} ({right})", LIST_MY)
        _agrees(f"[x = {left}; y = {right}; z = x {op} y].z", LIST_MY)


#: C++ 25.14.1 empties a list inside a list handed back by ad["name"]: `{  }` (left out)
@pytest.mark.parametrize("source", [s for s in LIST_SOURCES if s != '[a = {{1}}]["a"][0]'] + [
    "{g + 1, \"a\", {1 + 1}, [x = 1 + 1]}", "[q = {2.5, 1 + 1}].q", "(true ? {1 + 1} : 0)",
    "ifThenElse(false, 0, {1 + 1, g})", "eval({1 + 1, g})", "({1 + 1} ?: 0)", "debug({1 + 1})",
    "[q = {1 + 1}; r = q].r", "{{1 + 1}}[0]", '[q = {1 + 1}]["q"]'])
def test_a_list_is_written_from_its_element_expressions(source: str) -> None:
    """strcat(), string() and join() write a list literal's elements as written (`{ 1 + 1 }`),
    however the list was reached (classad.values.ListValue)."""
    my = LIST_MY[:-1] + "; g = 7]"
    for reader in ("string(@)", 'strcat("s", @)', "strcat(@)", 'join("-", {@, 1})',
                   "size(eval(string(@)))", "[m = @; n = string(m)].n"):
        _agrees(reader.replace("@", source), my)


@pytest.mark.parametrize("op", ["is", "isnt", "==", "!=", "<", "+"])
def test_other_operators_on_the_two_list_types(op: str) -> None:
    for left in ("{1, 2}", '[g = {1, 2}]["g"]', 'split("1 2")'):
        for right in ("{1, 2}", 'split("1 2")', "1", "undefined", "[a = 1]", '[a = [b = 1]]["a"]'):
            _agrees(f"{left} {op} {right}", LIST_MY)


# ---- a list element whose evaluation fails (classad.values.FAILED_ELEMENT) ------------------

#: elements whose evaluation fails the whole C++ Evaluate(), in context FAIL_MY
FAILING = ["userHome()", "random(0)", "(userHome())", "1 + userHome()", "f",
           'userHome("a", "b", "c")', "true ? userHome() : 0"]
FAIL_MY = "[f = userHome(); g = 2]"
#: lists holding one (`@F`); the subscripted ad's list is of the second type
FAIL_LISTS = ["{1, @F}", "{@F, 1}", '{"a", @F}', "{undefined, @F}", "{[x = 1], @F}",
              "[l = {2, @F}].l", '[l = {2, @F}]["l"]', "ifThenElse(true, {g, @F}, 0)",
              "eval({1, @F})"]
#: what reads the list (`@L`)
FAIL_READERS = ["@L", "size(@L)", "isList(@L)", "member(2, @L)", "member(1, @L)",
                'member("a", @L)', "identicalMember(2, @L)", "sum(@L)", "avg(@L)", "min(@L)",
                "max(@L)", 'anyCompare("==", @L, 2)', 'allCompare("==", @L, 1)', "join(@L)",
                'join(",", @L)', 'strcat("s", @L)', "string(@L)", "listToArgs(@L)",
                "quantize(3, @L)", "quantize(0.5, @L)", "@L[0]", "@L[1]", "@L[2]", "@L.x",
                'regexpMember("b", @L)', "@L =?= {1}", "unparse(@L)", "[m = @L].m",
                "[m = @L; n = m[1]].n"]


@pytest.mark.parametrize("lst", FAIL_LISTS)
@pytest.mark.parametrize("element", FAILING)
def test_a_failed_list_element_fails_only_where_it_is_read(element: str, lst: str) -> None:
    """C++ keeps a list unevaluated: `size({1, userHome()})` is 2; a subscript reads a failed
    element as ERROR; builtins reading elements in place fail the whole evaluation when they
    reach it (`member(1, {1, userHome()})` is true)."""
    if '["l"]' in lst and element == "f":
        pytest.skip("not modelled: C++ reads the elements of a list handed back by ad[\"name\"]"
                    " without their scope")
    for reader in FAIL_READERS:
        if reader == "@L.x" and '["l"]' in lst:
            continue  # selecting from a list handed back by ad["name"] crashes C++ 25.14.1
        expr = reader.replace("@L", f"({lst.replace('@F', element)})")
        _agrees(expr, FAIL_MY)
        _agrees(f"isError({expr})", FAIL_MY)


@pytest.mark.parametrize("text", ["-0x10", "-0X1f", "-0x1e", "-0x1E5", "-0x", "-12x", "-00x1",
                                  "-012x1", "-12x1e", "-1e5", "-.5", "-1.e3", "-007", "-08"])
def test_negative_numbers_with_an_x_or_a_dot_are_the_cpp_lexers(text: str) -> None:
    """A minus glued to a number is one token: what C++ accepts, and the value it gives."""
    try:
        want: Any = classad2.ExprTree(text).eval()
    except classad2.ClassAdException:
        want = "rejected"
    try:
        got: Any = classad.evaluate(classad.parse_expr(text))
    except classad.ClassAdSyntaxError:
        got = "rejected"
    assert got == want and type(got) is type(want), text
