"""A partitionable-slot machine ad built from the engine's `info`, `version` and image list."""

from __future__ import annotations

import os
import platform
import shutil
import socket
from typing import Any

from executor.images import cached_images
from executor.spec import ExecutorConfig

MB = 1024 * 1024


def _disk_kb(path: str) -> int:
    try:
        return shutil.disk_usage(path).free // 1024
    except OSError:
        return 0


def _os_release(info: dict[str, Any]) -> dict[str, Any]:
    """OpSysName/OpSysMajorVer/OpSysAndVer from the engine host's OS (e.g. Debian, 12, "Debian12")."""
    name = str(info.get("OperatingSystem") or "").split(" ")[0]
    major = str(info.get("OSVersion") or "").split(".")[0]
    if not name or not major.isdigit():
        return {}
    return {"OpSysName": name, "OpSysShortName": name, "OpSysMajorVer": int(major),
            "OpSysAndVer": f"{name}{major}"}


def machine_attributes(client: Any, config: ExecutorConfig, docker_host: str) -> dict[str, Any]:
    """Attribute name -> Python value, in the spelling HTCondor's startd uses.

    Values are literals except Requirements, which is the expression `START` (kept as a string
    here; `expressions()` names it so the printers write it unquoted).
    """
    info = client.info()
    version = client.version()
    host = str(info.get("Name") or socket.gethostname())  # the engine's host, maybe remote
    cpus = int(info.get("NCPU") or os.cpu_count() or 1)
    memory_mb = int(info.get("MemTotal", 0)) // MB
    images = cached_images(client)
    arch = str(info.get("Architecture") or platform.machine()).upper().replace("AMD64", "X86_64")
    networks = sorted(config.networks)
    disk_kb = _disk_kb(str(info.get("DockerRootDir") or "/"))
    return {
        "MyType": "Machine",
        "Name": f"{config.slot_name}@{host}",
        "Machine": host,
        "SlotType": "Partitionable",
        "PartitionableSlot": True,
        "SlotID": 1,
        "State": "Unclaimed",
        "Activity": "Idle",
        "Start": True,
        "Requirements": "START",
        "Rank": 0.0,
        "Cpus": cpus,
        "TotalCpus": cpus,
        "TotalSlotCpus": cpus,
        "DetectedCpus": cpus,
        "Memory": memory_mb,
        "TotalMemory": memory_mb,
        "TotalSlotMemory": memory_mb,
        "DetectedMemory": memory_mb,
        "Disk": disk_kb,
        "TotalDisk": disk_kb,
        "TotalSlotDisk": disk_kb,
        "OpSys": str(info.get("OSType", "linux")).upper(),
        **_os_release(info),
        "Arch": arch,
        "HasFileTransfer": True,
        "HasJobTransferPlugins": False,
        "HasDocker": True,
        "HasDockerURL": True,
        "HasContainer": True,
        "DockerVersion": f"Docker version {version.get('Version', '?')}, build {version.get('GitCommit', '?')}",
        "DockerHost": docker_host,
        "DockerEngineId": str(info.get("ID", "")),
        "DockerNetworks": ",".join(networks),  # a string list, for StringListMember()
        "DockerCachedImages": [tag for image in images for tag in image.tags],
        "DockerCachedImageSizeMb": round(sum(i.size_mb for i in images if i.ours)),
        "CgroupVersion": str(info.get("CgroupVersion", "1")),
    }


EXPRESSIONS = frozenset({"Requirements"})  # attributes whose string value is an expression
