# lib.sh: what the tests/local/run-*.sh scripts share. Source it from bash.
#
# Each test runs in its own temporary directory ($TMP) with the run state inside it
# (HOTPLAN_STATE_DIR), its own target lock (HOTPLAN_LOCK_PATH), the profiles of the source
# tree (HOTPLAN_PROFILE_PATH), and sandboxes
# under "$TMP/sand box's" (a space and a quote in every path the profiles quote). The
# posix-test helper is the build's (tools/) or, when the build has none, compiled here.
# The EXIT trap stops the store daemons the test started (by the pids in their sandboxes)
# and removes $TMP.
#
# Environment (set by ctest): HOTPLAN, HOTPLAN_SOURCE_DIR, HOTPLAN_BUILD_DIR.
set -euo pipefail

: "${HOTPLAN:?HOTPLAN must name the hotplan binary}"
: "${HOTPLAN_SOURCE_DIR:?HOTPLAN_SOURCE_DIR must name the source tree}"
HOTPLAN=$(cd "$(dirname "$HOTPLAN")" && pwd)/$(basename "$HOTPLAN")
SRC=$(cd "$HOTPLAN_SOURCE_DIR" && pwd)
PLAN=$SRC/plans/ese-hotfix.hplan
TMP=$(mktemp -d "${TMPDIR:-/tmp}/hp-local-XXXXXX")
SB="$TMP/sand box's"
export HOTPLAN_STATE_DIR=$TMP/state HOTPLAN_PROFILE_PATH=$SRC/plans/profiles HOTPLAN_SANDBOX=$SB
# the target lock of local: and ssh:// nodes that name none in their profile (docs/locks.md):
# this test's, not the machine's /var/lib/hotplan/lock
export HOTPLAN_LOCK_PATH=$TMP/target/lock
unset HOTPLAN_SSH_OPTIONS || true
mkdir -p "$SB"

MAILBOX="First Storage Group/Mailbox Store"
PUBLIC="First Storage Group/Public Folder Store"
SECOND="Second Storage Group/Mailbox Store"

fail() {
	echo "FAIL: $*" >&2
	if [[ -s $TMP/out.txt ]]; then
		echo "---- last output:" >&2
		cat "$TMP/out.txt" >&2
	fi
	exit 1
}

# The daemons of every sandbox under $TMP, stopped by pid (after the background "boots"
# of restarted nodes are done), then $TMP removed.
local_cleanup() {
	local pidf pid i
	for i in $(seq 1 50); do
		compgen -G "$TMP/*/*/run/restarting" >/dev/null || break
		sleep 0.1
	done
	while IFS= read -r -d '' pidf; do
		pid=$(cat "$pidf" 2>/dev/null || true)
		if [[ $pid =~ ^[0-9]+$ ]] && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == store.exe ]]; then
			kill -TERM "$pid" 2>/dev/null || true
		fi
	done < <(find "$TMP" -path '*/run/store.pid' -print0 2>/dev/null)
	sleep 0.2
	rm -rf "$TMP"
}
trap local_cleanup EXIT

# The helper: the build's, or compiled from the source.
HPT=${HOTPLAN_BUILD_DIR:+$HOTPLAN_BUILD_DIR/tools/hotplan-posix-test}
if [[ -z $HPT || ! -x $HPT ]]; then
	HPT=$TMP/hotplan-posix-test
	${CC:-cc} -std=gnu11 -O1 -o "$HPT" "$SRC/tools/hotplan-posix-test.c" || fail "cannot build the posix-test helper"
fi

hpt() { "$HPT" "$@"; }

# A stand-alone server NAME with the three stores, its Information Store running.
make_server() {
	local name=$1
	shift
	hpt "$SB/$name" init --node "$name" --store "$MAILBOX" --store "$PUBLIC" --store "$SECOND" "$@" >/dev/null
	hpt "$SB/$name" start-service MSExchangeIS
}

# run EXPECTED_RC ARGS...: hotplan ARGS, output in $TMP/out.txt, exit code checked.
run() {
	local want=$1 rc=0
	shift
	"$HOTPLAN" "$@" >"$TMP/out.txt" 2>&1 </dev/null || rc=$?
	if [[ $rc != "$want" ]]; then
		fail "hotplan $* exited with $rc, expected $want"
	fi
}

# The output holds a fixed string.
says() {
	grep -qF -- "$1" "$TMP/out.txt" || fail "the output does not say: $1"
}

daemon_pid() { cat "$1/run/store.pid"; }

# Every store of sandbox $1 is held open by its running daemon (/proc/PID/fd).
holds_all() {
	local sb=$1 pid edb real found
	pid=$(daemon_pid "$sb")
	is_store_exe "$pid" || fail "pid $pid is not a running store.exe"
	for edb in "$sb"/stores/*.edb; do
		real=$(realpath "$edb")
		found=no
		for fd in /proc/"$pid"/fd/*; do
			[[ $(readlink "$fd") == "$real" ]] && found=yes
		done
		[[ $found == yes ]] || fail "the daemon (pid $pid) does not hold $edb"
	done
}

write_inventory() { cat >"$TMP/$1"; }

# Is pid $1 a live store.exe (not a zombie waiting for init)?
is_store_exe() {
	local st
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[[ -n $st && $st != Z && $st != X && $(cat "/proc/$1/comm" 2>/dev/null) == store.exe ]]
}

# lock_plan NAME: NAME.hplan (in the current directory), whose one step marks that it started
# (NAME in $TMP/started), waits for $TMP/go, then logs NAME in $TMP/ran: a run that holds its
# target's lock as long as the test wants (tests of the target lock, docs/locks.md)
lock_plan() {
	cat >"$1.hplan" <<PLAN
plan $1 "Wait for go" {
    procedure standalone {
        step hold "Wait" {
            exec "echo $1 >>'$TMP/started'; while [ ! -e '$TMP/go' ]; do sleep 0.05; done; echo $1 >>'$TMP/ran'"
        }
    }
}
PLAN
}

# lock_start NAME STATE ARGS...: hotplan run NAME.hplan ARGS in the background with state directory
# $TMP/STATE, until its command has started; its pid in $bg, its output in $TMP/bg.txt
lock_start() {
	local name=$1 state=$2 i
	shift 2
	rm -f "$TMP/go"
	HOTPLAN_STATE_DIR=$TMP/$state "$HOTPLAN" run "$name.hplan" "$@" >"$TMP/bg.txt" 2>&1 </dev/null &
	bg=$!
	for i in $(seq 1 250); do
		grep -qx "$name" "$TMP/started" 2>/dev/null && return 0
		sleep 0.02
	done
	cat "$TMP/bg.txt" >&2
	fail "run $name did not start its command"
}

# lock_finish RC: let the background run go on; its exit status must be RC
lock_finish() {
	local rc=0
	touch "$TMP/go"
	wait "$bg" || rc=$?
	[[ $rc == "$1" ]] || { cat "$TMP/bg.txt" >&2; fail "the background run exited with $rc, expected $1"; }
}

# lock_run_id [LOCK]: the run id in the holder file of LOCK (default $HOTPLAN_LOCK_PATH)
lock_run_id() { sed -n 's/^run \(.*\)$/\1/p' "${1:-$HOTPLAN_LOCK_PATH}/holder"; }

# lock_never_ran NAME: fail if run NAME's command started
lock_never_ran() { ! grep -qx "$1" "$TMP/started" 2>/dev/null || fail "run $1's command ran"; }
