#!/usr/bin/env bash
# run-contract.sh: the Windows profiles against their helpers (plans/helpers/), without Windows:
# every verb a profile calls exists, takes the arguments the profile passes, and prints what
# the runtime's probes parse (contract.py says how). What this cannot check, and the tests
# that check more where a tool allows (run-vbscript.sh: Wine; run-powershell.sh: pwsh), are in
# docs/profiles.md, "The Windows helpers".
#
# Environment (set by ctest): HOTPLAN, HOTPLAN_SOURCE_DIR.
set -euo pipefail
: "${HOTPLAN:?HOTPLAN must name the hotplan binary}"
: "${HOTPLAN_SOURCE_DIR:?HOTPLAN_SOURCE_DIR must name the source tree}"
HOTPLAN=$(cd "$(dirname "$HOTPLAN")" && pwd)/$(basename "$HOTPLAN")
TMP=$(mktemp -d "${TMPDIR:-/tmp}/hp-windows-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
unset HOTPLAN_PROFILE_PATH || true
python3 -B "$(dirname "${BASH_SOURCE[0]}")/contract.py" "$HOTPLAN" "$HOTPLAN_SOURCE_DIR" "$TMP"
echo "PASS"
