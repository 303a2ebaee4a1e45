"""Job ads from submit files, against facts from HTCondor's manual and submit_utils.cpp.

Sources cited per test: submit_utils.cpp (SubmitHash::init_base_ad, SetRequirements,
SetRequestMem/Disk, SetTransferFiles, SetAccountingGroup, SetUniverse, SetJobStatus),
param_info.in (JOB_DEFAULT_REQUEST*, JOB_DEFAULT_LEASE_DURATION, NICE_USER_ACCOUNTING_GROUP_NAME),
the condor_submit / htcondor-jdl man pages and users-manual/env-of-job.rst (docker example).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import classad
from classad.argsyntax import environment_v2, split_v2
from classad.unparse import unparse
from negotiator.queue.submit import SubmitConfig, read_submit

QDATE = 1_700_000_000
CONFIG = SubmitConfig(uid_domain="example.org", filesystem_domain="fs.example.org")
VANILLA_DISK = ' && (versionGE(split(TARGET.CondorVersion)[1], "25.12.0") || ' \
    '(TARGET.Disk >= RequestDisk))'
XFER_IF_NEEDED = " && ((TARGET.FileSystemDomain == MY.FileSystemDomain) || " \
    "(TARGET.HasFileTransfer))"


def ads(text: str, d: Path, cluster: int = 12, owner: str = "alice",
        **kw: Any) -> list[classad.ClassAd]:
    return read_submit(d / "job.sub", text, **kw).expand(cluster, owner, QDATE, d, env={},
                                                         config=CONFIG)


def one(text: str, d: Path) -> classad.ClassAd:
    (ad,) = ads(text, d)
    return ad


def same_expr(ad: classad.ClassAd, attr: str, text: str) -> bool:
    return unparse(ad[attr]) == unparse(classad.parse_expr(text))


def test_plain_vanilla_job_gets_condor_submits_defaults(tmp_path: Path) -> None:
    ad = one("executable = /bin/echo\nqueue\n", tmp_path)
    expected = {
        # init_base_ad + what the schedd adds
        "MyType": "Job", "TargetType": "Machine", "ClusterId": 12, "ProcId": 0, "QDate": QDATE,
        "Owner": "alice", "User": "alice@example.org", "JobStatus": 1,
        "EnteredCurrentStatus": QDATE, "NumJobStarts": 0, "ExitBySignal": False,
        "RemoteWallClockTime": 0.0,
        # SetUniverse / SetExecutable / SetArguments / SetEnvironment / SetIWD
        "JobUniverse": 5, "Cmd": "/bin/echo", "Arguments": "", "Environment": "",
        "Iwd": str(tmp_path), "JobSubmitFile": str(tmp_path / "job.sub"),
        # SetStdin/out/err: /dev/null is never transferred
        "In": "/dev/null", "Out": "/dev/null", "Err": "/dev/null", "TransferIn": False,
        "TransferOut": False, "TransferErr": False,
        # SetLeaveInQueue; the periodic and on-exit defaults are left out
        # (SUBMIT_INSERT_DEFAULT_POLICY_EXPRS is off: tests/queue/test_submit_oracle.py)
        "LeaveJobInQueue": False, "JobNotification": 0, "Rank": 0.0, "JobPrio": 0,
        # SetAutoAttributes; JOB_DEFAULT_LEASE_DURATION = 2400
        "MinHosts": 1, "MaxHosts": 1, "CurrentHosts": 0, "JobLeaseDuration": 2400,
        # JOB_DEFAULT_REQUESTCPUS = 1, JOB_DEFAULT_REQUESTMEMORY = 128 (MiB)
        "RequestCpus": 1, "RequestMemory": 128,
        # SetTransferFiles: IF_NEEDED/ON_EXIT by default, and then the FileSystemDomain
        "ShouldTransferFiles": "IF_NEEDED", "WhenToTransferOutput": "ON_EXIT",
        "FileSystemDomain": "fs.example.org",
    }
    assert {k: ad.eval(k) for k in expected} == expected
    assert same_expr(ad, "RequestDisk", "MAX({1024, (TransferInputSizeMB+1) * 1.25}) * 1024")
    # Requirements: Arch and OpSys of the submit host, disk, memory (no Cpus clause for 1 cpu)
    assert same_expr(ad, "Requirements",
                     '(TARGET.Arch == "X86_64") && (TARGET.OpSys == "LINUX")' + VANILLA_DISK
                     + " && (TARGET.Memory >= RequestMemory)" + XFER_IF_NEEDED)
    assert "TransferExecutable" not in ad  # only set when false
    assert not {"PeriodicHold", "PeriodicRemove", "OnExitRemove", "OnExitHold"} & set(ad)


def test_manual_docker_example(tmp_path: Path) -> None:
    # users-manual/env-of-job.rst, "a complete submit description file for a sample docker
    # universe job"
    text = """\
