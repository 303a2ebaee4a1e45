"""-format FMT ATTR, against HTCondor's manual: one printf conversion per format, no separators."""

from __future__ import annotations

import pytest

from classad import parse_ad
from negotiator.cli.pool.printf import compile_format, render

AD = parse_ad('[ClusterId = 12; ProcId = 3; Owner = "alice"; Wall = 90.25; Ok = true; '
              'Mem = 2 * 1024; Tags = {"a", "b"}]')


def show(*pairs: tuple[str, str]) -> str:
    return render([AD], [compile_format(f, a) for f, a in pairs])


@pytest.mark.parametrize("fmt, attr, expected", [
    ("%d.", "ClusterId", "12."),
    ("%-4d|", "ProcId", "3   |"),
    ("%05d", "ProcId", "00003"),
    ("%s", "Owner", "alice"),
    ("[%8s]", "Owner", "[   alice]"),
    # a non-string attribute through %s prints as its expression
    ("%s", "Mem", "2 * 1024"),
    ("%d", "Mem", "2048"),
    ("%.1f", "Wall", "90.2"),
    ("%d", "Wall", "90"),           # reals truncate for integer conversions
    ("%f", "ProcId", "3.000000"),
    ("%d", "Ok", "1"),
    ("%x", "ClusterId", "c"),
    ("%v", "Owner", "alice"),
    ("%V", "Owner", '"alice"'),
    ("%v", "Tags", '{ "a","b" }'),
    ("%r", "Mem", "2 * 1024"),
    ("%v", "Mem / 2", "1024"),      # an expression instead of an attribute
    ("100%% %s", "Owner", "100% alice"),
    ("no conversion\\n", "Owner", "no conversion\n"),
    ("%d\\t%%\\n", "ProcId", "3\t%\n"),
])
def test_one_format(fmt: str, attr: str, expected: str) -> None:
    assert show((fmt, attr)) == expected


@pytest.mark.parametrize("fmt, attr", [
    ("%d", "NoSuchAttribute"),    # undefined: the whole format prints nothing
    ("%d", "Owner"),              # a string for an integer conversion
    ("%s", "NoSuchAttribute"),
    ("%f", "Tags"),
])
def test_a_value_that_does_not_fit_prints_nothing(fmt: str, attr: str) -> None:
    assert show(("<", "Owner"), (fmt, attr), (">\\n", "Owner")) == "<>\n"


def test_formats_concatenate_per_ad_like_condor_q() -> None:
    ads = [AD, parse_ad('[ClusterId = 12; ProcId = 4; Owner = "bob"]')]
    formats = [compile_format("%d.", "ClusterId"), compile_format("%d ", "ProcId"),
               compile_format("%s\\n", "Owner")]
    assert render(ads, formats) == "12.3 alice\n12.4 bob\n"


def test_bad_expression_and_huge_width_are_user_errors() -> None:
    with pytest.raises(ValueError, match="not a valid expression"):
        compile_format("%d", "Owner ==")
    with pytest.raises(ValueError, match="width"):
        compile_format("%999999999d", "ProcId")
