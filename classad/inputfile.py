"""Opening a user's input file safely: never blocking on a FIFO, reads bounded in size, gzip
decompressed within the same bound; every failure is an OSError with a one-line strerror."""

from __future__ import annotations

import errno
import fcntl
import gzip
import io
import os
import stat
import zlib
from typing import BinaryIO

#: the largest input file read whole (after decompression): far above any ad file, config or
#: submit file seen in practice, far below what exhausts memory (a /dev/zero never ends)
MAX_INPUT_BYTES = 256 << 20
GZIP_MAGIC = b"\x1f\x8b"


def open_input(path: str | os.PathLike[str]) -> io.BufferedReader:
    """`path` open for reading bytes. A FIFO is opened without waiting for a writer (with none,
    it reads as empty); a directory is refused here, not at the first read."""
    name = os.fspath(path)
    fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), name)
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def too_large(limit: int) -> OSError:
    """The error for an input beyond `limit` bytes."""
    return OSError(errno.EFBIG, f"larger than {_size(limit)} (the limit for an input file)")


def corrupt_gzip(exc: BaseException) -> OSError:
    """The error for gzip data that does not decompress (truncated, or not gzip at all)."""
    detail = str(exc) or type(exc).__name__
    return OSError(errno.EINVAL, f"corrupt gzip data ({detail})")


def read_limited(stream: BinaryIO | gzip.GzipFile, limit: int | None = None) -> bytes:
    """All of `stream`, or OSError (EFBIG) once it passes `limit` bytes (default
    MAX_INPUT_BYTES); gzip and zlib errors of a decompressing stream become OSError too."""
    limit = MAX_INPUT_BYTES if limit is None else limit
    try:
        data = stream.read(limit + 1)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise corrupt_gzip(exc) from None
    if len(data) > limit:
        raise too_large(limit)
    return data


def read_input(path: str | os.PathLike[str], limit: int | None = None, *,
               gunzip: bool = False) -> bytes:
    """The bytes of a file (with `gunzip`, decompressed when it starts with gzip's magic number
    or its name ends in .gz), at most `limit` of them; OSError, with a one-line strerror, for
    anything else."""
    with open_input(path) as raw:
        if gunzip and (raw.peek(2)[:2] == GZIP_MAGIC or os.fspath(path).endswith(".gz")):
            with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
                return read_limited(unzipped, limit)
        return read_limited(raw, limit)


def _size(limit: int) -> str:
    return f"{limit >> 20} MiB" if limit >= 1 << 20 else f"{limit} bytes"


class NotText(OSError):
    """Input bytes that are not UTF-8 text (or hold a NUL): a binary or UTF-16 file."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(errno.EILSEQ, f"{message} at line {line}, column {column}")
        self.message, self.line, self.column = message, line, column


def text_of(data: bytes) -> str:
    """`data` as UTF-8 text without NULs; NotText at the first byte that is not."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        head = data[data.rfind(b"\n", 0, exc.start) + 1 : exc.start]
        hint = ("a UTF-16 file" if data[:2] in (b"\xff\xfe", b"\xfe\xff")
                else "binary data or another encoding")
        raise NotText(f"not UTF-8 text (byte 0x{data[exc.start]:02x}; {hint}?)", line,
                      len(head.decode("utf-8", "replace")) + 1) from None
    pos = text.find("\x00")
    if pos >= 0:
        raise NotText("NUL byte in the input (a binary or UTF-16 file?)",
                      text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1)
    return text


def read_text_input(path: str | os.PathLike[str], limit: int | None = None, *,
                    gunzip: bool = False) -> str:
    """The UTF-8 text of a file, read as `read_input` does; NotText (an OSError naming the line
    and column) for bytes that are not text."""
    return text_of(read_input(path, limit, gunzip=gunzip))
