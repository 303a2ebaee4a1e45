"""Bad input gives one clear NegotiatorError naming the file and line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from negotiator import ads
from negotiator.errors import NegotiatorError
from negotiator.policy.config import load_config, parse_config
from negotiator.policy.settings import build_config
from negotiator.policy.store import load_json


def config_error(tmp_path: Path, text: str) -> NegotiatorError:
    path = tmp_path / "negotiator.conf"
    path.write_text(text)
    with pytest.raises(NegotiatorError) as info:
        build_config(load_config(path))
    assert info.value.path == str(path)
    return info.value


def test_negative_quota_names_file_and_line(tmp_path: Path) -> None:
    err = config_error(tmp_path, "# groups\nGROUP_NAMES = a\nGROUP_QUOTA_a = -5\n")
    assert err.line == 3 and "GROUP_QUOTA_a" in str(err)
    assert str(err).startswith(f"{tmp_path / 'negotiator.conf'}:3: ")


def test_unknown_group(tmp_path: Path) -> None:
    err = config_error(tmp_path, "GROUP_NAMES = a\nGROUP_QUOTA_b = 5\n")
    assert err.line == 2 and "unknown group 'b'" in str(err)


def test_group_without_parent(tmp_path: Path) -> None:
    err = config_error(tmp_path, "GROUP_NAMES = a, b.c\n")
    assert err.line == 1 and "no parent group 'b'" in str(err)


def test_dynamic_quota_out_of_range(tmp_path: Path) -> None:
    err = config_error(tmp_path, "GROUP_NAMES = a\n\nGROUP_QUOTA_DYNAMIC_a = 1.5\n")
    assert err.line == 3


def test_bad_number_and_bool(tmp_path: Path) -> None:
    assert config_error(tmp_path, "PRIORITY_HALFLIFE = soon\n").line == 1
    assert config_error(tmp_path, "X = 1\nNEGOTIATOR_CONSIDER_PREEMPTION = maybe\n").line == 2


def test_bad_expression(tmp_path: Path) -> None:
    err = config_error(tmp_path, "PREEMPTION_REQUIREMENTS = RemoteUserPrio >\n")
    assert err.line == 1 and "PREEMPTION_REQUIREMENTS" in str(err)


def test_malformed_line(tmp_path: Path) -> None:
    err = config_error(tmp_path, "A = 1\nthis is not a definition\n")
    assert err.line == 2


def test_macro_value_error_points_at_definition(tmp_path: Path) -> None:
    err = config_error(tmp_path, "HALF = soon\nPRIORITY_HALFLIFE = $(HALF)\n")
    assert err.line == 2


def test_other_daemons_knobs_are_quiet_and_negotiator_typos_warn(tmp_path: Path) -> None:
    path = tmp_path / "c.conf"
    path.write_text("DAEMON_LIST = MASTER\nPRIORITY_HALFLIF = 10\nNEGOTIATOR_FOO = 1\n")
    config = build_config(load_config(path))
    assert config.warnings == (
        f"{path}:2: unknown negotiator knob PRIORITY_HALFLIF"
        " (ignored; did you mean PRIORITY_HALFLIFE?)",
        f"{path}:3: unknown negotiator knob NEGOTIATOR_FOO (ignored)",
    )
    assert config.ignored == (
        f"{path}:1: DAEMON_LIST", f"{path}:2: PRIORITY_HALFLIF", f"{path}:3: NEGOTIATOR_FOO"
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("GROUP_QUOTA_MAX_ALLOCATION_ROUNDS = inf", "finite"),
        ("GROUP_QUOTA_MAX_ALLOCATION_ROUNDS = 0", ">= 1"),
        ("GROUP_QUOTA_MAX_ALLOCATION_ROUNDS = 2.5", "whole number"),
        ("GROUP_QUOTA_ROUND_ROBIN_RATE = -1", "positive"),
        ("PRIORITY_HALFLIFE = nan", "finite"),
        ("PRIORITY_HALFLIFE = 0", ">= 1e-05"),
        ("NEGOTIATOR_INTERVAL = 1e999", "finite"),
        ("GROUP_NAMES = a\nGROUP_QUOTA_a = 1e400", "finite"),
    ],
)
def test_knobs_are_range_checked(tmp_path: Path, text: str, problem: str) -> None:
    err = config_error(tmp_path, text + "\n")
    assert problem in err.message


def test_recursive_macro() -> None:
    with pytest.raises(NegotiatorError, match="does not terminate"):
        build_config(parse_config("A = $(B)\nB = $(A)\nPRIORITY_HALFLIFE = $(A)\n"))


def test_malformed_ads_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "slots.ad"
    path.write_text('[\n  Name = "slot1";\n  Cpus = ;\n]\n')
    with pytest.raises(NegotiatorError) as info:
        ads.read_ads(path, "slot")
    assert info.value.path == str(path)
    assert info.value.line is not None


def test_missing_file() -> None:
    with pytest.raises(NegotiatorError, match="cannot read"):
        ads.read_ads("/nonexistent/slots.ad", "slot")


def test_malformed_state_json(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text('{"submitters": {\n  "a@x": {"priority": "high"}\n}}\n')
    with pytest.raises(NegotiatorError, match="priority must be a number"):
        load_json(path)
    path.write_text("{\n  oops\n}")
    with pytest.raises(NegotiatorError) as info:
        load_json(path)
    assert info.value.line == 2


def test_knobs_that_drive_loops_cannot_run_away() -> None:
    """A round-robin rate of 1 against a quota of 1e12, and 2**31-1 allocation rounds, with a
    job that can never match: the cycle still ends (HTCondor's loop would spin for ages)."""
    import time

    from negotiator.cycle import negotiate
    from negotiator.policy.accountant import AccountantState

    config = build_config(parse_config(
        "GROUP_NAMES = a\nGROUP_QUOTA_a = 1e12\nGROUP_ACCEPT_SURPLUS = true\n"
        "GROUP_QUOTA_ROUND_ROBIN_RATE = 1\nGROUP_QUOTA_MAX_ALLOCATION_ROUNDS = 2147483647\n"
    ))
    slots = ads.parse_ad_text(
        '[MyType = "Machine"; Name = "s1"; Cpus = 1; Memory = 1024; Requirements = true]',
        "slots", "slot")
    jobs = ads.parse_ad_text(
        '[MyType = "Job"; ClusterId = 1; ProcId = 0; JobStatus = 1; Owner = "u";'
        ' AccountingGroup = "a.u"; RequestCpus = 1000000000; RequestMemory = 1;'
        ' Requirements = TARGET.Memory > 1e9]',
        "jobs", "job")
    started = time.process_time()
    result, _state = negotiate(slots, jobs, AccountantState(), config, 1_700_000_000.0)
    assert result.matches == ()
    assert time.process_time() - started < 60
