"""Typed negotiator knobs read from a RawConfig, with HTCondor's shipped defaults."""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field

from negotiator.errors import NegotiatorError
from negotiator.policy.config import RawConfig

DEFAULT_PRE_JOB_RANK = (
    "(10000000 * My.Rank) + (1000000 * (RemoteOwner =?= UNDEFINED)) - (100000 * Cpus) - Memory"
)
DEFAULT_POST_JOB_RANK = (
    "(RemoteOwner =?= UNDEFINED) * (ifThenElse(isUndefined(KFlops), 1000, Kflops)"
    " - SlotID - 1.0e10*(Offline=?=True))"
)
DEFAULT_PREEMPTION_RANK = (
    "(RemoteUserPrio * 1000000) - ifThenElse(isUndefined(TotalJobRunTime), 0, TotalJobRunTime)"
)
DEFAULT_GROUP_SORT_EXPR = (
    'ifThenElse(AccountingGroup =?= "<none>", 3.4e+38,'
    " ifThenElse(GroupQuota > 0, GroupResourcesInUse / GroupQuota, 3.3e+38))"
)
GROUP_KNOB_PREFIXES = (
    "GROUP_QUOTA_DYNAMIC_",
    "GROUP_QUOTA_",
    "GROUP_ACCEPT_SURPLUS_",
    "GROUP_AUTOREGROUP_",
    "GROUP_PRIO_FACTOR_",
)
# Knobs we read, and knobs of HTCondor's negotiator we accept without acting on them.
KNOWN_KNOBS = frozenset(
    [
        "PRIORITY_HALFLIFE",
        "DEFAULT_PRIO_FACTOR",
        "NICE_USER_PRIO_FACTOR",
        "REMOTE_PRIO_FACTOR",
        "ACCOUNTANT_LOCAL_DOMAIN",
        "NEGOTIATOR_USE_SLOT_WEIGHTS",
        "SLOT_WEIGHT",
        "FORCE_NEGOTIATOR_SLOT_WEIGHT",
        "NEGOTIATOR_CONSIDER_PREEMPTION",
        "PREEMPTION_REQUIREMENTS",
        "PREEMPTION_RANK",
        "NEGOTIATOR_PRE_JOB_RANK",
        "NEGOTIATOR_POST_JOB_RANK",
        "NEGOTIATOR_IGNORE_USER_PRIORITIES",
        "GROUP_NAMES",
        "GROUP_SORT_EXPR",
        "GROUP_QUOTA_ROUND_ROBIN_RATE",
        "HFS_ROUND_ROBIN_RATE",
        "GROUP_QUOTA_MAX_ALLOCATION_ROUNDS",
        "HFS_MAX_ALLOCATION_ROUNDS",
        "NEGOTIATOR_ALLOW_QUOTA_OVERSUBSCRIPTION",
        "NEGOTIATOR_STRICT_ENFORCE_QUOTA",
        "NEGOTIATOR_USE_WEIGHTED_DEMAND",
        "GROUP_ACCEPT_SURPLUS",
        "GROUP_AUTOREGROUP",
        "NEGOTIATOR_INTERVAL",
        "NEGOTIATOR_MIN_INTERVAL",
        "NEGOTIATOR_CYCLE_DELAY",
        "NEGOTIATOR_SLOT_CONSTRAINT",
        "NEGOTIATOR_SUBMITTER_CONSTRAINT",
        "NEGOTIATE_ALL_JOBS_IN_CLUSTER",
        "NEGOTIATOR_CARVE_PSLOTS",
        "NEGOTIATOR_CRUMB_POLICY",
        "NICE_USER_ACCOUNTING_GROUP_NAME",
        "NEGOTIATOR_DEPTH_FIRST",
        "NEGOTIATOR_MATCHLIST_CACHING",
        "NEGOTIATOR_MAX_TIME_PER_SUBMITTER",
        "NEGOTIATOR_MAX_TIME_PER_SCHEDD",
        "NEGOTIATOR_MAX_TIME_PER_PIESPIN",
        "NEGOTIATOR_MAX_TIME_PER_CYCLE",
        "NEGOTIATOR_DISCOUNT_SUSPENDED_RESOURCES",
        "USE_GLOBAL_JOB_PRIOS",
    ]
)


