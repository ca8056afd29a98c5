# lib.sh: what the tests/fleet/run-*.sh scripts share (docs/fleets.md). Source it from bash.
#
# Each test runs in its own temporary directory ($TMP) with the run state inside it
# (HOTPLAN_STATE_DIR). sim_inventory writes an inventory of simulated stand-alone servers for
# the canonical plan; fleet_local_profile and local_target, one of local: targets, each with a
# lock of its own; run, says, expect_statuses help judge a fleet.
#
# Environment (set by ctest): HOTPLAN, HOTPLAN_SOURCE_DIR.
set -euo pipefail

: "${HOTPLAN:?HOTPLAN must name the hotplan binary}"
: "${HOTPLAN_SOURCE_DIR:?HOTPLAN_SOURCE_DIR must name the source tree}"
HOTPLAN=$(cd "$(dirname "$HOTPLAN")" && pwd)/$(basename "$HOTPLAN")
SRC=$(cd "$HOTPLAN_SOURCE_DIR" && pwd)
PLAN=$SRC/plans/ese-hotfix.hplan
TMP=$(mktemp -d "${TMPDIR:-/tmp}/hp-fleet-XXXXXX")
export HOTPLAN_STATE_DIR=$TMP/state
unset HOTPLAN_SSH_OPTIONS || true
PIDS=()

fleet_cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	rm -rf "$TMP"
}
trap fleet_cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	if [[ -s $TMP/out.txt ]]; then
		echo "---- last output:" >&2
		cat "$TMP/out.txt" >&2
	fi
	exit 1
}

# sim_inventory FILE N: targets t1..tN, simulated stand-alone Exchange servers.
sim_inventory() {
	local f=$1 n=$2 i
	: >"$f"
	for ((i = 1; i <= n; i++)); do
		cat >>"$f" <<INV
target t$i standalone {
    node "t$i"
    store "First Storage Group/Mailbox Store (SIM)"
    store "First Storage Group/Public Folder Store (SIM)"
    store "Second Storage Group/Mailbox Store (SIM)"
    fact exchange.version = 6.5.7226.0
    set affected = "First Storage Group/Mailbox Store (SIM)"
}
INV
	done
}

# fleet_local_profile: the profile "fleet-local" in $TMP/profiles (HOTPLAN_PROFILE_PATH): local:
# targets are all this machine, whose lock they share; with it each target plays a machine of
# its own, its lock in the directory its fact lockdir names.
fleet_local_profile() {
	mkdir -p "$TMP/profiles"
	cat >"$TMP/profiles/fleet-local.hplan" <<'PROFILE'
profile "fleet-local" {
    shell "sh"
    lock "${fact.lockdir}/hotplan.lock"
}
PROFILE
	export HOTPLAN_PROFILE_PATH=$TMP/profiles
}

# local_target NAME DIR [LINE...]: an inventory's target NAME (printed), a local: node with the
# fleet-local profile, its lock and its param dir in DIR (made here); each LINE (`set nap =
# "0.4"`) added to it.
local_target() {
	local name=$1 dir=$2 line
	shift 2
	mkdir -p "$dir"
	cat <<INV
target $name standalone {
    profile "fleet-local"
    node "$name" address "local:"
    fact lockdir = "$dir"
    set dir = "$dir"
INV
	for line in "$@"; do
		printf '    %s\n' "$line"
	done
	echo "}"
}

# run EXPECTED_RC ARGS...: hotplan ARGS, output in $TMP/out.txt, exit code checked.
run() {
	local want=$1 rc=0
	shift
	"$HOTPLAN" "$@" >"$TMP/out.txt" 2>&1 </dev/null || rc=$?
	[[ $rc == "$want" ]] || fail "hotplan $* exited with $rc, expected $want"
}

says() {
	grep -qF -- "$1" "$TMP/out.txt" || fail "the output does not say: $1"
}

# statuses REPORT.json: "name=status" per target, sorted by name.
statuses() {
	python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(" ".join(sorted("%s=%s" % (t["target"], t["status"]) for t in r["targets"])))' "$1"
}

# expect_statuses REPORT.json "t1=completed t2=…" (sorted by name as sort(1) would)
expect_statuses() {
	local got
	got=$(statuses "$1")
	[[ $got == "$2" ]] || fail "statuses: got '$got', expected '$2'"
}

# The journal of the fleet whose output is in $TMP/out.txt.
fleet_journal() { sed -n 's/^fleet .*; journal //p' "$TMP/out.txt" | head -n 1; }
