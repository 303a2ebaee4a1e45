"""The universe, file transfer, and the Requirements condor_submit builds (SetUniverse,
SetTransferFiles and SetRequirements in submit_utils.cpp, HTCondor 25.x).

Requirements = (the user's requirements) && the clauses the user's expression does not
already cover: Arch and OpSys (docker/container jobs: Arch and HasDocker / HasContainer plus
the image kind instead of OpSys), Disk >= RequestDisk, Memory >= RequestMemory,
Cpus >= RequestCpus when more than one, custom Request<Res>, and the file-transfer clause.
"""

from __future__ import annotations

from classad import ast
from negotiator.queue.errors import SubmitError
from negotiator.queue.job_context import JobContext, Universe, parse

UNIVERSES = {"vanilla": 5, "scheduler": 7, "local": 12}
_UNSUPPORTED_UNIVERSES = {"standard": 1, "pipe": 2, "linda": 3, "pvm": 4, "pvmd": 6,
                          "globus": 9, "grid": 9, "mpi": 8, "java": 10, "parallel": 11,
                          "vm": 13}
_SHOULD = {"yes": "YES", "no": "NO", "if_needed": "IF_NEEDED"}
_WHEN = {"on_exit": "ON_EXIT", "on_exit_or_evict": "ON_EXIT_OR_EVICT",
         "on_success": "ON_SUCCESS", "never": "NEVER"}


def universe(text: str | None, has_docker_image: bool, has_container_image: bool) -> Universe:
    """The cluster's universe from `universe` (and whether an image was given)."""
    name = (text or "vanilla").strip().lower()
    if name in ("docker", "container"):
        uni = Universe(5, docker=name == "docker", container=name == "container")
    elif name in UNIVERSES or (name.isdigit() and int(name) in UNIVERSES.values()):
        uni = Universe(UNIVERSES.get(name) or int(name))
    elif name in _UNSUPPORTED_UNIVERSES or name.isdigit():
        raise SubmitError(f"universe = {text}: this universe is not supported "
                          "(vanilla, docker, container, scheduler and local are)", key="universe")
    else:
        raise SubmitError(f"universe = {text}: there is no such universe", key="universe")
    if uni.number in (5, 12):
        if uni.docker and has_container_image:
            raise SubmitError("docker universe does not allow use of container_image",
                              key="container_image")
        if not uni.docker and has_docker_image and has_container_image:
            raise SubmitError("cannot declare both docker_image and container_image",
                              key="container_image")
        if not uni.docker and (has_docker_image or has_container_image):
            uni.container = True
    return uni


def set_universe(ctx: JobContext) -> None:
    uni = ctx.universe
    ctx.set("JobUniverse", uni.number)
    if uni.container and ctx.param("docker_image", "DockerImage") is not None:
        ctx.set("WantDockerImage", True)
    if uni.docker:
        ctx.set("WantDocker", True)
    if uni.container:
        ctx.set("WantContainer", True)


def _files(text: str | None) -> list[str]:
    if text is None:
        return []
    text = text.strip()
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1]
    return [f.strip() for f in text.split(",") if f.strip()]


def _container_input(ctx: JobContext) -> str | None:
    """The container image, when it goes with the job's input files; sets ContainerImageSource
    and, for a transferred image, ContainerImage to its base name (process_container_input_files)."""
    text = ctx.param("container_image", "ContainerImage") if ctx.universe.container else None
    if text is None:
        return None
    image = text.strip().strip('"').strip()
    shared = (base.strip() for base in ctx.config.container_shared_fs.split(","))
    if any(base and image.startswith(base) for base in shared):
        ctx.set("ContainerImageSource", "local")
        return None
    for scheme in ("docker", "oras"):
        if image.startswith(scheme + "://"):
            ctx.set("ContainerImageSource", scheme)
            return None
    short = image[:-1] if image.endswith("/") else image
    ctx.set("ContainerImage", short.rsplit("/", 1)[-1])
    ctx.set("ContainerImageFullPath", image)  # HTCondor 25: late materialization reads it
    ctx.set("ContainerImageSource", short.split(":", 1)[0] if ":" in short else "cedar")
    return image


