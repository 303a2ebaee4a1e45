"""Deterministic generator of realistic HTCondor slot and job ads, as new, old or JSON text."""

from __future__ import annotations

import argparse
import json
import os
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

#: the fixed "now" of every generated pool (2026-03-02 00:00:00 UTC), so output is reproducible
NOW = 1772409600


class Expr(str):
    """A ClassAd expression that is not a literal, kept as its text."""

    __slots__ = ()


Value: TypeAlias = bool | int | float | str | list["Value"] | dict[str, "Value"]
Ad = dict[str, Value]
FORMATS = ("new", "old", "json")
Row = TypeVar("Row", bound=tuple[Any, ...])


# ---- catalogs: (relative weight, ...) ------------------------------------------------------


@dataclass(frozen=True)
class Host:
    """One kind of worker node."""

    weight: int
    cpu_model: str
    cores: int
    memory_gb: int
    scratch_gb: int
    kflops: int
    mips: int
    microarch: str  # "" on aarch64
    family: int
    model: int
    gpus: int = 0
    avx512: bool = False


HOSTS = (
    Host(24, "AMD EPYC 7713 64-Core Processor", 128, 512, 3800, 2_210_000, 43_500, "x86_64-v3", 25, 1),
    Host(18, "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", 64, 256, 1900, 1_820_000, 33_800, "x86_64-v4", 6, 106, avx512=True),
    Host(14, "Intel(R) Xeon(R) CPU E5-2660 v3 @ 2.60GHz", 20, 128, 850, 1_210_000, 23_900, "x86_64-v3", 6, 63),
    Host(10, "AMD EPYC 9654 96-Core Processor", 192, 1536, 7600, 2_710_000, 55_100, "x86_64-v4", 25, 17, avx512=True),
    Host(9, "Intel(R) Xeon(R) Platinum 8368 CPU @ 2.40GHz", 76, 512, 3500, 2_040_000, 38_700, "x86_64-v4", 6, 106, avx512=True),
    Host(7, "AMD EPYC 7402 24-Core Processor", 48, 192, 1700, 1_640_000, 31_200, "x86_64-v3", 23, 49),
    Host(5, "AMD EPYC 7452 32-Core Processor", 64, 512, 3500, 1_950_000, 36_400, "x86_64-v3", 23, 49, gpus=4),
    Host(4, "Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz", 48, 384, 1800, 2_010_000, 39_000, "x86_64-v4", 6, 85, gpus=8, avx512=True),
    Host(4, "Ampere(R) Altra(R) Processor Q80-30", 80, 256, 1900, 1_280_000, 24_700, "", 0, 0),
    Host(5, "Intel(R) Xeon(R) CPU E5-2630 v2 @ 2.60GHz", 12, 48, 350, 930_000, 17_200, "x86_64-v2", 6, 62),
)
# name, capability, global memory MB, driver version, CUDA runtime
GPU_MODELS = (
    ("NVIDIA A100-SXM4-40GB", 8.0, 40_370, 12.4, "12.4"),
    ("NVIDIA L40S", 8.9, 45_589, 12.6, "12.6"),
    ("Tesla V100-SXM2-16GB", 7.0, 16_151, 12.2, "12.2"),
    ("NVIDIA H100 PCIe", 9.0, 81_559, 12.6, "12.6"),
)
# weight, OpSysAndVer, OpSysName, major, OpSysVer, OpSysLongName, kernel release
OPERATING_SYSTEMS = (
    (42, "AlmaLinux9", "AlmaLinux", 9, 905, "AlmaLinux release 9.5 (Teal Serval)", "5.14.0-503.22.1.el9_5"),
    (18, "Rocky9", "Rocky", 9, 904, "Rocky Linux release 9.4 (Blue Onyx)", "5.14.0-427.37.1.el9_4"),
    (15, "AlmaLinux8", "AlmaLinux", 8, 810, "AlmaLinux release 8.10 (Cerulean Leopard)", "4.18.0-553.34.1.el8_10"),
    (13, "Ubuntu22", "Ubuntu", 22, 2204, "Ubuntu 22.04.5 LTS", "5.15.0-130-generic"),
    (12, "CentOS7", "CentOS", 7, 709, "CentOS Linux release 7.9.2009 (Core)", "3.10.0-1160.119.1.el7"),
)
SITES = (("MWT2", "uchicago.edu"), ("AGLT2", "aglt2.org"), ("BNL", "bnl.gov"), ("SLAC", "slac.stanford.edu"),
         ("Wisconsin", "chtc.wisc.edu"), ("Clemson", "palmetto.clemson.edu"), ("TACC", "tacc.utexas.edu"),
         ("Syracuse", "syr.edu"), ("Nebraska", "unl.edu"), ("UCSD", "t2.ucsd.edu"))
