#!/usr/bin/env bash
# run-copied.sh: one journal per run (issue 11, finding 3; docs/journal.md, "Last-run
# records"). A run on a local: node is interrupted and its journal copied. The copy is
# refused (exit 5, the journal the target's last-run record names named), wherever it lies:
# beside the original, in another directory, or moved over the original (the same path, another
# inode). The original resumes, and every step has run once.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cd "$TMP"
LOG=$TMP/steps.log
cat >plan.hplan <<PLAN
plan copied "Four steps, the second slow" {
    procedure standalone {
        step a "First" { exec "echo a >>'$LOG'" }
        step b "Second" { exec "echo b >>'$LOG'; sleep 1" }
        step c "Third" { exec "echo c >>'$LOG'" }
        step d "Fourth" { exec "echo d >>'$LOG'" }
    }
}
PLAN
cat >inv.hplan <<'INV'
target t standalone {
    node "ex1" address "local:"
}
INV

"$HOTPLAN" run plan.hplan --inventory inv.hplan --yes >"$TMP/out.txt" 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 200); do
	grep -qx b "$LOG" 2>/dev/null && break
	sleep 0.02
done
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[[ $rc == 130 ]] || fail "the interrupted run exited $rc"
journal=$(ls "$HOTPLAN_STATE_DIR"/runs/*.journal)
run_id=$(basename "$journal" .journal)
grep -qx "device [0-9]*" "$HOTPLAN_STATE_DIR/targets/t.last" || fail "the last-run record keeps no device"
grep -qx "inode $(stat -c %i "$journal")" "$HOTPLAN_STATE_DIR/targets/t.last" ||
	fail "the last-run record does not name the journal's inode: $(cat "$HOTPLAN_STATE_DIR/targets/t.last")"
nothing_ran() { [[ $(tr '\n' ' ' <"$LOG") == "a b " ]] || fail "$1: a step ran: $(cat "$LOG")"; }

# a copy beside the original, and one elsewhere: refused, the original named
cp -p "$journal" "$HOTPLAN_STATE_DIR/runs/copy.journal"
mkdir elsewhere
cp -p "$journal" elsewhere/"$run_id.journal"
run 5 resume "$HOTPLAN_STATE_DIR/runs/copy.journal" --yes
says "$HOTPLAN_STATE_DIR/runs/copy.journal is not the journal of run $run_id: target 't''s last-run record names $journal; a copy of a journal cannot be resumed"
nothing_ran "a copy beside it"
run 5 resume "elsewhere/$run_id.journal" --yes
says "$TMP/elsewhere/$run_id.journal is not the journal of run $run_id"
says "names $journal"
nothing_ran "a copy elsewhere"

# the copy moved over the original: the same path, another file
mv "$journal" "$TMP/original.journal"
cp -p "$TMP/original.journal" "$journal"
run 5 resume "$journal" --yes
says "$journal is not the file run $run_id started (device "
says "a journal copied or moved over the original cannot be resumed"
nothing_ran "a copy in the original's place"
mv "$TMP/original.journal" "$journal"

# the original, through a relative path and a symbolic link: it resumes, each step once
ln -s "$journal" link.journal
run 0 resume link.journal --yes
[[ $(tr '\n' ' ' <"$LOG") == "a b c d " ]] || fail "the steps that ran: $(cat "$LOG")"
# and the copies still cannot be resumed (the run is done, and they are not its journal)
run 5 resume "$HOTPLAN_STATE_DIR/runs/copy.journal" --yes
says "is not the journal of run $run_id"
[[ $(tr '\n' ' ' <"$LOG") == "a b c d " ]] || fail "after resuming the copy again: $(cat "$LOG")"
echo "PASS"
