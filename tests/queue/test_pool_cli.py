"""The installed `pool` command end to end: submit, q, hold/release/rm, history, analyze, errors."""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from classad import parse_ad
from negotiator.queue.jobqueue import COMPLETED, RUNNING, JobQueue

SUBMIT = """\
executable     = /bin/sleep
arguments      = 10 $(Process)
request_memory = 128
request_disk   = 1024
request_cpus   = 1
queue {n}
"""


def _script() -> str:
    script = shutil.which("pool") or str(Path(sys.executable).parent / "pool")
    if not Path(script).exists():
        pytest.skip("the pool console script is not installed in this environment")
    return script


def pool(pool_dir: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "POOL_DIR": str(pool_dir)}
    done = subprocess.run([_script(), *args], capture_output=True, text=True, env=env,
                          timeout=120, cwd=pool_dir.parent)
    if ok:
        assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def pool_dir(tmp_path: Path) -> Path:
    return tmp_path / "pool"


def submit(pool_dir: Path, n: int, *extra: str) -> str:
    sub = pool_dir.parent / "job.sub"
    sub.write_text(SUBMIT.format(n=n))
    return pool(pool_dir, "submit", str(sub), *extra).stdout


def totals(label: str, idle: int = 0, running: int = 0, held: int = 0, removed: int = 0,
           completed: int = 0) -> str:
    """condor_q's totals line, built from the documented wording."""
    n = idle + running + held + removed + completed
    return (f"Total for {label}: {n} jobs; {completed} completed, {removed} removed, "
            f"{idle} idle, {running} running, {held} held, 0 suspended")


def test_submit_then_q_shows_the_jobs_idle(pool_dir: Path) -> None:
    assert submit(pool_dir, 3).splitlines()[-1] == "3 job(s) submitted to cluster 1."
    assert submit(pool_dir, 2).splitlines()[-1] == "2 job(s) submitted to cluster 2."
    out = pool(pool_dir, "q").stdout
    lines = out.splitlines()
    assert any(line.startswith("-- Schedd: ") for line in lines)
    head = next(line for line in lines if line.startswith("OWNER"))
    assert head.split() == ["OWNER", "BATCH_NAME", "SUBMITTED", "DONE", "RUN", "IDLE", "TOTAL",
                            "JOB_IDS"]
    row = next(line for line in lines if "ID: 1 " in line)
    assert row.split()[-4:] == ["_", "3", "3", "1.0-2"]
    assert totals("query", idle=5) in lines
    assert totals("all users", idle=5) in lines
    nobatch = pool(pool_dir, "q", "-nobatch").stdout.splitlines()
    jobs = [line.split() for line in nobatch if re.match(r"\s*\d+\.\d+\s", line)]
    assert [(j[0], j[5]) for j in jobs] == [("1.0", "I"), ("1.1", "I"), ("1.2", "I"),
                                            ("2.0", "I"), ("2.1", "I")]
    assert pool(pool_dir, "q", "2", "-af", "ClusterId", "ProcId", "Args").stdout == (
        "2 0 10 0\n2 1 10 1\n")


def test_hold_release_remove_with_condor_words_and_reasons(pool_dir: Path) -> None:
    submit(pool_dir, 3)
    assert pool(pool_dir, "hold", "1.1", "-reason", "input missing").stdout == "Job 1.1 held\n"
    held = pool(pool_dir, "q", "-hold").stdout
    assert "input missing" in held and totals("query", held=1) in held.splitlines()
    af = pool(pool_dir, "q", "1.1", "-af", "JobStatus", "HoldReasonCode", "HoldReason").stdout
    assert af == "5 1 input missing\n"
    again = pool(pool_dir, "release", "1.0", ok=False)
    assert again.returncode == 1 and again.stdout == "Job 1.0 not held to be released\n"
    assert pool(pool_dir, "release", "1").stdout == "All jobs in cluster 1 have been released\n"
    af = pool(pool_dir, "q", "-af", "JobStatus", "LastHoldReason").stdout.splitlines()
    assert af == ["1 undefined", "1 input missing", "1 undefined"]
    none = pool(pool_dir, "release", "1", ok=False)
    assert none.stdout == "Couldn't find/release all jobs in cluster 1\n"
    assert pool(pool_dir, "hold", "-constraint", "ProcId >= 1").stdout == (
        "Jobs matching constraint (ProcId >= 1) have been held\n")
    assert pool(pool_dir, "release", "-all").stdout == "All jobs have been released.\n"
    assert pool(pool_dir, "rm", "1").stdout == (
        "All jobs in cluster 1 have been marked for removal\n")
    assert totals("all users") in pool(pool_dir, "q").stdout.splitlines()
    hist = pool(pool_dir, "history", "-af", "ProcId", "JobStatus", "RemoveReason").stdout
    assert hist.splitlines()[0].split()[:2] == ["2", "3"]
    assert "via pool rm" in hist
    missing = pool(pool_dir, "rm", "7.3", ok=False)
    assert missing.returncode == 1 and missing.stdout == "Job 7.3 not found\n"


