"""Read a job ad file into a JobSpec in a forked child with a time and memory budget.

A job ad is the user's text: a runaway expression (a catastrophic regexp, a huge string) must not
hang or exhaust the slot. The child parses and evaluates; the parent waits at most `seconds` and
kills it after. Call this before starting threads (the CLI does): fork copies only this thread.
"""

from __future__ import annotations

import json
import os
import resource
import select
import signal
import time
from typing import Any

from executor.spec import JobSpec, SpecError

EVAL_SECONDS = 10.0
EVAL_MEMORY_MB = 1024
MAX_REPLY = 64 * 1024 * 1024


def _evaluate(text: str, where: str, default_iwd: str) -> dict[str, Any]:
    import classad
    from executor.jobad import spec_from_ad

    try:
        ad = classad.parse_ad(text)
    except classad.ClassAdSyntaxError as err:
        first = str(err).splitlines()[0] if str(err) else "syntax error"
        return {"error": f"{where}: {first.removeprefix('<string>:')}"}
    try:
        return {"spec": spec_from_ad(ad, default_iwd=default_iwd).to_json()}
    except SpecError as err:
        return {"error": str(err)}


def _child(write_fd: int, text: str, where: str, default_iwd: str, memory_mb: int) -> None:
    code = 0
    try:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        reply = _evaluate(text, where, default_iwd)
    except MemoryError:
        reply = {"error": f"evaluating {where} needs more than {memory_mb} MB"}
    except BaseException as err:  # report, never a traceback from the child
        reply = {"error": f"evaluating {where} failed: {type(err).__name__}: {err}"}
    try:
        data = json.dumps(reply).encode()
        view = memoryview(data)
        while view:
            view = view[os.write(write_fd, view):]
    except BaseException:
        code = 1
    os._exit(code)


def spec_from_text(text: str, where: str, default_iwd: str, *, seconds: float = EVAL_SECONDS,
                   memory_mb: int = EVAL_MEMORY_MB) -> JobSpec:
    """The JobSpec of ad `text` (named `where` in messages); SpecError for bad ads and runaway ones."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.close(read_fd)
        _child(write_fd, text, where, default_iwd, memory_mb)
    os.close(write_fd)
    chunks: list[bytes] = []
    size = 0
    deadline = time.monotonic() + seconds
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([read_fd], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                raise SpecError(f"evaluating {where} took more than {seconds:g} s "
                                "(an expression in the job ad runs away)")
            chunk = os.read(read_fd, 1 << 16)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_REPLY:
                os.kill(pid, signal.SIGKILL)
                raise SpecError(f"the job described by {where} is larger than {MAX_REPLY >> 20} MB")
            chunks.append(chunk)
    finally:
        os.close(read_fd)
        os.waitpid(pid, 0)
    try:
        reply = json.loads(b"".join(chunks))
    except ValueError as err:
        raise SpecError(f"evaluating {where} failed (no answer from the evaluator)") from err
    if "error" in reply:
        raise SpecError(str(reply["error"]))
    return JobSpec.from_json(reply["spec"])