def set_transfer_files(ctx: JobContext) -> None:
    inputs = _files(ctx.param("transfer_input_files", "TransferInputFiles"))
    container = _container_input(ctx)
    if container is not None:
        inputs.append(container)
    input_kb = sum(ctx.size_kb(ctx.full_path(f)) for f in inputs if "://" not in f)
    stdin = ctx.get_str("In")
    if ctx.get("TransferIn") is not False and stdin and stdin != "/dev/null":
        input_kb += ctx.size_kb(ctx.full_path(stdin))
    out_text = ctx.param("transfer_output_files", "TransferOutputFiles")
    outputs = _files(out_text)

    should_text = ctx.param("should_transfer_files", "ShouldTransferFiles")
    default_should = should_text is None
    should = _SHOULD.get((should_text or "IF_NEEDED").lower())
    if should is None:
        raise SubmitError(f"invalid value ({should_text}) for ShouldTransferFiles: "
                          "specify YES, NO, or IF_NEEDED", key="should_transfer_files")
    if should == "NO" and (inputs or out_text is not None):
        raise SubmitError("you specified files to transfer (transfer_input_files or "
                          "transfer_output_files) but disabled should_transfer_files",
                          key="should_transfer_files")
    when_text = ctx.param("when_to_transfer_output", "WhenToTransferOutput")
    when = _WHEN.get((when_text or "ON_EXIT").lower())
    if when is None:
        raise SubmitError(f"invalid value ({when_text}) for WhenToTransferOutput: "
                          "specify ON_EXIT or ON_EXIT_OR_EVICT", key="when_to_transfer_output")
    if not default_should and when_text is None and should == "NO":
        when = "NEVER"
    if (should == "NO") != (when == "NEVER"):
        raise SubmitError(f"WhenToTransferOutput specified as {when} yet ShouldTransferFiles "
                          f"defined as {should}: remove this contradiction")
    if default_should and when == "ON_EXIT_OR_EVICT":
        should = "YES"
    if when == "ON_EXIT_OR_EVICT" and should == "IF_NEEDED":
        raise SubmitError("when_to_transfer_output = ON_EXIT_OR_EVICT and "
                          "should_transfer_files = IF_NEEDED are incompatible")
    ctx.set("ShouldTransferFiles", should)
    if should != "NO":
        ctx.set("WhenToTransferOutput", when)
    if should != "YES" and not ctx.has("FileSystemDomain"):
        ctx.set("FileSystemDomain", ctx.config.filesystem_domain)

    exe_kb = ctx.get("ExecutableSize") or 0
    ctx.set("TransferInputSizeMB", (exe_kb + input_kb + 1023) // 1024)
    ctx.set("DiskUsage", exe_kb + input_kb)
    if should != "NO":
        if inputs:
            ctx.set("TransferInput", ",".join(inputs))
        if out_text is not None:
            ctx.set("TransferOutput", ",".join(outputs))
    elif ctx.param_bool("transfer_executable", False, "TransferExecutable"):
        raise SubmitError("you asked for the executable to be transferred, but file transfer "
                          "is off (should_transfer_files = NO)")
    remaps = ctx.param("transfer_output_remaps", "TransferOutputRemaps")
    if remaps is not None:
        remaps = remaps.strip()
        if len(remaps) >= 2 and remaps[0] == '"' and remaps[-1] == '"':
            remaps = remaps[1:-1]
        ctx.set("TransferOutputRemaps", remaps)


def _references(tree: ast.Expr) -> tuple[set[str], set[str]]:
    """(job attributes, machine attributes) an expression reads, lower case; an unqualified
    name counts for the machine (condor_submit finds it in neither ad at submit time)."""
    job: set[str] = set()
    machine: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Select) and isinstance(node.base, ast.AttrRef):
            scope = node.base.key
            if scope == "target":
                machine.add(node.key)
                continue
            if scope == "my":
                job.add(node.key)
                continue
        if isinstance(node, ast.AttrRef):
            (job if node.key in ("requestmemory", "requirements") else machine).add(node.key)
        stack.extend(ast.children(node))
    return job, machine