START_POLICIES = (
    (38, "true"),
    (14, "(MY.TotalSlotGPUs =?= 0) || ((TARGET.RequestGPUs ?: 0) > 0)"),
    (9, '(KeyboardIdle > 20 * 60) && ((LoadAvg - CondorLoadAvg) <= 0.3 || State =!= "Unclaimed")'),
    (10, '(TARGET.AcctGroup isnt undefined) && regexp("^group_(atlas|cms|osg|ligo)[.]", TARGET.AcctGroup)'),
    (11, "(MY.GLIDEIN_ToRetire is undefined || MY.MyCurrentTime < MY.GLIDEIN_ToRetire) && "
         "((TARGET.MaxWallTimeMins ?: 1440) * 60 <= MY.GLIDEIN_Max_Walltime)"),
    (10, '(TARGET.WantDocker =!= true || MY.HasDocker) && (TARGET.Owner =!= "blocked_user") && '
         "(TARGET.JobUniverse == 5)"),
    (8, "(TARGET.DESIRED_Sites is undefined) || stringListMember(MY.GLIDEIN_Site, TARGET.DESIRED_Sites)"),
)
MACHINE_RANKS = (
    (72, "0.0"),
    (16, '(TARGET.AcctGroup =?= "group_atlas.prod") * 100 + (TARGET.Owner == "cmsprod") * 10'),
    (12, "ifThenElse((TARGET.RequestGPUs ?: 0) > 0, 50, 0) + TARGET.JobPrio"),
)
_LIMITS = ("MY.Cpus > 0 && TARGET.RequestCpus <= MY.Cpus && MY.Memory > 0 && "
           "TARGET.RequestMemory <= MY.Memory && MY.Disk > 0 && TARGET.RequestDisk <= MY.Disk")
_LIMITS_GPU = _LIMITS + " && (TARGET.RequestGPUs =?= undefined || MY.GPUs >= TARGET.RequestGPUs)"
_CHECKPOINT = ("TARGET.JobUniverse isnt 1 || ((MY.CheckpointPlatform isnt undefined) && "
               "((TARGET.LastCheckpointPlatform is MY.CheckpointPlatform) || (TARGET.NumCkpts == 0)))")
_PLUGINS = "box,data,dav,davs,file,ftp,gdrive,http,https,onedrive,osdf,pelican,s3,stash"
_ABILITIES = ("HasFileTransfer,HasJobDeferral,HasJobTransferPlugins,HasPerFileEncryption,HasReconnect,"
              "HasSelfCheckpointTransfers,HasSingularity,HasTDP,HasTransferInputRemaps,HasVM")
VERSIONS = ("23.0.21", "24.0.7", "24.12.4", "25.0.2")


def _pick(rng: random.Random, table: Sequence[Row]) -> Row:
    """A row of a catalog, drawn by the weight in its first column."""
    return rng.choices(table, weights=[float(row[0]) for row in table])[0]


def _version(v: str) -> tuple[str, str]:
    build = 700000 + sum(ord(c) * 131 for c in v) % 100000
    return (f"$CondorVersion: {v} 2025-11-04 BuildID: {build} PackageID: {v}-1 $",
            "$CondorPlatform: x86_64_AlmaLinux9 $")


# ---- slot ads -------------------------------------------------------------------------------


