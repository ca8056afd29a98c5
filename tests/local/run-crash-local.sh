#!/usr/bin/env bash
# run-crash-local.sh: kill -9 at random instants of runs of the canonical plan on a local:
# stand-alone server played by a posix-test sandbox (Issue 4, item 4). Each round makes a fresh
# server, starts the run, kills it (SIGKILL) after a random delay within an uninterrupted run's
# duration, waits for the command it was running to end (an orphan of the killed runner: a
# real resume comes minutes later, and that command is not the runner's to stop), then
# resumes (the resume itself killed at random now and then) until the run completes. A runner
# killed before its journal or its last-run record existed is run again instead.
#
# The final sandbox must equal an uninterrupted run's: one store.exe daemon, running, holding
# every store; every store mounted; Ese.dll 6.5.7232.54 and the hotfix recorded; the same
# recovery.log lines (the affected store soft-recovered once, with the new Ese.dll); the
# affected store never dismounted nor closed cleanly. The journal shows every step and every
# action done exactly once (tests/run/hp_e2e.py).
#
# HOTPLAN_CRASH_SEED replays the kill instants; HOTPLAN_CRASH_ROUNDS (default 24) sets how many.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SEED=${HOTPLAN_CRASH_SEED:-$(( $(date +%s%N) / 1000 % 1000000 ))}
ROUNDS=${HOTPLAN_CRASH_ROUNDS:-24}
RANDOM=$SEED
echo "run-crash-local: seed $SEED (HOTPLAN_CRASH_SEED=$SEED replays the kill instants), $ROUNDS rounds"
INV=$SRC/plans/inventories/local.hplan
ARGS=(run "$PLAN" --inventory "$INV" --yes --set "affected=$MAILBOX" --log json)

# A round's own sandbox and state directory.
round_env() {
	SB="$TMP/r$1/sand box's"
	export HOTPLAN_SANDBOX=$SB HOTPLAN_STATE_DIR=$TMP/r$1/state
	mkdir -p "$SB"
	make_server exchange1
}

# Wait until no helper of sandbox $1 but its daemon runs (the killed runner's orphan command).
wait_orphans() {
	local hpt="$1/bin/hpt" i p busy
	for i in $(seq 1 300); do
		busy=no
		for p in /proc/[0-9]*; do
			[[ $(readlink "$p/exe" 2>/dev/null) == "$hpt" ]] || continue
			[[ $(cat "$p/comm" 2>/dev/null) == store.exe ]] && continue
			busy=yes
			break
		done
		[[ $busy == no ]] && return 0
		sleep 0.05
	done
	fail "a command of the killed runner still runs after 15 s"
}

# What a finished sandbox looks like, for comparing rounds with the uninterrupted run.
snapshot() {
	local S=$1 st
	echo "Ese.dll $("$HPT" "$S" file-version Ese.dll 2>&1)"
	"$HPT" "$S" hotfix-installed ese && echo "hotfix ese installed"
	"$HPT" "$S" service-running MSExchangeIS && echo "MSExchangeIS running"
	for st in "$MAILBOX" "$PUBLIC" "$SECOND"; do
		"$HPT" "$S" store-mounted "$st" && echo "mounted $st"
	done
	echo "recovery:"
	cut -d' ' -f2- "$S/stores/recovery.log" 2>/dev/null   # without the time
}

