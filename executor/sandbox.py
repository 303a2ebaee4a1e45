"""The job's scratch directory: made for the job's uid; input in and output out under the owners' identities.

Input is read as the submitting user (the owner of Iwd) from Iwd, or from an absolute path that
user can read, and written as the job's uid into the sandbox. Output is read as the job's uid
from the sandbox and written as the submitting user into Iwd. No name may leave its root or pass
through a link; only regular files and directories travel (jobfiles does the opening).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import os
import pwd
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass

from executor import jobfiles as jf
from executor.containers import INTERNAL_FILES, JOB_AD_FILE, STDERR_FILE, STDOUT_FILE
from executor.spec import ExecutorConfig, HoldCode, JobResult, JobSpec

MAX_WALK = 1_000_000  # entries counted by disk_kb
IDENTITY_TTL = 60.0  # seconds a user's groups are cached


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

    def to_json(self) -> str:
        return json.dumps(self.stamps, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Snapshot:
        try:
            raw = json.loads(text)
            return cls({str(k): (int(v[0]), int(v[1])) for k, v in raw.items()})
        except (ValueError, TypeError, IndexError, AttributeError):
            return cls({})


def job_identity(config: ExecutorConfig) -> jf.Identity:
    """The job's uid:gid inside and outside the container."""
    if os.geteuid() != 0:
        return jf.Identity.ours()
    return jf.Identity(config.uid, config.gid, (config.gid,))