def _host_attrs(rng: random.Random, index: int) -> tuple[Ad, Host]:
    """The attributes every slot of one worker node shares."""
    host = HOSTS[rng.choices(range(len(HOSTS)), weights=[h.weight for h in HOSTS])[0]]
    _, os_ver, os_name, major, os_num, long_name, kernel = _pick(rng, OPERATING_SYSTEMS)
    site, domain = SITES[rng.randrange(len(SITES))]
    arm = not host.microarch
    machine = f"wn{index:05d}.{site.lower()}.{domain}"
    ip = f"10.{index >> 16 & 255}.{index >> 8 & 255}.{index & 255}"
    sinful = f"<{ip}:9618?addrs={ip}-9618&alias={machine}&noUDP&sock=startd_{1000 + index % 8000}_{index:x}>"
    version, platform = _version(rng.choice(VERSIONS))
    memory = host.memory_gb * 1024 - rng.choice((0, 512, 1536))
    disk = int(host.scratch_gb * 1_048_576 * rng.uniform(0.8, 0.97))
    docker = rng.random() < 0.6
    load = round(rng.uniform(0.0, host.cores * 0.85), 2)
    checkpoint = f"LINUX {'AARCH64' if arm else 'X86_64'} {kernel} normal N/A {host.microarch or 'neon'}"
    a: Ad = {
        "MyType": "Machine", "TargetType": "Job", "Machine": machine,
        "Arch": "aarch64" if arm else "X86_64", "OpSys": "LINUX", "OpSysAndVer": os_ver,
        "OpSysName": os_name, "OpSysMajorVer": major, "OpSysVer": os_num, "OpSysLongName": long_name,
        "OpSysShortName": os_name, "OpSysLegacy": "LINUX",
        "UtsnameMachine": "aarch64" if arm else "x86_64", "UtsnameRelease": kernel,
        "UtsnameSysname": "Linux", "UtsnameNodename": machine,
        "FileSystemDomain": domain, "UidDomain": domain, "CondorVersion": version,
        "CondorPlatform": platform.replace("x86_64", "aarch64") if arm else platform,
        "MyAddress": sinful, "StartdIpAddr": sinful, "AuthenticatedIdentity": f"condor@{domain}",
        "AuthenticationMethod": "IDTOKENS", "CpuModel": host.cpu_model, "CpuFamily": host.family,
        "CpuModelNumber": host.model, "DetectedCpus": host.cores, "DetectedMemory": memory,
        "TotalCpus": float(host.cores), "TotalMemory": memory, "TotalDisk": disk,
        "KFlops": int(host.kflops * rng.uniform(0.92, 1.08)), "Mips": int(host.mips * rng.uniform(0.92, 1.08)),
        "LastBenchmark": NOW - rng.randrange(7200, 7 * 86400), "TotalLoadAvg": load,
        "TotalCondorLoadAvg": round(load * 0.97, 2), "CheckpointPlatform": checkpoint,
        "IsValidCheckpointPlatform": Expr(_CHECKPOINT), "HasDocker": docker, "HasSingularity": True,
        "SingularityVersion": "apptainer version 1.3.6-1.el9", "HasContainer": True, "HasSIF": True,
        "HasFileTransfer": True, "HasFileTransferPluginMethods": _PLUGINS, "HasJobTransferPlugins": True,
        "HasPerFileEncryption": True, "HasReconnect": True, "HasJobDeferral": True, "HasVM": False,
        "HasTDP": True, "HasSelfCheckpointTransfers": True,
        "StarterAbilityList": _ABILITIES + (",HasDocker" if docker else ""),
        "MachineMaxVacateTime": Expr("10 * 60"), "MaxJobRetirementTime": Expr("2 * 24 * 60 * 60"),
        "CpuBusy": Expr("((LoadAvg - CondorLoadAvg) >= 0.5)"), "SlotWeight": Expr("Cpus"),
        "Start": Expr(str(_pick(rng, START_POLICIES)[1])), "Rank": Expr(str(_pick(rng, MACHINE_RANKS)[1])),
        "GLIDEIN_Site": site, "GLIDEIN_ResourceName": f"{site}_CE_{index % 3 + 1}",
        "GLIDEIN_ToRetire": NOW + rng.randrange(3600, 3 * 86400),
        "GLIDEIN_Max_Walltime": rng.choice((86400, 172800, 345600)),
        "DaemonStartTime": NOW - rng.randrange(3600, 40 * 86400), "MyCurrentTime": NOW,
        "LastHeardFrom": NOW - rng.randrange(0, 300), "UpdateSequenceNumber": rng.randrange(1, 9000),
        "KeyboardIdle": rng.randrange(0, 5_000_000), "ConsoleIdle": rng.randrange(0, 5_000_000),
        "Microarch": host.microarch, "has_sse4_2": not arm, "has_avx": not arm and host.microarch != "x86_64-v2",
        "has_avx2": host.microarch in ("x86_64-v3", "x86_64-v4"), "has_avx512f": host.avx512,
        "MonitorSelfAge": rng.randrange(3600, 40 * 86400), "MonitorSelfCPUUsage": round(rng.uniform(0.0, 3.0), 5),
        "MonitorSelfImageSize": rng.randrange(30000, 150000), "MonitorSelfResidentSetSize": rng.randrange(9000, 70000),
        "RecentDaemonCoreDutyCycle": round(rng.uniform(0.0, 0.04), 6), "TotalTimeUnclaimedIdle": rng.randrange(0, 900000),
        "TotalTimeClaimedBusy": rng.randrange(0, 9000000), "TimeToLive": 2147483647,
        "MachineResources": "Cpus Memory Disk Swap GPUs" if host.gpus else "Cpus Memory Disk Swap",
    }
    if docker:
        a.update({"DockerVersion": "Docker version 27.3.1, build ce12230", "DockerNetworks": "bridge,host,none",
                  "DockerCachedImageSizeMb": rng.randrange(0, 50000)})
    if host.gpus:
        name, capability, gmem, driver, runtime = GPU_MODELS[rng.randrange(len(GPU_MODELS))]
        ids = [f"GPU-{rng.getrandbits(32):08x}" for _ in range(host.gpus)]
        a.update({"TotalGPUs": host.gpus, "DetectedGPUs": ", ".join(ids), "CUDADeviceName": name,
                  "CUDACapability": capability, "CUDAGlobalMemoryMb": gmem, "CUDADriverVersion": driver,
                  "CUDAMaxSupportedVersion": int(runtime.replace(".", "")) * 10, "CUDARuntimeVersion": runtime,
                  "CUDAECCEnabled": True, "GPUs_Capability": capability})
        for gid in ids:  # per-device nested ads, as 9.x+ startds publish them
            a["GPUs_" + gid.replace("-", "_")] = {"Id": gid, "DeviceName": name, "Capability": capability,
                                                  "GlobalMemoryMb": gmem, "DriverVersion": driver}
    return a, host


