"""The persistent job queue: job ads, their history and the published slots in one SQLite file.

`pool.db` is in WAL mode with a busy timeout, and every state change is one short `BEGIN
IMMEDIATE` transaction, so many processes (the loop, `pool q`, `pool rm`, ...) share it.
A cluster's attributes that all its procs share are stored once (table `clusters`); each job
row keeps only its own differences, and ClusterId/ProcId/JobStatus/Owner as indexed columns so
counts are SQL, not ad parsing. Column `periodic` marks the jobs with a periodic_hold/release/
remove expression: the loop's periodic pass reads only those (a partial index finds them).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from classad import ast
from classad.ad import ClassAd
from classad.match import is_true
from classad.parser import parse_expr
from negotiator.queue import adcodec
from negotiator.queue.constraint import evaluate_constraint
from negotiator.queue.split import split_cluster
from negotiator.queue.template import ABSENT

IDLE, RUNNING, REMOVED, COMPLETED, HELD, TRANSFERRING, SUSPENDED = 1, 2, 3, 4, 5, 6, 7
STATUS_NAMES = {IDLE: "idle", RUNNING: "running", REMOVED: "removed", COMPLETED: "completed",
                HELD: "held", SUSPENDED: "suspended"}
#: HoldReasonCode 1: held by a user (condor_hold)
HOLD_BY_USER = 1
#: attributes kept as columns, not in the stored ad text
_COLUMNS = {"clusterid", "procid", "jobstatus"}
#: the attributes submit reads from each ad (Owner also stays in the stored ad)
_READ = _COLUMNS | {"owner"}
#: the column attributes as submit spells them (a per-proc mapping leaves these out)
_COLUMN_NAMES = frozenset({"ClusterId", "ProcId", "JobStatus", "clusterid", "procid",
                           "jobstatus"})
#: the job policy expressions the schedd evaluates periodically (lower case)
PERIODIC = frozenset({"periodichold", "periodicrelease", "periodicremove"})
#: the key of a job row's list of cluster attributes it has deleted
_DELETED = ""
#: attributes the schedd gives every new job ad (condor_submit leaves them to it)
_SUBMIT_DEFAULTS: dict[str, Any] = {
    "NumJobStarts": 0, "NumRestarts": 0, "NumSystemHolds": 0, "NumHolds": 0,
    "RemoteWallClockTime": 0.0, "RemoteUserCpu": 0.0, "RemoteSysCpu": 0.0,
    "CumulativeSlotTime": 0.0, "CommittedTime": 0, "CompletionDate": 0,
    "ExitBySignal": False, "LastSuspensionTime": 0, "TotalSuspensions": 0,
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS clusters (
    cluster INTEGER PRIMARY KEY, owner TEXT NOT NULL, batch TEXT, qdate INTEGER NOT NULL,
    procs INTEGER NOT NULL, common TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    cluster INTEGER NOT NULL, proc INTEGER NOT NULL, status INTEGER NOT NULL,
    owner TEXT NOT NULL, ad TEXT NOT NULL, periodic INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (cluster, proc)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status, cluster, proc);
CREATE INDEX IF NOT EXISTS jobs_owner ON jobs (owner, status);
CREATE TABLE IF NOT EXISTS history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, cluster INTEGER NOT NULL, proc INTEGER NOT NULL,
    status INTEGER NOT NULL, owner TEXT NOT NULL, finished REAL NOT NULL, ad TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS history_job ON history (cluster, proc);
CREATE TABLE IF NOT EXISTS slots (name TEXT PRIMARY KEY, updated REAL NOT NULL, ad TEXT NOT NULL);
INSERT OR IGNORE INTO counters VALUES ('cluster', 0);
"""
#: made after the migration that adds the column to a queue written by an older version
_PERIODIC_INDEX = ("CREATE INDEX IF NOT EXISTS jobs_periodic ON jobs (status, cluster, proc) "
                   "WHERE periodic = 1")


