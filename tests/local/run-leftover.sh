#!/usr/bin/env bash
# run-leftover.sh: the runner's children cannot outlive it unnoticed (issue 11, finding 10;
# docs/journal.md, "Commands that outlive their runner"). The runner is killed (SIGKILL) while
# `exec "… sleep …"` runs; its command goes on. An immediate `hotplan resume` finds the
# command's process group in the journal (an action-process record): it waits for the group to
# end, saying so, and only then runs the action again (never both at once); with no time to
# wait (--wait-commands 0), or a command that outlasts the wait, it refuses with exit 5 naming
# the group, and runs and records nothing.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cd "$TMP"
LOG=$TMP/steps.log
cat >inv.hplan <<'INV'
target t standalone {
    node "ex1" address "local:"
}
INV
plan() {
	cat >plan.hplan <<PLAN
plan leftover "A slow second step" {
    procedure standalone {
        step a "First" { exec "echo a >>'$LOG'" }
        step b "Slow the first time" {
            exec "echo b-start >>'$LOG'; if [ ! -e '$TMP/slow' ]; then : >'$TMP/slow'; sleep $1; fi; echo b-end >>'$LOG'"
        }
        step c "Third" { exec "echo c >>'$LOG'" }
    }
}
PLAN
}

# start a run in a fresh state directory and kill -9 it while step b's command runs
killed_in_b() {
	export HOTPLAN_STATE_DIR=$TMP/state-$1
	: >"$LOG"
	rm -f "$TMP/slow"
	"$HOTPLAN" run plan.hplan --inventory inv.hplan --yes >"$TMP/out.txt" 2>&1 </dev/null &
	local pid=$! i
	for i in $(seq 1 200); do
		grep -qx b-start "$LOG" 2>/dev/null && break
		sleep 0.02
	done
	grep -qx b-start "$LOG" || fail "$1: step b did not start"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	journal=$(ls "$HOTPLAN_STATE_DIR"/runs/*.journal)
}

# the process group the journal names for step b's command, and that it lives
group_of_b() {
	python3 -B - "$journal" <<'PY'
import os, sys
sys.path.insert(0, os.path.join(os.environ["HOTPLAN_SOURCE_DIR"], "tests", "run"))
from hp_e2e import decode
recs = [r for r in decode(sys.argv[1])["records"] if r["kind"] == "action-process" and r["step_name"] == "b"]
assert len(recs) == 1, recs
f = dict(kv.split("=", 1) for kv in recs[0]["message"].split())
assert int(f["runner"]) > 0 and f["host"] and f["boot"], f
print(f["pgid"])
PY
}
group_lives() { pgrep -g "$1" >/dev/null; }
kinds() { python3 -B "$SRC/tests/run/journal-dump.py" "$journal" | grep -c "\"kind\": \"$1\"" || true; }

# 1. an immediate resume waits for the command, then runs the step again: never both at once
plan 3
killed_in_b wait
pgid=$(group_of_b) || fail "the journal does not name step b's process group"
group_lives "$pgid" || fail "process group $pgid (step b's command) is not running after the kill"
run 0 resume "$journal" --yes
says "the command of step 'b' (action 0) on ex1, started by runner pid "
says "still runs as process group $pgid: waiting up to 30 s for it to end"
says "the commands left running ended after "
[[ $(tr '\n' ' ' <"$LOG") == "a b-start b-end b-start b-end c " ]] ||
	fail "the steps ran in this order: $(tr '\n' ' ' <"$LOG") (the resume ran b while the first b still ran?)"

# 2. --wait-commands 0: refused at once (exit 5), the group named, nothing run or recorded
plan 30
killed_in_b refuse
pgid=$(group_of_b) || fail "the journal does not name step b's process group (2)"
resumes=$(kinds run-resume)
run 5 resume "$journal" --yes --wait-commands 0
says "the command of step 'b' (action 0) on ex1 still runs as process group $pgid (left by runner pid "
says "resume refused, nothing was run; wait for it to end, or stop it (kill -TERM -- -$pgid)"
[[ $(tr '\n' ' ' <"$LOG") == "a b-start " ]] || fail "something ran: $(tr '\n' ' ' <"$LOG")"
[[ $(kinds run-resume) == "$resumes" ]] || fail "the refused resume wrote a run-resume record"
group_lives "$pgid" || fail "the refused resume stopped the group"
# a bounded wait that the command outlasts: refused after it, saying how long it waited
run 5 resume "$journal" --yes --wait-commands 1s
says "still runs as process group $pgid (left by runner pid "
says "after 1 s: resume refused"
says "waiting up to 1 s for it to end"
[[ $(tr '\n' ' ' <"$LOG") == "a b-start " ]] || fail "something ran while waiting: $(tr '\n' ' ' <"$LOG")"
# stopped by hand: the resume goes on
kill -TERM -- "-$pgid"
for _ in $(seq 1 100); do
	group_lives "$pgid" || break
	sleep 0.05
done
run 0 resume "$journal" --yes
[[ $(tr '\n' ' ' <"$LOG") == "a b-start b-start b-end c " ]] || fail "after the group was stopped: $(tr '\n' ' ' <"$LOG")"
run 2 resume "$journal" --yes --wait-commands 5x
says "invalid --wait-commands '5x'"
echo "PASS"
