"""Submit commands -> job attributes, step by step in condor_submit's order (make_job_ad in
submit_utils.cpp): Iwd, executable, arguments, environment, status, stdio, policy
expressions, resources, accounting, simple commands, file transfer, then +Attrs and last the
Requirements (negotiator.queue.requirements). Each step is a function of a JobContext.
"""

from __future__ import annotations

import re
import signal
from collections.abc import Callable

import classad
from classad import ast
from negotiator.queue import argsenv
from negotiator.queue.errors import SubmitError
from negotiator.queue.job_context import JobContext, parse
from negotiator.queue.keywords import SIMPLE
from negotiator.queue.requirements import set_requirements, set_transfer_files
from negotiator.queue.units import parse_size

Step = Callable[[JobContext], None]

#: JobStatus values
IDLE, HELD = 1, 5
#: HoldReasonCode for `hold = true` (CONDOR_HOLD_CODE::SubmittedOnHold)
SUBMITTED_ON_HOLD = 15
_NOTIFY = {"never": 0, "always": 1, "complete": 2, "error": 3, "start": 4}
_SUBMITTER_NAME = re.compile(r"[A-Za-z0-9_.\-@+]+\Z")


def set_iwd(ctx: JobContext) -> None:
    short = ctx.param("initialdir", "Iwd") or ctx.param("initial_dir", "job_iwd")
    base = str(ctx.submit_dir)
    iwd = ctx.full_path(short, base) if short else ctx.full_path(base)  # a final / stays
    if not ctx.is_dir(iwd):  # ComputeIWD: the directory must exist and be searchable
        raise SubmitError(f"No such directory: {iwd}")
    ctx.set("Iwd", iwd)


def set_executable(ctx: JobContext) -> None:
    uni = ctx.universe
    pseudo = False
    if uni.docker:
        image = ctx.param("docker_image", "DockerImage")
        if not image or not image.strip('"').strip():
            raise SubmitError("docker jobs require a docker_image", key="universe")
        ctx.set("DockerImage", image.strip().strip('"').strip())
        pseudo = True
    if uni.container:
        image = ctx.param("docker_image", "DockerImage")
        if image is not None:
            ctx.set("DockerImage", image.strip().strip('"').strip())
        cimage = ctx.param("container_image", "ContainerImage")
        if cimage is not None:
            cimage = cimage.strip().strip('"').strip()
            if not cimage or cimage.startswith(("instance://", "library://", "shub://")):
                raise SubmitError(f"'{cimage}' is not a valid container image")
            ctx.set("ContainerImage", cimage)
            ctx.set(_image_kind(cimage), True)
        elif image is None:
            raise SubmitError("container jobs require a container_image or docker_image")
        pseudo = True
    if ctx.param("shell") is not None:
        raise SubmitError("the 'shell' command is not supported")
    name = ctx.param("executable", "Cmd")
    if name is None:
        if not pseudo:
            raise SubmitError("no 'executable' was given")
        ctx.set("TransferExecutable", False)
        ctx.set("Cmd", "")
        return
    transfer = True
    flag = ctx.param("transfer_executable", "TransferExecutable")
    if flag is not None and flag[:1] in ("F", "f"):
        transfer = False
        ctx.set("TransferExecutable", False)
    # relative executables resolve against the submit directory, not the Iwd (full_path(.., false))
    ctx.set("Cmd", ctx.full_path(name, str(ctx.submit_dir)) if transfer else name)


def _image_kind(image: str) -> str:
    """WantDockerImage, WantSIF or WantSandboxImage (image_type_from_string)."""
    if image.startswith("docker://"):
        return "WantDockerImage"
    if image.endswith(".sif"):
        return "WantSIF"
    return "WantSandboxImage"


def set_arguments(ctx: JobContext) -> None:
    attr, value = argsenv.arguments(ctx.param("arguments", "Args"), ctx.param("arguments2"))
    ctx.set(attr, value)


