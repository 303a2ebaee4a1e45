"""The Executor on a real Docker engine via the docker SDK: create, start, watch, decide, remove."""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import re
import socket
import threading
import time
from datetime import datetime
from typing import Any

import docker
from docker.errors import APIError, DockerException, ImageNotFound, NotFound
from docker.transport import UnixHTTPAdapter
from docker.transport.unixconn import UnixHTTPConnection, UnixHTTPConnectionPool

from executor import containers as ct
from executor import sandbox as sb
from executor.images import USE_TAG_REPO
from executor.jobfiles import write_all
from executor.protocol import EngineUnavailable, Executor, JobHandle
from executor.spec import (
    MEMORY_SUBCODE,
    ExecutorConfig,
    HoldCode,
    JobResult,
    JobSpec,
    Usage,
)

MB = 1024 * 1024
TAG_REFRESH_SECONDS = 60.0
MAX_CONNECTIONS = 1024  # engine connections kept alive (each running job holds one in wait())


class _Connection(UnixHTTPConnection):  # type: ignore[misc]
    """The SDK's unix-socket connection, but a connect() that fails closes its socket.

    The SDK's own drops it unclosed when the engine is down (each ping of a stopped node, each
    request during an engine restart); the exception's traceback keeps it alive, so the garbage
    collector closes it later with a ResourceWarning in whatever code runs then.
    """

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.timeout)
            sock.connect(self.unix_socket)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


class _ConnectionPool(UnixHTTPConnectionPool):  # type: ignore[misc]
    def _new_conn(self) -> _Connection:
        return _Connection(self.base_url, self.socket_path, self.timeout)


class _SocketPool(UnixHTTPAdapter):  # type: ignore[misc]
    """One keep-alive pool per engine socket, of connections that close what they fail to open.

    docker-py keys its unix-socket pools by the full request URL, so every call on a new
    container's path connects afresh and evicts (closes) an older pool: per job, six connects
    and a pool teardown in Python, six accepts in dockerd.
    """

    POOL_KEY = "http+docker://localhost"

    def get_connection(self, url: str, proxies: Any = None) -> Any:
        with self.pools.lock:
            pool = self.pools.get(self.POOL_KEY)
            if pool is None:
                pool = self.pools[self.POOL_KEY] = _ConnectionPool(
                    self.POOL_KEY, self.socket_path, self.timeout, maxsize=self.max_pool_size)
        return pool


class _Hold(Exception):
    """Internal: the attempt ends before running, with this result."""

    def __init__(self, result: JobResult) -> None:
        super().__init__(result.hold_reason)
        self.result = result


def _message(err: Exception) -> str:
    text = getattr(err, "explanation", None) or str(err)
    return " ".join(str(text).split())


class _Stream:
    """An attach connection: docker's multiplexed stdout/stderr frames into the sandbox files.

    Each frame is an 8-byte header (stream id, 0, 0, 0, big-endian size) and its data. Data goes
    to the files as it arrives, so memory stays at one read buffer however large a frame is.
    """

    READ = 1 << 20

    def __init__(self, response: Any, sinks: list[int | None]) -> None:
        self.response = response  # owns the upgraded connection; closing it closes the socket
        self.fd = os.dup(response.raw.connection.sock.fileno())
        os.set_blocking(self.fd, True)  # no read timeout: a job may be silent for days
        self.sinks = sinks
        self.error: OSError | None = None  # first failed write; the rest is drained and dropped
        self.bytes = 0

    def pump(self) -> None:
        """Copy frames until the container closes its output (or the engine goes away)."""
        header = bytearray()
        remaining, sink = 0, None
        try:
            while chunk := os.read(self.fd, self.READ):
                view, i, n = memoryview(chunk), 0, len(chunk)
                while i < n:
                    if remaining:
                        take = min(remaining, n - i)
                        self._write(sink, view[i:i + take])
                        i, remaining = i + take, remaining - take
                        continue
                    need = min(8 - len(header), n - i)
                    header += view[i:i + need]
                    i += need
                    if len(header) == 8:
                        sink = self.sinks[1] if header[0] == 2 else self.sinks[0]
                        remaining = int.from_bytes(header[4:8], "big")
                        header.clear()
        except OSError:
            pass  # the engine went away; the monitor re-attaches if the container lives on
        finally:
            self.close()

    def _write(self, fd: int | None, data: memoryview) -> None:
        if fd is None or self.error is not None:
            return
        try:
            write_all(fd, data)
            self.bytes += len(data)
        except OSError as err:
            self.error = err

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        with contextlib.suppress(Exception):
            self.response.close()


