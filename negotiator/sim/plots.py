"""PNG plots of a run (matplotlib, headless Agg): groups vs quota, priorities, waits, utilisation."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from negotiator.sim.engine import Outcome  # noqa: E402
from negotiator.sim.record import Table  # noqa: E402

MAX_LINES = 10
"""At most this many submitters get their own line (the busiest); the rest are left out."""
_STYLE: dict[str, Any] = {"figure.dpi": 110, "axes.grid": True, "grid.alpha": 0.3, "font.size": 9,
          "axes.spines.top": False, "axes.spines.right": False}


def draw_all(outcome: Outcome, jobs: dict[str, list[Any]], folder: Path) -> list[Path]:
    """Every plot into `folder`; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    rec = outcome.recorder
    origin = min((j.submit for j in outcome.jobs), default=0.0)
    starts = [r[0] for j in outcome.jobs for r in j.runs]
    ends = [r[1] for j in outcome.jobs for r in j.runs]
    last_start = (max(starts, default=origin) - origin) / 3600.0
    last_end = (max(ends, default=origin) - origin) / 3600.0
    # the x axis stops a little after the last start: a few long runs draining an empty
    # queue would otherwise squeeze the busy part into the left edge
    horizon = min(last_end, last_start * 1.15 + 0.25)
    made = []
    with plt.rc_context(_STYLE):  # type: ignore[arg-type]
        steps: list[tuple[str, Callable[[Axes], None]]] = [
            ("groups.png", lambda ax: groups(ax, rec.groups, origin)),
            ("priorities.png", lambda ax: priorities(ax, rec.submitters, origin)),
            ("waits.png", lambda ax: waits(ax, jobs)),
            ("utilisation.png", lambda ax: utilisation(ax, rec.pool, origin))]
        for name, draw in steps:
            fig: Figure = plt.figure(figsize=(9, 4.8))
            ax = fig.add_subplot(1, 1, 1)
            draw(ax)
            if name != "waits.png" and last_end > 0:
                ax.set_xlim(0, horizon)
                if horizon < last_end:
                    ax.set_xlabel(f"hours since the first submission (cut at {horizon:.1f} h; "
                                  f"the last run ends at {last_end:.1f} h)")
            fig.tight_layout()
            path = folder / name
            fig.savefig(path, metadata={"Software": None})
            plt.close(fig)
            made.append(path)
    return made


def _hours(times: Any, origin: float) -> np.ndarray[Any, Any]:
    return (np.asarray(times, dtype=float) - origin) / 3600.0


def _series(table: Table, key: str, name: str, value: str) -> dict[str, tuple[Any, Any]]:
    """(times, values) of `value` per name in column `key`, names sorted; rows keep their order.

    Works on the column's codes (one stable sort, then slices): a whole trace's table holds
    millions of rows and hundreds of names.
    """
    codes = np.frombuffer(table.coded[key], dtype=np.int32) if len(table) else np.zeros(
        0, dtype=np.int32)
    times = np.asarray(table.numeric["time"])
    values = np.asarray(table.numeric[value])
    order = np.argsort(codes, kind="stable")
    present, first = np.unique(codes[order], return_index=True)
    bounds = [*first.tolist(), len(order)]
    rows = {table.names.values[code]: order[bounds[i]:bounds[i + 1]]
            for i, code in enumerate(present.tolist())}
    del name
    return {label: (times[rows[label]], values[rows[label]]) for label in sorted(rows)}


def _legend(ax: Axes, title: str) -> None:
    handles, _ = ax.get_legend_handles_labels()
    if handles:
        ax.legend(title=title, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
                  frameon=False)


