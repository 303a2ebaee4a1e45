"""File operations for a job: under the job's identity, beneath a root directory, never through a link.

HTCondor's starter touches a job's files only as the job's user and only inside its sandbox or
Iwd. Here every open happens (1) with the filesystem identity of the user it is done for, set for
the calling thread alone with setfsuid/setfsgid and a per-thread setgroups (the kernel's
credentials are per thread; glibc's wrappers would change every thread, so the raw system calls
are used), and (2) relative to a directory descriptor with openat2(RESOLVE_BENEATH |
RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS), or, on kernels without openat2, a walk of openat
calls with O_NOFOLLOW that refuses `..`. Anything the job could have replaced is opened with
O_NONBLOCK (a FIFO cannot block us) and checked with fstat before a byte is read or written.
When we are not root there is only one identity, ours, and the identity switch is a no-op.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import platform
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass

O_CLOEXEC = os.O_CLOEXEC
RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS, RESOLVE_BENEATH = 0x02, 0x04, 0x08
_SYSCALLS = {"x86_64": {"openat2": 437, "setgroups": 116}, "aarch64": {"openat2": 437, "setgroups": 159}}
_NUMBERS = _SYSCALLS.get(platform.machine(), {})
_libc = ctypes.CDLL(None, use_errno=True)
_state = threading.local()
MAX_DEPTH = 64  # directory levels copied below a transferred directory
MAX_ENTRIES = 100_000  # files and directories in one transfer


class JobFileError(OSError):
    """A refused or failed file operation; `str()` is one line naming the file and the reason."""

    def __init__(self, err: int, message: str) -> None:
        super().__init__(err, message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a file operation is done for: uid, primary gid and supplementary groups."""

    uid: int
    gid: int
    groups: tuple[int, ...] = ()

    @classmethod
    def ours(cls) -> Identity:
        return cls(os.getuid(), os.getgid(), tuple(os.getgroups()))


class _OpenHow(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]


def _check(result: int, what: str) -> int:
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return result


def _set_groups(groups: tuple[int, ...]) -> None:
    number = _NUMBERS.get("setgroups")
    if number is None:
        raise OSError(errno.ENOSYS, f"per-thread setgroups is not known on {platform.machine()}")
    array = (ctypes.c_uint32 * max(1, len(groups)))(*groups)
    _check(_libc.syscall(number, len(groups), array), "setgroups")


def _set_fs_ids(uid: int, gid: int) -> None:
    _libc.setfsgid(gid)
    _libc.setfsuid(uid)
    if _libc.setfsuid(-1) != uid or _libc.setfsgid(-1) != gid:  # -1 fails and reports the current id
        raise OSError(errno.EPERM, f"cannot take the file identity {uid}:{gid}")


@contextlib.contextmanager
def acting_as(who: Identity) -> Iterator[None]:
    """File operations of this thread run as `who` until the block ends (no-op unless root)."""
    if os.geteuid() != 0:
        yield
        return
    outer: Identity | None = getattr(_state, "current", None)
    saved = (0, 0, tuple(os.getgroups())) if outer is None else (outer.uid, outer.gid, outer.groups)
    _set_groups(who.groups or (who.gid,))
    try:
        _set_fs_ids(who.uid, who.gid)
        _state.current = who
        yield
    finally:
        _set_fs_ids(saved[0], saved[1])
        _set_groups(saved[2])
        _state.current = outer


def _openat2(dirfd: int, path: str, flags: int, mode: int) -> int:
    how = _OpenHow(flags | O_CLOEXEC, mode if flags & os.O_CREAT else 0,
                   RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)
    fd = _libc.syscall(_NUMBERS["openat2"], dirfd, os.fsencode(path), ctypes.byref(how), ctypes.sizeof(how))
    if fd < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), path)
    return int(fd)


def _walk_open(dirfd: int, path: str, flags: int, mode: int) -> int:
    """openat component by component, never following a link, refusing `..` and absolute paths."""
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if path.startswith("/") or ".." in parts:
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), path)
    if not parts:
        return os.open(".", flags | O_CLOEXEC, mode, dir_fd=dirfd)
    current = dirfd
    try:
        for part in parts[:-1]:
            nxt = os.open(part, os.O_PATH | os.O_NOFOLLOW | O_CLOEXEC, dir_fd=current)
            if current != dirfd:
                os.close(current)
            current = nxt
            mode = os.fstat(current).st_mode
            if not stat.S_ISDIR(mode):
                err = errno.ELOOP if stat.S_ISLNK(mode) else errno.ENOTDIR
                raise OSError(err, os.strerror(err), path)
        return os.open(parts[-1], flags | os.O_NOFOLLOW | O_CLOEXEC, mode, dir_fd=current)
    finally:
        if current != dirfd:
            os.close(current)


_use_openat2 = "openat2" in _NUMBERS


def open_beneath(dirfd: int, path: str, flags: int, mode: int = 0o644) -> int:
    """Open `path` below `dirfd` without leaving it or following any link; returns the fd."""
    global _use_openat2
    if _use_openat2:
        try:
            return _openat2(dirfd, path, flags, mode)
        except OSError as err:
            if err.errno != errno.ENOSYS:
                raise
            _use_openat2 = False
    return _walk_open(dirfd, path, flags, mode)


