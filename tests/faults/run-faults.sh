#!/usr/bin/env bash
# run-faults.sh: see fault_test.py (the test), inject_faults.c (the LD_PRELOAD shim it
# builds) and tests/run/hp_e2e.py (its helpers). HOTPLAN_FAULTS_QUICK=1 tries every 4th call.
# Environment (set by ctest): HOTPLAN (the binary), HOTPLAN_SOURCE_DIR (the repository).
set -u
command -v python3 >/dev/null 2>&1 || { echo "FAIL: no python3" >&2; exit 1; }
command -v "${CC:-cc}" >/dev/null 2>&1 || { echo "FAIL: no C compiler for the shim" >&2; exit 1; }
exec python3 -B "$(dirname "${BASH_SOURCE[0]}")/fault_test.py" ${HOTPLAN_FAULTS_QUICK:+quick} "$@"
