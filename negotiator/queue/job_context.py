"""What the command translators see: the expanded submit commands and the job ad being built.

The context records, per translator, whether anything it read differs from proc to proc (a
command whose expansion used $(Process), $(Item)..., or an attribute such a translator set).
Translators that read nothing per-proc run once per queue statement; the rest run per proc.
"""

from __future__ import annotations

import functools
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import classad
from classad import ast
from negotiator.queue.errors import SubmitError
from negotiator.queue.macros import Expander

_SLASHES = re.compile(r"/{2,}")
_CONST, _FORMAT, _FULL = 0, 1, 2
#: (kind, constant value / format / raw text, command name, live names for the format)
_Plan = tuple[int, str | None, str | None, tuple[str, ...]]
_TRUE = {"true", "yes", "t", "y", "1"}
_FALSE = {"false", "no", "f", "n", "0"}


@functools.lru_cache(maxsize=4096)
def parse(text: str) -> ast.Expr:
    """A ClassAd expression (cached by text; the trees are immutable)."""
    return classad.parse_expr(text)


class ReplayNeeded(Exception):
    """A per-proc step read the job ad where only its own part was at hand."""


@dataclass(frozen=True, slots=True)
class SubmitConfig:
    """The submit host's facts and knobs condor_submit takes from its configuration.

    Defaults are HTCondor's (param_info.in) except the two domains, whose HTCondor default is
    $(FULL_HOSTNAME): here they are an explicit setting so that ads do not depend on the host.
    """

    arch: str = "X86_64"
    opsys: str = "LINUX"
    uid_domain: str = "localdomain"
    filesystem_domain: str = "localdomain"
    #: JOB_DEFAULT_REQUESTMEMORY (MiB), JOB_DEFAULT_REQUESTDISK, JOB_DEFAULT_REQUESTCPUS
    default_request_memory: str = "128"
    default_request_disk: str = "MAX({1024, (TransferInputSizeMB+1) * 1.25}) * 1024"
    default_request_cpus: str = "1"
    #: JOB_DEFAULT_LEASE_DURATION
    default_lease_duration: str = "2400"
    #: NICE_USER_ACCOUNTING_GROUP_NAME
    nice_user_group: str = "nice-user"
    #: condor_submit 25.12+ lets vanilla jobs skip the Disk check on starters >= 25.12; that
    #: clause reads TARGET.CondorVersion, so a slot without it never matches (split(undefined)
    #: is ERROR in HTCondor too). False gives the older `(TARGET.Disk >= RequestDisk)`.
    disk_version_clause: bool = True
    #: DEFAULT_JOB_MAX_RETRIES: JobMaxRetries when success_exit_code/retry_until come alone
    default_job_max_retries: int = 2
    #: CONTAINER_SHARED_FS: container images under these (comma-separated) are not transferred
    container_shared_fs: str = "/cvmfs"


@dataclass(slots=True)
class Universe:
    number: int
    docker: bool = False
    container: bool = False


