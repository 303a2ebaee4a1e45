"""Parsing distinct expression texts against classad2: one text at a time, and whole files.

Risk guarded: every new Requirements text (a `condor_q` dump where each job's differs, an
edited START) costs a parse; the shared parse of a text's shape (classad/shapes.py) helps only
when texts differ in what it replaces, so each kind of difference has its own row: an integer,
a string, a real, all three, an attribute name (a new shape: parsed from scratch).
Target (issue 12): one distinct Requirements text <= 0.15 ms; own-Requirements loads >= 1x.
Every repeat reads texts no earlier repeat read, so no cache keyed by text helps either side.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

# isort: off
from benchmarks.bench_classads import Report, Row, _c2_parse_all, _c2_parse_each, compare, print_table
import htcondor2  # type: ignore[import-untyped]
import classad2  # type: ignore[import-untyped]
from classad2 import ParserType
# isort: on

import classad
from benchmarks import poolgen
from classad.parser import parse_expr

#: (row label, text of job `i` in run `salt`): what the texts of one row differ in
Variant = tuple[str, Callable[[str, int, int], str]]

VARIANTS: list[Variant] = [
    ("an integer (known shape)", lambda base, salt, i: f"{base} && (TARGET.Memory >= {salt * 100_000 + i})"),
    ("a string", lambda base, salt, i: f'{base} && (TARGET.Machine != "node{salt}-{i}.example.org")'),
    ("a real", lambda base, salt, i: f"{base} && (TARGET.LoadAvg < {salt}.{i}5)"),
    ("int, real, strings", lambda base, salt, i: (
        f'{base} && regexp("^grp{salt}_{i}", TARGET.Owner) && (TARGET.Memory > {i}.5e3)'
        f' && (TARGET.Cpus >= {salt + i})')),
    ("an attribute name (new shape)", lambda base, salt, i: (
        f"{base} && (TARGET.Mem_{salt}_{chr(97 + i % 26)}{i} >= RequestMemory)")),
]


def _texts(variant: Variant, n: int, salt: int) -> list[str]:
    base = poolgen.job_shapes(8, seed=3)
    return [variant[1](base[i % 8].requirements(), salt, i) for i in range(n)]


def bench_distinct(report: Report, n: int, repeats: int) -> None:
    """Parse n distinct Requirements texts (ours: text -> AST; classad2: ExprTree(text))."""
    for k, variant in enumerate(VARIANTS):
        salts = range(1 + 2 * k * repeats, 1 + 2 * (k + 1) * repeats)
        ours_in = iter([_texts(variant, n, s) for s in salts[0::2]])
        ref_in = iter([_texts(variant, n, s) for s in salts[1::2]])

        def ours(ours_in: Any = ours_in) -> list[Any]:
            return [parse_expr(t) for t in next(ours_in)]

        def ref(ref_in: Any = ref_in) -> list[Any]:
            return [classad2.ExprTree(t) for t in next(ref_in)]

        t_ours, t_ref, _, _ = compare(ours, ref, repeats, n)
        report.add(Row(f"parse one distinct Requirements, differing in {variant[0]}", "ms", t_ours, t_ref,
                       "<= 0.15 ms"))


def _varied(jobs: list[poolgen.Ad], n: int, salt: int) -> list[poolgen.Ad]:
    """`n` job ads, each with its own Requirements: a machine name, a real and a regexp."""
    out = []
    for i in range(n):
        ad = dict(jobs[i % len(jobs)])
        ad["Requirements"] = poolgen.Expr(
            f'{ad["Requirements"]} && (TARGET.Machine != "node{salt}-{i}.example.org")'
            f' && (TARGET.LoadAvg < {i % 97}.{salt}5) && regexp("^u{salt}x{i}", TARGET.Owner)')
        out.append(ad)
    return out


def bench_load_varied(report: Report, jobs: list[poolgen.Ad], n: int, repeats: int) -> None:
    """Load n job ads whose Requirements differ in strings and reals (new, old, JSON)."""
    for k, fmt in enumerate(poolgen.FORMATS):
        salts = range(k * 2 * repeats, (k + 1) * 2 * repeats)
        ads = [_varied(jobs, n, s) for s in salts]
        texts = [poolgen.render(a, fmt) for a in ads]
        ours_in = iter(texts[0::2])
        ref_in: Any = (iter([[poolgen.render_ad(x, "json") for x in a] for a in ads[1::2]])
                       if fmt == "json" else iter(texts[1::2]))
        kind = ParserType.New if fmt == "new" else ParserType.Old

        def ours(fmt: str = fmt, ours_in: Any = ours_in) -> list[Any]:
            return list(classad.parse_ads(next(ours_in), fmt))

        def ref(fmt: str = fmt, ref_in: Any = ref_in, kind: Any = kind) -> list[Any]:
            return _c2_parse_each(next(ref_in)) if fmt == "json" else _c2_parse_all(next(ref_in), kind)

        t_ours, t_ref, got, want = compare(ours, ref, repeats, n)
        assert len(got) == len(want) == n, (fmt, len(got), len(want))
        mb = len(texts[0].encode()) / 1e6
        report.add(Row(f"load {n} job ads, own Requirements (strings, reals), {fmt} ({mb:.1f} MB)",
                       "ads/s", t_ours, t_ref, ">= 1x",
                       note="classad2: parseOne per object" if fmt == "json" else ""))


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench_parse", description=__doc__)
    p.add_argument("--texts", type=int, default=500, help="distinct texts per row and repeat")
    p.add_argument("--jobs", type=int, default=10_000, help="job ads per load")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--skip", default="", help="comma-separated: distinct,load")
    p.add_argument("--quick", action="store_true", help="a small run for CI smoke tests")
    a = p.parse_args(argv)
    if a.quick:
        a.texts, a.jobs, a.repeats = 50, 300, 1
    skip = set(filter(None, a.skip.split(",")))
    t0 = time.perf_counter()
    print(f"python {sys.version.split()[0]}, htcondor {htcondor2.version().split()[1]}; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    parse_expr("1")  # lark's tables are loaded once per process: not part of any row
    classad2.ExprTree("1")
    report = Report()
    if "distinct" not in skip:
        bench_distinct(report, a.texts, a.repeats)
    if "load" not in skip:
        bench_load_varied(report, poolgen.job_ads(1000, 50, seed=2), a.jobs, a.repeats)
    print()
    print_table(report)
    print(f"total {time.perf_counter() - t0:.0f} s; load average now {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
