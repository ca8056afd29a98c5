#!/usr/bin/env bash
# run-target-lock.sh: the lock on the target itself (issue 11, findings 6 and 7; docs/locks.md).
# Real runs on local:, whose lock is the machine's (here this test's HOTPLAN_LOCK_PATH):
#
#  1. two state directories (two working directories) on one machine: while the first run
#     acts, the second exits 5 naming the holder (run id, host, user, since); its command
#     never ran. Once the first ended, the second runs.
#  2. two inventory names for one node (two targets, one `fact sandbox`, the posix-test
#     profile's lock in it): the same.
#  3. kill -9 of a run: its lock stays, naming it. From another state directory: the stale
#     lock is cleared (its runner is gone, on this host), and the run is refused all the same
#     (exit 5): the node's last-run record says unfinished, with the journal to resume. A dry
#     run says a real run would be refused, and why; with --abandon it says it would go on.
#     `resume` (from the first state directory) finishes the run; then the other runs.
#  4. a holder on another host: never stale. `hotplan unlock` with the wrong holder is refused
#     and leaves it; with the right one it clears it and names what it overrode; a holder alive
#     on this host is refused too.
#  5. what a runner killed while taking the lock leaves (LOCK.new.RUN, the holder half written):
#     no lock; the next run goes on.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$TMP"
LOCK=$HOTPLAN_LOCK_PATH
ME=$(hostname)

write_inventory inv.hplan <<'INV'
target box standalone {
    node "box" address "local:"
}
INV
write_inventory alias.hplan <<'INV'
target alias standalone {
    node "other-name" address "local:"
}
INV
lock_plan first
lock_plan second

# 1. two state directories, one machine
: >"$TMP/started"
lock_start first s1 --inventory inv.hplan --yes
[[ -d $LOCK && -s $LOCK/holder ]] || fail "no lock directory with a holder at $LOCK while the run acts"
rid=$(lock_run_id)
HOTPLAN_STATE_DIR=$TMP/s2 run 5 run second.hplan --inventory inv.hplan --yes
says "node box is locked by run $rid (host $ME, user $(id -un), pid $bg, since "
says "if that run is gone, \`hotplan unlock box --inventory inv.hplan --holder $rid\` clears it"
lock_never_ran second
lock_finish 0
[[ ! -e $LOCK ]] || fail "the lock is still there after the run completed"
grep -q "^status completed$" "$LOCK.last" || fail "the node's last-run record: $(cat "$LOCK.last")"
HOTPLAN_STATE_DIR=$TMP/s2 run 0 run second.hplan --inventory inv.hplan --yes
grep -qx second "$TMP/ran" || fail "the second run did not run once the first had ended"

# 2. two inventory names for one node
: >"$TMP/started"
lock_start first s1 --inventory inv.hplan --yes
rid=$(lock_run_id)
HOTPLAN_STATE_DIR=$TMP/s1 run 5 run second.hplan --inventory alias.hplan --yes
says "node other-name is locked by run $rid"
lock_never_ran second
lock_finish 0
S=$SB/shared
hpt "$S" init --node shared --store "$MAILBOX" >/dev/null
write_inventory sandbox.hplan <<INV
target one standalone {
    profile "posix-test"
    node "n1" address "local:" { fact sandbox = "$S" }
}
target two standalone {
    profile "posix-test"
    node "n2" address "local:" { fact sandbox = "$S" }
}
INV
: >"$TMP/started"
lock_start first s1 --inventory sandbox.hplan --target one --yes
[[ -s $S/hotplan.lock/holder ]] || fail "the posix-test profile's lock is not in the sandbox"
HOTPLAN_STATE_DIR=$TMP/s2 run 5 run second.hplan --inventory sandbox.hplan --target two --yes
says "node n2 is locked by run $(sed -n 's/^run //p' "$S/hotplan.lock/holder")"
says "($S/hotplan.lock)"
lock_never_ran second
lock_finish 0