def submit_identity(spec: JobSpec, iwd_fd: int) -> jf.Identity:
    """The submitting user: the owner of Iwd, who must be the job's Owner if that user exists, never root."""
    if os.geteuid() != 0:
        return jf.Identity.ours()
    st = os.fstat(iwd_fd)
    if spec.owner:
        with contextlib.suppress(KeyError):
            owner = pwd.getpwnam(spec.owner)
            if owner.pw_uid != st.st_uid:
                raise jf.JobFileError(errno.EPERM, f"Iwd {spec.iwd} belongs to uid {st.st_uid}, not to the "
                                                   f"job's Owner {spec.owner} (uid {owner.pw_uid})")
    if st.st_uid == 0:
        raise jf.JobFileError(errno.EPERM, f"Iwd {spec.iwd} is owned by root; job files are never read or "
                                           "written as root (give Iwd to the submitting user)")
    return _user(st.st_uid, st.st_gid, int(time.monotonic() // IDENTITY_TTL))


@functools.lru_cache(maxsize=256)
def _user(uid: int, fallback_gid: int, epoch: int) -> jf.Identity:
    """uid's primary and supplementary groups (cached for IDENTITY_TTL seconds: NSS reads files)."""
    try:
        user = pwd.getpwuid(uid)
    except KeyError:
        return jf.Identity(uid, fallback_gid, (fallback_gid,))
    return jf.Identity(uid, user.pw_gid, tuple(os.getgrouplist(user.pw_name, user.pw_gid)))


@dataclass
class Roots:
    """Open descriptors of Iwd and the sandbox and the identities that may use them."""

    iwd: int
    user: jf.Identity
    sandbox: int
    job: jf.Identity

    def close(self) -> None:
        for fd in (self.iwd, self.sandbox):
            if fd >= 0:
                os.close(fd)


def open_iwd(spec: JobSpec) -> tuple[int, jf.Identity]:
    """Iwd pinned by a descriptor, with the identity that may read and write in it."""
    try:
        fd = jf.open_root(spec.iwd)
    except OSError as err:
        raise jf.JobFileError(err.errno or errno.EIO, f"Iwd {spec.iwd}: {err.strerror}") from err
    try:
        return fd, submit_identity(spec, fd)
    except BaseException:
        os.close(fd)
        raise


@contextlib.contextmanager
def roots(spec: JobSpec, sandbox: str, config: ExecutorConfig, code: HoldCode) -> Iterator[Roots]:
    """Both roots for one transfer; a refusal to open them is a TransferError with `code`."""
    fds: list[int] = []
    try:
        iwd, user = open_iwd(spec)
        fds.append(iwd)
        box = jf.open_root(sandbox)
        fds.append(box)
    except OSError as err:
        for fd in fds:
            os.close(fd)
        raise TransferError(code, err.errno or errno.EIO, f"Transfer files failure: {err}") from err
    found = Roots(iwd, user, box, job_identity(config))
    try:
        yield found
    finally:
        found.close()


def iwd_relative(spec: JobSpec, name: str, what: str) -> str:
    """`name` relative to Iwd; an absolute name must lie below Iwd (the kernel checks the rest)."""
    if not os.path.isabs(name):
        return name
    prefix = spec.iwd.rstrip("/") + "/"
    if not name.startswith(prefix):
        raise jf.JobFileError(errno.EXDEV, f"{what} {name} is outside the job's Iwd {spec.iwd}")
    return name[len(prefix):]


def make(spec: JobSpec, config: ExecutorConfig, path: str | None = None, base: str | None = None) -> str:
    """Create the scratch dir (mode 0700, owned by the job's uid); returns its real path."""
    if path is None:
        path = tempfile.mkdtemp(prefix=f"dir_{spec.cluster}_{spec.proc}_", dir=base)
    else:
        os.makedirs(path, exist_ok=True)
        if os.listdir(path):
            raise FileExistsError(errno.ENOTEMPTY, "sandbox directory is not empty", path)
    path = os.path.realpath(path)
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        os.fchmod(fd, 0o700)
        if os.geteuid() == 0:
            os.fchown(fd, config.uid, config.gid)
    finally:
        os.close(fd)
    return path


def write_file(sandbox: str, name: str, data: bytes, config: ExecutorConfig) -> None:
    """A new file in a fresh sandbox, created as the job's uid."""
    box = jf.open_root(sandbox)
    try:
        with jf.acting_as(job_identity(config)):
            fd, _ = jf.open_file(box, name, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        try:
            jf.write_all(fd, data)
        finally:
            os.close(fd)
    finally:
        os.close(box)


def open_std_files(sandbox: str, config: ExecutorConfig, *, append: bool = False) -> list[int | None]:
    """Descriptors for _condor_stdout and _condor_stderr, opened as the job's uid.

    Fresh (before the job ran) they are created; on recovery they are opened for appending, and a
    name the job replaced by something other than a regular file gives None (its output is then
    dropped, and output transfer holds the job on that name).
    """
    flags = os.O_WRONLY | (os.O_APPEND if append else os.O_CREAT | os.O_EXCL)
    box = jf.open_root(sandbox)
    fds: list[int | None] = []
    try:
        with jf.acting_as(job_identity(config)):
            for name in (STDOUT_FILE, STDERR_FILE):
                try:
                    fd, _ = jf.open_file(box, name, flags)
                except OSError:
                    if not append:
                        raise
                    fd = None
                if fd is not None:
                    os.set_blocking(fd, True)
                fds.append(fd)
    except BaseException:
        for fd in fds:
            if fd is not None:
                os.close(fd)
        raise
    finally:
        os.close(box)
    return fds


def transfer_input(spec: JobSpec, sandbox: str, config: ExecutorConfig) -> Snapshot:
    """Copy TransferInput entries; `dir` copies the directory, `dir/` only its contents."""
    with roots(spec, sandbox, config, HoldCode.TRANSFER_INPUT_ERROR) as r:
        for entry in spec.transfer_input:
            try:
                _copy_in(r, entry)
            except OSError as err:
                code = err.errno or errno.EIO
                raise TransferError(HoldCode.TRANSFER_INPUT_ERROR, code,
                                    f"Transfer input files failure reading {entry} from {spec.iwd}: {err}") from err
        return snapshot(sandbox)


def _copy_in(r: Roots, entry: str) -> None:
    contents_only = entry.endswith("/") and entry.strip("/") != ""
    name = entry.rstrip("/") or "/"
    parent_fd = r.iwd
    if os.path.isabs(name):  # read as the user, who may follow links to what they can read
        with jf.acting_as(r.user):
            parent_fd = jf.open_root(os.path.dirname(name))
        name = os.path.basename(name)
    try:
        copier = jf.Copier(parent_fd, r.user, r.sandbox, r.job)
        copier.copy(name, "" if contents_only else os.path.basename(name), contents_only=contents_only)
    finally:
        if parent_fd != r.iwd:
            os.close(parent_fd)


def snapshot(sandbox: str) -> Snapshot:
    stamps: dict[str, tuple[int, int]] = {}
    fd = os.open(sandbox, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        with os.scandir(fd) as entries:
            for entry in entries:
                if entry.name not in INTERNAL_FILES:
                    st = entry.stat(follow_symlinks=False)
                    stamps[entry.name] = (st.st_mtime_ns, st.st_size)
    finally:
        os.close(fd)
    return Snapshot(stamps)


def _changed(sandbox: str, before: Snapshot) -> list[str]:
    return [name for name, stamp in sorted(snapshot(sandbox).stamps.items()) if before.stamps.get(name) != stamp]


def check_iwd(spec: JobSpec) -> None:
    """Refuse, before the job runs, an Iwd we cannot open or that belongs to root or to someone else."""
    fd, _ = open_iwd(spec)
    os.close(fd)


def check_destinations(spec: JobSpec) -> None:
    """Refuse, before the job runs, an Out, Err, UserLog or remap outside Iwd (a JobFileError)."""
    for what, name in (("Out", spec.stdout), ("Err", spec.stderr), ("UserLog", spec.user_log),
                       *(("TransferOutputRemaps", dest) for _, dest in spec.output_remaps)):
        if name:
            iwd_relative(spec, name, what)


def transfer_output(spec: JobSpec, sandbox: str, before: Snapshot, config: ExecutorConfig) -> list[str]:
    """Copy stdout/stderr to Out/Err and the outputs to Iwd; returns the files written."""
    names = list(spec.transfer_output) if spec.transfer_output is not None else _changed(sandbox, before)
    remaps = dict(spec.output_remaps)
    pairs = [(n, remaps.get(n.rstrip("/"), os.path.basename(n.rstrip("/")))) for n in names]
    pairs += [(std, dest) for std, dest in ((STDOUT_FILE, spec.stdout), (STDERR_FILE, spec.stderr)) if dest]
    written = []
    with roots(spec, sandbox, config, HoldCode.TRANSFER_OUTPUT_ERROR) as r:
        copier = jf.Copier(r.sandbox, r.job, r.iwd, r.user)
        for source, dest in pairs:
            try:
                target = iwd_relative(spec, dest, "output destination")
                copier.copy(source.rstrip("/") or ".", target)
            except OSError as err:
                code = err.errno or errno.EIO
                raise TransferError(HoldCode.TRANSFER_OUTPUT_ERROR, code,
                                    f"Transfer output files failure writing {dest} in {spec.iwd} "
                                    f"from the job's {source}: {err}") from err
            written.append(os.path.join(spec.iwd, target))
    return written


def disk_kb(sandbox: str) -> int:
    """Bytes the sandbox holds, in KiB (the DiskUsage HTCondor reports); never follows a link."""
    total, seen = 0, 0
    with contextlib.suppress(OSError):
        for _, _, files, dirfd in os.fwalk(sandbox):
            for name in files:
                seen += 1
                if seen > MAX_WALK:
                    return (total + 1023) // 1024
                with contextlib.suppress(OSError):
                    st = os.stat(name, dir_fd=dirfd, follow_symlinks=False)
                    if stat.S_ISREG(st.st_mode):
                        total += st.st_size
    return (total + 1023) // 1024


def remove(sandbox: str) -> None:
    """rmtree by descriptors (shutil's safe variant on Linux): a swapped-in link is unlinked, not followed."""
    shutil.rmtree(sandbox, ignore_errors=True)


__all__ = ["JOB_AD_FILE", "Snapshot", "TransferError", "disk_kb", "make", "remove", "snapshot",
           "transfer_input", "transfer_output"]