universe                = docker
docker_image            = debian
executable              = /bin/cat
arguments               = /etc/hosts
should_transfer_files   = YES
when_to_transfer_output = ON_EXIT
output                  = out.$(Process)
error                   = err.$(Process)
log                     = log.$(Process)

request_cpus   = 1
request_memory = 1024M
request_disk   = 10240K

queue 1
"""
    ad = one(text, tmp_path)
    # SetUniverse: docker is a "topping" on vanilla
    assert (ad.eval("JobUniverse"), ad.eval("WantDocker"), ad.eval("DockerImage")) == \
        (5, True, "debian")
    assert "WantContainer" not in ad
    assert (ad.eval("Cmd"), ad.eval("Args")) == ("/bin/cat", "/etc/hosts")
    assert (ad.eval("RequestMemory"), ad.eval("RequestDisk"), ad.eval("RequestCpus")) == \
        (1024, 10240, 1)
    assert (ad.eval("Out"), ad.eval("Err"), ad.eval("UserLog")) == \
        ("out.0", "err.0", f"{tmp_path}/log.0")
    assert ad.eval("ShouldTransferFiles") == "YES" and "FileSystemDomain" not in ad
    # SetRequirements for docker: Arch, HasDocker, no OpSys; YES -> HasFileTransfer only
    assert same_expr(ad, "Requirements",
                     '(TARGET.Arch == "X86_64") && TARGET.HasDocker' + VANILLA_DISK
                     + " && (TARGET.Memory >= RequestMemory) && (TARGET.HasFileTransfer)")


def test_docker_job_matches_a_docker_slot_and_not_a_plain_one(tmp_path: Path) -> None:
    ad = one("universe = docker\ndocker_image = debian\nrequest_memory = 1G\n"
             "request_cpus = 2\nshould_transfer_files = YES\nqueue\n", tmp_path)
    slot = classad.ClassAd({"Arch": "X86_64", "OpSys": "LINUX", "HasDocker": True,
                            "HasFileTransfer": True, "Memory": 4096, "Cpus": 4,
                            "Disk": 10**7, "CondorVersion": "$CondorVersion: 25.0.1 $",
                            "Requirements": True})
    assert classad.symmetric_match(ad, slot)
    assert not classad.symmetric_match(ad, classad.ClassAd({**dict(slot), "HasDocker": False}))
    assert not classad.symmetric_match(ad, classad.ClassAd({**dict(slot), "Cpus": 1}))
    assert ad.eval("Cmd") == "" and ad.eval("TransferExecutable") is False


def test_slots_without_condor_version_need_the_older_disk_clause(tmp_path: Path) -> None:
    # HTCondor 25.12+'s clause reads TARGET.CondorVersion: without it Requirements is ERROR
    text = "executable = /bin/true\nshould_transfer_files = YES\nqueue\n"
    slot = classad.ClassAd({"Arch": "X86_64", "OpSys": "LINUX", "HasFileTransfer": True,
                            "Memory": 4096, "Disk": 10**7, "Requirements": True})
    ad = one(text, tmp_path)
    assert classad.is_error(classad.evaluate("Requirements", ad, slot))
    old = read_submit(None, text).expand(
        1, "u", 0, tmp_path, env={},
        config=SubmitConfig(disk_version_clause=False))[0]
    assert "versionGE" not in _requirements_text(old)
    assert classad.symmetric_match(old, slot)


@pytest.mark.parametrize(("image", "want", "clause"), [
    ("docker://python:3.12", "WantDockerImage", "TARGET.HasDockerURL"),
    ("/images/tools.sif", "WantSIF", "TARGET.HasSIF"),
    ("/images/tree", "WantSandboxImage", "TARGET.HasSandboxImage"),
])
def test_container_universe(image: str, want: str, clause: str, tmp_path: Path) -> None:
    ad = one(f"universe = container\ncontainer_image = {image}\nexecutable = /bin/true\n"
             "queue\n", tmp_path)
    # an image that is not a docker:// URL goes with the input files, named by its base name
    # (process_container_input_files; checked against condor_submit in test_submit_oracle.py)
    moved = not image.startswith("docker://")
    assert (ad.eval("JobUniverse"), ad.eval("WantContainer"), ad.eval(want),
            ad.eval("ContainerImage"), ad.eval("ContainerImageSource")) == (
        5, True, True, image.rsplit("/", 1)[-1] if moved else image,
        "cedar" if moved else "docker")
    assert ad.eval("TransferInput") == (image if moved else classad.UNDEFINED)
    assert "WantDocker" not in ad
    # SetRequirements for container jobs: Arch, HasContainer and the image kind, no OpSys
    assert same_expr(ad, "Requirements",
                     f'(TARGET.Arch == "X86_64") && TARGET.HasContainer && {clause}'
                     + VANILLA_DISK + " && (TARGET.Memory >= RequestMemory)" + XFER_IF_NEEDED)


def _requirements_text(ad: classad.ClassAd) -> str:
    return unparse(ad["Requirements"])


def test_vanilla_with_docker_image_is_a_container_job(tmp_path: Path) -> None:
    # SetUniverse: vanilla + docker_image -> WantContainer and WantDockerImage
    ad = one("docker_image = python:3.12-slim\nqueue\n", tmp_path)
    assert (ad.eval("WantContainer"), ad.eval("WantDockerImage"), ad.eval("DockerImage")) == \
        (True, True, "python:3.12-slim")
    assert "TARGET.HasDockerURL" in _requirements_text(ad)


MIB, KIB = 1 << 20, 1 << 10
UNIT = {"": None, "K": KIB, "M": MIB, "G": 1 << 30, "T": 1 << 40}


def _round_up(number: float, unit: int, base: int) -> int:
    return -(-int(number * unit) // base)


@pytest.mark.parametrize("value", ["1024", "1G", "1.5G", "512M", "2048K", "1000K", "1T",
                                   "1gb", "10MB", "3 G", "0.25g", "7"])
def test_request_memory_units(value: str, tmp_path: Path) -> None:
    # the manual: K/M/G/T (optional B, any case), binary multiples, MiB when bare, rounded up
    number = float(value.rstrip("bBkKmMgGtT "))
    unit = value.strip()[len(value.rstrip("bBkKmMgGtT ").strip()):].strip()[:1].upper()
    expected = _round_up(number, UNIT[unit] or MIB, MIB)
    ad = one(f"executable = /bin/true\nrequest_memory = {value}\nqueue\n", tmp_path)
    assert ad.eval("RequestMemory") == expected


@pytest.mark.parametrize("value", ["100", "10240K", "2G", "1.5M", "1k"])
def test_request_disk_units(value: str, tmp_path: Path) -> None:
    number = float(value.rstrip("bBkKmMgGtT "))
    unit = value[len(value.rstrip("bBkKmMgGtT ")):].strip()[:1].upper()
    expected = _round_up(number, UNIT[unit] or KIB, KIB)
    ad = one(f"executable = /bin/true\nrequest_disk = {value}\nqueue\n", tmp_path)
    assert ad.eval("RequestDisk") == expected


def test_request_expressions_are_kept(tmp_path: Path) -> None:
    ad = one("executable = /bin/true\nrequest_memory = ifThenElse(MemoryUsage =!= undefined, "
             "MemoryUsage * 2, 512)\nrequest_cpus = 4\nrequest_GPUs = 1\nqueue\n", tmp_path)
    assert same_expr(ad, "RequestMemory",
                     "ifThenElse(MemoryUsage =!= undefined, MemoryUsage * 2, 512)")
    assert ad.eval("RequestCpus") == 4 and ad.eval("RequestGPUs") == 1
    text = _requirements_text(ad)
    assert "(TARGET.Memory >= RequestMemory)" in text
    assert "(TARGET.Cpus >= RequestCpus)" in text
    assert "(TARGET.GPUs >= RequestGPUs)" in text


@pytest.mark.parametrize(("line", "expected"), [
    # htcondor-jdl: the new syntax's three examples, as the arguments they produce
    ('arguments = "3 simple arguments"', ["3", "simple", "arguments"]),
    ("arguments = \"one 'two with spaces' 3\"", ["one", "two with spaces", "3"]),
    ("arguments = \"one \"\"two\"\" 'spacey ''quoted'' argument'\"",
     ["one", '"two"', "spacey 'quoted' argument"]),
])
def test_arguments_new_syntax(line: str, expected: list[str], tmp_path: Path) -> None:
    ad = one(f"executable = /bin/true\n{line}\nqueue\n", tmp_path)
    # read back with the executor's reader of Arguments (classad.argsyntax)
    assert split_v2(ad.eval("Arguments")) == expected
    assert "Args" not in ad


def test_arguments_old_syntax(tmp_path: Path) -> None:
    # old syntax: split on white space, \" is a literal quote; stored as Args (V1)
    ad = one('executable = /bin/true\narguments = one  \\"two\\"   three\nqueue\n', tmp_path)
    assert ad.eval("Args") == 'one "two" three'
    assert "Arguments" not in ad


@pytest.mark.parametrize(("line", "expected"), [
    ("environment = \"one=1 two=\"\"2\"\" three='spacey ''quoted'' value'\"",
     {"one": "1", "two": '"2"', "three": "spacey 'quoted' value"}),
    ("environment = one=1;two=2;three=\"quotes have no 'special' meaning\"",
     {"one": "1", "two": "2", "three": "\"quotes have no 'special' meaning\""}),
])
def test_environment_both_syntaxes(line: str, expected: dict[str, str], tmp_path: Path) -> None:
    # htcondor-jdl's two examples; condor_submit stores Environment (V2), names sorted
    ad = one(f"executable = /bin/true\n{line}\nqueue\n", tmp_path)
    pairs = environment_v2(ad.eval("Environment"))  # the executor's reader
    assert dict(pairs) == expected
    assert [name for name, _ in pairs] == sorted(expected)


def test_accounting_group(tmp_path: Path) -> None:
    # SetAccountingGroup: AccountingGroup = "<group>.<user>"
    ad = one("executable = /bin/true\naccounting_group = group_physics\n"
             "accounting_group_user = einstein\nqueue\n", tmp_path)
    assert (ad.eval("AcctGroup"), ad.eval("AcctGroupUser"), ad.eval("AccountingGroup")) == \
        ("group_physics", "einstein", "group_physics.einstein")
    ad = one("executable = /bin/true\naccounting_group = group_cms\nqueue\n", tmp_path)
    assert ad.eval("AccountingGroup") == "group_cms.alice"  # the user defaults to the owner
    ad = one("executable = /bin/true\nqueue\n", tmp_path)
    assert "AccountingGroup" not in ad and "AcctGroup" not in ad


def test_nice_user(tmp_path: Path) -> None:
    # NICE_USER_ACCOUNTING_GROUP_NAME = nice-user; MaxJobRetirementTime = 0
    ad = one("executable = /bin/true\nnice_user = true\nqueue\n", tmp_path)
    assert (ad.eval("AccountingGroup"), ad.eval("MaxJobRetirementTime")) == \
        ("nice-user.alice", 0)


def test_plus_attributes_and_my_requirements(tmp_path: Path) -> None:
    ad = one('executable = /bin/true\n+ProjectName = "relativity"\nMY.Weight = 2 * 3\n'
             "+WantGPU = true\nqueue\n", tmp_path)
    assert (ad.eval("ProjectName"), ad.eval("Weight"), ad.eval("WantGPU")) == \
        ("relativity", 6, True)
    assert same_expr(ad, "Weight", "2 * 3")
    ad = one("executable = /bin/true\nMY.Requirements = TARGET.Memory > 1\nqueue\n", tmp_path)
    assert same_expr(ad, "Requirements", "TARGET.Memory > 1")  # nothing appended


def test_user_requirements_come_first_and_suppress_covered_clauses(tmp_path: Path) -> None:
    ad = one('executable = /bin/true\nrequirements = OpSys == "LINUX" && Arch == "ARM"\n'
             "queue\n", tmp_path)
    assert same_expr(ad, "Requirements", '(OpSys == "LINUX" && Arch == "ARM")' + VANILLA_DISK
                     + " && (TARGET.Memory >= RequestMemory)" + XFER_IF_NEEDED)


def test_rank_priority_policy_and_hold(tmp_path: Path) -> None:
    ad = one("executable = /bin/true\nrank = Memory\npriority = 5\n"
             "periodic_hold = NumJobStarts > 3\nperiodic_hold_reason = \"too many\"\n"
             "periodic_hold_subcode = 42\nperiodic_release = true\n"
             "periodic_remove = JobStatus == 5\non_exit_hold = ExitCode != 0\n"
             "on_exit_hold_reason = strcat(\"exit \", ExitCode)\non_exit_hold_subcode = 7\n"
             "on_exit_remove = ExitCode == 0\nhold = true\nqueue\n", tmp_path)
    assert same_expr(ad, "Rank", "Memory") and ad.eval("JobPrio") == 5
    assert same_expr(ad, "PeriodicHold", "NumJobStarts > 3")
    assert (ad.eval("PeriodicHoldReason"), ad.eval("PeriodicHoldSubCode")) == ("too many", 42)
    assert same_expr(ad, "PeriodicRemove", "JobStatus == 5")
    assert same_expr(ad, "OnExitHold", "ExitCode != 0")
    assert same_expr(ad, "OnExitHoldReason", 'strcat("exit ", ExitCode)')
    assert ad.eval("OnExitHoldSubCode") == 7
    assert same_expr(ad, "OnExitRemove", "ExitCode == 0")
    # SetJobStatus: hold = true -> HELD (5), code SubmittedOnHold (15)
    assert (ad.eval("JobStatus"), ad.eval("HoldReasonCode"), ad.eval("HoldReason")) == \
        (5, 15, "submitted on hold at user's request")


def test_paths_initialdir_output_and_log(tmp_path: Path) -> None:
    (tmp_path / "runs" / "a").mkdir(parents=True)
    ad = one("executable = bin/sim\ninitial_dir = runs/a\noutput = o.txt\nerror = /tmp/e\n"
             "log = ../sim.log\ninput = in.txt\nqueue\n", tmp_path)
    assert ad.eval("Iwd") == f"{tmp_path}/runs/a"  # relative to the submit directory
    assert ad.eval("Cmd") == f"{tmp_path}/bin/sim"  # the executable too (full_path(.., false))
    assert (ad.eval("Out"), ad.eval("Err"), ad.eval("In")) == ("o.txt", "/tmp/e", "in.txt")
    # made absolute against the Iwd; like compress_path only '//' is folded, '..' stays
    assert ad.eval("UserLog") == f"{tmp_path}/runs/a/../sim.log"
    assert (ad.eval("StreamOut"), ad.eval("StreamErr"), ad.eval("StreamIn")) == \
        (False, False, False)


def test_file_transfer(tmp_path: Path) -> None:
    (tmp_path / "data.bin").write_bytes(b"x" * 3000)
    (tmp_path / "cfg").write_bytes(b"y" * 100)
    exe = tmp_path / "run.sh"
    exe.write_bytes(b"#!/bin/sh\n" + b"#" * 5000)
    ad = one("executable = run.sh\ntransfer_input_files = data.bin, cfg\n"
             "transfer_output_files = result.txt\nshould_transfer_files = YES\n"
             "when_to_transfer_output = ON_EXIT_OR_EVICT\n"
             'transfer_output_remaps = "result.txt = out/result.$(Process).txt"\nqueue\n',
             tmp_path)
    kb = [-(-n // 1024) for n in (5010, 3000, 100)]  # each file's size rounded up to KiB
    assert (ad.eval("ExecutableSize"), ad.eval("DiskUsage"), ad.eval("TransferInputSizeMB")) \
        == (kb[0], sum(kb), -(-sum(kb) // 1024))
    assert (ad.eval("TransferInput"), ad.eval("TransferOutput")) == ("data.bin,cfg", "result.txt")
    assert ad.eval("TransferOutputRemaps") == "result.txt = out/result.0.txt"
    assert ad.eval("WhenToTransferOutput") == "ON_EXIT_OR_EVICT"
    ad = one("executable = /bin/true\nshould_transfer_files = NO\nqueue\n", tmp_path)
    assert ad.eval("ShouldTransferFiles") == "NO" and "WhenToTransferOutput" not in ad
    assert _requirements_text(ad).endswith(
        unparse(classad.parse_expr("(TARGET.FileSystemDomain == MY.FileSystemDomain)")))


def test_transfer_executable_false_keeps_the_path_as_given(tmp_path: Path) -> None:
    ad = one("executable = bin/tool\ntransfer_executable = false\nqueue\n", tmp_path)
    assert (ad.eval("Cmd"), ad.eval("TransferExecutable")) == ("bin/tool", False)


@pytest.mark.parametrize(("network", "clause"), [
    ("host", False), ("none", False), ("nat", False), ("mynet", True)])
def test_docker_network_type(network: str, clause: bool, tmp_path: Path) -> None:
    ad = one(f"universe = docker\ndocker_image = debian\ndocker_network_type = {network}\n"
             "docker_pull_policy = always\ndocker_override_entrypoint = true\nqueue\n",
             tmp_path)
    assert (ad.eval("DockerNetworkType"), ad.eval("DockerPullPolicy"),
            ad.eval("DockerOverrideEntrypoint")) == (network, "always", True)
    assert ("StringListMember" in _requirements_text(ad)) is clause


def test_append_lines_and_if_blocks(tmp_path: Path) -> None:
    text = ("executable = /bin/true\nif defined X\n  arguments = -n $(X)\nelse\n"
            "  arguments = -n 1 -debug\nendif\nqueue\n")
    ad = read_submit(None, text, defines={"X": "3"}).expand(1, "u", 0, tmp_path, env={})[0]
    assert ad.eval("Args") == "-n 3"  # the manual's `condor_submit X=3 sample.sub`
    ad = read_submit(None, text).expand(1, "u", 0, tmp_path, env={})[0]
    assert ad.eval("Args") == "-n 1 -debug"
    # condor_submit -a "cmd": added before the queue statement, so it wins
    ad = read_submit(None, text, append=["arguments = -x"]).expand(1, "u", 0, tmp_path,
                                                                   env={})[0]
    assert ad.eval("Args") == "-x"


def test_expand_is_deterministic_and_reads_no_clock(tmp_path: Path) -> None:
    text = "executable = /bin/true\narguments = $RANDOM_INTEGER(0, 1000)\nqueue 5\n"
    first = [ad.eval("Args") for ad in ads(text, tmp_path)]
    assert first == [ad.eval("Args") for ad in ads(text, tmp_path)]
    assert {ad.eval("QDate") for ad in ads(text, tmp_path)} == {QDATE}
