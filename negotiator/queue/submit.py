"""Read a submit description file and make the job ads condor_submit would make.

    sf = read_submit(path)                      # or read_submit(None, text)
    ads = sf.expand(cluster_id, owner, qdate, submit_dir)

Each queue statement takes the macro definitions in force where it stands; its procs are
numbered on from the previous statement's. Building a proc runs condor_submit's translation
steps (negotiator.queue.submit_ads); a step that read nothing per-proc is run for the first
proc only and its result reused, so a cluster of 100,000 procs costs little more than the
steps that really differ (typically `output = out.$(Process)`).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from classad.ad import ClassAd
from classad.inputfile import open_input
from negotiator.queue.errors import SubmitError
from negotiator.queue.job_context import JobContext, SubmitConfig, Universe
from negotiator.queue.keywords import unsupported
from negotiator.queue.macros import Expander, closing_paren
from negotiator.queue.queue_args import MAX_PROCS, QueueSpec, parse_queue
from negotiator.queue.requirements import universe
from negotiator.queue.submit_lang import Assign, Cond, Conditionals, Queue, logical_lines
from negotiator.queue.template import ABSENT, ProcTemplate

__all__ = ["ABSENT", "ClusterAds", "SubmitConfig", "SubmitError", "SubmitFile", "read_submit"]

#: the HTCondor version `if version >= ...` compares with (the oracle's: htcondor 25.14.1)
EMULATED_VERSION = (25, 14, 1)
#: the largest submit file read (bytes)
MAX_FILE = 64 << 20


@dataclass(frozen=True, slots=True)
class QueueBlock:
    """One queue statement with the macro definitions in force where it stands."""

    macros: dict[str, str]
    spellings: dict[str, str]
    places: dict[str, str]
    spec: QueueSpec
    where: str


@dataclass(frozen=True, slots=True)
class ClusterAds:
    """The procs of one queue statement kept the way the schedd keeps them: one ad they share
    (the first proc's, without ProcId) and, per proc, the attributes that differ from it
    (name -> Python value or expression tree; `ABSENT` for one the proc does not have)."""

    common: ClassAd
    procs: list[dict[str, Any]]

    def ad(self, index: int) -> ClassAd:
        """The full ad of the `index`-th proc of this statement."""
        ad = self.common.copy()
        for name, value in self.procs[index].items():
            if value is ABSENT:
                del ad[name]
            else:
                ad[name] = value
        return ad


@dataclass(slots=True)
class SubmitFile:
    """A parsed submit file: its queue statements, ready to be expanded into job ads."""

    name: str
    path: Path | None
    blocks: list[QueueBlock] = field(default_factory=list)

    @property
    def proc_count(self) -> int:
        return sum(b.spec.procs for b in self.blocks)

    def expand(self, cluster_id: int, owner: str, qdate: int, submit_dir: Path,
               env: Mapping[str, str] | None = None, *,
               config: SubmitConfig | None = None) -> list[ClassAd]:
        """One job ad per proc (ProcId 0..N-1), as condor_submit makes them."""
        ads: list[ClassAd] = []
        for block_ads in self._expand(cluster_id, owner, qdate, submit_dir, env, config):
            ads.extend(block_ads)
        return ads

    def expand_clusters(self, cluster_id: int, owner: str, qdate: int, submit_dir: Path,
                        env: Mapping[str, str] | None = None, *,
                        config: SubmitConfig | None = None) -> list[ClusterAds]:
        """Like `expand`, one ClusterAds per queue statement that makes procs: the shared
        attributes once, and per proc only what differs (ProcId, Out, ...)."""
        result: list[ClusterAds] = []
        for builder, first in self._builders(cluster_id, owner, qdate, submit_dir, env, config):
            split = builder.build_split(first)
            if split is not None:
                result.append(split)
        return result

    def param(self, name: str, *, cluster_id: int = 1, proc: int = 0, block: int = 0,
              env: Mapping[str, str] | None = None) -> str | None:
        """The expanded value of macro or command `name` as a proc of queue statement `block`
        sees it (Process = `proc`, the block's first item), or None if it is not defined."""
        b = self.blocks[block]
        live = next(iter(_proc_values(b.spec)), {"step": "0"})
        ex = Expander({**_defaults(cluster_id, 0, self, SubmitConfig()), **b.macros},
                      {**live, "process": str(proc), "procid": str(proc)},
                      dict(os.environ if env is None else env), str(Path.cwd()),
                      random.Random(cluster_id))
        try:
            return ex.param(name.lower())
        except SubmitError as e:
            raise e.at(b.places.get(name.lower(), b.where)) from None

    def _expand(self, cluster_id: int, owner: str, qdate: int, submit_dir: Path,
                env: Mapping[str, str] | None,
                config: SubmitConfig | None) -> Iterable[list[ClassAd]]:
        for builder, first in self._builders(cluster_id, owner, qdate, submit_dir, env, config):
            yield builder.build(first)

    def _builders(self, cluster_id: int, owner: str, qdate: int, submit_dir: Path,
                  env: Mapping[str, str] | None,
                  config: SubmitConfig | None) -> Iterable[tuple[_Builder, int]]:
        config = config or SubmitConfig()
        environ = dict(os.environ if env is None else env)
        rng = random.Random(cluster_id)
        first = 0
        uni: Universe | None = None
        for block in self.blocks:
            builder = _Builder(self, block, cluster_id, owner, qdate, submit_dir, environ,
                               config, rng)
            if uni is None:
                uni = builder.ctx.universe
            elif (uni.number, uni.docker, uni.container) != (
                    builder.ctx.universe.number, builder.ctx.universe.docker,
                    builder.ctx.universe.container):
                raise SubmitError("all jobs of a cluster must have the same universe",
                                  block.where)
            yield builder, first
            first += block.spec.procs


def read_submit(path: Path | None, text: str | None = None, *,
                append: Iterable[str] = (), submit_dir: Path | None = None,
                defines: Mapping[str, str] | None = None) -> SubmitFile:
    """Parse a submit file (from `path`, or `text` named by `path`).

    `append` lines are commands added before the first queue statement (condor_submit -a);
    `defines` are macros set before the file is read (condor_submit NAME=value).
    Items files and `matching` globs are looked up in `submit_dir` (default: the file's
    directory, or the current directory for text).
    """
    name = str(path) if path is not None else "<submit>"
    if text is None:
        if path is None:
            raise SubmitError("no submit file or text given")
        text = _read(path)
    base = submit_dir or (path.parent if path is not None else Path.cwd())
    reader = _Reader(name, path, base)
    for i, (key, value) in enumerate((defines or {}).items()):
        reader._run([Assign(key, value, f"<define {i + 1}>")])
    return reader.read(text, list(append))


def _read(path: Path) -> str:
    try:
        with open_input(path) as f:
            data = f.read(MAX_FILE + 1)
    except OSError as e:
        raise SubmitError(f"cannot read the submit file: {e.strerror}", str(path)) from None
    if len(data) > MAX_FILE:
        raise SubmitError(f"the submit file is larger than {MAX_FILE} bytes", str(path))
    try:
        return data.decode()
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise SubmitError("the submit file is not UTF-8 text", f"{path}:{line}") from None


class _Reader:
    def __init__(self, name: str, path: Path | None, base: Path) -> None:
        self.sf = SubmitFile(name, path)
        self.base = base
        self.macros: dict[str, str] = {}
        self.spellings: dict[str, str] = {}
        self.places: dict[str, str] = {}
        self.conds = Conditionals()

    def read(self, text: str, append: list[str]) -> SubmitFile:
        appended = [s for i, line in enumerate(append)
                    for s in logical_lines(line, f"<append {i + 1}>")]
        statements = list(logical_lines(text, self.sf.name))
        queued = False
        for st in statements:
            if isinstance(st, Queue) and not queued and self.conds.active:
                self._run(appended)
                queued = True
            self._statement(st)
        last = f"{self.sf.name}:{len(text.splitlines()) + 1}"
        self.conds.close(last)
        if not queued:
            self._run(appended)
        if not self.sf.blocks:
            raise SubmitError("no queue statement: nothing would be submitted", last)
        return self.sf

    def _run(self, statements: list[Any]) -> None:
        for st in statements:
            self._statement(st)

    def _statement(self, st: Assign | Queue | Cond) -> None:
        if isinstance(st, Cond):
            self.conds.apply(st, lambda c: self._truth(c, st.where))
        elif not self.conds.active:
            return
        elif isinstance(st, Assign):
            self._assign(st)
        else:
            self._queue(st)

    def _assign(self, st: Assign) -> None:
        key = st.key.lower()
        if unsupported(key):
            raise SubmitError(f"'{st.key}' is an HTCondor submit command this reader does not "
                              "support", st.where)
        value = st.value
        if f"$({key}" in value.lower():  # a self-reference expands at once (A = $(A) more)
            old = {key: self.macros[key]} if key in self.macros else {}
            ex = Expander(old, {}, {}, str(self.base), random.Random(0))
            try:
                value = _self_expand(ex, value, key)
            except SubmitError as e:
                raise e.at(st.where) from None
        self.macros[key] = value
        self.spellings[key] = st.key
        self.places[key] = st.where

    def _queue(self, st: Queue) -> None:
        ex = Expander(self.macros, _PARSE_LIVE, {}, str(self.base), random.Random(0))
        try:
            spec = parse_queue(ex.expand(st.args), st.block, self.base)
        except SubmitError as e:
            raise e.at(st.where) from None
        if self.sf.proc_count + spec.procs > MAX_PROCS:
            raise SubmitError(f"more than {MAX_PROCS} procs in one submit file", st.where)
        self.sf.blocks.append(QueueBlock(dict(self.macros), dict(self.spellings),
                                         dict(self.places), spec, st.where))

    def _truth(self, condition: str, where: str) -> bool:
        ex = Expander(self.macros, _PARSE_LIVE, {}, str(self.base), random.Random(0))
        try:
            return _condition(condition, ex, self.macros)
        except SubmitError as e:
            raise e.at(where) from None


_PARSE_LIVE = {"process": "0", "procid": "0", "step": "0", "itemindex": "0", "row": "0",
               "cluster": "1", "clusterid": "1", "item": ""}


def _self_expand(ex: Expander, value: str, key: str) -> str:
    """Expand only `$(key...)` references in `value` against the old definition of `key`."""
    out = []
    low = value.lower()
    i = 0
    while True:
        j = low.find(f"$({key}", i)
        if j < 0:
            out.append(value[i:])
            break
        rest = low[j + 2 + len(key):j + 3 + len(key)]
        if rest not in (")", ":"):
            out.append(value[i:j + 2])
            i = j + 2
            continue
        end = closing_paren(value, j + 1)
        if end < 0:
            raise SubmitError(f"unterminated $( in {value!r}")
        out.append(value[i:j])
        out.append(ex.expand(value[j:end + 1], key))
        i = end + 1
    return "".join(out)


def _condition(text: str, ex: Expander, macros: Mapping[str, str]) -> bool:
    words = text.split()
    negate = bool(words) and words[0] == "!"
    if negate:
        words = words[1:]
    if len(words) == 2 and words[0].lower() == "defined":
        result = words[1].lower() in macros or words[1].lower() in _PARSE_LIVE
    elif len(words) == 3 and words[0].lower() == "version":
        result = _version_test(words[1], words[2])
    else:
        value = ex.expand(" ".join(words)).strip().lower()
        if value in ("true", "yes", "1"):
            result = True
        elif value in ("false", "no", "0", ""):
            result = False
        else:
            raise SubmitError(f"if {text}: this reader understands 'defined NAME', "
                              "'version <op> X.Y[.Z]' and true/false values")
    return result != negate


def _version_test(op: str, version: str) -> bool:
    try:
        want = tuple(int(p) for p in version.split("."))
    except ValueError:
        raise SubmitError(f"{version!r} is not a version number") from None
    have = EMULATED_VERSION[:len(want)]
    tests = {">=": have >= want, ">": have > want, "<=": have <= want, "<": have < want,
             "==": have == want, "!=": have != want}
    if op not in tests:
        raise SubmitError(f"{op!r} is not a comparison")
    return tests[op]


def _defaults(cluster_id: int, qdate: int, sf: SubmitFile, config: SubmitConfig) -> dict[str, str]:
    t = time.gmtime(qdate)
    return {
        "cluster": str(cluster_id), "clusterid": str(cluster_id),
        "jobid": "$(ClusterId).$(ProcId)", "item": "", "itemindex": "0", "row": "0",
        "step": "0", "node": "", "arch": config.arch, "opsys": config.opsys,
        "islinux": "1" if config.opsys == "LINUX" else "0",
        "iswindows": "1" if config.opsys == "WINDOWS" else "0",
        "submit_file": str(sf.path) if sf.path is not None else "",
        "submit_time": str(qdate), "year": f"{t.tm_year:04d}", "month": f"{t.tm_mon:02d}",
        "day": f"{t.tm_mday:02d}",
    }


class _Builder:
    """Makes the procs of one queue statement."""

    def __init__(self, sf: SubmitFile, block: QueueBlock, cluster_id: int, owner: str,
                 qdate: int, submit_dir: Path, env: dict[str, str], config: SubmitConfig,
                 rng: random.Random) -> None:
        self.block = block
        macros = {**_defaults(cluster_id, qdate, sf, config), **block.macros}
        self.live: dict[str, str] = {}
        ex = Expander(macros, self.live, env, str(submit_dir), rng)
        self.ctx = JobContext(ex, config, Universe(5), owner, submit_dir, qdate, env)
        self.ctx.requests = tuple(
            (key, "RequestGPUs" if key == "request_gpus" else "Request" +
             block.spellings[key][len("request_"):])
            for key in block.macros
            if key.startswith("request_") and key not in
            ("request_cpus", "request_memory", "request_disk"))
        self.ctx.forced = tuple((key, block.spellings[key][3:]) for key in block.macros
                                if key.startswith("my."))
        with self._located():
            has_docker = self.ctx.param("docker_image") is not None
            has_container = self.ctx.param("container_image") is not None
            self.ctx.universe = universe(self.ctx.param("universe", "JobUniverse"),
                                         has_docker, has_container)
        self.base = _cluster_attrs(cluster_id, owner, qdate, config, sf)

    def _located(self) -> _Locate:
        return _Locate(self.ctx, self.block)

    def build(self, first: int) -> list[ClassAd]:
        ads: list[ClassAd] = []
        template: ProcTemplate | None = None
        live, ctx = self.live, self.ctx
        with self._located():
            for n, values in enumerate(_proc_values(self.block.spec)):
                proc = first + n
                live.update(values)
                live["process"] = live["procid"] = str(proc)
                if template is None:
                    template = ProcTemplate.record(ctx, self.base)
                    ads.append(template.first_ad(proc))
                else:
                    ads.append(template.next_ad(ctx, proc))
        return ads

    def build_split(self, first: int) -> ClusterAds | None:
        template: ProcTemplate | None = None
        procs: list[dict[str, Any]] = []
        live, ctx = self.live, self.ctx
        with self._located():
            for n, values in enumerate(_proc_values(self.block.spec)):
                proc = first + n
                live.update(values)
                live["process"] = live["procid"] = str(proc)
                if template is None:
                    template = ProcTemplate.record(ctx, self.base)
                    procs.append({"ProcId": proc})
                else:
                    procs.append(template.next_delta(ctx, proc))
        if template is None:
            return None
        common = template.ad.copy()
        del common["ProcId"]
        return ClusterAds(common, procs)


class _Locate:
    """Turns a SubmitError raised inside into one naming the command's file:line."""

    def __init__(self, ctx: JobContext, block: QueueBlock) -> None:
        self.ctx, self.block = ctx, block

    def __enter__(self) -> None:
        self.ctx.last_key = None

    def __exit__(self, kind: object, error: BaseException | None, tb: object) -> None:
        if isinstance(error, SubmitError):
            key = error.key.lower() if error.key else self.ctx.last_key
            where = self.block.places.get(key, self.block.where) if key else self.block.where
            raise error.at(where) from None


def _proc_values(spec: QueueSpec) -> Iterable[dict[str, str]]:
    """The live macro values of each proc (Process/ProcId are added by the caller). The
    same dict is yielded again, updated: the caller copies what it needs before the next."""
    steps = [str(step) for step in range(spec.count)]
    live: dict[str, str] = {}
    if spec.items is None:
        for step in steps:
            live["step"] = step
            yield live
        return
    names = [v.lower() for v in spec.variables]
    for index, values in spec.items:
        if values:  # an empty `from` row keeps the previous row's values
            live.update(zip(names, values, strict=True))
        live["itemindex"] = live["row"] = str(index)
        for step in steps:
            live["step"] = step
            yield live


def _cluster_attrs(cluster_id: int, owner: str, qdate: int, config: SubmitConfig,
                   sf: SubmitFile) -> dict[str, tuple[str, Any]]:
    """What init_base_ad puts in every job, plus what the schedd adds (Owner, User, ids)."""
    attrs: dict[str, Any] = {
        "MyType": "Job", "TargetType": "Machine", "ClusterId": cluster_id, "QDate": qdate,
        "Owner": owner, "User": f"{owner}@{config.uid_domain}",
        "RemoteWallClockTime": 0.0, "RemoteUserCpu": 0.0, "RemoteSysCpu": 0.0,
        "CumulativeRemoteUserCpu": 0.0, "CumulativeRemoteSysCpu": 0.0, "ExitStatus": 0,
        "NumCkpts": 0, "NumJobStarts": 0, "NumJobCompletions": 0, "NumRestarts": 0,
        "NumSystemHolds": 0, "CommittedTime": 0, "CommittedSlotTime": 0,
        "CumulativeSlotTime": 0, "TotalSuspensions": 0, "LastSuspensionTime": 0,
        "CumulativeSuspensionTime": 0, "CommittedSuspensionTime": 0, "ExitBySignal": False,
    }
    if sf.path is not None:
        attrs["JobSubmitFile"] = str(sf.path)
    return {name.lower(): (name, value) for name, value in attrs.items()}

