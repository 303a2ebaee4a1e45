"""The configuration templates of `use CATEGORY : name(args)`, and the defaults they refer to.

Each template is the configuration text HTCondor 25 expands it to (the knobs and values listed by
`condor_config_val use CATEGORY:name`); `$(1)`, `$(2+:default)`, `$(0#)` ... are its arguments.
Only the categories and names below exist; anything else is an error naming the line.
"""

from __future__ import annotations

from negotiator.policy.macros import close_paren

#: knobs HTCondor defines by default that the templates' expressions refer to
DEFAULTS: dict[str, str] = {
    "MINUTE": "60",
    "HOUR": "3600",
    "STANDARD": "1",
    "VANILLA": "5",
    "MPI": "8",
    "VM": "13",
    "IsStandard": "(TARGET.JobUniverse == $(STANDARD))",
    "IsVanilla": "(TARGET.JobUniverse == $(VANILLA))",
    "IsMPI": "(TARGET.JobUniverse == $(MPI))",
    "IsVM": "(TARGET.JobUniverse == $(VM))",
    "BigJob": "(TARGET.ImageSize >= (50 * 1024))",
    "MediumJob": "(TARGET.ImageSize >= (15 * 1024) && TARGET.ImageSize < (50 * 1024))",
    "SmallJob": "(TARGET.ImageSize <  (15 * 1024))",
    "BackgroundLoad": "0.3",
    "HighLoad": "0.5",
    "StartIdleTime": "15 * $(MINUTE)",
    "ContinueIdleTime": "5 * $(MINUTE)",
    "MaxSuspendTime": "10 * $(MINUTE)",
    "MaxVacateTime": "10 * $(MINUTE)",
    "StateTimer": "(time() - EnteredCurrentState)",
    "ActivityTimer": "(time() - EnteredCurrentActivity)",
    "IsNegotiator": "true",
    "SUBSYSTEM": "NEGOTIATOR",
}

_FRAGMENTS = """
PolicyExprFragments=1
KeyboardBusy=(KeyboardIdle < $(MINUTE))
ConsoleBusy=(ConsoleIdle  < $(MINUTE))
KeyboardNotBusy=($(KeyboardBusy) == False)
JustCPU=($(CPUBusy) && ($(KeyboardBusy) == False))
MachineBusy=($(CPUBusy) || $(KeyboardBusy))
NonCondorLoadAvg=(LoadAvg - CondorLoadAvg)
CpuIdle=($(NonCondorLoadAvg) <= $(BackgroundLoad))
CpuBusy=($(NonCondorLoadAvg) >= $(HighLoad))
ActivationTimer=ifThenElse(JobStart =!= UNDEFINED, (time() - JobStart), 0)
LastCkpt=(time() - LastPeriodicCheckpoint)
"""

_UWCS_VALUES = """
if ! defined PolicyExprFragments
  use FEATURE : POLICY_EXPR_FRAGMENTS
endif
STARTD_LATCH_EXPRS = $(STARTD_LATCH_EXPRS) CpuBusy
CpuBusyTimer=IfThenElse(CpuBusyValue is 1, time() - CpuBusyTime, 0)
UWCS_WANT_SUSPEND=( $(SmallJob) || $(KeyboardNotBusy) || $(IsVanilla) ) && ( $(SUSPEND) )
UWCS_WANT_VACATE=( $(ActivationTimer) > 10 * $(MINUTE) || $(IsVanilla) )
UWCS_START=( (KeyboardIdle > $(StartIdleTime)) && ( $(CPUIdle) || (State != "Unclaimed" && State != "Owner")) )
UWCS_SUSPEND=( $(KeyboardBusy) || ( ($(CpuBusyTimer) > 2 * $(MINUTE)) && $(ActivationTimer) > 90 ) )
UWCS_CONTINUE=( $(CPUIdle) && ($(ActivityTimer) > 10) && (KeyboardIdle > $(ContinueIdleTime)) )
UWCS_PREEMPT=( ((Activity == "Suspended") && ($(ActivityTimer) > $(MaxSuspendTime))) || (SUSPEND && (WANT_SUSPEND == False)) )
UWCS_MaxJobRetirementTime=0
UWCS_KILL=false
UWCS_PERIODIC_CHECKPOINT=$(LastCkpt) > (3 * $(HOUR) + $RANDOM_INTEGER(-30,30,1) * $(MINUTE) )
UWCS_NEGOTIATOR_PRE_JOB_RANK=(10000000 * My.Rank) + (1000000 * (RemoteOwner =?= UNDEFINED)) - (100000 * Cpus) - Memory
UWCS_NEGOTIATOR_POST_JOB_RANK=(RemoteOwner =?= UNDEFINED) * (ifthenElse(isUndefined(KFlops), 1000, Kflops) - SlotID - 1.0e10*(Offline=?=True))
UWCS_PREEMPTION_REQUIREMENTS=((SubmitterGroup =?= RemoteGroup) && ($(StateTimer) > (1 * $(HOUR))) && (RemoteUserPrio > TARGET.SubmitterUserPrio * 1.2)) || (MY.NiceUser == True)
UWCS_PREEMPTION_RANK=(RemoteUserPrio * 1000000) - ifThenElse(isUndefined(TotalJobRuntime), 0, TotalJobRuntime)
"""

