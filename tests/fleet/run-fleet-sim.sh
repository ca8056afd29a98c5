#!/usr/bin/env bash
# run-fleet-sim.sh: fleets of simulated targets (docs/fleets.md), the canonical plan on each:
#  1. usage: --targets without --inventory, a name not in it, --target with --targets: exit 2;
#     more --parallel than the file descriptor limit allows: exit 2 before anything starts;
#  2. every target completes: exit 0, the JSON report says so per target;
#  3. the failure budget, --fail-at TARGET:STEP: with --parallel 1 a failure past
#     --max-failures N (and P%) starts no new target (not-started, exit 3 when they rolled
#     back); the first failure's plan line in the report;
#  4. exit 4 over 3 (a failure before any checkpoint), and the summary names each target;
#  5. in flight when the budget runs out: the runs complete, they are not stopped;
#  6. --log json: every line is JSON, every event of a target's run carries its target;
#  7. a target another run holds: locked, exit 5, the holder named; the fleet's resume then
#     runs it once it is free;
#  8. Ctrl-C of the fleet: exit 130, then its resume completes every target with no action
#     run twice;
#  9. on a terminal (script(1)'s pty): the live view's counters and lines, redrawn.
# And in 3., the resume of a fleet whose budget ran out: nothing new starts until a larger
# --max-failures is given.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$TMP"
sim_inventory inv.hplan 8

# 1. usage
run 2 run "$PLAN" --targets all
says "--targets needs --inventory"
run 2 run "$PLAN" --inventory inv.hplan --targets t1,nosuch
says "--targets: nosuch names no target of"
run 2 run "$PLAN" --inventory inv.hplan --targets all --target t1
says "--target is for one target"
printf 'target x standalone {\n    node "a" address\n}\n' >bad-inv.hplan
run 2 run "$PLAN" --inventory bad-inv.hplan --targets all
says "bad-inv.hplan: the inventory has errors"
# a plan with errors is rejected once, by the controller, before any target starts
sed 's/install hotfix ese/install hotfix nosuch/' "$PLAN" >bad-plan.hplan
run 1 run bad-plan.hplan --inventory inv.hplan --targets all
says "the plan has errors: nothing was run"
[[ $(grep -c "error: unknown hotfix nosuch" "$TMP/out.txt") == 3 ]] ||   # its 3 installs, not 3 per target
	fail "the plan's errors, once: $(grep -c "error: unknown hotfix nosuch" "$TMP/out.txt") lines"
[[ ! -d $HOTPLAN_STATE_DIR/fleets ]] || fail "a rejected plan started a fleet"
run 2 run "$PLAN" --inventory inv.hplan --targets all --max-failures 12x
says "invalid --max-failures"
rc=0
(ulimit -n 64 && "$HOTPLAN" run "$PLAN" --inventory inv.hplan --targets all --parallel 100 >"$TMP/out.txt" 2>&1) || rc=$?
[[ $rc == 2 ]] || fail "--parallel 100 under ulimit -n 64 exited $rc"
says "--parallel 100 needs 132 file descriptors"
[[ ! -d $HOTPLAN_STATE_DIR/fleets ]] || fail "a refused fleet left a journal"
run 2 run "$PLAN" --targets all --inventory inv.hplan --journal x.journal
run 2 run "$PLAN" --inventory inv.hplan --parallel 2

# 2. all complete
run 0 run "$PLAN" --inventory inv.hplan --targets all --parallel 4 --yes --report all.json
expect_statuses all.json "t1=completed t2=completed t3=completed t4=completed t5=completed t6=completed t7=completed t8=completed"
says "exit 0: every target completed"
python3 - all.json <<'PY' || fail "the report of a completed fleet"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["exit"] == 0 and r["counts"]["completed"] == 8, r
for t in r["targets"]:
    assert t["steps_done"] == 6 and t["steps"] == 6 and t["exit"] == 0, t
    assert [s["step"] for s in t["timeline"]] == ["dismount_others", "kill_store", "apply", "started", "recovered", "remount"], t
PY
for t in 1 2 3 4 5 6 7 8; do
	grep -qx "status completed" "$HOTPLAN_STATE_DIR/targets/t$t.last" || fail "t$t's last run is not completed"
done

