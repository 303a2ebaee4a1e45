"""Macro expansion and submit-file syntax, checked against HTCondor's own submit parser.

The oracle is htcondor2.Submit(text).expand(name) from the `htcondor` package (HTCondor 25.x):
the C++ SubmitHash that condor_submit uses, with Process = 0 and Cluster = 1.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from negotiator.queue.submit import SubmitError, read_submit
from tests import cpp_oracle

pytestmark = pytest.mark.oracle

if not cpp_oracle.AVAILABLE:  # pragma: no cover
    pytest.skip(cpp_oracle.UNAVAILABLE_REASON, allow_module_level=True)

import htcondor2  # noqa: E402  (after cpp_oracle pinned the configuration)

ENV = {"HOME": "/home/alice", "SCRATCH": "/scratch/a b"}

#: (submit text before the queue statement, macro names to compare)
CASES: list[tuple[str, list[str]]] = [
    ("A = x$(Process)y\nB = $(A:def)/$(NOPE:dd)/$(nope)", ["A", "B"]),
    ("path = /a/b/c.tar.gz\n"
     "C = $Fp(path)|$Fn(path)|$Fx(path)|$Fnx(path)|$Fd(path)|$Fq(path)|$Fdb(path)|$Fxb(path)",
     ["C"]),
    ("P = relative/dir/file.txt\nQ = $Fd(P)|$Fp(P)|$Fqa(P)|$BASENAME(P)|$DIRNAME(P)", ["Q"]),
    ("N = 7\nD = $INT(N)|$REAL(N)|$INT(N,%03d)|$REAL(N,%.2f)|$(DOLLAR)|$$(OpSys)|$$([1+2])",
     ["D"]),
    ("path = /a/b/c.tar.gz\nE = $CHOICE(1,a,b,c)|$SUBSTR(path,3)|$SUBSTR(path,-3)|"
     "$SUBSTR(path,1,2)", ["E"]),
    ("Name = abcdef\nS = $SUBSTR(Name, 2)|$SUBSTR(Name, 0, -2)|$SUBSTR(Name, 1, 3)|"
     "$SUBSTR(Name, -1)|$SUBSTR(Name, 4, -3)", ["S"]),
    ("F = $(Cluster).$(ClusterId).$(ProcId).$(Step).$(Item).$(ItemIndex).$(Row).$(JobId)",
     ["F"]),
    ("G = $ENV(NOPE_X:zz)|$ENV(HOME)|$ENV(SCRATCH)|$ENV(NOPE_X)", ["G"]),
    ("X = 2.7\nH = $INT(X)|$REAL(X)|$INT(X,%5d)", ["H"]),
    ("S = a\nS = $(S)b\nS = $(S)c", ["S"]),
    ("L = $(M)\nM = m1\nM = m2", ["L"]),
    ("N = 7\nM = x\nQ = $(N:$(M))|$(UNSET:$(M))", ["Q"]),
    ("Lower = v\nU = $(LOWER)$(lower)$(LoWeR)", ["U"]),
    ("Long = one \\\n  two \\\n  three", ["Long"]),
    ("# a comment\n   Spaced   =   value with  spaces   \n", ["Spaced"]),
    ("MyIndex = $(Process) + 1\ninitial_dir = run-$INT(MyIndex,%04d)", ["initial_dir"]),
    ("list = a,b,c\nW = $CHOICE(2, list)", ["W"]),
    ("X = 3\nR = $REAL(X,%.3e)|$INT(X,%x)", ["R"]),
    ("Block @=end\n  line one\n  line two\n@end\n", ["Block"]),
    ("+Project = \"relativity\"\nMY.Other = 5\nUses = $(MY.Project)", ["MY.Project", "MY.Other"]),
]


@pytest.mark.parametrize(("text", "names"), CASES, ids=[c[0][:30] for c in CASES])
def test_macro_expansion_matches_htcondor(text: str, names: list[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    full = text + "\nqueue\n"
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("NOPE_X", raising=False)
    oracle = htcondor2.Submit(full)
    ours = read_submit(None, full)
    for name in names:
        assert ours.param(name, env=ENV) == oracle.expand(name), name


def test_plus_attr_is_stored_as_my_attr() -> None:
    # htcondor2.Submit shows the rewrite: '+X' is kept as 'MY.X'
    text = 'executable = /bin/true\n+ProjectName = "relativity"\nqueue\n'
    assert "MY.ProjectName" in dict(htcondor2.Submit(text))
    ad = read_submit(None, text).expand(1, "u", 0, Path("/tmp"), env={})[0]
    assert ad.eval("ProjectName") == "relativity"


def test_a_macro_that_refers_to_itself_is_an_error_not_a_hang() -> None:
    sf = read_submit(None, "A = $(B)\nB = $(A)\nqueue\n")
    with pytest.raises(SubmitError, match=r"<submit>:1: .*nested more than"):
        sf.param("A")


def test_an_expansion_too_large_is_an_error() -> None:
    lines = ["A0 = xxxxxxxxxxxxxxxx"] + [f"A{i} = $(A{i - 1})$(A{i - 1})" for i in range(1, 40)]
    sf = read_submit(None, "\n".join(lines) + "\nqueue\n")
    with pytest.raises(SubmitError, match="longer than"):
        sf.param("A39")
