"""SWF traces: the header, the 18 fields, -1 unknown, statuses, gzip, and bad lines."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

from negotiator.errors import NegotiatorError
from negotiator.sim import pool, swf, workload

#: the real trace in the team's shared/ folder, which sits beside the checkout (CI lays it there)
LCG = next((p for p in (Path(__file__).resolve().parents[3] / "shared" / "traces" / "LCG.swf.gz",
                        Path("/work/shared/traces/LCG.swf.gz")) if p.exists()),
           Path("/work/shared/traces/LCG.swf.gz"))
HEADER = "; Version: 2.2\n; MaxProcs: 16\n; MaxNodes: 4\n; UnixStartTime: 1000\n"


def record(job: int, submit: int, run: int, procs: int = 1, memory: int = -1,
           status: int = 1, user: int = 1, group: int = 1) -> str:
    fields = [job, submit, -1, run, procs, -1, -1, procs, 3600, memory, status, user, group,
              -1, -1, 1, -1, -1]
    return " ".join(str(f) for f in fields)


def write(tmp: Path, text: str, name: str = "t.swf") -> Path:
    path = tmp / name
    path.write_text(text)
    return path


def test_fields_map_to_job_ads(tmp_path: Path) -> None:
    text = HEADER + record(1, 0, 100, procs=2, memory=1024 * 1024, user=7, group=3) + "\n"
    loaded = workload.from_swf(write(tmp_path, text))
    (job,) = loaded.jobs
    assert (job.submit, job.runtime, job.cpus, job.memory) == (0.0, 100.0, 2, 2048)
    assert job.submitter == "group_3.u7@sim" and job.group == "group_3"
    assert job.ad.eval("RequestMemory") == 2048 and job.ad.eval("RequestCpus") == 2
    assert loaded.header is not None and loaded.header.number("MaxProcs") == 16


def test_template_and_names_file(tmp_path: Path) -> None:
    text = HEADER + record(1, 0, 100, user=7, group=3) + "\n" + record(2, 5, 10, user=-1,
                                                                       group=-1) + "\n"
    names = write(tmp_path, "user 7 alice\ngroup 3 cms  # the CMS VO\n", "names.txt")
    loaded = workload.from_swf(write(tmp_path, text), "group_{group}.{user}",
                               workload.read_names(names))
    assert [j.submitter for j in loaded.jobs] == ["group_cms.alice@sim", "unknown@sim"]
    plain = workload.from_swf(write(tmp_path, text), "{user}")
    assert plain.jobs[0].submitter == "7@sim" and plain.jobs[0].group == "<none>"
    with pytest.raises(NegotiatorError, match="unknown field"):
        workload.check_template("{nobody}")


def test_statuses_are_handled_as_the_trace_says(tmp_path: Path) -> None:
    lines = [record(1, 0, 100, status=1), record(2, 1, 50, status=0),
             record(3, 2, 30, status=5), record(4, 3, -1, status=5), record(5, 4, 0, status=5),
             record(6, 5, 20, status=2), record(7, 6, -1, status=1)]
    loaded = workload.from_swf(write(tmp_path, HEADER + "\n".join(lines) + "\n"))
    assert [j.cluster for j in loaded.jobs] == [1, 2, 3]  # completed, failed, cancelled-running
    assert loaded.skipped == {
        "cancelled before running (status 5, no run time)": 2,
        "partial-execution records (status 2-4)": 1,
        "no run time or submit time (-1)": 1,
    }


@pytest.mark.parametrize(("line", "message"), [
    (record(1, 0, 10) + " 99", f"column {len(record(1, 0, 10)) + 2}: more than 18 fields"),
    ("1 2 3", "3 fields, an SWF record has 18"),
    (record(1, 0, 10).replace(" 3600 ", " 36x0 "), "field 9 (req_time) is '36x0'"),
])
def test_a_malformed_line_names_file_line_and_column(tmp_path: Path, line: str,
                                                     message: str) -> None:
    path = write(tmp_path, HEADER + record(1, 0, 5) + "\n" + line + "\n")
    with pytest.raises(NegotiatorError) as caught:
        swf.read_swf(path)
    assert str(caught.value).startswith(f"{path}:6: ")
    assert message in str(caught.value)


def test_gzip_is_read_by_its_magic_number(tmp_path: Path) -> None:
    text = HEADER + record(1, 0, 100) + "\n"
    plain = swf.read_swf(write(tmp_path, text))
    packed = tmp_path / "t.swf.gz"
    packed.write_bytes(gzip.compress(text.encode()))
    assert swf.read_swf(packed)[1] == plain[1]


def test_the_pool_from_the_trace_header() -> None:
    header = swf.Header({"maxprocs": "16", "maxnodes": "4"})
    slots, _ = pool.from_header(header, 1000, "t")
    assert len(slots) == 4 and all(s.eval("Cpus") == 4 for s in slots)
    only_procs, _ = pool.from_header(swf.Header({"maxprocs": "3"}), 1000, "t")
    assert [s.eval("Cpus") for s in only_procs] == [1, 1, 1]


def test_pool_specs_and_impossible_ones() -> None:
    slots = pool.from_spec("2x8c32g+1x4c:static")
    assert [s.eval("Cpus") for s in slots] == [8, 8, 1, 1, 1, 1]
    assert slots[0].eval("Memory") == 32768 and slots[2].eval("Memory") == 2048
    for bad in ("0x8c", "8c", "2x0c", "2x8c0g", "1000000x2c:static", "2x8c32q"):
        with pytest.raises(NegotiatorError, match="pool spec"):
            pool.from_spec(bad)


@pytest.mark.skipif(not LCG.exists(), reason="the shared LCG trace is not on this machine")
def test_the_whole_lcg_trace_loads() -> None:
    header, records = swf.read_swf(LCG)
    assert len(records) == 188_041
    assert header.number("MaxProcs") == 24515 and header.number("UnixStartTime") == 1132444805
    assert records[1].run == 3611 and records[1].user == 2 and records[1].req_time == 116400


def test_the_bundled_slice_is_the_start_of_the_real_trace() -> None:
    from negotiator.sim.run import bundled

    path = bundled("lcg-slice.swf.gz")
    assert path.stat().st_size < 200_000
    _, mine = swf.read_swf(path)
    assert len(mine) == 3000
    if LCG.exists():
        _, real = swf.read_swf(LCG)
        strip = [(r.job, r.submit, r.run, r.user, r.group, r.status) for r in real[:3000]]
        assert [(r.job, r.submit, r.run, r.user, r.group, r.status) for r in mine] == strip


def test_cli_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = write(tmp_path, HEADER + record(1, 0, 5) + "\n1 2 three\n")
    good = write(tmp_path, HEADER + record(1, 0, 5) + "\n", "good.swf")
    cases = [
        (["--trace", str(bad), "--machines", "2x2c"], f"{bad}:6: column 5: field 3 (wait)"),
        (["--trace", str(good), "--machines", "2x2x"], "--machines: pool spec '2x2x'"),
        (["--config", str(write(tmp_path, "GROUP_QUOTA_nope = 3\n", "c.conf"))],
         "c.conf:1: GROUP_QUOTA_nope: unknown group"),
    ]
    for args, where in cases:
        done = subprocess.run([sys.executable, "-m", "negotiator", "simulate", *args,
                               "--out", str(tmp_path / "o"), "--no-plots"],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 2, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and where in lines[0], done.stderr
