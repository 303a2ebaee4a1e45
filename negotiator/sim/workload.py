"""Workloads: jobs with a submit time and a run time, from SWF traces or job ad files."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from classad import ast
from classad.ad import ClassAd, to_expr
from classad.ast import Literal
from classad.inputfile import read_text_input
from negotiator import ads
from negotiator.errors import NegotiatorError
from negotiator.matchmaking.records import submitter_of
from negotiator.sim import swf

DEFAULT_TEMPLATE = "group_{group}.u{user}"
DOMAIN = "sim"
_PLACEHOLDER = re.compile(r"\{([a-z]+)\}")
_TEMPLATE_FIELDS = frozenset({"user", "group", "queue", "partition"})
_MISSING = "\x00"
"""Stands for a field the trace does not know while a template is filled in."""


@dataclass(slots=True)
class SimJob:
    """One job of the workload and what happened to it."""

    seq: int
    cluster: int
    proc: int
    submit: float
    runtime: float
    ad: ClassAd
    submitter: str
    group: str
    cpus: int
    memory: int
    source: str = ""
    """Where the job came from (file:line), for reports."""
    start: float = math.nan
    end: float = math.nan
    slot: str = ""
    evictions: int = 0
    run_token: int = 0
    """Bumped at every start: an end event of an earlier run is stale."""
    requeue: bool = False
    """The job goes back to the queue whenever it ends (a scenario's churn), never done."""
    runs: list[tuple[float, float, float]] = field(default_factory=list)
    """(start, end, weight) of every run, evicted runs included."""

    @property
    def id(self) -> str:
        return f"{self.cluster}.{self.proc}"


@dataclass
class Workload:
    """The jobs to simulate and the records that were set aside (with why)."""

    jobs: list[SimJob]
    skipped: dict[str, int] = field(default_factory=dict)
    header: swf.Header | None = None
    notes: list[str] = field(default_factory=list)
    """What reading the trace changed that the user should know (printed as warnings)."""
    origin: float | None = None
    """The first submission of the whole trace when a window was cut before ads were built
    (where `select` measures `start` and `end` from); None: the first of `jobs`."""

    def skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1


@dataclass(frozen=True)
class Selection:
    """Which part of a workload to simulate, and how fast it arrives."""

    start: float | None = None
    """Only jobs submitted at or after this many seconds from the first submission."""
    end: float | None = None
    """Only jobs submitted before this many seconds from the first submission."""
    limit: int | None = None
    rate: float = 1.0
    """Arrival-rate multiplier: submit gaps are divided by it (2 = twice the load)."""


def check_template(template: str) -> None:
    for name in _PLACEHOLDER.findall(template):
        if name not in _TEMPLATE_FIELDS:
            raise NegotiatorError(
                f"--accounting template: unknown field {{{name}}} "
                f"(use {', '.join(sorted('{' + f + '}' for f in _TEMPLATE_FIELDS))})")


def read_names(path: str | Path) -> dict[tuple[str, int], str]:
    """A name mapping file: lines `user 12 alice` or `group 3 cms`; `#` comments."""
    out: dict[tuple[str, int], str] = {}
    try:
        text = read_text_input(path)
    except OSError as exc:
        raise NegotiatorError(f"cannot read names: {exc.strerror}", str(path)) from None
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if len(words) != 3 or words[0] not in _TEMPLATE_FIELDS or not words[1].lstrip("-").isdigit():
            raise NegotiatorError("expected 'user|group|queue|partition NUMBER NAME'",
                                  str(path), number)
        if not re.fullmatch(r"[A-Za-z0-9_\-]+", words[2]):
            raise NegotiatorError(f"name {words[2]!r}: letters, digits, '_' and '-' only",
                                  str(path), number)
        out[(words[0], int(words[1]))] = words[2]
    return out


def from_swf(
    path: str | Path,
    template: str = DEFAULT_TEMPLATE,
    names: dict[tuple[str, int], str] | None = None,
    selection: Selection | None = None,
) -> Workload:
    """Jobs of an SWF trace: users and groups through `template`, processors and memory as requests.

    Partial-execution records (status 2-4) are set aside (the job's summary line stands for it);
    cancelled records that never ran are set aside; records without a run time are set aside;
    failed and cancelled records that ran run for their recorded time.

    With a `selection`, its time window and job limit are cut from the records before any ad
    is built (the workload's `origin` is then the trace's first submission, what `select`
    measures the window from); rate is left to `select`.
    """
    check_template(template)
    header, records = swf.read_swf(path)
    workload = Workload([], header=header)
    kept: list[_Kept] = []
    procs_of: dict[int, int] = {}
    repeated = 0
    for rec in records:
        if rec.status in swf.PARTIAL:
            workload.skip("partial-execution records (status 2-4)")
            continue
        if rec.run <= 0 and rec.status == swf.CANCELLED:
            workload.skip("cancelled before running (status 5, no run time)")
            continue
        if rec.run < 0 or rec.submit < 0:
            workload.skip("no run time or submit time (-1)")
            continue
        procs = rec.req_procs if rec.req_procs > 0 else max(rec.alloc_procs, 1)
        per_proc_kb = rec.req_memory if rec.req_memory > 0 else rec.used_memory
        memory = math.ceil(per_proc_kb * procs / 1024) if per_proc_kb > 0 else 0
        if (min(rec.job, rec.status) < _INT64_LOW
                or max(rec.job, int(rec.submit), procs, memory, rec.status) >= _INT64_HIGH):
            workload.skip("numbers too large for a job ad (beyond 64 bits)")
            continue
        # a job number seen before (some logs repeat them) becomes the next proc of that cluster
        proc = procs_of.get(rec.job, -1) + 1
        procs_of[rec.job] = proc
        repeated += proc > 0
        kept.append((rec, proc, procs, memory))
    del records
    if repeated:
        workload.notes.append(f"{path}: {repeated} records repeat an earlier job number: each "
                              "runs as the next ProcId of that ClusterId")
    if selection is not None:
        kept, workload.origin = _window(kept, selection)
    _build(workload, kept, str(path), template, names or {})
    return workload


_Kept = tuple[swf.Record, int, int, int]
"""A record to build a job of: (record, ProcId, processors, memory in MB)."""
_INT64_LOW, _INT64_HIGH = -(1 << 63), 1 << 63
"""The integers a job ad holds (ClassAd integers are 64-bit)."""


def _build(workload: Workload, kept: list[_Kept], path: str, template: str,
           names: dict[tuple[str, int], str]) -> None:
    """A job with its ad for each (record, ProcId), appended to `workload` in record order.

    Runs for every record of a whole trace: the nodes every job of a submitter shares are
    made once per submitter, a job's own numbers become literals directly.
    """
    requirements = ads.parse_expression("true")
    rank = Literal(0.0)
    principals: dict[tuple[int, int, int, int], tuple[list[ast.Expr], list[str], str, str]] = {}
    jobs = workload.jobs
    literal, number = ast.literal, Literal
    for rec, proc, procs, memory in kept:
        principal = (rec.user, rec.group, rec.queue, rec.partition)
        found = principals.get(principal)
        if found is None:
            found = principals[principal] = _principal_nodes(template, rec, names)
        nodes, names_used, submitter, group = found
        my_type, proc_node, status, owner, user, *tail = nodes
        exprs = [my_type, number(rec.job), literal(proc) if proc else proc_node, owner, user,
                 status, number(int(rec.submit)), literal(procs), literal(memory),
                 requirements, rank, literal(rec.status), number(rec.run), *tail]
        # SimJob(seq, cluster, proc, submit, runtime, ad, submitter, group, cpus, memory, source)
        jobs.append(SimJob(len(jobs), rec.job, proc, float(rec.submit), float(rec.run),
                           ClassAd.from_pairs(names_used, exprs), submitter, group or "<none>",
                           max(1, procs), max(0, memory), f"{path}:{rec.line}"))


def _principal_nodes(template: str, rec: swf.Record, names: dict[tuple[str, int], str],
                     ) -> tuple[list[ast.Expr], list[str], str, str]:
    """For the jobs of one SWF user, group, queue and partition: the ad's constant nodes
    (MyType, ProcId, JobStatus, Owner, User and with a group AcctGroup, AccountingGroup),
    every attribute name in ad order, the submitter and the accounting group."""
    owner, group = _principal(template, rec, names)
    constants: dict[str, object] = {"MyType": "Job", "ProcId": 0, "JobStatus": 1,
                                    "Owner": owner, "User": f"{owner}@{DOMAIN}"}
    if group:
        constants.update({"AcctGroup": group, "AccountingGroup": f"{group}.{owner}"})
    order = ["MyType", "ClusterId", "ProcId", "Owner", "User", "JobStatus", "QDate",
             "RequestCpus", "RequestMemory", "Requirements", "Rank", "SwfStatus",
             "RemoteWallClockTime", *list(constants)[5:]]
    nodes = [to_expr(v) for v in constants.values()]
    ad = ClassAd.from_pairs(list(constants), nodes)
    return nodes, order, submitter_of(ad), group


def _window(kept: list[_Kept], selection: Selection) -> tuple[list[_Kept], float | None]:
    """The records `select` would keep (in record order) and the window's origin: those
    submitted inside [start, end) from the first submission, the earliest `limit` of them."""
    if not kept or (selection.start is None and selection.end is None
                    and selection.limit is None):
        return kept, None
    origin = min(pair[0].submit for pair in kept)
    low = -math.inf if selection.start is None else selection.start
    high = math.inf if selection.end is None else selection.end
    inside = [pair for pair in kept if low <= pair[0].submit - origin < high]
    if selection.limit is not None and len(inside) > selection.limit:
        earliest = sorted(inside, key=lambda pair: (pair[0].submit, pair[0].line))
        inside = sorted(earliest[: max(selection.limit, 0)], key=lambda pair: pair[0].line)
    return inside, float(origin)


def _principal(
    template: str, rec: swf.Record, names: dict[tuple[str, int], str]
) -> tuple[str, str]:
    """(owner, accounting group) of a record: the template's last dotted part is the owner.

    A group part that names a field the trace does not know (-1, no `--names` entry) is left out,
    as a job submitted without that accounting group; an unknown owner is `unknown`.
    """
    values = {"user": rec.user, "group": rec.group, "queue": rec.queue, "partition": rec.partition}

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        number = values[key]
        return names.get((key, number), str(number) if number >= 0 else _MISSING)

    text = _PLACEHOLDER.sub(fill, template)
    group, _, owner = text.rpartition(".")
    known = [part for part in group.split(".") if part and _MISSING not in part]
    if _MISSING in owner:
        owner = "unknown"
    return owner or "unknown", ".".join(known)


def from_job_ads(path: str | Path) -> Workload:
    """Jobs of a job ad file: each needs QDate (submit time) and RemoteWallClockTime (run time)."""
    workload = Workload([])
    for index, ad in enumerate(ads.read_ads(path, "job")):
        where = f"{path}: job ad {index + 1}"
        submit = ads.as_number(ads.attr(ad, "QDate"))
        runtime = ads.as_number(ads.attr(ad, "RemoteWallClockTime"))
        if submit is None or runtime is None or runtime < 0 or math.isnan(submit + runtime):
            raise NegotiatorError(
                f"job ad {index + 1} needs numbers QDate (submit time) and "
                "RemoteWallClockTime (run time)", str(path))
        ad = ad.copy()
        ad["JobStatus"] = 1
        if "ClusterId" not in ad:
            ad["ClusterId"] = index + 1
        _add_ad(workload, ad, submit, runtime, where)
    return workload


def _add_ad(workload: Workload, ad: ClassAd, submit: float, runtime: float, where: str) -> None:
    submitter = submitter_of(ad)
    group = ads.text(ad, "AccountingGroup")
    workload.jobs.append(SimJob(
        seq=len(workload.jobs),
        cluster=int(ads.number(ad, "ClusterId", len(workload.jobs) + 1)),
        proc=int(ads.number(ad, "ProcId", 0)),
        submit=float(submit),
        runtime=float(runtime),
        ad=ad,
        submitter=submitter,
        group=group.rpartition(".")[0] if group else "<none>",
        cpus=max(1, math.ceil(ads.number(ad, "RequestCpus", 1.0))),
        memory=max(0, math.ceil(ads.number(ad, "RequestMemory", 0.0))),
        source=where,
    ))


def select(workload: Workload, selection: Selection) -> Workload:
    """The jobs inside the time window, at most `limit` of them, arrivals sped up by `rate`."""
    if selection.rate <= 0 or math.isnan(selection.rate):
        raise NegotiatorError("--rate must be a positive number")
    jobs = sorted(workload.jobs, key=lambda j: (j.submit, j.seq))
    if not jobs:
        return Workload([], dict(workload.skipped), workload.header, workload.notes)
    origin = jobs[0].submit if workload.origin is None else workload.origin
    kept: list[SimJob] = []
    for job in jobs:
        offset = job.submit - origin
        if selection.start is not None and offset < selection.start:
            continue
        if selection.end is not None and offset >= selection.end:
            continue
        if selection.limit is not None and len(kept) >= selection.limit:
            break
        kept.append(job)
    if kept and selection.rate != 1.0:
        first = kept[0].submit
        for job in kept:
            job.submit = first + (job.submit - first) / selection.rate
            job.ad["QDate"] = int(job.submit)
    for seq, job in enumerate(kept):
        job.seq = seq
    return Workload(kept, dict(workload.skipped), workload.header, workload.notes)
