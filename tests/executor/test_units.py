"""Engine-free parts: argument syntax, job ad -> JobSpec, container options, event log format."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from classad.argsyntax import ArgSyntaxError, environment_v1, environment_v2, split_v2
from executor import containers as ct
from executor.eventlog import EventLog
from executor.jobad import string_list
from executor.protocol import JobHandle
from executor.spec import ExecutorConfig, JobResult, JobSpec, SpecError, Usage

EXECUTOR = Path(__file__).resolve().parents[2] / "executor"


@pytest.mark.parametrize(("text", "words"), [
    ("", []),
    ("a b   c", ["a", "b", "c"]),
    ("-c 'echo hi there'", ["-c", "echo hi there"]),
    ("'it''s' x", ["it's", "x"]),
    ("a'b c'd", ["ab cd"]),
    ("''", [""]),
    ('say "x"', ["say", '"x"']),
])
def test_v2_arguments(text: str, words: list[str]) -> None:
    assert split_v2(text) == words


def test_unbalanced_quote_is_a_spec_error() -> None:
    from classad import parse_ad
    from executor.jobad import spec_from_ad

    with pytest.raises(ArgSyntaxError):
        split_v2("'open")
    ad = parse_ad('[DockerImage = "busybox"; Cmd = "/bin/echo"; Arguments = "\'open"]')
    with pytest.raises(SpecError, match="Arguments"):
        spec_from_ad(ad, "/tmp")


def test_environment_syntaxes() -> None:
    assert environment_v2("A=1 B='two words' C=") == [("A", "1"), ("B", "two words"), ("C", "")]
    assert environment_v1("A=1;B=x y") == [("A", "1"), ("B", "x y")]
    with pytest.raises(ArgSyntaxError):
        environment_v2("NOVALUE")
    assert string_list("a.txt, b.txt c/") == ["a.txt", "b.txt", "c/"]


@pytest.mark.parametrize(("ref", "normal"), [
    ("busybox", "busybox:latest"),
    ("docker://debian:12", "debian:12"),
    ("registry:5000/x/y", "registry:5000/x/y:latest"),
    ("registry:5000/x/y:2", "registry:5000/x/y:2"),
    ("x@sha256:abc", "x@sha256:abc"),
])
def test_normalize_image(ref: str, normal: str) -> None:
    assert ct.normalize_image(ref) == normal


def test_job_ad_to_spec() -> None:
    classad = pytest.importorskip("classad")
    from executor.jobad import spec_from_ad

    ad = classad.parse_ad("""[
        ClusterId = 12; ProcId = 3; Owner = "bob"; Iwd = "/work/bob";
        ContainerImage = "docker://debian:12"; Cmd = "/bin/echo"; Arguments = "'a b' c";
        Environment = "X=1 Y='y y'"; RequestCpus = 2; RequestMemory = 1.5 * 1024;
        TransferInput = "in1, in2"; TransferOutput = "out1"; Out = "o"; Err = "/dev/null";
        UserLog = "/tmp/log"; DockerNetworkType = "NAT"; KillSig = "SIGINT"; DockerPullPolicy = "always";
        TransferExecutable = false
    ]""")
    spec = spec_from_ad(ad)
    assert spec == JobSpec(
        image="docker://debian:12", cluster=12, proc=3, command=("/bin/echo", "a b", "c"),
        env=(("X", "1"), ("Y", "y y")), cpus=2, memory_mb=1536, iwd="/work/bob",
        transfer_input=("in1", "in2"), transfer_output=("out1",), stdout="o", stderr=None,
        user_log="/tmp/log", network="nat", kill_sig="SIGINT", owner="bob", pull_always=True)


def test_transfer_executable_defaults_to_true_as_in_htcondor() -> None:
    classad = pytest.importorskip("classad")
    from executor.jobad import spec_from_ad

    spec = spec_from_ad(classad.parse_ad('[DockerImage = "i"; Iwd = "/w"; Cmd = "run.sh"; Arguments = "x"]'))
    assert spec.command == ("./run.sh", "x") and spec.transfer_input == ("/w/run.sh",)
    spec = spec_from_ad(classad.parse_ad('[DockerImage = "i"; Iwd = "/w"; Cmd = "/opt/t"; TransferExecutable = true]'))
    assert spec.command == ("./t",) and spec.transfer_input == ("/opt/t",)
    spec = spec_from_ad(classad.parse_ad('[DockerImage = "i"; Iwd = "/w"; Cmd = "/bin/sh"; TransferExecutable = false]'))
    assert spec.command == ("/bin/sh",) and spec.transfer_input == ()


def test_output_remaps_are_parsed() -> None:
    classad = pytest.importorskip("classad")
    from executor.jobad import spec_from_ad

    ad = classad.parse_ad('[DockerImage = "i"; TransferOutputRemaps = "a = x/a.txt; b=../c ;"]')
    assert spec_from_ad(ad).output_remaps == (("a", "x/a.txt"), ("b", "../c"))
    with pytest.raises(SpecError, match="NAME = DESTINATION"):
        spec_from_ad(classad.parse_ad('[DockerImage = "i"; TransferOutputRemaps = "a"]'))


@pytest.mark.parametrize(("attr", "value"), [
    ("RequestMemory", "1e400"), ("RequestMemory", "-1"), ("RequestMemory", "real(\"NaN\")"),
    ("RequestMemory", "1e300"), ("RequestCpus", "0"), ("RequestCpus", "-real(\"INF\")"),
    ("ClusterId", "-4"), ("ProcId", "3e12"),
])
def test_absurd_requests_are_one_clear_error(attr: str, value: str) -> None:
    classad = pytest.importorskip("classad")
    from executor.jobad import spec_from_ad

    with pytest.raises(SpecError, match=attr):
        spec_from_ad(classad.parse_ad(f'[DockerImage = "i"; {attr} = {value}]'))


def test_job_ad_defaults_and_errors(tmp_path: Path) -> None:
    classad = pytest.importorskip("classad")
    from executor.jobad import spec_from_ad

    spec = spec_from_ad(classad.parse_ad('[DockerImage = "img"; Arguments = "x"]'), str(tmp_path))
    assert (spec.command, spec.cpus, spec.memory_mb, spec.network, spec.iwd) == (
        ("x",), 1, 128, "none", str(tmp_path))
    assert spec_from_ad(classad.parse_ad('[DockerImage = "img"]')).command is None
    assert spec_from_ad(classad.parse_ad(
        '[ContainerImage = "busybox"; ContainerImageSource = "docker"]')).image == "busybox"
    for bad in ('[Cmd = "x"]', '[DockerImage = 3]', '[DockerImage = "i"; RequestCpus = "two"]',
                '[DockerImage = "i"; RequestMemory = 1/0]', '[ContainerImage = "/images/x.sif"]',
                # a transferred sandbox directory: condor_submit keeps its base name only
                '[ContainerImage = "tree"; ContainerImageSource = "cedar"]'):
        with pytest.raises(SpecError):
            spec_from_ad(classad.parse_ad(bad))


def test_transfer_executable_runs_the_copy(tmp_path: Path) -> None:
    classad = pytest.importorskip("classad")
    from executor.jobad import spec_from_ad

    ad = classad.parse_ad('[DockerImage = "i"; Cmd = "run.sh"; Arguments = "1"; TransferExecutable = true]')
    spec = spec_from_ad(ad, str(tmp_path))
    assert spec.command == ("./run.sh", "1")
    assert spec.transfer_input == (str(tmp_path / "run.sh"),)


def test_spec_round_trips_through_its_label() -> None:
    spec = JobSpec(image="i", command=("a",), env=(("A", "1"),), transfer_output=("x",), iwd="/tmp")
    assert JobSpec.from_json(spec.to_json()) == spec


@pytest.mark.parametrize("bad", [
    {"image": " "}, {"image": "i", "cpus": 0}, {"image": "i", "memory_mb": 2},
    {"image": "i", "network": "bridge"}, {"image": "i", "iwd": "relative"},
])
def test_spec_validation(bad: dict[str, object]) -> None:
    with pytest.raises(SpecError):
        JobSpec(**bad)  # type: ignore[arg-type]


def test_create_options_follow_htcondor_and_harden() -> None:
    config = ExecutorConfig(uid=1234, gid=5678, slot_name="slot1_2")
    spec = JobSpec(image="i", cluster=5, proc=1, cpus=3, memory_mb=200, iwd="/tmp", owner="al",
                   env=(("A", "1"),))
    options = ct.create_options(JobHandle(ct.container_name(spec, config, 9), spec, "/scratch/d"), config)
    assert options["name"].startswith("HTCJob5_1_slot1_2_PID") and options["name"].endswith("_9")
    assert options["user"] == "1234:5678"
    assert (options["cpu_shares"], options["mem_limit"], options["memswap_limit"]) == (300, "200m", "200m")
    assert options["cap_drop"] == ["ALL"] and options["security_opt"] == ["no-new-privileges"]
    assert options["privileged"] is False and options["init"] is True
    assert options["network_mode"] == "none" and options["working_dir"] == "/scratch/d"
    assert options["labels"][ct.LABEL_HTCONDOR] == "True"
    assert JobSpec.from_json(options["labels"][ct.LABEL_SPEC]) == spec
    assert options["environment"]["A"] == "1"
    assert options["environment"]["_CONDOR_SCRATCH_DIR"] == "/scratch/d"
    assert [(m["Source"], m["Target"], m["Type"], m["ReadOnly"]) for m in options["mounts"]] == [
        ("/scratch/d", "/scratch/d", "bind", False)]  # the scratch directory and nothing else
    assert options["network_disabled"] is True  # network none without libnetwork's hook


@pytest.mark.parametrize("network", ["nat", "host"])
def test_networked_jobs_keep_libnetwork(network: str) -> None:
    config = ExecutorConfig(networks=frozenset({"none", network}))
    spec = JobSpec(image="i", iwd="/tmp", network=network)
    options = ct.create_options(JobHandle("n", spec, "/scratch/d"), config)
    assert "network_disabled" not in options
    assert options["network_mode"] == ct.NETWORK_MODES[network]
    assert [m["Target"] for m in options["mounts"]] == ["/scratch/d"]


def test_config_refuses_root() -> None:
    for uid, gid in ((0, 100), (100, 0), (2**31, 1)):
        with pytest.raises(SpecError):
            ExecutorConfig(uid=uid, gid=gid)
    with pytest.raises(SpecError, match="unknown network type"):
        ExecutorConfig(networks=frozenset({"none", "bridge"}))


def test_event_log_is_read_by_htcondor(tmp_path: Path) -> None:
    htcondor2 = pytest.importorskip("htcondor2")
    log = EventLog(str(tmp_path), "log")
    spec = JobSpec(image="i", cluster=1234, proc=5, iwd="/tmp")
    log.submit(spec)
    log.execute(spec, "slot1")
    log.image_size(spec, Usage(peak_memory_mb=12, peak_rss_kb=12000))
    log.terminated(spec, JobResult("completed", None, 11, usage=Usage(user_cpu_seconds=3725)))
    log.held(spec, JobResult.held(34, 102, "Docker job has gone over memory limit of 5 Mb"))
    log.released(spec, "via condor_release")
    log.aborted(spec, "via condor_rm (by user bob)")
    events = list(htcondor2.JobEventLog(str(tmp_path / "log")).events(stop_after=0))
    assert [int(e.type) for e in events] == [0, 1, 6, 5, 12, 13, 9]
    assert all((e.cluster, e.proc) == (1234, 5) for e in events)
    assert events[2]["MemoryUsage"] == 12 and events[2]["ResidentSetSize"] == 12000
    assert events[3]["TerminatedBySignal"] == 11
    assert events[3]["RunRemoteUsage"] == "Usr 0 01:02:05, Sys 0 00:00:00"
    assert events[4]["HoldReasonSubCode"] == 102
    assert events[6]["Reason"] == "via condor_rm (by user bob)"
    assert log.last_event(spec) == 9


def test_usage_job_attributes() -> None:
    attrs = Usage(1.5, 2.0, 0.25, 64, 65000).job_attributes()
    assert attrs == {"RemoteWallClockTime": 1.5, "RemoteUserCpu": 2.0, "RemoteSysCpu": 0.25,
                     "MemoryUsage": 64, "ResidentSetSize": 65000, "ImageSize": 64}


def test_core_modules_import_neither_classad_nor_negotiator() -> None:
    """Only jobad (and the CLI) know ClassAds, and lazily; nothing imports the negotiator."""
    for path in EXECUTOR.glob("*.py"):
        tree = ast.parse(path.read_text())
        top = {n.module or "" for n in tree.body if isinstance(n, ast.ImportFrom)}
        top |= {a.name for n in tree.body if isinstance(n, ast.Import) for a in n.names}
        assert not {m for m in top if m.split(".")[0] in {"classad", "negotiator"}}, path.name
        everywhere = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not {m for m in everywhere if m.split(".")[0] == "negotiator"}, path.name


def test_modules_stay_small() -> None:
    for path in EXECUTOR.glob("*.py"):
        assert len(path.read_text().splitlines()) < 600, path.name


def test_docker_sdk_is_within_the_pinned_range() -> None:
    """docker_engine keeps one private SDK call (APIClient._custom_adapter) for speed: pin and check it."""
    pytest.importorskip("docker")
    from importlib import metadata

    from packaging.requirements import Requirement

    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    line = next(x for x in pyproject.splitlines() if x.startswith("docker = ["))
    pin = Requirement(line.split('"')[1])
    assert metadata.version("docker") in pin.specifier, (metadata.version("docker"), str(pin))
    import docker

    api = docker.APIClient(base_url="unix:///nonexistent.sock", version="1.41")
    assert hasattr(api, "_custom_adapter")  # what DockerExecutor.__init__ replaces