class QueueError(ValueError):
    """A request the queue refuses (a malformed job id, ads that do not form one cluster)."""


def parse_job_id(text: str) -> tuple[int, int | None]:
    """"5" -> (5, None); "5.2" -> (5, 2). Raises QueueError for anything else."""
    head, dot, tail = text.strip().partition(".")
    if not head.isdigit() or (dot and not tail.isdigit()) or len(text) > 40:
        raise QueueError(f"{text!r} is not a job id (CLUSTER or CLUSTER.PROC)")
    return int(head), int(tail) if dot else None


@dataclass(frozen=True)
class Selection:
    """condor_q's restriction list as SQL: job ids are ORed, owners are ORed, both must hold."""

    ids: tuple[tuple[int, int | None], ...] = ()
    owners: tuple[str, ...] = ()
    statuses: tuple[int, ...] = ()

    def where(self, table: str = "") -> tuple[str, list[Any]]:
        """A SQL condition and its parameters (`table` prefixes the column names)."""
        t = f"{table}." if table else ""
        parts: list[str] = []
        params: list[Any] = []
        if self.ids:
            ors = []
            for cluster, proc in self.ids:
                if proc is None:
                    ors.append(f"{t}cluster = ?")
                    params.append(cluster)
                else:
                    ors.append(f"({t}cluster = ? AND {t}proc = ?)")
                    params += [cluster, proc]
            parts.append("(" + " OR ".join(ors) + ")")
        if self.owners:
            parts.append(f"{t}owner IN ({','.join('?' * len(self.owners))})")
            params += list(self.owners)
        if self.statuses:
            parts.append(f"{t}status IN ({','.join('?' * len(self.statuses))})")
            params += list(self.statuses)
        return (" AND ".join(parts) or "1"), params


@dataclass
class BatchRow:
    """One cluster's jobs in one status, as `SELECT ... GROUP BY cluster, status` counts them."""

    cluster: int
    owner: str
    batch: str | None
    qdate: int
    procs: int
    status: int
    count: int
    min_proc: int
    max_proc: int


@dataclass
class _Loader:
    """Builds ads from job rows; each cluster's shared part is decoded once per call."""

    conn: sqlite3.Connection
    commons: dict[int, ClassAd] = field(default_factory=dict)
    diffs: dict[str, tuple[list[str], list[ast.Expr], list[str]]] = field(default_factory=dict)

    def common(self, cluster: int) -> ClassAd:
        ad = self.commons.get(cluster)
        if ad is None:
            row = self.conn.execute("SELECT common FROM clusters WHERE cluster = ?",
                                    (cluster,)).fetchone()
            ad = adcodec.decode(row[0]) if row else ClassAd()
            self.commons[cluster] = ad
        return ad

    def ad(self, cluster: int, proc: int, status: int, text: str) -> ClassAd:
        ad = self.common(cluster).copy()
        names = ["ClusterId", "ProcId", "JobStatus"]
        exprs: list[ast.Expr] = [ast.literal(cluster), ast.literal(proc), ast.literal(status)]
        if text != "{}":
            diff = self.diffs.get(text)
            if diff is None:
                diff = _decode_diff(text)
                if len(self.diffs) < 10_000:
                    self.diffs[text] = diff
            for name in diff[2]:
                if name in ad:
                    del ad[name]
            names += diff[0]
            exprs += diff[1]
        ad.update_from(ClassAd.from_pairs(names, exprs))
        return ad


def _decode_diff(text: str) -> tuple[list[str], list[ast.Expr], list[str]]:
    obj = json.loads(text)
    deleted = obj.pop(_DELETED, [])
    names, exprs = adcodec.decode_object(obj)
    return names, exprs, list(deleted)


