"""Per-proc job ads from the first proc's: the steps that read nothing per-proc are replayed
from what they wrote for the first proc; only the others run again.

The first proc is built by running every step while the context records, per step, whether
it read a per-proc value (a command using $(Process), $(Item)..., or an attribute written by
such a step) and what it wrote. For every later proc the per-proc steps run again; when none
of them read the job ad, they run "blind" on an empty ad (a read then falls back to a full
replay of the recorded writes in order), and the proc's ad is the first ad with their writes
laid over it.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import Any

import classad
from classad.ad import to_expr
from classad.ast import Literal
from negotiator.queue.job_context import JobContext, ReplayNeeded
from negotiator.queue.requirements import set_universe
from negotiator.queue.submit_ads import STEPS

Attrs = dict[str, tuple[str, Any]]
#: in a proc's delta: the attribute is not in this proc's ad
ABSENT: Any = type("Absent", (), {"__repr__": lambda self: "ABSENT"})()


def _expr(value: Any) -> Any:
    """A value as a tree; per-proc values are rarely shared, so they skip the literal cache."""
    return Literal(value) if type(value) in (str, int) else to_expr(value)


def to_ad(job: Attrs) -> classad.ClassAd:
    names = [name for name, _ in job.values()]
    values = [to_expr(value) for _, value in job.values()]
    return classad.ClassAd.from_pairs(names, values)


class ProcTemplate:
    """The first proc's ad and, per step, whether it runs per proc and what it wrote."""

    __slots__ = ("ad", "base", "blind_ok", "deltas", "dynamic", "dynamic_keys", "dynamic_steps",
                 "first", "job0")

    def __init__(self, base: Attrs, ad: classad.ClassAd, deltas: list[Attrs],
                 dynamic: list[bool], blind_ok: bool) -> None:
        self.base = base
        self.ad = ad
        self.deltas = deltas
        self.dynamic = dynamic
        self.dynamic_steps = [STEPS[i] for i, d in enumerate(dynamic) if d]
        self.dynamic_keys: set[str] = set()
        overwritten: set[str] = set()  # written by a once-only step after a per-proc one
        for delta, dyn in zip(deltas, dynamic, strict=True):
            if dyn:
                self.dynamic_keys.update(delta)
            else:
                overwritten.update(self.dynamic_keys & delta.keys())
        self.blind_ok = blind_ok and not overwritten
        #: the first proc's values of the attributes the per-proc steps write
        self.first: dict[str, Any] = {}
        #: the first proc's attributes (without ProcId)
        self.job0: Attrs = {}

    @classmethod
    def record(cls, ctx: JobContext, cluster: Attrs) -> ProcTemplate:
        ctx.job = dict(cluster)
        ctx.written = {}
        set_universe(ctx)
        base = dict(ctx.job)
        ctx.dynamic_attrs = set()
        deltas: list[Attrs] = []
        dynamic: list[bool] = []
        blind_ok = True
        for step in STEPS:
            ctx.dynamic = ctx.read_job = False
            ctx.written = {}
            step(ctx)
            deltas.append(ctx.written)
            dynamic.append(ctx.dynamic)
            if ctx.dynamic:
                ctx.dynamic_attrs.update(ctx.written)
                blind_ok = blind_ok and not ctx.read_job
        job0 = dict(ctx.job)
        ctx.job["procid"] = ("ProcId", 0)
        template = cls(base, to_ad(ctx.job), deltas, dynamic, blind_ok)
        del ctx.job["procid"]
        template.job0 = job0
        template.first = {key: ctx.job[key][1] for key in template.dynamic_keys if key in ctx.job}
        return template

    def first_ad(self, proc: int) -> classad.ClassAd:
        ad = self.ad.copy()
        ad._exprs["procid"] = Literal(proc)  # the template ad already spells ProcId
        return ad

    def next_ad(self, ctx: JobContext, proc: int) -> classad.ClassAd:
        job, written, regular = self._proc(ctx)
        if job is None:
            return self.first_ad(proc)
        if not regular:
            ad = to_ad(job)
            ad["ProcId"] = proc
            return ad
        ad = self.ad.copy()
        first = self.first
        exprs = ad._exprs  # the names are the first ad's: only the values change
        for key in written:
            value = job[key][1]
            if value != first[key] or type(value) is not type(first[key]):
                exprs[key] = _expr(value)
        exprs["procid"] = Literal(proc)
        return ad

    def next_delta(self, ctx: JobContext, proc: int) -> dict[str, Any]:
        """The attributes of this proc that differ from the first proc's (ProcId always):
        name -> Python value or expression tree, ABSENT for one this proc does not have."""
        job, written, regular = self._proc(ctx)
        delta: dict[str, Any] = {}
        if job is not None:
            first = self.job0
            keys = written if regular else job.keys() | first.keys()
            for key in keys:
                name, value = job.get(key) or (first[key][0], ABSENT)
                old = first.get(key, (name, ABSENT))[1]
                if value is not old and (value != old or type(value) is not type(old)):
                    delta[name] = value
        delta["ProcId"] = proc
        return delta

    def _proc(self, ctx: JobContext) -> tuple[Attrs | None, AbstractSet[str], bool]:
        """(this proc's attributes, the keys the per-proc steps wrote, whether they wrote the
        same keys as for the first proc); (None, ...) when nothing is per-proc."""
        if not self.dynamic_steps:
            return None, set(), True
        if self.blind_ok:  # only the per-proc steps, on an empty ad
            job = ctx.job = ctx.written = {}
            ctx.blind = True
            try:
                for step in self.dynamic_steps:
                    step(ctx)
            except ReplayNeeded:
                job = None  # type: ignore[assignment]
            finally:
                ctx.blind = False
            if job is not None and job.keys() == self.dynamic_keys:
                return job, job.keys(), True
        return self._replay(ctx)

    def _replay(self, ctx: JobContext) -> tuple[Attrs, set[str], bool]:
        """Every step in order: recorded writes for the once-only steps, runs for the rest."""
        job = ctx.job = dict(self.base)
        written: set[str] = set()
        regular = True
        for step, delta, dyn in zip(STEPS, self.deltas, self.dynamic, strict=True):
            if not dyn:
                job.update(delta)
                continue
            ctx.written = {}
            step(ctx)
            if ctx.written.keys() != delta.keys():
                regular = False
            written.update(ctx.written)
        return job, written, regular
