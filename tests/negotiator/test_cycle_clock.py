"""A cycle at time `now`: ClassAd time builtins read `now`, so a cycle is a pure function of it."""

from __future__ import annotations

import time

import pytest

from classad import parse_ad
from classad.clock import fixed_clock, now
from negotiator.cycle import negotiate
from negotiator.policy.accountant import AccountantState
from negotiator.policy.config import parse_config
from negotiator.policy.settings import build_config

SLOT = ('[MyType = "Machine"; Name = "slot1@wn"; Cpus = 1; Memory = 1024; Disk = 1000000; '
        'Arch = "X86_64"; OpSys = "LINUX"; State = "Unclaimed"; Activity = "Idle"; '
        'Requirements = true; Start = true]')
# a job that may start only in the second half of 2030 (by `time()` and by `currentTime()`)
JOB = ('[MyType = "Job"; ClusterId = 1; ProcId = 0; Owner = "a"; User = "a@x"; JobStatus = 1; '
       'RequestCpus = 1; RequestMemory = 100; RequestDisk = 10; '
       'Requirements = time() >= 1909000000 && getYear(currentTime()) == 2030]')


@pytest.mark.parametrize("when, matched", [
    (1_767_225_600, False),   # 2026-01-01
    (1_909_000_000, True),    # 2030-06-29
    (1_925_000_000, False),   # 2031-01-01
])
def test_time_builtins_read_the_cycles_time(when: int, matched: bool) -> None:
    config = build_config(parse_config(""))
    result, _ = negotiate([parse_ad(SLOT)], [parse_ad(JOB)], AccountantState(), config, when)
    assert bool(result.matches) is matched


def test_the_fixed_clock_is_scoped() -> None:
    with fixed_clock(1234):
        assert now() == 1234
        with fixed_clock(99):
            assert now() == 99
        assert now() == 1234
    assert abs(now() - time.time()) < 5
