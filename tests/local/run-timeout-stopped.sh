#!/usr/bin/env bash
# run-timeout-stopped.sh: a timeout measures the command, not the runner (issue 11, finding
# 4; docs/transports.md, "Timeout and abort"). Real runs on local:, the runner stopped with
# SIGSTOP while its command runs:
#
#  1. `exec "sleep 1; echo done" timeout 2s`, the runner stopped for 4 s from the moment the
#     command starts: the command ended in time, so the run completes (exit 0), its output
#     kept, no "timed out" anywhere.
#  2. `exec "sleep 6; echo late" timeout 2s`, the runner stopped for 4 s: the command is
#     still running when the runner looks again, past its deadline: it is killed, and the
#     capture says the timeout it was given ("timed out after 2s"), not the 4 s and more it
#     took the runner to notice.
#  3. unstopped, `exec "sleep 5" timeout 1s`: "timed out after 1s" in the progress line too.
#  4. `exec "trap '' TERM; sleep 5" timeout 1s`, killed by SIGKILL 2 s after its SIGTERM:
#     the capture says "timed out after 1s".
. "$HOTPLAN_SOURCE_DIR/tests/local/lib.sh"
cd "$TMP"

write_inventory inv.hplan <<'INV'
target box standalone {
    node "box" address "local:"
}
INV
plan() {   # plan FILE COMMAND TIMEOUT
	cat >"$1" <<PLAN
plan paused "A command that outlives or not its runner's pause" {
    procedure standalone {
        step slow "Slow" {
            exec "$2" timeout $3
        }
    }
}
PLAN
}

# Start hotplan ARGS in the background; once its command has started (its capture file has
# its header), stop the runner for SECONDS, then let it go on. Its exit status in $rc.
run_stopped() {
	local secs=$1 pid i cap
	shift
	rm -rf "$HOTPLAN_STATE_DIR" "$HOTPLAN_LOCK_PATH.last"   # a new machine: no last run
	"$HOTPLAN" "$@" >"$TMP/out.txt" 2>&1 </dev/null &
	pid=$!
	for i in $(seq 1 200); do
		cap=$(compgen -G "$HOTPLAN_STATE_DIR/runs/*.journal.out/box.log" || true)
		[[ -n $cap ]] && break
		sleep 0.02
	done
	[[ -n $cap ]] || fail "the command did not start within 4 s"
	kill -STOP "$pid"
	sleep "$secs"
	kill -CONT "$pid"
	rc=0
	wait "$pid" || rc=$?
}
capture() { cat "$HOTPLAN_STATE_DIR"/runs/*.journal.out/box.log; }

# 1. ended in time while the runner was stopped: success
plan fast.hplan "sleep 1; echo done" 2s
run_stopped 4 run fast.hplan --inventory inv.hplan --yes
[[ $rc == 0 ]] || fail "exited with $rc, expected 0 (the command ended in time)"
says "completed"
grep -q "timed out" "$TMP/out.txt" && fail "a command that ended in time was said to time out"
capture | grep -qxF "done" || fail "the output is not in the capture: $(capture)"
capture | grep -q "timed out" && fail "the capture says timed out: $(capture)"

# 2. still running when the runner looks again, past its deadline: timed out, after 2s
plan late.hplan "sleep 6; echo late" 2s
run_stopped 4 run late.hplan --inventory inv.hplan --yes
[[ $rc == 4 ]] || fail "exited with $rc, expected 4 (a failed step, no checkpoint)"
capture | grep -qxF "[hotplan: timed out after 2s: process group killed]" ||
	fail "the capture does not say the timeout given: $(capture)"
capture | grep -qxF "late" && fail "the command was not killed"
says "timed out after 2s"

# 3. the message says the timeout it was given
plan slow.hplan "sleep 5" 1s
rm -rf "$HOTPLAN_STATE_DIR" "$HOTPLAN_LOCK_PATH.last"   # a new machine: no last run
run 4 run slow.hplan --inventory inv.hplan --yes
says "timed out after 1s"
# 4. a command that ignores SIGTERM dies of SIGKILL 2 s later: the capture still says 1s
plan stubborn.hplan "trap '' TERM; sleep 5" 1s
rm -rf "$HOTPLAN_STATE_DIR" "$HOTPLAN_LOCK_PATH.last"   # a new machine: no last run
run 4 run stubborn.hplan --inventory inv.hplan --yes
capture | grep -qxF "[hotplan: timed out after 1s: process group killed]" ||
	fail "the capture does not say the timeout given: $(capture)"
says "timed out after 1s"   # the message too, not the 3 s it took to die
echo "PASS"
