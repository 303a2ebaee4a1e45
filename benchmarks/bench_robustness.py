"""Hostile inputs of issue 12 against classad2: a backtracking regexp, a doubled list, a 10 MB literal.

Risk guarded: an expression that hangs a negotiation cycle or exhausts memory. Each case runs in
a fresh process for this project and for classad2 (`htcondor2` + `classad2`), which parses the
input first (except where parsing is the case) and reports the time of the evaluation and how
much its peak resident memory grew over that.
Run alone with `python -m benchmarks.bench_robustness`, or as part of bench_classads.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.bench_classads import Report, Row, Timing, print_table

_PATHOLOGICAL = 'regexp("(a+)+$", "' + "a" * 39 + '!")'
_DOUBLED = ("[a0 = {1, 2}; " + "; ".join(f"a{i + 1} = {{a{i}, a{i}}}" for i in range(22))
            + "]")
_BIG = 10_000_000

#: child program: build the input, note the peak RSS, run the case, report time and growth
_CHILD = """
import json, os, resource, sys, time
os.environ["TZ"] = "UTC"; os.environ["CONDOR_CONFIG"] = "/dev/null"
side, case = sys.argv[1], json.loads(sys.argv[2])
if side == "ours":
    import classad
    from classad.parser import parse_expr
    parse, ad_of, evaluate = parse_expr, classad.parse_ad, classad.evaluate
else:
    import htcondor2, classad2
    parse, ad_of = classad2.ExprTree, classad2.parseOne
    evaluate = lambda expr, scope: expr.eval(scope)
text = case["expr"] if "expr" in case else '"' + "x" * case["big"] + '"'
if "wrap" in case:
    text = case["wrap"].replace("@", text)
scope = ad_of(case["my"]) if "my" in case else (classad.ClassAd() if side == "ours" else
                                                classad2.ClassAd())
evaluate(parse('size(strcat("a", "b")) + 1'), scope)  # load the parser and the builtins
expr = None if case.get("timed_parse") else parse(text)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
w, c = time.perf_counter(), time.process_time()
try:
    value = repr(evaluate(expr if expr is not None else parse(text), scope))[:40]
except Exception as exc:
    value = type(exc).__name__
w, c = time.perf_counter() - w, time.process_time() - c
grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(json.dumps({"wall": w, "cpu": c, "mb": grown, "value": value}))
"""


@dataclass
class Outcome:
    timing: Timing
    mb: float
    value: str


def _child(side: str, case: dict[str, object]) -> Outcome:
    out = subprocess.run([sys.executable, "-c", _CHILD, side, json.dumps(case)], check=True,
                         capture_output=True, text=True, timeout=600,
                         env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    got = json.loads(out.stdout.strip().splitlines()[-1])
    return Outcome(Timing(got["wall"], got["cpu"], 1), got["mb"], got["value"])


def _median(outcomes: list[Outcome]) -> Outcome:
    mid = sorted(outcomes, key=lambda o: o.timing.wall)[len(outcomes) // 2]
    mb = statistics.median(o.mb for o in outcomes)
    return Outcome(mid.timing, mb, mid.value)


CASES: list[tuple[str, dict[str, object], str]] = [
    ("pathological regexp `(a+)+$` -> ERROR", {"expr": _PATHOLOGICAL}, "<= 500 ms"),
    ("list doubled 22 times: size(a22)", {"expr": "size(a22)", "my": _DOUBLED}, ""),
    ("list doubled 22 times: a22[1][0]...[0] (22 picks)",
     {"expr": "a22" + "[1][0]" * 11, "my": _DOUBLED}, ""),
    ("10 MB string literal: parse + size(...)",
     {"big": _BIG, "wrap": "size(@)", "timed_parse": True}, ""),
]


def bench_robustness(report: Report, repeats: int) -> None:
    for name, case, target in CASES:
        ours = _median([_child("ours", case) for _ in range(repeats)])
        ref = _median([_child("ref", case) for _ in range(repeats)])
        note = (f"ours {ours.value} +{ours.mb:,.0f} MB, classad2 {ref.value} +{ref.mb:,.0f} MB"
                " peak RSS")
        report.add(Row(name, "ms", ours.timing, ref.timing, target, note=note))


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench_robustness", description=__doc__)
    p.add_argument("--repeats", type=int, default=3)
    a = p.parse_args(argv)
    report = Report()
    bench_robustness(report, a.repeats)
    print_table(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
