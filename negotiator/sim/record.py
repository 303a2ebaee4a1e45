"""Per-cycle time series, per submitter and per group, kept in compact columns."""

from __future__ import annotations

import math
from array import array
from typing import TYPE_CHECKING

from negotiator.decisions import CycleResult
from negotiator.policy import accountant
from negotiator.policy.groups import ROOT, assigned_group, build_tree

if TYPE_CHECKING:
    from negotiator.policy.settings import NegotiatorConfig
    from negotiator.sim.engine import Simulation

NAN = math.nan


class Names:
    """Strings stored once, rows keep their number."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self._index: dict[str, int] = {}

    def code(self, name: str) -> int:
        found = self._index.get(name)
        if found is None:
            found = self._index[name] = len(self.values)
            self.values.append(name)
        return found


class Table:
    """Columns of numbers and coded names, appended row by row."""

    def __init__(self, numeric: tuple[str, ...], coded: tuple[str, ...],
                 names: Names | None = None) -> None:
        self.numeric = {name: array("d") for name in numeric}
        self.coded = {name: array("i") for name in coded}
        self.names = names or Names()

    def add(self, names: dict[str, str], values: dict[str, float]) -> None:
        for key, text in names.items():
            self.coded[key].append(self.names.code(text))
        for key, value in values.items():
            self.numeric[key].append(value)

    def __len__(self) -> int:
        first = next(iter(self.numeric.values()))
        return len(first)

    def column(self, name: str) -> list[str] | array[float]:
        if name in self.coded:
            return [self.names.values[i] for i in self.coded[name]]
        return self.numeric[name]


SUBMITTER_NUMBERS = ("time", "running", "idle", "usage", "real_priority", "effective_priority",
                     "submitter_limit", "submitter_share", "matched")
GROUP_NUMBERS = ("time", "running", "idle", "usage", "quota", "allocated", "requested", "matched")
POOL_NUMBERS = ("time", "busy_cpus", "total_cpus", "idle_jobs", "running_jobs", "matches",
                "negotiated")


class Recorder:
    """What every cycle looked like.

    Runs every simulated cycle: a submitter's group, names' codes and default priority factor
    are worked out once, and each row goes straight onto its columns.
    """

    def __init__(self, total_cpus: float) -> None:
        self.names = Names()
        self.submitters = Table(SUBMITTER_NUMBERS, ("submitter", "group"), self.names)
        self.groups = Table(GROUP_NUMBERS, ("group",), self.names)
        self.pool = Table(POOL_NUMBERS, (), self.names)
        self.total_cpus = total_cpus
        self._group_of: dict[str, str] = {}
        self._tree: object = None
        #: per submitter: (its code, its group's code, its group, its default priority factor)
        self._known: dict[str, tuple[int, int, str, float]] = {}
        self._config: NegotiatorConfig | None = None

    def group_of(self, sim: Simulation, name: str) -> str:
        found = self._group_of.get(name)
        if found is None:
            if self._tree is None:
                self._tree = build_tree(sim.config)
            found = self._group_of[name] = assigned_group(self._tree, name)  # type: ignore[arg-type]
        return found

    def _learn(self, sim: Simulation, name: str) -> tuple[int, int, str, float]:
        group = self.group_of(sim, name)
        factor = max(accountant.default_factor(name, sim.config), accountant.MIN_PRIORITY_FACTOR)
        found = self._known[name] = (self.names.code(name), self.names.code(group), group, factor)
        return found

    def cycle(self, now: float, result: CycleResult | None, sim: Simulation) -> None:
        customers = sim.state.customers
        names = {n for n, c in customers.items() if c.weighted_in_use > 0}
        names.update(n for n, q in sim.idle_of.items() if q)
        outcomes = result.submitters if result is not None else {}
        names.update(outcomes)
        if sim.config is not self._config:  # default factors depend on the configuration
            self._known.clear()
            self._config = sim.config
        known, idle_of = self._known, sim.idle_of
        cols = self.submitters.numeric
        add_submitter, add_group = (self.submitters.coded["submitter"].append,
                                    self.submitters.coded["group"].append)
        add_time, add_running, add_idle, add_usage = (
            cols["time"].append, cols["running"].append, cols["idle"].append,
            cols["usage"].append)
        add_real, add_effective, add_limit, add_share, add_matched = (
            cols["real_priority"].append, cols["effective_priority"].append,
            cols["submitter_limit"].append, cols["submitter_share"].append,
            cols["matched"].append)
        min_priority = accountant.MIN_PRIORITY
        per_group: dict[str, list[float]] = {}
        for name in sorted(names):
            info = known.get(name) or self._learn(sim, name)
            customer = customers.get(name)
            outcome = outcomes.get(name)
            if customer is not None:
                running, used, real = (float(customer.in_use), customer.weighted_in_use,
                                       customer.priority)
                factor = info[3] if customer.factor is None else max(
                    customer.factor, accountant.MIN_PRIORITY_FACTOR)
            else:
                running, used, real, factor = 0.0, 0.0, min_priority, info[3]
            queue = idle_of.get(name)
            idle = float(len(queue)) if queue is not None else 0.0
            matched = float(outcome.matched) if outcome else 0.0
            add_submitter(info[0])
            add_group(info[1])
            add_time(now)
            add_running(running)
            add_idle(idle)
            add_usage(used)
            add_real(real)
            add_effective(max(real, min_priority) * factor)  # accountant.effective_priority
            add_limit(_finite(outcome.limit) if outcome else NAN)
            add_share(outcome.share if outcome else NAN)
            add_matched(matched)
            row = per_group.get(info[2])
            if row is None:
                row = per_group[info[2]] = [0.0, 0.0, 0.0, 0.0]
            row[0] += running
            row[1] += idle
            row[2] += used
            row[3] += matched
        groups = result.groups if result is not None else {}
        for group in sorted(set(per_group) | set(groups)):
            running, idle, used, matched = per_group.get(group, [0.0, 0.0, 0.0, 0.0])
            g = groups.get(group)
            self.groups.add(
                {"group": group},
                {"time": now, "running": running, "idle": idle, "usage": used,
                 "quota": g.quota if g else NAN, "allocated": g.allocated if g else NAN,
                 "requested": g.requested if g else NAN, "matched": matched})
        self.pool.add({}, {"time": now, "busy_cpus": sim.pool.busy_cpus,
                           "total_cpus": self.total_cpus, "idle_jobs": float(len(sim.idle)),
                           "running_jobs": float(sim.running),
                           "matches": float(len(result.matches)) if result else 0.0,
                           "negotiated": 1.0 if result is not None else 0.0})


def _finite(value: float) -> float:
    return value if math.isfinite(value) else NAN


ROOT_GROUP = ROOT
