"""Other real SWF logs than LCG (excerpts in tests/sim/data), and the odd records real logs hold."""

from __future__ import annotations

import gzip
import re
import subprocess
import sys
from pathlib import Path

import pytest

from negotiator.errors import NegotiatorError
from negotiator.sim import pool, swf, workload
from negotiator.sim.run import Inputs, simulate
from negotiator.sim.workload import Selection

DATA = Path(__file__).parent / "data"
LOGS = sorted(DATA.glob("*.swf.gz"))


def header_number(path: Path, key: str) -> int | None:
    """A header field read straight from the text (independent of swf.Header)."""
    for line in gzip.decompress(path.read_bytes()).decode().splitlines():
        found = re.match(rf";\s*{key}:\s*(\d+)", line)
        if found:
            return int(found[1])
    return None


def data_lines(path: Path) -> list[list[str]]:
    text = gzip.decompress(path.read_bytes()).decode()
    return [line.split() for line in text.splitlines() if line.strip()
            and not line.lstrip().startswith(";")]


def test_there_are_several_logs() -> None:
    assert len(LOGS) >= 5


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name.split(".")[0])
def test_every_record_and_the_header_are_read(path: Path) -> None:
    header, records = swf.read_swf(path)
    lines = data_lines(path)
    assert len(records) == len(lines)
    assert [(r.job, r.submit, r.run, r.alloc_procs) for r in records] == [
        (int(f[0]), float(f[1]), float(f[3]), int(f[4])) for f in lines]
    for key in ("MaxProcs", "MaxNodes", "UnixStartTime", "MaxJobs"):
        assert header.number(key) == header_number(path, key)


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name.split(".")[0])
def test_each_log_simulates_on_the_pool_of_its_header(path: Path) -> None:
    """Every job is accounted for; runs last as long as the trace says; the pool never holds
    more cores than it has; wide jobs of a parallel log run (the header pool fits them)."""
    outcome, config = simulate(Inputs(trace=path, selection=Selection(limit=120),
                                      interval=300.0))
    jobs = outcome.jobs
    assert len(jobs) + len(outcome.unfit) == 120
    assert outcome.unfit == []  # the header pool fits every job of these logs
    assert any("the pool is the header's" in w for w in config.warnings)
    done = [j for j in jobs if j.end == j.end]
    assert len(done) + len(outcome.never_matched) == len(jobs)
    assert not outcome.never_matched
    for job in done:
        assert job.start >= job.submit
        assert job.end - job.start == pytest.approx(job.runtime)
    events = sorted([(j.start, j.cpus) for j in done] + [(j.end, -j.cpus) for j in done],
                    key=lambda e: (e[0], e[1]))
    busy = peak = 0
    for _, delta in events:
        busy += delta
        peak = max(peak, busy)
    assert peak <= outcome.pool_cpus


def test_a_parallel_log_gets_its_processors_as_one_machine() -> None:
    header = swf.Header({"maxprocs": "128", "maxnodes": "128"})
    slots, note = pool.from_header(header, 0, "nasa", widest=64)
    assert [s.eval("Cpus") for s in slots] == [128]
    assert slots[0].eval("PartitionableSlot") is True
    assert "wider than one node" in note and "--machines 1x128c" in note
    narrow, note = pool.from_header(swf.Header({"maxprocs": "16", "maxnodes": "4"}), 0, "t", 4)
    assert [s.eval("Cpus") for s in narrow] == [4, 4, 4, 4]
    assert "--machines 4x4c" in note


def test_a_header_with_only_maxnodes_or_nothing() -> None:
    slots, _ = pool.from_header(swf.Header({"maxnodes": "3"}), 0, "t")
    assert [s.eval("Cpus") for s in slots] == [1, 1, 1]
    with pytest.raises(NegotiatorError, match="neither MaxProcs nor MaxNodes"):
        pool.from_header(swf.Header({"maxjobs": "3"}), 0, "t")


def rec(job: int, submit: float, run: float, procs: int = 1, status: int = 1, user: int = 1,
        group: int = 1, req: int | None = None) -> str:
    fields = [job, submit, -1, run, procs, -1, -1, procs if req is None else req, -1, -1,
              status, user, group, -1, -1, -1, -1, -1]
    return " ".join(str(f) for f in fields)


