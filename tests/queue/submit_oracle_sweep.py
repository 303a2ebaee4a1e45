"""Compare every submit file of a directory with condor_submit's code; print one line each.

    python -m tests.queue.submit_oracle_sweep DIR

A development tool beside tests/queue/test_submit_oracle.py (same oracle, scratch directory,
environment and comparison), for files that are not in the corpus, e.g. HTCondor's
src/condor_tests/*.cmd|*.sub. Each file ends as OK, DIFF (the attributes that differ),
BOTH REFUSE, OURS REFUSES or CONDOR REFUSES; the last line counts them.
"""

from __future__ import annotations

import collections
import shutil
import sys
import tempfile
from pathlib import Path

from negotiator.queue.submit import SubmitError
from tests.queue import submit_oracle
from tests.queue import test_submit_oracle as t


class _Factory:
    def __init__(self, root: Path) -> None:
        self.root = root

    def mktemp(self, name: str) -> Path:
        return Path(tempfile.mkdtemp(prefix=name, dir=self.root))


def sweep(directory: Path) -> collections.Counter[str]:
    root = Path(tempfile.mkdtemp(prefix="submit-oracle-sweep-"))
    scratch = next(t.scratch.__wrapped__(_Factory(root)))  # type: ignore[attr-defined]
    config = root / "condor_config"
    config.write_text(submit_oracle.CONFIG)
    files = sorted(p for p in directory.iterdir() if p.is_file())
    for src in files:
        shutil.copy(src, scratch / src.name)
    texts = [(scratch / src.name).read_text(errors="replace") for src in files]
    answers = submit_oracle.oracle_ads(texts, scratch, config, t.environment(scratch),
                                       clusterid=t.CLUSTER, qdate=t.QDATE, owner=t.OWNER)
    counts: collections.Counter[str] = collections.Counter()
    for src, theirs in zip(files, answers, strict=True):
        try:
            ours: list[dict[str, str]] | Exception = t.our_ads(scratch / src.name, scratch, config)
        except SubmitError as e:
            ours = e
        if isinstance(ours, Exception) or isinstance(theirs, Exception):
            verdict = ("BOTH REFUSE" if isinstance(ours, Exception) and isinstance(theirs, Exception)
                       else "OURS REFUSES" if isinstance(ours, Exception) else "CONDOR REFUSES")
            detail = str(ours if isinstance(ours, Exception) else theirs).splitlines()[0]
        else:
            found = {line.strip().splitlines()[0] for a, b in zip(ours, theirs, strict=False)
                     for line in t.differences(a, b)}
            if len(ours) != len(theirs):
                found.add(f"{len(ours)} procs, condor_submit makes {len(theirs)}")
            verdict, detail = ("DIFF", "; ".join(sorted(found))) if found else ("OK", "")
        counts[verdict] += 1
        print(f"{src.name}: {verdict} {detail[:200]}")
    shutil.rmtree(root, ignore_errors=True)
    return counts


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tests.queue.submit_oracle_sweep DIR")
    reason = submit_oracle.unavailable_reason()
    if reason:
        sys.exit(reason)
    print(dict(sweep(Path(sys.argv[1]))))
