#!/usr/bin/env bash
# run-fleet-two.sh: two controllers over one fleet (issue 13 item 4, docs/fleets.md, "Two
# controllers"), real processes on local: targets, each target with its own lock (its profile):
#  1. two `hotplan run --targets all` over the same inventory, from two state directories, at
#     once: every target is patched exactly once between them (each step appends a line to its
#     target's file); a target one completed is, in the other's report, `locked` (naming the
#     run that held it) or `done-elsewhere` (naming the other's state directory), never run;
#  2. a third controller afterwards: every target done-elsewhere, exit 0, nothing runs;
#  3. the first controller again: what it completed itself it runs again (as `hotplan run`
#     always has), what the second completed is done-elsewhere;
#  4. other inputs (another value of a param) are other work: run again.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$TMP"

fleet_local_profile

cat >two.hplan <<'PLAN'
plan two_steps "Two steps on a local target" {
    param dir : string "the target's directory"
    param nap : string = "0.2" "seconds each step sleeps"
    param tag : string = "a" "a value that goes into nothing but the inputs"
    procedure standalone {
        step one "One" {
            exec "echo one >> ${dir}/log && sleep ${nap}"
        }
        step two "Two" {
            exec "echo two >> ${dir}/log && sleep ${nap}"
        }
    }
}
PLAN
N=6
: >inv.hplan
for ((i = 1; i <= N; i++)); do
	local_target "l$i" "$TMP/d$i" >>inv.hplan
	: >"d$i/log"
done

# ctl NAME ARGS...: a controller with its own state directory, in the background
ctl() {
	local name=$1
	shift
	HOTPLAN_STATE_DIR=$TMP/state-$name "$HOTPLAN" run two.hplan --inventory inv.hplan --targets all --yes \
		--report "$name.json" "$@" >"$name.out" 2>&1 </dev/null &
}

# 1. two at once
ctl A --parallel 2
PA=$!
ctl B --parallel 2
PB=$!
PIDS=("$PA" "$PB")
rc=0; wait "$PA" || rc=$?; rcA=$rc
rc=0; wait "$PB" || rc=$?; rcB=$rc
PIDS=()
for x in A:$rcA B:$rcB; do
	[[ ${x#*:} == 0 || ${x#*:} == 5 ]] || { cat "${x%%:*}.out" >&2; fail "controller ${x%%:*} exited ${x#*:}"; }
done
for ((i = 1; i <= N; i++)); do
	[[ $(tr '\n' ' ' <"d$i/log") == "one two " ]] || fail "l$i was not patched exactly once: $(tr '\n' ' ' <"d$i/log")"
done
python3 - A.json B.json "$TMP/state-A" "$TMP/state-B" <<'PY' || fail "the two controllers' reports"
import json, sys
rep = {k: {t["target"]: t for t in json.load(open(p))["targets"]} for k, p in (("A", sys.argv[1]), ("B", sys.argv[2]))}
state = {"A": sys.argv[3], "B": sys.argv[4]}
for name in sorted(rep["A"]):
    a, b = rep["A"][name], rep["B"][name]
    done = [k for k, t in (("A", a), ("B", b)) if t["status"] == "completed"]
    if len(done) != 1:
        sys.exit("%s: completed by %s" % (name, done or "neither"))
    other = "B" if done[0] == "A" else "A"
    t, doer = rep[other][name], rep[done[0]][name]
    msg = t.get("message", "")
    if t["status"] == "done-elsewhere":
        if state[done[0]] not in msg or doer["run"] not in msg:
            sys.exit("%s: %s's done-elsewhere does not name %s's run and state: %r" % (name, other, done[0], msg))
    elif t["status"] == "locked":
        if "locked by run " + doer["run"] not in msg:
            sys.exit("%s: %s's locked does not name %s's run %s: %r" % (name, other, done[0], doer["run"], msg))
    else:
        sys.exit("%s: %s says %s" % (name, other, t["status"]))
    print("%s: completed by %s, %s for %s" % (name, done[0], t["status"], other))
PY

# 2. a third controller: nothing left to do
ctl C --parallel 3
wait $! || fail "controller C exited $?: $(cat C.out)"
expect_statuses C.json "$(for ((i = 1; i <= N; i++)); do printf 'l%d=done-elsewhere ' "$i"; done | sed 's/ $//')"
grep -q "exit 0: every target completed" C.out || fail "C's summary: $(cat C.out)"
grep -q "done-elsewhere  *l1: target 'l1' was done by another controller: run " C.out || fail "C's summary: $(cat C.out)"
for ((i = 1; i <= N; i++)); do
	[[ $(tr '\n' ' ' <"d$i/log") == "one two " ]] || fail "C ran l$i again: $(tr '\n' ' ' <"d$i/log")"
done

# 3. the first controller again: its own targets run again, the other's are done
python3 -c '
import json, sys
for t in json.load(open("A.json"))["targets"]:
    print(t["target"], "mine" if t["status"] == "completed" else "theirs")' >owner.txt
ctl A --parallel 3
wait $! || fail "controller A (again) exited $?: $(cat A.out)"
while read -r name who; do
	i=${name#l}
	st=$(python3 -c 'import json, sys; print([t["status"] for t in json.load(open("A.json"))["targets"] if t["target"] == sys.argv[1]][0])' "$name")
	if [[ $who == mine ]]; then
		[[ $st == completed && $(tr '\n' ' ' <"d$i/log") == "one two one two " ]] || fail "A again, $name (its own): $st"
	else
		[[ $st == done-elsewhere && $(tr '\n' ' ' <"d$i/log") == "one two " ]] || fail "A again, $name (B's): $st"
	fi
done <owner.txt

# 4. other inputs: other work
for ((i = 1; i <= N; i++)); do : >"d$i/log"; done
ctl D --parallel 3 --set tag=b
wait $! || fail "controller D exited $?: $(cat D.out)"
expect_statuses D.json "$(for ((i = 1; i <= N; i++)); do printf 'l%d=completed ' "$i"; done | sed 's/ $//')"
echo "two controllers: every target once, each reporting the other's"
