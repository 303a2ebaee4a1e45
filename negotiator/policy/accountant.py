"""The accountant: real user priority with half-life decay, priority factors and usage."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from negotiator.policy.settings import NegotiatorConfig

MIN_PRIORITY = 0.5
MIN_PRIORITY_FACTOR = 1.0
NICE_USER_PREFIX = "nice-user"


@dataclass(frozen=True)
class Customer:
    """One submitter's accounting record."""

    name: str
    priority: float = MIN_PRIORITY
    """Real user priority (RUP): a decaying average of weighted usage, never below 0.5."""
    factor: float | None = None
    """Priority factor set by an admin (`userprio --setfactor`); None means the configured default."""
    weighted_in_use: float = 0.0
    """Weighted resources in use at the end of the last cycle (charged over the next interval)."""
    in_use: int = 0
    """Slots in use at the end of the last cycle."""
    accumulated_usage: float = 0.0
    """Weighted usage accumulated over time, in weighted seconds."""
    begin_usage_time: float | None = None
    last_usage_time: float | None = None
    floor: float | None = None
    ceiling: float | None = None


@dataclass(frozen=True)
class AccountantState:
    """Every customer record and the time of the last priority update."""

    last_update: float | None = None
    customers: Mapping[str, Customer] = field(default_factory=dict)

    def customer(self, name: str) -> Customer:
        return self.customers.get(name) or Customer(name)

    def with_customers(self, customers: Mapping[str, Customer]) -> AccountantState:
        ordered = {name: customers[name] for name in sorted(customers)}
        return replace(self, customers=ordered)


def decay(priority: float, usage: float, interval: float, halflife: float) -> float:
    """RUP after `interval` seconds of constant weighted `usage`: exact for piecewise-constant use."""
    beta: float = 0.5 ** (max(interval, 0.0) / halflife)
    return max(beta * max(priority, MIN_PRIORITY) + (1.0 - beta) * usage, MIN_PRIORITY)


def update_priorities(state: AccountantState, now: float, halflife: float) -> AccountantState:
    """Decay every customer's RUP to `now`, charging the usage recorded at the last cycle."""
    if state.last_update is None:
        return replace(state, last_update=now)
    if now <= state.last_update:  # time never runs backwards in the state
        return state
    interval = now - state.last_update
    customers = {name: _charge(c, interval, now, halflife) for name, c in state.customers.items()}
    return replace(state.with_customers(customers), last_update=now)


def _charge(customer: Customer, interval: float, now: float, halflife: float) -> Customer:
    used = customer.weighted_in_use
    return replace(
        customer,
        priority=decay(customer.priority, used, interval, halflife),
        accumulated_usage=customer.accumulated_usage + used * interval,
        last_usage_time=now if used > 0 else customer.last_usage_time,
    )


def record_usage(
    state: AccountantState, usage: Mapping[str, tuple[float, int]], now: float
) -> AccountantState:
    """Set every customer's in-use figures to `usage` (weighted, count), creating new records.

    Only the submitters in `usage` and those with something in use can change: the others'
    records are kept as they are (a pool's idle submitters, every cycle)."""
    customers = dict(state.customers)
    names = set(usage)
    for name, customer in customers.items():
        used = customer.weighted_in_use
        if customer.in_use or used or type(used) is not float:
            names.add(name)
    added = False
    for name in sorted(names):
        weighted, count = usage.get(name, (0.0, 0))
        old = customers.get(name)
        fresh = old is None
        if old is None:
            old, added = Customer(name), True
        begin = old.begin_usage_time if old.begin_usage_time is not None or weighted <= 0 else now
        last = now if weighted > 0 else old.last_usage_time
        if (not fresh and old.weighted_in_use == weighted
                and type(old.weighted_in_use) is type(weighted) and old.in_use == count
                and old.begin_usage_time == begin and old.last_usage_time == last):
            continue  # the record as it is
        new, fields = customer_copy(old)
        customers[name] = new
        fields["weighted_in_use"] = weighted
        fields["in_use"] = count
        fields["begin_usage_time"] = begin
        fields["last_usage_time"] = last
    order = list(customers)
    if added or order != sorted(order):
        return state.with_customers(customers)
    return replace(state, customers=customers)


def customer_copy(customer: Customer) -> tuple[Customer, dict[str, object]]:
    """A copy of `customer` and its field dict, for the caller to set new figures in before
    the copy is read (the records of a long run's submitters are renewed every cycle).

    A frozen dataclass keeps its fields in the instance dict: a copy of that dict is what the
    constructor would build (equal, same field order), at a fraction of the cost."""
    new: Customer = object.__new__(Customer)
    fields = new.__dict__
    fields.update(customer.__dict__)
    return new, fields


def priority_factor(name: str, customer: Customer | None, config: NegotiatorConfig) -> float:
    """The factor of `name`: an admin-set one, else nice-user, group, remote or default."""
    if customer is not None and customer.factor is not None:
        return max(customer.factor, MIN_PRIORITY_FACTOR)
    return max(default_factor(name, config), MIN_PRIORITY_FACTOR)


_FACTORS: dict[int, tuple[NegotiatorConfig, dict[str, float]]] = {}
_FACTORS_KEPT = 100_000
"""Submitter names whose default factor is remembered per configuration (a budget)."""


def default_factor(name: str, config: NegotiatorConfig) -> float:
    """The factor of `name` from the configuration alone (remembered per configuration)."""
    kept = _FACTORS.get(id(config))
    if kept is None or kept[0] is not config:
        if len(_FACTORS) >= 16:
            _FACTORS.clear()
        kept = _FACTORS[id(config)] = (config, {})
    found = kept[1].get(name)
    if found is None:
        if len(kept[1]) >= _FACTORS_KEPT:
            kept[1].clear()
        found = kept[1][name] = _configured_factor(name, config)
    return found


def _configured_factor(name: str, config: NegotiatorConfig) -> float:
    if name.lower().startswith(NICE_USER_PREFIX):
        return config.nice_user_prio_factor
    group = config.group(group_part(name)) if "." in name.partition("@")[0] else None
    if group is not None and group.prio_factor:
        return group.prio_factor
    domain = name.partition("@")[2]
    local = config.accountant_local_domain
    if local and domain and domain.lower() != local.lower():
        return config.remote_prio_factor
    return config.default_prio_factor


def group_part(name: str) -> str:
    """`group_a.b.user@dom` -> `group_a.b`; the accounting-group prefix of a submitter name."""
    return name.partition("@")[0].rpartition(".")[0]


def effective_priority(name: str, state: AccountantState, config: NegotiatorConfig) -> float:
    """EUP = max(RUP, 0.5) x factor; lower is better."""
    customer = state.customers.get(name)
    real = customer.priority if customer is not None else MIN_PRIORITY
    return max(real, MIN_PRIORITY) * priority_factor(name, customer, config)


def set_factor(state: AccountantState, name: str, factor: float) -> AccountantState:
    """An admin override of `name`'s priority factor (values below 1 are raised to 1)."""
    customers = dict(state.customers)
    customers[name] = replace(state.customer(name), factor=max(factor, MIN_PRIORITY_FACTOR))
    return state.with_customers(customers)