def groups(ax: Axes, table: Table, origin: float) -> None:
    """Weighted slots in use per group over time (solid), its quota (dashed, same colour)."""
    if not len(table):
        ax.set_title("No groups")
        return
    usage = _series(table, "group", "group", "usage")
    quota = _series(table, "group", "group", "quota")
    shown = {g: v for g, v in usage.items() if float(np.nansum(v[1])) > 0}
    for index, (group, (t, u)) in enumerate(shown.items()):
        color = f"C{index % 10}"
        qt, q = quota[group]
        known = np.isfinite(q)
        label = group
        if known.any():
            # a quota is computed in negotiated cycles only: carry it over the quiet ones
            filled = q[np.maximum.accumulate(np.where(known, np.arange(q.size), 0))]
            ax.step(_hours(qt, origin), filled, where="post", color=color, lw=1.0, ls="--",
                    alpha=0.8)
            label = f"{group} (quota {float(np.median(q[known])):g})"
        ax.step(_hours(t, origin), u, where="post", color=color, lw=1.2, label=label)
    ax.set_xlabel("time since first submission (hours)")
    ax.set_ylabel("slots in use (weighted: cores)")
    ax.set_title("Running per accounting group (solid) against its quota (dashed)")
    ax.set_ylim(bottom=0)
    _legend(ax, "group")


def priorities(ax: Axes, table: Table, origin: float) -> None:
    """Effective user priority per submitter (the busiest ones), log scale: lower is better."""
    eup = _series(table, "submitter", "submitter", "effective_priority")
    used = _series(table, "submitter", "submitter", "usage")
    busiest = sorted(used, key=lambda n: (-float(np.sum(used[n][1])), n))[:MAX_LINES]
    for index, name in enumerate(sorted(busiest)):
        t, v = eup[name]
        ax.plot(_hours(t, origin), v, lw=1.1, color=f"C{index % 10}", label=name)
    ax.set_yscale("log")
    ax.set_xlabel("time since first submission (hours)")
    ax.set_ylabel("effective priority (log; lower is better)")
    hidden = len(eup) - len(busiest)
    extra = f" — the {len(busiest)} busiest of {len(eup)}" if hidden > 0 else ""
    ax.set_title(f"Effective priority per submitter{extra}")
    _legend(ax, "submitter")


def waits(ax: Axes, jobs: dict[str, list[Any]]) -> None:
    """Cumulative distribution of wait times per group (minutes, log scale)."""
    by_group: dict[str, list[float]] = {}
    for group, wait, status in zip(jobs["group"], jobs["wait"], jobs["status"], strict=True):
        if status == "done" and math.isfinite(wait):
            by_group.setdefault(group, []).append(wait / 60.0)
    floor = 1.0 / 60.0
    for index, (group, values) in enumerate(sorted(by_group.items())):
        xs = np.sort(np.maximum(np.asarray(values), floor))
        ys = np.arange(1, xs.size + 1) / xs.size
        ax.step(xs, ys, where="post", color=f"C{index % 10}", lw=1.2,
                label=f"{group} (n={xs.size})")
    ax.set_xscale("log")
    ax.set_xlabel("wait from submission to start (minutes, log; under 1 s shown at 1 s)")
    ax.set_ylabel("fraction of jobs")
    ax.set_ylim(0, 1.01)
    ax.set_title("Wait-time CDF per accounting group")
    _legend(ax, "group")


def utilisation(ax: Axes, table: Table, origin: float) -> None:
    """Busy cores as a share of the pool, and the idle queue (right axis)."""
    n = table.numeric
    t = _hours(n["time"], origin)
    total = np.asarray(n["total_cpus"])
    busy = np.asarray(n["busy_cpus"]) / np.where(total > 0, total, 1.0)
    ax.fill_between(t, 100 * busy, step="post", color="C0", alpha=0.35, lw=0)
    ax.step(t, 100 * busy, where="post", color="C0", lw=1.0, label="busy cores (%)")
    ax.set_ylim(0, 105)
    ax.set_xlabel("time since first submission (hours)")
    ax.set_ylabel("busy cores (% of pool)", color="C0")
    twin = ax.twinx()
    twin.step(t, n["idle_jobs"], where="post", color="C3", lw=1.0, label="idle jobs")
    twin.set_ylabel("idle jobs in the queue", color="C3")
    twin.set_ylim(bottom=0)
    twin.grid(False)
    size = float(total.max()) if total.size else 0.0
    ax.set_title(f"Pool utilisation ({size:g} cores) and queue length")
