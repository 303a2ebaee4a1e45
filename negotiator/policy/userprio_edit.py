"""condor_userprio's edit options on an accountant state, with condor_userprio's checks and replies.

`-setprio`, `-setfactor`, `-setaccum`, `-setbegin`, `-setlast`, `-setceiling`, `-setfloor`,
`-resetusage`, `-delete` take a submitter's full name (`user@uid.domain`); `-resetall` takes none.
As in HTCondor's accountant: resetting usage zeroes the accumulated usage and starts it again
now, the priority stays; deleting removes the record; ceilings and floors are whole numbers of
weighted slots, a ceiling of -1 and a floor of 0 meaning none.
"""

from __future__ import annotations

import math
from dataclasses import replace

from negotiator.errors import NegotiatorError
from negotiator.policy.accountant import MIN_PRIORITY_FACTOR, AccountantState, Customer

#: edits that take (user, value), and the value's check
VALUED = ("setprio", "setfactor", "setaccum", "setbegin", "setlast", "setceiling", "setfloor")
#: edits that take a user only
NAMED = ("resetusage", "delete")


def _submitter(edit: str, user: str) -> None:
    if "@" not in user or user.startswith("@") or user.endswith("@"):
        raise NegotiatorError(
            f"-{edit}: {user!r} is not a submitter's full name: give user@uid.domain "
            "(as condor_userprio does)")


def _number(edit: str, value: float, low: float, what: str) -> float:
    if not math.isfinite(value) or value < low:
        raise NegotiatorError(f"-{edit}: {what}, got {value!r}")
    return value


def apply_edit(state: AccountantState, edit: str, user: str | None, value: float | None,
               now: float) -> tuple[AccountantState, str]:
    """The edited state and condor_userprio's reply line."""
    customers = dict(state.customers)
    if edit == "resetall":
        for name, each in customers.items():
            customers[name] = replace(each, accumulated_usage=0.0, begin_usage_time=now)
        return state.with_customers(customers), "The accumulated usage was reset for all users"
    assert user is not None
    _submitter(edit, user)
    c: Customer = state.customer(user)
    if edit == "resetusage":
        customers[user] = replace(c, accumulated_usage=0.0, begin_usage_time=now)
        return state.with_customers(customers), f"The accumulated usage of {user} was reset"
    if edit == "delete":
        if user not in customers:
            raise NegotiatorError(f"-delete: no accountant record named {user}")
        del customers[user]
        return state.with_customers(customers), f"The accountant record named {user} was deleted"
    assert value is not None
    if edit == "setprio":
        v = _number(edit, value, 0.0, "a priority must be a number > 0")
        if v == 0:
            raise NegotiatorError(f"-{edit}: a priority must be a number > 0, got {value!r}")
        customers[user] = replace(c, priority=v)
        reply = f"The priority of {user} was set to {v:f}"
    elif edit == "setfactor":
        v = _number(edit, value, MIN_PRIORITY_FACTOR,
                    "priority factors must be greater than or equal to 1")
        customers[user] = replace(c, factor=v)
        reply = f"The priority factor of {user} was set to {v:f}"
    elif edit == "setaccum":
        v = _number(edit, value, 0.0, "usage must be 0 or more seconds")
        customers[user] = replace(c, accumulated_usage=v)
        reply = f"The Accumulated Usage of {user} was set to {v:f}"
    elif edit in ("setbegin", "setlast"):
        t = int(_number(edit, value, 0.0, "a time must be 0 or more seconds"))
        if edit == "setbegin":
            customers[user], label = replace(c, begin_usage_time=float(t)), "Begin Usage Time"
        else:
            customers[user], label = replace(c, last_usage_time=float(t)), "Last Usage Time"
        reply = f"The {label} of {user} was set to {t}"
    elif edit in ("setceiling", "setfloor"):
        what = edit[3:]
        low = -1 if what == "ceiling" else 0
        if not math.isfinite(value) or int(value) < low:
            raise NegotiatorError(f"-{edit}: {what} must be greater than or equal to {low}, "
                                  f"got {value!r}")
        n = int(value)
        # a ceiling of -1 is no ceiling, a floor of 0 no floor
        limit = None if n == low else float(n)
        customers[user] = (replace(c, ceiling=limit) if what == "ceiling"
                           else replace(c, floor=limit))
        reply = f"The {what} of {user} was set to {n}"
    else:
        raise NegotiatorError(f"unknown userprio edit -{edit}")
    return state.with_customers(customers), reply


def active_since(state: AccountantState, since: float | None) -> AccountantState:
    """The customers condor_userprio shows: in use now, or used since `since` (None: all)."""
    if since is None:
        return state
    shown = {name: c for name, c in state.customers.items()
             if c.weighted_in_use > 0 or (c.last_usage_time is not None
                                          and c.last_usage_time >= since)}
    return state.with_customers(shown)


Edit = tuple[str, str | None, float | None]


def requested_edits(valued: dict[str, tuple[str, float] | None], named: dict[str, str | None],
                    reset_all: bool) -> Edit | None:
    """The one edit a command line asks for (condor_userprio does one per call), or None."""
    edits: list[Edit] = [(k, v[0], v[1]) for k, v in valued.items() if v is not None]
    edits += [(k, v, None) for k, v in named.items() if v is not None]
    if reset_all:
        edits.append(("resetall", None, None))
    if len(edits) > 1:
        raise NegotiatorError("one edit at a time: " + ", ".join(f"-{e[0]}" for e in edits))
    return edits[0] if edits else None


def activefrom(month: int, day: int, year: int) -> float:
    """-activefrom MONTH DAY YEAR: the start of that day (UTC), as a time stamp."""
    from datetime import UTC, datetime

    try:
        return datetime(year, month, day, tzinfo=UTC).timestamp()
    except (ValueError, OverflowError) as exc:
        raise NegotiatorError(f"-activefrom {month} {day} {year}: not a date ({exc})") from None
