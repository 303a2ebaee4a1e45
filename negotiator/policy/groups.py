"""Hierarchical group quotas: the tree, quota assignment, and fair share with surplus."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from negotiator.errors import NegotiatorError
from negotiator.policy.settings import GroupConfig, NegotiatorConfig

ROOT = "<none>"
MAX_DEPTH = 64


@dataclass(frozen=True)
class GroupTree:
    """Accounting groups under the `<none>` root; names keep their configured spelling."""

    configs: Mapping[str, GroupConfig]
    children: Mapping[str, tuple[str, ...]]
    parent: Mapping[str, str]

    @property
    def names(self) -> tuple[str, ...]:
        """Every group, root first, parents before children."""
        return (ROOT, *self.children_walk(ROOT))

    def children_walk(self, name: str, depth: int = 0) -> tuple[str, ...]:
        if depth > MAX_DEPTH:
            raise NegotiatorError(f"group tree deeper than {MAX_DEPTH} levels (cycle?)")
        out: list[str] = []
        for child in self.children.get(name, ()):
            out.append(child)
            out.extend(self.children_walk(child, depth + 1))
        return tuple(out)

    def ancestors(self, name: str) -> tuple[str, ...]:
        """`name` and every ancestor up to and including the root."""
        chain = [name]
        while chain[-1] != ROOT:
            chain.append(self.parent[chain[-1]])
            if len(chain) > MAX_DEPTH:
                raise NegotiatorError(f"group tree deeper than {MAX_DEPTH} levels (cycle?)")
        return tuple(chain)

    def accepts_surplus(self, name: str) -> bool:
        return name == ROOT or self.configs[name].accept_surplus

    def autoregroup(self, name: str) -> bool:
        return name != ROOT and self.configs[name].autoregroup

    @property
    def enabled(self) -> bool:
        return bool(self.configs)


def build_tree(config: NegotiatorConfig) -> GroupTree:
    """The group tree of GROUP_NAMES (already validated: every parent exists)."""
    configs = {g.name: g for g in config.groups}
    by_lower = {name.lower(): name for name in configs}
    children: dict[str, list[str]] = {ROOT: []}
    parent: dict[str, str] = {}
    for name in configs:
        prefix = name.rpartition(".")[0]
        up = by_lower[prefix.lower()] if prefix else ROOT
        parent[name] = up
        children.setdefault(up, []).append(name)
        children.setdefault(name, [])
    ordered = {k: tuple(sorted(v, key=lambda n: (n.lower(), n))) for k, v in children.items()}
    return GroupTree(configs=configs, children=ordered, parent=parent)


def assigned_group(tree: GroupTree, submitter: str) -> str:
    """The deepest defined group on the path of `group.sub.user@domain`; `<none>` otherwise."""
    if not tree.enabled:
        return ROOT
    path = submitter.partition("@")[0].rpartition(".")[0]
    if not path:
        return ROOT
    node = ROOT
    for part in path.split("."):
        nxt = next(
            (
                c
                for c in tree.children.get(node, ())
                if c.rpartition(".")[2].lower() == part.lower()
            ),
            None,
        )
        if nxt is None:
            break
        node = nxt
    return node


@dataclass(frozen=True)
class Quota:
    """A group's assigned quota (own) and the quota of its whole subtree."""

    quota: float
    subtree_quota: float


def assign_quotas(tree: GroupTree, total: float, oversubscribe: bool) -> dict[str, Quota]:
    """Top-down quota assignment: static children first, dynamic ones share what is left."""
    out = {name: Quota(0.0, 0.0) for name in tree.names}
    _assign(tree, ROOT, total, oversubscribe, out)
    return out


