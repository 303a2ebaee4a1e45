"""The pool directory and its pool.conf: negotiator knobs plus the execute side's own."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from negotiator.errors import NegotiatorError
from negotiator.policy.config import RawConfig, load_config
from negotiator.policy.settings import NegotiatorConfig, build_config

DEFAULT_LOCAL_ENGINE = "unix:///var/run/docker.sock"
#: pool knobs read here (the negotiator's reader warns about the others it does not know)
POOL_KNOBS = frozenset({
    "POOL_EXECUTE_NODES", "POOL_NODE_LEASE", "POOL_MAX_STARTS_PER_NODE", "POOL_VACATE_TIMEOUT",
    "POOL_NODE_CPUS", "POOL_NODE_MEMORY", "UID_DOMAIN", "PERIODIC_EXPR_INTERVAL",
    "NEGOTIATOR_MIN_INTERVAL", "POOL_JOB_UID",
})
DEFAULT_CONF = """\
# classad-pool configuration (HTCondor syntax). Execute-side knobs:
#   POOL_EXECUTE_NODES: Docker engine URLs (unix://, tcp:// with TLS, ssh://), comma or space
#     separated; empty: the engine DOCKER_HOST names, else the local socket.
#   POOL_NODE_LEASE: seconds an unreachable node's jobs may keep running before they are re-queued.
NEGOTIATOR_INTERVAL = 20
NEGOTIATOR_MIN_INTERVAL = 0.2
POOL_NODE_LEASE = 120
PERIODIC_EXPR_INTERVAL = 5
"""


def pool_dir(given: str | Path | None = None) -> Path:
    """--pool DIR, else $POOL_DIR, else $XDG_DATA_HOME/classad-pool (~/.local/share/...)."""
    if given:
        return Path(given).expanduser().resolve()
    env = os.environ.get("POOL_DIR")
    if env:
        return Path(env).expanduser().resolve()
    data = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return (Path(data) / "classad-pool").resolve()


@dataclass(frozen=True)
class PoolSettings:
    """What `pool run` needs: the negotiator's config and the execute side's knobs."""

    directory: Path
    negotiator: NegotiatorConfig
    nodes: tuple[str, ...]
    interval: float
    min_interval: float
    lease: float
    max_starts: int
    vacate_timeout: float
    periodic_interval: float
    uid_domain: str
    node_cpus: int | None
    node_memory: int | None
    job_uid: tuple[int, int] | None

    @property
    def queue_path(self) -> Path:
        return self.directory / "pool.db"

    @property
    def state_path(self) -> Path:
        return self.directory / "state.db"

    @property
    def execute_dir(self) -> Path:
        return self.directory / "execute"


def ensure_pool(directory: Path) -> Path:
    """Create the pool directory and a pool.conf with the defaults when they are missing."""
    directory.mkdir(parents=True, exist_ok=True)
    conf = directory / "pool.conf"
    if not conf.exists():
        try:
            with open(conf, "x", encoding="utf-8") as out:
                out.write(DEFAULT_CONF)
        except FileExistsError:
            pass
    return conf


def load_settings(directory: Path, interval: float | None = None) -> PoolSettings:
    """Read DIR/pool.conf (created with defaults when missing); bad values name file and line."""
    raw = load_config(ensure_pool(directory))
    return settings_from(raw, directory, interval)


def settings_from(raw: RawConfig, directory: Path, interval: float | None = None) -> PoolSettings:
    negotiator = build_config(raw)
    warnings = tuple(w for w in negotiator.warnings if not any(f" {k} " in w for k in POOL_KNOBS))
    negotiator = _replace_warnings(negotiator, warnings)
    nodes = _split(raw.get("POOL_EXECUTE_NODES") or "")
    if not nodes:
        nodes = (os.environ.get("DOCKER_HOST") or DEFAULT_LOCAL_ENGINE,)
    for url in nodes:
        if not url.startswith(("unix://", "tcp://", "ssh://", "http://", "https://")):
            _fail(raw, "POOL_EXECUTE_NODES", f"{url!r} is not an engine URL (unix://, tcp://, ssh://)")
    return PoolSettings(
        directory=directory,
        negotiator=negotiator,
        nodes=nodes,
        interval=interval if interval is not None else negotiator.negotiator_interval,
        min_interval=_number(raw, "NEGOTIATOR_MIN_INTERVAL", 0.2),
        lease=_number(raw, "POOL_NODE_LEASE", 120.0),
        max_starts=int(_number(raw, "POOL_MAX_STARTS_PER_NODE", 4.0, minimum=1.0)),
        vacate_timeout=_number(raw, "POOL_VACATE_TIMEOUT", 10.0),
        periodic_interval=_number(raw, "PERIODIC_EXPR_INTERVAL", 5.0),
        uid_domain=raw.get("UID_DOMAIN") or "",
        node_cpus=_optional_int(raw, "POOL_NODE_CPUS"),
        node_memory=_optional_int(raw, "POOL_NODE_MEMORY"),
        job_uid=_uid(raw),
    )


def _replace_warnings(config: NegotiatorConfig, warnings: tuple[str, ...]) -> NegotiatorConfig:
    import dataclasses

    return dataclasses.replace(config, warnings=warnings)


def _split(text: str) -> tuple[str, ...]:
    return tuple(item for item in text.replace(",", " ").split() if item)


def _fail(raw: RawConfig, name: str, problem: str) -> None:
    path, line = raw.where(name)
    raise NegotiatorError(f"{name}: {problem}", path, line)


def _number(raw: RawConfig, name: str, default: float, minimum: float = 0.0) -> float:
    text = raw.get(name)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        _fail(raw, name, f"expected a number (got {text!r})")
        raise AssertionError from None
    if not value >= minimum or value == float("inf"):
        _fail(raw, name, f"expected a finite number >= {minimum:g} (got {text!r})")
    return value


def _optional_int(raw: RawConfig, name: str) -> int | None:
    if not raw.get(name):
        return None
    return int(_number(raw, name, 0.0, minimum=1.0))


def _uid(raw: RawConfig) -> tuple[int, int] | None:
    text = raw.get("POOL_JOB_UID")
    if not text:
        return None
    uid, _, gid = text.partition(":")
    if not uid.isdigit() or (gid and not gid.isdigit()) or int(uid) == 0 or (gid and int(gid) == 0):
        _fail(raw, "POOL_JOB_UID", f"expected UID[:GID], never 0 (got {text!r})")
    return int(uid), int(gid or uid)
