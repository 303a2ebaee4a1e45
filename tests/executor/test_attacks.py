"""A job (and its ad) attacking the host through the executor, on a real engine, with us as root.

Every attack ends held (12 output, 13 input, with the reason) or completed, and the host files
outside the job's roots (a victims directory, Iwd's parent) keep their content, mode, owner and
inode, nothing new appears there, and no secret shows up in Iwd.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from executor import jobfiles as jf
from executor.docker_engine import DockerExecutor
from executor.recovery import recover
from executor.runner import complete, launch, run_job
from executor.spec import ExecutorConfig, JobResult, JobSpec

from .conftest import IWD_UID, ROOT, Engine

pytestmark = [pytest.mark.docker, pytest.mark.skipif(os.geteuid() != 0, reason="the attacks need root")]
CONFIG = ExecutorConfig(vacate_timeout=3.0)
SECRET = b"SECRET-" + os.urandom(8).hex().encode()


@dataclass
class Victims:
    """Host files a job must never touch: a file, a root-only secret, a root-only directory."""

    path: Path
    before: dict[str, tuple[Any, ...]]
    watched: list[Path]

    @property
    def target(self) -> Path:
        return self.path / "target"

    @property
    def secret(self) -> Path:
        return self.path / "secret"

    @property
    def private(self) -> Path:
        return self.path / "rootonly"


def _state(paths: list[Path]) -> dict[str, tuple[Any, ...]]:
    state: dict[str, tuple[Any, ...]] = {}
    for top in paths:
        for root, dirs, files in os.walk(top):
            for name in [".", *dirs, *files]:
                p = os.path.join(root, name)
                st = os.lstat(p)
                digest = hashlib.sha256(Path(p).read_bytes()).hexdigest() if stat.S_ISREG(st.st_mode) else ""
                state[os.path.normpath(p)] = (st.st_mode, st.st_uid, st.st_gid, st.st_ino, st.st_nlink, st.st_size,
                                              st.st_mtime_ns, digest)
            dirs[:] = [d for d in dirs if not d.startswith("pytest-")]  # other tests' dirs churn
    return state


@pytest.fixture
def victims(tmp_path: Path) -> Iterator[Victims]:
    top = Path(os.path.realpath(os.path.join("/tmp", f"sec-victims-{os.getpid()}-{time.monotonic_ns()}")))
    top.mkdir(mode=0o755)
    (top / "target").write_bytes(b"TARGET\n")
    (top / "secret").write_bytes(SECRET + b"\n")
    (top / "secret").chmod(0o600)
    (top / "rootonly").mkdir(mode=0o700)
    (top / "rootonly" / "inner").write_bytes(SECRET + b" inner\n")
    watched = [top]
    v = Victims(top, {}, watched)
    v.before = _state(watched) | _parent_listing(tmp_path)
    yield v
    after = _state(watched) | _parent_listing(tmp_path)
    try:
        assert after == v.before, "a host file outside the job's roots changed"
        for root, _, files in os.walk(tmp_path):
            for name in files:
                p = Path(root, name)
                if p.is_file() and not p.is_symlink():
                    assert SECRET not in p.read_bytes(), f"the secret leaked into {p}"
    finally:
        shutil.rmtree(top)


def _parent_listing(tmp_path: Path) -> dict[str, tuple[Any, ...]]:
    """Iwd's parent: `../x` attacks would create files here."""
    return {f"parent:{name}": () for name in os.listdir(tmp_path.parent) if not name.startswith(tmp_path.name)}


@pytest.fixture
def executor(engine: Engine) -> Iterator[DockerExecutor]:
    ex = DockerExecutor(CONFIG, engine.host)
    yield ex
    ex.close()


def job(engine: Engine, iwd: Path, script: str, **extra: Any) -> JobSpec:
    return JobSpec(image=engine.image, iwd=str(iwd), command=("/bin/sh", "-c", script), **extra)


def run(executor: DockerExecutor, spec: JobSpec, sandbox: Path | None = None, timeout: float = 120) -> JobResult:
    """run_job with a deadline: an attack that wedges the slot fails the test instead of hanging it."""
    box: list[JobResult] = []
    thread = threading.Thread(target=lambda: box.append(run_job(
        executor, spec, CONFIG, sandbox=str(sandbox) if sandbox else None)), daemon=True)
    thread.start()
    thread.join(timeout)
    assert box, f"the job wedged the executor for more than {timeout} s"
    return box[0]


def held(result: JobResult, code: int, *words: str) -> None:
    assert (result.status, result.hold_reason_code) == ("held", code), result
    for word in words:
        assert word in (result.hold_reason or ""), result.hold_reason


