#!/usr/bin/env bash
# run-powershell.sh: plans/helpers/HotplanCluster.psm1 and hotplan-cluster.ps1 parsed by
# PowerShell's own parser ([System.Management.Automation.Language.Parser]::ParseFile).
# PowerShell is not in Debian: without `pwsh` the test says so and exits 77 (ctest: skipped);
# run-contract.sh checks the module's verbs, arities and docs without it.
#
# Environment (set by ctest): HOTPLAN_SOURCE_DIR.
set -euo pipefail
: "${HOTPLAN_SOURCE_DIR:?HOTPLAN_SOURCE_DIR must name the source tree}"
SRC=$(cd "$HOTPLAN_SOURCE_DIR" && pwd)
if ! command -v pwsh >/dev/null 2>&1; then
	echo "SKIP: pwsh (PowerShell) is not installed, and Debian has no package of it: HotplanCluster.psm1 was not parsed"
	exit 77
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/hp-pwsh-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
cat >"$TMP/check.ps1" <<'PS'
$failed = 0
foreach ($f in $args) {
    $tokens = $null; $errors = $null
    [void][System.Management.Automation.Language.Parser]::ParseFile($f, [ref]$tokens, [ref]$errors)
    foreach ($e in $errors) { Write-Host "FAIL: ${f}:$($e.Extent.StartLineNumber): $($e.Message)"; $failed = 1 }
}
exit $failed
PS
pwsh -NoProfile -NonInteractive -File "$TMP/check.ps1" "$SRC/plans/helpers/HotplanCluster.psm1" \
	"$SRC/plans/helpers/hotplan-cluster.ps1"
echo "PASS"
