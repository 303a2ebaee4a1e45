"""The Python API (negotiator.queue.schedd) against real SQLite, and its names against htcondor2."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Any

import pytest

from negotiator.queue.jobqueue import HELD, IDLE, REMOVED, QueueError
from negotiator.queue.schedd import JobAction, Schedd, SubmitResult

COMMANDS = {"executable": "/bin/sleep", "arguments": "5 $(Process)", "request_memory": "64",
            "request_disk": "1024"}


@pytest.fixture
def schedd(tmp_path: Path) -> Schedd:
    return Schedd(tmp_path / "pool")


def test_submit_query_act_history(schedd: Schedd) -> None:
    result = schedd.submit(COMMANDS, count=3)
    assert isinstance(result, SubmitResult)
    assert (result.cluster(), result.first_proc(), result.num_procs()) == (1, 0, 3)
    ads = schedd.query("JobStatus == 1", ["ProcId", "Args"])
    assert [(a.eval("ProcId"), a.eval("Args")) for a in ads] == [
        (0, "5 0"), (1, "5 1"), (2, "5 2")]
    assert len(schedd.query(limit=2)) == 2
    assert schedd.query(callback=lambda ad: ad.eval("ProcId") or None) == [1, 2]
    held = schedd.act(JobAction.Hold, ["1.0", "1.7"], reason="wait")
    assert (held.eval("TotalSuccess"), held.eval("TotalNotFound")) == (1, 1)
    assert schedd.query("ProcId == 0", ["JobStatus", "HoldReason"])[0].eval("HoldReason") == "wait"
    again = schedd.act(JobAction.Hold, "1.0")
    assert (again.eval("TotalJobAds"), again.eval("TotalBadStatus")) == (1, 1)
    assert schedd.act(JobAction.Release, 1).eval("TotalSuccess") == 1
    assert schedd.edit("ProcId >= 1", "Foo", "ProcId * 10") == 2
    assert [a.eval("Foo") for a in schedd.query("ProcId >= 1")] == [10, 20]
    with pytest.raises(QueueError):
        schedd.edit(1, "JobStatus", "4")
    removed = schedd.act(JobAction.Remove, "ProcId != 1")
    assert removed.eval("TotalSuccess") == 2
    assert [a.eval("JobStatus") for a in schedd.query()] == [IDLE]
    hist = schedd.history("ProcId == 2", ["ProcId", "JobStatus"], match=5)
    assert [(a.eval("ProcId"), a.eval("JobStatus")) for a in hist] == [(2, REMOVED)]
    assert HELD not in [a.eval("JobStatus") for a in schedd.query()]


def test_submit_text_and_bad_specs(schedd: Schedd) -> None:
    text = "executable = /bin/true\nrequest_disk = 1024\nqueue 2\n"
    assert schedd.submit(text).num_procs() == 2
    with pytest.raises(QueueError):
        schedd.submit(text, count=3)
    with pytest.raises(QueueError):
        schedd.act(JobAction.Hold, ["1.0", "Owner == 1"])


def _htcondor2() -> Any:
    try:
        return importlib.import_module("htcondor2")
    except ImportError:
        pytest.skip("the htcondor bindings (test oracle) are not installed")


@pytest.mark.oracle
def test_names_and_parameters_follow_htcondor2() -> None:
    htcondor2 = _htcondor2()
    assert {m.name for m in JobAction} <= set(htcondor2.JobAction.__members__)
    for method in ("submit", "query", "act", "history", "edit"):
        ours = list(inspect.signature(getattr(Schedd, method)).parameters)
        theirs = list(inspect.signature(getattr(htcondor2.Schedd, method)).parameters)
        # our positional parameters are a prefix of theirs, in the same order
        positional = [p for p in ours if p != "submit_dir"]
        assert positional == theirs[:len(positional)], method
    for name in ("cluster", "first_proc", "num_procs", "clusterad"):
        assert hasattr(htcondor2.SubmitResult, name) and hasattr(SubmitResult, name)
