"""Simulated slots publish EnteredCurrentState and EnteredCurrentActivity from the simulated
clock, so HTCondor's policy expressions (StateTimer = time() - EnteredCurrentState) work."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from classad.ad import ClassAd
from negotiator import ads
from negotiator.policy.accountant import AccountantState
from negotiator.policy.config import RawConfig
from negotiator.policy.settings import build_config
from negotiator.sim import pool
from negotiator.sim.engine import SimSettings, Simulation
from negotiator.sim.run import Inputs, simulate
from negotiator.sim.slots import Pool
from negotiator.sim.workload import SimJob
from tests.sim.conftest import config, generated_jobs

COOL_DOWN = 300
"""The slots' START: unclaimed for more than this many seconds (a UWCS-style StateTimer)."""
RUNTIME = 100.0
INTERVAL = 60.0


def _times(ad: ClassAd) -> tuple[object, object, object, object]:
    return (ads.text(ad, "State"), ads.text(ad, "Activity"), ad.eval("EnteredCurrentState"),
            ad.eval("EnteredCurrentActivity"))


def test_claim_reuse_release_and_carve_set_the_times() -> None:
    jobs = generated_jobs(3, 4, users=1, max_cpus=1, max_memory=512, groups=1)
    slots = Pool(pool.from_spec("1x1c:static+1x4c"), build_config(RawConfig()))
    slots.begin(100.0)
    static, pslot = slots.top
    assert _times(static.ad) == ("Unclaimed", "Idle", 100, 100)
    slots.claim(static, jobs[0], 160.0)
    assert _times(static.ad) == ("Claimed", "Busy", 160, 160)
    jobs[0].slot, jobs[0].runs = static.name, [(160.0, 250.5, 1.0)]  # it ended here at 250.5
    slots.claim(static, jobs[1], 250.5)  # the claim reused for the same submitter's next job
    assert _times(static.ad) == ("Claimed", "Busy", 160, 250)
    jobs[1].slot, jobs[1].runs = static.name, [(250.5, 400.0, 1.0)]
    slots.release(static)  # at the end of its job's last run
    assert _times(static.ad) == ("Unclaimed", "Idle", 400, 400)
    child = slots.carve(pslot, "ignored", jobs[2])
    slots.claim(child, jobs[2], 460.0)
    assert _times(child.ad) == ("Claimed", "Busy", 460, 460)
    assert pslot.ad.eval("EnteredCurrentState") == 100  # a partitionable slot stays Unclaimed
    slots.release(child, 500.0)
    assert pslot.ad.eval("EnteredCurrentState") == 100


def test_a_preempted_slot_enters_claimed_again() -> None:
    jobs = generated_jobs(5, 2, users=1, max_cpus=1, max_memory=512, groups=1)
    slots = Pool(pool.from_spec("1x1c:static"), build_config(RawConfig()))
    slots.begin(0.0)
    slot = slots.top[0]
    slots.claim(slot, jobs[0], 60.0)
    jobs[0].slot = ""  # evicted: the engine clears the slot of a job it preempts
    slots.claim(slot, jobs[1], 120.0)
    assert _times(slot.ad) == ("Claimed", "Busy", 120, 120)


def _cool_slot(name: str) -> ClassAd:
    return ads.make_ad({
        "MyType": "Machine", "Name": name, "Machine": name, "Cpus": 1, "Memory": 2048,
        "Disk": 1_000_000, "State": "Unclaimed", "Activity": "Idle", "SlotWeight": "=Cpus",
        "Rank": 0.0, "CurrentRank": 0.0,
        "Start": f"=(time() - EnteredCurrentState) > {COOL_DOWN}",
        "Requirements": "=START && TARGET.RequestCpus <= MY.Cpus"})


def _expected_starts(submits: list[float], first: float) -> list[float]:
    """One slot, FIFO: a job starts at the first cycle (every INTERVAL from `first`) at which
    it is queued, the slot is free and the slot has been in its state over COOL_DOWN s."""
    entered, free_at, out = first, first, []
    for submit in submits:
        ready = max(submit, free_at, entered + COOL_DOWN + 1e-9)
        start = first + math.ceil((ready - first) / INTERVAL) * INTERVAL
        out.append(start)
        entered = free_at = start + RUNTIME  # the job ends and the slot enters Unclaimed
    return out


SUBMITS = [0.0, 30.0, 60.0, 1700.0]
"""Three jobs at once, then one after the third has ended and the slot has cooled down (the
engine stops at a cycle without a match when nothing runs and every job has arrived)."""


