"""The file-safety layer alone: per-thread identities, openat2 and the O_NOFOLLOW walk, copies."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from executor import jobfiles as jf

from .conftest import IWD_UID

AS_ROOT = pytest.mark.skipif(os.geteuid() != 0, reason="identity switching needs root")


@pytest.fixture(params=["openat2", "walk"])
def resolver(request: pytest.FixtureRequest) -> Iterator[str]:
    saved = jf._use_openat2
    jf._use_openat2 = request.param == "openat2" and saved
    if request.param == "openat2" and not saved:
        pytest.skip("no openat2 on this kernel")
    yield request.param
    jf._use_openat2 = saved


@pytest.mark.parametrize(("name", "why"), [
    ("link", "symbolic link"), ("dirlink/f", "symbolic link"), ("../outside", "leads outside"),
    ("d/../../outside", "leads outside"), ("/etc/passwd", "leads outside"), ("fifo", "FIFO"),
])
def test_names_that_leave_the_root_or_are_not_files_are_refused(tmp_path: Path, resolver: str, name: str,
                                                                 why: str) -> None:
    root = tmp_path / "root"
    (root / "d").mkdir(parents=True)
    (tmp_path / "outside").write_text("outside")
    (root / "link").symlink_to(tmp_path / "outside")
    (root / "dirlink").symlink_to(tmp_path)
    os.mkfifo(root / "fifo")
    fd = jf.open_root(str(root))
    try:
        with pytest.raises(jf.JobFileError, match=why):
            jf.open_file(fd, name)
    finally:
        os.close(fd)


def test_a_plain_file_below_the_root_opens(tmp_path: Path, resolver: str) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f").write_text("ok")
    fd = jf.open_root(str(tmp_path))
    try:
        f, _ = jf.open_file(fd, "d/f")
        assert os.read(f, 10) == b"ok"
        os.close(f)
    finally:
        os.close(fd)


@AS_ROOT
def test_identity_is_per_thread_and_restored(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("s")
    secret.chmod(0o600)
    seen: list[str] = []
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with jf.acting_as(jf.Identity(IWD_UID, IWD_UID)):
            try:
                secret.read_text()
                seen.append("read")
            except PermissionError:
                seen.append("denied")
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=other)
    thread.start()
    inside.wait(10)
    assert secret.read_text() == "s"  # this thread is still root while the other is not
    release.set()
    thread.join()
    assert seen == ["denied"]
    assert secret.read_text() == "s"
    made = jf.Identity(IWD_UID, IWD_UID)
    root = jf.open_root(str(tmp_path))
    with jf.acting_as(made):
        fd = jf.open_beneath(root, "made", os.O_WRONLY | os.O_CREAT)
    os.close(fd)
    os.close(root)
    assert ((tmp_path / "made").stat().st_uid, (tmp_path / "made").stat().st_gid) == (IWD_UID, IWD_UID)


def test_copier_copies_trees_and_stops_at_links(tmp_path: Path, resolver: str) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    (src / "a" / "b").mkdir(parents=True)
    (src / "a" / "b" / "f").write_bytes(b"\0" * 1000)
    (src / "top").write_text("top")
    dst.mkdir()
    if os.geteuid() == 0:
        os.chown(dst, IWD_UID, IWD_UID)
    me, them = jf.Identity.ours(), jf.Identity(IWD_UID, IWD_UID) if os.geteuid() == 0 else jf.Identity.ours()
    s, d = jf.open_root(str(src)), jf.open_root(str(dst))
    try:
        jf.Copier(s, me, d, them).copy("a", "a")
        jf.Copier(s, me, d, them).copy("top", "renamed")
        assert (dst / "a" / "b" / "f").read_bytes() == b"\0" * 1000
        assert (dst / "renamed").read_text() == "top"
        (src / "a" / "b" / "evil").symlink_to("/etc/passwd")
        with pytest.raises(jf.JobFileError, match="a/b/evil is or passes through a symbolic link"):
            jf.Copier(s, me, d, them).copy("a", "again")
    finally:
        os.close(s)
        os.close(d)


def test_copier_depth_budget(tmp_path: Path) -> None:
    deep = tmp_path / "src"
    path = deep
    for _ in range(jf.MAX_DEPTH + 2):
        path = path / "d"
    path.mkdir(parents=True)
    s, d = jf.open_root(str(deep)), jf.open_root(str(tmp_path))
    try:
        with pytest.raises(jf.JobFileError, match="directory levels"):
            jf.Copier(s, jf.Identity.ours(), d, jf.Identity.ours()).copy("d", "copy")
    finally:
        os.close(s)
        os.close(d)