@dataclass(frozen=True)
class GroupConfig:
    """The configured knobs of one accounting group."""

    name: str
    static_quota: float | None = None
    dynamic_quota: float | None = None
    accept_surplus: bool = False
    autoregroup: bool = False
    prio_factor: float | None = None


@dataclass(frozen=True)
class NegotiatorConfig:
    """Every knob the cycle reads; defaults are HTCondor's shipped ones (param_info.in)."""

    priority_halflife: float = 86400.0
    default_prio_factor: float = 1000.0
    nice_user_prio_factor: float = 1e10
    remote_prio_factor: float = 1e7
    accountant_local_domain: str | None = None
    use_slot_weights: bool = True
    slot_weight: str = "Cpus"
    force_slot_weight: bool = False
    consider_preemption: bool = True
    preemption_requirements: str | None = None
    preemption_rank: str = DEFAULT_PREEMPTION_RANK
    pre_job_rank: str | None = DEFAULT_PRE_JOB_RANK
    post_job_rank: str | None = DEFAULT_POST_JOB_RANK
    ignore_user_priorities: bool = False
    groups: tuple[GroupConfig, ...] = ()
    group_sort_expr: str = DEFAULT_GROUP_SORT_EXPR
    round_robin_rate: float = math.inf
    max_allocation_rounds: int = 3
    allow_quota_oversubscription: bool = True
    strict_enforce_quota: bool = True
    use_weighted_demand: bool = True
    accept_surplus: bool = False
    autoregroup: bool = False
    negotiator_interval: float = 60.0
    slot_constraint: str | None = None
    submitter_constraint: str | None = None
    carve_pslots: bool = True
    crumb_policy: str = "htcondor"
    warnings: tuple[str, ...] = field(default=(), compare=False)
    #: knobs of other daemons, read and left alone (`--verbose` lists them)
    ignored: tuple[str, ...] = field(default=(), compare=False)

    def group(self, name: str) -> GroupConfig | None:
        lowered = name.lower()
        return next((g for g in self.groups if g.name.lower() == lowered), None)


