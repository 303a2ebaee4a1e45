"""What negotiate() keeps from one cycle to the next of the same pool: records, signer, matcher.

A simulation (or a long-lived negotiator) offers mostly the same slot ads every cycle. A
`Carryover` passed to every `negotiate()` call keeps, per ad object, the slot and job records
built from it, the autocluster `Signer` while the slots' expressions are the same, and the
columnar `FastMatcher` with its columns and kept results, patched only where a slot's ad is
another object. Each is rebuilt from scratch when what it was built from changed, so a cycle
decides exactly what it would decide without one.

The contract: an ad given to a cycle is never modified in place afterwards (a changed slot or
job is a new ad object, as the simulation's copies are). Attributes that read the clock or
randomness are never kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import compress
from operator import is_not
from typing import cast

from classad.ad import ClassAd
from classad.ast import Literal
from classad.purity import is_self_contained
from negotiator import ads
from negotiator.matchmaking.autocluster import Signer
from negotiator.matchmaking.matching import Policy, rank_may_preempt
from negotiator.matchmaking.pooltotals import PoolTotals
from negotiator.matchmaking.prefilter import FastMatcher
from negotiator.matchmaking.records import (
    Job,
    JobFacts,
    Slot,
    build_jobs,
    build_slots,
    literal_job_facts,
    not_idle,
    slot_record,
)
from negotiator.policy.settings import NegotiatorConfig

#: the attributes a slot record reads (see records.slot_record)
_SLOT_KEYS = ("name", "slotweight", "partitionableslot", "remoteuser", "remoteowner",
              "accountinggroup", "state")
_SIGNED_JOBS = 50_000
"""Jobs whose signatures the kept signer remembers beyond the current queue (a budget)."""



class Carryover:
    """Records, signer and matcher of the previous cycle, reused where nothing changed."""

    verify_hints = False
    """Tests: check each `expect` hint against the pool compared slot by slot."""

    def __init__(self) -> None:
        self.config: NegotiatorConfig | None = None
        #: counters for tests and reports
        self.stats = {"slot_hits": 0, "job_hits": 0, "signers": 0, "matchers": 0}
        self._reset()

    def _reset(self) -> None:
        #: the last cycle's slot ads and their records, by position
        self._pool: list[ClassAd] = []
        self._records: list[Slot | None] = []
        #: positions whose record reads what may change with the clock: rebuilt every cycle
        self._volatile: list[int] = []
        #: positions of claimed slots whose Rank may exceed CurrentRank (matching.classify)
        self._preempting: set[int] = set()
        #: whether `rank_preempting` counts them for the slots of the last `slots` call
        self.ranks_known = False
        self.rank_preempting = 0
        #: the pool's sums as of the last `slots` call, kept by the records that changed
        #: (None: made from scratch by the cycle)
        self.totals: PoolTotals | None = None
        #: the last records by index, and the positions whose record is new since the call
        #: before (None: all of them); all three None under NEGOTIATOR_SLOT_CONSTRAINT
        self.by_index: dict[int, Slot] | None = None
        self.moved: list[int] | None = None
        #: `slots` calls so far; the signer and matcher were brought to the pool of call N
        self._tick = 0
        self._signer_tick = self._matcher_tick = -1
        self._hint: list[int] | None = None
        self._jobs: dict[int, tuple[ClassAd, JobFacts | None]] = {}
        self._signer: Signer | None = None
        self._signer_ads: list[ClassAd] = []
        self._expr_count: dict[int, int] = {}
        self._matcher: FastMatcher | None = None

    def _use(self, config: NegotiatorConfig) -> None:
        """Another configuration object: nothing kept applies."""
        if config is not self.config:
            self._reset()
            self.config = config

    # ---- records -----------------------------------------------------------------------
    def expect(self, changed: list[int] | None) -> None:
        """The pool of the next `slots` call holds the same ad objects as the last one's at
        every position but `changed` (sorted; the caller tracked its own changes), so that
        call compares no other position. None: no hint."""
        self._hint = changed

    def slots(self, pool: Sequence[ClassAd], config: NegotiatorConfig) -> list[Slot]:
        """`records.build_slots(pool, config)`, reusing the record of the ad that was at the
        same position last cycle; also counts the claimed slots whose Rank may preempt."""
        self._use(config)
        self.ranks_known = False
        self._tick += 1
        if config.slot_constraint:
            self._pool = []  # the constraint may read the clock: nothing is kept
            self.totals = self.by_index = self.moved = None
            return build_slots(pool, config)
        records = self._records
        incremental = len(pool) == len(self._pool) and self.by_index is not None
        hint, self._hint = self._hint, None
        if incremental:
            if hint is None or self.verify_hints:
                changed = list(compress(range(len(pool)), map(is_not, pool, self._pool)))
                if hint is not None and not set(changed) <= set(hint):
                    raise AssertionError("a changed slot ad was left out of the hint")
            if hint is not None:
                changed = hint
            if self._volatile:
                changed = sorted(set(changed).union(self._volatile))
        else:
            records = [None] * len(pool)
            self._preempting = set()
            changed = list(range(len(pool)))
        weight_expr = ads.parse_expression(config.slot_weight) if changed else None
        volatile = []
        preempting = self._preempting
        totals, by_index = self.totals, self.by_index
        for i in changed:
            ad = pool[i]
            old = records[i]
            slot = records[i] = slot_record(i, ad, config, weight_expr, None)
            assert slot is not None  # no constraint: every ad has a record
            if incremental:
                assert totals is not None and by_index is not None and old is not None
                totals.remove(old)
                totals.add(slot)
                by_index[i] = slot
            if not _slot_keepable(ad, config):
                volatile.append(i)
            if slot.remote is not None and rank_may_preempt(slot):
                preempting.add(i)
            else:
                preempting.discard(i)
        self.stats["slot_hits"] += len(pool) - len(changed)
        if incremental and hint is not None:
            kept_pool = self._pool
            for i in changed:
                kept_pool[i] = pool[i]
        else:
            kept_pool = list(pool)
        self._pool, self._records, self._volatile = kept_pool, records, volatile
        self.ranks_known = True
        self.rank_preempting = len(preempting)
        # no constraint: every position has its record (the list is the carryover's own:
        # read during the cycle, changed by the next call)
        out = cast("list[Slot]", records)
        if incremental:
            self.moved = changed
        else:
            self.totals, self.by_index = PoolTotals.of(out), {s.index: s for s in out}
            self.moved = None
        return out

    def jobs(self, job_ads: Sequence[ClassAd]) -> tuple[list[Job], list[tuple[str, str]]]:
        """`(records.build_jobs(job_ads), records.not_idle(job_ads))`, facts kept per ad."""
        kept, fresh = self._jobs, {}
        out: list[Job] = []
        odd = False
        for index, ad in enumerate(job_ads):
            hit = kept.get(id(ad))
            if hit is not None and hit[0] is ad:
                facts = hit[1]
                self.stats["job_hits"] += 1
            else:
                facts = literal_job_facts(ad)
            fresh[id(ad)] = (ad, facts)
            if facts is None:
                odd = True
                break
            cluster, proc, submitter, order = facts
            out.append(Job(index, cluster, proc, submitter, ad, (*order, float(index))))
        self._jobs = fresh
        if odd:  # a job that is not idle, or whose record reads more than literals
            return build_jobs(job_ads), not_idle(job_ads)
        return out, []

    # ---- signer and matcher ------------------------------------------------------------
    def signer(self, slots: list[Slot], config: NegotiatorConfig, jobs: int) -> Signer:
        """The signer of the slots' ads: kept while their distinct expressions are the same."""
        signer = self._signer
        kept = self._signer_ads
        if signer is None or len(slots) != len(kept):
            same = False
        elif self.moved is not None and self._signer_tick == self._tick - 1:
            same = self._same_exprs([(i, slots[i].ad) for i in self.moved
                                     if slots[i].ad is not kept[i]])
        else:
            same = self._same_exprs([(i, slot.ad) for i, (slot, old) in
                                     enumerate(zip(slots, kept, strict=True))
                                     if slot.ad is not old])
        self._signer_tick = self._tick
        if not same:
            slot_ads = [s.ad for s in slots]
            signer = self._signer = Signer(slot_ads, config)
            self._signer_ads = slot_ads
            self._expr_count = {}
            for ad in slot_ads:
                _count(self._expr_count, ad, 1)
            self.stats["signers"] += 1
            if self._matcher is not None:
                self._matcher.kept.clear()  # its keys hold the old signer's tokens
        elif signer is not None and len(signer._memo) > jobs + _SIGNED_JOBS:
            signer._memo.clear()
            signer._slot_memo.clear()
        assert signer is not None
        return signer

    def _same_exprs(self, changed: list[tuple[int, ClassAd]]) -> bool:
        """Do the kept ads, with those at the `changed` positions replaced, hold exactly the
        distinct non-literal expressions they held? Updates the kept ads and counts if so."""
        if not changed:
            return True
        counts = self._expr_count
        trial = dict(counts)
        for i, ad in changed:
            _count(trial, self._signer_ads[i], -1)
            if not _count(trial, ad, 1):
                return False
        if any(n <= 0 for n in trial.values()):
            return False
        for i, ad in changed:
            self._signer_ads[i] = ad
        self._expr_count = trial
        return True

    def matcher(self, slots: dict[int, Slot], policy: Policy,
                claims_open: bool = True) -> FastMatcher:
        """The kept columnar matcher brought to these slots, or a new one."""
        matcher = self._matcher
        moved = (self.moved if self._matcher_tick == self._tick - 1 and self.by_index is not None
                 and not claims_open else None)
        self._matcher_tick = -1 if claims_open else self._tick  # claims open: copies of records
        if matcher is None or not matcher.renew(slots, policy, claims_open, moved):
            matcher = self._matcher = FastMatcher(slots, policy, claims_open)
            self.stats["matchers"] += 1
        return matcher


def _count(counts: dict[int, int], ad: ClassAd, step: int) -> bool:
    """Add `step` to the count of each distinct non-literal expression of `ad`; False when
    an expression is new (counted from zero)."""
    known = True
    for expr in set(map(id, (e for e in ad._exprs.values() if type(e) is not Literal))):
        before = counts.get(expr, 0)
        if before == 0 and step > 0:
            known = False
        counts[expr] = before + step
    return known


def _slot_keepable(ad: ClassAd, config: NegotiatorConfig) -> bool:
    """A slot record may be kept with its ad: what it reads cannot change with the clock."""
    if ad.parent is not None or config.force_slot_weight:
        return False
    exprs = ad._exprs
    if "slotweight" not in exprs and config.use_slot_weights:
        flag = exprs.get("partitionableslot")
        if flag is not None and (type(flag) is not Literal or flag.value is not False):
            return False  # weighed by the config's SLOT_WEIGHT against this ad
    return all(type(exprs[k]) is Literal or is_self_contained(ad, k)
               for k in _SLOT_KEYS if k in exprs)


__all__ = ["Carryover"]
