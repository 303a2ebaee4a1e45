"""HTCondor's configuration language as its manual defines it: include, if/elif/else, use
templates, error/warning, function macros, and the budgets that keep a config from hanging us.

Expected values are the manual's own examples (admin manual, "Introduction to configuration")
and the knobs HTCondor's templates set (param_info.in), not outputs of this code."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from negotiator.errors import NegotiatorError
from negotiator.policy.config import load_config, parse_config
from negotiator.policy.settings import build_config

CONFIGS = Path(__file__).parent / "configs"


def test_central_manager_config_with_use_include_and_if() -> None:
    raw = load_config(CONFIGS / "central-manager.conf")
    assert raw.get("DAEMON_LIST").split() == ["COLLECTOR", "NEGOTIATOR", "SHARED_PORT"]  # type: ignore[union-attr]
    assert raw.get("NEGOTIATOR_INTERVAL") == "300"  # version 25 >= 9.0
    assert raw.get("ALLOW_NEGOTIATOR") == "cm.example.org"  # SECURITY:Host_Based, lazily
    config = build_config(raw)
    assert config.consider_preemption is False  # POLICY:Always_Run_Jobs
    assert [g.name for g in config.groups] == [
        "group_chemistry", "group_physics", "group_physics.hep"
    ]
    assert config.autoregroup is True  # `if defined GROUP_NAMES` saw the included definition
    assert config.priority_halflife == 2 * 86400  # $INT of a knob defined after the reference
    assert config.negotiator_interval == 300
    assert not config.warnings  # other daemons' knobs are accepted quietly


def test_execute_node_templates() -> None:
    raw = load_config(CONFIGS / "execute-policy.conf")
    assert raw.get("NUM_SLOTS_TYPE_1") == "1"
    assert raw.get("SLOT_TYPE_1_PARTITIONABLE") == "true"
    assert raw.get("SLOT_TYPE_1") == "100%"
    assert raw.get("WANT_HOLD_SUBCODE") == (
        "ifThenElse((JobUniverse != 13 && MemoryUsage =!= UNDEFINED && MemoryUsage > Memory), "
        "102 , UNDEFINED)"
    )
    assert raw.get("WANT_HOLD_REASON", ) == (
        "ifThenElse((JobUniverse != 13 && MemoryUsage =!= UNDEFINED && MemoryUsage > Memory), "
        '"memory usage exceeded request_memory", UNDEFINED)'
    )
    assert raw.get("PREEMPT") == (
        "(JobUniverse != 13 && MemoryUsage =!= UNDEFINED && MemoryUsage > Memory)"
    )
    assert raw.get("MEMORY") == "0.9 * 16384"
    assert raw.get("STARTD_ATTRS") == "HasDocker"


def test_if_elif_else_nesting() -> None:
    raw = parse_config(
        "if defined MY_UNDEFINED_VARIABLE\n X = 12\nelse\n X = -1\nendif\n"
        "A = yes\n"
        "if $(A)\n  if false\n    Y = 1\n  elif 0\n    Y = 2\n  elif true\n    Y = 3\n"
        "  else\n    Y = 4\n  endif\nelse\n  Y = 5\nendif\n"
        "if ! version < 8.2\n Z = new\nendif\nif version == 25\n W = same\nendif\n"
    )
    assert raw.get("X") == "-1"
    assert raw.get("Y") == "3"
    assert raw.get("Z") == "new"
    assert raw.get("W") == "same"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("if true\nX = 1\n", "'if' without 'endif'"),
        ("else\n", "'else' without 'if'"),
        ("if true\nelse\nelse\nendif\n", "'else' after 'else'"),
        ("if maybe\nendif\n", "not a simple boolean"),
        ("if version >= nine\nendif\n", "version OP"),
        ("if ! defined stuff\n  error : stuff is needed!\nendif\n", "error: stuff is needed!"),
        ("include command : /bin/echo X=1\n", "'include command' is refused"),
        ("include : /bin/echo X=1 |\n", "'include command' is refused"),
        ("include : /nonexistent/file.conf\n", "cannot read config"),
        ("use ROLE : Wizard\n", "unknown template ROLE:Wizard"),
        ("use MAGIC : X\n", "unknown template category"),
        ("use POLICY : PREEMPT_IF\n", "PREEMPT_IF requires an argument"),
        ("use POLICY : WANT_HOLD_IF(X)\n", "WANT_HOLD_IF requires 3 arguments"),
        ("just words\n", "expected NAME = value"),
    ],
)
def test_bad_statements_name_the_line(text: str, problem: str) -> None:
    with pytest.raises(NegotiatorError, match=problem) as caught:
        parse_config("# first line\n" + text, "pool.conf")
    assert caught.value.path == "pool.conf" and caught.value.line is not None
    assert caught.value.line >= 2


def test_error_inside_a_template_names_the_use_line() -> None:
    with pytest.raises(NegotiatorError) as caught:
        parse_config("A = 1\n\nuse POLICY : PREEMPT_IF()\n", "local.conf")
    assert (caught.value.path, caught.value.line) == ("local.conf", 3)


def test_warning_statement_is_kept() -> None:
    raw = parse_config("warning : old knob in use\n", "w.conf")
    assert raw.warnings == ("w.conf:1: warning: old knob in use",)
    assert build_config(raw).warnings == raw.warnings


def test_include_nests_relative_to_the_including_file(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "main.conf").write_text("include : sub/a.conf\nB = $(A)+1\n")
    (tmp_path / "sub" / "a.conf").write_text("include : b.conf\nA = $(C)0\n")
    (tmp_path / "sub" / "b.conf").write_text("C = 7\n")
    raw = load_config(tmp_path / "main.conf")
    assert raw.get("B") == "70+1"
    assert raw.where("C") == (str(tmp_path / "sub" / "b.conf"), 1)


def test_include_cycle_is_bounded(tmp_path: Path) -> None:
    (tmp_path / "loop.conf").write_text("include : loop.conf\n")
    with pytest.raises(NegotiatorError, match="nest deeper"):
        load_config(tmp_path / "loop.conf")


def test_manual_function_macro_examples() -> None:
    raw = parse_config(
        "X = 2\nY = 6\nXYArea = $(X) * $(Y)\n"
        "I1 = $INT(XYArea)\nI2 = $INT(XYArea,%04d)\nI3 = $INT(XYArea,Area=%d)\n"
        "Name = abcdef\n"
        "S1 = $SUBSTR(Name, 2)\nS2 = $SUBSTR(Name, 0, -2)\nS3 = $SUBSTR(Name, 1, 3)\n"
        "S4 = $SUBSTR(Name, -1)\nS5 = $SUBSTR(Name, 4, -3)\n"
        'FULL_HOSTNAME = host.DOMAIN\nLCFullHostname = toLower("$(FULL_HOSTNAME)")\n'
        "T1 = $STRING(LCFullHostname)\nT2 = $STRING(LCFullHostname,Name: %s)\n"
        'slist = "a,B,c"\nlcslist = tolower($(slist))\nlist = split($(slist))\n'
        'clist = size($(list)) * 10\nsemilist = join(";",split($(lcslist)))\n'
        "E1 = $EVAL(slist)\nE2 = $EVAL(lcslist)\nE3 = $EVAL(list)\nE4 = $EVAL(clist)\n"
        "E5 = $EVAL(semilist)\n"
        "F1 = $Fn(/tmp/simulate.exe)\nF2 = $Fx(/tmp/simulate.exe)\nF3 = $Fp(/tmp/simulate.exe)\n"
        "F4 = $BASENAME(/tmp/simulate.exe)\nF5 = $Fqn(/tmp/simulate.exe)\n"
        "C1 = $CHOICE(1, red, green, blue)\nColors = red, green, blue\nC2 = $CHOICE(2, Colors)\n"
        "R = $RANDOM_INTEGER(0, 8, 2)\nQ = $RANDOM_CHOICE(a, b, c)\n"
        "D = $(UNSET:fallback)\nDD = $(UNSET:$(X)$(Y))\nMoney = $(DOLLAR)(X)\n",
    )
    assert [raw.get(f"I{i}") for i in (1, 2, 3)] == ["12", "0012", "Area=12"]
    assert [raw.get(f"S{i}") for i in range(1, 6)] == ["cdef", "abcd", "bcd", "f", ""]
    assert raw.get("T1") == "host.domain" and raw.get("T2") == "Name: host.domain"
    assert raw.get("E1") == "a,B,c" and raw.get("E2") == "a,b,c"
    assert raw.get("E4") == "30" and raw.get("E5") == "a;b;c"
    import classad

    assert classad.evaluate(raw.get("E3") or "") == ["a", "B", "c"]
    assert [raw.get(f"F{i}") for i in range(1, 6)] == [
        "simulate", ".exe", "/tmp/", "simulate.exe", '"simulate"'
    ]
    assert raw.get("C1") == "green" and raw.get("C2") == "blue"
    assert raw.get("R") in {"0", "2", "4", "6", "8"} and raw.get("Q") in {"a", "b", "c"}
    assert raw.get("R") == raw.get("R")  # repeatable: a config reads the same every time
    assert raw.get("D") == "fallback" and raw.get("DD") == "26"
    assert raw.get("Money") == "$(X)"


def test_env_macro_uses_the_given_environment() -> None:
    raw = parse_config(
        "A = $ENV(POOL_HOME)/log\nB = $ENV(NOT_SET:/var)\nC = $ENV(NOT_SET)\n",
        env={"POOL_HOME": "/srv/pool"},
    )
    assert raw.get("A") == "/srv/pool/log" and raw.get("B") == "/var"
    assert raw.get("C") == "UNDEFINED"


@pytest.mark.parametrize(
    "text",
    [
        "A0 = x\n" + "".join(f"A{i} = $(A{i - 1})$(A{i - 1})\n" for i in range(1, 31))
        + "PRIORITY_HALFLIFE = $(A30)\n",
        "A = $(B)\nB = $(A)\nPRIORITY_HALFLIFE = $(A)\n",
        "PRIORITY_HALFLIFE = $INT(PRIORITY_HALFLIFE_X)\nPRIORITY_HALFLIFE_X = \"not a number\"\n",
        "PRIORITY_HALFLIFE = $RANDOM_INTEGER(5, 1)\n",
        "PRIORITY_HALFLIFE = $CHOICE(7, a, b)\n",
    ],
)
def test_runaway_or_bad_macros_are_errors_naming_the_knob(text: str) -> None:
    started = time.process_time()
    with pytest.raises(NegotiatorError, match="PRIORITY_HALFLIFE") as caught:
        build_config(parse_config(text, "big.conf"))
    assert caught.value.path == "big.conf"
    assert time.process_time() - started < 30  # a budget, not a hang (generous on a busy CI)


def test_invalid_utf8_config_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.conf"
    path.write_bytes(b"A = 1\nB = caf\xe9\n")
    with pytest.raises(NegotiatorError, match="not UTF-8") as caught:
        load_config(path)
    assert caught.value.line == 2


def test_knob_names_may_be_built_from_macros() -> None:
    raw = parse_config("N = 3\nSLOT_TYPE_$(N) = cpus=1\n")
    assert raw.get("SLOT_TYPE_3") == "cpus=1"
    with pytest.raises(NegotiatorError, match="not a knob name"):
        parse_config("N = a b\nX_$(N) = 1\n")
