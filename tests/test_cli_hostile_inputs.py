"""Hostile files where a user names an input: every reader and every command gives one clear
line naming the file and fails, in bounded time and memory, never a traceback or a hang.

The kinds: missing, a directory, a symlink loop, a FIFO nobody writes to, /dev/zero, corrupt
gzip, a gzip bomb, binary and UTF-16 bytes. The readers run in-process with a small input limit
(fast); each console script then meets the worst ones (FIFO, /dev/zero, corrupt gzip) for real.
"""

from __future__ import annotations

import gzip
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from classad import inputfile
from classad.errors import ClassAdError
from classad.formats import load_ads
from negotiator.ads import read_ads
from negotiator.errors import NegotiatorError
from negotiator.policy.config import load_config
from negotiator.policy.store import load_state
from negotiator.queue.errors import SubmitError
from negotiator.queue.submit import read_submit
from negotiator.sim import swf
from negotiator.sim.pool import read_pool_file
from negotiator.sim.sweep import load_grid
from negotiator.sim.swf import read_swf
from negotiator.sim.workload import read_names

#: the input limit of the in-process readers here (the real one is 256 MiB)
LIMIT = 1 << 20
SECONDS = 30
BIN = Path(sys.executable).parent


@contextmanager
def within(seconds: int, what: str) -> Iterator[None]:
    def expire(signum: int, frame: Any) -> None:
        raise AssertionError(f"{what}: still running after {seconds} s (a hang)")

    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _make(folder: Path, kind: str) -> Path:
    path = folder / kind
    if kind == "missing":
        return folder / "no" / "such-file"
    if kind == "directory":
        path.mkdir()
    elif kind == "symlink-loop":
        os.symlink(folder / "other", path)
        os.symlink(path, folder / "other")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        return Path("/dev/zero")
    elif kind == "corrupt.gz":
        path.write_bytes(gzip.compress(b"MyType = \"Job\"\n" * 100)[:40] + b"garbage")
    elif kind == "bomb.gz":
        path.write_bytes(gzip.compress(b"\n" * (4 * LIMIT)))
    elif kind == "binary":
        path.write_bytes(bytes(range(256)) * 8)
    elif kind == "utf16":
        path.write_bytes("MyType = \"Job\"\nCpus = 1\n".encode("utf-16"))
    return path


KINDS = ["missing", "directory", "symlink-loop", "fifo", "dev-zero", "corrupt.gz", "bomb.gz",
         "binary", "utf16"]


def _sweep(path: Path) -> object:
    return load_grid(path)


#: name -> (reader, the clean error it raises); an empty FIFO may also be read as empty input
READERS: dict[str, tuple[Callable[[Path], object], type[Exception] | tuple[type[Exception], ...]]] = {
    "classad.load_ads": (load_ads, (OSError, ClassAdError)),
    "negotiator.read_ads": (lambda p: read_ads(p, "job"), NegotiatorError),
    "config": (load_config, NegotiatorError),
    "state": (load_state, NegotiatorError),
    "submit": (read_submit, SubmitError),
    "swf": (read_swf, NegotiatorError),
    "pool-file": (read_pool_file, NegotiatorError),
    "names": (read_names, NegotiatorError),
    "sweep": (_sweep, NegotiatorError),
}


@pytest.fixture
def small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inputfile, "MAX_INPUT_BYTES", LIMIT)
    monkeypatch.setattr(swf, "MAX_TRACE_LINES", LIMIT)


@pytest.mark.usefixtures("small_limit")
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("reader", list(READERS))
def test_readers_fail_cleanly(reader: str, kind: str, tmp_path: Path) -> None:
    read, error = READERS[reader]
    path = _make(tmp_path, kind)
    with within(SECONDS, f"{reader} on {kind}"):
        try:
            read(path)
        except error as exc:
            message = exc.strerror if type(exc) is OSError else str(exc)
            assert message and "\n" not in message, repr(message)
            if not isinstance(exc, OSError):
                assert str(path) in message or path.name in message, message
            return
    # only an empty input (a FIFO nobody writes to) may be read without complaint
    assert kind == "fifo", f"{reader} accepted {kind}"


def test_a_pipe_is_read() -> None:
    """Process substitution (`<(cmd)`) names a pipe with a writer: it is read, not refused."""
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, b"Cpus = 3\n")
        os.close(write_end)
        with within(SECONDS, "a pipe"):
            ads = load_ads(f"/dev/fd/{read_end}")
    finally:
        os.close(read_end)
    assert [ad.eval("Cpus") for ad in ads] == [3]


def test_gzip_is_read_up_to_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "ads.gz"
    path.write_bytes(gzip.compress(b"Cpus = 2\n"))
    assert [ad.eval("Cpus") for ad in load_ads(path)] == [2]


def _exe(name: str) -> str:
    exe = shutil.which(name, path=str(BIN))
    assert exe is not None, f"the {name} console script is not installed"
    return exe


_DATA = Path(__file__).resolve().parent.parent / "negotiator" / "data"
COMMANDS = {
    "classad convert": ["classad", "convert", "{}"],
    "classad eval --my": ["classad", "eval", "--my", "{}", "1"],
    "negotiator negotiate --slots": ["negotiator", "negotiate", "--slots", "{}",
                                     "--jobs", str(_DATA / "jobs.ad"), "--now", "0"],
    "negotiator negotiate --config": ["negotiator", "negotiate", "--config", "{}"],
    "negotiator simulate --trace": ["negotiator", "simulate", "--trace", "{}", "--no-plots",
                                    "--max-cycles", "1", "--out", "out"],
    "negotiator sweep": ["negotiator", "sweep", "{}", "--serial", "--out", "out"],
    "pool submit": ["pool", "--pool", "pooldir", "submit", "{}", "--dry-run"],
}


def _cases() -> list[Any]:
    """Every command meets /dev/zero; FIFO and corrupt gzip for one command in the default run,
    for all under the `slow` mark (each run starts a Python process)."""
    cases = []
    for command in COMMANDS:
        for kind in ("dev-zero", "fifo", "corrupt.gz"):
            slow = kind != "dev-zero" and command != "classad convert"
            marks = [pytest.mark.slow, pytest.mark.skipif(
                os.environ.get("CLASSAD_POOL_SLOW") != "1",
                reason="slow: set CLASSAD_POOL_SLOW=1")] if slow else []
            cases.append(pytest.param(command, kind, marks=marks))
    return cases


@pytest.mark.parametrize(("command", "kind"), _cases())
def test_commands_give_one_line(command: str, kind: str, tmp_path: Path) -> None:
    path = _make(tmp_path, kind)
    argv = [a.replace("{}", str(path)) for a in COMMANDS[command]]
    argv[0] = _exe(argv[0])
    limit = "ulimit -v 2000000 2>/dev/null; exec \"$@\""  # a /dev/zero must not eat memory
    done = subprocess.run(["sh", "-c", limit, "sh", *argv], capture_output=True, text=True,
                          cwd=tmp_path, timeout=240, check=False, stdin=subprocess.DEVNULL)
    lines = done.stderr.splitlines()
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    if kind == "fifo" and done.returncode == 0:
        return  # a FIFO nobody writes to is an empty file, which some commands accept
    assert done.returncode != 0, done.stdout[-500:]
    assert len(lines) == 1 and str(path) in lines[0], done.stderr[-2000:]
