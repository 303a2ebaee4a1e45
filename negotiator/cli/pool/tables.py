"""condor_q / condor_history shaped text: batch and job tables, the totals lines, -af and -l."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from classad import dump_ads
from classad.ad import ClassAd
from negotiator.queue.jobqueue import (
    COMPLETED,
    HELD,
    IDLE,
    REMOVED,
    RUNNING,
    SUSPENDED,
    BatchRow,
)

_ST = {IDLE: "I", RUNNING: "R", REMOVED: "X", COMPLETED: "C", HELD: "H", 6: ">",
       SUSPENDED: "S"}


def header(pool: str, now: float) -> str:
    """condor_q's first line: `-- Schedd: NAME : ADDRESS @ DATE`."""
    import socket

    stamp = time.strftime("%m/%d/%y %H:%M:%S", time.localtime(now))
    return f"-- Schedd: {socket.gethostname()} : <{pool}> @ {stamp}"


def totals_line(label: str, counts: dict[int, int]) -> str:
    """`Total for query: N jobs; C completed, R removed, I idle, X running, H held, S suspended`."""
    n = sum(counts.values())
    return (f"Total for {label}: {n} jobs; {counts.get(COMPLETED, 0)} completed, "
            f"{counts.get(REMOVED, 0)} removed, {counts.get(IDLE, 0)} idle, "
            f"{counts.get(RUNNING, 0)} running, {counts.get(HELD, 0)} held, "
            f"{counts.get(SUSPENDED, 0)} suspended")


def _date(epoch: Any) -> str:
    if type(epoch) not in (int, float) or not epoch:
        return "???"
    t = time.localtime(epoch)
    return f"{t.tm_mon}/{t.tm_mday:<2d} {t.tm_hour:02d}:{t.tm_min:02d}"


def _duration(secs: float) -> str:
    s = max(0, int(secs))
    return f"{s // 86400}+{s % 86400 // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _blank(n: int) -> str:
    return str(n) if n else "_"


@dataclass
class _Batch:
    owner: str
    name: str
    qdate: int
    clusters: dict[int, int] = field(default_factory=dict)  # cluster -> procs submitted
    present: int = 0
    counts: dict[int, int] = field(default_factory=dict)
    first: tuple[int, int] = (1 << 62, 0)
    last: tuple[int, int] = (-1, 0)


def batch_rows(ads: list[ClassAd], info: dict[int, tuple[str, str | None, int, int]]
               ) -> list[BatchRow]:
    """Batch-table rows for ads already selected (one row per job)."""
    rows = []
    for ad in ads:
        cluster, proc, status = ad.eval("ClusterId"), ad.eval("ProcId"), ad.eval("JobStatus")
        if type(cluster) is int and type(proc) is int and type(status) is int:
            owner, batch, qdate, procs = info.get(cluster, ("", None, 0, 1))
            rows.append(BatchRow(cluster, owner, batch, qdate, procs, status, 1, proc, proc))
    return rows


def batch_table(rows: Iterable[BatchRow]) -> list[str]:
    """condor_q's default (batch) table: one row per owner and batch name (or cluster)."""
    batches: dict[tuple[str, str], _Batch] = {}
    for r in rows:
        name = r.batch if r.batch else f"ID: {r.cluster}"
        b = batches.setdefault((r.owner, name), _Batch(r.owner, name, r.qdate))
        b.qdate = min(b.qdate, r.qdate)
        b.clusters[r.cluster] = r.procs
        b.present += r.count
        b.counts[r.status] = b.counts.get(r.status, 0) + r.count
        b.first = min(b.first, (r.cluster, r.min_proc))
        b.last = max(b.last, (r.cluster, r.max_proc))
    held = any(b.counts.get(HELD) for b in batches.values())
    owner_w = max([len("OWNER")] + [len(b.owner) for b in batches.values()])
    name_w = max([len("BATCH_NAME")] + [len(b.name) for b in batches.values()])
    cols = ["DONE", "RUN", "IDLE"] + (["HOLD"] if held else []) + ["TOTAL"]
    lines = [f"{'OWNER':<{owner_w}} {'BATCH_NAME':<{name_w}}{'SUBMITTED':>13}"
             + "".join(f"{c:>7}" for c in cols) + " JOB_IDS"]
    for b in batches.values():
        total = sum(b.clusters.values())
        vals = [_blank(total - b.present), _blank(b.counts.get(RUNNING, 0)),
                _blank(b.counts.get(IDLE, 0))]
        if held:
            vals.append(_blank(b.counts.get(HELD, 0)))
        vals.append(str(total))
        if b.first[0] == b.last[0]:
            ids = (f"{b.first[0]}.{b.first[1]}" if b.first == b.last
                   else f"{b.first[0]}.{b.first[1]}-{b.last[1]}")
        else:
            ids = f"{b.first[0]}.{b.first[1]} ... {b.last[0]}.{b.last[1]}"
        lines.append(f"{b.owner:<{owner_w}} {b.name:<{name_w}} {_date(b.qdate):>12} "
                     + "".join(f"{v:>7}" for v in vals) + f" {ids}")
    return lines


