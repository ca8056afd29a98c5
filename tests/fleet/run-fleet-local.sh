#!/usr/bin/env bash
# run-fleet-local.sh: fleets of local: targets, real processes (docs/fleets.md):
#  1. five targets, three exec steps each and a checkpoint, one target's command failing for
#     real (its inventory sets bad = "yes"): it rolls back (its checkpoint's command ran), the
#     others complete; each target's file shows exactly its steps; exit 3;
#  2. kill -9 of the fleet controller while targets are in flight (--parallel 2, slow steps):
#     the runs it started go on and finish on their own; `hotplan resume FLEET-JOURNAL` waits
#     for them, starts the targets never started, and in the end every step of every target
#     ran exactly once (each step appends a line to its target's file); the fleet's journal
#     shows one start per target. Then kill -9 again, of the resume itself, and once more.
#  3. two targets that are the same machine (local: and one lock, docs/locks.md) in one fleet:
#     one runs, the other is reported locked, naming the holder; exit 5.
# local: targets are all this machine, whose lock they share: in 1 and 2 each target plays a
# machine of its own, so a profile gives each its own lock (in its directory).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$TMP"

fleet_local_profile

cat >steps.hplan <<'PLAN'
plan three_steps "Three steps on a local target" {
    param dir : string "the target's directory"
    param bad : string = "no" "yes: step two fails"
    param nap : string = "0" "seconds each step sleeps"
    procedure standalone {
        step one "One" {
            exec "echo one >> ${dir}/log && sleep ${nap}"
        }
        checkpoint one_done {
            exec "echo undo >> ${dir}/log"
        }
        step two "Two" {
            exec "test ${bad} = no && echo two >> ${dir}/log && sleep ${nap}"
        }
        step three "Three" {
            exec "echo three >> ${dir}/log && sleep ${nap}"
        }
    }
}
PLAN
inventory() {   # inventory FILE N NAP
	local i bad
	: >"$1"
	for ((i = 1; i <= $2; i++)); do
		bad=no
		[[ $i == 3 && $3 == 0 ]] && bad=yes
		local_target "l$i" "$TMP/d$i" "set bad = \"$bad\"" "set nap = \"$3\"" >>"$1"
		: >"$TMP/d$i/log"
	done
}

# 1. a real failure
inventory inv.hplan 5 0
run 3 run steps.hplan --inventory inv.hplan --targets all --parallel 3 --max-failures 2 --yes --report r.json
expect_statuses r.json "l1=completed l2=completed l3=rolled-back l4=completed l5=completed"
for i in 1 2 4 5; do
	[[ $(tr '\n' ' ' <"d$i/log") == "one two three " ]] || fail "l$i's steps: $(cat "d$i/log")"
done
[[ $(tr '\n' ' ' <d3/log) == "one undo " ]] || fail "l3's steps: $(cat d3/log)"
python3 - r.json <<'PY' || fail "l3's first failure"
import json, sys
r = json.load(open(sys.argv[1]))
t = [t for t in r["targets"] if t["target"] == "l3"][0]
assert t["first_failure"]["step"] == "two" and t["first_failure"]["line"] == 13, t
assert t["steps_done"] == 1, t
PY

# 2. kill -9 of the controller, then of its resume
rm -rf "$HOTPLAN_STATE_DIR"
inventory inv.hplan 6 0.4
"$HOTPLAN" run steps.hplan --inventory inv.hplan --targets all --parallel 2 --yes >"$TMP/out.txt" 2>&1 </dev/null &
CTL=$!
for _ in $(seq 1 100); do
	[[ -s d1/log ]] && break
	sleep 0.05
done
kill -9 "$CTL"
wait "$CTL" 2>/dev/null || true
J=$(fleet_journal)
[[ -f $J ]] || fail "no fleet journal"
grep -q ' start l1 run' "$J" || fail "l1 was not started"
! grep -q ' start l3 ' "$J" || fail "l3 started before the kill (the test's timing)"
# the first resume is killed while it waits for the runs the controller left, the second
# once it has started runs of its own (whose steps take 1.2 s)
for nap in 0.5 2.0; do
	"$HOTPLAN" resume "$J" >"$TMP/resume-$nap.txt" 2>&1 </dev/null &
	CTL=$!
	sleep "$nap"
	kill -9 "$CTL" 2>/dev/null || true
	wait "$CTL" 2>/dev/null || true
done
grep -q ' start l3 run' "$J" || fail "the second resume started nothing before it was killed (the test's timing)"
run 0 resume "$J" --report k.json
expect_statuses k.json "l1=completed l2=completed l3=completed l4=completed l5=completed l6=completed"
for i in 1 2 3 4 5 6; do
	[[ $(tr '\n' ' ' <"d$i/log") == "one two three " ]] || fail "l$i's steps ran other than once each: $(cat "d$i/log")"
	[[ $(grep -c " start l$i " "$J") -ge 1 ]] || fail "l$i never started"
	grep -qx "status completed" "$HOTPLAN_STATE_DIR/targets/l$i.last" || fail "l$i's last run is not completed"
done
# a fleet that ended: its resume starts nothing
run 0 resume "$J"
says "exit 0: every target completed"

# 3. two names for this machine, the lock of neither profile's own: one is locked out
cat >same.hplan <<INV
target m1 standalone {
    node "m1" address "local:"
    set dir = "$TMP/m1"
    set nap = "0.5"
}
target m2 standalone {
    node "m2" address "local:"
    set dir = "$TMP/m2"
    set nap = "0.5"
}
INV
mkdir -p m1 m2
: >m1/log
: >m2/log
run 5 run steps.hplan --inventory same.hplan --targets all --parallel 2 --yes --report s.json
python3 - s.json <<'PY' || fail "two names for one machine: $(cat "$TMP/out.txt")"
import json, sys
r = json.load(open(sys.argv[1]))
st = sorted(t["status"] for t in r["targets"])
assert st == ["completed", "locked"], st
PY
says "is locked by run"
[[ $(cat m1/log m2/log | tr '\n' ' ') == "one two three " ]] || fail "both names acted: $(cat m1/log m2/log)"
echo "run-fleet-local: ok"
