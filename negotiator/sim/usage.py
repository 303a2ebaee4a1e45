"""Usage charged as it accrues: piecewise-constant in-use weights between cycles, exact decay."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from negotiator.policy.accountant import MIN_PRIORITY, AccountantState, Customer, decay

Change = tuple[float, str, float, int]
"""(time, submitter, change of weighted in-use, change of slots in use)."""


def accrue(state: AccountantState, changes: Iterable[Change], now: float,
           halflife: float) -> AccountantState:
    """The state at `now` when each submitter's in-use weight changed at the given times.

    Each piece of constant use is charged to the submitter's accumulated usage and decayed into
    its real priority exactly as the accountant does for a whole interval, so a job that ends
    between cycles is charged for its run time and no more. `changes` must be in time order.
    """
    start = state.last_update
    if start is None:
        start = now
    by_name: dict[str, list[tuple[float, float, int]]] = {}
    for when, name, weight, count in changes:
        by_name.setdefault(name, []).append((min(max(when, start), now), weight, count))
    customers = dict(state.customers)
    for name in sorted(set(customers) | set(by_name)):
        customers[name] = _charge(customers.get(name) or Customer(name), start,
                                  by_name.get(name, ()), now, halflife)
    return replace(state.with_customers(customers), last_update=now)


def _charge(customer: Customer, start: float, changes: Iterable[tuple[float, float, int]],
            now: float, halflife: float) -> Customer:
    priority, used, count = customer.priority, customer.weighted_in_use, customer.in_use
    if not changes and used == 0 and priority == MIN_PRIORITY and now >= start:
        return customer  # decays to itself, accrues nothing: the record as it is
    accumulated, last_use, begin = (customer.accumulated_usage, customer.last_usage_time,
                                    customer.begin_usage_time)
    t = start
    for when, weight, slots in changes:
        if when > t:
            priority = decay(priority, used, when - t, halflife)
            accumulated += used * (when - t)
            if used > 0:
                last_use = when
            t = when
        used = max(0.0, used + weight)
        count = max(0, count + slots)
        if used > 0 and begin is None:
            begin = when
        if used > 0:
            last_use = when
    if now > t or not changes:
        priority = decay(priority, used, now - t, halflife)
        accumulated += used * (now - t)
    if used > 0:
        last_use = now
    return Customer(customer.name, priority, customer.factor, used, count, accumulated,
                    begin, last_use, customer.floor, customer.ceiling)