def _jobs() -> list[SimJob]:
    jobs = generated_jobs(11, len(SUBMITS), users=1, max_cpus=1, max_memory=512, groups=1)
    for job, submit in zip(jobs, SUBMITS, strict=True):
        job.submit, job.runtime = submit, RUNTIME
        job.ad["QDate"] = int(job.submit)
    return jobs


@pytest.mark.parametrize("fast", [False, True])
@pytest.mark.parametrize("carry", [False, True])
def test_a_start_expression_reading_state_timer_holds_jobs_back(fast: bool, carry: bool) -> None:
    jobs = _jobs()
    sim = Simulation(jobs, [_cool_slot("slot1@cool")], config(), AccountantState(),
                     SimSettings(interval=INTERVAL, fast=fast, carry=carry))
    sim.pool.begin(0.0)
    outcome = sim.run()
    starts = [j.runs[0][0] for j in sorted(outcome.jobs, key=lambda j: j.seq)]
    assert starts == _expected_starts([j.submit for j in jobs], 0.0)
    assert starts[0] > COOL_DOWN  # without the times no job would ever start


def test_the_simulate_command_stamps_the_first_cycle(tmp_path: Path) -> None:
    """Through the front end: slots from a file, jobs from a job ad file."""
    slots_file = tmp_path / "slots.ads"
    slots_file.write_text(str(_cool_slot("slot1@cool")) + "\n")
    jobs_file = tmp_path / "jobs.ads"
    jobs_file.write_text("\n".join(
        f"[ MyType = \"Job\"; ClusterId = {n + 1}; ProcId = 0; Owner = \"u\"; "
        f"User = \"u@sim\"; JobStatus = 1; QDate = {1000 + int(submit)}; RequestCpus = 1; "
        f"RequestMemory = 100; RemoteWallClockTime = {RUNTIME}; Requirements = true ]"
        for n, submit in enumerate(SUBMITS)) + "\n")
    outcome, _ = simulate(Inputs(jobs=jobs_file, slots=slots_file, interval=INTERVAL))
    starts = [j.runs[0][0] for j in sorted(outcome.jobs, key=lambda j: j.seq)]
    assert starts == _expected_starts([1000.0 + s for s in SUBMITS], 1000.0)


def _afternoon_pool(start: str) -> list[ClassAd]:
    slots = pool.from_spec("2x1c:static")
    out = []
    for ad in slots:
        ad = ad.copy()
        ad["Start"] = ads.parse_expression(start)
        out.append(ad)
    return out


@pytest.mark.parametrize("start", ["(time() % 86400) >= 43200",
                                   "(CurrentTime % 86400) >= 43200"])
def test_a_start_that_opens_later_is_waited_for(start: str) -> None:
    """Jobs that no slot takes now, with nothing running and nothing left to arrive, end the
    run at once unless some ad reads the clock: a START open only in the afternoon is
    waited for, and the jobs run then."""
    jobs = generated_jobs(5, 3, users=1, max_cpus=1, max_memory=512, groups=1)
    for job in jobs:
        job.submit, job.runtime = 3600.0, 100.0  # 01:00, the slots open at 12:00
    outcome = Simulation(jobs, _afternoon_pool(start), config(), AccountantState(),
                         SimSettings(interval=INTERVAL)).run()
    assert outcome.stopped == "done"
    assert all(job.start >= 43200 and job.start < 43200 + 2 * INTERVAL + RUNTIME for job in jobs)


def test_a_start_that_never_opens_is_not_waited_for_beyond_a_week() -> None:
    jobs = generated_jobs(5, 1, users=1, max_cpus=1, max_memory=512, groups=1)
    jobs[0].submit = 0.0
    outcome = Simulation(jobs, _afternoon_pool("time() < 0"), config(), AccountantState(),
                         SimSettings(interval=INTERVAL)).run()
    assert outcome.stopped == "idle jobs that no slot matches"
    assert outcome.never_matched == jobs
    assert 7 * 86400 <= outcome.cycles * INTERVAL <= 7 * 86400 + 2 * INTERVAL


def test_clock_free_ads_still_end_the_run_at_once() -> None:
    jobs = generated_jobs(5, 1, users=1, max_cpus=1, max_memory=512, groups=1)
    outcome = Simulation(jobs, _afternoon_pool("false"), config(), AccountantState(),
                         SimSettings(interval=INTERVAL)).run()
    assert outcome.stopped == "idle jobs that no slot matches"
    assert outcome.cycles == 1
