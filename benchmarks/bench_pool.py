"""The pool's throughput against the executor's own, measured side by side on one engine.

Risk guarded: the pool's own work per job (a negotiation cycle, the queue's transactions before
and after each start, polling, the per-node worker pools) must not cost the engine's container
lifecycle more than 20%: 1000 trivial jobs from one submit file through `pool run` must reach
>= 80% of the jobs/s the executor alone reaches with the same number of jobs in flight.

    DOCKER_HOST=unix:///... python benchmarks/bench_pool.py [--jobs 1000] [--workers 4]

The reference is the executor's runner (the job of benchmarks/bench_executor.py's executor loop:
sandbox, user log, container, stdout back) with WORKERS threads, measured before and after the pool run (their
mean is the reference, so drift hits both). The pool run is the installed `pool` command, from
its start to its exit (`pool run --until-done`, Python start-up included), on a node whose
slot has WORKERS cpus (POOL_NODE_CPUS), so both keep WORKERS jobs in flight.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_executor import IMAGE, ensure_image, round_of
from executor.docker_engine import DockerExecutor
from executor.runner import run_job
from executor.spec import ExecutorConfig, JobSpec

SUBMIT_UID = 4242  # owns the jobs' Iwd when we are root (the executor refuses root-owned Iwd)
SUBMIT = """\
universe = docker
docker_image = {image}
executable = /bin/true
transfer_executable = false
should_transfer_files = YES
output = out/$(Process).out
log = pool.log
request_cpus = 1
request_memory = 32M
request_disk = 1M
queue {jobs}
"""


def executor_job(executor: DockerExecutor, config: ExecutorConfig, iwd: str, execute: str,
                 n: int) -> None:
    """bench_executor's trivial job (stdout and a user log in Iwd), Iwd owned by a user."""
    spec = JobSpec(image=IMAGE, cluster=1000, proc=n, command=("true",), iwd=iwd,
                   stdout=f"out.{n}", user_log="bench.log")
    result = run_job(executor, spec, config, execute_dir=execute)
    if result.status != "completed" or result.exit_code != 0:
        raise RuntimeError(f"job {n} ended {result.to_dict()}")


def executor_rate(jobs: int, workers: int, base: Path) -> float:
    iwd, execute = base / "iwd", base / "execute"
    iwd.mkdir(parents=True, exist_ok=True)
    execute.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        os.chown(iwd, SUBMIT_UID, SUBMIT_UID)
    config = ExecutorConfig()
    with DockerExecutor(config) as executor:
        ensure_image(executor.client, executor.base_url)
        round_of(lambda n: executor_job(executor, config, str(iwd), str(execute), n),
                 workers, workers)  # warm up
        elapsed, _ = round_of(lambda n: executor_job(executor, config, str(iwd), str(execute), n),
                              jobs, workers)
    return jobs / elapsed


def pool_rate(jobs: int, workers: int, work: Path) -> tuple[float, float]:
    """(jobs/s from `pool run` start to exit, seconds) for `jobs` trivial jobs."""
    pool = Path(sys.executable).parent / "pool"
    directory = work / "pool"
    directory.mkdir(parents=True)
    (directory / "pool.conf").write_text(
        f"POOL_EXECUTE_NODES = {os.environ.get('DOCKER_HOST', 'unix:///var/run/docker.sock')}\n"
        f"POOL_NODE_CPUS = {workers}\nPOOL_MAX_STARTS_PER_NODE = {workers}\n"
        "NEGOTIATOR_INTERVAL = 5\nNEGOTIATOR_MIN_INTERVAL = 0.05\n", encoding="utf-8")
    (work / "out").mkdir()
    (work / "jobs.sub").write_text(SUBMIT.format(image=IMAGE, jobs=jobs), encoding="utf-8")
    env = {**os.environ, "POOL_DIR": str(directory)}
    if os.geteuid() == 0:  # job files are never written as root: Iwd belongs to a user
        os.chown(work, SUBMIT_UID, SUBMIT_UID)
        os.chown(work / "out", SUBMIT_UID, SUBMIT_UID)
        env["USER"] = env["LOGNAME"] = "cp-bench"
    subprocess.run([str(pool), "submit", "jobs.sub"], cwd=work, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    start = time.perf_counter()
    subprocess.run([str(pool), "run", "--until-done"], cwd=work, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    done = subprocess.run([str(pool), "history", "-af", "JobStatus", "ExitCode"], cwd=work, env=env,
                          check=True, capture_output=True, text=True).stdout.split("\n")
    completed = sum(1 for line in done if line.strip() == "4 0")
    if completed != jobs:
        raise RuntimeError(f"only {completed} of {jobs} jobs completed")
    return jobs / elapsed, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000, help="trivial jobs through the pool")
    parser.add_argument("--reference-jobs", type=int, default=100,
                        help="executor jobs before and after the pool run")
    parser.add_argument("--workers", type=int, default=4, help="jobs in flight")
    args = parser.parse_args()
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="bench-pool-") as tmp:
        base = Path(tmp)
        before = executor_rate(args.reference_jobs, args.workers, base / "exec-1")
        rate, elapsed = pool_rate(args.jobs, args.workers, base / "pool-run")
        after = executor_rate(args.reference_jobs, args.workers, base / "exec-2")
    reference = (before + after) / 2
    ratio = rate / reference
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average before {load_before}, after {load}; {args.workers} jobs in flight")
    print(f"executor alone: {before:.2f} jobs/s before, {after:.2f} after "
          f"({args.reference_jobs} jobs each), reference {reference:.2f}")
    print(f"pool run: {args.jobs} jobs from one submit file in {elapsed:.1f} s = {rate:.2f} jobs/s "
          f"(start-up and shutdown included)")
    print(f"pool / executor throughput: {ratio:.3f} (target >= 0.80)")
    return 0 if ratio >= 0.8 else 1


if __name__ == "__main__":
    sys.exit(main())