@dataclass(slots=True)
class JobContext:
    """One proc's translation state."""

    ex: Expander
    config: SubmitConfig
    universe: Universe
    owner: str
    submit_dir: Path
    submit_time: int
    env: dict[str, str]
    #: lower-case attribute name -> (spelling, value); the value is a Python value or a tree
    job: dict[str, tuple[str, Any]] = field(default_factory=dict)
    #: lower-case names of attributes set by translators that run per proc
    dynamic_attrs: set[str] = field(default_factory=set)
    #: the current translator read something per-proc
    dynamic: bool = False
    #: the last submit command read (for error locations)
    last_key: str | None = None
    #: file sizes already looked up (path -> KiB)
    sizes: dict[str, int] = field(default_factory=dict)
    #: directories already looked up (path -> usable)
    dirs: dict[str, bool] = field(default_factory=dict)
    #: (command, attribute) for each request_<resource> other than cpus, memory and disk
    requests: tuple[tuple[str, str], ...] = ()
    #: (command, attribute) for each `+Attr` / `MY.Attr`
    forced: tuple[tuple[str, str], ...] = ()
    #: what the current step set (lower-case name -> (spelling, value))
    written: dict[str, tuple[str, Any]] = field(default_factory=dict)
    #: how each tuple of command names is read for any proc (see _plan)
    plans: dict[tuple[str, ...], _Plan] = field(default_factory=dict)
    #: booleans read from commands that are the same for every proc
    bools: dict[tuple[str, tuple[str, ...], bool], bool] = field(default_factory=dict)
    #: the current step read an attribute of the job
    read_job: bool = False
    #: reading an attribute of the job raises ReplayNeeded (the job holds only this proc's part)
    blind: bool = False

    # ---- reading commands --------------------------------------------------------------------
    def param(self, *names: str) -> str | None:
        """The expanded value of the first of `names` that is defined (names ignore case),
        stripped; None when none is, or when it expands to nothing (submit_param: then the
        other names are not looked at)."""
        plan = self.plans.get(names)
        if plan is None:
            plan = self.plans[names] = self._plan(names)
        kind, text, key, fields = plan
        if key is not None:
            self.last_key = key
        if kind == _CONST:
            return text.strip() if text else None
        self.dynamic = True
        if kind == _FORMAT:
            assert text is not None
            value = text.format(*map(self.ex.live.__getitem__, fields))
        else:
            self.ex.touched = False
            value = self.ex.expand(text, key)  # type: ignore[arg-type]
        return value.strip() if value else None

    def _plan(self, names: tuple[str, ...]) -> _Plan:
        """How to get a command's value for any proc of this queue statement: a constant, a
        format of live values, or (a live value feeding a function) a full expansion."""
        for name in names:
            key = name.lower()
            if key in self.ex.live:
                return (_FORMAT, "{0}", key, (key,))
            raw = self.ex.macros.get(key)
            if raw is None:
                continue
            self.last_key = key
            if "$" not in raw:
                return (_CONST, raw.strip(), key, ())
            template = self.ex.template(raw, key)
            if template is None:
                return (_FULL, raw, key, ())
            if len(template) == 1:
                return (_CONST, template[0], key, ())  # stripped when read, once not empty
            literal = [p.replace("{", "{{").replace("}", "}}") for p in template[::2]]
            fmt = "".join(lit + (f"{{{i}}}" if i < len(literal) - 1 else "")
                          for i, lit in enumerate(literal))
            return (_FORMAT, fmt, key, template[1::2])
        return (_CONST, None, None, ())

    def param_bool(self, name: str, default: bool, *alts: str) -> bool:
        memo = self.bools.get((name, alts, default))
        if memo is not None:
            return memo
        text = self.param(name, *alts)
        value = default if text is None else self.boolean(name, text)
        if self.plans[(name, *alts)][0] == _CONST:  # the same for every proc
            self.bools[(name, alts, default)] = value
        return value

    def boolean(self, name: str, text: str) -> bool:
        low = text.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        value = _evaluate(text)
        if isinstance(value, bool):
            return value
        raise SubmitError(f"{name} = {text}: must be a boolean (true or false)")

    def param_int(self, name: str, *alts: str) -> int | None:
        text = self.param(name, *alts)
        return None if text is None else self.integer(name, text)

    def integer(self, name: str, text: str) -> int:
        value = _evaluate(text)
        if isinstance(value, bool) or not isinstance(value, int):
            raise SubmitError(f"{name} = {text}: must be an integer")
        return value

    # ---- the job ad ----------------------------------------------------------------------
    def get(self, attr: str) -> Any:
        key = attr.lower()
        if self.blind:
            raise ReplayNeeded
        self.read_job = True
        if key in self.dynamic_attrs:
            self.dynamic = True
        found = self.job.get(key)
        return None if found is None else found[1]

    def has(self, attr: str) -> bool:
        return self.get(attr) is not None

    def get_str(self, attr: str) -> str | None:
        value = self.get(attr)
        return value if isinstance(value, str) else None

    def set(self, attr: str, value: Any) -> None:
        key = attr.lower()
        old = self.job.get(key)
        self.job[key] = self.written[key] = (old[0] if old else attr, value)

    def set_expr(self, attr: str, text: str) -> None:
        """Store `text` parsed as a ClassAd expression (AssignJobExpr)."""
        try:
            tree = parse(text)
        except classad.ClassAdSyntaxError as e:
            raise SubmitError(f"{attr} = {text}: not a valid ClassAd expression ({e})") from None
        if isinstance(tree, ast.Literal):
            self.set(attr, tree.value)
        else:
            self.set(attr, tree)

    # ---- files ----------------------------------------------------------------------------
    def iwd(self) -> str:
        iwd = self.get_str("Iwd")
        assert iwd is not None
        return iwd

    def full_path(self, name: str, base: str | None = None) -> str:
        """`name` made absolute against the Iwd (or `base`), with `//` folded."""
        path = name if name.startswith("/") else f"{base or self.iwd()}/{name}"
        return _compress(path)

    def is_dir(self, path: str) -> bool:
        """Whether `path` is a directory we may enter (looked up once per path)."""
        found = self.dirs.get(path)
        if found is None:
            found = self.dirs[path] = os.path.isdir(path) and os.access(path, os.X_OK)
        return found

    def size_kb(self, path: str) -> int:
        """The size of a file in KiB rounded up (0 when it cannot be read), looked up once; a
        directory's is the sum of its files' sizes (calc_image_size_kb)."""
        found = self.sizes.get(path)
        if found is None:
            try:
                st = os.stat(path)
                size = _tree_size(path) if stat.S_ISDIR(st.st_mode) else st.st_size
            except OSError:
                size = 0
            found = self.sizes[path] = (size + 1023) // 1024
        return found


#: the most directory entries one input directory's size may count
MAX_TREE_ENTRIES = 100_000


def _tree_size(top: str) -> int:
    """The bytes of the files under directory `top`, recursively, symbolic links skipped
    (Directory::GetDirectorySize); entries past MAX_TREE_ENTRIES are not counted."""
    total, seen = 0, 0
    stack = [top]
    while stack and seen < MAX_TREE_ENTRIES:
        try:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    seen += 1
                    if seen > MAX_TREE_ENTRIES:
                        break
                    if entry.is_symlink():
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    else:
                        total += entry.stat(follow_symlinks=False).st_size
        except OSError:
            continue
    return total


def _compress(path: str) -> str:
    """Repeated slashes folded into one (compress_path); `.` and `..` are kept."""
    return _SLASHES.sub("/", path)


def _evaluate(text: str) -> Any:
    try:
        return classad.evaluate(parse(text))
    except classad.ClassAdError:
        return None
