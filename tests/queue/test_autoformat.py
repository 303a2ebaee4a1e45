"""-af and its qualifiers, against the rules HTCondor's tools follow (condor_q's usage text)."""

from __future__ import annotations

import pytest

from classad import parse_ad
from negotiator.cli.pool.autoformat import autoformat

ADS = [parse_ad('[ClusterId = 7; ProcId = 0; Owner = "alice"; Cpus = 1 + 1]'),
       parse_ad('[ClusterId = 7; ProcId = 12; Owner = "bob"; Cpus = 4]')]


@pytest.mark.parametrize("qualifiers, expected", [
    # fields are separated by one space; strings unquoted, other values in ClassAd syntax
    ("", ["alice 2", "bob 4"]),
    # V quotes strings; r prints the expression as written, unevaluated
    ("V", ['"alice" 2', '"bob" 4']),
    ("r", ['"alice" 1 + 1', '"bob" 4']),
    # , follows every field but the last; t puts a tab (not a space) before every field but the first
    (",", ["alice, 2", "bob, 4"]),
    ("t", ["alice\t2", "bob\t4"]),
    (",t", ["alice,\t2", "bob,\t4"]),
    # n ends every field but the last with a newline (the ad's own newline ends the last)
    ("n", ["alice\n 2", "bob\n 4"]),
    # l labels each field; j puts CLUSTER.PROC first
    ("l", ["Owner = alice Cpus = 2", "Owner = bob Cpus = 4"]),
    ("j", ["7.0 alice 2", "7.12 bob 4"]),
    ("jl", ["ID = 7.0 Owner = alice Cpus = 2", "ID = 7.12 Owner = bob Cpus = 4"]),
    # lrng: the -long equivalent (a blank line before each ad, one attribute per line)
    ("lrng", ['\nOwner = "alice"\nCpus = 1 + 1', '\nOwner = "bob"\nCpus = 4']),
    # unknown letters are ignored
    ("xyz", ["alice 2", "bob 4"]),
])
def test_qualifiers(qualifiers: str, expected: list[str]) -> None:
    assert autoformat(ADS, ["Owner", "Cpus"], qualifiers) == expected


def test_headings_line_up_left_aligned_columns() -> None:
    lines = autoformat(ADS, ["Owner", "Cpus * 100"], "h")
    assert lines == ["Owner Cpus * 100", "alice 200       ", "bob   400       "]


def test_job_id_column_with_headings() -> None:
    lines = autoformat(ADS, ["Owner"], "jh")
    # the cluster right-aligned in 4 places, a dot, the proc left-aligned in 3
    assert lines == [" ID      Owner", "   7.0   alice", "   7.12  bob  "]


def test_missing_attribute_and_expressions() -> None:
    assert autoformat(ADS[:1], ["NoSuch", "Owner =?= \"alice\"", "Cpus / 0"]) == [
        "undefined true error"]