# -- the job's own stdout/stderr ---------------------------------------------------------------

@pytest.mark.parametrize("std", ["_condor_stdout", "_condor_stderr"])
@pytest.mark.parametrize("at", ["target", "newfile"])
def test_std_file_replaced_by_a_link_to_a_host_file(executor: DockerExecutor, engine: Engine, tmp_path: Path,
                                                    victims: Victims, std: str, at: str) -> None:
    link = victims.path / at
    result = run(executor, job(engine, tmp_path, f"rm -f {std}; ln -s {link} {std}; echo pwned; echo pwned >&2",
                               stdout="out", stderr="err"))
    held(result, 12, std, "symbolic link")
    assert not (victims.path / "newfile").exists()


def test_std_file_replaced_by_a_fifo_does_not_wedge_the_slot(executor: DockerExecutor, engine: Engine,
                                                            tmp_path: Path, victims: Victims) -> None:
    started = time.monotonic()
    result = run(executor, job(engine, tmp_path, "rm _condor_stdout; mkfifo _condor_stdout; echo lost",
                               stdout="out"), timeout=60)
    held(result, 12, "_condor_stdout", "FIFO")
    assert time.monotonic() - started < 60


def test_std_file_hard_linked_elsewhere_in_the_sandbox_is_just_a_file(executor: DockerExecutor, engine: Engine,
                                                                     tmp_path: Path, victims: Victims) -> None:
    result = run(executor, job(engine, tmp_path, "echo mine > mine; rm _condor_stdout; ln mine _condor_stdout",
                               stdout="out"))
    assert (result.status, result.exit_code) == ("completed", 0)
    assert (tmp_path / "out").read_bytes() == b"mine\n"
    assert (tmp_path / "out").stat().st_uid == IWD_UID


# -- where output goes -------------------------------------------------------------------------

def test_out_outside_iwd_is_held_before_running(executor: DockerExecutor, engine: Engine, tmp_path: Path,
                                                victims: Victims) -> None:
    result = run(executor, job(engine, tmp_path, "echo pwned", stdout=str(victims.target)))
    held(result, 12, "outside the job's Iwd")
    assert not result.started


@pytest.mark.parametrize("field", ["stdout", "stderr"])
def test_out_with_dotdot_is_held(executor: DockerExecutor, engine: Engine, tmp_path: Path, victims: Victims,
                                 field: str) -> None:
    result = run(executor, job(engine, tmp_path, "echo pwned; echo pwned >&2", **{field: "../escaped"}))
    held(result, 12, "leads outside")
    assert not (tmp_path.parent / "escaped").exists()


def test_out_through_a_link_planted_in_iwd_is_held(executor: DockerExecutor, engine: Engine, tmp_path: Path,
                                                   victims: Victims) -> None:
    (tmp_path / "out").symlink_to(victims.target)
    (tmp_path / "sub").symlink_to(victims.path)
    result = run(executor, job(engine, tmp_path, "echo pwned", stdout="out"))
    held(result, 12, "symbolic link")
    result = run(executor, job(engine, tmp_path, "echo pwned", stdout="sub/newfile"))
    held(result, 12, "symbolic link")
    assert not (victims.path / "newfile").exists()


def test_out_onto_a_hard_link_to_a_root_file_is_held(executor: DockerExecutor, engine: Engine, tmp_path: Path,
                                                     victims: Victims) -> None:
    os.link(victims.target, tmp_path / "result.txt")  # root may; the submitter may not write it
    result = run(executor, job(engine, tmp_path, "echo pwned > result.txt"))
    held(result, 12, "result.txt", "Permission denied")
    os.unlink(tmp_path / "result.txt")


@pytest.mark.parametrize("name", ["../escaped", "/etc/passwd", "sub/../../escaped"])
def test_transfer_output_names_outside_the_sandbox_are_held(executor: DockerExecutor, engine: Engine,
                                                            tmp_path: Path, victims: Victims, name: str) -> None:
    result = run(executor, job(engine, tmp_path, "mkdir -p sub; echo x > sub/f", transfer_output=(name,)))
    held(result, 12, "leads outside")
    assert not (tmp_path / "passwd").exists() and not (tmp_path / "escaped").exists()


@pytest.mark.parametrize("dest", ["../escaped", "sub/../../escaped"])
def test_dotdot_in_output_remaps_is_held(executor: DockerExecutor, engine: Engine, tmp_path: Path,
                                         victims: Victims, dest: str) -> None:
    (tmp_path / "sub").mkdir()
    os.chown(tmp_path / "sub", IWD_UID, IWD_UID)
    result = run(executor, job(engine, tmp_path, "echo x > out.txt", output_remaps=(("out.txt", dest),)))
    held(result, 12, "leads outside")
    assert not (tmp_path.parent / "escaped").exists()


