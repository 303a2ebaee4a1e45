"""condor_q's restriction list: job ids (`5`, `5.2`) and owner names, with -constraint."""

from __future__ import annotations

import re
from dataclasses import dataclass

from classad.parser import parse_expr
from classad.unparse import quote_string
from negotiator.cli.pool.app import UsageError
from negotiator.queue.constraint import all_of
from negotiator.queue.jobqueue import QueueError, Selection, parse_job_id

_OWNER = re.compile(r"[A-Za-z_][A-Za-z0-9_.@-]{0,255}")


@dataclass(frozen=True)
class Restriction:
    ids: tuple[tuple[int, int | None], ...]
    owners: tuple[str, ...]
    constraint: str | None

    def selection(self, statuses: tuple[int, ...] = ()) -> Selection:
        return Selection(self.ids, self.owners, statuses)

    def as_constraint(self) -> str | None:
        """The whole restriction as one ClassAd expression (for history, which has no columns)."""
        ids = [f"ClusterId == {c}" + (f" && ProcId == {p}" if p is not None else "")
               for c, p in self.ids]
        owners = [f"Owner == {quote_string(o)}" for o in self.owners]
        return all_of(" || ".join(f"({i})" for i in ids) or None,
                      " || ".join(owners) or None, self.constraint)

    @property
    def empty(self) -> bool:
        return not self.ids and not self.owners and self.constraint is None


def restriction(args: list[str] | None, constraints: list[str] | None) -> Restriction:
    """Job ids and owners from the arguments; -constraint expressions checked and ANDed."""
    ids: list[tuple[int, int | None]] = []
    owners: list[str] = []
    for arg in args or []:
        if arg[:1].isdigit():
            try:
                ids.append(parse_job_id(arg))
            except QueueError as exc:
                raise UsageError(str(exc)) from None
        elif _OWNER.fullmatch(arg):
            owners.append(arg)
        else:
            raise UsageError(f"{arg!r} is neither a job id (CLUSTER[.PROC]) nor a user name")
    for text in constraints or []:
        try:
            parse_expr(text, source="-constraint")
        except Exception as exc:
            raise UsageError(f"-constraint {text!r}: {str(exc).splitlines()[0]}") from None
    return Restriction(tuple(ids), tuple(owners), all_of(*(constraints or [])))