def _slot(node: Ad, host: Host, rng: random.Random, name: str, kind: str, res: tuple[int, int, int, int],
          claimed: bool) -> Ad:
    cpus, memory, disk, gpus = res
    part = kind == "Partitionable"
    a = dict(node)
    a.update({
        "Name": f"{name}@{node['Machine']}", "SlotID": int(name[4:].split("_")[0]), "SlotType": kind,
        "SlotTypeID": 0 if kind == "Static" else 1, "Cpus": cpus, "Memory": memory, "Disk": disk, "Swap": 0,
        "TotalSlotCpus": host.cores if part else cpus, "TotalSlotMemory": node["TotalMemory"] if part else memory,
        "TotalSlotDisk": float(node["TotalDisk"] if part else disk),  # type: ignore[arg-type]
        "TotalSlotGPUs": host.gpus if part else gpus,
        "State": "Claimed" if claimed else "Unclaimed", "Activity": "Busy" if claimed else "Idle",
        "EnteredCurrentState": NOW - rng.randrange(5, 86400), "CurrentRank": 0.0,
        "LoadAvg": round(rng.uniform(0.0, cpus), 2) if claimed else 0.0,
        "CondorLoadAvg": round(rng.uniform(0.0, cpus), 2) if claimed else 0.0,
        "JobStarts": rng.randrange(0, 3000), "RecentJobStarts": rng.randrange(0, 30),
        "WithinResourceLimits": Expr(_LIMITS_GPU if host.gpus else _LIMITS),
        "Requirements": Expr("(START) && (IsValidCheckpointPlatform) && (WithinResourceLimits)"),
    })
    if host.gpus:
        a["GPUs"] = gpus
    if part:
        a["PartitionableSlot"] = True
    elif kind == "Dynamic":
        a["DynamicSlot"] = True
    if claimed:
        user = rng.choice(("cmsprod", "atlasprd", "ligo", "osguser7", "mdavis"))
        cluster = rng.randrange(10_000, 9_000_000)
        a.update({"RemoteOwner": f"{user}@ap23.example.org", "RemoteUser": f"{user}@ap23.example.org",
                  "AccountingGroup": f"group_atlas.prod.{user}@example.org", "ClientMachine": "ap23.example.org",
                  "JobId": f"{cluster}.0", "GlobalJobId": f"ap23.example.org#{cluster}.0#{NOW - 7200}",
                  "JobStart": NOW - rng.randrange(30, 86400), "ImageSize": rng.randrange(5000, 6_000_000),
                  "PreemptingRank": Expr("undefined")})
    return a