def _assign(
    tree: GroupTree, name: str, incoming: float, oversub: bool, out: dict[str, Quota]
) -> None:
    if incoming <= 0:
        return
    kids = tree.children.get(name, ())
    static = [k for k in kids if tree.configs[k].static_quota is not None]
    sqsum = sum(tree.configs[k].static_quota or 0.0 for k in static)
    dqsum = sum(tree.configs[k].dynamic_quota or 0.0 for k in kids if k not in static)
    sqa = sqsum if oversub else min(sqsum, incoming)
    dqa = max(0.0, incoming - sqa)
    zs = sqsum if sqsum > 0 else 1.0
    zd = max(dqsum, 1.0)
    given = 0.0
    for kid in kids:
        cfg = tree.configs[kid]
        share = (
            (cfg.static_quota or 0.0) * sqa / zs
            if kid in static
            else (cfg.dynamic_quota or 0.0) * dqa / zd
        )
        share = max(share, 0.0)
        _assign(tree, kid, share, oversub, out)
        given += share
    own = incoming if oversub and name != ROOT else incoming - given
    out[name] = Quota(quota=max(own, 0.0), subtree_quota=incoming)


@dataclass
class _Work:
    """Working values of one group during a fair-share computation."""

    quota: float
    subtree_quota: float
    accept: bool
    requested: float
    allocated: float = 0.0
    subtree_requested: float = 0.0
    kids: list[str] = field(default_factory=list)


def fair_share(
    tree: GroupTree, quotas: Mapping[str, Quota], requested: Mapping[str, float]
) -> tuple[dict[str, float], float]:
    """Allocate min(demand, quota) per group, then share surplus bottom-up; returns (allocated, surplus)."""
    work = {
        name: _Work(
            quota=quotas[name].quota,
            subtree_quota=quotas[name].subtree_quota,
            accept=tree.accepts_surplus(name),
            requested=max(0.0, requested.get(name, 0.0)),
            kids=list(tree.children.get(name, ())),
        )
        for name in tree.names
    }
    surplus = _fairshare(work, ROOT)
    return {name: w.allocated for name, w in work.items()}, surplus


def _fairshare(work: dict[str, _Work], name: str) -> float:
    node = work[name]
    node.allocated = min(node.requested, node.quota)
    node.requested -= node.allocated
    node.subtree_requested = node.requested
    surplus = node.quota - node.allocated
    for kid in node.kids:
        surplus += _fairshare(work, kid)
        if work[kid].accept:
            node.subtree_requested += work[kid].subtree_requested
    return _allocate_surplus(work, name, surplus) if node.kids else surplus


def _allocate_surplus(work: dict[str, _Work], name: str, surplus: float) -> float:
    """Share `surplus` among the children that accept it and the node itself, by subtree quota."""
    node = work[name]
    if surplus <= 0:
        return 0.0
    if node.subtree_requested <= 0:
        return surplus
    members = [*node.kids, name]
    quota_of = {m: work[m].subtree_quota for m in node.kids} | {name: node.quota}
    wanted = {m: work[m].subtree_requested if work[m].accept else 0.0 for m in node.kids}
    wanted[name] = node.requested
    total_wanted = node.subtree_requested
    grant = dict.fromkeys(members, 0.0)
    if surplus >= total_wanted:
        for m in members:
            grant[m] = max(wanted[m], 0.0)
        surplus -= total_wanted
    else:
        surplus = _share_loop(members, grant, wanted, surplus, lambda m: quota_of[m])
        surplus = _share_loop(members, grant, wanted, surplus, lambda _m: 1.0)
    for kid in node.kids:
        if grant[kid] > 0:
            _allocate_surplus(work, kid, grant[kid])
    node.allocated += grant[name]
    node.requested -= grant[name]
    node.subtree_requested = max(0.0, total_wanted - sum(grant.values()))
    return max(surplus, 0.0)


def _share_loop(
    members: list[str],
    grant: dict[str, float],
    wanted: dict[str, float],
    surplus: float,
    weight: object,
) -> float:
    weigh = weight if callable(weight) else (lambda _m: 1.0)
    while surplus > 1e-12:
        active = [m for m in members if wanted[m] > 0 and weigh(m) > 0]
        norm = sum(weigh(m) for m in active)
        if norm <= 0:
            break
        capped = False
        given = 0.0
        for m in active:
            amount = surplus * weigh(m) / norm
            if amount >= wanted[m]:
                amount, capped = wanted[m], True
            grant[m] += amount
            wanted[m] -= amount
            given += amount
        surplus -= given
        if not capped or surplus < 0:
            surplus = 0.0
    return surplus
