"""The HTCondor config syntax: macros, continuation lines, comments, subsystem prefixes."""

from __future__ import annotations

import math

from negotiator.policy.config import parse_config
from negotiator.policy.settings import build_config


def test_macros_expand_lazily_and_self_reference_appends() -> None:
    raw = parse_config(
        "A = xxx\nC = $(A)\nA = yyy\nB = 1\nB = $(B)2\nD = $(UNSET:dflt)\nE = $(UNSET)"
    )
    assert raw.get("C") == "yyy"
    assert raw.get("B") == "12"
    assert raw.get("D") == "dflt"
    assert raw.get("E") == ""


def test_continuation_comments_and_case() -> None:
    raw = parse_config(
        "# comment\ngroup_names = a, \\\n   b\n[section]\nnegotiator.PRIORITY_HALFLIFE = 10\n"
    )
    assert raw.get("GROUP_NAMES") == "a, b"
    assert raw.get("priority_halflife") == "10"
    assert raw.where("GROUP_NAMES")[1] == 2


def test_multiline_value() -> None:
    raw = parse_config("X @=end\nline one\nline two\n@end\nY = 2\n")
    assert raw.get("X") == "line one\nline two"
    assert raw.get("Y") == "2"


def test_defaults_are_htcondor_shipped_defaults() -> None:
    config = build_config(parse_config(""))
    assert config.priority_halflife == 86400
    assert config.default_prio_factor == 1000
    assert config.nice_user_prio_factor == 1e10
    assert config.allow_quota_oversubscription is True
    assert config.consider_preemption is True
    assert config.preemption_requirements is None
    assert math.isinf(config.round_robin_rate)


def test_groups_are_case_insensitive_and_ordered_parents_first() -> None:
    config = build_config(
        parse_config("GROUP_NAMES = b.x, A, b\nGROUP_QUOTA_a = 3\ngroup_quota_dynamic_B.X = 0.5")
    )
    assert [g.name for g in config.groups] == ["A", "b", "b.x"]
    assert config.group("a") is not None and config.group("a").static_quota == 3  # type: ignore[union-attr]
    assert config.group("B.X").dynamic_quota == 0.5  # type: ignore[union-attr]
