#!/usr/bin/env bash
# run-simstate.sh: see simstate_test.py (the test) and hp_e2e.py (its helpers).
# Environment (set by ctest): HOTPLAN (the binary), HOTPLAN_SOURCE_DIR (the repository).
set -u
command -v python3 >/dev/null 2>&1 || { echo "FAIL: no python3" >&2; exit 1; }
exec python3 -B "$(dirname "${BASH_SOURCE[0]}")/simstate_test.py" "$@"
