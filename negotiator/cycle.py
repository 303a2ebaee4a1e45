"""One negotiation cycle: `negotiate(pool, jobs, state, config, now) -> (decisions, new state)`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from classad import ast
from classad.ad import ClassAd, to_expr
from classad.clock import fixed_clock
from classad.purity import is_self_contained
from negotiator import ads
from negotiator.decisions import CycleResult, GroupOutcome, Match, SubmitterOutcome, Turn
from negotiator.matchmaking.autocluster import Signer
from negotiator.matchmaking.carryover import Carryover
from negotiator.matchmaking.gcpause import collector_paused
from negotiator.matchmaking.idlequeue import IdleQueue
from negotiator.matchmaking.listing import Listing, ListListing
from negotiator.matchmaking.matching import (
    Candidate,
    Claim,
    Policy,
    candidates,
    rank_may_preempt,
    still_matches,
)
from negotiator.matchmaking.pending import ListPending, Pending, QueuePending
from negotiator.matchmaking.pooltotals import PoolTotals
from negotiator.matchmaking.prefilter import FastMatcher
from negotiator.matchmaking.records import (
    CARVED_KEYS,
    Job,
    Slot,
    build_jobs,
    build_slots,
    carve,
    not_idle,
    request,
)
from negotiator.policy import accountant, hgq
from negotiator.policy.accountant import AccountantState
from negotiator.policy.groups import ROOT, GroupTree, assign_quotas, assigned_group, build_tree
from negotiator.policy.pie import Limits, admits, shares, starvation, submitter_limit
from negotiator.policy.settings import NegotiatorConfig


def negotiate(
    pool: Sequence[ClassAd],
    jobs: Sequence[ClassAd] | IdleQueue,
    state: AccountantState,
    config: NegotiatorConfig,
    now: float,
    *,
    fast: bool = True,
    stats: dict[str, float] | None = None,
    carry: Carryover | None = None,
) -> tuple[CycleResult, AccountantState]:
    """Run one cycle at time `now`; the inputs are not modified. ClassAd time builtins
    (`time()`, `currentTime()`...) read `now` during the cycle, so a cycle is a pure function of
    its inputs and its time, and a simulated pool's expressions see simulated time.

    `fast` finds candidates with the columnar index (same decisions as the pair-by-pair path);
    `stats`, when given, receives the matcher's counters and phase seconds; `carry`, when
    given, keeps records, signer and matcher for the next cycle (same decisions; see
    matchmaking.carryover for its contract). `jobs` may be a kept `IdleQueue` (same
    decisions as its ads given as a list; see matchmaking.idlequeue).
    """
    with collector_paused(), fixed_clock(now):
        state = accountant.update_priorities(state, now, config.priority_halflife)
        slots = build_slots(pool, config) if carry is None else carry.slots(pool, config)
        queue = jobs if isinstance(jobs, IdleQueue) and jobs.plain else None
        skipped: list[tuple[str, str]] = []
        if queue is None:
            listed = jobs.ads() if isinstance(jobs, IdleQueue) else jobs
            if carry is None:
                idle, skipped = build_jobs(listed), not_idle(listed)
            else:
                idle, skipped = carry.jobs(listed)
        engine = _Engine(slots, ListPending(idle) if queue is None else queue, state, config,
                         now, fast, carry)
        engine.run()
        if stats is not None and engine.matcher is not None:
            stats.update(engine.matcher.stats)
            stats.update({f"seconds_{k}": v for k, v in engine.matcher.seconds.items()})
        result = replace(engine.result(), skipped=tuple(skipped))
        return result, engine.new_state()


@dataclass
class _Turn:
    """Book-keeping of one submitter's turn."""

    limit: float
    limit_unclaimed: float
    used: float = 0.0
    used_unclaimed: float = 0.0
    limited: bool = False
    first_cost: float = 0.0