def _literal_number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def set_requirements(ctx: JobContext) -> None:
    if any(name.lower() == "requirements" for _, name in ctx.forced):
        return  # MY.Requirements wins and nothing is added
    user = ctx.param("requirements")
    answer = f"({user})" if user else ""
    machine: set[str] = set()
    if answer:
        job, machine = _references(ctx_parse(answer))
        if "requirements" in job or "requirements" in machine:
            raise SubmitError(f"Requirements = {answer} is circular; did you intend to use "
                              "$(Requirements)?", key="requirements")
    uni = ctx.universe
    parts = [answer] if answer else []
    arch = f'(TARGET.Arch == "{ctx.config.arch}")'
    if uni.docker or uni.container:
        if "arch" not in machine:
            parts.append(arch)
        extra = "TARGET.HasDocker" if uni.docker else "TARGET.HasContainer"
        network = ctx.get_str("DockerNetworkType")
        if uni.docker and network and network not in ("host", "none", "nat"):
            extra += "&& StringListMember(My.DockerNetworkType, TARGET.DockerNetworks)"
        if uni.container:
            extra += _container_clause(ctx)
        parts.append(extra)
        answer = " && ".join(parts)
    else:
        if "arch" not in machine:
            parts.append(arch)
        answer = " && ".join(parts)
        opsys = {"opsys", "opsysandver", "opsyslongname", "opsysshortname", "opsysname",
                 "opsyslegacy"}
        if not machine & opsys:
            answer += f' && (TARGET.OpSys == "{ctx.config.opsys}")'
    answer += _disk_clause(ctx, "disk" in machine)
    mem = _literal_number(ctx.get("RequestMemory"))
    if ctx.has("RequestMemory") and (mem is None or mem > 1.0):
        answer += " && (TARGET.Memory >= RequestMemory)"
    cpus = _literal_number(ctx.get("RequestCpus"))
    if "cpus" not in machine and ctx.has("RequestCpus") and (cpus is None or cpus > 1.0):
        answer += " && (TARGET.Cpus >= RequestCpus)"
    answer += _custom_resources(ctx, machine)
    if uni.number == 5:
        answer += _transfer_clause(ctx, machine)
    if ctx.get("WantFTOnCheckpoint") is True and "hasselfcheckpointtransfers" not in machine:
        answer += " && TARGET.HasSelfCheckpointTransfers"
    ctx.set_expr("Requirements", answer)


def ctx_parse(text: str) -> ast.Expr:
    try:
        return parse(text)
    except Exception as e:  # the classad parser's syntax error
        raise SubmitError(f"requirements = {text[1:-1]}: not a valid ClassAd expression ({e})",
                          key="requirements") from None


def _container_clause(ctx: JobContext) -> str:
    if ctx.has("DockerImage"):
        return "&& TARGET.HasDockerURL"
    image = ctx.get_str("ContainerImage") or ""
    if image.startswith("docker://"):
        return "&& TARGET.HasDockerURL"
    if image.endswith(".sif"):
        return "&& TARGET.HasSIF"
    return "&& TARGET.HasSandboxImage"


def _disk_clause(ctx: JobContext, checks_disk: bool) -> str:
    request = ctx.get("RequestDisk")
    if checks_disk:
        return " && (TARGET.Disk >= RequestDisk)" if request is not None else ""
    if request is None:
        return " && (TARGET.Disk >= DiskUsage)"
    disk = _literal_number(request)
    if disk is not None and disk <= 0.0:
        return ""
    if ctx.universe.number == 5 and ctx.config.disk_version_clause:
        # starters since 25.12 adjust RequestDisk for common files themselves
        return (' && (versionGE(split(TARGET.CondorVersion)[1], "25.12.0") || '
                "(TARGET.Disk >= RequestDisk))")
    return " && (TARGET.Disk >= RequestDisk)"


def _custom_resources(ctx: JobContext, machine: set[str]) -> str:
    clauses = ""
    for _, attr in sorted(ctx.requests, key=lambda pair: pair[1].lower()):
        tag = attr[len("Request"):]
        if len(tag) < 2 or tag.startswith("_") or tag.lower() in machine:
            continue
        value = ctx.get(attr)
        if isinstance(value, str):
            if value:
                clauses += f" && regexp({attr}, TARGET.{tag})"
        elif value is not None:
            number = _literal_number(value)
            if number is None or number > 0:
                clauses += f" && (TARGET.{tag} >= {attr})"
    return clauses


def _transfer_clause(ctx: JobContext, machine: set[str]) -> str:
    should = ctx.get_str("ShouldTransferFiles")
    domain = "(TARGET.FileSystemDomain == MY.FileSystemDomain)"
    if should == "NO":
        return "" if "filesystemdomain" in machine else f" && {domain}"
    if "hasfiletransfer" in machine or "hasjobtransferplugins" in machine:
        return ""
    text = ""
    join, close = " && (", ")"
    if should == "IF_NEEDED" and "filesystemdomain" not in machine:
        text += join + domain
        join, close = " || (", "))"
    text += join + "TARGET.HasFileTransfer"
    if ctx.get_str("WhenToTransferOutput") == "ON_SUCCESS" or ctx.get("PreserveRelativePaths") \
            is True or ctx.has("TransferCheckpoint"):
        text += ' && versioncmp( split(TARGET.CondorVersion)[1], "8.9.7" ) >= 0'
    return text + close
