"""The matchmaking fast path (classad.fastpath) against the evaluator.

The conformance corpus and the differential tests also run it as backend "fast" against the
C++ library's answers; these tests check that it really takes those cases, that it bails out
where the evaluation context matters, and that matching a realistic pool gives what the
reference interpreter gives.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from benchmarks import poolgen
from classad import fastpath, parse_ads, specialize
from classad.ad import ClassAd
from classad.cases import _ad
from classad.evaluator import EvalContext, eval_in
from classad.fastpath import BAIL
from classad.match import is_true, match_report, matches, rank, symmetric_match
from classad.parser import parse_expr, parse_record
from tests.conformance import load_cases


def ad(text: str) -> ClassAd:
    return ClassAd.from_record(parse_record(text))


def reference(my: ClassAd, key: str, target: ClassAd) -> Any:
    return eval_in(my, key, my._exprs[key], EvalContext(my, target, backend="interpreter"))


def test_most_conformance_cases_with_a_target_take_the_fast_path() -> None:
    """The corpus only checks the fast path where it does not bail out: make sure it rarely does."""
    tried = taken = 0
    for case in load_cases():
        pairs: list[tuple[Any, ClassAd, ClassAd]] = []
        if case.get("kind") == "match":
            my, target = _ad(case["my"], "my"), _ad(case["target"], "target")
            assert my is not None and target is not None
            pairs = [(e, a, b) for a, b in ((my, target), (target, my))
                     for e in (a._exprs.get("requirements"), a._exprs.get("rank")) if e is not None]
        elif case.get("target") and isinstance(case.get("expr"), str):
            try:
                expr = parse_expr(case["expr"])
            except Exception:  # noqa: BLE001 - parse-error cases
                continue
            target = _ad(case["target"], "target")
            assert target is not None
            pairs = [(expr, _ad(case.get("my"), "my") or ClassAd(), target)]
        for expr, a, b in pairs:
            tried += 1
            taken += fastpath.value(expr, a, b) is not BAIL
    assert tried > 600
    assert taken > 0.85 * tried, (taken, tried)


@pytest.mark.parametrize("text", [
    "[ Requirements = other.x == 1; x = 1 ]",          # a match-context name
    "[ Requirements = TARGET.x; target = [ x = 1 ] ]",  # an ad that defines `target`
    "[ Requirements = a; a = b; b = a ]",               # a cycle: deeper than MAX_DEPTH
    "[ Requirements = time() > 0 ]",                    # the clock
    "[ Requirements = L[0]; L = { 1 } ]",               # lazily evaluated list elements
    "[ Requirements = .x; x = 1 ]",                     # an absolute reference
])
def test_what_needs_the_context_bails_out_and_still_matches_like_the_evaluator(text: str) -> None:
    my, target = ad(text), ad("[ x = 1; Requirements = true ]")
    assert fastpath.value(my._exprs["requirements"], my, target) is BAIL
    want = reference(my, "requirements", target)
    for _ in range(20):  # past the warm-up, when the fast path is compiled
        got = match_report(my, target).requirements
        assert repr(got) == repr(want)
        assert matches(my, target) == is_true(want)


def test_nested_attributes_follow_the_scoping_rules() -> None:
    job = ad('[ Requirements = TARGET.ok && Need <= TARGET.Cpus && Missing =?= undefined; '
             'Need = Cpus + 1; Cpus = 3 ]')
    slot = ad('[ ok = MY.Cpus >= TARGET.Need; Cpus = 8; Requirements = true ]')
    assert fastpath.value(job._exprs["requirements"], job, slot) is True
    slot["Cpus"] = 2  # Need (4) > 2, and TARGET.ok is false
    assert fastpath.value(job._exprs["requirements"], job, slot) is False
    assert reference(job, "requirements", slot) is False


def test_a_kept_value_is_forgotten_when_the_ad_changes() -> None:
    slot = ad("[ Start = KeyboardIdle > 600; KeyboardIdle = 1000; "
              "Requirements = Start && TARGET.Go ]")
    job = ad("[ Go = true; Requirements = true ]")
    assert fastpath.value(slot._exprs["requirements"], slot, job) is True
    assert slot._memo is not None and slot._memo.get("start") is True  # Start is ad-pure
    slot["KeyboardIdle"] = 5
    assert fastpath.value(slot._exprs["requirements"], slot, job) is False


def test_the_fast_path_waits_until_an_expression_is_hot() -> None:
    expr = parse_expr("TARGET.zz_fresh_name_1 == 7")
    assert fastpath.fast_function(expr) is None
    for _ in range(20):
        fastpath.fast_function(expr)
    assert fastpath.fast_function(expr) is not None


def test_quoted_names_and_strings_stay_data() -> None:
    my = ad("[ Requirements = TARGET.'a\\'b\"__import__' == \"x'\\\"y\" && MY.'__class__' ]")
    my["__class__"] = True
    target = ClassAd({"a'b\"__import__": "x'\"y"})
    assert fastpath.value(my._exprs["requirements"], my, target) is True


def test_a_generated_pool_matches_as_the_interpreter_does() -> None:
    slots = list(parse_ads(poolgen.render(poolgen.slot_ads(60, seed=5), "new"), "new"))
    jobs = list(parse_ads(poolgen.render(poolgen.job_ads(40, 8, seed=6), "new"), "new"))
    bails = 0
    for job in jobs:
        for slot in slots:
            want = match_report(job, slot, backend="interpreter")
            for _ in range(2):
                assert symmetric_match(job, slot) == want.symmetric
            if want.symmetric:
                assert rank(job, slot) == (float(want.rank_value) if type(want.rank_value)
                                           in (int, float, bool) else 0.0)
            bails += fastpath.value(job._exprs["requirements"], job, slot) is BAIL
            bails += fastpath.value(slot._exprs["requirements"], slot, job) is BAIL
    assert bails == 0
    specialised = [ad for ad in jobs + slots
                   if getattr((ad._fast or {}).get("requirements"), "__name__", "") == "_spec"]
    assert len(specialised) > 50  # the loop above ran past the warm-up for most ads


def test_ads_of_one_shape_share_the_specialised_code() -> None:
    text = ("[ Requirements = Start && WithinLimits; Start = KeyboardIdle > 600; KeyboardIdle = {k}; "
            "WithinLimits = TARGET.RequestCpus <= MY.Cpus && TARGET.Owner != Banned; Cpus = {c}; "
            'Banned = "{b}" ]')
    slots = [ad(text.format(k=k, c=c, b=b)) for k, c, b in ((1000, 4, "x"), (5, 8, "y"), (900, 1, "Bob"))]
    job = ad('[ RequestCpus = 2; Owner = "bob" ]')
    fns = [specialize.specialise(slot, slot._exprs["requirements"]) for slot in slots]
    assert fns[0] is not None and fns[1] is not None and fns[2] is not None
    assert fns[0].__code__ is fns[1].__code__ is fns[2].__code__
    # Start folds to its value, the limits chain is inlined: only TARGET is looked up
    assert [fn(slot, job, 0) for fn, slot in zip(fns, slots, strict=True)] == [True, False, False]
    assert [reference(slot, "requirements", job) for slot in slots] == [True, False, False]


def test_a_specialised_ad_that_changes_is_specialised_again() -> None:
    slot = ad("[ Requirements = TARGET.RequestCpus <= Cpus; Cpus = 4 ]")
    job = ad("[ RequestCpus = 2; Requirements = true ]")
    for _ in range(specialize.HOT_AFTER + 2):
        assert matches(slot, job)
    assert slot._fast is not None and slot._fast["requirements"].__name__ == "_spec"
    slot["Cpus"] = 1
    assert slot._fast is None
    assert not matches(slot, job)


@pytest.mark.parametrize("text", [
    "[ Requirements = A && TARGET.x; A = B && true; B = A && true ]",
    "[ Requirements = A; A = TARGET.x && A ]",
    "[ Requirements = A || B; A = B || false; B = A || TARGET.x ]",
    "[ Requirements = MY.Requirements ]",
])
def test_inlining_cycles_gives_what_the_evaluator_gives(text: str) -> None:
    my, target = ad(text), ad("[ x = true ]")
    got = specialize.value(my._exprs["requirements"], my, target)
    want = reference(my, "requirements", target)
    assert got is BAIL or repr(got) == repr(want)
    for _ in range(specialize.HOT_AFTER + 2):
        assert matches(my, target) == is_true(want)


def test_values_read_from_the_other_ad_are_forgotten_when_it_changes() -> None:
    job = ad("[ Requirements = TARGET.Memory >= 100 && Arch == \"X86_64\" ]")
    slot = ad('[ Memory = 200; Arch = "x86_64"; Requirements = true ]')
    for _ in range(specialize.HOT_AFTER + 2):
        assert matches(job, slot)
    assert slot._values == {"memory": 200, "arch": "x86_64"}
    slot["Memory"] = 50
    assert slot._values is None
    assert not matches(job, slot)
    del slot["Arch"]  # unscoped: UNDEFINED once neither ad has it
    slot["Memory"] = 500
    assert repr(match_report(job, slot).requirements) == repr(reference(job, "requirements", slot))
    assert not matches(job, slot)


def test_a_target_that_is_not_plain_is_only_read_for_literals() -> None:
    job = ad("[ Requirements = TARGET.Memory >= 100 && TARGET.Ok ]")
    slot = ad("[ Memory = 200; Ok = MY.Memory > 100; my = [ Memory = 1 ]; Requirements = true ]")
    want = reference(job, "requirements", slot)  # Ok reads the nested ad `my`: false
    for _ in range(specialize.HOT_AFTER + 2):
        assert matches(job, slot) == is_true(want)
    assert fastpath.value(job._exprs["requirements"], job, slot) is BAIL


_NAMES = ["a", "b", "c", "Memory", "Cpus"]


def _match_like_ads() -> Any:
    """Lists of ads shaped like a pool's: literal attributes, comparisons of MY., TARGET. and unscoped
    references in && and || chains, attributes referring to each other (cycles included)."""
    st = pytest.importorskip("hypothesis").strategies
    literal = st.one_of(st.integers(-3, 5).map(str), st.sampled_from(
        ['"x"', '"X"', '"y"', "true", "false", "undefined", "error", "2.5", "-0.0", "{ 1 }"]))
    ref = st.builds(lambda scope, name: scope + name, st.sampled_from(["", "MY.", "TARGET."]),
                    st.sampled_from([*_NAMES, "zz"]))
    atom = st.one_of(literal, ref)
    compare = st.builds(lambda x, op, y: f"({x} {op} {y})", atom,
                        st.sampled_from(["<", "<=", ">", ">=", "==", "!=", "=?=", "=!="]), atom)
    term = st.one_of(compare, ref, literal)
    chain = st.builds(lambda terms, op: f" {op} ".join(terms), st.lists(term, min_size=1, max_size=4),
                      st.sampled_from(["&&", "||"]))
    expr = st.one_of(chain, st.builds(lambda x, y: f"({x}) && ({y})", chain, chain),
                     st.builds(lambda x, y: f"{x} + {y}", atom, atom), atom)
    value = st.one_of(literal, literal, expr)

    def build(req: str, rnk: str, rows: list[list[str]]) -> list[ClassAd]:
        # read as a pool file is: equal texts share one expression object, as in a real pool
        return list(parse_ads("\n".join(
            "[ " + "; ".join([f"{n} = {v}" for n, v in zip(_NAMES, values, strict=True)]
                             + [f"Requirements = {req}", f"Rank = {rnk}"]) + " ]"
            for values in rows), "new"))

    # the ads of one side share their policy texts (as a pool's slots do) and differ in values
    rows = st.lists(st.lists(value, min_size=len(_NAMES), max_size=len(_NAMES)),
                    min_size=2, max_size=3)
    return st.builds(build, expr, expr, rows)


def test_generated_ads_match_in_every_pairing_as_the_interpreter_says() -> None:
    """Every job against every slot, past the warm-up, against the interpreter: the kept
    functions, specialisations and tables of T's values never leak from one pair into another."""
    hypothesis = pytest.importorskip("hypothesis")
    ads = _match_like_ads()

    @hypothesis.settings(max_examples=300, derandomize=True, database=None, deadline=None,
                         suppress_health_check=list(hypothesis.HealthCheck))
    @hypothesis.given(ads, ads)
    def check(jobs: list[ClassAd], slots: list[ClassAd]) -> None:
        pairs = [(j, s) for j in jobs for s in slots] + [(s, j) for j in jobs for s in slots]
        want = [(my, target, match_report(my, target, backend="interpreter"))
                for my, target in pairs]
        for _ in range(specialize.HOT_AFTER + 3):
            for my, target, report in want:
                assert matches(my, target) == report.matches, (my, target)
                r = report.rank_value
                expected = float(r) if type(r) in (int, float, bool) else 0.0
                got = rank(my, target)
                assert got == expected or math.isnan(got) and math.isnan(expected), (my, target)
        for my, target, report in want:  # the kept functions' own values, not just booleans
            fn = (my._fast or {}).get("requirements")
            if callable(fn):
                got = fn(my, target, 0)
                assert got is BAIL or repr(got) == repr(report.requirements), (my, target)

    check()
