"""--start/--end/--limit are cut from an SWF trace's records before ads are built: the jobs are
those of building every ad and then selecting, to the ProcId and the ad text."""

from __future__ import annotations

from pathlib import Path

import pytest

from negotiator.sim import workload
from negotiator.sim.run import Inputs, bundled, simulate
from negotiator.sim.workload import Selection

SLICE = bundled("lcg-slice.swf.gz")
DATA = Path(__file__).parent / "data"


def _jobs(loaded: workload.Workload) -> list[tuple[object, ...]]:
    return [(j.seq, j.id, j.submit, j.runtime, j.submitter, j.group, j.cpus, j.memory, j.source,
             str(j.ad)) for j in loaded.jobs]


def _both(path: Path, selection: Selection) -> tuple[workload.Workload, workload.Workload]:
    cut = workload.select(workload.from_swf(path, selection=selection), selection)
    whole = workload.select(workload.from_swf(path), selection)
    return cut, whole


@pytest.mark.parametrize("selection", [
    Selection(start=3600.0), Selection(end=7200.0), Selection(start=1800.0, end=5400.0),
    Selection(start=600.0, limit=50), Selection(limit=200), Selection(limit=0),
    Selection(start=3600.0, end=3600.0), Selection(start=1e9), Selection(start=-5.0, end=60.0),
    Selection(start=1800.0, end=9000.0, limit=120, rate=2.5),
], ids=repr)
def test_a_window_cut_early_gives_the_jobs_of_selecting_from_every_job(
        selection: Selection) -> None:
    cut, whole = _both(SLICE, selection)
    assert _jobs(cut) == _jobs(whole)
    assert cut.skipped == whole.skipped and cut.notes == whole.notes
    assert len(workload.from_swf(SLICE, selection=selection).jobs) == len(cut.jobs)


@pytest.mark.parametrize("path", sorted(DATA.glob("*.swf.gz")), ids=lambda p: p.name[:12])
def test_other_logs_cut_alike(path: Path) -> None:
    selection = Selection(start=3600.0, end=86400.0, limit=40)
    cut, whole = _both(path, selection)
    assert _jobs(cut) == _jobs(whole)


def test_a_repeated_job_number_keeps_its_proc_id_when_its_first_record_is_cut(
        tmp_path: Path) -> None:
    path = tmp_path / "repeat.swf"
    rows = [(7, 0), (8, 100), (7, 5000), (9, 5100), (7, 5200)]
    path.write_text("".join(f"{job} {submit} 0 60 1 -1 -1 1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"
                            for job, submit in rows))
    selection = Selection(start=1000.0)
    cut, whole = _both(path, selection)
    assert [j.id for j in cut.jobs] == ["7.1", "9.0", "7.2"]
    assert _jobs(cut) == _jobs(whole) and cut.notes == whole.notes


def test_numbers_beyond_64_bits_set_the_record_aside(tmp_path: Path) -> None:
    """A job number or a memory no ClassAd integer holds: the record is set aside and said so
    (it used to stop the run with a traceback)."""
    path = tmp_path / "big.swf"
    path.write_text("; MaxProcs: 2\n"
                    "1 0 0 10 1 -1 -1 1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"
                    "100000000000000000000000 5 0 10 1 -1 -1 1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"
                    "3 9 0 10 1 -1 -1 1 -1 1e30 1 1 1 -1 -1 -1 -1 -1\n"
                    f"{1 << 62} 9 0 10 1 -1 -1 1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n")
    outcome, _ = simulate(Inputs(trace=path, machines="2x1c"))
    assert sorted(j.cluster for j in outcome.jobs) == [1, 1 << 62]
    assert outcome.skipped == {"numbers too large for a job ad (beyond 64 bits)": 2}
