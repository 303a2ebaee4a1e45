"""Autocluster signatures: jobs that agree on every attribute matchmaking can read match alike."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from classad import ast
from classad.ad import ClassAd
from negotiator import ads
from negotiator.policy.settings import NegotiatorConfig

_JOB_ROOTS = ("requirements", "rank", "requestcpus", "requestmemory", "requestdisk", "requestgpus")
_MAX_CLOSURE = 16
_REQUESTS = frozenset({"requestcpus", "requestmemory", "requestdisk"})
#: functions that read attributes by a name computed at run time (the references are unknown)
_DYNAMIC_CALLS = frozenset({"eval", "unresolved", "evalineachcontext"})
#: the attributes the cycle adds to a job's view (see cycle._Engine._job_view)
VIEW_NAMES = frozenset({
    "submitteruserprio", "submitteruserresourcesinuse", "submittergroup",
    "submitternegotiatinggroup", "submitterautoregroup", "submittergroupresourcesinuse",
    "submittergroupquota",
})


def is_dynamic(exprs: Iterable[Any]) -> bool:
    """True when an expression calls a function that reads attributes named at run time."""
    stack = list(exprs)
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if isinstance(node, tuple | list):
            stack.extend(node)
            continue
        if type(node) is ast.Literal or id(node) in seen:
            continue
        seen.add(id(node))
        if type(node) is ast.Call and node.key in _DYNAMIC_CALLS:
            return True
        stack.extend(ast.children(node))
    return False


class _Token:
    """The class of equal non-literal expressions; never equal to a literal's value."""

    __slots__ = ("number",)

    def __init__(self, number: int) -> None:
        self.number = number

    def __eq__(self, other: object) -> bool:
        return type(other) is _Token and other.number == self.number

    def __hash__(self) -> int:
        return hash(("expr", self.number))


class Signer:
    """A job's signature: the expressions of every job attribute that slot ads, the negotiator
    policy, or the job's own Requirements/Rank/Request* (transitively) can read.

    Signatures are tuples of (name, canonical number) pairs; two expressions get the same
    number exactly when they compare equal, so signatures compare as the expressions would,
    but hash and compare in constant time per attribute.
    """

    def __init__(self, slot_ads: Sequence[ClassAd], config: NegotiatorConfig) -> None:
        literal = ast.Literal
        # one comprehension over every value of every ad (millions at 100k slots): distinct
        # nodes by identity, in first-seen order, literals left out
        distinct = {id(e): e for ad in slot_ads for e in ad._exprs.values()
                    if type(e) is not literal}
        exprs: list[Any] = list(distinct.values())
        policy = (
            config.pre_job_rank,
            config.post_job_rank,
            config.preemption_requirements,
            config.preemption_rank,
        )
        exprs.extend(ads.parse_expression(text) for text in policy if text)
        self.slot_refs = frozenset(ads.references(exprs))
        #: the slots or the policy may read the job's view attributes
        self.slots_read_view = bool(self.slot_refs & VIEW_NAMES) or is_dynamic(exprs)
        self._memo: dict[int, tuple[ClassAd, tuple[object, ...], bool]] = {}
        self._slot_memo: dict[int, tuple[ClassAd, tuple[object, ...] | None]] = {}
        self._slot_roots = self.slot_refs | _REQUESTS
        self._refs: dict[int, tuple[Any, frozenset[str], bool]] = {}
        self._canon: dict[Any, _Token] = {}
        self._canon_id: dict[int, tuple[Any, _Token]] = {}
        #: (name, id) of a job's non-literal expressions -> (sorted names the walk reaches,
        #: reads the view, the expressions themselves: kept alive while their ids are keys)
        self._walks: dict[tuple[tuple[str, int], ...], tuple[list[str], bool, list[Any]]] = {}

    def signature(self, job: ClassAd) -> tuple[object, ...]:
        return self._entry(job)[1]

    def slot_key(self, job: ClassAd) -> tuple[object, ...] | None:
        """The expressions of every job attribute the slot ads and the negotiator policy can
        read, with what they read of the job in turn, and the job's Request*: jobs with equal
        keys look the same to every slot (their own Requirements and Rank aside). None when
        what is read cannot be known (a run-time attribute name, a nested ad)."""
        found = self._slot_memo.get(id(job))
        if found is None or found[0] is not job:
            exprs = job._exprs
            wanted, dynamic = self._closure(job, set(self._slot_roots),
                                            [n for n in self._slot_roots if n in exprs])
            names = sorted(wanted.intersection(exprs))
            key = None if dynamic or job.parent is not None else tuple(
                (n, self._token(exprs[n])) for n in names)
            found = self._slot_memo[id(job)] = (job, key)
        return found[1]

    def reads_view(self, job: ClassAd) -> bool:
        """True when matching `job` may read an attribute of its view (SubmitterUserPrio, ...)."""
        return self.slots_read_view or self._entry(job)[2]

    def _entry(self, job: ClassAd) -> tuple[ClassAd, tuple[object, ...], bool]:
        found = self._memo.get(id(job))
        if found is None or found[0] is not job:
            found = self._memo[id(job)] = (job, *self._compute(job))
        return found

    def _expr_refs(self, expr: Any) -> tuple[frozenset[str], bool]:
        hit = self._refs.get(id(expr))
        if hit is None or hit[0] is not expr:
            hit = self._refs[id(expr)] = (expr, frozenset(ads.references([expr])),
                                          is_dynamic([expr]))
        return hit[1], hit[2]

    def _token(self, expr: Any) -> object:
        """A token per expression, equal exactly for expressions that compare equal: a
        literal's value (literals compare by value alone), else a numbered `_Token`."""
        if type(expr) is ast.Literal:
            return expr.value
        hit = self._canon_id.get(id(expr))
        if hit is None or hit[0] is not expr:
            token = self._canon.setdefault(expr, _Token(len(self._canon)))
            hit = self._canon_id[id(expr)] = (expr, token)
        return hit[1]

    def _compute(self, job: ClassAd) -> tuple[tuple[object, ...], bool]:
        exprs = job._exprs
        # what the walk reaches depends on the job's non-literal expressions alone (a literal
        # reads nothing): jobs sharing them (a cluster's procs, shapes) share the walk
        shape = tuple([(n, id(e)) for n, e in exprs.items() if type(e) is not ast.Literal])
        found = self._walks.get(shape)
        if found is None:
            wanted, dynamic = self._walk(job)
            pinned = [e for e in exprs.values() if type(e) is not ast.Literal]
            found = self._walks[shape] = (sorted(wanted), dynamic or bool(wanted & VIEW_NAMES),
                                          pinned)
        token = self._token
        signature = tuple([(n, token(exprs[n])) for n in found[0] if n in exprs])
        return signature, found[1]

    def _walk(self, job: ClassAd) -> tuple[frozenset[str], bool]:
        return self._closure(job, set(self.slot_refs) | set(_JOB_ROOTS),
                             [n for n in _JOB_ROOTS if n in job._exprs])

    def _closure(self, job: ClassAd, wanted: set[str],
                 frontier: list[str]) -> tuple[frozenset[str], bool]:
        """`wanted` and every job attribute the expressions of `frontier` read, transitively."""
        exprs = job._exprs
        dynamic = False
        for _ in range(_MAX_CLOSURE):
            refs: set[str] = set()
            for n in frontier:
                found, dyn = self._expr_refs(exprs[n])
                refs |= found
                dynamic = dynamic or dyn
            frontier = [n for n in refs - wanted if n in exprs]
            wanted |= refs
            if not frontier:
                break
        return frozenset(wanted), dynamic