def set_environment(ctx: JobContext) -> None:
    """`Environment` (V2), or `Env` + `EnvDelim` (V1) when the file wrote `env = a=1;b=2`.
    `getenv` is true/false or a list of names to import (`CONDOR*, !CONDOR_CONFIG`); values
    with a newline are never imported, nor, for V1, values with a `;` (SubmitHashEnvFilter)."""
    env1 = ctx.param("environment", "env")
    env2 = ctx.param("environment2")
    v1_text = ctx.param("env") if env1 is not None and env2 is None else None
    want_v1 = bool(v1_text) and not argsenv.is_v2_quoted(v1_text or "")
    imported = None
    getenv = ctx.param("getenv", "get_env")
    if getenv is not None:
        everything = _getenv_switch(getenv)
        if everything is not False:
            wanted = None if everything else argsenv.import_filter(getenv)
            imported = {name: value for name, value in ctx.env.items()
                        if "\n" not in value and (wanted is None or wanted(name))
                        and (env1 is None or env2 is not None or argsenv.v1_safe(value))}
    table = argsenv.environment_table(env1, env2, imported)
    if want_v1:
        ctx.set("Env", argsenv.environment_v1(table))
        ctx.set("EnvDelim", ";")
    else:
        ctx.set("Environment", argsenv.join_v2_raw([f"{k}={table[k]}" for k in sorted(table)]))


def _getenv_switch(text: str) -> bool | None:
    """`getenv` as true/false (string_is_boolean_param: true, false, 1, 0 or an expression
    giving a boolean or number), or None for a list of names (`getenv = yes` imports YES)."""
    low = text.strip().lower()
    if low in ("true", "1"):
        return True
    if low in ("false", "0"):
        return False
    try:
        value = classad.evaluate(parse(text))
    except classad.ClassAdError:
        return None
    if isinstance(value, bool):
        return value
    return value != 0 if isinstance(value, int | float) else None


def set_job_status(ctx: JobContext) -> None:
    if ctx.param_bool("hold", False):
        ctx.set("JobStatus", HELD)
        ctx.set("HoldReasonCode", SUBMITTED_ON_HOLD)
        ctx.set("HoldReason", "submitted on hold at user's request")
    else:
        ctx.set("JobStatus", IDLE)
    ctx.set("EnteredCurrentStatus", ctx.submit_time)


def _std_file(ctx: JobContext, keys: tuple[str, str], attr: str, xfer: tuple[str, str],
              stream: tuple[str, str]) -> None:
    name = ctx.param(*keys) or "/dev/null"
    ctx.set(attr, name)
    if name != "/dev/null" and ctx.param_bool(xfer[0], True, xfer[1]):
        ctx.set(stream[1], ctx.param_bool(stream[0], False, stream[1]))
    else:
        ctx.set(xfer[1], False)


def set_stdin(ctx: JobContext) -> None:
    _std_file(ctx, ("input", "stdin"), "In", ("transfer_input", "TransferIn"),
              ("stream_input", "StreamIn"))


def set_stdout(ctx: JobContext) -> None:
    _std_file(ctx, ("output", "stdout"), "Out", ("transfer_output", "TransferOut"),
              ("stream_output", "StreamOut"))


def set_stderr(ctx: JobContext) -> None:
    _std_file(ctx, ("error", "stderr"), "Err", ("transfer_error", "TransferErr"),
              ("stream_error", "StreamErr"))


def set_notification(ctx: JobContext) -> None:
    how = ctx.param("notification", "JobNotification") or "never"
    code = _NOTIFY.get(how.lower())
    if code is None:
        raise SubmitError("notification must be 'Never', 'Always', 'Complete', 'Start' or 'Error'")
    ctx.set("JobNotification", code)


def set_rank(ctx: JobContext) -> None:
    rank = ctx.param("rank", "preferences")
    if rank:
        ctx.set_expr("Rank", rank)
    else:
        ctx.set("Rank", 0.0)