_PREEMPT_IF = """
if !$(1?)
  error : use POLICY : PREEMPT_IF requires an argument. It should be the name of a config variable that has the trigger expression.
endif
if defined PREEMPT
  PREEMPT = $($(1)) || $(PREEMPT)
else
  PREEMPT = $($(1))
endif
MAXJOBRETIREMENTTIME = ifthenelse($($(1)),-1,$(MAXJOBRETIREMENTTIME:0))
if defined WANT_SUSPEND
  WANT_SUSPEND = $($(1)) =!= true && $(WANT_SUSPEND)
else
  WANT_SUSPEND = $($(1)) =!= true
endif
"""

_WANT_HOLD_IF = """
use POLICY : PREEMPT_IF($(1))
if ! $(3?)
  error : use POLICY : WANT_HOLD_IF requires 3 arguments: policy_variable, subcode, reason_text
endif
if defined WANT_HOLD
  WANT_HOLD = (JobUniverse != 1 && $($(1))) || $(WANT_HOLD)
else
  WANT_HOLD = (JobUniverse != 1 && $($(1)))
endif
WANT_HOLD_SUBCODE = ifThenElse($($(1)), $(2) , $(WANT_HOLD_SUBCODE:UNDEFINED))
WANT_HOLD_REASON = ifThenElse($($(1)), "$(3+)", $(WANT_HOLD_REASON:UNDEFINED))
"""


def _exceeded(kind: str, trigger: str, subcode: int, reason: str) -> tuple[str, str]:
    name = f"{kind.upper()}_EXCEEDED"
    preempt = f"{name} = {trigger}\nuse POLICY : PREEMPT_IF({name})\n"
    hold = (
        f"{name} = {trigger}\nHOLD_REASON_{name} = {reason}\n"
        f"use POLICY : WANT_HOLD_IF( {name}, $(HOLD_SUBCODE_{name}:{subcode}), "
        f"$(HOLD_REASON_{name}) )\n"
    )
    return preempt, hold


_MEMORY = _exceeded(
    "memory",
    "(JobUniverse != 13 && MemoryUsage =!= UNDEFINED && MemoryUsage > Memory)",
    102,
    "memory usage exceeded request_memory",
)
_DISK = _exceeded(
    "disk",
    "(JobUniverse != 13 && DiskUsage =!= UNDEFINED && DiskUsage > Disk)",
    104,
    "disk usage exceeded allocated disk",
)
_CPUS = _exceeded("cpu", "(CpusUsage > Cpus + 0.8)", 101, "CPU usage exceeded request_cpus")
_PUBLISH_CPUS = (
    'CpusUsage = ifthenelse(TotalLoadAvg > 0.0 && Activity!="Idle", '
    "CondorLoadAvg/TotalLoadAvg*MIN({TotalLoadAvg, $(DETECTED_CORES)}), 0)\n"
    "STARTD_ATTRS = $(STARTD_ATTRS) CpusUsage\n"
)

