"""`pool status -avail / -claimed / -total / -jsonl -attributes` and `pool q -jsonl -attributes`."""

from __future__ import annotations

import json
from pathlib import Path

from classad import parse_ad
from negotiator.queue.jobqueue import JobQueue
from tests.queue.test_pool_cli import pool, pool_dir, submit

__all__ = ["pool_dir"]  # the fixture


def _publish(where: Path) -> None:
    where.mkdir(parents=True, exist_ok=True)
    slots = [parse_ad(f'[MyType = "Machine"; Name = "slot1_{i}@wn1"; OpSys = "LINUX"; '
                      f'Arch = "X86_64"; State = "{state}"; Activity = "{act}"; Memory = 512; '
                      f'Cpus = 1; LoadAvg = 0.0]')
             for i, (state, act) in enumerate([("Unclaimed", "Idle"), ("Claimed", "Busy"),
                                               ("Claimed", "Busy")], start=1)]
    with JobQueue(where / "pool.db") as queue:
        queue.publish_slots(slots, now=1000.0)


def test_status_modes_filter_by_state(pool_dir: Path) -> None:
    _publish(pool_dir)
    names = pool(pool_dir, "status", "-avail", "-af", "Name").stdout.split()
    assert names == ["slot1_1@wn1"]
    assert pool(pool_dir, "status", "-claimed", "-af", "Name").stdout.split() == [
        "slot1_2@wn1", "slot1_3@wn1"]
    summary = pool(pool_dir, "status", "-total").stdout.splitlines()
    assert not any("slot1_" in line for line in summary)
    head = next(line for line in summary if "Claimed" in line).split()
    total = [line for line in summary if line.strip()][-1].split()
    assert total[0] == "Total"
    counts = dict(zip(head, total[1:], strict=True))
    assert (counts["Total"], counts["Claimed"], counts["Unclaimed"]) == ("3", "2", "1")


def test_jsonl_and_attributes(pool_dir: Path) -> None:
    _publish(pool_dir)
    rows = [json.loads(line) for line in
            pool(pool_dir, "status", "-jsonl", "-attributes", "Name,state").stdout.splitlines()]
    assert [sorted(r) for r in rows] == [["Name", "State"]] * 3
    submit(pool_dir, 2)
    jobs = pool(pool_dir, "q", "-jsonl", "-attributes", "ProcId,Owner").stdout.splitlines()
    assert [sorted(json.loads(j)) for j in jobs] == [["Owner", "ProcId"]] * 2
    whole = json.loads(pool(pool_dir, "q", "-json", "-attributes", "ProcId").stdout)
    assert [j["ProcId"] for j in whole] == [0, 1] and all(len(j) == 1 for j in whole)
