"""Negotiation at scale: the columnar fast path vs the exact path and the classad2 naive loop.

Risk guarded: a cycle whose cost is autoclusters x slots pair evaluations. Prints the
negotiator's own metrics (LastNegotiationCycleDuration, ...MatchRate, candidate slots, phases)
and the speed-up over the classad2 loop measured in the same run on a subset of jobs.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from benchmarks import poolgen
from classad import parse_expr
from classad.ad import ClassAd, to_expr
from negotiator.cycle import negotiate
from negotiator.policy.accountant import AccountantState
from negotiator.policy.settings import NegotiatorConfig

_LITERALS: dict[tuple[type, Any], Any] = {}


def to_classad(attrs: dict[str, Any]) -> ClassAd:
    """A generated ad as a ClassAd; expression text is parsed once per distinct text (the
    parser's cache) and equal scalar values share one literal node, as a collector that
    interns its values would: the pool's ads then cost a fraction of the memory."""
    ad = ClassAd()
    literals = _LITERALS
    for name, value in attrs.items():
        if isinstance(value, poolgen.Expr):
            ad[name] = parse_expr(str(value))
        elif type(value) in (bool, int, float, str):
            key = (float, repr(value)) if type(value) is float else (type(value), value)
            node = literals.get(key)
            if node is None:
                node = literals[key] = to_expr(value)
            ad[name] = node
        else:
            ad[name] = value
    return ad


@contextmanager
def phase(progress: Any, label: str) -> Iterator[None]:
    task = progress.add_task(label, total=None) if progress is not None else None
    try:
        yield
    finally:
        if task is not None:
            progress.update(task, total=1, completed=1)


def naive_classad2(slots: list[dict[str, Any]], jobs: list[dict[str, Any]]) -> dict[str, float]:
    """The classad2 loop: every job against every slot, symmetric match + Rank, best taken."""
    import classad2  # type: ignore[import-not-found]

    c_slots = [classad2.ClassAd(poolgen.render_ad(a, "new")) for a in slots]
    c_jobs = [classad2.ClassAd(poolgen.render_ad(a, "new")) for a in jobs]
    taken: set[int] = set()
    started = time.perf_counter()
    for job in c_jobs:
        best, best_rank = -1, 0.0
        for i, slot in enumerate(c_slots):
            if i in taken or not job.symmetricMatch(slot):
                continue
            rank = job.lookup("Rank").eval(job, slot) if "Rank" in job else 0.0
            value = float(rank) if isinstance(rank, int | float) else 0.0
            if best < 0 or value > best_rank:
                best, best_rank = i, value
        if best >= 0:
            taken.add(best)
    seconds = time.perf_counter() - started
    pairs = len(c_slots) * len(c_jobs)
    return {"pairs": pairs, "seconds": seconds, "us_per_pair": 1e6 * seconds / max(pairs, 1)}


def run(slots_n: int, jobs_n: int, autoclusters: int, naive_jobs: int, exact_jobs: int,
        progress: Any = None) -> dict[str, Any]:
    """One measured configuration; returns the figures as a dict."""
    out: dict[str, Any] = {"slots": slots_n, "jobs": jobs_n, "autoclusters": autoclusters}
    with phase(progress, f"generate {slots_n} slots, {jobs_n} jobs"):
        t = time.perf_counter()
        raw_slots = poolgen.slot_ads(slots_n)
        raw_jobs = poolgen.job_ads(jobs_n, autoclusters)
        slots = [to_classad(a) for a in raw_slots]
        jobs = [to_classad(a) for a in raw_jobs]
        out["seconds_build_ads"] = time.perf_counter() - t
        # keep the generator's dicts only for the classad2 loop (they are not the pool)
        raw_jobs = raw_jobs[:naive_jobs]
        if not naive_jobs:
            raw_slots = []
    config = NegotiatorConfig()
    stats: dict[str, float] = {}
    with phase(progress, "negotiation cycle (columnar index)"):
        t = time.perf_counter()
        result, _ = negotiate(slots, jobs, AccountantState(), config, float(poolgen.NOW),
                              stats=stats)
        cycle = time.perf_counter() - t
        out["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    matches = len(result.matches)
    out.update({
        "LastNegotiationCycleDuration": cycle,
        "LastNegotiationCycleMatches": matches,
        "LastNegotiationCycleMatchRate": matches / cycle if cycle else 0.0,
        "LastNegotiationCycleCandidateSlots": int(stats.get("candidate_slots", 0)),
        "LastNegotiationCyclePhase1Duration": stats.get("seconds_index", 0.0),
        "LastNegotiationCyclePhase4Duration": stats.get("seconds_match", 0.0),
        "LastNegotiationCyclePhase3Duration":
            cycle - stats.get("seconds_index", 0.0) - stats.get("seconds_match", 0.0),
        "candidate_lists": int(stats.get("lists", 0)),
        "exact_pairs": int(stats.get("exact_pairs", 0)),
        "fallback_jobs": int(stats.get("fallback_jobs", 0)),
    })
    if exact_jobs:
        with phase(progress, f"exact path on {exact_jobs} jobs (same result?)"):
            sub = jobs[:exact_jobs]
            t = time.perf_counter()
            slow, _ = negotiate(slots, sub, AccountantState(), config, float(poolgen.NOW),
                                fast=False)
            out["exact_seconds"] = time.perf_counter() - t
            t = time.perf_counter()
            quick, _ = negotiate(slots, sub, AccountantState(), config, float(poolgen.NOW))
            out["fast_seconds_same_jobs"] = time.perf_counter() - t
            out["exact_same_matches"] = slow.matches == quick.matches
    if naive_jobs:
        with phase(progress, f"classad2 naive loop on {naive_jobs} jobs"):
            naive = naive_classad2(raw_slots, raw_jobs[:naive_jobs])
        per_job = naive["seconds"] / naive_jobs
        out["classad2_us_per_pair"] = naive["us_per_pair"]
        out["classad2_extrapolated_seconds"] = per_job * jobs_n
        out["speedup_vs_classad2"] = per_job * jobs_n / cycle
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench_negotiation", description=__doc__)
    p.add_argument("--slots", type=int, nargs="+", default=[10_000])
    p.add_argument("--jobs", type=int, default=1000)
    p.add_argument("--autoclusters", type=int, default=50)
    p.add_argument("--naive-jobs", type=int, default=20)
    p.add_argument("--exact-jobs", type=int, default=0)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    return report(args.slots, args.jobs, args.autoclusters, args.naive_jobs, args.exact_jobs,
                  args.json)


def report(slot_counts: list[int], jobs: int, autoclusters: int, naive_jobs: int,
           exact_jobs: int, as_json: bool) -> int:
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    rows = []
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=console, disable=as_json) as progress:
        rows.extend(run(n, jobs, autoclusters, naive_jobs, exact_jobs, progress)
                    for n in slot_counts)
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return 0
    for row in rows:
        print(f"\n{row['jobs']} jobs ({row['autoclusters']} autoclusters) x {row['slots']} slots")
        for key, value in row.items():
            if key not in ("slots", "jobs", "autoclusters"):
                shown = f"{value:.4g}" if isinstance(value, float) else value
                print(f"  {key:40s} {shown}")
    if len(rows) > 1:
        base = rows[0]
        print("\nscaling (cycle seconds relative to the first size):")
        for row in rows:
            ratio = row["LastNegotiationCycleDuration"] / base["LastNegotiationCycleDuration"]
            print(f"  {row['slots']:>8} slots  {row['LastNegotiationCycleDuration']:8.2f} s"
                  f"  x{ratio:.2f} (slots x{row['slots'] / base['slots']:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