def test_output_remaps_inside_iwd_work(executor: DockerExecutor, engine: Engine, tmp_path: Path,
                                       victims: Victims) -> None:
    (tmp_path / "sub").mkdir()
    os.chown(tmp_path / "sub", IWD_UID, IWD_UID)
    result = run(executor, job(engine, tmp_path, "echo x > out.txt", output_remaps=(("out.txt", "sub/renamed"),)))
    assert (result.status, result.exit_code) == ("completed", 0)
    assert (tmp_path / "sub" / "renamed").read_bytes() == b"x\n"


@pytest.mark.parametrize(("script", "what"), [
    ("mkdir d; ln -s {secret} d/s", "symbolic link"),
    ("mkdir d; ln -s /dev/zero d/zero", "symbolic link"),
    ("mkdir d; ln -s {private} d/r", "symbolic link"),
    ("ln -s {secret} top", "symbolic link"),
    ("mkfifo pipe", "FIFO"),
    ("mkdir -p d/e; mkfifo d/e/pipe", "FIFO"),
])
def test_links_and_fifos_among_the_outputs_are_held(executor: DockerExecutor, engine: Engine, tmp_path: Path,
                                                    victims: Victims, script: str, what: str) -> None:
    script = script.format(secret=victims.secret, private=victims.private)
    result = run(executor, job(engine, tmp_path, script), timeout=60)
    held(result, 12, what)
    assert sum(f.stat().st_size for f in tmp_path.rglob("*") if f.is_file() and not f.is_symlink()) < 1 << 20


def test_user_log_outside_iwd_is_held_and_never_written(executor: DockerExecutor, engine: Engine, tmp_path: Path,
                                                        victims: Victims) -> None:
    held(run(executor, job(engine, tmp_path, "true", user_log=str(victims.target))), 12, "UserLog")
    held(run(executor, job(engine, tmp_path, "true", user_log="../escaped.log")), 12, "leads outside")
    (tmp_path / "link.log").symlink_to(victims.target)
    held(run(executor, job(engine, tmp_path, "true", user_log="link.log")), 12, "symbolic link")
    assert not (tmp_path.parent / "escaped.log").exists()


# -- where input comes from --------------------------------------------------------------------

def test_input_a_root_only_file_is_held_13(executor: DockerExecutor, engine: Engine, tmp_path: Path,
                                           victims: Victims) -> None:
    spec = JobSpec(image=engine.image, iwd=str(tmp_path), command=("/bin/cat", "secret"), stdout="out",
                   transfer_input=(str(victims.secret),))
    held(run(executor, spec), 13, "Permission denied")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("entry", ["../secret", "sub/../../secret"])
def test_input_with_dotdot_is_held_13(executor: DockerExecutor, engine: Engine, tmp_path: Path,
                                      victims: Victims, entry: str) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path.parent / "secret").write_bytes(SECRET)
    try:
        held(run(executor, job(engine, tmp_path, "cat secret", stdout="out", transfer_input=(entry,))), 13,
             "leads outside")
    finally:
        (tmp_path.parent / "secret").unlink()


def test_input_links_planted_in_iwd_are_held_13(executor: DockerExecutor, engine: Engine, tmp_path: Path,
                                                victims: Victims) -> None:
    (tmp_path / "in.txt").symlink_to(victims.secret)
    held(run(executor, job(engine, tmp_path, "cat in.txt", stdout="out", transfer_input=("in.txt",))), 13,
         "symbolic link")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "ok").write_bytes(b"ok")
    (tmp_path / "data" / "s").symlink_to(victims.secret)
    held(run(executor, job(engine, tmp_path, "cat data/s", stdout="out", transfer_input=("data",))), 13,
         "data/s", "symbolic link")
    os.link(victims.secret, tmp_path / "hard")
    try:
        held(run(executor, job(engine, tmp_path, "cat hard", stdout="out", transfer_input=("hard",))), 13,
             "Permission denied")
    finally:
        os.unlink(tmp_path / "hard")


def test_input_fifos_devices_and_sockets_are_held_13(executor: DockerExecutor, engine: Engine, tmp_path: Path,
                                                     victims: Victims) -> None:
    os.mkfifo(tmp_path / "fifo")
    os.mknod(tmp_path / "zero", stat.S_IFCHR | 0o666, os.makedev(1, 5))
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tmp_path / "sock"))
        for name, what in (("fifo", "FIFO"), ("zero", "character device"), ("sock", "socket")):
            result = run(executor, job(engine, tmp_path, "true", transfer_input=(name,)), timeout=60)
            held(result, 13, what)