#: TEMPLATES[category][name], both upper-cased
TEMPLATES: dict[str, dict[str, str]] = {
    "ROLE": {
        "PERSONAL": "CONDOR_HOST=127.0.0.1\nCOLLECTOR_HOST=$(CONDOR_HOST):0\n"
        "DAEMON_LIST=MASTER COLLECTOR NEGOTIATOR STARTD SCHEDD\nRunBenchmarks=0\n",
        "EXECUTE": "DAEMON_LIST=$(DAEMON_LIST) STARTD\n",
        "SUBMIT": "DAEMON_LIST=$(DAEMON_LIST) SCHEDD\n",
        "CENTRALMANAGER": "DAEMON_LIST=$(DAEMON_LIST) COLLECTOR NEGOTIATOR\n",
    },
    "POLICY": {
        "ALWAYS_RUN_JOBS": "WANT_SUSPEND=False\nWANT_VACATE=True\nSUSPEND=False\nCONTINUE=True\n"
        "PREEMPT=False\nSTART=True\nKILL=False\nPREEMPTION_REQUIREMENTS=False\n"
        "NEGOTIATOR_CONSIDER_PREEMPTION=False\nMaxJobRetirementTime=2147483647\n"
        "CLAIM_WORKLIFE=1200\n",
        "DESKTOP": """
if ! defined PolicyExprFragments
  use FEATURE : POLICY_EXPR_FRAGMENTS
endif
STARTD_LATCH_EXPRS = $(STARTD_LATCH_EXPRS) CpuBusy
CpuBusyTimer=IfThenElse(CpuBusyValue is 1, time() - CpuBusyTime, 0)
WANT_SUSPEND=($(SmallJob) || $(KeyboardNotBusy) || $(IsVanilla) ) && ( $(SUSPEND))
WANT_VACATE=$(ActivationTimer) > 600 || $(IsVanilla)
SUSPEND=($(KeyboardBusy) || ( ($(CpuBusyTimer) > 120) && $(ActivationTimer) > 90))
CONTINUE=($(CPUIdle) && ($(ActivityTimer) > 10) && (KeyboardIdle > $(ContinueIdleTime)))
PREEMPT=(((Activity == "Suspended") && ($(ActivityTimer) > $(MaxSuspendTime))) || (SUSPEND && (WANT_SUSPEND == False)))
START=((KeyboardIdle > $(StartIdleTime)) && ( $(CPUIdle) || (State != "Unclaimed" && State != "Owner")) )
KILL=False
MaxJobRetirementTime=0
CLAIM_WORKLIFE=
SLOTS_CONNECTED_TO_KEYBOARD=$(NUM_CPUS)
SLOTS_CONNECTED_TO_CONSOLE=$(NUM_CPUS)
IS_OWNER=(START =?= False)
""",
        "UWCS_DESKTOP": """
use FEATURE : UWCS_DESKTOP_POLICY_VALUES
WANT_SUSPEND=$(UWCS_WANT_SUSPEND)
WANT_VACATE=$(UWCS_WANT_VACATE)
SUSPEND=$(UWCS_SUSPEND)
CONTINUE=$(UWCS_CONTINUE)
PREEMPT=$(UWCS_PREEMPT)
START=$(UWCS_START)
KILL=$(UWCS_KILL)
PERIODIC_CHECKPOINT=$(UWCS_PERIODIC_CHECKPOINT)
PREEMPTION_REQUIREMENTS=$(UWCS_PREEMPTION_REQUIREMENTS)
PREEMPTION_RANK=$(UWCS_PREEMPTION_RANK)
NEGOTIATOR_PRE_JOB_RANK=$(UWCS_NEGOTIATOR_PRE_JOB_RANK)
NEGOTIATOR_POST_JOB_RANK=$(UWCS_NEGOTIATOR_POST_JOB_RANK)
MaxJobRetirementTime=$(UWCS_MaxJobRetirementTime)
CLAIM_WORKLIFE=$(UWCS_CLAIM_WORKLIFE)
SLOTS_CONNECTED_TO_KEYBOARD=$(NUM_CPUS)
IS_OWNER=(START =?= False)
""",
        "LIMIT_JOB_RUNTIMES": "MAX_JOB_RUNTIME=$(1:24*3600)\n"
        "MaxJobRetirementTime=$(MAX_JOB_RUNTIME)+120\n"
        'PREEMPT=(Activity == "Busy") && ((time() - EnteredCurrentActivity) > $(MAX_JOB_RUNTIME))\n',
        "PREEMPT_IF_RUNTIME_EXCEEDS": "MAX_JOB_RUNTIME = $(1:24*3600)\n"
        'PREEMPT_RUNTIME_EXCEEDS = (JobState == "Running") && '
        "((time() - JobCurrentStartDate) > $(MAX_JOB_RUNTIME))\n"
        "use policy : PREEMPT_IF( PREEMPT_RUNTIME_EXCEEDS )\n",
        "HOLD_IF_RUNTIME_EXCEEDS": "MAX_JOB_RUNTIME = $(1:24*3600)\n"
        "HOLD_REASON_RUNTIME_EXCEEDS = runtime exceeded maximum ($(MAX_JOB_RUNTIME) seconds)\n"
        'HOLD_RUNTIME_EXCEEDS = (JobState == "Running") && '
        "((time() - JobCurrentStartDate) > $(MAX_JOB_RUNTIME))\n"
        "use policy : WANT_HOLD_IF( HOLD_RUNTIME_EXCEEDS, "
        "$(HOLD_SUBCODE_RUNTIME_EXCEEDS:103), $(HOLD_REASON_RUNTIME_EXCEEDS) )\n",
        "PREEMPT_IF_MEMORY_EXCEEDED": _MEMORY[0],
        "HOLD_IF_MEMORY_EXCEEDED": _MEMORY[1],
        "PREEMPT_IF_DISK_EXCEEDED": _DISK[0],
        "HOLD_IF_DISK_EXCEEDED": _DISK[1],
        "STARTD_PUBLISH_CPUSUSAGE": _PUBLISH_CPUS,
        "PREEMPT_IF_CPUS_EXCEEDED": "use POLICY : STARTD_PUBLISH_CpusUsage\n" + _CPUS[0],
        "HOLD_IF_CPUS_EXCEEDED": "use POLICY : STARTD_PUBLISH_CpusUsage\n" + _CPUS[1],
        "PREEMPT_IF": _PREEMPT_IF,
        "WANT_HOLD_IF": _WANT_HOLD_IF,
    },
    "FEATURE": {
        "POLICY_EXPR_FRAGMENTS": _FRAGMENTS,
        "UWCS_DESKTOP_POLICY_VALUES": _UWCS_VALUES,
        "TESTINGMODE_POLICY_VALUES": "TESTINGMODE_WANT_SUSPEND=False\n"
        "TESTINGMODE_WANT_VACATE=True\nTESTINGMODE_START=True\nTESTINGMODE_SUSPEND=False\n"
        "TESTINGMODE_CONTINUE=True\nTESTINGMODE_PREEMPT=False\nTESTINGMODE_KILL=False\n"
        "TESTINGMODE_PERIODIC_CHECKPOINT=False\nTESTINGMODE_PREEMPTION_REQUIREMENTS=False\n"
        "TESTINGMODE_PREEMPTION_RANK=0\nTESTINGMODE_CLAIM_WORKLIFE=1200\n",
        "PARTITIONABLESLOT": "NUM_SLOTS_TYPE_$(1:1)=1\nSLOT_TYPE_$(1:1)_PARTITIONABLE=true\n"
        "SLOT_TYPE_$(1:1)=$(2+:100%)\n",
        "STATICSLOTS": "NUM_SLOTS_TYPE_$(1:1)=$(2:$(NUM_CPUS))\n"
        "SLOT_TYPE_$(1:1)_PARTITIONABLE=false\n"
        "SLOT_TYPE_$(1:1)=$(3+:1/$(NUM_SLOTS_TYPE_$(1:1)))\n",
        "GPUS": "MACHINE_RESOURCE_INVENTORY_GPUs=$(LIBEXEC)/condor_gpu_discovery $(1) "
        "-properties $(GPU_DISCOVERY_EXTRA)\n"
        "ENVIRONMENT_FOR_AssignedGPUs=GPU_DEVICE_ORDINAL=/(CUDA|OCL)//  CUDA_VISIBLE_DEVICES=/CUDA//\n"
        "ENVIRONMENT_VALUE_FOR_UnAssignedGPUs=10000\nuse feature : GPUsMonitor\n",
        "GPUSMONITOR": "use feature : Monitor( GPUs, WaitForExit, 300, $(GPU_MONITOR), "
        "SUM:GPUs, PEAK:GPUsMemory )\nSTARTD_CRON_GPUs_MONITOR_CONDITION = TotalGPUs > 0\n"
        "STARTD_JOB_ATTRS = $(STARTD_JOB_ATTRS) GPUsUsage GPUsMemoryUsage\n",
        "MONITOR": "if ! $(5?)\n  error: use feature : monitor requires five or more arguments\n"
        "endif\nSTARTD_CRON_JOBLIST = $(STARTD_CRON_JOBLIST) $(1)_MONITOR\n"
        "STARTD_CRON_$(1)_MONITOR_MODE = $(2)\nSTARTD_CRON_$(1)_MONITOR_PERIOD = $(3)\n"
        "STARTD_CRON_$(1)_MONITOR_EXECUTABLE = $(4)\nSTARTD_CRON_$(1)_MONITOR_METRICS = $(5+)\n",
        "REMOTE_RUNTIME_CONFIG": "ENABLE_RUNTIME_CONFIG=True\nALLOW_CONFIG=$(ALLOW_ADMINISTRATOR)\n"
        "if $(0#)\n  SETTABLE_ATTRS_CONFIG=$(SETTABLE_ATTRS_CONFIG) $(0)\nendif\n",
        "REMOTE_CONFIG": "ENABLE_PERSISTENT_CONFIG=True\nPERSISTENT_CONFIG_DIR=$(SPOOL)\n"
        "use FEATURE : REMOTE_RUNTIME_CONFIG($(0))\n",
        "SCHEDDUSERMAPFILE": "if ! $(2?)\n  error : use FEATURE : ScheddUsermapFile requires "
        "2 arguments: map_name, map_file\nendif\n"
        "SCHEDD_CLASSAD_USER_MAP_NAMES = $(SCHEDD_CLASSAD_USER_MAP_NAMES) $(1)\n"
        "CLASSAD_USER_MAPFILE_$(1) = $(2)\n",
    },
    "SECURITY": {
        "HOST_BASED": "ALLOW_ADMINISTRATOR=$(CONDOR_HOST)\nALLOW_READ=*\n"
        "ALLOW_WRITE=$(FULL_HOSTNAME) $(IPV4_ADDRESS) $(IPV6_ADDRESS)\n"
        "ALLOW_DAEMON=$(FULL_HOSTNAME) $(IPV4_ADDRESS) $(IPV6_ADDRESS)\n"
        "ALLOW_NEGOTIATOR=$(CONDOR_HOST)\n"
        "ALLOW_NEGOTIATOR_SCHEDD=$(ALLOW_NEGOTIATOR) $(FLOCK_NEGOTIATOR_HOSTS)\n"
        "ALLOW_WRITE_COLLECTOR=$(ALLOW_WRITE) $(FLOCK_FROM)\n"
        "ALLOW_WRITE_STARTD=$(ALLOW_WRITE) $(FLOCK_FROM)\n"
        "ALLOW_READ_COLLECTOR=$(ALLOW_READ) $(FLOCK_FROM)\n"
        "ALLOW_READ_STARTD=$(ALLOW_READ) $(FLOCK_FROM)\nLEGACY_ALLOW_SEMANTICS = TRUE\n",
        "WITH_AUTHENTICATION": "SEC_DEFAULT_AUTHENTICATION=required\n"
        "SEC_DEFAULT_INTEGRITY=required\n",
        "STRONG": "SEC_DEFAULT_ENCRYPTION=required\nSEC_DEFAULT_INTEGRITY=required\n"
        "SEC_DEFAULT_AUTHENTICATION=required\n",
        "USER_BASED": "if $(CondorIsAdmin)\n  authuser=condor\nelse\n  authuser=$(USERNAME)\n"
        "endif\nALLOW_ADMINISTRATOR=$(authuser)@$(CONDOR_HOST)\nALLOW_READ=*\n"
        "ALLOW_WRITE=$(authuser)@$(FULL_HOSTNAME) $(authuser)@$(IP_ADDRESS)\n"
        "ALLOW_DAEMON=$(authuser)@$(FULL_HOSTNAME) $(authuser)@$(IP_ADDRESS)\n"
        "ALLOW_NEGOTIATOR=$(authuser)@$(CONDOR_HOST)\n"
        "ALLOW_NEGOTIATOR_SCHEDD=$(ALLOW_NEGOTIATOR) $(FLOCK_NEGOTIATOR_HOSTS)\n"
        "ALLOW_WRITE_COLLECTOR=$(ALLOW_WRITE) $(FLOCK_FROM)\n"
        "ALLOW_WRITE_STARTD=$(ALLOW_WRITE) $(FLOCK_FROM)\n"
        "ALLOW_READ_COLLECTOR=$(ALLOW_READ) $(FLOCK_FROM)\n"
        "ALLOW_READ_STARTD=$(ALLOW_READ) $(FLOCK_FROM)\nuse SECURITY:WITH_AUTHENTICATION\n",
        "RECOMMENDED_V9_0": "SECURITY_MODEL = 9.0\nuse security:strong\n"
        "SEC_READ_AUTHENTICATION = OPTIONAL\nSEC_READ_ENCRYPTION = OPTIONAL\n"
        "SEC_READ_INTEGRITY = OPTIONAL\n"
        "ALLOW_ADMINISTRATOR = $(1:condor)@* condor_pool@* $(2:root@*) $(3+)\n"
        "ALLOW_DAEMON = $(1:condor)@*  condor_pool@*\n"
        "ALLOW_NEGOTIATOR = $(1:condor)@* condor_pool@*\nALLOW_WRITE = *\nALLOW_READ = *\n",
        "FIPS": "FIPS = True\nuse security:strong\nSEC_DEFAULT_CRYPTO_METHODS = AES,3DES\n",
    },
}