def set_policy(ctx: JobContext) -> None:
    """PeriodicHold/Release/Remove/Vacate, OnExitHold/Remove, LeaveJobInQueue, and reasons.

    Only what the file sets: condor_submit adds the defaults (false; OnExitRemove true) only
    with SUBMIT_INSERT_DEFAULT_POLICY_EXPRS, which is off; the schedd reads a missing one as
    its default. LeaveJobInQueue alone is always set (false by default)."""
    for key, attr in (("periodic_hold", "PeriodicHold"),
                      ("periodic_release", "PeriodicRelease"),
                      ("periodic_remove", "PeriodicRemove"),
                      ("periodic_vacate", "PeriodicVacate"),
                      ("on_exit_remove", "OnExitRemove"),
                      ("on_exit_hold", "OnExitHold"),
                      ("leave_in_queue", "LeaveJobInQueue")):
        text = ctx.param(key, attr)
        if text:
            ctx.set_expr(attr, text)
        elif attr == "LeaveJobInQueue":
            ctx.set(attr, False)
    for key, attr in (("periodic_hold_reason", "PeriodicHoldReason"),
                      ("periodic_hold_subcode", "PeriodicHoldSubCode"),
                      ("on_exit_hold_reason", "OnExitHoldReason"),
                      ("on_exit_hold_subcode", "OnExitHoldSubCode")):
        text = ctx.param(key, attr)
        if text:
            ctx.set_expr(attr, text)


def set_job_retries(ctx: JobContext) -> None:
    """max_retries, success_exit_code and retry_until rewrite OnExitRemove to retry a job
    that exits otherwise (SetJobRetries): `NumJobCompletions > JobMaxRetries || ExitCode =?=
    <success> [|| <retry_until>] [|| <on_exit_remove>]`, and OnExitHold defaults to false."""
    retries = ctx.param_int("max_retries", "JobMaxRetries")
    success = ctx.param_int("success_exit_code", "JobSuccessExitCode")
    until = ctx.param("retry_until")
    if retries is None and success is None and until is None:
        return
    if until is not None:
        until = _retry_until(until)
    ctx.set("JobMaxRetries", ctx.config.default_job_max_retries if retries is None else retries)
    if not ctx.has("OnExitHold"):
        ctx.set("OnExitHold", False)
    check = "0"
    if success is not None:
        ctx.set("JobSuccessExitCode", success)
        check = "JobSuccessExitCode"
    text = f"NumJobCompletions > JobMaxRetries || ExitCode =?= {check}"
    if until is not None:
        text += f" || {until}"
    remove = ctx.param("on_exit_remove", "OnExitRemove")
    if remove:
        text += f" || {_wrapped_for_or(remove, 'on_exit_remove')}"
    ctx.set_expr("OnExitRemove", text)


def _retry_until(text: str) -> str:
    """An exit code (`ExitCode =?= N`) or a boolean expression, wrapped for `||`."""
    try:
        number = int(text.strip())
    except ValueError:
        return _wrapped_for_or(text, "retry_until")
    if not -(1 << 31) <= number < 1 << 31:
        raise SubmitError(f"retry_until={text} is invalid, it must be an integer or boolean "
                          "expression", key="retry_until")
    return f"ExitCode =?= {number}"


def _wrapped_for_or(text: str, key: str) -> str:
    """`text` in parentheses if its top operator binds more loosely than `||` (a ?: b)."""
    try:
        tree = parse(text)
    except classad.ClassAdSyntaxError:
        raise SubmitError(f"{key}={text} is invalid, it must be a boolean expression",
                          key=key) from None
    return f"({text})" if isinstance(tree, ast.Cond | ast.Elvis) else text


