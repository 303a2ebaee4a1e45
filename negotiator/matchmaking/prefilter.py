"""The fast candidate finder: columnar masks per autocluster, exact evaluation only where unknown."""

from __future__ import annotations

import bisect
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from operator import attrgetter
from typing import Any

import numpy as np

from classad import ast
from classad.operators import fold_case
from classad.unparse import unparse
from classad.values import UNDEFINED
from negotiator import ads
from negotiator.matchmaking import matching
from negotiator.matchmaking.columns import SPECIAL_NAMES, B, Column, I, R, SlotIndex, X
from negotiator.matchmaking.columns import Arr as Arr
from negotiator.matchmaking.listing import LazyListing, Listing, ListListing
from negotiator.matchmaking.matching import Candidate, Claim, Policy
from negotiator.matchmaking.memo import Computed, Entry, Memo
from negotiator.matchmaking.records import CPU_QUANTUM, DISK_QUANTUM, MEMORY_QUANTUM, Slot
from negotiator.matchmaking.simplecmp import compare_codes
from negotiator.matchmaking.slotranks import RankColumn
from negotiator.matchmaking.vectoreval import (
    CT,
    CX,
    JOB,
    SLOT,
    Const,
    Vec,
    VecEval,
    broadcast,
    codes_of,
)

_INDEX = attrgetter("index")
_KEY = attrgetter("key")
NO_RANK = -1.7976931348623157e308
_MAX_EXACT_INT = float(1 << 53)
_KEPT_BYTES = 300_000_000
SCALAR_AT = 24
"""Rank values at no more candidate slots than this are evaluated slot by slot: a vectorised
evaluation costs about as much as 30 slots' own, whatever the number of slots."""
FEW_FREE = 24
"""With no more unclaimed live slots than this, and no claimed slot a candidate, each free slot
is classified pair by pair (a full pool between cycles: a few slots freed by ended jobs)."""
#: a claimed slot's class before the submitter is known: its Rank equals CurrentRank
_MAYBE = 3


def conjuncts(expr: ast.Expr) -> list[ast.Expr]:
    """The top-level `&&` operands, left to right (parentheses are transparent)."""
    out: list[ast.Expr] = []
    stack = [expr]
    while stack:
        node = stack.pop()
        while type(node) is ast.Paren:
            node = node.expr
        if type(node) is ast.Binary and node.op == "&&":
            stack.append(node.right)
            stack.append(node.left)
        else:
            out.append(node)
    return out


def _ref_key(node: ast.Expr) -> str | None:
    """The attribute a conjunct names on its own (`x` or `MY.x`), or None."""
    while type(node) is ast.Paren:
        node = node.expr
    if type(node) is ast.AttrRef and not node.absolute:
        return node.key
    if (type(node) is ast.Select and type(node.base) is ast.AttrRef and not node.base.absolute
            and node.base.key == "my"):
        return node.key
    return None


@dataclass
class Task:
    """One conjunct of the slots' Requirements, over the slots whose expressions contain it."""

    node: ast.Expr
    sel: Arr | None
    chain: frozenset[tuple[int, str]]
    key: tuple[Any, ...] = field(default=())
    #: per slot position, its index in `sel` (-1: not in the task); None when `sel` is None
    where: Arr | None = None


