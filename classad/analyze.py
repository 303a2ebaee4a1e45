"""Why does a job match (or not)? Both directions, per-clause counts and Rank, as values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table

from classad import ast
from classad.ad import ClassAd
from classad.canonical import encode
from classad.evaluator import EvalContext, evaluate
from classad.match import is_true, match_report
from classad.unparse import unparse, unparse_value


def conjuncts(expr: ast.Expr) -> list[ast.Expr]:
    """The top-level `&&` clauses of an expression (parentheses looked through)."""
    while type(expr) is ast.Paren:
        expr = expr.expr
    if type(expr) is ast.Binary and expr.op == "&&":
        return conjuncts(expr.left) + conjuncts(expr.right)
    return [expr]


def _name(ad: ClassAd, index: int) -> str:
    for attr in ("Name", "Machine"):
        value = ad.eval(attr)
        if type(value) is str:
            return value
    return f"ad #{index + 1}"


@dataclass
class MachineResult:
    name: str
    job_accepts: Any
    machine_accepts: Any
    rank: Any

    @property
    def symmetric(self) -> bool:
        return is_true(self.job_accepts) and is_true(self.machine_accepts)


@dataclass
class Analysis:
    """The outcome of matching one job against a list of machines."""

    clauses: list[tuple[str, int]]
    machines: list[MachineResult] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        return any(m.symmetric for m in self.machines)

    def best(self) -> MachineResult | None:
        matching = [m for m in self.machines if m.symmetric]
        if not matching:
            return None
        return max(matching, key=lambda m: _rank_number(m.rank))

    def to_json(self) -> dict[str, Any]:
        best = self.best()
        return {
            "machines": [
                {"name": m.name, "job_requirements": encode(m.job_accepts),
                 "machine_requirements": encode(m.machine_accepts),
                 "symmetric": m.symmetric, "rank": encode(m.rank)}
                for m in self.machines
            ],
            "clauses": [{"condition": c, "matched": n} for c, n in self.clauses],
            "summary": self.summary(),
            "best": best.name if best else None,
        }

    def summary(self) -> dict[str, int]:
        rejected_by_job = sum(1 for m in self.machines if not is_true(m.job_accepts))
        reject_job = sum(1 for m in self.machines
                         if is_true(m.job_accepts) and not is_true(m.machine_accepts))
        return {"machines": len(self.machines), "rejected_by_job": rejected_by_job,
                "reject_job": reject_job,
                "willing": sum(1 for m in self.machines if m.symmetric)}

    def render(self, console: Console) -> None:
        if len(self.machines) == 1:
            m = self.machines[0]
            console.print(f"Job's Requirements against {m.name}: "
                          f"{unparse_value(m.job_accepts)}", markup=False)
            console.print(f"{m.name}'s Requirements against the job: "
                          f"{unparse_value(m.machine_accepts)}", markup=False)
            console.print(f"Job's Rank of {m.name}: {unparse_value(m.rank)}", markup=False)
        table = Table(title="The job's Requirements, clause by clause", title_justify="left",
                      show_edge=False)
        table.add_column("Step", justify="right")
        table.add_column("Matched", justify="right")
        table.add_column("Condition")
        for i, (cond, n) in enumerate(self.clauses):
            table.add_row(f"[{i}]", str(n), cond)
        console.print(table)
        s = self.summary()
        def count(n: int, one: str, many: str) -> str:
            return f"{n} {one if n == 1 else many}"

        console.print(
            f"\nOf {count(s['machines'], 'machine', 'machines')}, "
            f"{count(s['rejected_by_job'], 'is', 'are')} rejected by the job's requirements, "
            f"{count(s['reject_job'], 'rejects the job by its', 'reject the job by their')} own "
            "requirements, and "
            f"{count(s['willing'], 'matches and is', 'match and are')} willing to run it.",
            markup=False)
        best = self.best()
        if best is not None:
            console.print(f"Best by the job's Rank: {best.name} "
                          f"(Rank = {unparse_value(best.rank)})", markup=False)
        else:
            console.print("No machine matched the job.", markup=False)


def _rank_number(value: Any) -> float:
    t = type(value)
    return float(value) if t is int or t is float or t is bool else 0.0


def analyze(job: ClassAd, machines: list[ClassAd]) -> Analysis:
    """Match `job` against every machine, and count machines per Requirements clause."""
    req = job.lookup("Requirements")
    clauses = conjuncts(req) if req is not None else []
    counts = [0] * len(clauses)
    results: list[MachineResult] = []
    for index, machine in enumerate(machines):
        report = match_report(job, machine)
        ctx = EvalContext(job, machine)
        for i, clause in enumerate(clauses):
            if is_true(evaluate(clause, job, ctx)):
                counts[i] += 1
        results.append(MachineResult(_name(machine, index), report.requirements,
                                     report.target_requirements, report.rank_value))
    return Analysis([(unparse(c).strip(), n) for c, n in zip(clauses, counts, strict=True)],
                    results)