# 3. the budget, one target at a time: 1 failure tolerated, the second stops new starts
APPLY_LINE=$(grep -n 'step apply ' "$PLAN" | cut -d: -f1)
run 3 run "$PLAN" --inventory inv.hplan --targets all --fail-at 't2:apply,t5:apply,t7:apply' --max-failures 1 --report b.json
expect_statuses b.json "t1=completed t2=rolled-back t3=completed t4=completed t5=rolled-back t6=not-started t7=not-started t8=not-started"
says "2 failures, more than --max-failures 1 tolerates: no new target starts"
says "exit 3: some targets were rolled back"
python3 - b.json "$APPLY_LINE" <<'PY' || fail "the first failure in the report"
import json, sys
r = json.load(open(sys.argv[1]))
t2 = [t for t in r["targets"] if t["target"] == "t2"][0]
f = t2["first_failure"]
assert f["step"] == "apply" and f["line"] == int(sys.argv[2]) and "--fail-at" in f["message"], f
assert r["targets"][0]["status"] == "rolled-back", "failures come first"
PY
# its resume: the budget still counts the two rolled back, so nothing new starts; a larger
# --max-failures starts the three left out (t7 fails again: --fail-at is the fleet's)
J3=$(fleet_journal)
run 3 resume "$J3" --report b2.json
says "2 failures already, more than --max-failures 1 tolerates"
expect_statuses b2.json "t1=completed t2=rolled-back t3=completed t4=completed t5=rolled-back t6=not-started t7=not-started t8=not-started"
run 3 resume "$J3" --max-failures 5 --report b3.json
expect_statuses b3.json "t1=completed t2=rolled-back t3=completed t4=completed t5=rolled-back t6=completed t7=rolled-back t8=completed"
[[ $(grep -c ' start t2 ' "$J3") == 1 ]] || fail "a rolled-back target started again on resume"
# a percentage: 25 % of 8 is 2 tolerated; the third failure stops
run 3 run "$PLAN" --inventory inv.hplan --targets 't*' --fail-at 't[1-3]:kill_store' --max-failures 25% --report p.json
expect_statuses p.json "t1=rolled-back t2=rolled-back t3=rolled-back t4=not-started t5=not-started t6=not-started t7=not-started t8=not-started"

# 4. exit 4 wins over 3; the summary names each. A failure before anything changed is exit 1
# (unchanged); exit 4 needs a change and no checkpoint passed: the canonical plan without the
# checkpoint after its first change (the steps are the same)
run 4 run "$PLAN" --inventory inv.hplan --targets t1,t2,t3 --fail-at 't1:apply,t2:dismount_others' --max-failures 5 --report u.json
expect_statuses u.json "t1=rolled-back t2=unchanged t3=completed"
says "unchanged    t2 (exit 1): step dismount_others"
PLAN_SAVED=$PLAN
PLAN=$TMP/no-checkpoint.hplan
awk '/checkpoint others_dismounted \{/ { skip = 1 } !skip { print } skip && /^ *\}$/ { skip = 0 }' "$PLAN_SAVED" >"$PLAN"
grep -q others_dismounted "$PLAN" && fail "test setup: the checkpoint is still in $PLAN"
run 4 run "$PLAN" --inventory inv.hplan --targets t1,t2,t3 --fail-at 't1:apply,t2:kill_store' --max-failures 5 --report f.json
expect_statuses f.json "t1=rolled-back t2=failed t3=completed"
says "failed       t2 (exit 4): step kill_store"
says "rolled-back  t1 (exit 3): step apply"
says "exit 4: some targets need a person"
J4=$(fleet_journal)
# t2's run failed with no checkpoint: its last run is unfinished, so a new fleet finds it locked
run 5 run "$PLAN" --inventory inv.hplan --targets t2 --report l.json
expect_statuses l.json "t2=locked"
says "the last run"
# the fleet's resume resumes it (a retry of the failed step, now without --fail-at's failure)
run 3 resume "$J4" --report f2.json
expect_statuses f2.json "t1=rolled-back t2=completed t3=completed"
PLAN=$PLAN_SAVED

# 5. in flight when the budget runs out: they complete
run 3 run "$PLAN" --inventory inv.hplan --targets all --parallel 4 --pace 100ms --fail-at 't1:kill_store' --report fl.json
expect_statuses fl.json "t1=rolled-back t2=completed t3=completed t4=completed t5=not-started t6=not-started t7=not-started t8=not-started"

# 6. --log json
"$HOTPLAN" run "$PLAN" --inventory inv.hplan --targets 't[12]' --parallel 2 --log json >json.out 2>"$TMP/out.txt" ||
	fail "--log json fleet exited $?"