def build_config(raw: RawConfig) -> NegotiatorConfig:
    """Read the knobs of `raw`; a bad value raises NegotiatorError naming its file and line."""
    read = _Reader(raw)
    groups = _groups(raw, read)
    rr = read.number(
        "GROUP_QUOTA_ROUND_ROBIN_RATE",
        read.number("HFS_ROUND_ROBIN_RATE", math.inf, positive=True),
        positive=True,
    )
    rounds = read.number(
        "GROUP_QUOTA_MAX_ALLOCATION_ROUNDS",
        read.number("HFS_MAX_ALLOCATION_ROUNDS", 3, minimum=1, integer=True),
        minimum=1,
        integer=True,
    )
    crumbs = (read.text("NEGOTIATOR_CRUMB_POLICY") or "htcondor").lower()
    if crumbs not in {"htcondor", "fill"}:
        read.fail("NEGOTIATOR_CRUMB_POLICY", "must be htcondor or fill")
    return NegotiatorConfig(
        priority_halflife=read.number("PRIORITY_HALFLIFE", 86400.0, minimum=0.00001),
        default_prio_factor=read.number("DEFAULT_PRIO_FACTOR", 1000.0, positive=True),
        nice_user_prio_factor=read.number("NICE_USER_PRIO_FACTOR", 1e10, positive=True),
        remote_prio_factor=read.number("REMOTE_PRIO_FACTOR", 1e7, positive=True),
        accountant_local_domain=read.text("ACCOUNTANT_LOCAL_DOMAIN"),
        use_slot_weights=read.flag("NEGOTIATOR_USE_SLOT_WEIGHTS", True),
        slot_weight=read.expr("SLOT_WEIGHT") or "Cpus",
        force_slot_weight=read.flag("FORCE_NEGOTIATOR_SLOT_WEIGHT", False),
        consider_preemption=read.flag("NEGOTIATOR_CONSIDER_PREEMPTION", True),
        preemption_requirements=read.expr("PREEMPTION_REQUIREMENTS"),
        preemption_rank=read.expr("PREEMPTION_RANK") or DEFAULT_PREEMPTION_RANK,
        pre_job_rank=read.expr("NEGOTIATOR_PRE_JOB_RANK", DEFAULT_PRE_JOB_RANK),
        post_job_rank=read.expr("NEGOTIATOR_POST_JOB_RANK", DEFAULT_POST_JOB_RANK),
        ignore_user_priorities=read.flag("NEGOTIATOR_IGNORE_USER_PRIORITIES", False),
        groups=groups,
        group_sort_expr=read.expr("GROUP_SORT_EXPR") or DEFAULT_GROUP_SORT_EXPR,
        round_robin_rate=max(1.0, rr),
        max_allocation_rounds=int(rounds),
        allow_quota_oversubscription=read.flag("NEGOTIATOR_ALLOW_QUOTA_OVERSUBSCRIPTION", True),
        strict_enforce_quota=read.flag("NEGOTIATOR_STRICT_ENFORCE_QUOTA", True),
        use_weighted_demand=read.flag("NEGOTIATOR_USE_WEIGHTED_DEMAND", True),
        accept_surplus=read.flag("GROUP_ACCEPT_SURPLUS", False),
        autoregroup=read.flag("GROUP_AUTOREGROUP", False),
        negotiator_interval=read.number("NEGOTIATOR_INTERVAL", 60.0, positive=True),
        slot_constraint=read.expr("NEGOTIATOR_SLOT_CONSTRAINT"),
        submitter_constraint=read.expr("NEGOTIATOR_SUBMITTER_CONSTRAINT"),
        carve_pslots=read.flag("NEGOTIATOR_CARVE_PSLOTS", True),
        crumb_policy=crumbs,
        warnings=raw.warnings + tuple(_suspicious_knobs(raw)),
        ignored=tuple(_other_knobs(raw)),
    )


