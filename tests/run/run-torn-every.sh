#!/usr/bin/env bash
# run-torn-every.sh: see torn_test.py (the test) and hp_e2e.py (its helpers): the last record
# of a stopped run's journal cut at every byte offset, each copy resumed.
# HOTPLAN_TORN_QUICK=1 cuts at every 7th offset only.
# Environment (set by ctest): HOTPLAN (the binary), HOTPLAN_SOURCE_DIR (the repository).
set -u
command -v python3 >/dev/null 2>&1 || { echo "FAIL: no python3" >&2; exit 1; }
exec python3 -B "$(dirname "${BASH_SOURCE[0]}")/torn_test.py" ${HOTPLAN_TORN_QUICK:+quick} "$@"
