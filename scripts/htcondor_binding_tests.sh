#!/usr/bin/env bash
# Run HTCondor's own Python-binding ClassAd tests against this package's `import classad`.
# Usage: scripts/htcondor_binding_tests.sh /path/to/htcondor-checkout [classad|classad2]
# The test files are copied from the checkout into a temporary directory with their import
# line pointed at the module named (default: classad, this package); nothing is kept.
set -euo pipefail
src=${1:?usage: $0 /path/to/htcondor-checkout [classad|classad2]}
module=${2:-classad}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for f in test_python_bindings_classad.py test_classads.py test_classad_version_comparison.py; do
    git -C "$src" show "HEAD:src/condor_tests/$f" |
        sed -e "s/^import classad2 as classad\$/import $module as classad/" \
            -e "s/^from htcondor2 import classad\$/import $module as classad/" \
            -e "s/^import classad\$/import $module as classad/" \
            -e "s/^import htcondor\$/import htcondor2/" > "$work/$f"
done
cd "$work"
PYTHONPATH="$here" "$here/.venv/bin/python" -m pytest -q -p no:randomly -p no:cacheprovider -W ignore .
