"""Negotiating with every accounting group: allocation rounds, starvation order, strict caps."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sized
from typing import Protocol

from negotiator import ads
from negotiator.policy.groups import ROOT, GroupTree, assign_quotas, fair_share
from negotiator.policy.settings import NegotiatorConfig


class _Pending(Protocol):
    def count(self, name: str) -> int: ...

    def waiting(self) -> int: ...

    def demand(self, name: str, weighted: bool) -> float: ...


class GroupNegotiation(Protocol):
    """What the allocation rounds read from, and ask of, the cycle that runs them."""

    @property
    def tree(self) -> GroupTree: ...

    @property
    def config(self) -> NegotiatorConfig: ...

    @property
    def pool_weight(self) -> float: ...

    @property
    def slots(self) -> Sized: ...

    @property
    def usage(self) -> Mapping[str, float]: ...

    @property
    def group_of(self) -> Mapping[str, str]: ...

    @property
    def pending(self) -> _Pending: ...

    hgq_report: dict[str, tuple[float, float, float, float]] | None

    def group_usage(self, group: str) -> float: ...

    def subtree_usage(self, group: str) -> float: ...

    def negotiate_with_group(
        self, names: list[str], group: str | None, quota: float | None
    ) -> None: ...


FLT_MAX = 3.4028234663852886e38
MAX_ROUND_ROBIN_STEPS = 1000


def negotiate_all_groups(engine: GroupNegotiation) -> None:
    """Allocate quotas with surplus, then negotiate group by group, in up to N allocation rounds."""
    tree, config = engine.tree, engine.config
    quotas = assign_quotas(tree, engine.pool_weight, config.allow_quota_oversubscription)
    members = _members(engine)
    demand = {g: _demand(engine, names) for g, names in members.items()}
    any_surplus = any(tree.accepts_surplus(g) for g in tree.names if g != ROOT)
    report: dict[str, tuple[float, float, float, float]] = {}
    seen: tuple[object, ...] | None = None
    for _round in range(config.max_allocation_rounds):
        state = _fingerprint(engine, demand)
        if state == seen:  # the last round changed nothing: the next would repeat it exactly
            break
        seen = state
        allocated, _surplus = fair_share(tree, quotas, demand)
        quota_of = {g: quotas[g].quota for g in tree.names}
        if config.autoregroup:
            quota_of[ROOT] = allocated[ROOT] = engine.pool_weight
        for g in tree.names:
            report[g] = (quota_of[g], allocated[g], demand.get(g, 0.0), quotas[g].subtree_quota)
        usage = {g: engine.group_usage(g) for g in tree.names}
        targets = {g: allocated[g] if any_surplus else quota_of[g] for g in tree.names}
        maxdelta = max((max(0.0, targets[g] - usage[g]) for g in tree.names), default=0.0)
        order = _order(engine, quota_of, allocated, usage)
        step = 0.0
        # HTCondor steps by GROUP_QUOTA_ROUND_ROBIN_RATE; a tiny rate against a huge quota is
        # taken in at most MAX_ROUND_ROBIN_STEPS equal steps (the same limits, coarser)
        rate = max(config.round_robin_rate, maxdelta / MAX_ROUND_ROBIN_STEPS)
        while True:
            if not engine.slots or not engine.pending.waiting():
                break
            step = min(step + rate, maxdelta)
            for g in order:
                limit = _round_limit(engine, g, quota_of[g], allocated[g], step, maxdelta)
                if limit is not None:
                    engine.negotiate_with_group(members.get(g, []), g, float(math.trunc(limit)))
            if step >= maxdelta:
                break
        used_total = 0.0
        for g in tree.names:
            now_used = engine.group_usage(g)
            used_total += min(now_used, allocated[g])
            demand[g] = now_used if now_used < allocated[g] else demand.get(g, 0.0)
        if used_total >= sum(allocated.values()) or not engine.slots:
            break
    engine.hgq_report = report


def _fingerprint(engine: GroupNegotiation, demand: dict[str, float]) -> tuple[object, ...]:
    """Everything a round starts from: usage, demand, and how many jobs wait."""
    waiting = engine.pending.waiting()
    return (tuple(sorted(engine.usage.items())), tuple(sorted(demand.items())), waiting)


def _members(engine: GroupNegotiation) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name in sorted(engine.group_of):
        group = engine.group_of[name]
        out.setdefault(group, []).append(name)
        if group != ROOT and engine.tree.autoregroup(group) and name not in out.get(ROOT, []):
            out.setdefault(ROOT, []).append(name)
    return out


def _demand(engine: GroupNegotiation, names: list[str]) -> float:
    """Weighted running plus weighted idle jobs of the group's own submitters."""
    total = 0.0
    for name in names:
        if engine.group_of.get(name) is None:
            continue
        weighted = engine.config.use_weighted_demand and engine.config.use_slot_weights
        total += engine.usage.get(name, 0.0) + engine.pending.demand(name, weighted)
    return total


def _round_limit(
    engine: GroupNegotiation, group: str, quota: float, allocated: float, step: float, maxdelta: float
) -> float | None:
    """The absolute usage `group` may reach in this round-robin step, or None to skip it."""
    usage = engine.group_usage(group)
    if allocated <= 0:
        return None
    if usage >= allocated and not engine.config.consider_preemption:
        return None
    target = max(allocated, quota)
    delta = max(0.0, target - usage)
    slots = usage + delta * (step / maxdelta) if delta > 0 and maxdelta > 0 else target
    slots = min(slots, target)
    if not engine.config.use_slot_weights:
        slots = math.floor(slots)
    return _strict_cap(engine, group, slots)


def _strict_cap(engine: GroupNegotiation, group: str, slots: float) -> float:
    """Every ancestor that refuses surplus caps its subtree at its quota (NEGOTIATOR_STRICT_ENFORCE_QUOTA)."""
    if not engine.config.strict_enforce_quota:
        return slots
    usage = engine.group_usage(group)
    new = slots - usage
    quotas = assign_quotas(
        engine.tree, engine.pool_weight, engine.config.allow_quota_oversubscription
    )
    for node in engine.tree.ancestors(group):
        if engine.tree.accepts_surplus(node):
            continue
        cfg = engine.tree.configs[node]
        cap = cfg.static_quota if cfg.static_quota is not None else quotas[node].subtree_quota
        new = min(new, max(0.0, cap - engine.subtree_usage(node)))
    return new + usage


def _order(
    engine: GroupNegotiation, quota: dict[str, float], allocated: dict[str, float], usage: dict[str, float]
) -> list[str]:
    """Groups by GROUP_SORT_EXPR ascending (starvation order), then name; `<none>` last with autoregroup."""
    expr = ads.parse_expression(engine.config.group_sort_expr)
    keys = {}
    for g in engine.tree.names:
        ad = ads.make_ad(
            {
                "AccountingGroup": g,
                "GroupQuota": quota[g],
                "GroupResourcesInUse": usage[g],
                "GroupResourcesAllocated": allocated[g],
            }
        )
        value = ads.as_number(ads.evaluate(expr, ad, None))
        keys[g] = FLT_MAX if value is None or math.isnan(value) else value
    last = engine.config.autoregroup
    return sorted(engine.tree.names, key=lambda g: (last and g == ROOT, keys[g], g.lower(), g))
