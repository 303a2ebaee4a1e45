"""The job's scratch directory: create it for the job's uid, transfer input in and output back."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from executor.containers import INTERNAL_FILES, STDERR_FILE, STDOUT_FILE
from executor.spec import ExecutorConfig, HoldCode, JobResult, JobSpec


class TransferError(Exception):
    """A file transfer failed; becomes a hold with HTCondor's code and the errno as subcode."""

    def __init__(self, code: HoldCode, err: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.errno, self.reason = code, err, reason

    def result(self, *, started: bool) -> JobResult:
        return JobResult.held(self.code, self.errno, self.reason, started=started)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Top-level files after input transfer, to find what the job created or changed."""

    stamps: dict[str, tuple[int, int]]


def _chown(path: str, config: ExecutorConfig) -> None:
    if os.getuid() == 0:
        os.chown(path, config.uid, config.gid, follow_symlinks=False)


def _chown_tree(path: str, config: ExecutorConfig) -> None:
    _chown(path, config)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            _chown(os.path.join(root, name), config)


def make(spec: JobSpec, config: ExecutorConfig, path: str | None = None, base: str | None = None) -> str:
    """Create the scratch dir (mode 0700, owned by the job's uid); returns its real path."""
    if path is None:
        path = tempfile.mkdtemp(prefix=f"dir_{spec.cluster}_{spec.proc}_", dir=base)
    else:
        os.makedirs(path, exist_ok=True)
        if os.listdir(path):
            raise FileExistsError(errno.ENOTEMPTY, "sandbox directory is not empty", path)
    path = os.path.realpath(path)
    os.chmod(path, 0o700)
    _chown(path, config)
    return path


def _resolve(spec: JobSpec, name: str) -> str:
    return name if os.path.isabs(name) else os.path.join(spec.iwd, name)


def transfer_input(spec: JobSpec, sandbox: str, config: ExecutorConfig) -> Snapshot:
    """Copy TransferInput entries; `dir` copies the directory, `dir/` only its contents."""
    for entry in spec.transfer_input:
        source = _resolve(spec, entry)
        try:
            if os.path.isdir(source):
                contents_only = entry.endswith("/")
                target = sandbox if contents_only else os.path.join(sandbox, os.path.basename(source.rstrip("/")))
                shutil.copytree(source, target, dirs_exist_ok=True, symlinks=False)
            else:
                target = os.path.join(sandbox, os.path.basename(source))
                shutil.copy2(source, target)
        except OSError as err:
            code = err.errno or errno.EIO
            raise TransferError(HoldCode.TRANSFER_INPUT_ERROR, code,
                                f"Transfer input files failure reading from file {source}: "
                                f"(errno {code}) {os.strerror(code)}") from err
        _chown_tree(target, config)
    return snapshot(sandbox)


def snapshot(sandbox: str) -> Snapshot:
    stamps: dict[str, tuple[int, int]] = {}
    with os.scandir(sandbox) as entries:
        for entry in entries:
            if entry.name not in INTERNAL_FILES:
                st = entry.stat(follow_symlinks=False)
                stamps[entry.name] = (st.st_mtime_ns, st.st_size)
    return Snapshot(stamps)


def _changed(sandbox: str, before: Snapshot) -> Iterator[str]:
    for name, stamp in sorted(snapshot(sandbox).stamps.items()):
        if before.stamps.get(name) != stamp:
            yield name


def _give_to_iwd_owner(path: str, iwd: str) -> None:
    """Like the shadow writing as the submitter: output belongs to whoever owns Iwd."""
    if os.getuid() != 0:
        return
    st = os.stat(iwd)
    os.chown(path, st.st_uid, st.st_gid, follow_symlinks=False)


def _copy_out(source: str, target: str, iwd: str) -> None:
    if os.path.isdir(source) and not os.path.islink(source):
        shutil.copytree(source, target, dirs_exist_ok=True)
    else:
        shutil.copyfile(source, target, follow_symlinks=False)
    _give_to_iwd_owner(target, iwd)


def transfer_output(spec: JobSpec, sandbox: str, before: Snapshot) -> list[str]:
    """Copy stdout/stderr to Out/Err and the outputs to Iwd; returns the files written."""
    names = list(spec.transfer_output) if spec.transfer_output is not None else list(_changed(sandbox, before))
    pairs = [(os.path.join(sandbox, n), os.path.join(spec.iwd, os.path.basename(n.rstrip("/")))) for n in names]
    for std, dest in ((STDOUT_FILE, spec.stdout), (STDERR_FILE, spec.stderr)):
        if dest:
            pairs.append((os.path.join(sandbox, std), _resolve(spec, dest)))
    written = []
    for source, target in pairs:
        try:
            _copy_out(source, target, spec.iwd)
        except OSError as err:
            code = err.errno or errno.EIO
            raise TransferError(HoldCode.TRANSFER_OUTPUT_ERROR, code,
                                f"Transfer output files failure writing {target} from {source}: "
                                f"(errno {code}) {os.strerror(code)}") from err
        written.append(target)
    return written


def disk_kb(sandbox: str) -> int:
    """Bytes the sandbox holds, in KiB (the DiskUsage HTCondor reports)."""
    total = 0
    for root, _, files in os.walk(sandbox):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return (total + 1023) // 1024


def remove(sandbox: str) -> None:
    shutil.rmtree(sandbox, ignore_errors=True)