def _encode_diff(ad: ClassAd, common: ClassAd, by_name: dict[str, ast.Expr] | None = None
                 ) -> str:
    """The attributes of `ad` that differ from its cluster's shared part (and those it lacks)."""
    if by_name is None:
        by_name = dict(zip(common, common.exprs(), strict=True))
    pairs = []
    same = 0
    for name, expr in zip(ad, ad.exprs(), strict=True):
        base = by_name.get(name)
        if base is None:
            base = common.lookup(name)
        if base is expr or (base is not None and base == expr):
            same += 1
        elif name.lower() not in _COLUMNS:
            pairs.append((name, expr))
    gone: list[str] = []
    if same < len(common):
        gone = [name for name in common if name not in ad and name.lower() not in _COLUMNS]
    return adcodec.encode_pairs(pairs, {_DELETED: gone} if gone else None)


def _periodic(ad: ClassAd) -> int:
    """1 when the ad has a periodic policy expression (the periodic pass must read it)."""
    return int(any(name in ad for name in PERIODIC))


def _periodic_names(common: ClassAd, diff: Mapping[str, Any]) -> int:
    """_periodic of a proc given as the cluster's shared ad and its own differences."""
    names = {name for name in PERIODIC if name in common}
    for key, value in diff.items():
        if key.lower() in PERIODIC:
            (names.discard if value is ABSENT else names.add)(key.lower())
    return int(bool(names))


def _plain(value: Any) -> Any:
    """A Python value, or a literal expression's value."""
    return value.value if type(value) is ast.Literal else value


def _int_attr(ad: ClassAd, name: str) -> int | None:
    value = ad.eval(name)
    return value if type(value) is int else None