def set_concurrency_limits(ctx: JobContext) -> None:
    """`concurrency_limits = A, b.c:2`: lower case, sorted, comma-joined; or an expression."""
    limits = ctx.param("concurrency_limits")
    expr = ctx.param("concurrency_limits_expr")
    if limits is not None and expr is not None:
        raise SubmitError("concurrency_limits and concurrency_limits_expr can't be used together",
                          key="concurrency_limits_expr")
    if limits is not None:
        names = [w for w in re.split(r"[,\s]+", limits.lower()) if w]
        for name in names:
            base = name.split(":", 1)[0]
            if not all(_ATTR_NAME.match(part) for part in base.split(".", 1)):
                raise SubmitError(f"Invalid concurrency limit '{name}'", key="concurrency_limits")
        if names:
            ctx.set("ConcurrencyLimits", ",".join(sorted(names)))
    elif expr is not None:
        ctx.set_expr("ConcurrencyLimits", expr)


_ATTR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def set_kill_sig(ctx: JobContext) -> None:
    for key, attr in (("kill_sig", "KillSig"), ("remove_kill_sig", "RemoveKillSig"),
                      ("hold_kill_sig", "HoldKillSig")):
        sig = ctx.param(key, attr)
        if sig is None and attr == "KillSig" and ctx.universe.number != 5:
            sig = "SIGTERM"
        if sig:
            ctx.set(attr, _signal_name(sig))
    timeout = ctx.param_int("kill_sig_timeout", "KillSigTimeout")
    if timeout is not None:
        ctx.set("KillSigTimeout", timeout)


#: the signals condor_submit knows by name (sig_name.cpp, on Linux)
_SIGNALS = ("SIGKILL", "SIGCONT", "SIGTERM", "SIGQUIT", "SIGHUP", "SIGSTOP", "SIGTSTP",
            "SIGUSR1", "SIGUSR2", "SIGCHLD", "SIGABRT", "SIGALRM", "SIGFPE", "SIGILL", "SIGINT",
            "SIGPIPE", "SIGSEGV", "SIGTRAP", "SIGTTIN", "SIGTTOU", "SIGIO", "SIGBUS", "SIGURG",
            "SIGPROF", "SIGWINCH", "SIGSYS", "SIGXCPU", "SIGXFSZ")
_SIGNAL_NUMBERS = {name: int(getattr(signal, name)) for name in _SIGNALS}
_LEADING_INT = re.compile(r"\s*[-+]?\d+")


def _signal_name(sig: str) -> str:
    """A signal number or full name (`SIGTERM`, any case) as its name (fixupKillSigName)."""
    m = _LEADING_INT.match(sig)
    number = int(m.group()) if m else 0
    if number:
        name = next((n for n, v in _SIGNAL_NUMBERS.items() if v == number), None)
    else:
        name = sig.strip().upper() if sig.strip().upper() in _SIGNAL_NUMBERS else None
    if name is None:
        raise SubmitError(f"invalid signal {sig}")
    return name


def set_request_resources(ctx: JobContext) -> None:
    cpus = ctx.param("request_cpus", "RequestCpus")
    cpus = ctx.config.default_request_cpus if cpus is None else cpus
    if cpus.lower() != "undefined":
        ctx.set_expr("RequestCpus", cpus)
    for key, attr, default, unit in (
            ("request_disk", "RequestDisk", ctx.config.default_request_disk, 1024),
            ("request_memory", "RequestMemory", ctx.config.default_request_memory, 1 << 20)):
        text = ctx.param(key, attr)
        text = default if text is None else text
        if text.lower() == "undefined":
            continue
        if "," in text and parse_size(text.split(",", 1)[0], unit) is not None:
            raise SubmitError(f"{key} = {text}: a retry value ('a, b') is not supported")
        size = parse_size(text, unit)
        if size is None:
            ctx.set_expr(attr, text)
        else:
            ctx.set(attr, size)
    for key, attr in ctx.requests:
        text = ctx.param(key)
        if text is not None and text.lower() != "undefined":
            ctx.set_expr(attr, text)


