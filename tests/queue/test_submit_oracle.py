"""Job ads from submit files, against condor_submit's own C++ code (tests/queue/submit_oracle.py).

Each file of tests/queue/submit_corpus/ is submitted by both, from the same directory with
the same environment and configuration. For every attribute both ads have, the values must
be the same expression; an attribute only one side makes must be listed below with the
reason. Files named `bad-*.sub` must be refused by both, ours with `file:line: message` at
the line named by the file's `# refused-at: N` comment; `bad25-*.sub` are refused since
HTCondor 25 (the file says where in its source), so the 24.0 oracle must still accept them.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from classad.parser import parse_expr
from classad.unparse import unparse
from negotiator.queue.submit import SubmitError, read_submit
from tests.queue import submit_oracle

CORPUS = Path(__file__).with_name("submit_corpus")
CASES = sorted(p.name for p in CORPUS.glob("*.sub"))
CLUSTER, QDATE, OWNER = 42, 1_700_000_000, "alice"

#: attributes HTCondor's code makes that ours does not, and why
ORACLE_ONLY = {
    "CondorVersion": "the version string of the submitting tool's build; the schedd keeps it "
                     "only for its own compatibility checks",
    "CondorPlatform": "the platform string of the submitting tool's build, as CondorVersion",
    "JobSubmitMethod": "how the job came in (0 condor_submit, 2 the Python bindings...): it "
                       "differs between condor_submit and this oracle, and nothing reads it",
}
#: attributes ours makes that HTCondor's submit code leaves to the schedd (or to a file name
#: the bindings never see), and why
OURS_ONLY = {
    "User": "the schedd sets it (Owner@UID_DOMAIN) when the job is queued",
    "JobSubmitFile": "condor_submit sets it from the submit file's name; the bindings read "
                     "text, not a file",
    "ContainerImageFullPath": "HTCondor 25 adds it for a transferred container image "
                              "(process_container_input_files); 24.0 did not",
}
#: attributes both make whose values cannot be the same here, and why
NORMALISED = {
    "Owner": "the bindings' jobs() leaves it undefined (the schedd sets it on queueing); ours "
             "is the submitter, as the schedd would set it",
}

#: HTCondor 25 changes, each read in submit_utils.cpp: our value (25) -> the 24.0 oracle's form
VANILLA_DISK_25 = ('(versionGE(split(TARGET.CondorVersion)[1],"25.12.0") || '
                   '(TARGET.Disk >= RequestDisk))')
VERSION_RULES = {
    # SetRequirements: 25.12 lets vanilla jobs skip the Disk check on starters >= 25.12
    "requirements": lambda ours, theirs: ours.replace(VANILLA_DISK_25,
                                                      "(TARGET.Disk >= RequestDisk)"),
    # SetTransferFiles: 25 rounds the input size up to whole MiB, 24.0 truncated it
    "transferinputsizemb": lambda ours, theirs: _size_mb_24(ours, int(theirs["diskusage"][1])),
}


def _size_mb_24(ours: str, disk_usage_kb: int) -> str:
    """24.0's TransferInputSizeMB if ours is 25's (the KiB rounded up), else ours marked."""
    if ours == str(-(-disk_usage_kb // 1024)):
        return str(disk_usage_kb // 1024)
    return f"{ours} (HTCondor 25 rounds {disk_usage_kb} KiB up)"

REQUIRE = os.environ.get("CLASSAD_POOL_REQUIRE_SUBMIT_ORACLE") == "1"


@pytest.fixture(scope="module")
def oracle_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    reason = submit_oracle.unavailable_reason()
    if reason is not None:
        if REQUIRE:
            pytest.fail(f"CLASSAD_POOL_REQUIRE_SUBMIT_ORACLE=1 but {reason}")
        pytest.skip(reason)
    path = tmp_path_factory.mktemp("submit-oracle") / "condor_config"
    path.write_text(submit_oracle.CONFIG)
    return path


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The submit directory: the corpus and the files its submit files name."""
    d = tmp_path_factory.mktemp("submit-corpus")
    for case in CASES:
        shutil.copy(CORPUS / case, d / case)
    for name in CORPUS.glob("*.items"):
        shutil.copy(name, d / name.name)
    (d / "input.txt").write_text("hello world\n")
    (d / "data").mkdir()
    (d / "data" / "blob.bin").write_bytes(b"\0" * 5000)
    (d / "big.dat").write_bytes(b"x" * (3 << 20))
    for sub in ("run0", "run1", "run2", "in"):
        (d / sub).mkdir()
        (d / sub / "params.txt").write_text(f"{sub}\n")
    (d / "image.sif").write_bytes(b"sif")
    (d / "job.sh").write_text("#!/bin/sh\necho $@\n")
    yield d


