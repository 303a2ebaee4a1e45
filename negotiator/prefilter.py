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


@dataclass
class _Entry:
    deps: dict[str, Any]
    data: tuple[Arr, ...]
    stamp: int


class Memo:
    """Results per (expression, selection) for each distinct combination of job values read."""

    def __init__(self, index: SlotIndex) -> None:
        self.index = index
        self.entries: dict[tuple[Any, ...], list[_Entry]] = {}
        self.bytes = 0
        self.tokens: dict[int, tuple[Any, Any]] = {}

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
            compute: Callable[[Arr | None], tuple[tuple[Arr, ...], dict[str, Any]]]) -> tuple[Arr, ...]:
        found = self.entries.get(key)
        if found is not None:
            for entry in found:
                if all(self.token_of(job, n) == t for n, t in entry.deps.items()):
                    self._refresh(entry, sel, compute)
                    return entry.data
        data, deps = compute(sel)
        entry = _Entry(deps, data, self.index.clock)
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
        return data

    def _refresh(self, entry: _Entry, sel: Arr | None,
                 compute: Callable[[Arr | None], tuple[tuple[Arr, ...], dict[str, Any]]]) -> None:
        """Recompute the entries of slots carved since the result was stored."""
        index = self.index
        if entry.stamp == index.clock:
            return
        changed = np.unique(np.asarray(index.log[entry.stamp:], dtype=np.int64))
        entry.stamp = index.clock
        if sel is None:
            where = changed
        else:
            at = np.searchsorted(sel, changed)
            ok = (at < len(sel)) & (sel[np.minimum(at, len(sel) - 1)] == changed)
            where, changed = at[ok], changed[ok]
        if len(changed) == 0:
            return
        data, deps = compute(changed)
        for mine, fresh in zip(entry.data, data, strict=True):
            mine[where] = fresh
        entry.deps.update(deps)


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
    def candidates(self, job: Any, submitter: str) -> Listing:
        """The job's candidates, in the order matching.candidates would sort them."""
        started = time.perf_counter()
        try:
            return self._candidates(job, submitter)
        finally:
            self.seconds["match"] += time.perf_counter() - started

    def _exact(self, job: Any, submitter: str) -> Listing:
        self.stats["fallback_jobs"] += 1
        live = [s for s in self.slots.values()]
        found = matching.candidates(job, submitter, live, self.policy)
        self.stats["exact_pairs"] += len(live)
        return ListListing(found)

    def _candidates(self, job: Any, submitter: str) -> Listing:
        self.stats["lists"] += 1
        if "target" in job._exprs or "my" in job._exprs or job.parent is not None:
            return self._exact(job, submitter)
        index, n = self.index, self.index.size
        req = job._exprs.get("requirements")
        if req is None:
            return ListListing([])
        odd = index.alive & index.irregular
        ok = index.alive & ~index.irregular
        if not self.policy.consider_preemption:
            ok &= ~self.claimed
        self._unknown = np.zeros(n, dtype=bool)
        for part in conjuncts(req):
            code = self._truth(job, ("job", self._text(part)), part, JOB, None,
                               frozenset({(JOB, "requirements")}))
            ok &= code != 0
            if not ok.any() and not odd.any():
                return ListListing([])
        unk = np.zeros(n, dtype=bool)
        self._fits(job, ok, unk)
        for task in self.tasks:
            code = self._truth(job, task.key, task.node, SLOT, task.sel, task.chain)
            if task.sel is None:
                ok &= code != 0
            else:
                ok[task.sel] &= code != 0
        unk |= self._unknown
        return self._assemble(job, submitter, ok, unk & ok | odd)

    def _text(self, node: ast.Expr) -> str:
        hit = self.memo.tokens.get(id(node))
        if hit is None or hit[0] is not node:
            hit = self.memo.tokens[id(node)] = (node, unparse(node))
        return str(hit[1])

    def _truth(self, job: Any, key: tuple[Any, ...], node: ast.Expr, scope: int, sel: Arr | None,
               chain: frozenset[tuple[int, str]]) -> Arr:
        """Per slot: 1 true, 2 unknown, 0 not true (memoised); records unknowns in self._unknown."""

        def compute(at: Arr | None) -> tuple[tuple[Arr, ...], dict[str, Any]]:
            ev = VecEval(self.index, job)
            ev.active = set(chain)
            size = self.index.size if at is None else len(at)
            code = codes_of(ev.run(node, scope, at), size)
            out = np.where(code == CT, 1, np.where(code == CX, 2, 0)).astype(np.int8)
            return (out,), ev.deps

        data = self.memo.get((key, scope), job, sel, compute)[0]
        maybe = data == 2
        if maybe.any():
            if sel is None:
                self._unknown |= maybe
            else:
                self._unknown[sel[maybe]] = True
        return data

    def _value(self, job: Any, key: tuple[Any, ...],
               run: Callable[[VecEval, Arr | None], Any]) -> tuple[Arr, Arr]:
        """A per-slot number (kind, value) of an expression, memoised like the truth tests."""

        def compute(at: Arr | None) -> tuple[tuple[Arr, ...], dict[str, Any]]:
            ev = VecEval(self.index, job)
            size = self.index.size if at is None else len(at)
            value = run(ev, at)
            if isinstance(value, Const):
                vec = _const_vec(value.value, size)
            else:
                vec = value
            return (vec.kind.copy(), vec.num.copy()), ev.deps

        kind, num = self.memo.get(key, job, None, compute)
        return kind, num

    def _fits(self, job: Any, ok: Arr, unk: Arr) -> None:
        """Partitionable slots must still hold the job's quantized request."""
        if not (ok & self.pslot).any():
            return
        bad = np.zeros(self.index.size, dtype=bool)
        for name, default, quantum, floor in (("requestcpus", 1.0, CPU_QUANTUM, True),
                                              ("requestmemory", 0.0, MEMORY_QUANTUM, False),
                                              ("requestdisk", 0.0, DISK_QUANTUM, False)):
            kind, num = self._value(job, ("request", name), _job_attr_reader(name))
            value = np.where((kind >= B) & (kind <= R) & ~np.isnan(num), num, default)
            with np.errstate(invalid="ignore"):
                want = np.where((value <= 0) | np.isinf(value), 0.0,
                                np.ceil(value / quantum) * quantum)
            if floor:
                want = np.maximum(want, float(CPU_QUANTUM))
            have_kind, have_num = self._raw(name.removeprefix("request"))
            have = np.where((have_kind >= B) & (have_kind <= R) & ~np.isnan(have_num),
                            have_num, np.inf)
            bad |= self.pslot & (want > have)
            unk |= self.pslot & ((kind == X) | (have_kind == X) | (want > _MAX_EXACT_INT))
        ok &= ~bad | unk

    def _raw(self, key: str) -> tuple[Arr, Arr]:
        """A slot attribute as `ads.number` reads it without a target: literal or unknown."""
        col = self.index.column(key)
        kind = np.where(col.present, col.kind, 0)
        return kind, col.num

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
        kind, num = self._value(job, ("slot-rank",), lambda ev, at: ev.slot_attr(
            "rank", at, lambda s: Const(UNDEFINED)))
        slot_rank = _number(kind, num, 0.0)
        ckind, cnum = self._raw("currentrank")
        current = _number(ckind, cnum, 0.0)
        claimed = cand & self.claimed
        unknown = claimed & ((kind == X) | (ckind == X))
        rank = claimed & (slot_rank > current)
        claim[claimed] = -2
        claim[rank] = int(Claim.RANK)
        code = self.remote_codes.get(submitter, -3)
        maybe = claimed & ~rank & (self.remote != code) & ~(slot_rank < current)
        if policy.preemption_requirements is not None and maybe.any():
            pk, pn = self._value(job, ("preemption-requirements",), lambda ev, at: ev.run(
                policy.preemption_requirements, SLOT, at))
            truth = ((pk == B) | (pk == I)) & (pn != 0) | (pk == R) & ((pn != 0) | np.isnan(pn))
            claim[maybe & truth] = int(Claim.PRIORITY)
            unknown |= maybe & (pk >= X)
        claim[unknown] = -1

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
            return self.front.pop(0)
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
        self.front = keep + self.front


__all__ = ["FastMatcher", "LazyListing", "ListListing", "Listing", "fold_case"]
