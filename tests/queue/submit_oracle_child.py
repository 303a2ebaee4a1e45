"""Run inside the htcondor 24.0 venv: submit text in (JSON on stdin), job ads out (JSON).

Input: {"texts": [...], "clusterid": C, "qdate": T, "owner": O}; the process runs in the
submit directory with CONDOR_CONFIG and the job's environment set by the caller. Output: one
answer per text, {"ads": [{name: expression text, ...}, ...]} or {"error": "the message HTCondor
gave"}, as a JSON list. This file
imports nothing from the project: it runs under another Python with the first-generation
bindings, whose Submit.jobs() builds job ads with condor_submit's own C++ code (SubmitHash).
"""

import json
import sys
import warnings


def main() -> None:
    request = json.load(sys.stdin)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import htcondor  # the 24.0 bindings: Submit.jobs() exists there only
    answers = []
    for text in request["texts"]:
        try:
            submit = htcondor.Submit(text)
            ads = [{name: str(ad.lookup(name)) for name in ad.keys()}  # noqa: SIM118 (v1 ad)
                   for ad in submit.jobs(clusterid=request["clusterid"], qdate=request["qdate"],
                                         owner=request["owner"])]
        except Exception as e:  # every failure of the C++ code comes back as some exception
            answers.append({"error": f"{type(e).__name__}: {e}"})
        else:
            answers.append({"ads": ads})
    json.dump(answers, sys.stdout)


if __name__ == "__main__":
    main()