def _timestamp(text: str | None) -> float | None:
    """Docker's RFC 3339 nano timestamps as epoch seconds (None for the zero time)."""
    if not text or text.startswith("0001-"):
        return None
    text = re.sub(r"(\.\d{6})\d+", r"\1", text).replace("Z", "+00:00")
    return datetime.fromisoformat(text).timestamp()


class _Job:
    """Mutable bookkeeping for one attempt, private to DockerExecutor."""

    def __init__(self, handle: JobHandle) -> None:
        self.handle = handle
        self.container: Any = None
        self.done = threading.Event()
        self.result: JobResult | None = None
        self.cancel_kind: str | None = None
        self.cancel_reason = ""
        self.killer: threading.Timer | None = None
        self.sinks: list[int | None] = [None, None]  # _condor_stdout, _condor_stderr
        self.stream: _Stream | None = None
        self.output_error: OSError | None = None
        self.peak_rss = 0
        self.peak_memory = 0
        self.cpu_user = 0.0
        self.cpu_sys = 0.0
        self.started_at = time.time()

    def close_sinks(self) -> None:
        for i, fd in enumerate(self.sinks):
            if fd is not None:
                os.close(fd)
                self.sinks[i] = None

    def finish(self, result: JobResult) -> None:
        if self.killer is not None:
            self.killer.cancel()
        if self.stream is not None:
            self.stream.close()
        self.close_sinks()
        self.result = result
        self.done.set()

    def usage(self, wall: float | None = None) -> Usage:
        return Usage(
            wall_seconds=max(0.0, round(wall if wall is not None else time.time() - self.started_at, 3)),
            user_cpu_seconds=round(self.cpu_user, 3),
            sys_cpu_seconds=round(self.cpu_sys, 3),
            peak_memory_mb=(self.peak_memory + MB - 1) // MB,
            peak_rss_kb=(self.peak_rss + 1023) // 1024,
        )

    def absorb(self, stats: dict[str, Any]) -> None:
        """Fold one stats sample in: HTCondor's rss (cgroup v1) or anon+shmem (v2), CPU times."""
        memory = stats.get("memory_stats") or {}
        inner = memory.get("stats") or {}
        if "rss" in inner:
            rss = int(inner["rss"])
            peak = int(memory.get("max_usage", 0)) - int(inner.get("cache", 0))
            self.peak_memory = max(self.peak_memory, peak)  # cgroup v1 keeps the true peak
        elif "anon" in inner:
            rss = int(inner["anon"]) + int(inner.get("shmem", 0))
        else:
            rss = int(memory.get("usage", 0))
        self.peak_rss = max(self.peak_rss, rss)
        self.peak_memory = max(self.peak_memory, rss)
        cpu = (stats.get("cpu_stats") or {}).get("cpu_usage") or {}
        if cpu.get("usage_in_usermode") is not None:
            self.cpu_user = max(self.cpu_user, cpu["usage_in_usermode"] / 1e9)
            self.cpu_sys = max(self.cpu_sys, cpu.get("usage_in_kernelmode", 0) / 1e9)