def test_iwd_owned_by_root_or_by_another_user_is_held_13(executor: DockerExecutor, engine: Engine,
                                                         tmp_path: Path, victims: Victims) -> None:
    rooted = tmp_path / "rooted"
    rooted.mkdir()
    os.chown(rooted, 0, 0)
    result = run(executor, job(engine, rooted, "echo pwned > x", stdout="out", user_log="log"))
    held(result, 13, "owned by root")
    assert os.listdir(rooted) == []
    someone = next(p for p in ("nobody", "daemon", "bin") if _user_exists(p))
    held(run(executor, job(engine, tmp_path, "true", owner=someone)), 13, "not to the job's Owner")


def _user_exists(name: str) -> bool:
    import pwd

    try:
        return pwd.getpwnam(name).pw_uid not in (0, IWD_UID)
    except KeyError:
        return False


# -- a path swapped for a link between our checks ----------------------------------------------

def test_output_swapped_for_a_link_during_transfer(executor: DockerExecutor, engine: Engine, tmp_path: Path,
                                                   victims: Victims) -> None:
    """While output transfer runs, the sandbox's out.txt flips between a file and a link to the secret."""
    for _ in range(5):
        attempt = launch(executor, job(engine, tmp_path, "echo mine > out.txt", transfer_output=("out.txt",)),
                         CONFIG)
        assert attempt.handle is not None
        executor.wait(attempt.handle, 60)
        path, stop = Path(attempt.sandbox) / "out.txt", threading.Event()

        def flip(p: Path = path, halt: threading.Event = stop) -> None:
            tmp = p.with_name("flip")
            with contextlib.suppress(OSError):  # until finish() removes the sandbox
                while not halt.is_set():
                    if int(time.monotonic_ns() / 1000) % 2:
                        tmp.symlink_to(victims.secret)
                    else:
                        tmp.write_bytes(b"mine\n")
                    os.replace(tmp, p)

        flipper = threading.Thread(target=flip, daemon=True)
        flipper.start()
        try:
            result = complete(executor, attempt)
        finally:
            stop.set()
            flipper.join()
        assert result.status == "completed" or result.hold_reason_code == 12, result
        if result.status == "completed":
            assert (tmp_path / "out.txt").read_bytes() == b"mine\n"


def test_copier_never_follows_a_racing_link(tmp_path: Path, victims: Victims) -> None:
    """The mechanism itself: thousands of opens while a name flips between file and link."""
    src = tmp_path / "src"
    src.mkdir()
    stop = threading.Event()

    def flip() -> None:
        while not stop.is_set():
            tmp = src / "tmp"
            tmp.unlink(missing_ok=True)
            if time.monotonic_ns() % 2:
                tmp.symlink_to(victims.secret)
            else:
                tmp.write_bytes(b"fine")
            os.replace(tmp, src / "x")

    thread = threading.Thread(target=flip, daemon=True)
    thread.start()
    source, target = jf.open_root(str(src)), jf.open_root(str(tmp_path))
    copied = refused = 0
    try:
        for _ in range(3000):
            try:
                jf.Copier(source, jf.Identity(0, 0), target, jf.Identity(IWD_UID, IWD_UID)).copy("x", "copy")
                copied += 1
                assert (tmp_path / "copy").read_bytes() in (b"fine", b"")
            except jf.JobFileError:
                refused += 1
    finally:
        stop.set()
        thread.join()
        os.close(source)
        os.close(target)
    assert copied and refused


# -- output kept whole ---------------------------------------------------------------------------

def _long_lines_expected() -> bytes:
    return b"".join(b"x" * 100_000 + b"\n" + f"short{i}\n".encode() + b"y" * 20_000 for i in range(5))


LONG_LINES = ("for i in 0 1 2 3 4; do head -c 100000 /dev/zero | tr '\\0' x; echo; echo short$i; "
              "head -c 20000 /dev/zero | tr '\\0' y; done")


def test_large_output_and_long_lines_are_byte_exact(executor: DockerExecutor, engine: Engine, tmp_path: Path,
                                                    victims: Victims) -> None:
    """> 64 MB of random bytes on stdout and lines longer than docker's 16 KiB log chunks on stderr."""
    script = f"head -c 80000000 /dev/urandom > data; cat data; ({LONG_LINES}) >&2"
    result = run(executor, job(engine, tmp_path, script, stdout="out", stderr="err", transfer_output=("data",)),
                 timeout=300)
    assert (result.status, result.exit_code) == ("completed", 0), result
    assert (tmp_path / "out").stat().st_size == 80_000_000
    assert _digest(tmp_path / "out") == _digest(tmp_path / "data")
    assert (tmp_path / "err").read_bytes() == _long_lines_expected()