class FastMatcher:
    """Finds a job's candidates over the live slots with masks, exactly as matching.candidates."""

    def __init__(self, slots: dict[int, Slot], policy: Policy,
                 claims_open: bool = True) -> None:
        """`claims_open` False: no claimed slot can be a candidate this cycle (the caller
        knows that `matching.classify` refuses them all), so they are left out at once."""
        started = time.perf_counter()
        self.slots = slots
        self.policy = policy
        self.claims_open = claims_open
        order = sorted(slots.values(), key=lambda s: s.index)
        self.slot_at = order
        self.pos_of = {s.index: p for p, s in enumerate(order)}
        self.index = SlotIndex([s.ad for s in order])
        n = self.index.size
        self.claimed = np.array([s.claimed for s in order], dtype=bool)
        #: live unclaimed slots (while claims are closed, none left means no candidate at all)
        self.free = int(np.count_nonzero(~self.claimed))
        self.pslot = np.array([s.partitionable for s in order], dtype=bool)
        remotes: dict[str, int] = {}
        self.remote = np.array([remotes.setdefault(s.remote, len(remotes)) if s.remote else -1
                                for s in order], dtype=np.int64)
        self.remote_codes = remotes
        names = sorted(range(n), key=lambda p: (order[p].name, order[p].index))
        self.name_rank = np.empty(n, dtype=np.int64)
        self.name_rank[np.asarray(names, dtype=np.int64)] = np.arange(n)
        self.memo = Memo(self.index)
        #: the columns the slot tasks were derived from (a change there needs new tasks)
        self.task_cols: set[str] = set()
        self.tasks = self._slot_tasks()
        self.built_at = self.index.clock
        self.cycle_clock = self.index.clock
        self.stats = {"lists": 0, "candidate_slots": 0, "exact_pairs": 0, "fallback_jobs": 0}
        self.seconds = {"index": time.perf_counter() - started, "match": 0.0}
        self._unknown: Arr = np.zeros(0, dtype=bool)
        #: negotiator rank values per slot position (kept across cycles with the matcher)
        self.rank_columns: dict[str, RankColumn] = {}
        #: autocluster key -> (clock, packed ok mask, packed unknown mask), see `candidates`
        self.kept: dict[object, tuple[int, Arr, Arr]] = {}

    # ---- pool changes ------------------------------------------------------------------
    def replace(self, slot: Slot, keys: Iterable[str] | None = None) -> None:
        """The slot's ad changed (only attributes `keys`, when given)."""
        pos = self.pos_of[slot.index]
        self.slot_at[pos] = slot
        self.index.replace(pos, slot.ad, keys)

    def remove(self, index: int) -> None:
        pos = self.pos_of[index]
        if self.index.alive[pos] and not self.claimed[pos]:
            self.free -= 1
        self.index.remove(pos)

    def renew(self, slots: dict[int, Slot], policy: Policy, claims_open: bool = True,
              moved: list[int] | None = None) -> bool:
        """Take the next cycle's slots: every slot alive again, the slots whose ad is another
        object patched in the index (and their kept results refreshed when next read).

        `moved`, when given, holds the indices of every slot whose record is another object
        than the one this matcher was last given (the caller tracked them); else the records
        are compared one by one.

        False when the matcher cannot follow (other slot indices or names, or a change to a
        column the slot tasks were built from): the caller builds a new one.
        """
        slot_at = self.slot_at
        if len(slots) != len(slot_at):
            return False
        index = self.index
        # positions carved during the last cycle hold the cycle's own ads: patched again
        carved = set(index.replace_log[bisect.bisect_right(index.replace_ticks,
                                                           self.cycle_clock):])
        if moved is None:
            order = sorted(slots.values(), key=_INDEX)
            at = [pos for pos, (new, old) in enumerate(zip(order, slot_at, strict=True))
                  if new is not old]
        else:
            pos_of = self.pos_of
            if any(i not in pos_of for i in moved):
                return False
            at = [pos_of[i] for i in moved]
        remotes = self.remote_codes
        for pos in sorted(carved.union(at)):
            old = slot_at[pos]
            new = order[pos] if moved is None else slots.get(old.index, old)
            if new.index != old.index or new.name != old.name:
                return False
            slot_at[pos] = new
            if new.ad is index.ads[pos] and pos not in carved:
                continue
            index.replace(pos, new.ad)
            ad = new.ad
            index.irregular[pos] = ("target" in ad._exprs or "my" in ad._exprs
                                    or ad.parent is not None)
            self.claimed[pos] = new.claimed
            self.pslot[pos] = new.partitionable
            self.remote[pos] = remotes.setdefault(new.remote, len(remotes)) if new.remote \
                else -1
        if index.stale(self.task_cols, self.built_at):
            return False
        index.revive()
        self.free = int(np.count_nonzero(~self.claimed))
        self.slots = slots
        self.policy = policy
        self.claims_open = claims_open
        self.cycle_clock = index.clock
        self.stats = {"lists": 0, "candidate_slots": 0, "exact_pairs": 0, "fallback_jobs": 0}
        self.seconds = {"index": 0.0, "match": 0.0}
        self._unknown = np.zeros(0, dtype=bool)
        return True

    # ---- the slot side -----------------------------------------------------------------
    def _slot_tasks(self) -> list[Task]:
        """Requirements of every slot split into conjuncts, START & co. expanded per group."""
        tasks: list[Task] = []
        everything = np.arange(self.index.size)
        top = ast.Select(ast.AttrRef("my"), "requirements")
        self._expand(top, "requirements", everything, frozenset(), tasks)
        for number, task in enumerate(tasks):
            if task.sel is not None and len(task.sel) == self.index.size:
                task.sel = None
            if task.sel is not None:
                task.where = np.full(self.index.size, -1, dtype=np.int32)
                task.where[task.sel] = np.arange(len(task.sel), dtype=np.int32)
            task.key = ("slot-task", number)
        return tasks

    def _expand(self, node: ast.Expr, key: str, sel: Arr, chain: frozenset[tuple[int, str]],
                tasks: list[Task]) -> None:
        col = self.index.column(key)
        self.task_cols.add(key)
        groups = col.group[sel]
        plain = sel[groups < 0]
        if len(plain):
            tasks.append(Task(node, plain, chain))
        inner = chain | {(SLOT, key)}
        for g in np.unique(groups[groups >= 0]):
            members = sel[groups == g]
            for part in conjuncts(col.exprs[int(g)]):
                ref = _ref_key(part)
                if ref is not None and ref not in SPECIAL_NAMES and (SLOT, ref) not in inner:
                    self._expand(part, ref, members, inner, tasks)
                else:
                    tasks.append(Task(part, members, inner))

    # ---- one job -----------------------------------------------------------------------
    def candidates(self, job: Any, submitter: str, key: object = None) -> Listing:
        """The job's candidates, in the order matching.candidates would sort them.

        `key`, when given, names the job's autocluster: every job given the same key must
        match exactly alike. The slot masks of a key are kept, and the next list of the same
        key only re-evaluates the slots carved since.
        """
        started = time.perf_counter()
        try:
            return self._candidates(job, submitter, key)
        finally:
            self.seconds["match"] += time.perf_counter() - started

    def _exact(self, job: Any, submitter: str) -> Listing:
        self.stats["fallback_jobs"] += 1
        live = [s for s in self.slots.values()]
        found = matching.candidates(job, submitter, live, self.policy)
        self.stats["exact_pairs"] += len(live)
        return ListListing(found)

    def _candidates(self, job: Any, submitter: str, key: object = None) -> Listing:
        self.stats["lists"] += 1
        if "target" in job._exprs or "my" in job._exprs or job.parent is not None:
            return self._exact(job, submitter)
        if self.free == 0 and not (self.policy.consider_preemption and self.claims_open):
            return ListListing([])  # every live slot is claimed and none may be preempted
        index = self.index
        req = job._exprs.get("requirements")
        if req is None:
            return ListListing([])
        if self.free <= FEW_FREE and not (self.policy.consider_preemption and self.claims_open):
            few = self._few_free(job, submitter)
            if few is not None:
                return few
        odd = index.alive & index.irregular
        ok, unk = self._masks(job, req, key)
        if not ok.any() and not odd.any():
            return ListListing([])
        return self._assemble(job, submitter, ok, unk & ok | odd)

    def _few_free(self, job: Any, submitter: str) -> Listing | None:
        """The candidates among the few live unclaimed slots, each classified exactly (no
        claimed slot is a candidate); None when a free slot must be read as `_assemble` does
        (an irregular ad) or a rank cannot be read per position."""
        index = self.index
        at = np.flatnonzero(index.alive & ~self.claimed)
        if index.irregular[at].any():
            return None
        policy, slot_at = self.policy, self.slot_at
        found: list[int] = []
        codes: list[int] = []
        for p in at.tolist():
            claim = matching.classify(job, submitter, slot_at[p], policy)
            if claim is not None:
                found.append(p)
                codes.append(int(claim))
        pos = np.array(found, dtype=np.int64)
        keys = self._keys(job, pos, np.array(codes, dtype=np.int64))
        if keys is None:
            return None
        self.stats["exact_pairs"] += len(at)
        self.stats["candidate_slots"] += len(pos)
        pre, rank, post, _, preempt = (k.tolist() for k in keys)
        items = []
        for j, p in enumerate(found):
            slot, code = slot_at[p], codes[j]
            items.append(Candidate(slot, Claim(code), (pre[j], rank[j], post[j], -code,
                                                       preempt[j], slot.name, slot.index)))
        items.sort(key=_KEY)
        return ListListing(items)

    def _masks(self, job: Any, req: ast.Expr, key: object) -> tuple[Arr, Arr]:
        """Per slot: may the pair match (ok), and must it be evaluated exactly (unk)?

        The job's own Requirements are evaluated here; the slot side (the slots'
        Requirements, and the partitionable slots' room) comes from `_slot_side`.
        """
        index, n = self.index, self.index.size
        ok = index.alive & ~index.irregular
        if not (self.policy.consider_preemption and self.claims_open):
            ok &= ~self.claimed
        self._unknown = np.zeros(n, dtype=bool)
        chain = frozenset({(JOB, "requirements")})
        later = []
        for part in conjuncts(req):
            name = ("job", self._text(part))
            if self.memo.volatile((name, JOB)):
                later.append(part)
                continue
            passed = self._truth(job, name, part, JOB, None, chain)
            np.logical_and(ok, passed, out=ok)
            if not ok.any():
                return ok, np.zeros(n, dtype=bool)
        unk = self._unknown
        slot_ok, slot_unk = self._slot_side(job, key)
        ok &= slot_ok
        unk |= slot_unk
        # conjuncts whose results are rarely reused: evaluated on the survivors only
        at = np.flatnonzero(ok)
        for part in later:
            if not len(at):
                break
            code = self._code_at(job, part, at, chain)
            unk[at[code == 2]] = True
            ok[at[code == 0]] = False
            at = at[code != 0]
        return ok, unk

    def _code_at(self, job: Any, node: ast.Expr, at: Arr,
                 chain: frozenset[tuple[int, str]]) -> Arr:
        """A job conjunct's truth (1 true, 2 unknown, 0 not true) at positions `at`."""
        ev = VecEval(self.index, job)
        ev.active = set(chain)
        return _truth_codes(ev, node, JOB, at)

    def _slot_side(self, job: Any, key: object) -> tuple[Arr, Arr]:
        """Per slot, before liveness: do the slot's Requirements (and a partitionable slot's
        room) admit the job (ok), or must the pair be evaluated exactly (unk)?

        Kept per `key` (jobs with the same key read the same values); a kept result is
        brought up to date at the slots carved since.
        """
        index, n = self.index, self.index.size
        kept = self.kept.get(key) if key is not None else None
        if kept is None:
            ok, unk = self._slot_side_at(job, None)
        else:
            stamp, ok_bits, unk_bits = kept
            ok = np.unpackbits(ok_bits, count=n).view(bool)
            unk = np.unpackbits(unk_bits, count=n).view(bool)
            if stamp == index.clock:
                return ok, unk
            at = index.replaced_since(stamp)
            if len(at):
                ok[at], unk[at] = self._slot_side_at(job, at)
            del self.kept[key]  # re-inserted last: the oldest entries go first
        if key is not None:
            if len(self.kept) * 2 * (n // 8 + 1) >= _KEPT_BYTES:
                self.kept.pop(next(iter(self.kept)))
            self.kept[key] = (index.clock, np.packbits(ok), np.packbits(unk))
        return ok, unk

    def _slot_side_at(self, job: Any, at: Arr | None) -> tuple[Arr, Arr]:
        """`_slot_side` computed at positions `at` (sorted; None: every slot)."""
        index, n = self.index, self.index.size
        size = n if at is None else len(at)
        ok = np.ones(size, dtype=bool)
        unk = np.zeros(size, dtype=bool)
        saved, self._unknown = self._unknown, np.zeros(n, dtype=bool)
        pslot = self.pslot & index.alive if at is None else self.pslot[at]
        sub = np.flatnonzero(pslot)
        if len(sub):
            keep, maybe = self._fit_check(job, sub if at is None else at[sub])
            unk[sub] |= maybe
            ok[sub] &= keep
        for task in self.tasks:
            if at is not None and task.where is not None and not (task.where[at] >= 0).any():
                continue  # none of `at` is in the task (its result is not needed)
            passed = self._truth(job, task.key, task.node, SLOT, task.sel, task.chain)
            if at is None:
                np.logical_and(ok, passed, out=ok)
            else:
                ok &= passed[at]
        unk |= self._unknown if at is None else self._unknown[at]
        self._unknown = saved
        return ok, unk

    def _text(self, node: ast.Expr) -> str:
        hit = self.memo.tokens.get(id(node))
        if hit is None or hit[0] is not node:
            hit = self.memo.tokens[id(node)] = (node, unparse(node))
        return str(hit[1])

    def _truth(self, job: Any, key: tuple[Any, ...], node: ast.Expr, scope: int, sel: Arr | None,
               chain: frozenset[tuple[int, str]]) -> Arr:
        """Per slot, may the expression be true (True outside `sel`)? Memoised, as truth codes
        (1 true, 2 unknown, 0 not true) over `sel`; the unknowns are recorded in self._unknown."""

        def compute(at: Arr | None) -> Computed:
            ev = VecEval(self.index, job)
            ev.active = set(chain)
            return (_truth_codes(ev, node, scope, at),), ev.deps, ev.cols

        entry = self.memo.entry((key, scope), job, sel, compute)
        maybe = self.memo.maybe(entry)
        if len(maybe):
            self._unknown[maybe] = True
        return self.memo.view(entry, "passed", _not_false, True, bool)

    def _value(self, job: Any, key: tuple[Any, ...],
               run: Callable[[VecEval, Arr | None], Any]) -> tuple[Arr, Arr]:
        """A per-slot number (kind, value) of an expression, memoised like the truth tests."""
        kind, num = self._value_entry(job, key, run).data
        return kind, num

    def _value_entry(self, job: Any, key: tuple[Any, ...],
                     run: Callable[[VecEval, Arr | None], Any],
                     also_reads: frozenset[str] = frozenset()) -> Entry:
        """The memo entry of `_value`; `also_reads` names the columns its views read."""

        def compute(at: Arr | None) -> Computed:
            ev = VecEval(self.index, job)
            size = self.index.size if at is None else len(at)
            value = run(ev, at)
            if isinstance(value, Const):
                vec = _const_vec(value.value, size)
            else:
                vec = value
            return (vec.kind.copy(), vec.num.copy()), ev.deps, ev.cols | also_reads

        return self.memo.entry(key, job, None, compute)

    def _fit_check(self, job: Any, at: Arr) -> tuple[Arr, Arr]:
        """At partitionable slots `at`: may the request fit (keep), is it unknown (maybe)?"""
        bad = np.zeros(len(at), dtype=bool)
        maybe = np.zeros(len(at), dtype=bool)
        for name, default, quantum, floor in (("requestcpus", 1.0, CPU_QUANTUM, True),
                                              ("requestmemory", 0.0, MEMORY_QUANTUM, False),
                                              ("requestdisk", 0.0, DISK_QUANTUM, False)):
            entry = self._value_entry(job, ("request", name), _job_attr_reader(name))
            all_kind, all_num = entry.data
            want: Any
            if not entry.cols:
                # the request reads no slot attribute: one value for every slot
                k, v = int(all_kind[0]), float(all_num[0])
                value = v if B <= k <= R and v == v else default
                want = 0.0 if value <= 0 or math.isinf(value) else float(
                    math.ceil(value / quantum) * quantum)
                if floor:
                    want = max(want, float(CPU_QUANTUM))
                if k == X or want > _MAX_EXACT_INT:
                    maybe[:] = True
            else:
                kind, num = all_kind[at], all_num[at]
                values = np.where((kind >= B) & (kind <= R) & ~np.isnan(num), num, default)
                with np.errstate(invalid="ignore"):
                    want = np.where((values <= 0) | np.isinf(values), 0.0,
                                    np.ceil(values / quantum) * quantum)
                if floor:
                    want = np.maximum(want, float(CPU_QUANTUM))
                maybe |= (kind == X) | (want > _MAX_EXACT_INT)
            col = self.index.column(name.removeprefix("request"))
            have_kind = col.kind[at]  # a missing entry is UNDEFINED
            have_num = col.num[at]
            have = np.where((have_kind >= B) & (have_kind <= R) & ~np.isnan(have_num),
                            have_num, np.inf)
            bad |= want > have
            maybe |= have_kind == X
        return ~bad | maybe, maybe

    def _assemble(self, job: Any, submitter: str, ok: Arr, unk: Arr) -> Listing:
        policy = self.policy
        cand = ok & ~unk
        if policy.consider_preemption and (cand & self.claimed).any():
            claim = self._claims(job, submitter, cand)
            exact_pos = np.flatnonzero(unk | cand & (claim == -1))
            cand &= claim >= 0
            pos = np.flatnonzero(cand)
            claims = claim[pos].astype(np.int64)
        else:
            exact_pos = np.flatnonzero(unk)
            pos = np.flatnonzero(cand)
            claims = np.full(len(pos), int(Claim.IDLE), dtype=np.int64)
        keys = self._keys(job, pos, claims)
        if keys is None:
            return self._exact(job, submitter)
        extra = []
        for p in exact_pos.tolist():
            slot = self.slot_at[p]
            found = matching.classify(job, submitter, slot, policy)
            if found is not None:
                extra.append(Candidate(slot, found, matching.sort_key(job, slot, found, policy)))
        self.stats["exact_pairs"] += len(exact_pos)
        if any(c.key[1] != c.key[1] for c in extra):
            return self._exact(job, submitter)
        self.stats["candidate_slots"] += len(pos) + len(extra)
        return LazyListing(self, pos, keys, claims, extra)

    def _claims(self, job: Any, submitter: str, cand: Arr) -> Arr:
        """Per slot, the claim class of a candidate: IDLE when unclaimed, else RANK or
        PRIORITY, -1 to evaluate exactly, -2 not a candidate."""
        policy = self.policy
        entry = self._value_entry(job, ("slot-rank",), _slot_rank_reader,
                                  frozenset({"currentrank"}))
        # a function of the column, not a bound method: the memo must not point back at self
        derive = partial(_rank_claim, self.index.column("currentrank"))
        by_rank = self.memo.view(entry, "claim", derive, -2, np.int8)
        # branch-free arithmetic: np.where and masked stores cost 20x more on 100k slots
        idle = np.int8(Claim.IDLE)
        claim = idle + (by_rank - idle) * self.claimed.view(np.int8)
        maybe = claim == _MAYBE
        if not maybe.any():
            return claim
        claim -= np.int8(_MAYBE + 2) * maybe.view(np.int8)  # _MAYBE -> -2
        maybe &= self.remote != self.remote_codes.get(submitter, -3)
        if policy.preemption_requirements is not None and (maybe & cand).any():
            found = self._value_entry(job, ("preemption-requirements",), lambda ev, sub: ev.run(
                policy.preemption_requirements, SLOT, sub))
            allowed = self.memo.view(found, "allowed", _allowed, 0, np.int8)
            # -2 -> PRIORITY (0) where allowed, -> -1 where unknown
            claim += (np.int8(2) * (maybe & (allowed == 1)).view(np.int8)
                      + (maybe & (allowed == -1)).view(np.int8))
        return claim

    def _keys(self, job: Any, pos: Arr, claims: Arr) -> list[Arr] | None:
        """The negated sort-key columns (pre, rank, post, claim, preemption) at `pos`."""
        policy = self.policy
        out: list[Arr] = []
        value: Arr
        for name, expr in (("pre", policy.pre_job_rank), ("rank", None),
                           ("post", policy.post_job_rank)):
            if name == "rank" and "rank" not in job._exprs and job.parent is None:
                value = np.zeros(len(pos))  # no Rank: 0.0 for every slot
            elif name == "rank" and len(pos) <= SCALAR_AT:
                value = self._each(pos, lambda ad: ads.job_rank(job, ad))
                if np.isnan(value).any():
                    return None
            elif name == "rank":
                kind, num = self._value(job, ("job-rank",), lambda ev, at: ev.job_attr(
                    "rank", at, Const(0.0)))
                k, v = kind[pos], num[pos]
                value = np.where((k >= B) & (k <= R), v, 0.0)
                if np.isnan(value).any() or (k == X).any():
                    return None
            elif expr is None:
                value = np.full(len(pos), NO_RANK)
            else:
                found = self._negotiator_rank(job, name, expr, pos)
                if found is None:
                    return None
                value = found
            out.append(-value)
        out.append(-claims.astype(np.float64))
        preempt = np.zeros(len(pos))
        others = claims != int(Claim.IDLE)
        if others.any():
            found = (self._negotiator_rank(job, "preempt", policy.preemption_rank, pos)
                     if policy.preemption_rank is not None else np.full(len(pos), NO_RANK))
            if found is None:
                return None
            preempt = np.where(others, found, 0.0)
        out.append(-preempt)
        return out

    def _each(self, pos: Arr, value: Callable[[Any], float]) -> Arr:
        """`value(slot ad)` at each of the positions `pos`, one by one."""
        slot_at = self.slot_at
        return np.array([value(slot_at[p].ad) for p in pos.tolist()], dtype=np.float64)

    def _negotiator_rank(self, job: Any, name: str, expr: Any, pos: Arr) -> Arr | None:
        column = self.rank_columns.get(name)
        if column is None or column.expr is not expr:
            column = self.rank_columns[name] = RankColumn(expr, self.index.size)
        kept = column.at(self.index, job, pos)
        if kept is not None:
            return kept
        if len(pos) <= SCALAR_AT:  # a few slots: one at a time
            return self._each(pos, lambda ad: ads.negotiator_rank(expr, ad, job))
        kind, num = self._value(job, ("policy", name), lambda ev, at: ev.run(expr, SLOT, at))
        k, v = kind[pos], num[pos]
        if (k == X).any():
            return None
        good = (k >= B) & (k <= R) & ~np.isnan(v)
        with np.errstate(over="ignore"):
            rounded = v.astype(np.float32).astype(np.float64)
        return np.where(good, rounded, NO_RANK)


def _const_vec(value: Any, size: int) -> Vec:
    """A constant as a vector; a string (never a number here) stands as UNDEFINED."""
    return broadcast(UNDEFINED if type(value) is str else value, size, None)


def _truth_codes(ev: VecEval, node: ast.Expr, scope: int, at: Arr | None) -> Arr:
    """1 true, 2 unknown, 0 not true, per slot of `at` (None: all)."""
    quick = compare_codes(ev, node, scope, at)
    if quick is not None:
        return quick
    size = ev.index.size if at is None else len(at)
    code = codes_of(ev.run(node, scope, at), size)
    return (code == CT).view(np.int8) + np.int8(2) * (code == CX).view(np.int8)


def _rank_claim(col: Column, data: tuple[Arr, ...], at: Arr | None) -> Arr:
    """From a slot's Rank for the job (data) and its CurrentRank: RANK when it is higher,
    -2 when lower, _MAYBE when equal, -1 when either is unknown."""
    kind, num = data
    present, ckind, cnum = ((col.present, col.kind, col.num) if at is None
                            else (col.present[at], col.kind[at], col.num[at]))
    ckind = np.where(present, ckind, 0)
    slot_rank = _number(kind, num, 0.0)
    current = _number(ckind, cnum, 0.0)
    out = np.full(len(kind), _MAYBE, dtype=np.int8)
    out[slot_rank < current] = -2
    out[slot_rank > current] = int(Claim.RANK)
    out[(kind == X) | (ckind == X)] = -1
    return out


def _not_false(data: tuple[Arr, ...], at: Arr | None) -> Arr:
    return data[0] != 0


def _allowed(data: tuple[Arr, ...], at: Arr | None) -> Arr:
    """PREEMPTION_REQUIREMENTS per slot: 1 true, 0 not true, -1 unknown."""
    pk, pn = data
    truth = ((pk == B) | (pk == I)) & (pn != 0) | (pk == R) & ((pn != 0) | np.isnan(pn))
    out = truth.astype(np.int8)
    out[pk >= X] = -1
    return out


def _slot_rank_reader(ev: VecEval, at: Arr | None) -> Any:
    return ev.slot_attr("rank", at, lambda s: Const(UNDEFINED))


def _job_attr_reader(name: str) -> Callable[[VecEval, Arr | None], Any]:
    def read(ev: VecEval, at: Arr | None) -> Any:
        return ev.job_attr(name, at, Const(UNDEFINED))

    return read


def _number(kind: Arr, num: Arr, default: float) -> Arr:
    """`ads.number`: bool/int/real as float, NaN or anything else the default."""
    good = (kind >= B) & (kind <= R) & ~np.isnan(num)
    return np.where(good, num, default)


__all__ = ["FastMatcher", "LazyListing", "ListListing", "Listing", "fold_case"]