# 3. kill -9: the lock stays; another state directory clears it as stale, and is refused by
#    the unfinished run's record
: >"$TMP/started"
lock_start first s3 --inventory inv.hplan --yes
rid=$(lock_run_id)
kill -KILL "$bg"
wait "$bg" 2>/dev/null || true
[[ -s $LOCK/holder ]] || fail "kill -9 took the lock away"
journal=$TMP/s3/runs/$rid.journal
HOTPLAN_STATE_DIR=$TMP/s4 run 0 run second.hplan --inventory inv.hplan --dry-run
says "a real run would be refused (exit 5): node box: its last run $rid (target 'box', from host $ME"
says "continue it with \`hotplan resume $journal\` on $ME, or give it up with \`--abandon $rid\`"
HOTPLAN_STATE_DIR=$TMP/s4 run 0 run second.hplan --inventory inv.hplan --dry-run --abandon "$rid"
says "a real run would go on: run $rid (unfinished on node box"
HOTPLAN_STATE_DIR=$TMP/s4 run 5 run second.hplan --inventory inv.hplan --yes
says "stale lock on node box of run $rid (host $ME"
says "node box: its last run $rid (target 'box', from host $ME, user $(id -un)) is unfinished"
says "\`hotplan resume $journal\` on $ME"
lock_never_ran second
[[ ! -e $LOCK ]] || fail "the refused run left a lock"
touch "$TMP/go"   # the killed runner's command ends
HOTPLAN_STATE_DIR=$TMP/s3 run 0 resume "$journal" --yes
says "completed"
grep -q "^status completed$" "$LOCK.last" || fail "resume did not record the end on the node: $(cat "$LOCK.last")"
HOTPLAN_STATE_DIR=$TMP/s4 run 0 run second.hplan --inventory inv.hplan --yes

# ... and --abandon from another state directory gives the unfinished run up
: >"$TMP/started"
lock_start first s5 --inventory inv.hplan --yes
rid=$(lock_run_id)
kill -KILL "$bg"
wait "$bg" 2>/dev/null || true
touch "$TMP/go"
HOTPLAN_STATE_DIR=$TMP/s6 run 0 run second.hplan --inventory inv.hplan --yes --abandon "$rid"
says "run $rid (unfinished on node box, from host $ME, journal $TMP/s5/runs/$rid.journal) abandoned"
HOTPLAN_STATE_DIR=$TMP/s5 run 5 resume "$TMP/s5/runs/$rid.journal" --yes
says "run $rid was superseded on node box"

# 4. a holder on another host is never stale: only `hotplan unlock` clears it
mkdir "$LOCK"
cat >"$LOCK/holder" <<HOLDER
hotplan-target-lock 1
run 20261206T000000Z-0a0b0c
host elsewhere
user operator
pid 4242
pidstart 1
boot 00000000-0000-0000-0000-000000000000
started 1796515200000000000
plan /srv/plans/x.hplan
journal /srv/.hotplan/runs/20261206T000000Z-0a0b0c.journal
target prod
end
HOLDER
run 5 run second.hplan --inventory inv.hplan --yes
says "node box is locked by run 20261206T000000Z-0a0b0c (host elsewhere, user operator, pid 4242, since 2026-12-06T00:00:00Z)"
run 5 unlock box --inventory inv.hplan --holder 20261206T000000Z-ffffff
says "node box is locked by run 20261206T000000Z-0a0b0c (host elsewhere"
says "not by run 20261206T000000Z-ffffff: nothing was cleared"
[[ -s $LOCK/holder ]] || fail "unlock with the wrong holder removed the lock"
run 2 unlock box --inventory inv.hplan
says "needs --holder RUN"
run 0 unlock box --inventory inv.hplan --holder 20261206T000000Z-0a0b0c
says "node box: the lock of run 20261206T000000Z-0a0b0c (host elsewhere, user operator, pid 4242"
says "--holder 20261206T000000Z-0a0b0c overrode it"
[[ ! -e $LOCK ]] || fail "unlock did not remove the lock"
run 2 unlock box --inventory inv.hplan --holder 20261206T000000Z-0a0b0c
says "no node is locked by run 20261206T000000Z-0a0b0c"
run 0 run second.hplan --inventory inv.hplan --yes
# a holder alive here is not unlocked
: >"$TMP/started"
lock_start first s7 --inventory inv.hplan --yes
rid=$(lock_run_id)
run 5 unlock box --inventory inv.hplan --holder "$rid"
says "is still running on this host: nothing was cleared"
lock_finish 0

# 5. a runner killed while taking the lock: LOCK.new.RUN with half a holder, no LOCK
mkdir "$LOCK.new.20261206T000000Z-123456"
printf 'hotplan-target-lock 1\nrun 20261206T0' >"$LOCK.new.20261206T000000Z-123456/holder"
run 0 run second.hplan --inventory inv.hplan --yes
[[ ! -e $LOCK ]] || fail "the run left its lock"
echo "PASS"
