"""The discrete-event loop: arrivals, job ends and negotiation cycles with an injected clock.

Every cycle is the project's own `negotiate()`; between cycles matched jobs run on their slots,
end after their run time and free (or return carved resources to) their slot. Usage is charged
as it accrues. Nothing here reads the wall clock.
"""

from __future__ import annotations

import gc
import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from classad.ad import ClassAd
from classad.ast import Literal
from classad.purity import reads_clock
from negotiator import ads
from negotiator.cycle import negotiate
from negotiator.decisions import CycleResult, Match
from negotiator.matchmaking.carryover import Carryover
from negotiator.matchmaking.idlequeue import IdleQueue
from negotiator.policy.accountant import AccountantState
from negotiator.policy.settings import NegotiatorConfig
from negotiator.sim import usage
from negotiator.sim.record import Recorder
from negotiator.sim.slots import Pool, SimSlot
from negotiator.sim.workload import SimJob

FAST_FROM = 400
"""Pools of at least this many slot ads use the columnar matcher (faster there, slower below)."""
MAX_REUSE_SCAN = 64
"""Idle jobs of the submitter looked at when a claim is reused (a budget)."""
CLOCK_PATIENCE = 7 * 86_400.0
"""With nothing running or left to arrive, idle jobs that no slot matches end the run at once,
unless an ad reads the clock (a START open only at night, a job waiting for a date): then the
run waits for a match this long (a week covers any daily or weekly schedule)."""


@dataclass(frozen=True)
class SimSettings:
    """How the simulation runs (the negotiator's own policy is in NegotiatorConfig)."""

    interval: float = 60.0
    claim_worklife: float | None = None
    """Reuse a claim for the submitter's next job while the claim is younger than this (s)."""
    max_cycles: int = 10_000_000
    fast: bool | None = None
    """negotiate()'s columnar matcher (same decisions); None: on for pools of FAST_FROM slots."""
    start: float | None = None
    """The first cycle's time (default: the first submission)."""
    run_out_budget: bool = False
    """Run exactly `max_cycles` cycles even when nothing is left to do (scenario files)."""
    skip_quiet_cycles: bool = True
    """Skip negotiate() when it provably cannot match (no idle job, or no free core and no
    preemption); the accountant is still updated for that cycle."""
    carry: bool = True
    """Keep negotiate()'s records, signer and columnar matcher from cycle to cycle (the same
    decisions, less work); off rebuilds them every cycle."""


@dataclass
class Outcome:
    """What a simulation produced."""

    jobs: list[SimJob]
    unfit: list[SimJob]
    never_matched: list[SimJob]
    state: AccountantState
    recorder: Recorder
    pool_cpus: float
    cycles: int = 0
    negotiated: int = 0
    stopped: str = "done"
    skipped: dict[str, int] = field(default_factory=dict)
    dslots: int = 0


def fits_somewhere(job: SimJob, shapes: set[tuple[float, float]]) -> bool:
    return any(job.cpus <= c and job.memory <= m for c, m in shapes)


