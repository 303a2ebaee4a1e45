"""condor_userprio's options, shared by `negotiator userprio` and `pool userprio` (-x and --x)."""

from __future__ import annotations

from typing import Annotated

import typer

from negotiator.policy.userprio_edit import Edit, requested_edits

UserValue = tuple[str, float] | None


def _option(name: str, text: str) -> typer.models.OptionInfo:
    option: typer.models.OptionInfo = typer.Option(f"-{name}", f"--{name}", help=text,
                                                   show_default=False)
    return option


AllUsers = Annotated[bool, _option("allusers", "Every submitter (default: those in use or "
                                   "active in the last day).")]
ActiveFrom = Annotated[tuple[int, int, int] | None, _option(
    "activefrom", "MONTH DAY YEAR: submitters active since then.")]
SetPrio = Annotated[UserValue, _option("setprio", "USER VALUE: set the real priority.")]
SetFactor = Annotated[UserValue, _option("setfactor", "USER VALUE: set the priority factor "
                                         "(>= 1).")]
SetAccum = Annotated[UserValue, _option("setaccum", "USER SECONDS: set the accumulated usage.")]
SetBegin = Annotated[UserValue, _option("setbegin", "USER TIME: set the begin usage time.")]
SetLast = Annotated[UserValue, _option("setlast", "USER TIME: set the last usage time.")]
SetCeiling = Annotated[UserValue, _option("setceiling", "USER N: at most N weighted slots "
                                          "(-1: no ceiling).")]
SetFloor = Annotated[UserValue, _option("setfloor", "USER N: at least N weighted slots "
                                        "(0: no floor).")]
ResetUsage = Annotated[str | None, _option("resetusage", "USER: zero the accumulated usage.")]
Delete = Annotated[str | None, _option("delete", "USER: remove the accountant record.")]
ResetAll = Annotated[bool, _option("resetall", "Zero every submitter's accumulated usage.")]


def edit_of(*, setprio: UserValue, setfactor: UserValue, setaccum: UserValue,
            setbegin: UserValue, setlast: UserValue, setceiling: UserValue, setfloor: UserValue,
            resetusage: str | None, delete: str | None, resetall: bool) -> Edit | None:
    """The one edit the options ask for, or None (two are an error)."""
    return requested_edits(
        {"setprio": setprio, "setfactor": setfactor, "setaccum": setaccum, "setbegin": setbegin,
         "setlast": setlast, "setceiling": setceiling, "setfloor": setfloor},
        {"resetusage": resetusage, "delete": delete}, resetall)
