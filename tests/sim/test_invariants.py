"""Invariants of the event loop on generated and real workloads, and determinism."""

from __future__ import annotations

import math

import pytest

from negotiator.sim import pool
from negotiator.sim.run import Inputs, bundled, simulate, write_outputs
from negotiator.sim.workload import Selection, SimJob
from tests.sim.conftest import check_invariants, config, generated_jobs, run

GROUPS = """
GROUP_NAMES = group_0, group_1
GROUP_QUOTA_DYNAMIC_group_0 = 0.7
GROUP_QUOTA_DYNAMIC_group_1 = 0.3
GROUP_ACCEPT_SURPLUS = True
PRIORITY_HALFLIFE = 1800
"""


@pytest.mark.parametrize("spec", ["4x8c16g", "12x2c4g:static", "2x4c8g+3x2c2g"])
@pytest.mark.parametrize("seed", [1, 2])
def test_generated_workload_invariants(spec: str, seed: int) -> None:
    slots = pool.from_spec(spec)
    jobs = generated_jobs(seed, 120, max_cpus=2 if "static" in spec else 4, max_memory=2048)
    outcome = run(jobs, slots, config(GROUPS))
    assert outcome.stopped == "done"
    assert not outcome.never_matched
    check_invariants(outcome, slots, 60.0)


def test_jobs_that_can_never_fit_are_reported() -> None:
    slots = pool.from_spec("3x2c4g")
    jobs = generated_jobs(3, 40, max_cpus=4, max_memory=8192)
    outcome = run(jobs, slots, config())
    expect = {j.id for j in jobs if j.cpus > 2 or j.memory > 4096}
    assert expect and {j.id for j in outcome.unfit} == expect
    assert len(outcome.jobs) + len(outcome.unfit) == 40
    check_invariants(outcome, slots, 60.0)


def test_jobs_nothing_matches_stop_the_run_and_are_reported() -> None:
    slots = pool.from_spec("2x2c4g")
    jobs = generated_jobs(4, 10, max_cpus=1, max_memory=512)
    jobs[3].ad["Requirements"] = pool.ads.parse_expression("TARGET.Cpus > 100")
    outcome = run(jobs, slots, config())
    assert [j.id for j in outcome.never_matched] == [jobs[3].id]
    assert outcome.stopped == "idle jobs that no slot matches"


def test_claim_reuse_starts_the_next_job_when_one_ends() -> None:
    slots = pool.from_spec("1x1c:static")

    def jobs() -> list[SimJob]:
        made = generated_jobs(5, 4, users=1, max_cpus=1, max_memory=512, span=0.0, groups=1)
        for job in made:
            job.runtime = 100.0
        return made

    outcome = run(jobs(), slots, config(), interval=300.0, claim_worklife=1200.0)
    starts = sorted(j.runs[-1][0] for j in outcome.jobs)
    assert starts == [0.0, 100.0, 200.0, 300.0]  # back to back on the one claim
    without = run(jobs(), slots, config(), interval=300.0)
    assert sorted(j.runs[-1][0] for j in without.jobs) == [0.0, 300.0, 600.0, 900.0]
    # a claim older than CLAIM_WORKLIFE goes back to the negotiator
    short = run(jobs(), slots, config(), interval=300.0, claim_worklife=150.0)
    assert sorted(j.runs[-1][0] for j in short.jobs) == [0.0, 100.0, 300.0, 400.0]


def test_preemption_evicts_and_the_job_loses_its_progress() -> None:
    """A nice user's jobs (priority factor 1e10) are preempted by a normal user's; the evicted
    jobs go back to the queue and later run their whole run time again."""
    slots = pool.from_spec("2x1c:static")
    jobs = generated_jobs(6, 6, users=2, max_cpus=1, max_memory=512, span=0.0, groups=1)
    for n, job in enumerate(jobs):
        job.runtime = 3000.0
        owner = "hog" if n < 2 else "late"
        job.submit = 0.0 if n < 2 else 600.0
        job.ad["Owner"], job.ad["User"] = owner, f"{owner}@sim"
        del job.ad["AccountingGroup"]
        if owner == "hog":
            job.ad["NiceUser"] = True
        job.submitter = "nice-user.hog@sim" if owner == "hog" else "late@sim"
    cfg = config("PREEMPTION_REQUIREMENTS = RemoteUserPrio > SubmitterUserPrio * 1.2")
    outcome = run(jobs, slots, cfg, max_cycles=5000)
    assert outcome.stopped == "done"
    evicted = [j for j in outcome.jobs if j.evictions]
    assert {j.submitter for j in evicted} == {"nice-user.hog@sim"} and len(evicted) == 2
    for job in evicted:
        assert job.evictions == len(job.runs) - 1 >= 1
        assert job.runs[0][:2] == (0.0, 600.0)  # preempted at the late user's first cycle
        assert math.isclose(job.runs[-1][1] - job.runs[-1][0], job.runtime)  # started over
        assert job.runs[-1][0] >= 600.0 + 2 * 3000.0  # after the late user's four jobs
    charged = sum(c.accumulated_usage for c in outcome.state.customers.values())
    assert math.isclose(charged, sum((e - s) * w for j in outcome.jobs for s, e, w in j.runs))


def test_the_bundled_real_slice_keeps_the_invariants() -> None:
    inputs = Inputs(selection=Selection(limit=400)).with_defaults()
    outcome, _ = simulate(inputs)
    assert outcome.stopped == "done" and not outcome.unfit
    check_invariants(outcome, pool.read_pool_file(bundled("pool.txt")), 60.0)


def test_two_runs_give_byte_identical_outputs(tmp_path: pytest.TempPathFactory) -> None:
    inputs = Inputs(selection=Selection(limit=150), jitter=30.0, seed=7)
    digests = []
    for name in ("a", "b"):
        outcome, cfg = simulate(inputs)
        folder = tmp_path / name  # type: ignore[operator]
        write_outputs(outcome, cfg, folder, plots=True)
        digests.append({p.relative_to(folder).as_posix(): p.read_bytes()
                        for p in sorted(folder.rglob("*")) if p.is_file()})
    assert digests[0].keys() == digests[1].keys()
    assert len(digests[0]) == 8
    for key in digests[0]:
        assert digests[0][key] == digests[1][key], key