class Simulation:
    """One run: feed jobs in at their submit times, negotiate every `interval` seconds."""

    def __init__(
        self,
        jobs: list[SimJob],
        slot_ads: list[ClassAd],
        config: NegotiatorConfig,
        state: AccountantState,
        settings: SimSettings,
        progress: Callable[[float], None] | None = None,
        on_cycle: Callable[[CycleResult | None, AccountantState], None] | None = None,
    ) -> None:
        self.config, self.settings, self.state = config, settings, state
        self.pool = Pool(slot_ads, config)
        shapes = {(ads.number(a, "Cpus", 0.0), ads.number(a, "Memory", math.inf))
                  for a in slot_ads}
        self.unfit = [j for j in jobs if not fits_somewhere(j, shapes)]
        bad = {j.seq for j in self.unfit}
        self.jobs = [j for j in jobs if j.seq not in bad]
        self.jobs.sort(key=lambda j: (j.submit, j.seq))
        self.by_id = {j.id: j for j in self.jobs}
        self.by_seq = {j.seq: j for j in self.jobs}
        self.idle: dict[int, SimJob] = {}
        #: the idle ads as negotiate() reads them, kept between cycles (with `carry`)
        self.queue = IdleQueue() if settings.carry else None
        self.idle_of: dict[str, dict[int, SimJob]] = {}
        self.ends: list[tuple[float, int, int]] = []
        self.changes: list[usage.Change] = []
        self.running = 0
        self.in_use: dict[str, float] = {}
        self.progress = progress
        self.on_cycle = on_cycle
        self.recorder = Recorder(self.pool.total_cpus)
        self.carry = Carryover() if settings.carry else None
        self._clock_known: bool | None = None
        self.preemption = config.consider_preemption and (
            config.preemption_requirements is not None or _slots_rank(slot_ads))

    # -- events between cycles -----------------------------------------------------------
    def _arrive(self, job: SimJob) -> None:
        self.idle[job.seq] = job
        self.idle_of.setdefault(job.submitter, {})[job.seq] = job
        if self.queue is not None:
            self.queue.add(job.ad)

    def _unqueue(self, job: SimJob) -> None:
        del self.idle[job.seq]
        del self.idle_of[job.submitter][job.seq]
        if self.queue is not None:
            self.queue.remove(job.ad)

    def _start(self, job: SimJob, slot: SimSlot, now: float, charge: bool) -> None:
        self._unqueue(job)
        weight = self.pool.claim(slot, job, now)
        job.start, job.slot = now, slot.name
        job.run_token += 1
        self.running += 1
        heapq.heappush(self.ends, (now + job.runtime, job.seq, job.run_token))
        self.in_use[job.submitter] = self.in_use.get(job.submitter, 0.0) + weight
        if charge:
            self.changes.append((now, job.submitter, weight, 1))

    def _stop(self, slot: SimSlot, now: float, evicted: bool) -> SimJob:
        job = slot.job
        assert job is not None
        weight = slot.weight
        job.runs.append((job.start, now, weight))
        self.running -= 1
        self.in_use[job.submitter] -= weight
        self.changes.append((now, job.submitter, -weight, -1))
        if evicted or job.requeue:
            job.evictions += 1 if evicted else 0
            job.run_token += 1  # an end event of this run is now stale
            job.start, job.slot = math.nan, ""
            self._arrive(job)
        else:
            job.end = now
        return job

    def start_running(self, job: SimJob, slot_name: str, now: float) -> None:
        """`job` already runs on `slot_name` when the simulation starts (already charged)."""
        self._arrive(job)
        self._start(job, self.pool.by_name[slot_name], now, charge=False)
        self.pool.by_name[slot_name].claim_start = now

    def _finish(self, end: float, seq: int, token: int) -> None:
        job = self.by_seq[seq]
        if job.run_token != token or not math.isnan(job.end):
            return
        slot = self.pool.by_name[job.slot]
        claim_start = slot.claim_start
        self._stop(slot, end, evicted=False)
        worklife = self.settings.claim_worklife
        if worklife is not None and end - claim_start < worklife:
            follower = self._reusable(job.submitter, slot)
            if follower is not None:
                self.pool.busy_cpus -= slot.cpus
                self._start(follower, slot, end, charge=True)
                slot.claim_start = claim_start
                return
        self.pool.release(slot)

    def _reusable(self, submitter: str, slot: SimSlot) -> SimJob | None:
        """The submitter's first idle job the claimed slot matches (the schedd's claim reuse)."""
        for index, job in enumerate(self.idle_of.get(submitter, {}).values()):
            if index >= MAX_REUSE_SCAN:
                break
            if job.cpus <= slot.cpus and ads.symmetric_match(job.ad, slot.base):
                return job
        return None

    # -- the loop ------------------------------------------------------------------------
    def run(self) -> Outcome:
        """Run to the end; the objects alive at the start (the workload's ads, the pool) are
        left out of the collector's full collections meanwhile (gc.freeze): they live as long
        as the run, and walking them again every few cycles costs more than a cycle."""
        gc.freeze()
        try:
            return self._run()
        finally:
            gc.unfreeze()

    def _run(self) -> Outcome:
        jobs, interval = self.jobs, self.settings.interval
        now = self.settings.start if self.settings.start is not None else (
            jobs[0].submit if jobs else 0.0)
        arrived = cycles = negotiated = 0
        last_match = now
        stopped = "done"
        while True:
            while True:  # arrivals and ends up to `now`, in time order (arrivals first on ties)
                next_arrival = jobs[arrived].submit if arrived < len(jobs) else math.inf
                next_end = self.ends[0][0] if self.ends else math.inf
                if min(next_arrival, next_end) > now:
                    break
                if next_arrival <= next_end:
                    self._arrive(jobs[arrived])
                    arrived += 1
                else:
                    self._finish(*heapq.heappop(self.ends))
            self.state = usage.accrue(self.state, self.changes, now, self.config.priority_halflife)
            self.changes.clear()
            result = None
            if self._may_match():
                if self.preemption:
                    self.pool.running_time(now)
                offered = self.pool.ads()
                if self.carry is not None:
                    self.carry.expect(self.pool.changed())
                fast = self.settings.fast
                if fast is None:
                    fast = len(offered) >= FAST_FROM
                idle = (self.queue if self.queue is not None
                        else [j.ad for j in self.idle.values()])
                result, self.state = negotiate(offered, idle, self.state, self.config, now,
                                               fast=fast, carry=self.carry)
                negotiated += 1
                for match in result.matches:
                    self._apply(match, now)
                if result.matches:
                    last_match = now
            cycles += 1
            self.recorder.cycle(now, result, self)
            if self.on_cycle is not None:
                self.on_cycle(result, self.state)
            if self.progress is not None:
                self.progress(now)
            if arrived >= len(jobs) and self.running == 0 and not self.settings.run_out_budget:
                if not self.idle:
                    break
                if result is not None and not result.matches and (
                        now - last_match >= CLOCK_PATIENCE or not self._clock_matters()):
                    stopped = "idle jobs that no slot matches"
                    break
            if cycles >= self.settings.max_cycles:
                stopped = f"cycle budget ({self.settings.max_cycles}) exhausted"
                break
            now = self._next_cycle(now, interval, arrived)
        never = sorted(self.idle.values(), key=lambda j: j.seq)
        return Outcome(self.jobs, self.unfit, never, self.state, self.recorder,
                       self.pool.total_cpus, cycles, negotiated, stopped,
                       dslots=self.pool.dslots_made)

    def _next_cycle(self, now: float, interval: float, arrived: int) -> float:
        """The next cycle time; an empty pool with an empty queue waits for the next arrival."""
        nxt = now + interval
        if self.running == 0 and not self.idle and arrived < len(self.jobs):
            first = self.jobs[arrived].submit
            if first > nxt:
                nxt = now + math.ceil((first - now) / interval) * interval
        return nxt

    def _clock_matters(self) -> bool:
        """Some slot ad or idle job ad holds an expression that may read the clock (or
        randomness): a match refused now may be made later."""
        if self._clock_known is None:
            self._clock_known = any(_reads_clock(slot.ad) for slot in self.pool.top)
        return self._clock_known or any(_reads_clock(job.ad) for job in self.idle.values())

    def _may_match(self) -> bool:
        if not self.idle:
            return not self.settings.skip_quiet_cycles
        if self.pool.has_free() or self.preemption:
            return True
        return not self.settings.skip_quiet_cycles

    def _apply(self, match: Match, now: float) -> None:
        """Start a matched job: on a carved dynamic slot, or on a slot (evicting its job)."""
        job = self.by_id[match.job]
        slot = self.pool.by_name[match.slot]
        if match.dslot is not None:
            slot = self.pool.carve(slot, match.dslot, job)
        elif slot.job is not None:
            self._stop(slot, now, evicted=True)
            self.pool.busy_cpus -= slot.cpus
            self._start(job, slot, now, charge=False)
            # negotiate() moved the weight from the preempted submitter to the new one already
            self.changes.pop()
            return
        slot.claim_start = now
        self._start(job, slot, now, charge=False)


def _reads_clock(ad: ClassAd) -> bool:
    return any(type(e) is not Literal and reads_clock(e) for e in ad._exprs.values())


def _slots_rank(slot_ads: list[ClassAd]) -> bool:
    """Some slot has a non-constant Rank, so a claimed slot may prefer another job."""
    for ad in slot_ads:
        expr = ad.lookup("Rank")
        if expr is not None and ads.references([expr]):
            return True
    return False
