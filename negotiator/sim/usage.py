"""Usage charged as it accrues: piecewise-constant in-use weights between cycles, exact decay."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from negotiator.policy.accountant import (
    MIN_PRIORITY,
    AccountantState,
    Customer,
    customer_copy,
    decay,
)

Change = tuple[float, str, float, int]
"""(time, submitter, change of weighted in-use, change of slots in use)."""


def accrue(state: AccountantState, changes: Iterable[Change], now: float,
           halflife: float) -> AccountantState:
    """The state at `now` when each submitter's in-use weight changed at the given times.

    Each piece of constant use is charged to the submitter's accumulated usage and decayed into
    its real priority exactly as the accountant does for a whole interval, so a job that ends
    between cycles is charged for its run time and no more. `changes` must be in time order.

    Called every simulated cycle with every submitter the run has seen: a record that accrues
    nothing (idle at the lowest priority) is kept as it is, the others are copied with their
    new figures, and the names are sorted again only when one is new.
    """
    start = state.last_update
    if start is None:
        start = now
    by_name: dict[str, list[tuple[float, float, int]]] = {}
    for when, name, weight, count in changes:
        by_name.setdefault(name, []).append((min(max(when, start), now), weight, count))
    old = state.customers
    customers: dict[str, Customer] = {}
    # a record without changes decays over the whole interval: decay()'s arithmetic, inline
    beta = 0.5 ** (max(now - start, 0.0) / halflife)
    keep = 1.0 - beta
    whole = now - start
    for name, customer in old.items():
        moves = by_name.get(name)
        if moves is not None:
            customers[name] = _charge(customer, start, moves, now, halflife)
            continue
        used = customer.weighted_in_use
        priority = customer.priority
        if used == 0 and priority == MIN_PRIORITY and now >= start:
            customers[name] = customer  # decays to itself, accrues nothing: as it is
            continue
        new, fields = customer_copy(customer)  # with two or three new figures
        customers[name] = new
        fields["priority"] = max(beta * max(priority, MIN_PRIORITY) + keep * used, MIN_PRIORITY)
        fields["accumulated_usage"] = customer.accumulated_usage + used * whole
        if used > 0:
            fields["last_usage_time"] = now
    fresh = [name for name in by_name if name not in old]
    for name in fresh:
        customers[name] = _charge(Customer(name), start, by_name[name], now, halflife)
    names = list(customers)
    if fresh or names != sorted(names):
        customers = {name: customers[name] for name in sorted(names)}
    return replace(state, last_update=now, customers=customers)


def _charge(customer: Customer, start: float, changes: list[tuple[float, float, int]] | tuple[()],
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
    return _renewed(customer, priority, used, count, accumulated, begin, last_use)


def _renewed(customer: Customer, priority: float, used: float, count: int, accumulated: float,
             begin: float | None, last_use: float | None) -> Customer:
    """`customer` with new usage figures (accountant.customer_copy, six fields replaced)."""
    new, fields = customer_copy(customer)
    fields["priority"] = priority
    fields["weighted_in_use"] = used
    fields["in_use"] = count
    fields["accumulated_usage"] = accumulated
    fields["begin_usage_time"] = begin
    fields["last_usage_time"] = last_use
    return new