def _val(ad: ClassAd, name: str) -> Any:
    return ad.eval(name)


def _num(ad: ClassAd, name: str) -> float:
    v = ad.eval(name)
    return float(v) if type(v) in (int, float) else 0.0


def run_time(ad: ClassAd, now: float) -> float:
    """Wall-clock time used so far: past runs plus the current one."""
    total = _num(ad, "RemoteWallClockTime")
    start = _num(ad, "JobCurrentStartDate")
    if ad.eval("JobStatus") == RUNNING and start:
        total += now - start
    return total


def _id(ad: ClassAd) -> str:
    """condor_q's job id column: cluster right-aligned in 4, proc left-aligned in 3."""
    return f"{ad.eval('ClusterId')!s:>4}.{ad.eval('ProcId')!s:<3}"


def _cmd(ad: ClassAd) -> str:
    cmd = _val(ad, "Cmd")
    args = _val(ad, "Arguments")
    if type(args) is not str:
        args = _val(ad, "Args")
    text = (cmd if type(cmd) is str else "").rsplit("/", 1)[-1]
    return f"{text} {args}".strip() if type(args) is str and args else text


def job_table(ads: list[ClassAd], now: float, mode: str) -> list[str]:
    """-nobatch, -run or -hold: one row per job."""
    if mode == "hold":
        lines = [" ID      OWNER          HELD_SINCE  HOLD_REASON"]
        for ad in ads:
            owner, reason = _val(ad, "Owner"), _val(ad, "HoldReason")
            lines.append(f"{_id(ad)} {owner!s:<14} {_date(_val(ad, 'EnteredCurrentStatus')):<11} "
                         f"{reason if type(reason) is str else ''}")
        return lines
    if mode == "run":
        lines = [" ID      OWNER            SUBMITTED     RUN_TIME HOST(S)"]
        for ad in ads:
            host = _val(ad, "RemoteHost")
            lines.append(f"{_id(ad)} {_val(ad, 'Owner')!s:<14} {_date(_val(ad, 'QDate')):>11}"
                         f" {_duration(run_time(ad, now)):>12} "
                         f"{host if type(host) is str else ''}")
        return lines
    lines = [" ID      OWNER            SUBMITTED     RUN_TIME ST PRI SIZE CMD"]
    for ad in ads:
        status = _val(ad, "JobStatus")
        size = _num(ad, "MemoryUsage") or _num(ad, "ImageSize") / 1024.0
        prio = _val(ad, "JobPrio")
        lines.append(f"{_id(ad)} {_val(ad, 'Owner')!s:<14} {_date(_val(ad, 'QDate')):>11}"
                     f" {_duration(run_time(ad, now)):>12} {_ST.get(status, '?')}  "
                     f"{prio if type(prio) is int else 0:<3} {size:<4.1f} {_cmd(ad)}")
    return lines


def history_table(ads: list[ClassAd]) -> list[str]:
    """condor_history's default table."""
    lines = [" ID      OWNER            SUBMITTED     RUN_TIME ST   COMPLETED CMD"]
    for ad in ads:
        status = _val(ad, "JobStatus")
        done = _val(ad, "CompletionDate")
        lines.append(f"{_id(ad)} {_val(ad, 'Owner')!s:<14} {_date(_val(ad, 'QDate')):>11} "
                     f"{_duration(_num(ad, 'RemoteWallClockTime')):>12} "
                     f"{_ST.get(status, '?')} "
                     f"{_date(done) if done else '':>11} {_cmd(ad)}")
    return lines


def long_form(ads: list[ClassAd], as_json: bool, *, lines: bool = False,
              attributes: str | None = None) -> str:
    """-l (old-style ads, each ended by a blank line), -json (HTCondor's JSON array) or -jsonl
    (one JSON object per line); -attributes A,B keeps only those attributes (case-insensitive,
    as ClassAd names are)."""
    if attributes is not None:
        wanted = {a.strip().lower() for a in attributes.replace(" ", ",").split(",") if a.strip()}
        ads = [ClassAd([(k, ad[k]) for k in ad if k.lower() in wanted]) for ad in ads]
    if lines:
        return dump_ads(ads, "jsonl")
    if as_json:
        return dump_ads(ads, "json")
    return dump_ads(ads, "old")