class _Engine:
    """The mutable working state of one cycle; only `negotiate` creates it."""

    def __init__(
        self,
        slots: list[Slot],
        jobs: ListPending | IdleQueue,
        state: AccountantState,
        config: NegotiatorConfig,
        now: float,
        fast: bool = False,
        carry: Carryover | None = None,
    ) -> None:
        self.config, self.state, self.now = config, state, now
        self.policy = Policy.from_config(config)
        self.weight_expr = ads.parse_expression(config.slot_weight)
        self.tree: GroupTree = build_tree(config)
        self.all_slots = len(slots)
        # the pool's sums: kept by the carryover, or made from the records (once per cycle)
        kept = carry.totals if carry is not None and carry.by_index is not None else None
        totals = kept if kept is not None else PoolTotals.of(slots)
        self.usage: dict[str, float] = dict(totals.usage)
        self.counts: dict[str, int] = dict(totals.counts)
        self.pool_weight = (totals.pool_weight if totals.exact
                            else sum(slot.weight for slot in slots))
        self.min_weight = totals.min_weight
        #: unclaimed static slots still unmatched (CycleResult.idle_slots)
        self.idle_static = totals.idle_static
        #: per remote submitter: the Remote* attributes PREEMPTION_REQUIREMENTS/RANK read
        self._remote_attrs: dict[str, dict[str, ast.Expr]] = {}
        self._quotas = (assign_quotas(self.tree, self.pool_weight,
                                      config.allow_quota_oversubscription)
                        if self.tree.enabled else {})
        #: may a claimed slot be a candidate at all (else the matcher leaves them out at once)
        self.claims_open = _remote_readable(slots, self.policy, carry)
        if self.claims_open:
            self.slots = {s.index: self._with_remote_attrs(s) for s in slots}
        elif carry is not None and carry.by_index is not None:
            self.slots = dict(carry.by_index)
        else:
            self.slots = {s.index: s for s in slots}
        self.signer = (Signer([s.ad for s in slots], config) if carry is None
                       else carry.signer(slots, config, len(jobs) if isinstance(jobs, IdleQueue)
                                         else jobs.waiting()))
        #: each submitter's idle jobs in queue order; matched ones are taken out
        self.pending: Pending = (QueuePending(jobs, self.signer) if isinstance(jobs, IdleQueue)
                                 else jobs)
        self.idle_jobs = {name: self.pending.count(name) for name in self.pending.names()}
        names = sorted(set(self.idle_jobs) | set(self.usage))
        self.group_of = {n: assigned_group(self.tree, n) for n in names}
        self.eup = {n: accountant.effective_priority(n, state, config) for n in names}
        self.rejected: set[tuple[str, tuple[object, ...]]] = set()
        self.rejected_jobs: list[str] = []
        self.matches: list[Match] = []
        self.first_limits: dict[str, tuple[float, float]] = {}
        self.spins = 0
        self.turns: list[Turn] = []
        self.hgq_report: dict[str, tuple[float, float, float, float]] | None = None
        self.matcher: FastMatcher | None = None
        if fast and self.slots:
            self.matcher = (FastMatcher(self.slots, self.policy, self.claims_open)
                            if carry is None
                            else carry.matcher(self.slots, self.policy, self.claims_open))
        #: the last carve priced by `_cost`: (slot, job view, result), reused by `_bind`
        self._carved: tuple[Slot, ClassAd, tuple[Slot, str, float]] | None = None
        #: the cost of carving a request from a slot, until the next carve
        self._costs: dict[tuple[int, tuple[int, int, int]], tuple[Slot, float]] = {}
        self._requests: dict[int, tuple[ClassAd, tuple[int, int, int]]] = {}

    # -- usage ---------------------------------------------------------------------------
    def _charge(self, name: str, weight: float, count: int) -> None:
        self.usage[name] = self.usage.get(name, 0.0) + weight
        self.counts[name] = self.counts.get(name, 0) + count

    def group_usage(self, group: str) -> float:
        return math.fsum(u for n, u in self.usage.items() if self.group_of.get(n, ROOT) == group)

    def subtree_usage(self, group: str) -> float:
        inside = {group, *self.tree.children_walk(group)}
        return math.fsum(u for n, u in self.usage.items() if self.group_of.get(n, ROOT) in inside)

    def _with_remote_attrs(self, slot: Slot) -> Slot:
        if slot.remote is None:
            return slot
        ad = slot.ad.copy()
        found = self._remote_attrs.get(slot.remote)
        if found is None:
            found = self._remote_attrs[slot.remote] = self._remote_values(slot.remote)
        for name, value in found.items():
            ad[name] = value
        return Slot(
            slot.index, slot.name, ad, slot.weight, slot.partitionable, slot.remote, slot.carved
        )

    def _remote_values(self, remote: str) -> dict[str, ast.Expr]:
        """HTCondor's ephemeral Remote* attributes for a slot claimed by `remote`, as of the
        cycle's start: its priority, usage, group, the group's usage and (with HGQ) quota."""
        group = assigned_group(self.tree, remote)
        values: dict[str, object] = {
            "RemoteUserPrio": accountant.effective_priority(remote, self.state, self.config),
            "RemoteGroup": group,
            "RemoteNegotiatingGroup": group,
            "RemoteUserResourcesInUse": self.usage.get(remote, 0.0),
        }
        quota = self._quotas.get(group)
        if quota is not None and group != ROOT:
            values["RemoteGroupResourcesInUse"] = math.fsum(
                u for n, u in self.usage.items() if assigned_group(self.tree, n) == group)
            values["RemoteGroupQuota"] = quota.quota
        return {name: to_expr(value) for name, value in values.items()}

    # -- the cycle -----------------------------------------------------------------------
    def run(self) -> None:
        if self.tree.enabled:
            hgq.negotiate_all_groups(self)
        else:
            self.negotiate_with_group(sorted(self.idle_jobs), None, None)

    def negotiate_with_group(
        self, names: list[str], group: str | None, quota: float | None
    ) -> None:
        """Spin the pie over `names` until nothing changes (HTCondor's negotiateWithGroup)."""
        active = [n for n in names if self.pending.count(n)]
        order: list[str] = []
        spin = 0
        while active and self.slots:
            spin += 1
            self.spins += 1
            pie = shares({n: self.eup[n] for n in active})
            pool = self.pool_weight if quota is None else min(self.pool_weight, quota)
            limits = {n: self._limits(n, pie[n], pool, group, quota) for n in active}
            if spin == 1:
                order = self._submitter_order(active, limits)
            pie_left = sum(lim.claimed for lim in limits.values())
            pie_start, removed = pie_left, set()
            for name in order:
                if name not in active or not self.slots:
                    continue
                ignore = spin == 1 and self.config.consider_preemption
                if (
                    group is not None
                    and quota is not None
                    and self.group_usage(group) >= quota
                    and not ignore
                ):
                    break
                lim = self._limits(name, pie[name], pool, group, quota)
                if spin > 1 and self._crumb(lim, pie_left):
                    continue
                self.first_limits.setdefault(name, (lim.unclaimed, pie[name]))
                turn = _Turn(min(lim.claimed, pie_left), min(lim.unclaimed, pie_left))
                self.negotiate_submitter(name, turn, ignore, group, quota)
                self.turns.append(
                    Turn(
                        name,
                        spin,
                        turn.limit,
                        turn.limit_unclaimed,
                        turn.used,
                        turn.used_unclaimed,
                        turn.first_cost,
                    )
                )
                pie_left -= turn.used
                if not turn.limited:
                    removed.add(name)
            active = [n for n in active if n not in removed]
            if not (pie_left < pie_start or removed):
                break

    def _submitter_order(self, active: list[str], limits: dict[str, Limits]) -> list[str]:
        """Best EUP first, then the least starved (usage / (usage + limit)), then by name."""

        def key(name: str) -> tuple[float, float, str]:
            used = self.usage.get(name, 0.0)
            return (self.eup[name], starvation(used, limits[name].claimed), name)

        return sorted(active, key=key)

    def _crumb(self, limit: Limits, pie_left: float) -> bool:
        """In spins after the first, a limit or pie below the smallest slot weight is skipped."""
        if self.config.crumb_policy != "htcondor":
            return False
        return limit.claimed < self.min_weight or pie_left < self.min_weight

    def _limits(
        self, name: str, share: float, pool: float, group: str | None, quota: float | None
    ) -> Limits:
        customer = self.state.customers.get(name)
        headroom = None if group is None or quota is None else quota - self.group_usage(group)
        return submitter_limit(
            share,
            pool,
            self.usage.get(name, 0.0),
            group_headroom=headroom,
            ceiling=customer.ceiling if customer else None,
            consider_preemption=self.config.consider_preemption,
            ignore_priorities=self.config.ignore_user_priorities,
        )

    def negotiate_submitter(
        self, name: str, turn: _Turn, ignore: bool, group: str | None, quota: float | None
    ) -> None:
        """Offer slots to `name`'s jobs in queue order until its limit or its jobs run out."""
        cache: dict[tuple[object, ...], Listing] = {}
        # signature -> number of matches when its last job was blocked by the limits: until
        # the next match nothing it depends on changes, so its next jobs are blocked too
        blocked_at: dict[tuple[object, ...], int] = {}
        walk = self.pending.walk(name, self.rejected, blocked_at, self.matches)
        for job in walk:
            if not self.slots:
                turn.limited = True
                return
            signature = self.signer.signature(job.ad)
            if (name, signature) in self.rejected:
                continue
            if blocked_at.get(signature) == len(self.matches):
                turn.limited = True
                if not ignore:
                    return
                continue
            ad = self._job_view(job, group, quota)
            listed = cache.get(signature)
            if listed is None:
                key = None if self.signer.reads_view(job.ad) else self.signer.slot_key(job.ad)
                listed = cache[signature] = self._candidates(ad, name, key)
            chosen, blocked = self._pick(ad, name, listed, turn)
            if chosen is None:
                if blocked:
                    blocked_at[signature] = len(self.matches)
                    turn.limited = True
                    if not ignore:
                        return
                    continue
                self.rejected.add((name, signature))
                self.rejected_jobs.append(job.id)
                continue
            self._bind(job, ad, chosen, turn, group)
        if not self.slots and walk.more():
            turn.limited = True  # the job-by-job pass would have stopped at the next job

    def _job_view(self, job: Job, group: str | None, quota: float | None) -> ClassAd:
        if not self.signer.reads_view(job.ad):
            return job.ad  # nothing matchmaking evaluates can read the view's attributes
        ad = job.ad.copy()
        name = job.submitter
        ad["SubmitterUserPrio"] = self.eup[name]
        ad["SubmitterUserResourcesInUse"] = self.usage.get(name, 0.0)
        ad["SubmitterGroup"] = self.group_of.get(name, ROOT)
        ad["SubmitterNegotiatingGroup"] = group or ROOT
        ad["SubmitterAutoregroup"] = group == ROOT and self.group_of.get(name, ROOT) != ROOT
        ad["SubmitterGroupResourcesInUse"] = self.group_usage(self.group_of.get(name, ROOT))
        if quota is not None:
            ad["SubmitterGroupQuota"] = quota
        return ad

    def _candidates(self, job: ClassAd, name: str, key: object = None) -> Listing:
        if self.matcher is not None:
            return self.matcher.candidates(job, name, key)
        return ListListing(candidates(job, name, self.slots.values(), self.policy))

    def _pick(
        self, job: ClassAd, name: str, listed: Listing, turn: _Turn
    ) -> tuple[Candidate | None, bool]:
        """The first candidate still free that the limits admit; (None, blocked-by-limit) otherwise."""
        blocked = False
        keep: list[Candidate] = []
        chosen = None
        while (cand := listed.pop()) is not None:
            current = self.slots.get(cand.slot.index)
            if current is None:
                continue
            if current is not cand.slot:
                wanted = self._request(job, current) if current.partitionable else None
                if not still_matches(job, name, current, self.policy, wanted):
                    continue
                cand = Candidate(current, cand.claim, cand.key)
            if self._admitted(cand, job, turn):
                chosen = cand
                if cand.slot.partitionable and self.config.carve_pslots:
                    keep.append(cand)  # what is left after the carve is offered to the next job
                break
            blocked = True
            keep.append(cand)
        listed.restore(keep)
        return chosen, blocked and chosen is None

    def _request(self, job: ClassAd, slot: Slot) -> tuple[int, int, int]:
        """`pool.request`, kept per job when its Request* cannot read the slot."""
        hit = self._requests.get(id(job))
        if hit is not None and hit[0] is job:
            return hit[1]
        wanted = request(job, slot.ad)
        if _slot_independent_request(job):
            if len(self._requests) > 200_000:
                self._requests.clear()  # job views are copies: do not keep them all alive
            self._requests[id(job)] = (job, wanted)
        return wanted

    def _carve(self, slot: Slot, job: ClassAd) -> tuple[Slot, str, float]:
        """Carve `job`'s request from `slot`, once per (slot, job view) pair in a row."""
        last = self._carved
        if last is not None and last[0] is slot and last[1] is job:
            return last[2]
        found = carve(slot, self._request(job, slot), self.config, self.weight_expr)
        self._carved = (slot, job, found)
        return found

    def _cost(self, cand: Candidate, job: ClassAd) -> float:
        slot = cand.slot
        if slot.partitionable and self.config.carve_pslots:
            key = (id(slot), self._request(job, slot))
            hit = self._costs.get(key)
            if hit is not None and hit[0] is slot:
                return hit[1]
            cost = self._carve(slot, job)[2]
            self._costs[key] = (slot, cost)
            return cost
        return slot.weight

    def _admitted(self, cand: Candidate, job: ClassAd, turn: _Turn) -> bool:
        if cand.claim is Claim.RANK:
            return True
        cost = self._cost(cand, job)
        if cand.claim is Claim.PRIORITY:
            return admits(turn.used, cost, turn.limit)
        return admits(turn.used_unclaimed, cost, turn.limit_unclaimed)

    def _bind(self, job: Job, ad: ClassAd, cand: Candidate, turn: _Turn, group: str | None) -> None:
        slot, dslot = cand.slot, None
        if slot.partitionable and self.config.carve_pslots:
            left, dslot, cost = self._carve(slot, ad)
            self._carved = None
            self._costs.clear()
            self.slots[slot.index] = left
            if self.matcher is not None:
                self.matcher.replace(left, CARVED_KEYS)
            if ads.number(left.ad, "Cpus", 1.0) <= 0:
                del self.slots[slot.index]
                if self.matcher is not None:
                    self.matcher.remove(slot.index)
        else:
            cost = slot.weight
            del self.slots[slot.index]
            if slot.remote is None and not slot.partitionable:
                self.idle_static -= 1
            if self.matcher is not None:
                self.matcher.remove(slot.index)
        if slot.remote is not None:
            self._charge(slot.remote, -slot.weight, -1)
        self._charge(job.submitter, cost, 1)
        if turn.used == 0:
            turn.first_cost = cost
        turn.used += cost
        if cand.claim is Claim.IDLE:
            turn.used_unclaimed += cost
        self.pending.take(job)
        claim = {Claim.IDLE: "idle", Claim.RANK: "rank", Claim.PRIORITY: "priority"}[cand.claim]
        self.matches.append(
            Match(job.id, slot.name, job.submitter, group or ROOT, claim, cost, slot.remote, dslot)
        )

    # -- results -------------------------------------------------------------------------
    def result(self) -> CycleResult:
        matched: dict[str, int] = {}
        for m in self.matches:
            matched[m.submitter] = matched.get(m.submitter, 0) + 1
        outcomes = {}
        for name in sorted(self.eup):
            customer = self.state.customers.get(name)
            limit, share = self.first_limits.get(name, (0.0, 0.0))
            outcomes[name] = SubmitterOutcome(
                name=name,
                group=self.group_of[name],
                effective_priority=self.eup[name],
                real_priority=customer.priority if customer else accountant.MIN_PRIORITY,
                factor=accountant.priority_factor(name, customer, self.config),
                share=share,
                limit=limit,
                matched=matched.get(name, 0),
                usage=self.usage.get(name, 0.0),
                idle_jobs=self.idle_jobs.get(name, 0),
            )
        idle = self.idle_static
        return CycleResult(
            now=self.now,
            matches=tuple(self.matches),
            submitters=outcomes,
            groups=self.group_outcomes(matched),
            pool_weight=self.pool_weight,
            slots=self.all_slots,
            idle_slots=idle,
            spins=self.spins,
            rejected=tuple(self.rejected_jobs),
            turns=tuple(self.turns),
        )

    def group_outcomes(self, matched: dict[str, int]) -> dict[str, GroupOutcome]:
        report = self.hgq_report
        if not self.tree.enabled or report is None:
            return {}
        out = {}
        for name in self.tree.names:
            cfg = self.tree.configs.get(name)
            quota, allocated, requested, subtree = report.get(name, (0.0, 0.0, 0.0, 0.0))
            out[name] = GroupOutcome(
                name=name,
                quota=quota,
                subtree_quota=subtree,
                config_quota=(
                    cfg.static_quota if cfg.static_quota is not None else cfg.dynamic_quota
                )
                if cfg
                else None,
                dynamic=bool(cfg and cfg.static_quota is None),
                accept_surplus=self.tree.accepts_surplus(name),
                requested=requested,
                allocated=allocated,
                usage=self.group_usage(name),
                matched=sum(c for n, c in matched.items() if self.group_of.get(n) == name),
            )
        return out

    def new_state(self) -> AccountantState:
        usage = {n: (max(0.0, u), max(0, self.counts.get(n, 0))) for n, u in self.usage.items()}
        return accountant.record_usage(self.state, usage, self.now)


def _remote_readable(slots: list[Slot], policy: Policy, carry: Carryover | None) -> bool:
    """Can a claimed slot become a candidate, so that its Remote* attributes may be read?

    Not when preemption is off, nor when there is no PREEMPTION_REQUIREMENTS and no claimed
    slot's Rank may exceed its CurrentRank: `matching.classify` then refuses every claimed
    slot whatever its other attributes say.
    """
    if not policy.consider_preemption:
        return False
    if policy.preemption_requirements is not None:
        return True
    if carry is not None and carry.ranks_known:
        return carry.rank_preempting > 0
    return any(slot.remote is not None and rank_may_preempt(slot) for slot in slots)


def _slot_independent_request(job: ClassAd) -> bool:
    """True when the job's RequestCpus/Memory/Disk are missing or read only the job itself
    (the evaluator's own purity test): `pool.request` then gives the same for every slot."""
    if job.parent is not None:
        return False
    exprs = job._exprs
    return all(exprs.get(key) is None or type(exprs[key]) is ast.Literal
               or is_self_contained(job, key)
               for key in ("requestcpus", "requestmemory", "requestdisk"))
