"""One simulation from files to files: load workload, pool and config, run, write the outputs."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from classad.ad import ClassAd
from negotiator.errors import NegotiatorError
from negotiator.matchmaking.gcpause import collector_paused
from negotiator.policy.accountant import AccountantState
from negotiator.policy.config import RawConfig, load_config, parse_config
from negotiator.policy.settings import NegotiatorConfig, build_config
from negotiator.sim import metrics, outputs, pool, workload
from negotiator.sim.engine import Outcome, SimSettings, Simulation

SIM_KNOBS = frozenset({"CLAIM_WORKLIFE"})
"""Knobs of other daemons the simulation reads (the schedd's claim reuse)."""


def bundled(name: str) -> Path:
    return Path(str(resources.files("negotiator") / "data" / "sim" / name))


@dataclass(frozen=True)
class Inputs:
    """Everything a run reads; plain values, so a sweep can ship it to a worker."""

    trace: Path | None = None
    jobs: Path | None = None
    slots: Path | None = None
    machines: str | None = None
    config: Path | None = None
    config_text: str = ""
    """Extra config lines applied after the file (a sweep's knob settings)."""
    interval: float | None = None
    seed: int = 0
    jitter: float = 0.0
    """Arrival jitter: each submit time moves by a uniform draw in [-jitter, +jitter] (seeded)."""
    accounting: str = workload.DEFAULT_TEMPLATE
    names: Path | None = None
    selection: workload.Selection = field(default_factory=workload.Selection)
    max_cycles: int = 10_000_000

    def with_defaults(self) -> Inputs:
        """No workload given: the bundled slice of the LCG trace, pool and config."""
        if self.trace is None and self.jobs is None:
            own_pool = self.slots is not None or self.machines is not None
            return replace(
                self, trace=bundled("lcg-slice.swf.gz"),
                slots=self.slots if own_pool else bundled("pool.txt"),
                config=self.config or bundled("negotiator.conf"))
        return self


def load_negotiator_config(inputs: Inputs) -> tuple[NegotiatorConfig, RawConfig]:
    raw = load_config(inputs.config) if inputs.config else RawConfig()
    if inputs.config_text:
        raw = raw.merged(parse_config(inputs.config_text, "<sweep knobs>"))
    config = build_config(raw)
    warnings = tuple(w for w in config.warnings
                     if not any(f"unknown knob {k} " in w for k in SIM_KNOBS))
    return replace(config, warnings=warnings), raw


def load_workload(inputs: Inputs) -> workload.Workload:
    if inputs.trace is not None and inputs.jobs is not None:
        raise NegotiatorError("give --trace or --jobs, not both")
    if inputs.trace is not None:
        names = workload.read_names(inputs.names) if inputs.names else None
        loaded = workload.from_swf(inputs.trace, inputs.accounting, names, inputs.selection)
    elif inputs.jobs is not None:
        loaded = workload.from_job_ads(inputs.jobs)
    else:
        raise NegotiatorError("give --trace FILE or --jobs FILE")
    chosen = workload.select(loaded, inputs.selection)
    if inputs.jitter > 0:
        rng = random.Random(inputs.seed)
        for job in chosen.jobs:
            job.submit = max(0.0, job.submit + rng.uniform(-inputs.jitter, inputs.jitter))
            job.ad["QDate"] = int(job.submit)
    return chosen


def load_pool(inputs: Inputs, loaded: workload.Workload) -> tuple[list[ClassAd], str]:
    """The pool's slot ads and, for a pool taken from the trace header, a line saying so."""
    if inputs.slots is not None and inputs.machines is not None:
        raise NegotiatorError("give --slots or --machines, not both")
    if inputs.machines is not None:
        return pool.from_spec(inputs.machines), ""
    if inputs.slots is not None:
        return pool.read_pool_file(inputs.slots), ""
    if loaded.header is not None:
        per_core = max((math.ceil(j.memory / j.cpus) for j in loaded.jobs), default=0)
        widest = max((j.cpus for j in loaded.jobs), default=1)
        return pool.from_header(loaded.header, per_core, str(inputs.trace), widest)
    raise NegotiatorError("give --slots FILE or --machines SPEC (e.g. 100x8c32g)")


def claim_worklife(raw: RawConfig) -> float | None:
    text = raw.get("CLAIM_WORKLIFE")
    if text is None or text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        path, line = raw.where("CLAIM_WORKLIFE")
        raise NegotiatorError(f"CLAIM_WORKLIFE: expected a number (got {text!r})", path,
                              line) from None
    return value if value > 0 else None


def simulate(inputs: Inputs, progress: Callable[[float, float, float], None] | None = None,
             ) -> tuple[Outcome, NegotiatorConfig]:
    """Run one simulation; `progress(now, first, last)` is called after every cycle."""
    inputs = inputs.with_defaults()
    config, raw = load_negotiator_config(inputs)
    with collector_paused():  # hundreds of thousands of new ads, none of them garbage
        loaded = load_workload(inputs)
    slot_ads, pool_note = load_pool(inputs, loaded)
    notes = (*loaded.notes, pool_note) if pool_note else tuple(loaded.notes)
    if notes:
        config = replace(config, warnings=(*config.warnings, *notes))
    interval = inputs.interval if inputs.interval is not None else config.negotiator_interval
    if not interval > 0:
        raise NegotiatorError("--interval must be a positive number of seconds")
    settings = SimSettings(interval=interval, claim_worklife=claim_worklife(raw),
                           max_cycles=inputs.max_cycles)
    first = min((j.submit for j in loaded.jobs), default=0.0)
    last = max((j.submit for j in loaded.jobs), default=0.0)
    tick = None if progress is None else (lambda now: progress(now, first, last))
    try:
        sim = Simulation(loaded.jobs, slot_ads, config, AccountantState(), settings, tick)
    except ValueError as exc:
        raise NegotiatorError(f"pool: {exc}") from None
    sim.pool.begin(settings.start if settings.start is not None else (
        sim.jobs[0].submit if sim.jobs else 0.0))  # the first cycle's time
    outcome = sim.run()
    outcome.skipped = dict(loaded.skipped)
    return outcome, config


def write_outputs(outcome: Outcome, config: NegotiatorConfig, out: Path,
                  plots: bool = True) -> dict[str, Any]:
    """Every output file in `out`; returns the summary."""
    out.mkdir(parents=True, exist_ok=True)
    jobs = metrics.job_columns(outcome)
    summary = metrics.summary(outcome, jobs)
    outputs.write_parquet(out / "jobs.parquet", jobs)
    outputs.write_parquet(out / "timeseries.parquet", outputs.timeseries_columns(outcome.recorder))
    outputs.write_summary(out / "summary.json", summary)
    (out / "userprio.txt").write_text(outputs.userprio_text(outcome.state, config),
                                      encoding="utf-8")
    if plots:
        from negotiator.sim import plots as drawing

        drawing.draw_all(outcome, jobs, out / "plots")
    return summary