class DockerExecutor:
    """HTCondor's docker universe on one engine; thread-safe, one monitor thread per job."""

    def __init__(self, config: ExecutorConfig | None = None, base_url: str | None = None) -> None:
        self.config = config or ExecutorConfig()
        self.base_url = base_url or os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
        try:
            self.client: Any = docker.DockerClient(
                base_url=self.base_url, version="auto", timeout=120, max_pool_size=MAX_CONNECTIONS
            )
        except DockerException as err:
            raise EngineUnavailable(f"cannot reach the Docker engine at {self.base_url}: {_message(err)}") from err
        api, stock = self.client.api, getattr(self.client.api, "_custom_adapter", None)
        if self.base_url.startswith("unix://"):
            api.trust_env = False  # no proxy or .netrc lookups (10+ environ scans a job) on a local socket
        if isinstance(stock, UnixHTTPAdapter):
            stock.close()
            api._custom_adapter = _SocketPool(stock.socket_path, api.timeout, max_pool_size=MAX_CONNECTIONS)
            api.mount("http+docker://", api._custom_adapter)
        self._jobs: dict[str, _Job] = {}
        self._lock = threading.Lock()
        self._seq = itertools.count(1)
        self._tagged: dict[str, float] = {}

    def close(self) -> None:
        """Drop our engine connections; running containers carry on and recover() finds them."""
        self.client.close()

    def __enter__(self) -> DockerExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the Protocol -------------------------------------------------------------------------

    def start(self, spec: JobSpec, sandbox: str, notes: tuple[tuple[str, str], ...] = ()) -> JobHandle:
        ct.check_network(spec, self.config)
        handle = JobHandle(ct.container_name(spec, self.config, next(self._seq)), spec, sandbox, notes)
        job = _Job(handle)
        job.sinks = sb.open_std_files(sandbox, self.config)
        with self._lock:
            self._jobs[handle.name] = job
        try:
            image = ct.normalize_image(spec.image)
            if spec.pull_always:
                self._pull(image)
            job.container = self._create(image, handle)
            self._remember_use(image)
            try:
                job.stream = self._attach(job)
                job.container.start()
            except APIError as err:
                raise _Hold(JobResult.held(HoldCode.FAILED_TO_CREATE_PROCESS, 0,
                                           f"Error running docker job: {_message(err)}", started=True)) from err
        except _Hold as hold:
            job.finish(hold.result)
            return handle
        except OSError as err:  # requests' connection errors are OSErrors
            with self._lock:
                self._jobs.pop(handle.name, None)
            job.finish(JobResult("removed"))
            self._forget_container(handle.name)
            raise EngineUnavailable(f"lost the Docker engine at {self.base_url}: {_message(err)}") from err
        self._watch(job)
        return handle

    def poll(self, handle: JobHandle) -> JobResult | None:
        return self._job(handle).result

    def wait(self, handle: JobHandle, timeout: float | None = None) -> JobResult | None:
        job = self._job(handle)
        job.done.wait(timeout)
        return job.result

    def usage(self, handle: JobHandle) -> Usage:
        job = self._job(handle)
        return job.result.usage if job.result is not None else job.usage()

    def cancel(self, handle: JobHandle, *, hold: bool = False, reason: str = "") -> None:
        job = self._job(handle)
        if job.done.is_set():
            return
        if job.cancel_kind is None:
            job.cancel_kind = "hold" if hold else "remove"
            job.cancel_reason = reason
        # again: the signal is sent again (an engine that was away missed it); the first kind stays
        self._kill(job, handle.spec.kill_sig)
        if job.killer is None or not job.killer.is_alive():
            job.killer = threading.Timer(self.config.vacate_timeout, self._kill, (job, "SIGKILL"))
            job.killer.daemon = True
            job.killer.start()

    def release(self, handle: JobHandle) -> None:
        with self._lock:
            job = self._jobs.pop(handle.name, None)
        if job is not None and job.killer is not None:
            job.killer.cancel()
        self._forget_container(handle.name)

    # -- recovery -----------------------------------------------------------------------------

    def own_containers(self) -> list[Any]:
        """Every container of ours (this slot's owner label), in any state."""
        flt = {"label": f"{ct.LABEL_OWNER}={self.config.owner_label}"}
        try:
            return list(self.client.containers.list(all=True, filters=flt, ignore_removed=True))
        except OSError as err:
            raise EngineUnavailable(f"cannot list containers at {self.base_url}: {_message(err)}") from err

    def adopt(self, container: Any, spec: JobSpec, sandbox: str) -> JobHandle:
        """Watch a container found by label after our own restart, starting it if never started."""
        handle = JobHandle(container.name, spec, sandbox, tuple(ct.notes(container.labels or {}).items()))
        job = _Job(handle)
        job.container = container
        job.started_at = _timestamp(container.attrs.get("State", {}).get("StartedAt")) or time.time()
        with self._lock:
            self._jobs[handle.name] = job
        job.sinks = sb.open_std_files(sandbox, self.config, append=True)
        if container.status in ("created", "running"):
            with contextlib.suppress(APIError, OSError):  # output missed while we were away is lost
                job.stream = self._attach(job)
        if container.status == "created":
            try:
                container.start()
            except APIError as err:
                if job.stream is not None:  # nobody will pump it: close its connection now
                    job.stream.close()
                    job.stream = None
                job.finish(JobResult.held(HoldCode.FAILED_TO_CREATE_PROCESS, 0,
                                          f"Error running docker job: {_message(err)}", started=True))
                return handle
        self._watch(job)
        return handle

    # -- internals ----------------------------------------------------------------------------

    def _job(self, handle: JobHandle) -> _Job:
        with self._lock:
            job = self._jobs.get(handle.name)
        if job is None:
            raise KeyError(f"unknown or released job {handle.name}")
        return job

    def _pull(self, image: str) -> None:
        try:
            self.client.images.pull(image)
        except (APIError, OSError) as err:
            raise _Hold(JobResult.held(HoldCode.INVALID_DOCKER_IMAGE, 0,
                                       f"Cannot pull image {image} {_message(err)}")) from err

    def _create(self, image: str, handle: JobHandle) -> Any:
        options = ct.create_options(handle, self.config)
        try:
            return self._create_container(image, options)
        except ImageNotFound:
            self._pull(image)
        except APIError as err:
            raise _Hold(JobResult.held(HoldCode.INVALID_DOCKER_IMAGE, 0,
                                       f"Error creating docker container: {_message(err)}",
                                       started=True)) from err
        try:
            return self._create_container(image, options)
        except APIError as err:
            raise _Hold(JobResult.held(HoldCode.INVALID_DOCKER_IMAGE, 0,
                                       f"Error creating docker container: {_message(err)}",
                                       started=True)) from err

    def _create_container(self, image: str, options: dict[str, Any]) -> Any:
        """The SDK's public low-level create: `containers.create()` would also inspect the new
        container, a request per job we do not need (the id and name are enough)."""
        api = self.client.api
        host = {k: options[k] for k in ct.HOST_CONFIG_KEYS if k in options}
        rest = {k: v for k, v in options.items() if k not in ct.HOST_CONFIG_KEYS}
        rest["host_config"] = api.create_host_config(**host)
        created = api.create_container(image, **rest)
        return self.client.containers.prepare_model({"Id": created["Id"], "Name": f"/{options['name']}"})

    def _attach(self, job: _Job) -> _Stream:
        """Attach to stdout and stderr (before start: nothing is missed, nothing is buffered).

        The request is the documented POST /containers/{id}/attach with `Upgrade: tcp`, sent
        through the SDK's session so it shares its connection pool; we keep the response, so a
        refused attach is closed at once and a granted one when the stream ends.
        """
        api = self.client.api
        response = api.post(f"{api.base_url}/v{api.api_version}/containers/{job.container.id}/attach",
                            params={"stdout": 1, "stderr": 1, "stream": 1, "logs": 0},
                            headers={"Connection": "Upgrade", "Upgrade": "tcp"}, stream=True)
        try:
            if response.status_code not in (101, 200):
                raise APIError(f"attach refused: {response.status_code} {response.text[:200]}")
            return _Stream(response, job.sinks)
        except BaseException:
            response.close()
            raise

    def _remember_use(self, image: str) -> None:
        """Tag the image under htcondor.org/ (as HTCondor does) so the LRU GC sees its last use."""
        now = time.monotonic()
        if now - self._tagged.get(image, -TAG_REFRESH_SECONDS) < TAG_REFRESH_SECONDS:
            return
        self._tagged[image] = now
        if "@" in image:
            repo, tag = image.split("@")[0], "pinned"
        else:
            repo, _, tag = image.rpartition(":")
        with contextlib.suppress(APIError, OSError):  # bookkeeping only
            self.client.api.tag(image, f"{USE_TAG_REPO}/{repo.replace(':', '_').lower()}", tag)

    def _watch(self, job: _Job) -> None:
        threading.Thread(target=self._monitor, args=(job,), name=f"watch-{job.handle.name}",
                         daemon=True).start()
        threading.Thread(target=self._sample, args=(job,), name=f"stats-{job.handle.name}",
                         daemon=True).start()

    def _sample(self, job: _Job) -> None:
        """Sample the engine's stats while the job runs (after the first interval, then ~1/s).

        Jobs shorter than the first interval are never sampled: a stats call costs the engine
        more than a trivial container does. cgroup v1 keeps the true peak, so sparse samples do.
        """
        while not job.done.wait(self.config.stats_interval):
            if not self._socket_answers():
                continue  # the engine is restarting; the monitor rides it out
            try:
                stats = job.container.stats(stream=False)
            except Exception:  # telemetry only; urllib3 raises its own exception types
                continue
            if not job.done.is_set() and not str(stats.get("read", "")).startswith("0001-"):
                job.absorb(stats)

    def _monitor(self, job: _Job) -> None:
        try:
            state = self._await_exit(job)
            result = self._decide(job, state)
        except _Hold as hold:
            result = hold.result
        except Exception as err:  # never lose a job to a bug or an engine surprise
            result = JobResult.held(HoldCode.FAILED_TO_CREATE_PROCESS, 0,
                                    f"Error running docker job: {_message(err)}", started=True)
        finally:
            if job.stream is not None:  # a hold before the stream was pumped: close it
                job.stream.close()
                job.stream = None
        job.finish(result)

    def _await_exit(self, job: _Job) -> dict[str, Any]:
        """Block until the container stops, riding out engine restarts; returns State."""
        while True:
            try:
                if job.stream is not None:
                    job.stream.pump()
                    job.output_error = job.output_error or job.stream.error
                    job.stream = None
                job.container.wait()
                job.container.reload()
                state: dict[str, Any] = job.container.attrs["State"]
                if not state.get("Running"):
                    return state
            except NotFound as err:
                raise _Hold(JobResult.held(HoldCode.FAILED_TO_CREATE_PROCESS, 0,
                                           f"Docker container {job.handle.name} disappeared",
                                           usage=job.usage(), started=True)) from err
            except (APIError, OSError) as err:
                if isinstance(err, APIError) and not err.is_server_error():
                    raise
                self._await_engine(job, err)
                self._reattach(job)

    def _reattach(self, job: _Job) -> None:
        """After an engine restart the container may run on (live-restore): follow its output again."""
        with contextlib.suppress(APIError, OSError):
            job.container.reload()
            if job.container.attrs["State"].get("Running"):
                job.stream = self._attach(job)

    def _await_engine(self, job: _Job, err: Exception) -> None:
        deadline = time.monotonic() + self.config.engine_timeout
        while time.monotonic() < deadline:
            time.sleep(0.2)
            if self._engine_answers():
                return
        raise _Hold(JobResult.held(
            HoldCode.FAILED_TO_CREATE_PROCESS, 0,
            f"Lost contact with the Docker engine for {self.config.engine_timeout:g} s: {_message(err)}",
            usage=job.usage(), started=True))

    def _socket_answers(self) -> bool:
        """Probe a unix socket ourselves: the SDK leaks its socket when connect() fails."""
        if not self.base_url.startswith("unix://"):
            return True
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                probe.settimeout(2)
                probe.connect(self.base_url.removeprefix("unix://"))
        except OSError:
            return False
        return True

    def _engine_answers(self) -> bool:
        if not self._socket_answers():
            return False
        try:
            return bool(self.client.ping())
        except (APIError, OSError):
            return False

    def _decide(self, job: _Job, state: dict[str, Any]) -> JobResult:
        """HTCondor's order: removed/held by request, OOM, State.Error, signal (>128), exit code."""
        start, end = _timestamp(state.get("StartedAt")), _timestamp(state.get("FinishedAt"))
        usage = job.usage(end - start if start and end else None)
        code = int(state.get("ExitCode", 0))
        exit_code, sig = (None, code - 128) if code > 128 else (code, None)
        if job.cancel_kind == "remove":
            return JobResult("removed", exit_code, sig, usage=usage, started=True)
        if job.cancel_kind == "hold":
            return JobResult.held(HoldCode.USER_REQUEST, 0, job.cancel_reason or "via condor_hold",
                                  usage=usage, started=True)
        spec = job.handle.spec
        if state.get("OOMKilled"):
            usage = Usage(usage.wall_seconds, usage.user_cpu_seconds, usage.sys_cpu_seconds,
                          max(usage.peak_memory_mb, spec.memory_mb),
                          max(usage.peak_rss_kb, spec.memory_mb * 1024))
            return JobResult.held(HoldCode.JOB_OUT_OF_RESOURCES, MEMORY_SUBCODE,
                                  f"Docker job has gone over memory limit of {spec.memory_mb} Mb",
                                  usage=usage, started=True)
        if state.get("Error"):
            return JobResult.held(HoldCode.FAILED_TO_CREATE_PROCESS, 0,
                                  f"Error running docker job: {state['Error']}", usage=usage, started=True)
        if job.output_error is not None:
            code = job.output_error.errno or errno.EIO
            return JobResult.held(HoldCode.TRANSFER_OUTPUT_ERROR, code,
                                  f"Cannot keep the job's stdout/stderr in its sandbox: (errno {code}) "
                                  f"{os.strerror(code)}", usage=usage, started=True)
        return JobResult("completed", exit_code, sig, usage=usage, started=True)

    def _kill(self, job: _Job, sig: str) -> None:
        if job.container is None or job.done.is_set():
            return
        with contextlib.suppress(APIError, OSError):  # stopped already, or the engine restarts
            job.container.kill(signal=sig)

    def _forget_container(self, name: str) -> None:
        with contextlib.suppress(APIError, OSError):  # recovery retries: it keeps our label
            self.client.api.remove_container(name, force=True, v=True)


def _conforms(executor: DockerExecutor) -> Executor:
    """Never called: lets mypy check DockerExecutor against the Executor Protocol."""
    return executor