def slot_ads(n: int, seed: int = 1) -> list[Ad]:
    """n slot ads: partitionable slots (60% with claimed dynamic children) and static slots."""
    rng = random.Random(f"slots-{seed}")
    out: list[Ad] = []
    index = 0
    while len(out) < n:
        index += 1
        node, host = _host_attrs(rng, index)
        mem, disk = node["TotalMemory"], node["TotalDisk"]
        assert isinstance(mem, int) and isinstance(disk, int)
        if not host.gpus and rng.random() < 0.28:
            per = rng.choice((1, 1, 2, 4, 8))
            count = host.cores // per
            for s in range(1, count + 1):
                res = (per, mem // count, disk // count, 0)
                out.append(_slot(node, host, rng, f"slot{s}", "Static", res, rng.random() < 0.65))
                out[-1]["TotalSlots"] = count
            continue
        left = [host.cores, mem, disk, host.gpus]
        children = []
        for d in range(1, rng.randrange(1, max(2, host.cores // 3)) if rng.random() < 0.6 else 1):
            want = (rng.choice((1, 1, 1, 2, 4, 8)), rng.choice((2048, 2048, 4096, 8192, 24000)),
                    rng.choice((2_000_000, 8_000_000, 20_000_000)), int(left[3] > 0 and rng.random() < 0.6))
            if any(w > have for w, have in zip(want, left, strict=True)):
                break
            left = [have - w for w, have in zip(want, left, strict=True)]
            children.append((d, want))
        parent = _slot(node, host, rng, "slot1", "Partitionable", (left[0], left[1], left[2], left[3]), False)
        parent.update({"NumDynamicSlots": len(children), "TotalSlots": 1 + len(children),
                       "ChildCpus": [c[1][0] for c in children], "ChildMemory": [c[1][1] for c in children]})
        out.append(parent)
        for d, want in children:
            child = _slot(node, host, rng, f"slot1_{d}", "Dynamic", want, True)
            child["ParentSlotId"] = 1
            out.append(child)
    return out[:n]


# ---- job ads --------------------------------------------------------------------------------

USERS = (("cmsprod", "group_cms.prod"), ("atlasprd", "group_atlas.prod"), ("ligo", "group_ligo.cbc"),
         ("mdavis", "group_osg.astro"), ("jchen", "group_osg.bio"), ("rkumar", "group_chtc.ml"),
         ("lgarcia", "group_chtc.physics"), ("tnguyen", "group_osg.chem"), ("osguser7", "group_osg.misc"),
         ("icecube", "group_icecube.sim"), ("blocked_user", "group_osg.misc"), ("akim", "group_cms.analysis"))
IMAGES = ("docker://htc/rocky9:latest", "docker://python:3.12-slim", "docker://rocker/r-ver:4.4.2",
          "docker://pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime", "docker://ubuntu:24.04")
EXTRA_CLAUSES = (
    "(TARGET.OpSysMajorVer >= 9)", '(TARGET.OpSysAndVer == "AlmaLinux9")', "(TARGET.has_avx2 =?= true)",
    '((TARGET.Microarch isnt undefined) && (TARGET.Microarch != "x86_64-v2"))',
    "stringListMember(TARGET.GLIDEIN_Site, MY.DESIRED_Sites)",
    '(TARGET.GLIDEIN_Site =!= "TACC")', "(TARGET.KFlops >= 1500000)", "(TARGET.Machine =!= LastRemoteHost)",
    "(TARGET.CpuFamily == 6 || TARGET.CpuFamily == 25)", "(TARGET.HasSingularity =?= true)",
)
JOB_RANKS = ((48, "0.0"), (22, "TARGET.KFlops"), (14, "TARGET.Memory"), (10, "TARGET.Mips * TARGET.Cpus"),
             (6, "-TARGET.LoadAvg"))
DEFAULT_MEMORY = "ifthenelse(MemoryUsage =!= undefined,MemoryUsage,( ImageSize + 1023 ) / 1024)"


@dataclass(frozen=True)
class Shape:
    """The significant attributes of one autocluster."""

    user: str
    group: str
    cpus: int
    memory: int | str
    disk: int | str
    gpus: int
    image: str
    clauses: tuple[str, ...]
    rank: str
    sites: str
    capability: float
    transfer: str  # "YES" (needs HasFileTransfer) or "IF_NEEDED"
    walltime: int

    def requirements(self) -> str:
        """Requirements as condor_submit writes them (user clauses first)."""
        parts = [*self.clauses]
        if self.capability:
            parts.append(f"(TARGET.CUDACapability >= {self.capability})")
        if self.image:
            parts.append("TARGET.HasDocker")
        parts.append('(TARGET.Arch == "X86_64")')
        if not self.image and not any("OpSys" in c for c in self.clauses):
            parts.append('(TARGET.OpSys == "LINUX")')
        parts += ["(TARGET.Disk >= RequestDisk)", "(TARGET.Memory >= RequestMemory)"]
        if self.cpus > 1:
            parts.append("(TARGET.Cpus >= RequestCpus)")
        if self.gpus:
            parts.append("(TARGET.GPUs >= RequestGPUs)")
        if self.transfer == "YES":
            parts.append("(TARGET.HasFileTransfer)")
        else:
            parts.append("((TARGET.FileSystemDomain == MY.FileSystemDomain) || (TARGET.HasFileTransfer))")
        return " && ".join(parts)


def _shape(rng: random.Random) -> Shape:
    user, group = USERS[rng.randrange(len(USERS))]
    cpus = rng.choices((1, 2, 4, 8, 16), (58, 13, 16, 10, 3))[0]
    gpus = rng.choices((0, 1, 2), (87, 11, 2))[0]
    memory: int | str = (DEFAULT_MEMORY if rng.random() < 0.12
                         else rng.choice((1024, 2048, 3000, 4096, 6144, 8192, 12288, 16000, 32768)) * max(1, cpus // 4))
    disk: int | str = "DiskUsage" if rng.random() < 0.28 else rng.choice((1_000_000, 3_145_728, 8_388_608, 30_000_000))
    clauses = tuple(rng.sample(EXTRA_CLAUSES, rng.choices((0, 1, 2), (50, 35, 15))[0]))
    site_list = ""
    if any("DESIRED_Sites" in c for c in clauses) or rng.random() < 0.18:
        site_list = ",".join(sorted(rng.sample([s for s, _ in SITES], rng.randrange(1, 5))))
    return Shape(user, group, cpus, memory, disk, gpus, rng.choice(IMAGES) if rng.random() < 0.22 else "",
                 clauses, str(_pick(rng, JOB_RANKS)[1]), site_list,
                 rng.choice((0.0, 7.0, 8.0)) if gpus else 0.0, rng.choice(("YES", "IF_NEEDED")),
                 rng.choice((60, 240, 720, 1440, 2880)))


def job_shapes(k: int, seed: int = 2) -> list[Shape]:
    """k distinct autocluster shapes."""
    rng = random.Random(f"shapes-{seed}")
    shapes: list[Shape] = []
    seen: set[Shape] = set()
    while len(shapes) < k:
        s = _shape(rng)
        if s in seen:  # the catalog is finite: make the shape distinct by its disk request
            s = Shape(**{**s.__dict__, "disk": 1_000_000 + 4096 * len(shapes)})
        if s not in seen:
            seen.add(s)
            shapes.append(s)
    return shapes


def _zipf_counts(n: int, k: int, exponent: float = 1.1) -> list[int]:
    """n split over k ranks in proportion to 1/rank**exponent (largest remainder)."""
    weights = [1.0 / (r + 1) ** exponent for r in range(k)]
    total = sum(weights)
    exact = [n * w / total for w in weights]
    counts = [int(x) for x in exact]
    order = sorted(range(k), key=lambda r: (counts[r] - exact[r], r))
    for r in order[: n - sum(counts)]:
        counts[r] += 1
    return counts


def _job(s: Shape, cluster: int, proc: int, qdate: int, rng: random.Random) -> Ad:
    iwd = f"/home/{s.user}/work/run{cluster % 613}"
    a: Ad = {
        "MyType": "Job", "TargetType": "Machine", "ClusterId": cluster, "ProcId": proc,
        "GlobalJobId": f"ap23.example.org#{cluster}.{proc}#{qdate}", "Owner": s.user,
        "User": f"{s.user}@example.org", "AcctGroup": s.group, "AcctGroupUser": s.user,
        "AccountingGroup": f"{s.group}.{s.user}", "JobUniverse": 5, "Cmd": f"{iwd}/run.sh",
        "Arguments": f"--chunk {proc} --seed {cluster * 7 + proc}", "Iwd": iwd, "In": "/dev/null",
        "Out": f"logs/{cluster}.{proc}.out", "Err": f"logs/{cluster}.{proc}.err", "UserLog": f"{iwd}/jobs.log",
        "JobBatchName": f"{s.user}_{cluster}", "QDate": qdate, "EnteredCurrentStatus": qdate + rng.randrange(0, 30),
        "JobStatus": 1, "LastJobStatus": 0, "JobPrio": 0, "NiceUser": False,
        "RequestCpus": s.cpus, "RequestDisk": Expr(s.disk) if isinstance(s.disk, str) else s.disk,
        "RequestMemory": Expr(s.memory) if isinstance(s.memory, str) else s.memory,
        "Requirements": Expr(s.requirements()), "Rank": Expr(s.rank),
        "DiskUsage": rng.choice((1, 2500, 40000, 600000)), "ImageSize": rng.choice((1, 5000, 250000)),
        "ExecutableSize": 12, "MemoryUsage": Expr("((ResidentSetSize + 1023) / 1024)"), "ResidentSetSize": 0,
        "FileSystemDomain": "example.org", "ShouldTransferFiles": s.transfer, "WhenToTransferOutput": "ON_EXIT",
        "TransferInput": f"input/chunk_{proc:05d}.tar.gz,env.sh", "TransferInputSizeMB": rng.randrange(0, 3000),
        "JobLeaseDuration": 2400, "OnExitHold": False, "OnExitRemove": True,
        "PeriodicHold": Expr("(JobStatus == 2) && (time() - JobCurrentStartDate) > MaxWallTimeMins * 60"),
        "PeriodicRelease": False, "PeriodicRemove": Expr("(JobStatus == 5) && (time() - EnteredCurrentStatus) > 14 * 86400"),
        "MaxWallTimeMins": s.walltime, "NumJobStarts": 0, "JobRunCount": 0, "NumShadowStarts": 0, "NumCkpts": 0,
        "CondorVersion": _version("24.12.4")[0], "CondorPlatform": _version("24.12.4")[1],
        "WantCheckpoint": False, "WantRemoteIO": True, "MinHosts": 1, "MaxHosts": 1, "CurrentHosts": 0,
        "LastRemoteHost": f"slot1_{proc % 9 + 1}@wn{proc % 4000:05d}.mwt2.uchicago.edu",
        "AutoClusterAttrs": "JobUniverse,LastCheckpointPlatform,NumCkpts,RequestCpus,RequestDisk,RequestGPUs,"
                            "RequestMemory,Requirements,Rank,DESIRED_Sites,MaxWallTimeMins,Owner,AcctGroup,"
                            "JobPrio,WantDocker,LastRemoteHost",
    }
    if s.gpus:
        a["RequestGPUs"] = s.gpus
    if s.image:
        a.update({"WantDocker": True, "DockerImage": s.image.removeprefix("docker://")})
    if s.sites:
        a["DESIRED_Sites"] = s.sites
    return a


def job_ads(n: int, autoclusters: int = 50, seed: int = 2) -> list[Ad]:
    """n idle job ads in clusters; each cluster has one of `autoclusters` shapes, Zipf-skewed."""
    rng = random.Random(f"jobs-{seed}")
    shapes = job_shapes(autoclusters, seed)
    clusters: list[tuple[Shape, int]] = []
    for shape, count in zip(shapes, _zipf_counts(n, len(shapes)), strict=True):
        while count > 0:
            size = min(count, 1 + int(rng.expovariate(1 / 30)))
            clusters.append((shape, size))
            count -= size
    rng.shuffle(clusters)
    out: list[Ad] = []
    for number, (shape, size) in enumerate(clusters, start=4_100_000 + rng.randrange(1000)):
        qdate = NOW - rng.randrange(60, 4 * 86400)
        out.extend(_job(shape, number, proc, qdate, rng) for proc in range(size))
    return out


# ---- rendering ------------------------------------------------------------------------------


def _classad_value(v: Value, old: bool = False) -> str:
    if isinstance(v, Expr):
        return str(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        text = repr(v)
        return text if any(c in text for c in ".en") else text + ".0"
    if isinstance(v, str):  # old ads escape only the double quote; the generator emits no backslash
        return '"' + (v if old else v.replace("\\", "\\\\")).replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "{ " + ", ".join(_classad_value(x, old) for x in v) + " }"
    return "[ " + "; ".join(f"{k} = {_classad_value(x, old)}" for k, x in v.items()) + " ]"


def _json_value(v: Value) -> str:
    if isinstance(v, Expr):
        return '"\\/Expr(' + json.dumps(str(v))[1:-1] + ')\\/"'
    if isinstance(v, list):
        return "[" + ", ".join(_json_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(k)}: {_json_value(x)}" for k, x in v.items()) + " }"
    return json.dumps(v)


def _sorted(ad: Ad) -> list[tuple[str, Value]]:
    return sorted(ad.items(), key=lambda kv: kv[0].lower())  # condor_status -l sorts names


def render_ad(ad: Ad, fmt: str) -> str:
    """One ad in `fmt`: "new" (`[ ... ]`), "old" (`attr = value` lines) or "json" (one object)."""
    items = _sorted(ad)
    if fmt == "new":
        return "[\n" + "".join(f"  {k} = {_classad_value(v)};\n" for k, v in items) + "]\n"
    if fmt == "old":
        return "".join(f"{k} = {_classad_value(v, old=True)}\n" for k, v in items)
    if fmt == "json":
        return "{\n" + ",\n".join(f"  {json.dumps(k)}: {_json_value(v)}" for k, v in items) + "\n}"
    raise ValueError(f"unknown format {fmt!r}")


def render(ads: Iterable[Ad], fmt: str) -> str:
    """Many ads as one file: new-style ads in sequence, old-style separated by blank lines,
    JSON as the array condor_status -json prints."""
    parts = [render_ad(ad, fmt) for ad in ads]
    if fmt == "old":
        return "\n".join(parts)
    if fmt == "json":
        return "[\n" + ",\n".join(parts) + "\n]\n"
    return "".join(parts)


def main(argv: Sequence[str] | None = None) -> None:
    """CLI: write slots_<N>.<fmt>.ad and jobs_<N>_ac<K>.<fmt>.ad into --out."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.poolgen", description=__doc__)
    p.add_argument("--slots", type=int, default=1000)
    p.add_argument("--jobs", type=int, default=1000)
    p.add_argument("--autoclusters", type=int, default=50)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--format", choices=(*FORMATS, "all"), default="all")
    p.add_argument("--out", default="/tmp/poolgen")
    args = p.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    fmts = FORMATS if args.format == "all" else (args.format,)
    todo = [(f"slots_{args.slots}", slot_ads(args.slots, args.seed)),
            (f"jobs_{args.jobs}_ac{args.autoclusters}", job_ads(args.jobs, args.autoclusters, args.seed + 1))]
    for stem, ads in todo:
        if not ads:
            continue
        sizes = [len(a) for a in ads]
        for fmt in fmts:
            path = os.path.join(args.out, f"{stem}.{fmt}.ad")
            with open(path, "w", encoding="utf-8") as f:
                f.write(render(ads, fmt))
            print(f"{path}: {len(ads)} ads, {min(sizes)}-{max(sizes)} attributes "
                  f"(mean {sum(sizes) / len(sizes):.0f})")


if __name__ == "__main__":
    main()
