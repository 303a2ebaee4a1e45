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


def machine_attributes(client: Any, config: ExecutorConfig, docker_host: str) -> dict[str, Any]:
    """Attribute name -> Python value, in the spelling HTCondor's startd uses."""
    info = client.info()
    version = client.version()
    host = str(info.get("Name") or socket.gethostname())  # the engine's host, maybe remote
    cpus = int(info.get("NCPU") or os.cpu_count() or 1)
    memory_mb = int(info.get("MemTotal", 0)) // MB
    images = cached_images(client)
    arch = str(info.get("Architecture") or platform.machine()).upper().replace("AMD64", "X86_64")
    networks = sorted(config.networks)
    return {
        "MyType": "Machine",
        "Name": f"{config.slot_name}@{host}",
        "Machine": host,
        "SlotType": "Partitionable",
        "PartitionableSlot": True,
        "Cpus": cpus,
        "TotalCpus": cpus,
        "Memory": memory_mb,
        "TotalMemory": memory_mb,
        "Disk": _disk_kb(str(info.get("DockerRootDir") or "/")),
        "OpSys": str(info.get("OSType", "linux")).upper(),
        "Arch": arch,
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
        "Start": True,
    }
