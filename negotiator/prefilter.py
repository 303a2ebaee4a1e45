"""The fast candidate finder: columnar masks per autocluster, exact evaluation only where unknown."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from classad import ast
from classad.operators import fold_case
from classad.unparse import unparse
from classad.values import UNDEFINED
from negotiator import matching
from negotiator.columns import SPECIAL_NAMES, B, I, R, SlotIndex, X
from negotiator.columns import Arr as Arr
from negotiator.matching import Candidate, Claim, Policy
from negotiator.pool import CPU_QUANTUM, DISK_QUANTUM, MEMORY_QUANTUM, Slot
from negotiator.vectoreval import CT, CX, JOB, SLOT, Const, Vec, VecEval, broadcast, codes_of, token

NO_RANK = -1.7976931348623157e308
_MAX_EXACT_INT = float(1 << 53)
_MEMO_BYTES = 1_200_000_000
_KEPT_BYTES = 300_000_000
_VOLATILE_MISSES = 16


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


@dataclass
class _Entry:
    deps: dict[str, Any]
    data: tuple[Arr, ...]
    stamp: int
    cols: set[str]
    #: derived from `data` by the user of the entry (reset whenever `data` changes)
    derived: Any = None


Computed = tuple[tuple[Arr, ...], dict[str, Any], set[str]]


class Memo:
    """Results per (expression, selection) for each distinct combination of job values read."""

    def __init__(self, index: SlotIndex) -> None:
        self.index = index
        self.entries: dict[tuple[Any, ...], list[_Entry]] = {}
        self.bytes = 0
        self.tokens: dict[int, tuple[Any, Any]] = {}
        self.hits: dict[tuple[Any, ...], int] = {}
        self.misses: dict[tuple[Any, ...], int] = {}

    def volatile(self, key: tuple[Any, ...]) -> bool:
        """True when results for `key` are rarely reused (the job values it reads vary from
        job to job): better evaluated on the few slots still in question, and not kept."""
        misses = self.misses.get(key, 0)
        return misses >= _VOLATILE_MISSES and misses > 4 * self.hits.get(key, 0)

    def token_of(self, job: Any, name: str) -> Any:
        expr = job._exprs.get(name)
        if expr is None:
            return None
        if type(expr) is ast.Literal:
            return token(expr)
        hit = self.tokens.get(id(expr))
        if hit is None or hit[0] is not expr:
            hit = self.tokens[id(expr)] = (expr, token(expr))
        return hit[1]

    def get(self, key: tuple[Any, ...], job: Any, sel: Arr | None,
            compute: Callable[[Arr | None], Computed]) -> tuple[Arr, ...]:
        return self.entry(key, job, sel, compute).data

    def entry(self, key: tuple[Any, ...], job: Any, sel: Arr | None,
              compute: Callable[[Arr | None], Computed]) -> _Entry:
        found = self.entries.get(key)
        if found is not None:
            for entry in found:
                if all(self.token_of(job, n) == t for n, t in entry.deps.items()):
                    self._refresh(entry, sel, compute)
                    self.hits[key] = self.hits.get(key, 0) + 1
                    return entry
        self.misses[key] = self.misses.get(key, 0) + 1
        data, deps, cols = compute(sel)
        entry = _Entry(deps, data, self.index.clock, cols)
        bucket = self.entries.setdefault(key, [])
        bucket.insert(0, entry)
        size = sum(a.nbytes for a in data)
        self.bytes += size
        if len(bucket) > 16:
            old = bucket.pop()
            self.bytes -= sum(a.nbytes for a in old.data)
        if self.bytes > _MEMO_BYTES:
            self.entries.clear()
            self.bytes = 0
        return entry

    def _refresh(self, entry: _Entry, sel: Arr | None,
                 compute: Callable[[Arr | None], Computed]) -> None:
        """Recompute the entries of slots carved since the result was stored.

        Removed slots need nothing (the caller masks them out); carved ones only when a
        column the result read has changed since.
        """
        index = self.index
        stamp = entry.stamp
        if stamp == index.clock:
            return
        entry.stamp = index.clock
        if not index.stale(entry.cols, stamp):
            return
        changed = index.replaced_since(stamp)
        if sel is None:
            where = changed
        else:
            at: Arr = np.searchsorted(sel, changed)
            ok = (at < len(sel)) & (sel[np.minimum(at, len(sel) - 1)] == changed)
            where, changed = at[ok], changed[ok]
        if len(changed) == 0:
            return
        data, deps, cols = compute(changed)
        for mine, fresh in zip(entry.data, data, strict=True):
            mine[where] = fresh
        entry.derived = None
        entry.deps.update(deps)
        entry.cols |= cols


class FastMatcher:
    """Finds a job's candidates over the live slots with masks, exactly as matching.candidates."""

    def __init__(self, slots: dict[int, Slot], policy: Policy) -> None:
        started = time.perf_counter()
        self.slots = slots
        self.policy = policy
        order = sorted(slots.values(), key=lambda s: s.index)
        self.slot_at = order
        self.pos_of = {s.index: p for p, s in enumerate(order)}
        self.index = SlotIndex([s.ad for s in order])
        n = self.index.size
        self.claimed = np.array([s.claimed for s in order], dtype=bool)
        self.pslot = np.array([s.partitionable for s in order], dtype=bool)
        remotes: dict[str, int] = {}
        self.remote = np.array([remotes.setdefault(s.remote, len(remotes)) if s.remote else -1
                                for s in order], dtype=np.int64)
        self.remote_codes = remotes
        names = sorted(range(n), key=lambda p: (order[p].name, order[p].index))
        self.name_rank = np.empty(n, dtype=np.int64)
        self.name_rank[np.asarray(names, dtype=np.int64)] = np.arange(n)
        self.memo = Memo(self.index)
        self.tasks = self._slot_tasks()
        self.stats = {"lists": 0, "candidate_slots": 0, "exact_pairs": 0, "fallback_jobs": 0}
        self.seconds = {"index": time.perf_counter() - started, "match": 0.0}
        self._unknown: Arr = np.zeros(0, dtype=bool)
        #: autocluster key -> (clock, packed ok mask, packed unknown mask), see `candidates`
        self.kept: dict[object, tuple[int, Arr, Arr]] = {}

    # ---- pool changes ------------------------------------------------------------------
    def replace(self, slot: Slot) -> None:
        pos = self.pos_of[slot.index]
        self.slot_at[pos] = slot
        self.index.replace(pos, slot.ad)

    def remove(self, index: int) -> None:
        self.index.remove(self.pos_of[index])

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
        index = self.index
        req = job._exprs.get("requirements")
        if req is None:
            return ListListing([])
        odd = index.alive & index.irregular
        ok, unk = self._masks(job, req, key)
        if not ok.any() and not odd.any():
            return ListListing([])
        return self._assemble(job, submitter, ok, unk & ok | odd)

    def _masks(self, job: Any, req: ast.Expr, key: object) -> tuple[Arr, Arr]:
        """Per slot: may the pair match (ok), and must it be evaluated exactly (unk)?

        The job's own Requirements are evaluated here; the slot side (the slots'
        Requirements, and the partitionable slots' room) comes from `_slot_side`.
        """
        index, n = self.index, self.index.size
        ok = index.alive & ~index.irregular
        if not self.policy.consider_preemption:
            ok &= ~self.claimed
        self._unknown = np.zeros(n, dtype=bool)
        chain = frozenset({(JOB, "requirements")})
        later = []
        for part in conjuncts(req):
            name = ("job", self._text(part))
            if self.memo.volatile((name, JOB)):
                later.append(part)
                continue
            code = self._truth(job, name, part, JOB, None, chain)
            np.logical_and(ok, code, out=ok)
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
        code = codes_of(ev.run(node, JOB, at), len(at))
        return np.where(code == CT, 1, np.where(code == CX, 2, 0)).astype(np.int8)

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
            sel = task.sel
            if at is not None and task.where is not None:
                i = task.where[at]
                hit = i >= 0
                if not hit.any():
                    continue  # none of `at` is in the task (its result is not needed)
            code = self._truth(job, task.key, task.node, SLOT, sel, task.chain)
            if at is None:
                if sel is None:
                    np.logical_and(ok, code, out=ok)
                else:
                    part = ok[sel]
                    np.logical_and(part, code, out=part)
                    ok[sel] = part
            elif sel is None:
                ok &= code[at] != 0
            else:
                ok[hit] &= code[i[hit]] != 0
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
        """Per slot: 1 true, 2 unknown, 0 not true (memoised); records unknowns in self._unknown."""

        def compute(at: Arr | None) -> Computed:
            ev = VecEval(self.index, job)
            ev.active = set(chain)
            size = self.index.size if at is None else len(at)
            code = codes_of(ev.run(node, scope, at), size)
            out = np.where(code == CT, 1, np.where(code == CX, 2, 0)).astype(np.int8)
            return (out,), ev.deps, ev.cols

        entry = self.memo.entry((key, scope), job, sel, compute)
        data = entry.data[0]
        if entry.derived is None:
            maybe = np.flatnonzero(data == 2)
            entry.derived = maybe if sel is None else sel[maybe]
        if len(entry.derived):
            self._unknown[entry.derived] = True
        return data

    def _value(self, job: Any, key: tuple[Any, ...],
               run: Callable[[VecEval, Arr | None], Any]) -> tuple[Arr, Arr]:
        """A per-slot number (kind, value) of an expression, memoised like the truth tests."""

        def compute(at: Arr | None) -> Computed:
            ev = VecEval(self.index, job)
            size = self.index.size if at is None else len(at)
            value = run(ev, at)
            if isinstance(value, Const):
                vec = _const_vec(value.value, size)
            else:
                vec = value
            return (vec.kind.copy(), vec.num.copy()), ev.deps, ev.cols

        kind, num = self.memo.get(key, job, None, compute)
        return kind, num

    def _fit_check(self, job: Any, at: Arr) -> tuple[Arr, Arr]:
        """At partitionable slots `at`: may the request fit (keep), is it unknown (maybe)?"""
        bad = np.zeros(len(at), dtype=bool)
        maybe = np.zeros(len(at), dtype=bool)
        for name, default, quantum, floor in (("requestcpus", 1.0, CPU_QUANTUM, True),
                                              ("requestmemory", 0.0, MEMORY_QUANTUM, False),
                                              ("requestdisk", 0.0, DISK_QUANTUM, False)):
            all_kind, all_num = self._value(job, ("request", name), _job_attr_reader(name))
            kind, num = all_kind[at], all_num[at]
            value = np.where((kind >= B) & (kind <= R) & ~np.isnan(num), num, default)
            with np.errstate(invalid="ignore"):
                want = np.where((value <= 0) | np.isinf(value), 0.0,
                                np.ceil(value / quantum) * quantum)
            if floor:
                want = np.maximum(want, float(CPU_QUANTUM))
            col = self.index.column(name.removeprefix("request"))
            have_kind = np.where(col.present[at], col.kind[at], 0)
            have_num = col.num[at]
            have = np.where((have_kind >= B) & (have_kind <= R) & ~np.isnan(have_num),
                            have_num, np.inf)
            bad |= want > have
            maybe |= (kind == X) | (have_kind == X) | (want > _MAX_EXACT_INT)
        return ~bad | maybe, maybe

    def _assemble(self, job: Any, submitter: str, ok: Arr, unk: Arr) -> Listing:
        policy = self.policy
        exact_pos = np.flatnonzero(unk)
        cand = ok & ~unk
        claim = np.full(self.index.size, int(Claim.IDLE), dtype=np.int64)
        if policy.consider_preemption and (cand & self.claimed).any():
            self._claims(job, submitter, cand, claim)
            exact_pos = np.union1d(exact_pos, np.flatnonzero(cand & (claim == -1)))
            cand &= claim >= 0
        pos = np.flatnonzero(cand)
        keys = self._keys(job, pos, claim[pos])
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
        return LazyListing(self, pos, keys, claim[pos], extra)

    def _claims(self, job: Any, submitter: str, cand: Arr, claim: Arr) -> None:
        """Claim class of claimed candidates (-1: evaluate exactly, -2: not a candidate)."""
        policy = self.policy
        at = np.flatnonzero(cand & self.claimed)  # the claimed candidates
        all_kind, all_num = self._value(job, ("slot-rank",), lambda ev, sub: ev.slot_attr(
            "rank", sub, lambda s: Const(UNDEFINED)))
        kind = all_kind[at]
        slot_rank = _number(kind, all_num[at], 0.0)
        col = self.index.column("currentrank")
        ckind = np.where(col.present[at], col.kind[at], 0)
        current = _number(ckind, col.num[at], 0.0)
        unknown = (kind == X) | (ckind == X)
        rank = slot_rank > current
        mine = np.full(len(at), -2, dtype=np.int64)
        mine[rank] = int(Claim.RANK)
        code = self.remote_codes.get(submitter, -3)
        maybe = ~rank & (self.remote[at] != code) & ~(slot_rank < current)
        if policy.preemption_requirements is not None and maybe.any():
            pk_all, pn_all = self._value(job, ("preemption-requirements",),
                                         lambda ev, sub: ev.run(
                                             policy.preemption_requirements, SLOT, sub))
            pk, pn = pk_all[at], pn_all[at]
            truth = ((pk == B) | (pk == I)) & (pn != 0) | (pk == R) & ((pn != 0) | np.isnan(pn))
            mine[maybe & truth] = int(Claim.PRIORITY)
            unknown |= maybe & (pk >= X)
        mine[unknown] = -1
        claim[at] = mine

    def _keys(self, job: Any, pos: Arr, claims: Arr) -> list[Arr] | None:
        """The negated sort-key columns (pre, rank, post, claim, preemption) at `pos`."""
        policy = self.policy
        out: list[Arr] = []
        value: Arr
        for name, expr in (("pre", policy.pre_job_rank), ("rank", None),
                           ("post", policy.post_job_rank)):
            if name == "rank":
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

    def _negotiator_rank(self, job: Any, name: str, expr: Any, pos: Arr) -> Arr | None:
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


