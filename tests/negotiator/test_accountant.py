"""Priorities: decay, the 0.5 floor, factors, and the group tree's quotas and surplus."""

from __future__ import annotations

import pytest

from negotiator.policy.accountant import (
    AccountantState,
    Customer,
    decay,
    effective_priority,
    update_priorities,
)
from negotiator.policy.config import parse_config
from negotiator.policy.groups import assign_quotas, assigned_group, build_tree, fair_share
from negotiator.policy.pie import admits, shares
from negotiator.policy.settings import build_config


def test_decay_is_exact_for_any_step() -> None:
    one = decay(0.5, 100.0, 86400, 86400)
    many = 0.5
    for _ in range(1440):
        many = decay(many, 100.0, 60, 86400)
    assert one == pytest.approx(50.25) and many == pytest.approx(50.25, rel=1e-9)


def test_floor_and_factors() -> None:
    config = build_config(
        parse_config("GROUP_NAMES = g\nGROUP_PRIO_FACTOR_g = 20\nACCOUNTANT_LOCAL_DOMAIN = here")
    )
    state = AccountantState(customers={"x@here": Customer("x@here", priority=0.1)})
    assert effective_priority("x@here", state, config) == 500.0
    assert effective_priority("nice-user.y@here", state, config) == 0.5e10
    assert effective_priority("g.u@here", state, config) == 10.0
    assert effective_priority("u@elsewhere", state, config) == 0.5e7
    low = AccountantState(customers={"x@here": Customer("x@here", factor=0.01)})
    assert effective_priority("x@here", low, config) == 0.5  # factors below 1 are raised to 1


def test_update_charges_recorded_usage() -> None:
    state = AccountantState(0.0, {"a": Customer("a", priority=0.5, weighted_in_use=10.0)})
    new = update_priorities(state, 3600.0, 86400.0)
    assert new.customers["a"].accumulated_usage == 36000.0
    assert new.customers["a"].priority > 0.5
    assert new.last_update == 3600.0


def test_shares_and_round_up_rule() -> None:
    assert shares({"a": 0.5, "b": 1.0}) == pytest.approx({"a": 2 / 3, "b": 1 / 3})
    assert admits(0.0, 4.0, 0.001)
    assert not admits(1.0, 1.0, 1.5)
    assert not admits(0.0, 1.0, 0.0)


def test_assigned_group_walks_to_deepest_known() -> None:
    tree = build_tree(build_config(parse_config("GROUP_NAMES = a, a.b")))
    assert assigned_group(tree, "a.b.user@d") == "a.b"
    assert assigned_group(tree, "a.zz.user@d") == "a"
    assert assigned_group(tree, "A.B.user@d") == "a.b"
    assert assigned_group(tree, "user@d") == "<none>"


def test_quota_assignment_and_surplus() -> None:
    text = "GROUP_NAMES = s, d1, d2\nGROUP_QUOTA_s = 30\nGROUP_QUOTA_DYNAMIC_d1 = 0.5\nGROUP_QUOTA_DYNAMIC_d2 = 0.5"
    config = build_config(parse_config(text + "\nGROUP_ACCEPT_SURPLUS_d2 = True"))
    tree = build_tree(config)
    quotas = assign_quotas(tree, 100.0, True)
    assert {g: q.quota for g, q in quotas.items()} == {
        "<none>": 0.0,
        "d1": 35.0,
        "d2": 35.0,
        "s": 30.0,
    }
    allocated, surplus = fair_share(tree, quotas, {"s": 10.0, "d1": 0.0, "d2": 100.0})
    assert allocated["d2"] == pytest.approx(35.0 + 20.0 + 35.0)
    assert surplus == pytest.approx(0.0)
