"""Dynamic slots carved in the simulation are named as the startd names them."""

from __future__ import annotations

import re
from pathlib import Path

from negotiator.policy.config import RawConfig
from negotiator.policy.settings import build_config
from negotiator.sim import pool, workload
from negotiator.sim.run import Inputs, simulate
from negotiator.sim.slots import Pool


def trace(tmp_path: Path, jobs: int, cpus: int = 1) -> Path:
    path = tmp_path / "t.swf"
    lines = [f"{i} {i * 7} -1 {50 + (i * 37) % 400} {cpus} -1 -1 {cpus} -1 -1 1 {i % 3} 1 "
             "-1 -1 -1 -1 -1" for i in range(1, jobs + 1)]
    path.write_text("; MaxProcs: 4\n" + "\n".join(lines) + "\n")
    return path


def test_a_freed_dynamic_slot_number_is_used_again(tmp_path: Path) -> None:
    """HTCondor's startd gives a new dynamic slot the lowest number none of the partitionable
    slot's dynamic slots holds (IdDispenser::next), and takes a number back when its slot goes."""
    jobs = workload.from_swf(trace(tmp_path, 4)).jobs
    slots = Pool(pool.from_spec("1x8c"), build_config(RawConfig()))
    pslot = slots.top[0]
    made = [slots.carve(pslot, "ignored", job) for job in jobs[:3]]
    assert [s.name for s in made] == [f"slot1_{k}@m00001.sim" for k in (1, 2, 3)]
    slots.release(made[1])
    assert pslot.ad.eval("NumDynamicSlots") == 2
    again = slots.carve(pslot, "ignored", jobs[3])
    assert again.name == "slot1_2@m00001.sim"
    assert pslot.ad.eval("NumDynamicSlots") == 3 and slots.by_name[again.name] is again


def test_names_stay_below_the_most_slots_a_machine_holds_at_once(tmp_path: Path) -> None:
    outcome, _ = simulate(Inputs(trace=trace(tmp_path, 60), machines="2x4c"))
    numbers = {int(re.match(r"slot1_(\d+)@", j.slot)[1]) for j in outcome.jobs}  # type: ignore[index]
    assert all(j.end == j.end for j in outcome.jobs)
    assert numbers <= {1, 2, 3, 4} and len(numbers) == 4