def _job_attr_reader(name: str) -> Callable[[VecEval, Arr | None], Any]:
    def read(ev: VecEval, at: Arr | None) -> Any:
        return ev.job_attr(name, at, Const(UNDEFINED))

    return read


def _number(kind: Arr, num: Arr, default: float) -> Arr:
    """`ads.number`: bool/int/real as float, NaN or anything else the default."""
    good = (kind >= B) & (kind <= R) & ~np.isnan(num)
    return np.where(good, num, default)


class Listing:
    """A job's candidates, consumed from the front; blocked ones can be put back."""

    def pop(self) -> Candidate | None:
        raise NotImplementedError

    def restore(self, keep: list[Candidate]) -> None:
        raise NotImplementedError

    def materialize(self) -> list[Candidate]:
        """Everything left, in order (for tests and reports)."""
        out = []
        while (cand := self.pop()) is not None:
            out.append(cand)
        self.restore(out)
        return out


class ListListing(Listing):
    """A fully built candidate list."""

    def __init__(self, items: list[Candidate]) -> None:
        self.items = items
        self.at = 0

    def pop(self) -> Candidate | None:
        if self.at >= len(self.items):
            return None
        self.at += 1
        return self.items[self.at - 1]

    def restore(self, keep: list[Candidate]) -> None:
        self.items = keep + self.items[self.at:]
        self.at = 0