def template(category: str, name: str) -> str | None:
    """The text of `use CATEGORY : name`, or None when there is no such template."""
    return TEMPLATES.get(category.upper(), {}).get(name.upper())


def substitute_arguments(text: str, args: list[str]) -> str:
    """Put a template's arguments in: $(0) all, $(0#) count, $(N), $(N?) given, $(N+) from N on;
    each may carry a `:default` (itself possibly holding macros)."""
    out: list[str] = []
    i = 0
    while True:
        j = text.find("$(", i)
        if j < 0:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i:j])
        k = j + 2
        if k < len(text) and text[k].isdigit():
            number, k = int(text[k]), k + 1
            kind = text[k] if k < len(text) and text[k] in "?#+" else ""
            k += len(kind)
            if k < len(text) and text[k] in ":)":
                end = close_paren(text, j + 2)
                end = len(text) if end < 0 else end
                default = text[k + 1:end - 1] if text[k] == ":" else None
                out.append(_argument(args, number, kind, default))
                i = end
                continue
        out.append("$(")
        i = j + 2


def _argument(args: list[str], number: int, kind: str, default: str | None) -> str:
    given = [a.strip() for a in args]
    if kind == "#":
        return str(len(given)) if number == 0 else "1" if number <= len(given) else "0"
    if kind == "?":
        if number == 0:
            return "1" if any(given) else "0"
        return "1" if number <= len(given) and given[number - 1] else "0"
    if number == 0 or kind == "+":
        start = max(0, number - 1)
        value = ", ".join(given[start:]) if len(given) > start else ""
    else:
        value = given[number - 1] if number <= len(given) else ""
    if not value and default is not None:
        return substitute_arguments(default, args)
    return value
