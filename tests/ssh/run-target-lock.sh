#!/usr/bin/env bash
# run-target-lock.sh: two controllers, one ssh:// node (issue 11, finding 6; docs/locks.md).
# A real sshd on 127.0.0.1 (tests/ssh/sshd-harness.sh; skipped when there is none), the
# posix-test sandbox on the other side, its profile's lock in the sandbox. Controller 1 is
# this host with state directory c1; controller 2 has its own state directory and, to be
# another host, its own host name (a UTS namespace: `unshare --uts`, root only; skipped
# otherwise).
#
#  1. while controller 1's run acts, controller 2 exits 5 naming the holder (run id, host,
#     user, since); its dry run says a real run would be refused. Another inventory name for
#     the node (another target and node name, from controller 1's own state directory): the
#     same.
#  2. controller 1 is killed (kill -9): its lock stays on the node. Controller 2, on another
#     host, cannot prove it dead: exit 5 again, naming it. `hotplan unlock` with the wrong
#     holder is refused; with the right one it clears the lock. Controller 2 still refuses:
#     the node's last-run record says controller 1's run is unfinished (its host, its journal).
#  3. a third controller on controller 1's host (another state directory) sees the same record
#     and refuses too. Controller 1 resumes its run to the end; then controller 2 runs.
. "$HOTPLAN_SOURCE_DIR/tests/local/lib.sh"
if [[ $(id -u) != 0 ]] || ! unshare --uts true 2>/dev/null; then
	echo "SKIP: another host name for the second controller needs root (unshare --uts)"
	exit 77
fi
. "$SRC/tests/ssh/sshd-harness.sh"
trap 'sshd_harness_stop; local_cleanup' EXIT   # the harness set its own: both run
cd "$TMP"
ME=$(hostname)
S=$SB/exchange1
LOCK=$S/hotplan.lock
hpt "$S" init --node exchange1 --store "$MAILBOX" >/dev/null
write_inventory ssh.hplan <<INV
target remote standalone {
    profile "posix-test"
    node "exchange1" address "$SSH_TARGET_URL" {
        fact sandbox = "$S"
    }
}
INV
write_inventory alias.hplan <<INV
target other_name standalone {
    profile "posix-test"
    node "mail" address "$SSH_TARGET_URL" {
        fact sandbox = "$S"
    }
}
INV
cat >hold.hplan <<PLAN
plan hold "Wait for go" {
    procedure standalone {
        step hold "Wait" {
            exec "echo \$PPID >>'$TMP/started'; while [ ! -e '$TMP/go' ]; do sleep 0.05; done; echo done >>'$TMP/ran'"
        }
    }
}
PLAN
c1() { HOTPLAN_STATE_DIR=$TMP/c1 run "$@"; }
# run_c2 EXPECTED ARGS...: hotplan ARGS as controller 2 (its state directory, its host name)
run_c2() {
	local want=$1 rc=0
	shift
	HOTPLAN_STATE_DIR=$TMP/c2 unshare --uts sh -c 'hostname controller-two && exec "$@"' - "$HOTPLAN" "$@" \
		>"$TMP/out.txt" 2>&1 </dev/null || rc=$?
	[[ $rc == "$want" ]] || fail "controller 2: hotplan $* exited with $rc, expected $want"
}

# 1. controller 1 acts; controller 2 is refused
HOTPLAN_STATE_DIR=$TMP/c1 "$HOTPLAN" run hold.hplan --inventory ssh.hplan --yes >"$TMP/c1.txt" 2>&1 </dev/null &
bg=$!
for i in $(seq 1 500); do
	[[ -s $TMP/started ]] && break
	sleep 0.02
done
[[ -s $TMP/started ]] || fail "controller 1's command did not start: $(cat "$TMP/c1.txt")"
[[ -s $LOCK/holder ]] || fail "no lock in the sandbox on the node"
rid=$(sed -n 's/^run //p' "$LOCK/holder")
run_c2 5 run hold.hplan --inventory ssh.hplan --yes
says "node exchange1 is locked by run $rid (host $ME, user $(id -un), pid $bg, since "
[[ $(wc -l <"$TMP/started") == 1 ]] || fail "controller 2's command ran"
run_c2 0 run hold.hplan --inventory ssh.hplan --dry-run
says "a real run would be refused (exit 5): node exchange1 is locked by run $rid (host $ME"
HOTPLAN_STATE_DIR=$TMP/c1 run 5 run hold.hplan --inventory alias.hplan --yes   # another name, same node
says "node mail is locked by run $rid (host $ME"

# 2. controller 1 killed: controller 2, elsewhere, cannot prove it dead
kill -KILL "$bg"
wait "$bg" 2>/dev/null || true
[[ -s $LOCK/holder ]] || fail "kill -9 took the lock away"
run_c2 5 run hold.hplan --inventory ssh.hplan --yes
says "node exchange1 is locked by run $rid (host $ME"
grep -q "stale" "$TMP/out.txt" && fail "a holder on another host was taken for stale"
run_c2 5 unlock remote --inventory ssh.hplan --holder 20000101T000000Z-000000
says "not by run 20000101T000000Z-000000: nothing was cleared"
[[ -s $LOCK/holder ]] || fail "unlock with the wrong holder removed the lock"
run_c2 0 unlock remote --inventory ssh.hplan --holder "$rid"
says "node exchange1: the lock of run $rid (host $ME"
says "--holder $rid overrode it"
says "its last-run record still says run $rid is unfinished: continue it with \`hotplan resume $TMP/c1/runs/$rid.journal\` on $ME"
[[ ! -e $LOCK ]] || fail "unlock left the lock"
run_c2 5 run hold.hplan --inventory ssh.hplan --yes
says "node exchange1: its last run $rid (target 'remote', from host $ME, user $(id -un)) is unfinished"
says "\`hotplan resume $TMP/c1/runs/$rid.journal\` on $ME, or give it up with \`--abandon $rid\`"
[[ $(wc -l <"$TMP/started") == 1 ]] || fail "controller 2's command ran"

# 3. a third controller on this host sees the record too; controller 1 resumes
HOTPLAN_STATE_DIR=$TMP/c3 run 5 run hold.hplan --inventory ssh.hplan --yes
says "node exchange1: its last run $rid"
touch "$TMP/go"
c1 0 resume "$TMP/c1/runs/$rid.journal" --yes
says "completed"
grep -q "^status completed$" "$LOCK.last" || fail "the node's last-run record: $(cat "$LOCK.last")"
run_c2 0 run hold.hplan --inventory ssh.hplan --yes
grep -q "^host controller-two$" "$LOCK.last" || fail "the node's last-run record does not name controller 2: $(cat "$LOCK.last")"
[[ ! -e $LOCK ]] || fail "a run left its lock"
echo "PASS"