@pytest.mark.slow
def test_two_gigabytes_of_stdout_are_byte_exact(executor: DockerExecutor, engine: Engine, tmp_path: Path,
                                                victims: Victims) -> None:
    size = 2 * 1024 ** 3
    script = f"{{ head -c {size} /dev/urandom | tee /dev/fd/3 | sha256sum > sum; }} 3>&1"
    result = run(executor, job(engine, tmp_path, script, stdout="out", transfer_output=("sum",)), timeout=1800)
    assert (result.status, result.exit_code) == ("completed", 0), result
    assert (tmp_path / "out").stat().st_size == size
    assert (tmp_path / "sum").read_text().split()[0] == _digest(tmp_path / "out")


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


# -- the ad itself -------------------------------------------------------------------------------

def _cli(*args: str, host: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DOCKER_HOST": host}
    return subprocess.run([sys.executable, "-m", "executor.cli", *args], capture_output=True, text=True,
                          env=env, timeout=timeout, check=False)


@pytest.mark.parametrize(("attr", "needle"), [
    ('RequestMemory = regexp("^(a+)+$", "' + "a" * 40 + 'b") ? 64 : 128', ""),
    ("RequestMemory = 1e400", "RequestMemory"),
    ("RequestMemory = -5", "RequestMemory"),
    ('RequestMemory = real("NaN")', "RequestMemory"),
])
def test_hostile_ad_expressions_are_one_line_errors(engine: Engine, tmp_path: Path, attr: str, needle: str) -> None:
    (tmp_path / "job.ad").write_text(f'[DockerImage = "{engine.image}"; Cmd = "true"; '
                                     f"TransferExecutable = false; {attr}]")
    started = time.monotonic()
    done = _cli("run", str(tmp_path / "job.ad"), "--eval-timeout", "3", host=engine.host)
    assert time.monotonic() - started < 60
    assert done.returncode in (0, 1), done
    if done.returncode == 1:  # a bounded regexp may also evaluate (to ERROR or a value) in time
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert needle in done.stderr


# -- recovery ------------------------------------------------------------------------------------

CRASHING_SLOT = """
import os, signal, sys, time
from executor.docker_engine import DockerExecutor
from executor.runner import launch
from executor.spec import ExecutorConfig, JobSpec

host, image, iwd, instance, script = sys.argv[1:6]
config = ExecutorConfig(instance=instance)
ex = DockerExecutor(config, host)
attempt = launch(ex, JobSpec(image=image, iwd=iwd, stdout="out", command=("/bin/sh", "-c", script)), config)
print(attempt.sandbox, flush=True)
time.sleep(1)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _crash(engine: Engine, tmp_path: Path, script: str) -> tuple[str, str]:
    instance = f"attack-{time.monotonic_ns()}"
    crash = subprocess.run([sys.executable, "-c", CRASHING_SLOT, engine.host, engine.image, str(tmp_path),
                            instance, script], capture_output=True, text=True, timeout=120, cwd=ROOT,
                           env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert crash.returncode == -9, crash.stderr
    return instance, crash.stdout.strip()


def _recover_all(engine: Engine, instance: str, timeout: float = 60) -> list[JobResult]:
    results: list[JobResult] = []

    def work() -> None:
        with DockerExecutor(ExecutorConfig(instance=instance), engine.host) as survivor:
            results.extend(complete(survivor, a) for a in recover(survivor).attempts)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "recovery wedged"
    return results


def test_recover_removes_the_sandboxes_it_finishes(engine: Engine, tmp_path: Path, victims: Victims) -> None:
    instance, sandbox = _crash(engine, tmp_path, "sleep 3; echo done")
    results = _recover_all(engine, instance)
    assert [(r.status, r.exit_code) for r in results] == [("completed", 0)]
    assert not os.path.exists(sandbox)


def test_recover_with_a_fifo_for_stdout_does_not_wedge(engine: Engine, tmp_path: Path, victims: Victims) -> None:
    instance, sandbox = _crash(engine, tmp_path, "rm _condor_stdout; mkfifo _condor_stdout; sleep 3")
    results = _recover_all(engine, instance)
    assert len(results) == 1
    held(results[0], 12, "FIFO")
    assert not os.path.exists(sandbox)
