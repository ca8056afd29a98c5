#!/usr/bin/env bash
# run-library.sh: the Windows profiles' keys for lib/windows-failover-cluster.hplan (windows-2003
# through cluster.exe and hotplan.vbs, windows-failover-cluster through hotplan-cluster.ps1)
# against the library, the helpers' documented verbs and the runtime (library.py says how).
#
# Environment (set by ctest): HOTPLAN, HOTPLAN_SOURCE_DIR.
set -euo pipefail
: "${HOTPLAN:?HOTPLAN must name the hotplan binary}"
: "${HOTPLAN_SOURCE_DIR:?HOTPLAN_SOURCE_DIR must name the source tree}"
HOTPLAN=$(cd "$(dirname "$HOTPLAN")" && pwd)/$(basename "$HOTPLAN")
SRC=$(cd "$HOTPLAN_SOURCE_DIR" && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/hp-winlib-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
unset HOTPLAN_PROFILE_PATH || true
python3 -B "$(dirname "${BASH_SOURCE[0]}")/library.py" "$HOTPLAN" "$SRC" "$TMP"
echo "PASS"