def _classad2() -> Any:
    try:
        importlib.import_module("htcondor2")  # loads the library classad2 needs
        return importlib.import_module("classad2")
    except ImportError:
        pytest.skip("the htcondor bindings (test oracle) are not installed")


@pytest.mark.oracle
def test_q_json_is_read_by_the_cpp_library(pool_dir: Path) -> None:
    classad2 = _classad2()
    submit(pool_dir, 2)
    text = pool(pool_dir, "q", "-json").stdout
    body = text.strip()
    assert body.startswith("[") and body.endswith("]")
    chunks = [c for c in body[1:-1].split("\n,\n") if c.strip()]
    ads = [classad2.parseOne(chunk, classad2.ParserType.JSON) for chunk in chunks]
    assert [(a["ClusterId"], a["ProcId"], a["JobStatus"], a["Args"]) for a in ads] == [
        (1, 0, 1, "10 0"), (1, 1, 1, "10 1")]
    # Requirements is an expression: the C++ reader must see an expression, not a string
    assert isinstance(ads[0].lookup("Requirements"), classad2.ExprTree)
    slot = classad2.ClassAd({"Memory": 4096, "Disk": 10**7, "Arch": "X86_64", "OpSys": "LINUX",
                             "HasFileTransfer": True, "CondorVersion": "$CondorVersion: "
                             "25.14.1 2025-01-01 $"})
    ours = pool(pool_dir, "q", "1.0", "-af", "Requirements").stdout.strip()
    assert ours
    assert ads[0].matches(slot) is True or ads[0].lookup("Requirements").eval(slot) is not None


def test_af_qualifiers_through_the_command(pool_dir: Path) -> None:
    submit(pool_dir, 2)
    assert pool(pool_dir, "q", "-af:j", "ProcId", "RequestMemory").stdout == "1.0 0 128\n1.1 1 128\n"
    table = pool(pool_dir, "q", "-af:h", "ProcId", "Cmd").stdout.splitlines()
    assert [line.split() for line in table] == [["ProcId", "Cmd"], ["0", "/bin/sleep"],
                                                ["1", "/bin/sleep"]]
    assert pool(pool_dir, "history", "-af:V", "Owner").stdout == ""
    printed = pool(pool_dir, "q", "-format", "%d.", "ClusterId", "-format", "%d\\n", "ProcId")
    assert printed.stdout == "1.0\n1.1\n"


def test_history_after_finish(pool_dir: Path) -> None:
    submit(pool_dir, 2)
    with JobQueue(pool_dir / "pool.db") as q:
        q.update("1.0", {"RemoteHost": "slot1@n", "JobCurrentStartDate": 1000},
                 status=RUNNING, expect_status=1, now=1000)
        q.finish("1.0", {"ExitCode": 3, "RemoteWallClockTime": 61.0}, status=COMPLETED,
                 now=1061)
    hist = pool(pool_dir, "history").stdout.splitlines()
    assert hist[0].split()[:3] == ["ID", "OWNER", "SUBMITTED"]
    row = hist[1].split()
    assert row[0] == "1.0" and "0+00:01:01" in row and "C" in row
    js = pool(pool_dir, "history", "-json", "-limit", "1").stdout
    ad = parse_ad(js.strip()[1:-1], "json")
    assert (ad.eval("ExitCode"), ad.eval("CompletionDate"), ad.eval("JobStatus")) == (
        3, 1061, COMPLETED)
    assert pool(pool_dir, "q", "-af", "ProcId").stdout == "1\n"