python3 - json.out <<'PY' || fail "--log json"
import json, sys
seen = {"fleet-start": 0, "fleet-done": 0, "target-done": 0, "step-done": 0}
for line in open(sys.argv[1]):
    e = json.loads(line)
    assert "fleet" in e, e
    if e["event"] in seen:
        seen[e["event"]] += 1
    if not e["event"].startswith("fleet-") and e["event"] != "note":
        assert e.get("target") in ("t1", "t2"), e
assert seen == {"fleet-start": 1, "fleet-done": 1, "target-done": 2, "step-done": 12}, seen
PY

# 7. a target another run holds
"$HOTPLAN" run "$PLAN" --inventory inv.hplan --target t3 --yes --pace 1s >single.out 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do
	grep -q '^run ' "$HOTPLAN_STATE_DIR/locks/t3.lock" 2>/dev/null && break
	sleep 0.05
done
run 5 run "$PLAN" --inventory inv.hplan --targets 't[1-4]' --parallel 2 --report k.json
expect_statuses k.json "t1=completed t2=completed t3=locked t4=completed"
says "locked       t3 (exit 5): target 't3' is locked by run"
says "exit 5: some targets were locked or not started"
J=$(fleet_journal)
wait "${PIDS[0]}" || fail "the run that held t3 failed"
run 0 resume "$J" --report k2.json
expect_statuses k2.json "t1=completed t2=completed t3=completed t4=completed"
[[ $(grep -c ' start t3 ' "$J") == 2 ]] || fail "t3 was not started exactly once more: $(cat "$J")"
[[ $(grep -c ' start t1 ' "$J") == 1 ]] || fail "t1 ran again on resume"
# a fleet journal others may write is not resumed: its resume would run the plan it names
chmod g+w "$J"
run 2 resume "$J"
says "unsafe fleet journal: $J"
chmod g-w "$J"
chmod o+w "$(dirname "$J")"
run 2 resume "$J"
says "unsafe fleet journal: $(dirname "$J") belongs to uid"
chmod o-w "$(dirname "$J")"
run 0 resume "$J"

# 8. Ctrl-C: one SIGINT to each run in flight, exit 130; the resume finishes every target, no
#    action twice (each journal: the canonical plan's 7 action-starts)
"$HOTPLAN" run "$PLAN" --inventory inv.hplan --targets all --parallel 3 --pace 100ms --report int.json \
	>"$TMP/out.txt" 2>&1 </dev/null &
CTL=$!
for _ in $(seq 1 100); do
	grep -q '^t1: started' "$TMP/out.txt" && break
	sleep 0.05
done
sleep 0.3
kill -INT "$CTL"
rc=0
wait "$CTL" || rc=$?
[[ $rc == 130 ]] || fail "an interrupted fleet exited $rc"
says "interrupted: the runs in flight stop after their running action"
grep -q '"status": "interrupted"' int.json || fail "no target was interrupted: $(statuses int.json)"
J=$(fleet_journal)
run 0 resume "$J" --report int2.json
expect_statuses int2.json "t1=completed t2=completed t3=completed t4=completed t5=completed t6=completed t7=completed t8=completed"
for j in "$(dirname "$J")"/runs/*.journal; do
	n=$(python3 "$SRC/tests/run/journal-dump.py" "$j" | grep -c '"action-start"')
	[[ $n == 7 ]] || fail "$j: $n action-starts, expected 7"
done
# 9. on a terminal (a pty from script(1)): the live view, counters and a line per target in flight
if command -v script >/dev/null; then
	TERM=xterm script -qfec "'$HOTPLAN' run '$PLAN' --inventory inv.hplan --targets 't[5-7]' --parallel 2 --pace 100ms" \
		/dev/null >tty.out 2>&1 </dev/null || fail "the fleet on a terminal failed: $(tail -5 tty.out)"
	grep -q 'queued [0-9]*  running [0-9]*  completed [0-9]*  rolled back [0-9]*  failed [0-9]*  locked [0-9]*' tty.out ||
		fail "no counters on a terminal: $(head -c 600 tty.out)"
	grep -Eq '\.\.\. t[5-7]: \[[0-9]/6\] [a-z_]+' tty.out || fail "no line per target in flight: $(head -c 600 tty.out)"
	grep -q $'\033\[1A' tty.out || fail "the live view is never redrawn"
fi
echo "run-fleet-sim: ok"
