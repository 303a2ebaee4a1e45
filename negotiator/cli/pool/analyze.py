"""`pool q -better-analyze`: a job's Requirements clause by clause against the published slots.

The counting is classad.analyze's (the same as `classad match`); this module lays it out as
condor_q -better-analyze does and adds what to change: the clauses no slot satisfies, the
values the slots offer, and how many slots' own Requirements (START) refuse the job.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from classad import ast
from classad.ad import ClassAd
from classad.analyze import Analysis, analyze, conjuncts
from classad.evaluator import evaluate_expr
from classad.match import is_true
from classad.unparse import unparse, unparse_value
from negotiator.cli.pool.tables import header
from negotiator.queue.jobqueue import HELD, RUNNING, JobQueue

#: at most this many jobs are analysed in one command
MAX_JOBS = 100
_FLIP = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "==": "=="}


def _job_refs(node: Any, out: list[str]) -> None:
    """Names the expression reads from MY (or unqualified), in order of first use."""
    t = type(node)
    if t is ast.AttrRef:
        if node.name not in out:
            out.append(node.name)
        return
    if t is ast.Select and type(node.base) is ast.AttrRef:
        if node.base.key == "target":
            return
        if node.base.key == "my":
            if node.name not in out:
                out.append(node.name)
            return
    if not dataclasses.is_dataclass(node):
        return
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        for item in value if isinstance(value, tuple) else (value,):
            if dataclasses.is_dataclass(item):
                _job_refs(item, out)


def _target_attr(node: ast.Expr, job: ClassAd) -> str | None:
    """`TARGET.X`, or an unqualified X the job does not define: the slot attribute X."""
    while type(node) is ast.Paren:
        node = node.expr
    if type(node) is ast.Select and type(node.base) is ast.AttrRef and node.base.key == "target":
        return node.name
    if type(node) is ast.AttrRef and node.name not in job:
        return node.name
    return None


def _suggest(clause: ast.Expr, job: ClassAd, slots: list[ClassAd]) -> str:
    """What to change so that a clause no slot satisfies can be met."""
    node = clause
    while type(node) is ast.Paren:
        node = node.expr
    if type(node) is ast.Binary and node.op in _FLIP:
        op, attr, other = node.op, _target_attr(node.left, job), node.right
        if attr is None:
            op, attr, other = _FLIP[node.op], _target_attr(node.right, job), node.left
        if attr is not None:
            values = sorted({v for v in (s.eval(attr) for s in slots)
                             if type(v) in (int, float, str, bool)}, key=repr)
            want = evaluate_expr(other, job, None)
            if not values:
                return f"no slot defines {attr}"
            shown = ", ".join(unparse_value(v) for v in values[:6])
            more = ", ..." if len(values) > 6 else ""
            nums = [v for v in values if type(v) in (int, float)]
            side = unparse(other).strip()
            if op in (">=", ">") and nums:
                return (f"the slots' {attr} is at most {unparse_value(max(nums))} "
                        f"(job wants {unparse_value(want)}): lower {side} to "
                        f"{unparse_value(max(nums))} or less")
            if op in ("<=", "<") and nums:
                return (f"the slots' {attr} is at least {unparse_value(min(nums))} "
                        f"(job wants {unparse_value(want)}): raise {side} to "
                        f"{unparse_value(min(nums))} or more")
            return f"the slots have {attr} = {shown}{more}; the job wants {unparse_value(want)}"
    if type(node) is ast.Binary and node.op == "||" and slots:
        left = evaluate_expr(node.left, job, slots[0])
        right = evaluate_expr(node.right, job, slots[0])
        return (f"on {unparse_value(slots[0].eval('Name'))} the left side is "
                f"{unparse_value(left)} and the right side {unparse_value(right)}"
                + ("; an error on either side makes || an error: define the attributes it "
                   "reads" if "error" in (unparse_value(left), unparse_value(right)) else ""))
    return "no slot satisfies it: remove or relax this clause"


def _jid(ad: ClassAd, wide: bool = False) -> str:
    c, p = ad.eval("ClusterId"), ad.eval("ProcId")
    return f"{c:03d}.{p:03d}" if wide else f"{c}.{p:03d}"


def analyze_job(job: ClassAd, slots: list[ClassAd]) -> list[str]:
    """condor_q -better-analyze's report for one job, with suggestions."""
    jid = _jid(job)
    out: list[str] = []
    status = job.eval("JobStatus")
    if status == RUNNING:
        out += [f"Job {jid} is running on {unparse_value(job.eval('RemoteHost'))}.", ""]
    elif status == HELD:
        reason = job.eval("HoldReason")
        out += [f"Job {jid} is held. Hold reason: {reason if type(reason) is str else ''}", ""]
    req = job.lookup("Requirements")
    if req is None:
        return [*out, f"Job {jid} has no Requirements expression."]
    out += [f"The Requirements expression for job {jid} is", "", f"    {unparse(req).strip()}", ""]
    refs: list[str] = []
    _job_refs(req, refs)
    defined = [(name, job.lookup(name)) for name in refs if name in job]
    if defined:
        out += [f"Job {jid} defines the following attributes:", ""]
        out += [f"    {name} = {unparse(expr).strip()}" for name, expr in defined if expr]
        out.append("")
    result: Analysis = analyze(job, slots)
    out += [f"The Requirements expression for job {jid} reduces to these conditions:", "",
            "         Slots", "Step    Matched  Condition", "-----  --------  ---------"]
    for i, (cond, n) in enumerate(result.clauses):
        out.append(f"[{i}]{n:>12}  {cond}")
    s = result.summary()
    machines = len({m.eval("Machine") if type(m.eval("Machine")) is str else id(m)
                    for m in slots})
    refuse = sum(1 for m in result.machines if not is_true(m.machine_accepts))
    out += ["", f"{_jid(job, True)}:  Run analysis summary ignoring user priority.  "
            f"Of {s['machines']} slots on {machines} machines,",
            f"{s['rejected_by_job']:>7} slots are rejected by your job's requirements",
            f"{s['reject_job']:>7} slots reject your job because of their own requirements",
            f"{s['willing']:>7} slots match and are willing to run your job", ""]
    if not slots:
        out += ["WARNING:  Be advised:", "   No slots are published: is `pool run` running?"]
        return out
    if s["willing"] == 0:
        out.append("WARNING:  Be advised:")
        out.append("   No machines matched the job's constraints" if s["rejected_by_job"] ==
                   s["machines"] else "   Job's constraints matched slots, but none accepted the job")
        out.append("")
    hints = []
    clauses = conjuncts(req)
    for i, (_, n) in enumerate(result.clauses):
        if n == 0:
            hints.append(f"    [{i}] {unparse(clauses[i]).strip()}: "
                         f"{_suggest(clauses[i], job, slots)}")
    if refuse:
        sample = next(m for m in slots if not is_true(evaluate_expr(
            m.lookup("Requirements") or ast.literal(True), m, job)))
        sreq = sample.lookup("Requirements")
        hints.append(f"    {refuse} of {len(slots)} slots' own Requirements (START) refuse "
                     f"the job; e.g. {unparse_value(sample.eval('Name'))}: Requirements = "
                     f"{unparse(sreq).strip() if sreq else 'undefined'}")
    if hints:
        out += ["Suggestions:", *hints]
    return out


def better_analyze(queue: JobQueue, jobs: list[ClassAd], pool: str, now: float) -> list[str]:
    """The report for each selected job (at most MAX_JOBS), after condor_q's header."""
    slots = queue.slots()
    out = ["", header(pool, now or time.time()), ""]
    if not jobs:
        return [*out, "No jobs selected."]
    for job in jobs[:MAX_JOBS]:
        out += analyze_job(job, slots) + [""]
    if len(jobs) > MAX_JOBS:
        out.append(f"(analysed the first {MAX_JOBS} of {len(jobs)} jobs)")
    return out