def test_better_analyze_counts_slots_clause_by_clause(pool_dir: Path) -> None:
    submit(pool_dir, 1)
    memories = [64, 128, 256, 512]
    with JobQueue(pool_dir / "pool.db") as q:
        q.publish_slots([parse_ad(
            f'[Name = "slot{i}@m"; Machine = "m"; Arch = "X86_64"; OpSys = "LINUX"; '
            f'Memory = {m}; Disk = 100; HasFileTransfer = true; CondorVersion = '
            f'"$CondorVersion: 25.14.1 2025-01-01 $"; Requirements = {str(i != 3).lower()}]')
            for i, m in enumerate(memories)], now=1)
    out = pool(pool_dir, "q", "1.0", "-better-analyze").stdout
    rows = {line.split(None, 2)[2]: int(line.split()[1]) for line in out.splitlines()
            if re.match(r"\[\d+\]\s+\d+\s", line)}
    assert rows["TARGET.Memory >= RequestMemory"] == sum(1 for m in memories if m >= 128)
    assert rows['TARGET.Arch == "X86_64"'] == 4
    willing = sum(1 for i, m in enumerate(memories) if m >= 128 and i != 3)
    assert f"{willing} slots match and are willing to run your job" in out
    assert f"{sum(1 for m in memories if m < 128)} slots are rejected by your job's" in out
    assert "1 of 4 slots' own Requirements (START) refuse" in out
    assert "Of 4 slots on 1 machines," in out
    submit(pool_dir, 1, "-append", "request_memory = 1024")
    big = pool(pool_dir, "q", "2.0", "-better-analyze").stdout
    assert "0 slots match and are willing" in big and "No machines matched" in big
    assert f"lower RequestMemory to {max(memories)} or less" in big


@pytest.mark.parametrize("args, words", [
    (["submit", "nosuch.sub"], "nosuch.sub"),
    (["q", "-constraint", "ProcId =="], "-constraint"),
    (["q", "1.x"], "1.x"),
    (["rm"], "-constraint EXPR or -all"),
    (["q", "-nosuchoption"], "No such option"),
    (["history", "-limit", "-3"], "-limit"),
    (["q", "-af:j", "Owner =="], "Owner =="),
    (["rm", "-constraint", "Owner =="], "-constraint"),
])
def test_bad_command_lines_give_one_line_and_fail(pool_dir: Path, args: list[str],
                                                  words: str) -> None:
    done = pool(pool_dir, *args, ok=False)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and words in done.stderr


@pytest.mark.parametrize("kind, why", [
    ("missing", "No such file or directory"),
    ("directory", "Is a directory"),
    ("fifo", 'not a regular file; "pool submit -" reads standard input'),
])
def test_a_submit_file_that_is_not_a_regular_file_is_one_line(pool_dir: Path, kind: str, why: str) -> None:
    # condor_submit: "ERROR: Failed to open command file (NAME) (strerror)", exit 1; a FIFO
    # without a writer must not hang the command
    name = pool_dir.parent / f"the-{kind}"
    if kind == "directory":
        name.mkdir()
    elif kind == "fifo":
        os.mkfifo(name)
    done = pool(pool_dir, "submit", name.name, ok=False)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == f"pool: error: Failed to open command file ({name.name}) ({why})\n"


def test_bad_submit_file_names_the_line(pool_dir: Path) -> None:
    sub = pool_dir.parent / "bad.sub"
    sub.write_text("executable = /bin/true\nrequest_disk = 1024\n+Foo = (1 +\nqueue\n")
    done = pool(pool_dir, "submit", str(sub), ok=False)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "bad.sub:3" in done.stderr
    assert not (pool_dir / "pool.db").exists() or "ID:" not in pool(pool_dir, "q").stdout


def test_two_queue_statements_make_one_cluster(pool_dir: Path) -> None:
    sub = pool_dir.parent / "two.sub"
    sub.write_text(SUBMIT.format(n=2) + "arguments = other $(Process)\nqueue 3\n")
    assert pool(pool_dir, "submit", str(sub)).stdout.splitlines()[-1] == (
        "5 job(s) submitted to cluster 1.")
    assert pool(pool_dir, "q", "-af", "ProcId", "Args").stdout.splitlines() == [
        "0 10 0", "1 10 1", "2 other 2", "3 other 3", "4 other 4"]


def test_dry_run_prints_ads_and_queues_nothing(pool_dir: Path) -> None:
    out = submit(pool_dir, 2, "-dry-run")
    assert out.count("ProcId = ") == 2 and 'Cmd = "/bin/sleep"' in out
    assert totals("all users") in pool(pool_dir, "q").stdout.splitlines()


def test_pool_option_selects_the_directory(tmp_path: Path) -> None:
    other = tmp_path / "other"
    sub = tmp_path / "job.sub"
    sub.write_text(SUBMIT.format(n=1))
    done = subprocess.run([_script(), "--pool", str(other), "submit", str(sub)],
                          capture_output=True, text=True, timeout=120,
                          env={k: v for k, v in os.environ.items() if k != "POOL_DIR"})
    assert done.returncode == 0, done.stderr
    assert (other / "pool.db").exists()
