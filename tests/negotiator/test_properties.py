"""Property tests: whatever the pool, the cycle never double-books, mismatches or overspends."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from negotiator import ads
from negotiator.cycle import negotiate
from negotiator.policy.accountant import AccountantState, Customer
from negotiator.policy.config import parse_config
from negotiator.policy.settings import build_config

USERS = ["a@pool", "b@pool", "c@pool", "g1.d@pool", "g2.e@pool"]
JOB_REQUIREMENTS = [
    "true",
    "TARGET.Cpus >= 2",
    "TARGET.Memory >= 4096",
    "TARGET.SlotID % 2 == 0",
    "TARGET.Nope > 1",
]


@st.composite
def pools(draw: st.DrawFn) -> tuple[list[object], list[object], AccountantState]:
    slots = []
    for n in range(draw(st.integers(1, 25))):
        attrs: dict[str, object] = {
            "Name": f"slot{n + 1}@node",
            "SlotID": n + 1,
            "Cpus": draw(st.sampled_from([1, 1, 2, 4])),
            "Memory": draw(st.sampled_from([2048, 4096, 8192])),
            "Disk": 1_000_000,
            "SlotWeight": "=Cpus",
            "Rank": 0.0,
            "CurrentRank": 0.0,
            "Requirements": "=TARGET.RequestCpus <= MY.Cpus && TARGET.RequestMemory <= MY.Memory",
        }
        owner = draw(st.sampled_from([None, None, *USERS]))
        if owner:
            attrs.update({"State": "Claimed", "RemoteUser": owner, "AccountingGroup": owner})
        slots.append(ads.make_ad(attrs))
    jobs = []
    for n in range(draw(st.integers(0, 40))):
        user = draw(st.sampled_from(USERS))
        jobs.append(
            ads.make_ad(
                {
                    "ClusterId": 1 + n // 5,
                    "ProcId": n % 5,
                    "User": user,
                    "AccountingGroup": user,
                    "JobStatus": 1,
                    "RequestCpus": draw(st.sampled_from([1, 1, 2])),
                    "RequestMemory": draw(st.sampled_from([1024, 2048, 4096])),
                    "Requirements": "=" + draw(st.sampled_from(JOB_REQUIREMENTS)),
                    "JobPrio": draw(st.integers(-2, 2)),
                }
            )
        )
    factors = {
        u: Customer(
            u, priority=draw(st.floats(0.5, 50)), factor=draw(st.sampled_from([1.0, 2.0, 1000.0]))
        )
        for u in USERS
    }
    return slots, jobs, AccountantState(last_update=0.0, customers=factors)


CONFIGS = [
    "",
    "NEGOTIATOR_CONSIDER_PREEMPTION = False",
    "GROUP_NAMES = g1, g2\nGROUP_QUOTA_g1 = 3\nGROUP_QUOTA_g2 = 2\nNEGOTIATOR_ALLOW_QUOTA_OVERSUBSCRIPTION = False",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pools(), st.sampled_from(CONFIGS))
def test_cycle_invariants(
    pool: tuple[list[object], list[object], AccountantState], text: str
) -> None:
    slots, jobs, state = pool
    config = build_config(parse_config(text))
    result, new_state = negotiate(slots, jobs, state, config, 60.0)  # type: ignore[arg-type]
    by_name = {ads.text(s, "Name"): s for s in slots}  # type: ignore[arg-type]
    by_job = {f"{ads.number(j, 'ClusterId', 0):g}.{ads.number(j, 'ProcId', 0):g}": j for j in jobs}  # type: ignore[arg-type]
    # no slot matched twice, no job matched twice
    assert len({m.slot for m in result.matches}) == len(result.matches)
    assert len({m.job for m in result.matches}) == len(result.matches)
    # every match satisfies both Requirements
    for m in result.matches:
        assert ads.symmetric_match(by_job[m.job], by_name[m.slot])  # type: ignore[arg-type]
    # no turn above its limit, beyond the one-slot (round-up) rule
    for turn in result.turns:
        assert turn.used_unclaimed <= max(turn.limit_unclaimed, turn.first_cost) + 1e-9
    # without surplus, groups stay within their static quotas (beyond the one-slot rule)
    if "GROUP_NAMES" in text:
        quotas = {"g1": 3.0, "g2": 2.0}
        for group, quota in quotas.items():
            before = sum(
                ads.number(s, "Cpus", 1)
                for s in slots  # type: ignore[arg-type]
                if (ads.text(s, "RemoteUser") or "").startswith(group + ".")
            )  # type: ignore[arg-type]
            costs = [m.cost for m in result.matches if m.group == group]
            # one match may overshoot (the round-up rule), never more
            assert not costs or before + sum(costs) - max(costs) < quota
    # usage never goes negative and the new state is stamped with the cycle time
    assert new_state.last_update == 60.0
    assert all(c.weighted_in_use >= 0 for c in new_state.customers.values())


@settings(max_examples=30, deadline=None)
@given(pools())
def test_cycle_is_deterministic(pool: tuple[list[object], list[object], AccountantState]) -> None:
    slots, jobs, state = pool
    config = build_config(parse_config(""))
    first = negotiate(slots, jobs, state, config, 60.0)  # type: ignore[arg-type]
    second = negotiate(slots, jobs, state, config, 60.0)  # type: ignore[arg-type]
    assert first == second
