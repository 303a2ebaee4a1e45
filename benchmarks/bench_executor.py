"""Executor overhead vs a bare docker SDK create/start/wait/remove loop, measured side by side.

Risk guarded: the executor's own work (sandbox, labels, log copy, inspect, stats, user log,
removal) must not slow the engine's container lifecycle by more than 10%, and a 2-core box must
still push >= 8 trivial jobs/s through it.

    DOCKER_HOST=unix:///... python benchmarks/bench_executor.py [--jobs 48] [--workers 4]

The bare and executor loops run the same image and command with the same container options
(what the executor passes, `executor.containers.create_options`), in alternating rounds so that
engine drift hits both equally. A third "minimal" loop (init and no network only, none of the
limits, labels, mounts or log driver a job gets) shows the engine's own ceiling on this machine.
Both share the executor's engine client (one keep-alive connection pool per socket), so the ratio
counts only the executor's own work: sandbox, user log, inspect, the stdout/stderr attach stream,
and every file operation done as the job's or the submitter's identity (setfsuid + openat2).

The engine dominates: on 2 cores a trivial container costs runc, a containerd shim, dockerd and
containerd about 0.1-0.15 CPU-seconds, the executor's own work about 0.01. Load from other
processes on the machine lowers every loop alike; the load averages are printed. The engine from
`scripts/dockerd.sh` keeps its state on a tmpfs (DOCKERD_TMPFS=0: on DIR's disk).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import docker

from executor import containers as ct
from executor.docker_engine import DockerExecutor
from executor.protocol import JobHandle
from executor.runner import run_job
from executor.spec import ExecutorConfig, JobSpec

BENCH_SUBMITTER = 4243  # owner of the jobs' Iwd when the benchmark runs as root
IMAGE = os.environ.get("CLASSAD_POOL_TEST_IMAGE", "classad-pool/busybox:test")
BUSYBOX = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts", "busybox-image.sh")


def ensure_image(client: docker.DockerClient, host: str) -> None:
    try:
        client.images.get(IMAGE)
    except docker.errors.ImageNotFound:
        subprocess.run([BUSYBOX, IMAGE], check=True, env={**os.environ, "DOCKER_HOST": host},
                       stdout=subprocess.DEVNULL)


def bare_job(client: docker.DockerClient, config: ExecutorConfig, base: str, n: int) -> None:
    """What a minimal hand-written runner would do: same options, no bookkeeping."""
    spec = JobSpec(image=IMAGE, cluster=999, proc=n, command=("true",), iwd=base)
    sandbox = tempfile.mkdtemp(dir=base)
    options = ct.create_options(JobHandle(f"bare_{os.getpid()}_{n}_{time.monotonic_ns()}", spec, sandbox), config)
    container = client.containers.create(IMAGE, **options)
    container.start()
    container.wait()
    container.remove(force=True)
    os.rmdir(sandbox)


def minimal_job(client: docker.DockerClient, n: int) -> None:
    """The engine's own ceiling: init and no network only (not what a job gets)."""
    container = client.containers.create(IMAGE, ["true"], init=True, network_mode="none",
                                         network_disabled=True)
    container.start()
    container.wait()
    container.remove(force=True)


def executor_job(executor: DockerExecutor, config: ExecutorConfig, base: str, n: int) -> None:
    spec = JobSpec(image=IMAGE, cluster=1000, proc=n, command=("true",), iwd=base,
                   stdout="out", user_log="bench.log")
    result = run_job(executor, spec, config, execute_dir=base)
    if result.status != "completed" or result.exit_code != 0:
        raise RuntimeError(f"job {n} ended {result.to_dict()}")


def round_of(job: Callable[[int], None], jobs: int, workers: int) -> tuple[float, list[float]]:
    latencies: list[float] = []

    def timed(n: int) -> None:
        start = time.perf_counter()
        job(n)
        latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(timed, range(jobs)))
    return time.perf_counter() - start, latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=16, help="trivial jobs per round")
    parser.add_argument("--workers", type=int, default=4, help="jobs in flight")
    parser.add_argument("--rounds", type=int, default=12, help="alternating rounds per loop")
    args = parser.parse_args()
    config = ExecutorConfig()
    executor = DockerExecutor(config)
    client = executor.client
    ensure_image(client, executor.base_url)
    base = tempfile.mkdtemp(prefix="bench-executor-")
    if os.geteuid() == 0:  # as root, Iwd must belong to a (non-root) submitter
        os.chown(base, BENCH_SUBMITTER, BENCH_SUBMITTER)
    loops: dict[str, Callable[[int], None]] = {
        "bare SDK": lambda n: bare_job(client, config, base, n),
        "executor": lambda n: executor_job(executor, config, base, n),
        "minimal": lambda n: minimal_job(client, n),
    }
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    for job in loops.values():  # warm up every path (image cache, connection pool)
        round_of(job, args.workers, args.workers)
    times: dict[str, list[float]] = {name: [] for name in loops}
    latencies: dict[str, list[float]] = {name: [] for name in loops}
    for r in range(args.rounds):
        order = list(loops.items()) if r % 2 == 0 else list(reversed(loops.items()))
        for name, job in order:
            elapsed, lat = round_of(job, args.jobs, args.workers)
            times[name].append(elapsed)
            latencies[name] += lat
    count = args.jobs * args.rounds
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{count} trivial jobs per loop, {args.workers} in flight, {args.rounds} alternating rounds, "
          f"engine {client.version().get('Version')} at {executor.base_url}")
    print(f"load average before {load_before}, after {load}")
    print(f"{'loop':10} {'jobs/s':>8} {'median ms':>10} {'p90 ms':>8}")
    for name in loops:
        lat = sorted(latencies[name])
        print(f"{name:10} {count / sum(times[name]):8.2f} {statistics.median(lat) * 1000:10.1f} "
              f"{lat[int(len(lat) * 0.9)] * 1000:8.1f}")
    print(f"(minimal = the engine's own ceiling here, init + network none only: "
          f"{count / sum(times['minimal']):.2f} jobs/s)")
    # each round's executor time against the bare round next to it: robust to load drifting
    ratio = statistics.median(e / b for e, b in zip(times["executor"], times["bare SDK"], strict=True))
    rate = count / sum(times["executor"])
    print(f"executor / bare time ratio (median of paired rounds): {ratio:.3f} "
          f"(overhead {100 * (ratio - 1):+.1f}%, target <= +10%)")
    print(f"executor throughput: {rate:.2f} jobs/s (target >= 8 on 2 idle cores)")
    shutil.rmtree(base)
    executor.close()
    return 0 if ratio <= 1.10 and rate >= 8 else 1


if __name__ == "__main__":
    sys.exit(main())
