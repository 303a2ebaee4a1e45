"""The job queue at scale: `pool submit` of `queue N` and the `pool q` summary over N jobs.

Risk guarded: a 100,000-job cluster must queue in seconds (targets: submit <= 5 s end to end,
`pool q` <= 1 s). Each figure is printed with wall and CPU seconds (the machine may be shared),
next to references measured in the same run: the `pool` command's start-up (`pool q` on an
empty queue) and a bare SQLite insert of the same rows (the floor for the store).

    python -m benchmarks.bench_queue            # N = 100,000
    python -m benchmarks.bench_queue --jobs 5000
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SUBMIT = """\
executable     = /bin/sleep
arguments      = 60 $(Process)
request_memory = 128
request_disk   = 1024
request_cpus   = 1
queue {n}
"""


def _pool_script() -> str:
    found = shutil.which("pool") or str(Path(sys.executable).parent / "pool")
    if not Path(found).exists():
        raise SystemExit("bench_queue: the `pool` console script is not installed (pip install -e .)")
    return found


def run_pool(pool_dir: Path, *args: str) -> tuple[float, float, str]:
    """(wall s, CPU s, stdout) of one `pool` command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run([_pool_script(), *args], capture_output=True, text=True,
                          env={**os.environ, "POOL_DIR": str(pool_dir)}, check=False)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"bench_queue: pool {' '.join(args)} failed: {done.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    t, c = time.perf_counter(), time.process_time()
    value = fn()
    return time.perf_counter() - t, time.process_time() - c, value


def bare_sqlite(rows: list[tuple[Any, ...]], path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE jobs (cluster, proc, status, owner, ad, "
                 "PRIMARY KEY (cluster, proc)) WITHOUT ROWID")
    with conn:
        conn.executemany("INSERT INTO jobs VALUES (?, ?, ?, ?, ?)", rows)
    conn.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000, help="procs in the cluster")
    args = parser.parse_args(argv)
    n = args.jobs
    from negotiator.queue.jobqueue import JobQueue
    from negotiator.queue.submit import read_submit

    work = Path(tempfile.mkdtemp(prefix="bench-queue-"))
    try:
        sub = work / "job.sub"
        sub.write_text(SUBMIT.format(n=n))
        pool_dir = work / "pool"
        start_w, start_c, _ = run_pool(pool_dir, "q", "-allusers")
        sub_w, sub_c, out = run_pool(pool_dir, "submit", str(sub))
        assert f"{n} job(s) submitted to cluster 1." in out, out
        q_w, q_c, out = run_pool(pool_dir, "q", "-allusers")
        assert f"Total for query: {n} jobs;" in out, out
        # the same steps in this process, to see where the time goes
        desc = read_submit(sub)
        exc_w, exc_c, parts = timed(lambda: desc.expand_clusters(1, "bench", 1_700_000_000, work))
        with JobQueue(work / "split.db") as queue:
            sc_w, sc_c, _ = timed(lambda: queue.submit_cluster(parts[0].common, parts[0].procs))
        exp_w, exp_c, ads = timed(lambda: desc.expand(1, "bench", 1_700_000_000, work))
        with JobQueue(work / "inproc.db") as queue:
            ins_w, ins_c, _ = timed(lambda: queue.submit(ads))
            sum_w, sum_c, _ = timed(lambda: (queue.count_by_status(), queue.batches()))
            rows = queue.conn.execute("SELECT cluster, proc, status, owner, ad FROM jobs").fetchall()
        raw_w, raw_c, _ = timed(lambda: bare_sqlite(rows, work / "bare.db"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"bench_queue: {n} jobs in one cluster; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'step':<44}{'wall s':>9}{'CPU s':>9}{'wall / CPU vs target':>24}")
    lines = [
        ("reference: `pool q` on an empty queue", start_w, start_c, ""),
        (f"`pool submit` (queue {n}), end to end", sub_w, sub_c,
         f"{sub_w / 5.0:.2f} / {sub_c / 5.0:.2f} x 5 s"),
        ("  in process: SubmitFile.expand_clusters", exc_w, exc_c, ""),
        ("  in process: JobQueue.submit_cluster", sc_w, sc_c,
         f"{sc_w / max(raw_w, 1e-9):.1f} x bare SQLite"),
        ("  (full ads: SubmitFile.expand)", exp_w, exp_c, ""),
        ("  (full ads: JobQueue.submit, split)", ins_w, ins_c,
         f"{ins_w / max(raw_w, 1e-9):.1f} x bare SQLite"),
        ("  reference: bare SQLite insert of the rows", raw_w, raw_c, ""),
        (f"`pool q` summary over {n} jobs", q_w, q_c, f"{q_w / 1.0:.2f} / {q_c / 1.0:.2f} x 1 s"),
        ("  same minus start-up", q_w - start_w, q_c - start_c, ""),
        ("  in process: count_by_status + batches", sum_w, sum_c, ""),
    ]
    for name, wall, cpu, ratio in lines:
        print(f"{name:<44}{wall:>9.2f}{cpu:>9.2f}{ratio:>24}")


if __name__ == "__main__":
    main()