class _Reader:
    """Typed access to knobs; errors name the file and line of the definition."""

    def __init__(self, raw: RawConfig) -> None:
        self.raw = raw

    def fail(self, name: str, problem: str) -> None:
        path, line = self.raw.where(name)
        raise NegotiatorError(f"{name}: {problem} (got {self.raw.get(name)!r})", path, line)

    def text(self, name: str) -> str | None:
        value = self.raw.get(name)
        return value if value else None

    def number(
        self,
        name: str,
        default: float,
        positive: bool = False,
        minimum: float | None = None,
        integer: bool = False,
    ) -> float:
        """A finite number (HTCondor's knob ranges: positive, >= minimum, whole)."""
        value = self.text(name)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            self.fail(name, "expected a number")
            raise AssertionError from None  # unreachable: fail() raises
        if not math.isfinite(number):
            self.fail(name, "expected a finite number")
        if positive and number <= 0:
            self.fail(name, "expected a positive number")
        if minimum is not None and number < minimum:
            self.fail(name, f"expected a number >= {minimum:g}")
        if integer and (number != int(number) or abs(number) > 2**31 - 1):
            self.fail(name, "expected a whole number (at most 2147483647)")
        return number

    def flag(self, name: str, default: bool) -> bool:
        value = self.text(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in {"true", "t", "yes", "y", "1"}:
            return True
        if lowered in {"false", "f", "no", "n", "0"}:
            return False
        self.fail(name, "expected True or False")
        return default

    def expr(self, name: str, default: str | None = None) -> str | None:
        if name not in self.raw:
            return default
        value = self.text(name)
        if value is None:
            return None
        _check_expression(value, self.raw, name)
        return value


def _check_expression(text: str, raw: RawConfig, name: str) -> None:
    from negotiator.ads import parse_expression

    try:
        parse_expression(text)
    except NegotiatorError as exc:
        path, line = raw.where(name)
        raise NegotiatorError(f"{name}: {exc.message}", path, line) from None


def _groups(raw: RawConfig, read: _Reader) -> tuple[GroupConfig, ...]:
    names = [n.strip() for n in (read.text("GROUP_NAMES") or "").replace(",", " ").split()]
    known: dict[str, str] = {}
    for name in names:
        if name.lower() in known or name == "<none>":
            read.fail("GROUP_NAMES", f"group {name!r} is listed twice or reserved")
        known[name.lower()] = name
    for name in known.values():
        parent = name.rpartition(".")[0]
        if parent and parent.lower() not in known:
            read.fail(
                "GROUP_NAMES", f"group {name!r} has no parent group {parent!r} in GROUP_NAMES"
            )
    _reject_unknown_group_knobs(raw, known)
    ordered = sorted(known.values(), key=lambda n: (n.count("."), n.lower(), n))
    return tuple(_group(name, raw, read) for name in ordered)


def _group(name: str, raw: RawConfig, read: _Reader) -> GroupConfig:
    static_knob, dynamic_knob = f"GROUP_QUOTA_{name}", f"GROUP_QUOTA_DYNAMIC_{name}"
    static = read.number(static_knob, -1.0) if static_knob in raw else None
    dynamic = read.number(dynamic_knob, -1.0) if dynamic_knob in raw else None
    if static is not None and (static < 0 or math.isinf(static)):
        read.fail(static_knob, "a static quota must be a finite number >= 0")
    if dynamic is not None and not 0 <= dynamic <= 1:
        read.fail(dynamic_knob, "a dynamic quota must be a fraction between 0 and 1")
    factor_knob = f"GROUP_PRIO_FACTOR_{name}"
    factor = read.number(factor_knob, 0.0) if factor_knob in raw else None
    if factor is not None and factor < 0:
        read.fail(factor_knob, "a priority factor must be >= 0")
    return GroupConfig(
        name=name,
        static_quota=static,
        dynamic_quota=None if static is not None else dynamic,
        accept_surplus=read.flag(
            f"GROUP_ACCEPT_SURPLUS_{name}", read.flag("GROUP_ACCEPT_SURPLUS", False)
        ),
        autoregroup=read.flag(f"GROUP_AUTOREGROUP_{name}", read.flag("GROUP_AUTOREGROUP", False)),
        prio_factor=factor or None,
    )


def _reject_unknown_group_knobs(raw: RawConfig, known: dict[str, str]) -> None:
    for name in raw.names():
        group = _group_of_knob(name)
        if group is not None and group.lower() not in known:
            path, line = raw.where(name)
            raise NegotiatorError(
                f"{name}: unknown group {group!r} (not in GROUP_NAMES)", path, line
            )


def _group_of_knob(name: str) -> str | None:
    upper = name.upper()
    if upper in KNOWN_KNOBS:
        return None
    for prefix in GROUP_KNOB_PREFIXES:
        if upper.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix) :]
    return None


def _unknown(raw: RawConfig) -> list[str]:
    """Knob names this negotiator does not read, in the order they were written."""
    names = [n for n in raw.names() if n.upper() not in KNOWN_KNOBS and _group_of_knob(n) is None]
    return sorted(names, key=lambda n: (str(raw.where(n)[0]), raw.where(n)[1] or 0, n))


def _suspicious_knobs(raw: RawConfig) -> list[str]:
    """Unknown knobs that look meant for the negotiator: NEGOTIATOR_*, or near a known name."""
    messages = []
    for name in _unknown(raw):
        upper = name.upper()
        near = difflib.get_close_matches(upper, KNOWN_KNOBS, n=1, cutoff=0.85)
        if near or upper.startswith("NEGOTIATOR_"):
            path, line = raw.where(name)
            hint = f"; did you mean {near[0]}?" if near else ""
            messages.append(f"{path}:{line}: unknown negotiator knob {name} (ignored{hint})")
    return messages


def _other_knobs(raw: RawConfig) -> list[str]:
    """Knobs of other daemons and of the templates, with where each was set."""
    out = []
    for name in _unknown(raw):
        path, line = raw.where(name)
        out.append(f"{path}:{line}: {name}")
    return out