def describe(mode: int) -> str:
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a directory")):
        if test(mode):
            return name
    return "not a regular file"


def refusal(err: OSError, name: str) -> JobFileError:
    """One-line reason for a kernel refusal, in the terms of the transfer."""
    code = err.errno or errno.EIO
    why = {
        errno.ELOOP: f"{name} is or passes through a symbolic link",
        errno.EXDEV: f"{name} leads outside its directory",
        errno.ENXIO: f"{name} is a FIFO or socket",
    }.get(code, f"{name}: (errno {code}) {os.strerror(code)}")
    return JobFileError(code, why)


def open_file(dirfd: int, name: str, flags: int = os.O_RDONLY, mode: int = 0o644,
              *, directory_ok: bool = False, shown: str = "") -> tuple[int, os.stat_result]:
    """Open a regular file (or a directory if allowed) beneath dirfd; anything else is refused.

    `shown` is the name used in the error message (default: `name`).
    """
    try:
        fd = open_beneath(dirfd, name, flags | os.O_NONBLOCK, mode)
    except OSError as err:
        raise refusal(err, shown or name) from err
    st = os.fstat(fd)
    if stat.S_ISREG(st.st_mode) or (directory_ok and stat.S_ISDIR(st.st_mode)):
        return fd, st
    os.close(fd)
    raise JobFileError(errno.EINVAL, f"{shown or name} is {describe(st.st_mode)}")


def open_root(path: str) -> int:
    """A directory we own the choice of (Iwd, sandbox): O_PATH, pinned for later *at calls."""
    return os.open(path, os.O_PATH | os.O_DIRECTORY | O_CLOEXEC)


def copy_fd(source: int, target: int) -> int:
    """Copy from the current offset of source to target; returns the bytes copied."""
    total = 0
    while True:
        try:
            sent = os.sendfile(target, source, None, 1 << 30)
        except OSError as err:
            if err.errno not in (errno.EINVAL, errno.ENOSYS) or total:
                raise
            return total + _copy_by_read(source, target)
        if sent == 0:
            return total
        total += sent


def _copy_by_read(source: int, target: int) -> int:
    total = 0
    while chunk := os.read(source, 1 << 20):
        write_all(target, chunk)
        total += len(chunk)
    return total


def write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


@dataclass
class Copier:
    """Copies files or trees from one (root fd, identity) to another, with budgets."""

    source_root: int
    reader: Identity
    target_root: int
    writer: Identity
    entries: int = 0

    def copy(self, source: str, target: str, *, contents_only: bool = False) -> None:
        """Copy file or directory `source` (below source_root) to `target` (below target_root)."""
        with acting_as(self.reader):
            fd, st = open_file(self.source_root, source, directory_ok=True)
        try:
            if stat.S_ISDIR(st.st_mode):
                self._tree(fd, source, target, contents_only, 0)
            else:
                self._file(fd, st, target)
        finally:
            os.close(fd)

    def _count(self, name: str) -> None:
        self.entries += 1
        if self.entries > MAX_ENTRIES:
            raise JobFileError(errno.EFBIG, f"{name}: more than {MAX_ENTRIES} files in one transfer")

    def _file(self, fd: int, st: os.stat_result, target: str) -> None:
        self._count(target)
        with acting_as(self.writer):
            flags = os.O_WRONLY | os.O_CREAT
            out, _ = open_file(self.target_root, target, flags, stat.S_IMODE(st.st_mode) & 0o777 or 0o644)
        try:
            os.ftruncate(out, 0)
            copy_fd(fd, out)
        finally:
            os.close(out)

    def _tree(self, fd: int, source: str, target: str, contents_only: bool, depth: int) -> None:
        """Copy the directory open at `fd`; with contents_only its entries land in `target` itself."""
        if depth > MAX_DEPTH:
            raise JobFileError(errno.ELOOP, f"{source}: more than {MAX_DEPTH} directory levels")
        if not contents_only:
            self._count(target)
            with acting_as(self.writer):
                self._mkdir(target)
        with os.scandir(fd) as listing:
            names = sorted(entry.name for entry in listing)
        for name in names:
            child_source = f"{source.rstrip('/')}/{name}"
            child_target = f"{target.rstrip('/')}/{name}" if target else name
            with acting_as(self.reader):
                child, st = open_file(fd, name, directory_ok=True, shown=child_source)
            try:
                if stat.S_ISDIR(st.st_mode):
                    self._tree(child, child_source, child_target, False, depth + 1)
                else:
                    self._file(child, st, child_target)
            finally:
                os.close(child)

    def _mkdir(self, target: str) -> None:
        """Make directory `target` below target_root (an existing directory is fine, a link is not)."""
        parent, _, name = target.rstrip("/").rpartition("/")
        try:
            pfd = open_beneath(self.target_root, parent or ".", os.O_PATH | os.O_DIRECTORY)
        except OSError as err:
            raise refusal(err, parent) from err
        try:
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, 0o755, dir_fd=pfd)
        finally:
            os.close(pfd)
        check, _ = open_file(self.target_root, target, os.O_RDONLY | os.O_DIRECTORY, directory_ok=True)
        os.close(check)
