"""`pool run`'s loop: negotiate idle jobs onto the nodes' slots, dispatch, watch, conclude."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from classad.ad import ClassAd
from executor import EngineUnavailable, ExecutorConfig, JobResult, SpecError
from executor.jobad import spec_from_ad
from negotiator import ads
from negotiator.cycle import negotiate
from negotiator.decisions import CycleResult
from negotiator.matchmaking.records import CPU_QUANTUM, request, submitter_of
from negotiator.policy.accountant import AccountantState
from negotiator.policy.store import load_state, save_state
from negotiator.pool import conclude, lease
from negotiator.pool.attempts import Launcher, Running, result_from_json, result_json, token_of
from negotiator.pool.nodes import DSlot, Node, claim_attrs, node_names, owner_label
from negotiator.pool.settings import PoolSettings
from negotiator.queue.jobqueue import Selection

IDLE, RUNNING, REMOVED, COMPLETED, HELD = 1, 2, 3, 4, 5
PING_SECONDS = 1.0
PUBLISH_SECONDS = 1.0
USAGE_SECONDS = 5.0
STATE_SAVE_SECONDS = 1.0  # the accountant's state is saved at least this often while cycling
STATE_RELOAD_SECONDS = 5.0
FAST_MATCHER_SLOTS = 128
CLAIM_WORKLIFE = 1200.0  # seconds a claim may be reused for further jobs (HTCondor's default)
REUSE_BUDGET = 64
QUEUE_CHECK_SECONDS = 0.25  # how often the queue is read for new jobs and rm/hold of running ones  # idle jobs looked at when a claim is reused  # the columnar index pays for itself only in larger pools
SANDBOX_PREFIX = "dir_"  # + the dispatch token: the attempt's sandbox directory


@dataclass
class Counters:
    """What the live view shows about the loop's work so far."""

    cycles: int = 0
    matches: int = 0
    started: int = 0
    completed: int = 0
    held: int = 0
    removed: int = 0
    evicted: int = 0
    requeued: int = 0
    adopted: int = 0
    idle_reads: int = 0  # cycles that read the idle job ads (the others had nothing to match)
    last_cycle: CycleResult | None = None
    last_cycle_seconds: float = 0.0
    events: list[str] = field(default_factory=list)

    def note(self, line: str) -> None:
        self.events.append(line)
        del self.events[:-200]


