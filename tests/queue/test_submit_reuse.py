"""The per-proc shortcut (steps that read nothing per-proc run once) gives exactly the ads a
full translation of every proc gives."""

from __future__ import annotations

from pathlib import Path

import pytest

import classad
from negotiator.queue import template
from negotiator.queue.job_context import JobContext
from negotiator.queue.submit import read_submit

CASES = {
    "per-proc output": "executable = /bin/true\noutput = o.$(Cluster).$(Process)\n"
                       "error = e.$(Process)\narguments = a $(Process)\nqueue 5\n",
    "empty item switches stdout off": "executable = /bin/true\noutput = $(x)\n"
                                      "queue x in (a.out, , b.out)\n",
    "empty items in a file": "executable = /bin/true\noutput = $(y)\n"
                             "queue x,y from (\n1 o1\n2\n3 o3\n)\n",
    "initialdir per item moves the log": "executable = /bin/true\ninitialdir = $(x)\n"
                                         "log = run.log\nqueue x in (a, b)\n",
    "request per item changes Requirements": "executable = /bin/true\nrequest_memory = $(m)\n"
                                             "request_cpus = $(c)\n"
                                             "queue m,c from (\n1G 1\n2G 4\n512M 2\n)\n",
    "function of a live value": "executable = /bin/true\nI = $(Process) + 1\n"
                                "arguments = $INT(I,%03d)\nqueue 4\n",
    "+Attr overrides a per-proc attribute": "executable = /bin/true\noutput = o.$(Process)\n"
                                            "+Out = \"fixed\"\nqueue 3\n",
    "random numbers": "executable = /bin/true\narguments = $RANDOM_INTEGER(1, 9)\nqueue 6\n",
    "docker per item": "universe = docker\ndocker_image = $(img)\n"
                       "docker_network_type = $(net)\nqueue img,net from (\n"
                       "debian host\nalpine mynet\n)\n",
    "two queue statements": "executable = /bin/true\noutput = a.$(Process)\nqueue 2\n"
                            "output = /dev/null\nqueue 2\n",
}


def _full(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every proc run every step (no reuse)."""

    def next_ad(self: template.ProcTemplate, ctx: JobContext, proc: int) -> classad.ClassAd:
        return template.ProcTemplate.record(ctx, self.base).first_ad(proc)

    monkeypatch.setattr(template.ProcTemplate, "next_ad", next_ad)


@pytest.mark.parametrize("name", CASES)
def test_reused_steps_give_the_full_translation(name: str, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
    sf = read_submit(None, CASES[name])
    fast = sf.expand(3, "bob", 100, tmp_path, env={})
    with monkeypatch.context() as m:
        _full(m)
        slow = sf.expand(3, "bob", 100, tmp_path, env={})
    assert len(fast) == len(slow) > 1
    for a, b in zip(fast, slow, strict=True):
        assert dict(a.items()) == dict(b.items())
        assert list(a) == list(b)
    assert len({str(ad) for ad in fast}) == len(fast)  # the procs do differ


@pytest.mark.parametrize("name", CASES)
def test_cluster_ads_rebuild_every_proc(name: str, tmp_path: Path) -> None:
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
    sf = read_submit(None, CASES[name])
    full = sf.expand(3, "bob", 100, tmp_path, env={})
    clusters = sf.expand_clusters(3, "bob", 100, tmp_path, env={})
    rebuilt = [c.ad(i) for c in clusters for i in range(len(c.procs))]
    assert [dict(a.items()) for a in rebuilt] == [dict(a.items()) for a in full]
    for c in clusters:
        assert "ProcId" not in c.common
        assert all("ProcId" in delta for delta in c.procs)


def test_cluster_ads_keep_only_what_differs(tmp_path: Path) -> None:
    sf = read_submit(None, "executable = /bin/true\noutput = o.$(Process)\nqueue 3\n")
    (cluster,) = sf.expand_clusters(3, "bob", 100, tmp_path, env={})
    assert cluster.procs == [{"ProcId": 0}, {"Out": "o.1", "ProcId": 1},
                             {"Out": "o.2", "ProcId": 2}]
    assert cluster.common.eval("Out") == "o.0"