# The checks every finished round gets beyond the snapshot.
final_checks() {
	local S=$1 what=$2 pids=0 p journal
	holds_all "$S"
	for p in /proc/[0-9]*; do
		[[ $(readlink "$p/exe" 2>/dev/null) == "$S/bin/hpt" && $(cat "$p/comm" 2>/dev/null) == store.exe ]] &&
			is_store_exe "${p#/proc/}" && pids=$((pids + 1))
	done
	[[ $pids == 1 ]] || fail "$what: $pids store.exe daemons run"
	grep -qF "dismount $MAILBOX" "$S/stores/events.log" && fail "$what: the affected store was dismounted"
	grep -qF "dismounted $MAILBOX" "$S/stores/events.log" && fail "$what: the affected store was closed cleanly"
	journal=$(ls -t "$HOTPLAN_STATE_DIR"/runs/*.journal | head -n 1)
	python3 -B - "$journal" "$what" <<'PY' || fail "$what: the journal is wrong"
import os
import sys
sys.path.insert(0, os.path.join(os.environ["HOTPLAN_SOURCE_DIR"], "tests", "run"))
from hp_e2e import decode, journal_problems
d = decode(sys.argv[1])
probs = journal_problems(d["records"], "standalone")
if d["torn"]:
    probs.append("a torn tail is left")
for p in probs[:6]:
    sys.stderr.write("%s: %s\n" % (sys.argv[2], p))
sys.exit(1 if probs else 0)
PY
}

# The uninterrupted run: its duration and its end.
round_env base
t0=${EPOCHREALTIME/./}
run 0 "${ARGS[@]}"
t1=${EPOCHREALTIME/./}
DUR_US=$((t1 - t0))
S=$SB/exchange1
snapshot "$S" >"$TMP/want"
final_checks "$S" "uninterrupted run"
grep -qF "6.5.7232.54" "$TMP/want" || fail "the uninterrupted run did not install the hotfix: $(cat "$TMP/want")"
echo "run-crash-local: an uninterrupted run takes $((DUR_US / 1000)) ms"

kills=0 resume_kills=0 resumes=0 reruns=0 ended=0
for r in $(seq 1 "$ROUNDS"); do
	round_env "$r"
	S=$SB/exchange1
	delay_us=$(( (RANDOM * 32768 + RANDOM) % (DUR_US + 1) ))
	"$HOTPLAN" "${ARGS[@]}" >"$TMP/out.txt" 2>&1 </dev/null &
	pid=$!
	sleep "$((delay_us / 1000000)).$(printf '%06d' $((delay_us % 1000000)))"
	if kill -KILL "$pid" 2>/dev/null; then
		kills=$((kills + 1))
	fi
	rc=0
	wait "$pid" 2>/dev/null || rc=$?
	[[ $rc == 0 || $rc == 137 ]] || fail "round $r: the run exited $rc before the kill"
	[[ $rc == 0 ]] && ended=$((ended + 1))
	wait_orphans "$S"
	# resume (or run again) until it completes; a third of the resumes are killed as well
	for attempt in $(seq 1 8); do
		[[ $rc == 0 ]] && break
		journal=$(ls -t "$HOTPLAN_STATE_DIR"/runs/*.journal 2>/dev/null | head -n 1 || true)
		cmd=(resume "$journal" --yes --log json)
		[[ -z $journal ]] && cmd=("${ARGS[@]}")
		"$HOTPLAN" "${cmd[@]}" >"$TMP/out.txt" 2>&1 </dev/null &
		pid=$!
		if ((RANDOM % 3 == 0 && attempt < 6)); then
			d=$(( (RANDOM * 32768 + RANDOM) % (DUR_US + 1) ))
			sleep "$((d / 1000000)).$(printf '%06d' $((d % 1000000)))"
			kill -KILL "$pid" 2>/dev/null && resume_kills=$((resume_kills + 1))
		fi
		rc=0
		wait "$pid" 2>/dev/null || rc=$?
		[[ ${cmd[0]} == resume ]] && resumes=$((resumes + 1))
		wait_orphans "$S"
		if [[ $rc == 2 || $rc == 5 ]] && grep -qE "has no record of run|is empty|before any action" "$TMP/out.txt"; then
			# the runner died before its run was recorded for the target: nothing ran, start again
			reruns=$((reruns + 1))
			rc=0
			"$HOTPLAN" "${ARGS[@]}" >"$TMP/out.txt" 2>&1 </dev/null || rc=$?
		elif [[ $rc == 2 ]] && grep -qF "completed: it cannot be resumed" "$TMP/out.txt"; then
			rc=0   # the killed resume had finished the run (and said so to the target)
		fi
		[[ $rc == 0 || $rc == 137 ]] || fail "round $r: ${cmd[0]} exited $rc"
	done
	[[ $rc == 0 ]] || fail "round $r: no completion after 8 attempts"
	snapshot "$S" >"$TMP/got"
	if ! diff -u "$TMP/want" "$TMP/got" >&2; then
		echo "---- events.log of round $r:" >&2
		cat "$S/stores/events.log" >&2
		for j in "$HOTPLAN_STATE_DIR"/runs/*.journal; do
			echo "---- $j:" >&2
			python3 -B "$SRC/tests/run/journal-dump.py" "$j" | cut -c1-220 >&2 || true
		done
		fail "round $r (kill after $((delay_us / 1000)) ms): the sandbox differs from the uninterrupted run's"
	fi
	final_checks "$S" "round $r"
	# stop this round's daemon now: the next round makes its own
	kill -TERM "$(daemon_pid "$S")" 2>/dev/null || true
done
echo "run-crash-local: $ROUNDS rounds, $kills runs killed ($ended had ended), $resume_kills resumes killed," \
	"$resumes resumes, $reruns runs started again"
echo "PASS"