class LazyListing(Listing):
    """Candidates sorted lazily, a chunk of the best at a time."""

    def __init__(self, matcher: FastMatcher, pos: Arr, keys: list[Arr], claims: Arr,
                 extra: list[Candidate]) -> None:
        self.matcher = matcher
        self.clock = matcher.index.clock
        #: candidates put back, the next one last
        self.front: list[Candidate] = []
        if extra:
            epos = np.array([matcher.pos_of[c.slot.index] for c in extra], dtype=np.int64)
            pos = np.concatenate([pos, epos])
            keys = [np.concatenate([k, np.array([float(c.key[i]) for c in extra])])
                    for i, k in enumerate(keys)]
            claims = np.concatenate([claims, np.array([int(c.claim) for c in extra])])
            self.extra_slots = {matcher.pos_of[c.slot.index]: c.slot for c in extra}
        else:
            self.extra_slots = {}
        self.pos, self.keys, self.claims = pos, keys, claims
        self.names = matcher.name_rank[pos]
        self.rest: Arr = np.arange(len(pos))
        self.ready: list[int] = []
        self.chunk = 16

    def _refill(self) -> bool:
        rest = self.rest
        if len(rest) == 0:
            return False
        primary = self.keys[0][rest]
        if len(rest) > self.chunk:
            cut = np.partition(primary, self.chunk - 1)[self.chunk - 1]
            take = rest[primary <= cut]
            self.rest = rest[primary > cut]
            self.chunk *= 4
        else:
            take, self.rest = rest, rest[:0]
        k = self.keys
        order = np.lexsort((self.names[take], k[4][take], k[3][take], k[2][take], k[1][take],
                            k[0][take]))
        self.ready = take[order].tolist()[::-1]
        return True

    def pop(self) -> Candidate | None:
        if self.front:
            return self.front.pop()
        while True:
            if not self.ready and not self._refill():
                return None
            j = self.ready.pop()
            p = int(self.pos[j])
            m = self.matcher
            current = m.slots.get(m.slot_at[p].index)
            if current is None:
                continue
            slot = current
            if m.index.changed_at[p] > self.clock:
                slot = replace(current)  # not the object the list was built with
            elif p in self.extra_slots:
                slot = self.extra_slots[p]
            claim = Claim(int(self.claims[j]))
            k = self.keys
            key = (float(k[0][j]), float(k[1][j]), float(k[2][j]), -int(claim), float(k[4][j]),
                   slot.name, slot.index)
            return Candidate(slot, claim, key)

    def restore(self, keep: list[Candidate]) -> None:
        self.front.extend(reversed(keep))  # `front` is kept last-first


__all__ = ["FastMatcher", "LazyListing", "ListListing", "Listing", "fold_case"]