class JobQueue:
    """The job queue in `path` (created if missing). One connection; use one per thread."""

    def __init__(self, path: Path, *, timeout: float = 60.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        self.conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise QueueError(f"{self.path}: the job queue needs WAL mode (got {mode})")
        self.conn.execute("PRAGMA synchronous = NORMAL")
        self.conn.executescript("BEGIN IMMEDIATE;" + _SCHEMA + "COMMIT;")
        if not any(row[1] == "periodic" for row in self.conn.execute("PRAGMA table_info(jobs)")):
            self._add_periodic_column()
        self.conn.execute(_PERIODIC_INDEX)

    def _add_periodic_column(self) -> None:
        """A queue from before the periodic column: add it and mark its jobs once."""
        with self._write() as c:
            if any(row[1] == "periodic" for row in c.execute("PRAGMA table_info(jobs)")):
                return  # another process migrated it first
            c.execute("ALTER TABLE jobs ADD COLUMN periodic INTEGER NOT NULL DEFAULT 0")
            loader = _Loader(c)
            marked = [(cluster, proc) for cluster, proc, status, text in
                      c.execute("SELECT cluster, proc, status, ad FROM jobs").fetchall()
                      if _periodic(loader.ad(cluster, proc, status, text))]
            c.executemany("UPDATE jobs SET periodic = 1 WHERE cluster = ? AND proc = ?", marked)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> JobQueue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (BEGIN IMMEDIATE) so it never deadlocks."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """One consistent snapshot for a multi-statement read."""
        self.conn.execute("BEGIN")
        try:
            yield self.conn
        finally:
            self.conn.execute("COMMIT")

    # submitting --------------------------------------------------------------------------
    def next_cluster_id(self) -> int:
        """Reserve a new cluster id (ids are never reused)."""
        with self._write() as c:
            row = c.execute("UPDATE counters SET value = value + 1 WHERE name = 'cluster' "
                            "RETURNING value").fetchone()
        return int(row[0])

    def peek_cluster_id(self) -> int:
        """The id next_cluster_id would reserve now (for a dry run; not reserved)."""
        row = self.conn.execute("SELECT value FROM counters WHERE name = 'cluster'").fetchone()
        return int(row[0]) + 1

    def submit(self, ads: list[ClassAd], now: float | None = None) -> int:
        """Queue the ads of one cluster (from SubmitFile.expand) in one transaction."""
        if not ads:
            raise QueueError("nothing to submit: no job ads")
        ads = [adcodec.core(ad) for ad in ads]
        first = ads[0]
        cluster = _int_attr(first, "ClusterId")
        if cluster is None:
            cluster = self.next_cluster_id()
        owner = first.eval("Owner")
        if type(owner) is not str:
            raise QueueError("job ads need an Owner string")
        stamp = int(time.time() if now is None else now)
        split = split_cluster(ads, _COLUMNS, _READ)
        shared = split.shared
        base_ad = ClassAd(shared)
        common = base_ad.copy()
        for name, value in _SUBMIT_DEFAULTS.items():
            if name not in first:
                common[name] = value
        if "QDate" not in common:
            common["QDate"] = stamp
        if "EnteredCurrentStatus" not in common:
            common["EnteredCurrentStatus"] = _int_attr(common, "QDate") or stamp
        encode_row = adcodec.encoder_for(split.own_names)
        procs = split.read["procid"]
        if len(set(procs)) != len(procs) or any(type(p) is not int for p in procs):
            raise QueueError("each job ad needs its own integer ProcId")
        if (any(c not in (None, cluster) for c in split.read["clusterid"])
                or any(o != owner for o in split.read["owner"])):
            raise QueueError("the ads of one submit share ClusterId and Owner")
        rows = [(cluster, proc, status if type(status) is int else IDLE, owner,
                 encode_row(own) if own is not None else _encode_diff(ad, base_ad, shared),
                 _periodic(ad))
                for ad, own, proc, status in zip(ads, split.own, procs, split.read["jobstatus"],
                                                 strict=True)]
        self._insert(cluster, owner, common, len(ads), rows)
        return cluster

    def submit_cluster(self, common: ClassAd, procs: Sequence[Mapping[str, Any]],
                       now: float | None = None) -> int:
        """Queue one queue statement's procs as SubmitFile.expand_clusters gives them: the
        shared ad once and, per proc, only what differs (ABSENT: an attribute it lacks)."""
        if not procs:
            raise QueueError("nothing to submit: no procs")
        common = adcodec.core(common)
        cluster, owner = _int_attr(common, "ClusterId"), common.eval("Owner")
        if cluster is None or type(owner) is not str:
            raise QueueError("the shared ad needs ClusterId and an Owner string")
        stamp = int(time.time() if now is None else now)
        stored = ClassAd({n: common[n] for n in common if n.lower() not in _COLUMNS})
        for name, value in _SUBMIT_DEFAULTS.items():
            if name not in stored:
                stored[name] = value
        if "QDate" not in stored:
            stored["QDate"] = stamp
        if "EnteredCurrentStatus" not in stored:
            stored["EnteredCurrentStatus"] = _int_attr(stored, "QDate") or stamp
        base_status = _int_attr(common, "JobStatus") or IDLE
        rows = []
        seen: set[int] = set()
        for diff in procs:
            proc = _plain(diff.get("ProcId"))
            if type(proc) is not int or proc in seen:
                raise QueueError("each proc needs its own integer ProcId")
            seen.add(proc)
            if "Owner" in diff or "ClusterId" in diff:
                raise QueueError("the procs of one submit share ClusterId and Owner")
            status = _plain(diff.get("JobStatus", base_status))
            rows.append((cluster, proc, status if type(status) is int else IDLE, owner,
                         adcodec.encode_values(diff, _COLUMN_NAMES, ABSENT),
                         _periodic_names(stored, diff)))
        self._insert(cluster, owner, stored, len(procs), rows)
        return cluster

    def _insert(self, cluster: int, owner: str, common: ClassAd, procs: int,
                rows: list[tuple[int, int, int, str, str, int]]) -> None:
        batch = common.eval("JobBatchName")
        with self._write() as c:
            c.execute("INSERT INTO clusters VALUES (?, ?, ?, ?, ?, ?)",
                      (cluster, owner, batch if type(batch) is str else None,
                       _int_attr(common, "QDate") or 0, procs, adcodec.encode(common)))
            c.executemany("INSERT INTO jobs (cluster, proc, status, owner, ad, periodic) "
                          "VALUES (?, ?, ?, ?, ?, ?)", rows)
            c.execute("UPDATE counters SET value = max(value, ?) WHERE name = 'cluster'",
                      (cluster,))

    # reading ------------------------------------------------------------------------------
    def _ads(self, where: str, params: list[Any], order: str = "cluster, proc",
             limit: int | None = None) -> list[ClassAd]:
        sql = f"SELECT cluster, proc, status, ad FROM jobs WHERE {where} ORDER BY {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._read() as c:
            loader = _Loader(c)
            return [loader.ad(*row) for row in c.execute(sql, params)]

    def get(self, job_id: str) -> ClassAd | None:
        """The ad of job "C.P", or None."""
        cluster, proc = parse_job_id(job_id)
        ads = self._ads("cluster = ? AND proc = ?", [cluster, proc or 0])
        return ads[0] if ads else None

    def select(self, selection: Selection = Selection(), constraint: str | None = None,
               projection: list[str] | None = None) -> list[ClassAd]:
        """The jobs a restriction list and a constraint select, in queue order."""
        where, params = selection.where()
        ads = self._ads(where, params)
        if constraint is not None:
            tree = parse_expr(constraint)
            ads = [ad for ad in ads if is_true(evaluate_constraint(tree, ad))]
        if projection:
            ads = [_project(ad, projection) for ad in ads]
        return ads

    def query(self, constraint: str | None = None,
              projection: list[str] | None = None) -> list[ClassAd]:
        """The jobs for which `constraint` is true (all when None), in queue order."""
        return self.select(Selection(), constraint, projection)

    def idle(self) -> list[ClassAd]:
        """Idle jobs (JobStatus 1) in queue order."""
        return self.with_status(IDLE)

    def with_status(self, status: int) -> list[ClassAd]:
        return self._ads("status = ?", [status])

    def with_periodic(self, status: int) -> list[ClassAd]:
        """The jobs in `status` that have a periodic_hold/release/remove expression."""
        return self._ads("periodic = 1 AND status = ?", [status])

    def any_with_status(self, status: int) -> bool:
        """Whether some job is in `status` (an index probe: no ad is read)."""
        return self.conn.execute("SELECT 1 FROM jobs WHERE status = ? LIMIT 1",
                                 (status,)).fetchone() is not None

    def count_by_status(self, selection: Selection = Selection()) -> dict[int, int]:
        """JobStatus -> number of jobs, for the jobs `selection` picks (one SQL GROUP BY)."""
        where, params = selection.where()
        rows = self.conn.execute(
            f"SELECT status, count(*) FROM jobs WHERE {where} GROUP BY status", params)
        return {int(s): int(n) for s, n in rows}

    def batches(self, selection: Selection = Selection()) -> list[BatchRow]:
        """Per cluster and status: counts and proc range, with the cluster's batch facts."""
        where, params = selection.where("j")
        rows = self.conn.execute(
            "SELECT j.cluster, c.owner, c.batch, c.qdate, c.procs, j.status, count(*), "
            "min(j.proc), max(j.proc) FROM jobs j JOIN clusters c ON c.cluster = j.cluster "
            f"WHERE {where} "
            "GROUP BY j.cluster, j.status ORDER BY j.cluster", params)
        return [BatchRow(*row) for row in rows]

    def cluster_info(self) -> dict[int, tuple[str, str | None, int, int]]:
        """Cluster id -> (owner, batch name, QDate, procs submitted)."""
        rows = self.conn.execute("SELECT cluster, owner, batch, qdate, procs FROM clusters")
        return {int(c): (o, b, int(qd), int(n)) for c, o, b, qd, n in rows}

    # changing -----------------------------------------------------------------------------
    def _row(self, c: sqlite3.Connection, cluster: int, proc: int) -> tuple[int, str] | None:
        row = c.execute("SELECT status, ad FROM jobs WHERE cluster = ? AND proc = ?",
                        (cluster, proc)).fetchone()
        return (int(row[0]), str(row[1])) if row else None

    def _store(self, c: sqlite3.Connection, loader: _Loader, ad: ClassAd) -> None:
        cluster, proc = _int_attr(ad, "ClusterId"), _int_attr(ad, "ProcId")
        status = _int_attr(ad, "JobStatus") or IDLE
        c.execute("UPDATE jobs SET status = ?, ad = ?, periodic = ? WHERE cluster = ? AND proc = ?",
                  (status, _encode_diff(ad, loader.common(cluster or 0)), _periodic(ad), cluster, proc))

    def update(self, job_id: str, attrs: Mapping[str, object], *, status: int | None = None,
               expect_status: int | None = None, now: float) -> bool:
        """Set attributes (and maybe JobStatus) of one job in one transaction.

        A status change also sets EnteredCurrentStatus and LastJobStatus. With `expect_status`
        this is a compare-and-set: False, and nothing changed, when the job is in another
        status. False when there is no such job.
        """
        cluster, proc = parse_job_id(job_id)
        with self._write() as c:
            row = self._row(c, cluster, proc or 0)
            if row is None or (expect_status is not None and row[0] != expect_status):
                return False
            loader = _Loader(c)
            ad = loader.ad(cluster, proc or 0, row[0], row[1])
            _apply(ad, attrs)
            if status is not None:
                _set_status(ad, row[0], status, now)
            self._store(c, loader, ad)
        return True

    def act(self, action: Literal["remove", "hold", "release"], constraint: str, reason: str,
            now: float, subcode: int = 0, selection: Selection = Selection()) -> list[str]:
        """condor_rm / condor_hold / condor_release on the jobs matching `constraint`.

        remove: an idle or held job leaves for the history at once (JobStatus 3); a running
        job stays as 3 until the loop has stopped it and calls finish. hold: idle or running
        jobs -> 5 (HoldReasonCode 1, by user). release: held jobs -> 1. Returns the ids changed.
        """
        tree = parse_expr(constraint)
        where, params = selection.where()
        done: list[str] = []
        with self._write() as c:
            loader = _Loader(c)
            rows = c.execute(f"SELECT cluster, proc, status, ad FROM jobs WHERE {where} "
                             "ORDER BY cluster, proc", params).fetchall()
            for cluster, proc, status, text in rows:
                ad = loader.ad(cluster, proc, status, text)
                if not is_true(evaluate_constraint(tree, ad)):
                    continue
                if _act_one(ad, action, status, reason, now, subcode):
                    if action == "remove" and status != RUNNING:
                        self._to_history(c, ad, now)
                    else:
                        self._store(c, loader, ad)
                    done.append(f"{cluster}.{proc}")
        return done

    def finish(self, job_id: str, attrs: Mapping[str, object], *, status: int,
               now: float) -> None:
        """A job's end (3 removed, 4 completed): its final ad moves to the history.

        Idempotent: a job no longer in the queue (finished before a restart) is left alone.
        """
        if status not in (REMOVED, COMPLETED):
            raise QueueError(f"finish takes JobStatus 3 or 4, not {status}")
        cluster, proc = parse_job_id(job_id)
        with self._write() as c:
            row = self._row(c, cluster, proc or 0)
            if row is None:
                return
            ad = _Loader(c).ad(cluster, proc or 0, row[0], row[1])
            _apply(ad, attrs)
            _set_status(ad, row[0], status, now)
            if status == COMPLETED and not _int_attr(ad, "CompletionDate"):
                ad["CompletionDate"] = int(now)
            self._to_history(c, ad, now)

    def _to_history(self, c: sqlite3.Connection, ad: ClassAd, now: float) -> None:
        cluster, proc = _int_attr(ad, "ClusterId"), _int_attr(ad, "ProcId")
        owner = ad.eval("Owner")
        c.execute("INSERT INTO history (cluster, proc, status, owner, finished, ad) "
                  "VALUES (?, ?, ?, ?, ?, ?)",
                  (cluster, proc, _int_attr(ad, "JobStatus"),
                   owner if type(owner) is str else "", now, adcodec.encode(ad)))
        c.execute("DELETE FROM jobs WHERE cluster = ? AND proc = ?", (cluster, proc))

    # history and slots ----------------------------------------------------------------------
    def history(self, limit: int | None = None, constraint: str | None = None,
                projection: list[str] | None = None) -> list[ClassAd]:
        """Finished jobs, newest first; at most `limit` of those matching `constraint`."""
        tree = parse_expr(constraint) if constraint is not None else None
        out: list[ClassAd] = []
        if limit is not None and limit <= 0:
            return out
        for (text,) in self.conn.execute("SELECT ad FROM history ORDER BY seq DESC"):
            ad = adcodec.decode(text)
            if tree is not None and not is_true(evaluate_constraint(tree, ad)):
                continue
            out.append(_project(ad, projection) if projection else ad)
            if limit is not None and len(out) >= limit:
                break
        return out

    def publish_slots(self, ads: list[ClassAd], now: float) -> None:
        """Replace the published slot ads (the loop's view of its execute nodes)."""
        rows = []
        for i, ad in enumerate(adcodec.core(a) for a in ads):
            name = ad.eval("Name")
            rows.append((name if type(name) is str else f"slot#{i}", now, adcodec.encode(ad)))
        with self._write() as c:
            c.execute("DELETE FROM slots")
            c.executemany("INSERT OR REPLACE INTO slots VALUES (?, ?, ?)", rows)

    def slots(self) -> list[ClassAd]:
        """The slot ads last published, by name."""
        return [adcodec.decode(text)
                for (text,) in self.conn.execute("SELECT ad FROM slots ORDER BY name")]

    def total_jobs(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM jobs").fetchone()[0])


def _project(ad: ClassAd, projection: list[str]) -> ClassAd:
    out = ClassAd()
    for name in projection:
        expr = ad.lookup(name)
        if expr is not None:
            out[name] = expr
    return out


def _apply(ad: ClassAd, attrs: Mapping[str, object]) -> None:
    """Set attributes; None deletes one."""
    for name, value in attrs.items():
        if value is None:
            if name in ad:
                del ad[name]
        else:
            ad[name] = value


def _set_status(ad: ClassAd, old: int, new: int, now: float) -> None:
    if new != old:
        ad["LastJobStatus"] = old
        ad["JobStatus"] = new
        ad["EnteredCurrentStatus"] = int(now)


def _act_one(ad: ClassAd, action: str, status: int, reason: str, now: float,
             subcode: int) -> bool:
    """Change one job's ad for rm/hold/release; False when its status does not allow it."""
    if action == "remove":
        if status in (REMOVED, COMPLETED):
            return False
        _apply(ad, {"RemoveReason": reason})
        _set_status(ad, status, REMOVED, now)
        return True
    if action == "hold":
        if status not in (IDLE, RUNNING, SUSPENDED):
            return False
        holds = ad.eval("NumHolds")
        _apply(ad, {"HoldReason": reason, "HoldReasonCode": HOLD_BY_USER,
                    "HoldReasonSubCode": subcode,
                    "NumHolds": (holds if type(holds) is int else 0) + 1})
        _set_status(ad, status, HELD, now)
        return True
    if action == "release":
        if status != HELD:
            return False
        last = {f"Last{name}": ad.lookup(name) for name in
                ("HoldReason", "HoldReasonCode", "HoldReasonSubCode") if name in ad}
        _apply(ad, {**last, "ReleaseReason": reason, "HoldReason": None,
                    "HoldReasonCode": None, "HoldReasonSubCode": None})
        _set_status(ad, status, IDLE, now)
        return True
    raise QueueError(f"unknown action {action!r}: remove, hold or release")
