"""Queue statements: items checked against htcondor2.Submit(...).itemdata() (HTCondor's own
parser of queue arguments), procs against the manual (condor_submit / 'Submitting a Job')."""

from __future__ import annotations

from pathlib import Path

import pytest

from negotiator.queue.submit import SubmitError, read_submit
from tests import cpp_oracle

if not cpp_oracle.AVAILABLE:  # pragma: no cover
    pytest.skip(cpp_oracle.UNAVAILABLE_REASON, allow_module_level=True)

import htcondor2  # noqa: E402

FORMS = [
    "x in (a, b)",
    "2 x in a b c",
    "x in a, b ,  c",
    "x in (a b\n c, d\n)",
    "x,y in (a b)",
    "3 in (a, b)",
    "x,y from (\n1 2\n3,4 5\n)",
    "x y z from (\n1,2\n)",
    "x from (\n  a b  \n)",
    "x,y from (\na 1\n# a comment\nb 2\n)",
    "$(N) x in (a)",
    "x,y from items.txt",
    "x matching *.dat",
    "x matching files *.dat",
    "x matching dirs d*",
]


@pytest.fixture
def submit_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "items.txt").write_text("a 1\n  b 2  \nc,3,4\n")
    for name in ("one.dat", "two.dat", "three.txt"):
        (tmp_path / name).write_text("x")
    (tmp_path / "dir1").mkdir()
    (tmp_path / "d.dat").mkdir()
    monkeypatch.chdir(tmp_path)  # the oracle globs and reads item files from the cwd
    return tmp_path


def _ours(text: str, d: Path) -> list[dict[str, str]]:
    sf = read_submit(None, text, submit_dir=d)
    block = sf.blocks[0]
    assert block.spec.items is not None
    return [dict(zip(block.spec.variables, values, strict=True))
            for _, values in block.spec.items]


@pytest.mark.parametrize("form", FORMS)
def test_queue_items_match_htcondor(form: str, submit_dir: Path) -> None:
    text = f"N = 2\nexecutable = /bin/true\nqueue {form}\n"
    expected = list(htcondor2.Submit(text).itemdata())
    assert _ours(text, submit_dir) == expected


@pytest.mark.parametrize("form", ["3", "", "$(N)", "2*3"])
def test_queue_count(form: str, tmp_path: Path) -> None:
    text = f"N = 4\nexecutable = /bin/true\nqueue {form}\n"
    count = {"3": 3, "": 1, "$(N)": int(htcondor2.Submit(text).expand("N")), "2*3": 6}[form]
    ads = read_submit(None, text).expand(1, "u", 0, tmp_path, env={})
    assert [ad.eval("ProcId") for ad in ads] == list(range(count))


@pytest.mark.parametrize(("sl", "py"), [
    ("[1:]", slice(1, None)), ("[:2]", slice(None, 2)), ("[::2]", slice(None, None, 2)),
    ("[-2:]", slice(-2, None)), ("[1:3]", slice(1, 3)), ("[1::3]", slice(1, None, 3))])
def test_queue_slice_picks_items_the_python_way(sl: str, py: slice, tmp_path: Path) -> None:
    # the manual: "Slices use Python syntax"; the oracle gives the unsliced items
    text = ("executable = /bin/true\narguments = $(x) $(ItemIndex)\n"
            "queue x in {} (a, b, c, d, e)\n")
    items = [d["x"] for d in htcondor2.Submit(text.format("")).itemdata()]
    indexes = list(range(len(items)))[py]
    ads = read_submit(None, text.format(sl)).expand(1, "u", 0, tmp_path, env={})
    assert [ad.eval("Args") for ad in ads] == [f"{items[i]} {i}" for i in indexes]


def test_queue_n_in_items_makes_n_procs_per_item(tmp_path: Path) -> None:
    # the manual: `queue 3 in (A, B)` gives 6 jobs, Step 0-2 for each item
    text = ("executable = /bin/true\narguments = $(Item) $(Step) $(ItemIndex) $(Row) $(Process)"
            "\nqueue 3 in (A, B)\n")
    ads = read_submit(None, text).expand(9, "u", 0, tmp_path, env={})
    got = [ad.eval("Args") for ad in ads]
    assert got == [f"{item} {step} {index} {index} {proc}"
                   for proc, (index, item, step) in enumerate(
                       (i, it, s) for i, it in enumerate("AB") for s in range(3))]


def test_several_queue_statements_continue_the_proc_numbers(tmp_path: Path) -> None:
    text = ("executable = /bin/true\noutput = a.$(Process)\nqueue 2\n"
            "output = b.$(Process)\nqueue 1\n")
    ads = read_submit(None, text).expand(3, "u", 0, tmp_path, env={})
    assert [(ad.eval("ProcId"), ad.eval("Out")) for ad in ads] == [
        (0, "a.0"), (1, "a.1"), (2, "b.2")]


def test_queue_from_file_with_initialdir_per_item(tmp_path: Path) -> None:
    # a real-project shape: one run directory per line of a list file
    (tmp_path / "runs.txt").write_text("run1 10\nrun2 20\n")
    for run in ("run1", "run2"):
        (tmp_path / run).mkdir()
    text = ("executable = sim.sh\ninitialdir = $(dir)\narguments = -n $(n)\n"
            "output = sim.out\nlog = sim.log\nqueue dir, n from runs.txt\n")
    ads = read_submit(tmp_path / "job.sub", text).expand(5, "u", 0, tmp_path, env={})
    assert [(a.eval("Iwd"), a.eval("Args"), a.eval("Out"), a.eval("UserLog"), a.eval("Cmd"))
            for a in ads] == [
        (f"{tmp_path}/run1", "-n 10", "sim.out", f"{tmp_path}/run1/sim.log", f"{tmp_path}/sim.sh"),
        (f"{tmp_path}/run2", "-n 20", "sim.out", f"{tmp_path}/run2/sim.log", f"{tmp_path}/sim.sh"),
    ]


@pytest.mark.parametrize(("form", "message"), [
    ("x in (a, b", "never closed"),
    ("N+ in (a)", "invalid queue count"),
    ("2000000", "outside"),
    ("x from missing.txt", "cannot read the items file"),
    ("x from ls |", "not supported"),
    ("x from (\na\n", "never closed"),
    ("2 x-y in (a)", "not a valid queue variable"),
])
def test_bad_queue_statements_name_the_line(form: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(SubmitError, match=rf"^<submit>:2: .*{message}"):
        read_submit(None, f"executable = /bin/true\nqueue {form}\n", submit_dir=tmp_path)