class PoolLoop:
    """The negotiator and schedd of a personal pool, in one process, over the JobQueue."""

    def __init__(self, settings: PoolSettings, queue: Any,
                 say: Callable[[str], None] | None = None) -> None:
        self.settings = settings
        self.queue = queue
        self.say = say or (lambda line: None)
        self.running: dict[str, Running] = {}
        self.launcher = Launcher(settings.max_starts)
        self.state: AccountantState = load_state(settings.state_path, create=True)
        self.counters = Counters()
        self.nodes: list[Node] = []
        self.last_cycle = -math.inf
        self.last_periodic = -math.inf
        self.last_ping = -math.inf
        self.last_publish = -math.inf
        self.last_usage = time.time()
        self.last_save = self.last_reload = self.last_grew_check = self.last_actions = -math.inf
        self.idle_by_submitter: dict[str, deque[ClassAd]] = {}
        self.seen_queue: tuple[int, int] = (0, 0)
        self.dirty = True  # something changed that a new cycle could use

    # -- start-up ---------------------------------------------------------------------------
    def start(self) -> None:
        """Reach the nodes, name them, and reconcile the queue with the containers found."""
        base = self._executor_config()
        nodes = [Node(url, url, dataclasses.replace(base, instance=owner_label(
            str(self.settings.directory), url)), cpus=self.settings.node_cpus,
            memory=self.settings.node_memory) for url in self.settings.nodes]
        for node in nodes:
            if not node.connect():
                node.down_since = time.time()
                self._event(f"node {node.url} does not answer: {node.error}")
        names = node_names([n.host() if n.alive else _url_host(n.url) for n in nodes])
        for node, name in zip(nodes, names, strict=True):
            node.name = name
        self.nodes = nodes
        self._adopt_queue()
        for node in self.nodes:
            if node.alive:
                self._recover(node)
            elif node.down_since is not None:  # the lease runs from our start (no contact since)
                for run in lease.born_disconnected(self.running.values(), node, node.down_since):
                    self._event(f"job {run.job_id}: its node {node.name} does not answer, "
                                "attempting to reconnect")

    def _executor_config(self) -> ExecutorConfig:
        extra: dict[str, Any] = {
            "vacate_timeout": self.settings.vacate_timeout,
            "engine_timeout": 2 * self.settings.lease + 60.0,
        }
        if self.settings.job_uid is not None:
            extra["uid"], extra["gid"] = self.settings.job_uid
        return ExecutorConfig(**extra)

    def _node(self, url: str) -> Node | None:
        return next((n for n in self.nodes if n.url == url), None)

    def _adopt_queue(self) -> None:
        """Rebuild the dynamic slots and attempts the queue says are running (after a restart)."""
        for ad in self.queue.with_status(RUNNING):
            job_id = _job_id(ad)
            node = self._node(ads.text(ad, "PoolNode") or "")
            token = ads.text(ad, "PoolDispatch")
            if node is None or token is None:
                self._requeue(job_id, ad, time.time(), "its execute node is no longer configured")
                continue
            dslot = DSlot(ads.text(ad, "RemoteHost") or node.next_dslot_name(), job_id,
                          int(ads.number(ad, "PoolSlotCpus", 1)), int(ads.number(ad, "PoolSlotMemory", 0)),
                          int(ads.number(ad, "PoolSlotDisk", 0)), submitter_of(ad), ad,
                          ads.number(ad, "JobCurrentStartDate", time.time()))
            node.note_dslot_name(dslot.name)
            node.dslots[dslot.name] = dslot
            try:
                spec = spec_from_ad(ad)
            except SpecError:
                spec = None
            if spec is None:
                node.dslots.pop(dslot.name, None)
                self._requeue(job_id, ad, time.time(), "its job ad no longer reads as a job")
                continue
            run = Running(job_id, token, node, dslot, spec, self._sandbox(node, token),
                          started=dslot.started)
            outcome = ads.text(ad, "PoolOutcome")
            if outcome:
                run.result = result_from_json(outcome)
            self.running[job_id] = run

    def _recover(self, node: Node) -> None:
        """Adopt (running) or collect (finished) this node's containers; drop stale ones."""
        from executor.recovery import recover

        # containers of attempts we still follow (a node that answers again) are not adopted twice
        followed = {os.path.realpath(r.sandbox) for r in self.running.values()
                    if r.node is node and r.attempt is not None}
        try:
            found = recover(node.executor, skip=followed)
        except (EngineUnavailable, OSError) as err:
            self._event(f"cannot list containers on {node.name}: {err}")
            return
        present = set(found.skipped) | {os.path.realpath(a.sandbox) for a in found.attempts}
        back, lost = lease.reconnect(self.running.values(), node, present)
        for run in back:
            self._event(f"job {run.job_id}: reconnected to {run.dslot.name}")
        for run in lost:
            self._event(f"job {run.job_id}: not found on {node.name} any more"
                        + (", job re-queued" if run.cancel == "lease" else ""))
        by_token = {os.path.basename(a.sandbox).removeprefix(SANDBOX_PREFIX): a for a in found.attempts}
        for run in [r for r in self.running.values() if r.node is node and r.attempt is None
                    and r.launching is None]:
            attempt = by_token.pop(run.token, None)
            if attempt is not None:
                run.attempt = attempt
                self.counters.adopted += 1
                self._event(f"job {run.job_id}: adopted container {attempt.handle.name if attempt.handle else '?'}")
            elif run.result is None:
                # no container and no recorded end: it was never created (our crash came first)
                del self.running[run.job_id]
                node.dslots.pop(run.dslot.name, None)
                _remove_tree(run.sandbox)
                ad = self.queue.get(run.job_id)
                if ad is not None:
                    self._requeue(run.job_id, ad, time.time(), "its start was interrupted", revert=True)
        for attempt in by_token.values():  # containers of attempts the queue no longer runs
            if attempt.handle is not None:
                node.executor.release(attempt.handle)
            _remove_tree(attempt.sandbox)
            self._event(f"removed stale container for {attempt.spec.job_id}")
        self._resend_kills(node)

    def _resend_kills(self, node: Node) -> None:
        """The shadow's remove_requested: a kill sent while the node was away is sent again once
        it answers, so a removed or held job's container stops (and ends as removed/held)."""
        for run in list(self.running.values()):
            if (run.node is node and run.cancel in ("remove", "hold", "evict") and run.result is None
                    and run.attempt is not None and run.attempt.handle is not None):
                self._cancel(run)
                self._event(f"job {run.job_id}: kill sent again to {node.name} ({run.cancel})")

    # -- the pass -----------------------------------------------------------------------------
    def step(self, now: float | None = None) -> None:
        now = time.time() if now is None else now
        if now - self.last_ping >= PING_SECONDS:
            self.last_ping = now
            self._check_nodes(now)
        if now - self.last_actions >= QUEUE_CHECK_SECONDS:
            self.last_actions = now
            self._reconcile_actions(now)
        self._progress(now)
        if now - self.last_periodic >= self.settings.periodic_interval:
            self.last_periodic = now
            self._periodic(now)
        if self._cycle_due(now):
            self._cycle(now)
        if now - self.last_usage >= USAGE_SECONDS:
            self._note_usage(now)
        if now - self.last_publish >= PUBLISH_SECONDS:
            self.publish(now)

    def _cycle_due(self, now: float) -> bool:
        since = now - self.last_cycle
        if since >= self.settings.interval:
            return True
        if since < self.settings.min_interval:
            return False
        if not self.dirty and now - self.last_grew_check >= QUEUE_CHECK_SECONDS and self._queue_grew(now):
            self.dirty = True  # condor_submit's reschedule: new idle jobs get a cycle soon
        return self.dirty

    def _queue_grew(self, now: float) -> bool:
        self.last_grew_check = now
        seen = (int(self.queue.peek_cluster_id()), int(self.queue.count_by_status().get(IDLE, 0)))
        grew = seen[0] != self.seen_queue[0] or seen[1] > self.seen_queue[1]
        self.seen_queue = seen
        return grew

    def idle_work(self) -> bool:
        """Jobs still to run or running (held jobs wait for a release and do not count)."""
        if self.running:
            return True
        counts = self.queue.count_by_status()
        return bool(counts.get(IDLE) or counts.get(REMOVED))

    # -- nodes --------------------------------------------------------------------------------
    def _check_nodes(self, now: float) -> None:
        for node in self.nodes:
            was = node.alive
            node.ping()
            if node.alive and not was:
                self._event(f"node {node.name} answers again")
                self._recover(node)
                self.dirty = True
            elif was and not node.alive:
                self._event(f"node {node.name} stopped answering")
            if node.alive:
                continue
            for run in lease.disconnect(self.running.values(), node, now):
                self._event(f"job {run.job_id}: disconnected from {node.name}, attempting to reconnect")
            if node.down_since is not None and now - node.down_since >= self.settings.lease:
                for run in lease.expire(self.running.values(), node, self.settings.lease):
                    self._event(f"job {run.job_id}: node {node.name} lost for "
                                f"{self.settings.lease:g} s, job "
                                + ("re-queued" if run.cancel == "lease" else f"ends ({run.cancel})"))

    # -- queue actions on running jobs --------------------------------------------------------
    def _reconcile_actions(self, now: float) -> None:
        if not self.running:
            return
        ids = tuple(_id_pair(job_id) for job_id, run in self.running.items() if run.cancel is None)
        if not ids:
            return
        for ad in self.queue.select(Selection(ids=ids, statuses=(REMOVED, HELD))):
            run = self.running.get(_job_id(ad))
            if run is None or run.cancel is not None:
                continue
            kind = "remove" if int(ads.number(ad, "JobStatus", 0)) == REMOVED else "hold"
            run.cancel = kind
            run.cancel_reason = ads.text(ad, "HoldReason" if kind == "hold" else "RemoveReason") or ""
            self._cancel(run)

    def _cancel(self, run: Running) -> None:
        hold = run.cancel == "hold"
        if run.attempt is not None and run.attempt.handle is not None and run.result is None:
            with contextlib.suppress(KeyError, EngineUnavailable, OSError):
                run.node.executor.cancel(run.attempt.handle, hold=hold, reason=run.cancel_reason)
        elif run.attempt is not None and run.attempt.handle is None and run.result is None:
            run.result = JobResult("removed")

    # -- attempts -----------------------------------------------------------------------------
    def _progress(self, now: float) -> None:
        for run in list(self.running.values()):
            if run.launching is not None and run.launching.done():
                self._launched(run, now)
            if run.job_id not in self.running:
                continue
            if run.attempt is not None and run.result is None and run.finishing is None \
                    and run.attempt.handle is not None and run.node.alive:
                try:
                    run.result = run.node.executor.poll(run.attempt.handle)
                except KeyError:
                    run.result = JobResult("removed")
            if run.result is not None and run.finishing is None and run.launching is None:
                self._end(run, now)
            if run.finishing is not None and run.finishing.done():
                self._concluded(run, now)

    def _launched(self, run: Running, now: float) -> None:
        assert run.launching is not None
        try:
            run.attempt = run.launching.result()
        except EngineUnavailable as err:
            run.launching = None
            self._drop(run)
            ad = self.queue.get(run.job_id)
            if ad is not None:
                self._requeue(run.job_id, ad, now, f"engine unavailable: {err}", revert=True)
            return
        except Exception as err:  # a job that cannot be set up is held, never lost
            run.launching = None
            run.result = JobResult.held(6, 0, f"Error starting the job: {' '.join(str(err).split())}")
            return
        run.launching = None
        if run.attempt.early is not None:
            run.result = run.attempt.early
        elif run.cancel in ("remove", "hold", "evict"):
            self._cancel(run)

    def _end(self, run: Running, now: float) -> None:
        """The container has ended: record the outcome first, then transfer and log off-thread."""
        assert run.result is not None
        if run.cancel in ("evict", "lease"):
            self.launcher.evict(run)
            return
        self.queue.update(run.job_id, {"PoolOutcome": result_json(run.result)}, now=now)
        if run.cancel is None:
            run.exit_verdict = conclude.exit_policy(self.queue.get(run.job_id), run.result)
        self.launcher.finish(run, run.result)
        # the container is gone: its claim can take the next job while the output moves
        if run.dslot.successor is None and self._reuse(run.node, run.dslot, now):
            run.reused = True

    def _concluded(self, run: Running, now: float) -> None:
        assert run.finishing is not None
        try:
            final = run.finishing.result()
        except Exception as err:  # never lose the job: hold it with what went wrong
            final = JobResult.held(12, 0, f"Error finishing the job: {' '.join(str(err).split())}",
                                   usage=run.result.usage if run.result else None)
        self._drop(run)
        ad = self.queue.get(run.job_id)
        if ad is not None:
            kind = conclude.apply(self.queue, run, ad, final, now)
            setattr(self.counters, kind, getattr(self.counters, kind) + 1)
            self._event(f"job {run.job_id}: {conclude.describe(kind, final)}")
        successor = run.dslot.successor
        if successor is not None:
            self._start_successor(run, successor, now)
        elif not run.reused and run.cancel not in ("evict", "lease"):
            self._reuse(run.node, run.dslot, now)

    def _reuse(self, node: Node, old: DSlot, now: float) -> bool:
        """The schedd's claim reuse: the submitter's next idle job that fits and matches the
        dynamic slot starts on it at once, without a negotiation (up to CLAIM_WORKLIFE)."""
        waiting = self.idle_by_submitter.get(old.submitter)
        if not waiting or not node.alive or now - old.claimed >= CLAIM_WORKLIFE:
            return False
        slot = node.dynamic_ad(old, now, claim_attrs(old.job))
        for _ in range(min(len(waiting), REUSE_BUDGET)):
            job = waiting.popleft()
            job_id = _job_id(job)
            if job_id in self.running:
                continue
            cpus, memory, disk = request(job, slot)
            if cpus > old.cpus or memory > old.memory or disk > old.disk:
                continue
            if not ads.symmetric_match(job, slot):
                continue
            fresh = DSlot(old.name, job_id, old.cpus, old.memory, old.disk, old.submitter, job, now,
                          claimed=old.claimed)
            if self._start(node, fresh, job, now):
                return True
        return False

    def _drop(self, run: Running) -> None:
        self.running.pop(run.job_id, None)
        if run.dslot.successor is None and run.node.dslots.get(run.dslot.name) is run.dslot:
            run.node.dslots.pop(run.dslot.name, None)
            self.dirty = True  # resources came back to the partitionable slot

    def _requeue(self, job_id: str, ad: ClassAd, now: float, why: str, *, revert: bool = False) -> None:
        attrs: dict[str, Any] = {"PoolDispatch": None, "PoolOutcome": None, "RemoteHost": None,
                                 "PoolNode": None}
        if revert:
            attrs["NumJobStarts"] = max(0, int(ads.number(ad, "NumJobStarts", 1)) - 1)
        self.queue.update(job_id, attrs, status=IDLE, expect_status=RUNNING, now=now)
        self.counters.requeued += 1
        self._event(f"job {job_id}: back to idle ({why})")
        self.dirty = True

    # -- periodic policy ----------------------------------------------------------------------
    def _periodic(self, now: float) -> None:
        if conclude.periodic_policy(self.queue, self.running, now):
            self.dirty = True  # a job was released
        self._reconcile_actions(now)

    # -- negotiation --------------------------------------------------------------------------
    def slot_ads(self, now: float) -> list[ClassAd]:
        out = []
        for node in self.nodes:
            if not node.alive:
                continue
            out.append(node.partitionable_ad(now))
            out.extend(node.dynamic_ad(d, now, claim_attrs(d.job))
                       for d in node.dslots.values() if d.successor is None)
        return out

    def _can_match(self, slots: list[ClassAd]) -> bool:
        """Could a cycle start a job: a node with a cpu free, or claims that preemption may take?"""
        if any(n.alive and n.free()[0] >= CPU_QUANTUM for n in self.nodes):
            return True
        config = self.settings.negotiator
        return config.consider_preemption and (config.preemption_requirements is not None
                                               or any(_ranks_jobs(ad) for ad in slots))

    def _cycle(self, now: float) -> None:
        self.last_cycle, self.dirty = now, False
        idle = int(self.queue.count_by_status().get(IDLE, 0))  # an index count: no ad is read
        self.seen_queue = (self.queue.peek_cluster_id(), idle)
        slots = self.slot_ads(now)
        if not slots:
            return
        # the idle ads are read only when a match is possible; the accountant still runs each cycle
        fresh = bool(idle) and self._can_match(slots)
        jobs: list[ClassAd] = []
        if fresh:
            waiting = {r.dslot.successor for r in self.running.values() if r.dslot.successor}
            jobs = [ad for ad in self.queue.with_status(IDLE) if _job_id(ad) not in waiting]
        began = time.perf_counter()
        if now - self.last_reload >= STATE_RELOAD_SECONDS:  # `pool userprio -setfactor` edits it
            self.state, self.last_reload = load_state(self.settings.state_path, create=True), now
        result, state = negotiate(slots, jobs, self.state, self.settings.negotiator, now,
                                  fast=len(slots) >= FAST_MATCHER_SLOTS)
        self.state = state
        if result.matches or now - self.last_save >= STATE_SAVE_SECONDS:
            save_state(self.settings.state_path, state)  # one transaction: old or new state
            self.last_save = now
        self.counters.cycles += 1
        self.counters.last_cycle = result
        self.counters.last_cycle_seconds = time.perf_counter() - began
        self.counters.matches += len(result.matches)
        self.counters.idle_reads += fresh
        if not fresh:  # claim reuse keeps the waiting jobs it had
            return
        matched = {m.job for m in result.matches}
        self.idle_by_submitter = {}
        for ad in jobs:
            if _job_id(ad) not in matched:
                self.idle_by_submitter.setdefault(submitter_of(ad), deque()).append(ad)
        by_id = {_job_id(ad): ad for ad in jobs}
        by_slot = {ads.text(ad, "Name"): ad for ad in slots}
        for match in result.matches:
            job = by_id.get(match.job)
            slot = by_slot.get(match.slot)
            if job is None or slot is None:
                continue
            if ads.is_true(ads.attr(slot, "PartitionableSlot")):
                self._place(job, slot, now)
            else:
                self._preempt(job, match.slot, now)

    def _place(self, job: ClassAd, slot: ClassAd, now: float) -> None:
        node = self._node(ads.text(slot, "PoolNodeUrl") or "")
        if node is None or not node.alive:
            return
        cpus, memory, disk = request(job, node.partitionable_ad(now))
        free = node.free()
        if cpus > free[0] or memory > free[1] or disk > free[2]:
            return
        dslot = DSlot(node.next_dslot_name(), _job_id(job), cpus, memory, disk, submitter_of(job),
                      job, now)
        self._start(node, dslot, job, now)

    def _preempt(self, job: ClassAd, dslot_name: str, now: float) -> None:
        for run in self.running.values():
            if run.dslot.name == dslot_name and run.dslot.successor is None and run.cancel is None:
                run.dslot.successor = _job_id(job)
                run.cancel = "evict"
                self._cancel(run)
                self._event(f"job {run.job_id}: preempted on {dslot_name} for job {_job_id(job)}")
                return

    def _start_successor(self, old: Running, job_id: str, now: float) -> None:
        dslot = old.dslot
        dslot.successor = None
        ad = self.queue.get(job_id)
        if ad is None or int(ads.number(ad, "JobStatus", 0)) != IDLE or not old.node.alive:
            old.node.dslots.pop(dslot.name, None)
            return
        fresh = DSlot(dslot.name, job_id, dslot.cpus, dslot.memory, dslot.disk, submitter_of(ad), ad, now)
        old.node.dslots.pop(dslot.name, None)
        self._start(old.node, fresh, ad, now)

    def _start(self, node: Node, dslot: DSlot, job: ClassAd, now: float) -> bool:
        """Intent before action: the queue records the start, then the container is made."""
        job_id = _job_id(job)
        found = self.queue.get(job_id)  # the cycle's copy may be stale (NumJobStarts, status)
        if found is None or int(ads.number(found, "JobStatus", 0)) != IDLE:
            return False
        job = found
        try:
            spec = spec_from_ad(job)
        except SpecError as err:
            self.queue.update(job_id, {"HoldReason": f"Cannot run the job: {err}", "HoldReasonCode": 6,
                                       "HoldReasonSubCode": 0}, status=HELD, expect_status=IDLE, now=now)
            conclude.log_held(job, f"Cannot run the job: {err}", 6, 0)
            return False
        start = int(ads.number(job, "NumJobStarts", 0)) + 1
        token = token_of(job_id, start)
        attrs: dict[str, Any] = {
            "NumJobStarts": start, "RemoteHost": dslot.name, "PoolNode": node.url,
            "PoolDispatch": token, "PoolOutcome": None, "PoolSlotCpus": dslot.cpus,
            "PoolSlotMemory": dslot.memory, "PoolSlotDisk": dslot.disk,
            "JobCurrentStartDate": int(now), "ShadowBday": int(now),
        }
        if "jobstartdate" not in job._exprs:
            attrs["JobStartDate"] = int(now)
        if not self.queue.update(job_id, attrs, status=RUNNING, expect_status=IDLE, now=now):
            return False  # held or removed since the cycle read it
        node.dslots[dslot.name] = dslot
        run = Running(job_id, token, node, dslot, spec, self._sandbox(node, token), started=now)
        self.running[job_id] = run
        config = dataclasses.replace(node.config, slot_name=dslot.name.partition("@")[0])
        self.launcher.launch(run, config, job.to_string("old"))
        self.counters.started += 1
        return True

    def _sandbox(self, node: Node, token: str) -> str:
        index = self.nodes.index(node) + 1 if node in self.nodes else 0
        return str(self.settings.execute_dir / f"node{index}" / f"{SANDBOX_PREFIX}{token}")

    # -- what others read ---------------------------------------------------------------------
    def _note_usage(self, now: float) -> None:
        self.last_usage = now
        for run in self.running.values():
            if run.attempt is None or run.attempt.handle is None or run.result is not None:
                continue
            try:
                usage = run.node.executor.usage(run.attempt.handle)
            except (KeyError, EngineUnavailable, OSError):
                continue
            self.queue.update(run.job_id, {"MemoryUsage": usage.peak_memory_mb,
                                           "ResidentSetSize": usage.peak_rss_kb,
                                           "RemoteUserCpu": round(usage.user_cpu_seconds, 3),
                                           "RemoteSysCpu": round(usage.sys_cpu_seconds, 3)}, now=now)

    def publish(self, now: float) -> None:
        self.last_publish = now
        ads_out = self.slot_ads(now)
        for node in self.nodes:
            if not node.alive:
                ad = node.partitionable_ad(now)
                ad["State"], ad["Activity"] = "Owner", "Idle"
                ad["PoolNodeError"] = node.error or "not answering"
                ads_out.append(ad)
        self.queue.publish_slots(ads_out, now)

    def close(self) -> None:
        """Stop watching; containers keep running and a new loop adopts them."""
        self.launcher.shutdown()
        save_state(self.settings.state_path, self.state)
        for node in self.nodes:
            if node.executor is not None:
                node.executor.close()

    def _event(self, line: str) -> None:
        self.counters.note(line)
        self.say(line)


def _id_pair(job_id: str) -> tuple[int, int | None]:
    cluster, _, proc = job_id.partition(".")
    return int(cluster), int(proc)


def _job_id(ad: ClassAd) -> str:
    return f"{int(ads.number(ad, 'ClusterId', 0))}.{int(ads.number(ad, 'ProcId', 0))}"


def _ranks_jobs(slot: ClassAd) -> bool:
    """A Rank that reads the job: a claimed slot may prefer another job (rank preemption)."""
    expr = slot.lookup("Rank")
    return expr is not None and bool(ads.references([expr]))


def _url_host(url: str) -> str:
    rest = url.split("://", 1)[-1]
    return rest.rsplit("/", 1)[-1] or rest


def _remove_tree(path: str) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
