"""Sweeps: a grid of configuration changes, one simulation per Dask task, summaries compared."""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from classad.inputfile import read_text_input
from negotiator.errors import NegotiatorError
from negotiator.policy.settings import GROUP_KNOB_PREFIXES, KNOWN_KNOBS
from negotiator.sim.run import SIM_KNOBS, Inputs, simulate, write_outputs
from negotiator.sim.workload import Selection

MAX_RUNS = 10_000
"""A budget: a grid larger than this is refused."""
_TOP = {"base", "knobs", "machines", "rates", "seeds", "interval", "limit"}
_BASE = {"trace", "jobs", "slots", "machines", "config", "interval", "jitter", "accounting",
         "limit", "start", "end"}


@dataclass(frozen=True)
class Run:
    """One point of the grid: its label, its inputs, and where its outputs go."""

    label: str
    settings: dict[str, Any]
    inputs: Inputs


def load_grid(path: Path) -> list[Run]:
    """The runs of a sweep file (TOML): [base] inputs, [knobs] NAME = [values], pool sizes,
    arrival-rate multipliers and seeds; every combination is one run."""
    try:
        doc = tomllib.loads(read_text_input(path))
    except OSError as exc:
        raise NegotiatorError(f"cannot read sweep: {exc.strerror}", str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise NegotiatorError(f"malformed sweep: {exc}", str(path)) from None
    where = str(path)
    _only(doc, _TOP, where, "")
    base = doc.get("base", {})
    if not isinstance(base, dict):
        raise NegotiatorError("[base] must be a table", where)
    _only(base, _BASE, where, "base.")
    knobs = doc.get("knobs", {})
    if not isinstance(knobs, dict):
        raise NegotiatorError("[knobs] must be a table of NAME = [values]", where)
    for name, values in knobs.items():
        _check_knob(name, where, path)
        if not isinstance(values, list) or not values:
            raise NegotiatorError(f"knobs.{name}: expected a non-empty list of values", where)
    axes: list[tuple[str, list[Any]]] = [(f"knob:{k}", list(v)) for k, v in knobs.items()]
    for key in ("machines", "rates", "seeds"):
        values = doc.get(key)
        if values is None:
            continue
        if not isinstance(values, list) or not values:
            raise NegotiatorError(f"{key}: expected a non-empty list", where)
        axes.append((key, values))
    total = 1
    for _, values in axes:
        total *= len(values)
    if total > MAX_RUNS:
        raise NegotiatorError(f"the grid has {total:,} runs (at most {MAX_RUNS:,})", where)
    root = path.parent
    template = _base_inputs(base, root, doc, where)
    return [_run(template, dict(zip([a for a, _ in axes], combo, strict=True)))
            for combo in itertools.product(*[v for _, v in axes])]


def _only(doc: Mapping[str, Any], allowed: set[str], where: str, prefix: str) -> None:
    for key in doc:
        if key not in allowed:
            raise NegotiatorError(
                f"unknown key {prefix}{key} (expected one of {', '.join(sorted(allowed))})", where)


def _check_knob(name: str, where: str, path: Path) -> None:
    upper = name.upper()
    bare = upper.removeprefix("NEGOTIATOR.")
    if bare in KNOWN_KNOBS or bare in SIM_KNOBS or upper.startswith(GROUP_KNOB_PREFIXES):
        return
    line = _line_of(path, name)
    raise NegotiatorError(f"knobs.{name}: unknown knob (not a negotiator or group knob)",
                          where, line)


def _line_of(path: Path, name: str) -> int | None:
    for number, line in enumerate(read_text_input(path).splitlines(), 1):
        if line.strip().startswith(name):
            return number
    return None


def _base_inputs(base: Mapping[str, Any], root: Path, doc: Mapping[str, Any],
                 where: str) -> Inputs:
    def file(key: str) -> Path | None:
        value = base.get(key)
        return None if value is None else (root / str(value))

    try:
        return Inputs(
            trace=file("trace"), jobs=file("jobs"), slots=file("slots"),
            machines=base.get("machines"), config=file("config"),
            interval=float(base["interval"]) if "interval" in base else None,
            jitter=float(base.get("jitter", 0.0)),
            accounting=str(base.get("accounting", Inputs.accounting)),
            selection=Selection(
                start=float(base["start"]) if "start" in base else None,
                end=float(base["end"]) if "end" in base else None,
                limit=int(base["limit"]) if "limit" in base else None),
        )
    except (TypeError, ValueError) as exc:
        raise NegotiatorError(f"[base]: {exc}", where) from None


def _run(template: Inputs, point: dict[str, Any]) -> Run:
    knob_lines = [f"{k[5:]} = {_config_value(v)}" for k, v in point.items()
                  if k.startswith("knob:")]
    inputs = replace(template, config_text="\n".join(knob_lines))
    if "machines" in point:
        inputs = replace(inputs, machines=str(point["machines"]), slots=None)
    if "rates" in point:
        inputs = replace(inputs, selection=replace(inputs.selection, rate=float(point["rates"])))
    if "seeds" in point:
        inputs = replace(inputs, seed=int(point["seeds"]))
    label = " ".join(f"{k.removeprefix('knob:')}={v}" for k, v in point.items()) or "base"
    return Run(label, point, inputs)


def _config_value(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def run_one(run: Run, out: Path | None) -> dict[str, Any]:
    """One simulation (what a Dask task runs): the summary back, the large outputs to files."""
    outcome, config = simulate(run.inputs)
    if out is None:
        from negotiator.sim import metrics

        summary = metrics.summary(outcome, metrics.job_columns(outcome))
    else:
        summary = write_outputs(outcome, config, out, plots=False)
    return {"label": run.label, "settings": run.settings, **summary}


def folder_name(index: int) -> str:
    return f"run{index:04d}"


def run_serial(runs: list[Run], out: Path | None) -> list[dict[str, Any]]:
    """The same runs, one after another in this process (the reference for a sweep)."""
    return [run_one(r, None if out is None else out / folder_name(i)) for i, r in enumerate(runs)]


def run_on_dask(runs: list[Run], out: Path | None, scheduler: str | None, workers: int,
                done: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
    """Every run as one task on a Dask cluster (a LocalCluster of `workers` processes unless
    `scheduler` names an existing one); results come back in grid order."""
    from dask.distributed import Client, LocalCluster, as_completed

    with _client(Client, LocalCluster, scheduler, workers) as client:
        futures = [client.submit(run_one, r, None if out is None else out / folder_name(i),
                                 key=f"sim-{i}", pure=False)
                   for i, r in enumerate(runs)]
        for finished, _ in enumerate(as_completed(futures), 1):  # type: ignore[no-untyped-call]
            if done is not None:
                done(finished)
        return [f.result() for f in futures]


class _client:
    def __init__(self, client: Any, cluster: Any, scheduler: str | None, workers: int) -> None:
        self.args = (client, cluster, scheduler, workers)

    def __enter__(self) -> Any:
        client, cluster, scheduler, workers = self.args
        if scheduler:
            self.cluster = None
            self.client = client(scheduler)
        else:
            self.cluster = cluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=50)
            self.client = client(self.cluster)
        return self.client

    def __exit__(self, *exc: object) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def columns_of(results: list[dict[str, Any]]) -> Iterator[str]:
    yield from ("wait_mean_s", "wait_p95_s", "bounded_slowdown_mean", "utilisation",
                "jain_usage_over_entitlement", "rms_share_minus_quota_mean", "evictions")
