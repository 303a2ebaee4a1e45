"""condor_submit's own C++ code as a test oracle: submit text in, the job ads it makes out.

The first-generation HTCondor bindings (`htcondor` 24.0 on PyPI; removed in 25) build job
ads without a schedd through `htcondor.Submit(text).jobs(...)`, the SubmitHash code that
condor_submit runs. They conflict with the htcondor 25 package the project uses as its
ClassAd oracle, so they live in a venv of their own and run here through a subprocess
(submit_oracle_child.py). `.ci/run` makes that venv; elsewhere:

    python3 -m venv /tmp/classad-pool-submit-oracle-24.0.24
    /tmp/classad-pool-submit-oracle-24.0.24/bin/pip install htcondor==24.0.24

$SUBMIT_ORACLE_PYTHON names the venv's python (default: the path above). Without it the
tests skip, unless CLASSAD_POOL_REQUIRE_SUBMIT_ORACLE=1 (CI), when they fail.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

#: the htcondor release whose bindings still have Submit.jobs()
VERSION = "24.0.24"
DEFAULT_PYTHON = f"/tmp/classad-pool-submit-oracle-{VERSION}/bin/python"
CHILD = Path(__file__).with_name("submit_oracle_child.py")
#: seconds one oracle run may take
TIMEOUT = 120
#: the submit host's configuration, the same on both sides (negotiator.queue SubmitConfig's
#: defaults): without it the domains would be the host's name and Arch/OpSys the host's; the
#: request defaults are HTCondor 25's (param_info.in), which we emulate: 24.0's were
#: `ifthenelse(MemoryUsage =!= UNDEFINED, ...)` and `DiskUsage`.
CONFIG = """\
FILESYSTEM_DOMAIN = localdomain
UID_DOMAIN = localdomain
ARCH = X86_64
OPSYS = LINUX
JOB_DEFAULT_REQUESTMEMORY = 128
JOB_DEFAULT_REQUESTDISK = MAX({1024, (TransferInputSizeMB+1) * 1.25}) * 1024
"""


class OracleRefused(Exception):
    """HTCondor's submit code rejected the submit description (the message is HTCondor's)."""


def oracle_python() -> str:
    return os.environ.get("SUBMIT_ORACLE_PYTHON") or DEFAULT_PYTHON


def unavailable_reason() -> str | None:
    """Why the oracle cannot run here, or None when it can."""
    python = oracle_python()
    if not os.access(python, os.X_OK):
        return (f"no submit oracle python at {python} (set SUBMIT_ORACLE_PYTHON, or make a venv "
                f"with htcondor=={VERSION}: see tests/queue/submit_oracle.py)")
    probe = subprocess.run(
        [python, "-I", "-W", "ignore", "-c", "import htcondor; print(htcondor.__version__)"],
        capture_output=True, text=True, timeout=TIMEOUT, check=False,
        env={"PATH": os.environ.get("PATH", ""), "CONDOR_CONFIG": "/dev/null"})
    if probe.returncode != 0 or probe.stdout.strip() != VERSION:
        return (f"{python} does not import htcondor {VERSION}: "
                f"{(probe.stdout + probe.stderr).strip()[-300:]}")
    return None


def oracle_ads(texts: list[str], submit_dir: Path, config: Path, env: Mapping[str, str], *,
               clusterid: int, qdate: int, owner: str) -> list[list[dict[str, str]] | OracleRefused]:
    """For each submit text, the job ads HTCondor makes when it is submitted from
    `submit_dir` (each ad as {attribute name: expression text}), or OracleRefused when HTCondor
    rejects it. One process serves them all."""
    request = {"texts": texts, "clusterid": clusterid, "qdate": qdate, "owner": owner}
    run = subprocess.run(
        [oracle_python(), "-I", str(CHILD)], input=json.dumps(request), capture_output=True,
        text=True, cwd=submit_dir, timeout=TIMEOUT, check=False,
        env={**env, "CONDOR_CONFIG": str(config)})
    if run.returncode != 0:
        raise RuntimeError(f"the submit oracle failed ({run.returncode}): {run.stderr[-2000:]}")
    answers = json.loads(run.stdout)
    return [OracleRefused(a["error"]) if "error" in a else a["ads"] for a in answers]
