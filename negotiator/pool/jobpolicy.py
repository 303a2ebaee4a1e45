"""The job's own policy expressions: periodic_hold/release/remove and on_exit_hold/remove."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from classad.ad import ClassAd
from negotiator import ads

JOB_POLICY = 3  # HoldReasonCode: the job's policy expression put it on hold (condor_holdcodes.h)


@dataclass(frozen=True)
class Verdict:
    """What a policy expression decided: the action and the reason/subcode to record."""

    action: str  # "hold" | "release" | "remove" | "requeue" | ""
    reason: str = ""
    subcode: int = 0


def _true(ad: ClassAd, name: str) -> bool:
    if name.lower() not in ad._exprs:
        return False
    return ads.is_true(ads.attr(ad, name))


def _text_of(ad: ClassAd, name: str) -> str:
    return ads.expression_text(ad, name)


def _reason(ad: ClassAd, knob: str, default: str) -> str:
    value = ads.attr(ad, f"{knob}Reason") if f"{knob}reason".lower() in ad._exprs else None
    return value if isinstance(value, str) and value else default


def _subcode(ad: ClassAd, knob: str) -> int:
    value = ads.as_number(ads.attr(ad, f"{knob}SubCode"))
    return int(value) if value is not None else 0


def periodic(ad: ClassAd) -> Verdict:
    """The schedd's periodic evaluation of one job ad (remove before hold, release for held)."""
    status = int(ads.number(ad, "JobStatus", 1.0))
    if _true(ad, "PeriodicRemove"):
        return Verdict("remove", _reason(ad, "PeriodicRemove",
                       f"The job attribute PeriodicRemove expression '{_text_of(ad, 'PeriodicRemove')}'"
                       " evaluated to TRUE"), _subcode(ad, "PeriodicRemove"))
    if status == 5:
        if _true(ad, "PeriodicRelease"):
            return Verdict("release", f"The job attribute PeriodicRelease expression "
                           f"'{_text_of(ad, 'PeriodicRelease')}' evaluated to TRUE")
        return Verdict("")
    if status in (1, 2) and _true(ad, "PeriodicHold"):
        return Verdict("hold", _reason(ad, "PeriodicHold",
                       f"The job attribute PeriodicHold expression '{_text_of(ad, 'PeriodicHold')}'"
                       " evaluated to TRUE"), _subcode(ad, "PeriodicHold"))
    return Verdict("")


def on_exit(ad: ClassAd, facts: dict[str, Any]) -> Verdict:
    """After a job exited: hold (OnExitHold), leave the queue (OnExitRemove, default true) or requeue."""
    view = ad.copy()
    for name, value in facts.items():
        view[name] = value
    if _true(view, "OnExitHold"):
        return Verdict("hold", _reason(view, "OnExitHold",
                       f"The job attribute OnExitHold expression '{_text_of(view, 'OnExitHold')}'"
                       " evaluated to TRUE"), _subcode(view, "OnExitHold"))
    if "onexitremove" in view._exprs and not _true(view, "OnExitRemove"):
        return Verdict("requeue", "The job attribute OnExitRemove expression "
                       f"'{_text_of(view, 'OnExitRemove')}' evaluated to FALSE")
    return Verdict("")
