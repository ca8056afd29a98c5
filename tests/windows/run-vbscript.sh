#!/usr/bin/env bash
# run-vbscript.sh: plans/helpers/hotplan.vbs run in Wine's cscript, an independent VBScript
# engine (vbscript.py says what is checked). Without Wine (Debian's wine64, which ./test.sh
# installs) the test says so and exits 77: ctest reports it skipped.
#
# Environment (set by ctest): HOTPLAN, HOTPLAN_SOURCE_DIR.
set -euo pipefail
: "${HOTPLAN:?HOTPLAN must name the hotplan binary}"
: "${HOTPLAN_SOURCE_DIR:?HOTPLAN_SOURCE_DIR must name the source tree}"
HOTPLAN=$(cd "$(dirname "$HOTPLAN")" && pwd)/$(basename "$HOTPLAN")
SRC=$(cd "$HOTPLAN_SOURCE_DIR" && pwd)

WINE=
for w in wine64 /usr/lib/wine/wine64 wine; do
	if command -v "$w" >/dev/null 2>&1; then
		WINE=$(command -v "$w")
		break
	fi
done
if [[ -z $WINE ]]; then
	echo "SKIP: Wine is not installed (Debian: wine64): hotplan.vbs was not run in a VBScript engine"
	exit 77
fi
WINESERVER=$(dirname "$WINE")/wineserver
command -v "$WINESERVER" >/dev/null 2>&1 || WINESERVER=$(command -v wineserver || true)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/hp-wine-XXXXXX")
export WINEPREFIX=$TMP/prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY HOTPLAN_PROFILE_PATH || true
cleanup() {
	# the wineserver of this prefix, which the first wine command started
	if [[ -n $WINESERVER ]]; then "$WINESERVER" -k 2>/dev/null || true; fi
	rm -rf "$TMP"
}
trap cleanup EXIT

# a new prefix (C:\windows with Wine's own cscript, scrrun, wshom, vbscript), made to the end
# before anything runs in it (wineboot finishes in the background otherwise), then one
# wineserver for all the runs, and the helper where the profiles expect it
"$WINE" wineboot.exe --init >/dev/null 2>&1 || true
if [[ -n $WINESERVER ]]; then
	"$WINESERVER" -w
	"$WINESERVER" -p 60
fi
mkdir -p "$WINEPREFIX/drive_c/hotplan"
cp "$SRC/plans/helpers/hotplan.vbs" "$WINEPREFIX/drive_c/hotplan/"

python3 -B "$(dirname "${BASH_SOURCE[0]}")/vbscript.py" "$WINE" "$HOTPLAN" "$SRC" "$TMP"
echo "PASS"
