"""Sweeps: the grid file, bad knobs, and Dask giving the same summaries as one process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from negotiator.errors import NegotiatorError
from negotiator.sim import sweep
from negotiator.sim.run import bundled

GRID = f"""
machines = ["4x8c16g", "8x8c16g"]
rates = [1.0, 2.0]

[base]
trace = "{bundled('lcg-slice.swf.gz')}"
config = "{bundled('negotiator.conf')}"
limit = 120

[knobs]
PRIORITY_HALFLIFE = [600, 86400]
"""


def test_the_grid_is_every_combination(tmp_path: Path) -> None:
    path = tmp_path / "grid.toml"
    path.write_text(GRID)
    runs = sweep.load_grid(path)
    assert len(runs) == 8
    assert {r.inputs.machines for r in runs} == {"4x8c16g", "8x8c16g"}
    assert {r.inputs.selection.rate for r in runs} == {1.0, 2.0}
    assert {r.inputs.config_text for r in runs} == {"PRIORITY_HALFLIFE = 600",
                                                     "PRIORITY_HALFLIFE = 86400"}


@pytest.mark.parametrize(("text", "message"), [
    ("[knobs]\nPRIORITY_HALFLIFE = [1]\nNO_SUCH_KNOB = [1, 2]\n",
     "grid.toml:3: knobs.NO_SUCH_KNOB: unknown knob"),
    ("colours = [1]\n", "grid.toml: unknown key colours"),
    ("[knobs]\nPRIORITY_HALFLIFE = 5\n", "expected a non-empty list"),
    ("machines = [", "malformed sweep"),
])
def test_bad_grids_name_the_place(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "grid.toml"
    path.write_text(text)
    with pytest.raises(NegotiatorError) as caught:
        sweep.load_grid(path)
    assert message in str(caught.value)


def test_a_sweep_on_a_two_worker_local_cluster_equals_the_runs_one_by_one(
        tmp_path: Path) -> None:
    path = tmp_path / "grid.toml"
    path.write_text(GRID.replace('rates = [1.0, 2.0]', 'rates = [1.0]'))
    runs = sweep.load_grid(path)
    serial = sweep.run_serial(runs, None)
    parallel = sweep.run_on_dask(runs, tmp_path / "out", None, 2)
    assert json.dumps(serial, sort_keys=True) == json.dumps(parallel, sort_keys=True)
    assert len({json.dumps(s, sort_keys=True) for s in serial}) == len(runs)  # runs differ
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        sweep.folder_name(i) for i in range(len(runs))]


def test_sweep_command_serial(tmp_path: Path) -> None:
    path = tmp_path / "grid.toml"
    path.write_text(GRID.replace('machines = ["4x8c16g", "8x8c16g"]', 'machines = ["4x8c16g"]')
                    .replace("rates = [1.0, 2.0]", "rates = [1.0]"))
    done = subprocess.run([sys.executable, "-m", "negotiator", "sweep", str(path), "--serial",
                           "--out", str(tmp_path / "o")], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    assert "PRIORITY_HALFLIFE=600" in done.stdout and "Jain" in done.stdout
    assert (tmp_path / "o" / "comparison.png").stat().st_size > 1000
    assert len(json.loads((tmp_path / "o" / "summaries.json").read_text())) == 2