def set_accounting_group(ctx: JobContext) -> None:
    project = ctx.param("project_name", "ProjectName")
    if project is not None:
        ctx.set("ProjectName", project)
    group = ctx.param("accounting_group", "AccountingGroup")
    if ctx.param_bool("nice_user", False, "NiceUser"):
        if group is None:
            group = ctx.config.nice_user_group
        ctx.set("MaxJobRetirementTime", 0)
    user = ctx.param("accounting_group_user", "AcctGroupUser")
    if group is None and user is None:
        return
    user = user if user is not None else ctx.owner
    if group is not None and not _SUBMITTER_NAME.match(group):
        raise SubmitError(f"invalid accounting_group: {group}", key="accounting_group")
    if not _SUBMITTER_NAME.match(user):
        raise SubmitError(f"invalid accounting_group_user: {user}", key="accounting_group_user")
    ctx.set("AcctGroupUser", user)
    if group is not None:
        ctx.set("AcctGroup", group)
        ctx.set("AccountingGroup", f"{group}.{user}")
    else:
        ctx.set("AccountingGroup", user)


def set_simple(ctx: JobContext) -> None:
    """The commands that map straight onto one attribute (prunable_keywords)."""
    for key, attr, kind in SIMPLE:
        text = ctx.param(key, attr, "prio") if key == "priority" else ctx.param(key, attr)
        if text is None:
            continue
        if kind == "bool":
            ctx.set(attr, ctx.boolean(key, text))
        elif kind == "int":
            ctx.set(attr, ctx.integer(key, text))
        elif kind == "expr":
            ctx.set_expr(attr, text)
        elif kind == "log":
            ctx.set(attr, ctx.full_path(text) if text else text)
        elif kind == "list":
            ctx.set(attr, ",".join(w for w in re.split(r"[\s,]+", text) if w))
        else:
            ctx.set(attr, text.strip().strip('"') if kind == "qstring" else text)


def set_image_size(ctx: JobContext) -> None:
    cmd = ctx.get_str("Cmd") or ""  # sized whether or not it is transferred (SetImageSize)
    exe_kb = ctx.size_kb(ctx.full_path(cmd)) if cmd else 0
    ctx.set("ExecutableSize", exe_kb)
    text = ctx.param("image_size", "ImageSize")
    if text is not None:
        size = parse_size(text, 1024)
        if size is None or size < 1:
            raise SubmitError(f"image_size = {text}: must be a positive size")
        ctx.set("ImageSize", size)
    else:
        ctx.set("ImageSize", exe_kb)


def set_auto_attributes(ctx: JobContext) -> None:
    ctx.set("MinHosts", 1)
    ctx.set("MaxHosts", 1)
    ctx.set("CurrentHosts", 0)
    # the universes whose jobs can reconnect (universeCanReconnect: vanilla, java, parallel, vm)
    if ctx.universe.number in (5, 10, 11, 13) and not ctx.has("JobLeaseDuration"):
        ctx.set_expr("JobLeaseDuration", ctx.config.default_lease_duration)
    if not ctx.has("JobPrio"):
        ctx.set("JobPrio", 0)
    if ctx.has("SuccessCheckpointExitCode"):  # the starter ignores it without this
        ctx.set("WantFTOnCheckpoint", True)


def set_forced_attributes(ctx: JobContext) -> None:
    """`+Attr = expr` and `MY.Attr = expr`: raw job attributes, set last so that they win."""
    for key, name in ctx.forced:
        text = ctx.param(key)
        ctx.set_expr(name, text or "undefined")  # an empty value is undefined


#: condor_submit's order; each step's reads decide whether it runs once or per proc
STEPS: tuple[Step, ...] = (
    set_iwd, set_executable, set_arguments, set_environment, set_job_status, set_stdin,
    set_stdout, set_stderr,
    set_notification, set_rank, set_policy, set_job_retries, set_kill_sig,
    set_request_resources, set_concurrency_limits, set_accounting_group, set_simple,
    set_image_size, set_transfer_files, set_auto_attributes, set_forced_attributes,
    set_requirements,
)
