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

from typing import Any

import classad
from negotiator.queue.job_context import JobContext, ReplayNeeded
from negotiator.queue.requirements import set_universe
from negotiator.queue.submit_ads import STEPS

Attrs = dict[str, tuple[str, Any]]


def to_ad(job: Attrs) -> classad.ClassAd:
    names = [name for name, _ in job.values()]
    values = [classad.ad.to_expr(value) for _, value in job.values()]
    return classad.ClassAd.from_pairs(names, values)


class ProcTemplate:
    """The first proc's ad and, per step, whether it runs per proc and what it wrote."""

    __slots__ = ("ad", "base", "blind_ok", "deltas", "dynamic", "dynamic_keys", "dynamic_steps")

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
        return cls(base, to_ad(ctx.job), deltas, dynamic, blind_ok)

    def first_ad(self, proc: int) -> classad.ClassAd:
        ad = self.ad.copy()
        ad["ProcId"] = proc
        return ad

    def next_ad(self, ctx: JobContext, proc: int) -> classad.ClassAd:
        if not self.dynamic_steps:
            return self.first_ad(proc)
        blind = self._blind(ctx) if self.blind_ok else None
        if blind is None:
            job, written, regular = self._replay(ctx)
        else:
            job, written, regular = blind, set(blind), True
        if regular:
            ad = self.ad.copy()
            for key in written:
                name, value = job[key]
                ad[name] = value
        else:
            ad = to_ad(job)
        ad["ProcId"] = proc
        return ad

    def _blind(self, ctx: JobContext) -> Attrs | None:
        """Run only the per-proc steps on an empty ad; None when one of them reads the ad."""
        ctx.job = {}
        ctx.written = ctx.job
        ctx.blind = True
        try:
            for step in self.dynamic_steps:
                step(ctx)
        except ReplayNeeded:
            return None
        finally:
            ctx.blind = False
        if ctx.job.keys() != self.dynamic_keys:
            return None
        return ctx.job

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