@pytest.fixture(scope="module")
def condor(scratch: Path, oracle_config: Path) -> dict[str, list[dict[str, str]] | Exception]:
    """condor_submit's answer for every corpus file (one oracle process for all)."""
    answers = submit_oracle.oracle_ads([(scratch / case).read_text() for case in CASES], scratch,
                                       oracle_config, environment(scratch), clusterid=CLUSTER,
                                       qdate=QDATE, owner=OWNER)
    return dict(zip(CASES, answers, strict=True))


def environment(d: Path) -> dict[str, str]:
    """The job's environment on both sides (getenv, $ENV())."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(d), "TZ": "UTC", "LANG": "C.UTF-8",
            "SUBMIT_TEST_NAME": "world", "SUBMIT_SECRET": "s3cret", "SUBMITTER": "me"}


def canonical(text: str) -> str:
    """An expression's text as our unparser writes its tree (formatting differences go)."""
    return unparse(parse_expr(text))


def our_ads(path: Path, d: Path, config: Path) -> list[dict[str, str]]:
    env = {**environment(d), "CONDOR_CONFIG": str(config)}
    ads = read_submit(path, submit_dir=d).expand(CLUSTER, OWNER, QDATE, d, env)
    return [{name: unparse(ad[name]) for name in ad} for ad in ads]


def differences(ours: dict[str, str], theirs: dict[str, str]) -> list[str]:
    mine = {name.lower(): (name, text) for name, text in ours.items()}
    other = {name.lower(): (name, text) for name, text in theirs.items()}
    only_theirs = {k.lower() for k in ORACLE_ONLY}
    only_ours = {k.lower() for k in OURS_ONLY}
    normalised = {k.lower() for k in NORMALISED}
    found = []
    for key in sorted(mine.keys() | other.keys()):
        if key not in mine:
            if key not in only_theirs:
                found.append(f"  missing {other[key][0]} = {other[key][1]}")
        elif key not in other:
            if key not in only_ours:
                found.append(f"  extra   {mine[key][0]} = {mine[key][1]}")
        elif key not in normalised:
            want = canonical(other[key][1])
            have = mine[key][1]
            if key in VERSION_RULES:
                have = VERSION_RULES[key](have, other)
            if have != want:
                found.append(f"  differs {other[key][0]}:\n    ours:   {mine[key][1]}\n"
                             f"    condor: {want}")
    return found


@pytest.mark.parametrize("case", CASES)
def test_same_job_ads_as_condor_submit(case: str, scratch: Path, oracle_config: Path,
                                       condor: dict[str, list[dict[str, str]] | Exception]) -> None:
    path = scratch / case
    theirs = condor[case]
    if case.startswith(("bad-", "bad25-")):
        if case.startswith("bad-"):
            assert isinstance(theirs, submit_oracle.OracleRefused), "condor_submit accepts it"
        else:
            assert not isinstance(theirs, Exception), f"the 24.0 oracle refuses it: {theirs}"
        m = re.search(r"#\s*refused-at:\s*(\d+)", path.read_text())
        assert m, f"{case} names no line in a '# refused-at: N' comment"
        with pytest.raises(SubmitError) as refused:
            our_ads(path, scratch, oracle_config)
        assert str(refused.value).startswith(f"{path}:{m.group(1)}: "), str(refused.value)
        return
    assert not isinstance(theirs, Exception), f"condor_submit refuses it: {theirs}"
    ours = our_ads(path, scratch, oracle_config)
    assert len(ours) == len(theirs), f"{len(ours)} procs, condor_submit makes {len(theirs)}"
    report = []
    for i, (mine, other) in enumerate(zip(ours, theirs, strict=True)):
        diff = differences(mine, other)
        if diff:
            report.append(f"proc {i}:\n" + "\n".join(diff))
    assert not report, f"{case} differs from condor_submit:\n" + "\n".join(report)