def test_line_ends_tabs_blank_and_comment_lines_and_unsorted_records(tmp_path: Path) -> None:
    body = [rec(2, 50, 100, 2), "; a comment inside the body", "", rec(1, 10, 30),
            "\t" + rec(3, 30, 0, 0, req=0).replace(" ", "\t") + "   "]
    text = ";MaxNodes: 4\r\n; MaxProcs: 16\r\n; Note: one\r\n;       two\r\n" + "\r\n".join(
        body) + "\r\n"
    path = tmp_path / "odd.swf"
    path.write_bytes(text.encode())
    header, records = swf.read_swf(path)
    assert header.number("MaxNodes") == 4 and header.number("MaxProcs") == 16
    assert [(r.line, r.job) for r in records] == [(5, 2), (8, 1), (9, 3)]
    loaded = workload.select(workload.from_swf(path), Selection())
    assert [j.cluster for j in loaded.jobs] == [1, 3, 2]  # by submit time
    zero = loaded.jobs[1]
    assert (zero.cpus, zero.runtime) == (1, 0.0)  # 0 processors: one core; run time 0 runs
    outcome, _ = simulate(Inputs(trace=path))
    assert sorted(j.end - j.start for j in outcome.jobs) == [0.0, 30.0, 100.0]


def test_repeated_job_numbers_become_procs_of_one_cluster(tmp_path: Path) -> None:
    path = tmp_path / "dup.swf"
    path.write_text("; MaxProcs: 4\n" + "\n".join(
        [rec(7, 0, 10), rec(7, 5, 10), rec(8, 6, 10), rec(7, 9, 10)]) + "\n")
    loaded = workload.from_swf(path)
    assert [j.id for j in loaded.jobs] == ["7.0", "7.1", "8.0", "7.2"]
    assert len(loaded.notes) == 1 and "2 records repeat an earlier job number" in loaded.notes[0]
    outcome, config = simulate(Inputs(trace=path))
    assert sorted(j.id for j in outcome.jobs if j.end == j.end) == ["7.0", "7.1", "7.2", "8.0"]
    assert any("repeat an earlier job number" in w for w in config.warnings)


def test_unknown_users_and_groups(tmp_path: Path) -> None:
    path = tmp_path / "ids.swf"
    path.write_text("; MaxProcs: 4\n" + "\n".join(
        [rec(1, 0, 10, user=3, group=-1), rec(2, 1, 10, user=-1, group=2),
         rec(3, 2, 10, user=-1, group=-1)]) + "\n")
    jobs = workload.from_swf(path).jobs
    assert [(j.submitter, j.group) for j in jobs] == [
        ("u3@sim", "<none>"), ("group_2.unknown@sim", "group_2"), ("unknown@sim", "<none>")]
    assert "AccountingGroup" not in jobs[0].ad and jobs[1].ad.eval("AcctGroup") == "group_2"


def test_requested_processors_and_memory_per_processor(tmp_path: Path) -> None:
    """Field 8 (requested) wins over field 5 (allocated); memory fields are KB per processor."""
    fields = [1, 0, -1, 10, 8, -1, 2048, 4, -1, 4096, 1, 1, 1, -1, -1, -1, -1, -1]
    used_only = [2, 0, -1, 10, 8, -1, 2048, -1, -1, -1, 1, 1, 1, -1, -1, -1, -1, -1]
    path = tmp_path / "mem.swf"
    path.write_text("; MaxProcs: 8\n" + "\n".join(
        " ".join(str(f) for f in r) for r in (fields, used_only)) + "\n")
    first, second = workload.from_swf(path).jobs
    assert (first.cpus, first.memory) == (4, 4 * 4096 // 1024)
    assert (second.cpus, second.memory) == (8, 8 * 2048 // 1024)


def test_a_cut_gzip_trace_is_one_line_and_exit_2(tmp_path: Path) -> None:
    whole = gzip.compress(("; MaxProcs: 4\n" + "\n".join(
        rec(i, i, 10) for i in range(1, 3000)) + "\n").encode())
    cut = tmp_path / "cut.swf.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    short = tmp_path / "short.swf"
    short.write_text("; MaxProcs: 4\n" + rec(1, 0, 10) + "\n1 5 -1 10\n")
    for path, expected in ((cut, f"{cut}: cannot read trace"),
                           (short, f"{short}:3: 4 fields, an SWF record has 18")):
        proc = subprocess.run(
            [sys.executable, "-m", "negotiator", "simulate", "--trace", str(path),
             "--no-plots", "--out", str(tmp_path / "out")],
            capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0], proc.stderr
        assert "Traceback" not in proc.stderr
