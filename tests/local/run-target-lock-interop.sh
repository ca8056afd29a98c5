#!/usr/bin/env bash
# run-target-lock-interop.sh: a local: node's lock taken in the runner's own process
# (runtime/lock_local.c) and by the /bin/sh scripts an ssh:// node gets (HOTPLAN_LOCAL_LOCK=script:
# the same scripts, on this machine) are one protocol on one directory (docs/locks.md,
# "In-process on local: nodes"):
#
#  1. run-target-lock.sh again, every lock through the scripts (two state directories, an alias,
#     kill -9 and the stale lock, unlock, a half-made lock).
#  2. each way holds while the other asks: exit 5 naming the holder, the command never ran.
#  3. each way killed -9 while it holds: the other clears the stale lock, reads the unfinished
#     record and refuses; the killed run's resume, the other way, finishes it.
#  4. what each leaves: the holder file and the record have the same lines; nothing else is
#     left beside the lock; the errors say the same (a lock path that is a file, relative, or
#     the root directory).
#  5. in-process means no process: mkdir, mv, cat and rm spied on through PATH are run by the
#     scripts and never in-process.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$TMP"
LOCK=$HOTPLAN_LOCK_PATH
ME=$(hostname)

# 1.
HOTPLAN_LOCAL_LOCK=script bash "$SRC/tests/local/run-target-lock.sh" >"$TMP/replay.txt" 2>&1 ||
	{ cat "$TMP/replay.txt" >&2; fail "run-target-lock.sh through the scripts failed"; }

write_inventory inv.hplan <<'INV'
target box standalone {
    node "box" address "local:"
}
INV
lock_plan first
lock_plan second
rm -rf "$LOCK" "$LOCK".*

# way A B: run A's way of taking the lock (inproc or script) with the rest of the line
way() {
	if [[ $1 == script ]]; then
		HOTPLAN_LOCAL_LOCK=script "${@:2}"
	else
		HOTPLAN_LOCAL_LOCK= "${@:2}"
	fi
}

for holder in inproc script; do
	other=$([[ $holder == inproc ]] && echo script || echo inproc)
	# 2. one holds, the other asks
	: >"$TMP/started"
	way "$holder" lock_start first "h-$holder" --inventory inv.hplan --yes
	rid=$(lock_run_id)
	[[ -n $rid ]] || fail "$holder: no holder file while the run acts"
	HOTPLAN_STATE_DIR=$TMP/o-$other way "$other" run 5 run second.hplan --inventory inv.hplan --yes
	says "node box is locked by run $rid (host $ME, user $(id -un), pid $bg, since "
	lock_never_ran second
	lock_finish 0
	[[ ! -e $LOCK ]] || fail "$holder: the lock is still there after the run completed"
	grep -q "^status completed$" "$LOCK.last" || fail "$holder: the last-run record: $(cat "$LOCK.last")"
	HOTPLAN_STATE_DIR=$TMP/o-$other way "$other" run 0 run second.hplan --inventory inv.hplan --yes

	# 3. killed -9 while it holds
	: >"$TMP/started"
	way "$holder" lock_start first "k-$holder" --inventory inv.hplan --yes
	rid=$(lock_run_id)
	kill -KILL "$bg"
	wait "$bg" 2>/dev/null || true
	HOTPLAN_STATE_DIR=$TMP/o-$other way "$other" run 5 run second.hplan --inventory inv.hplan --yes
	says "stale lock on node box of run $rid (host $ME"
	says "node box: its last run $rid (target 'box', from host $ME, user $(id -un)) is unfinished"
	lock_never_ran second
	[[ ! -e $LOCK ]] || fail "$holder: the refused run left a lock"
	touch "$TMP/go"
	HOTPLAN_STATE_DIR=$TMP/k-$holder way "$other" run 0 resume "$TMP/k-$holder/runs/$rid.journal" --yes
	grep -q "^status completed$" "$LOCK.last" || fail "$holder: resume did not record the end: $(cat "$LOCK.last")"
done

# 4. the files each leaves, and what is beside the lock
keys() { cut -d' ' -f1 "$1" | tr '\n' ' '; }
for w in inproc script; do
	: >"$TMP/started"
	way "$w" lock_start first "f-$w" --inventory inv.hplan --yes
	keys "$LOCK/holder" >"$TMP/holder-$w"
	stat -c '%a' "$LOCK" "$LOCK/holder" >>"$TMP/holder-$w"
	ls -a "$(dirname "$LOCK")" >"$TMP/beside-held-$w"
	lock_finish 0
	keys "$LOCK.last" >"$TMP/last-$w"
	stat -c '%a' "$LOCK.last" >>"$TMP/last-$w"
	ls -a "$(dirname "$LOCK")" >"$TMP/beside-$w"
done
for f in holder last beside-held beside; do
	cmp -s "$TMP/$f-inproc" "$TMP/$f-script" ||
		fail "$f differs: in-process: $(cat "$TMP/$f-inproc"); script: $(cat "$TMP/$f-script")"
done
grep -q "^hotplan-target-lock run host user pid pidstart boot started plan journal target end 700$" "$TMP/holder-inproc" ||
	fail "the holder file's lines: $(cat "$TMP/holder-inproc")"
# errors: a lock path that is a file, and a relative one
error_of() {   # error_of WAY LOCKPATH: what the run says about its lock
	local rc=0
	HOTPLAN_LOCK_PATH=$2 way "$1" "$HOTPLAN" run second.hplan --inventory inv.hplan --yes >"$TMP/err.txt" 2>&1 </dev/null ||
		rc=$?
	echo "exit $rc: $(grep -o 'node box[^;]*' "$TMP/err.txt" | head -1)"
}
: >"$TMP/a-file"
for path in "$TMP/a-file" relative/lock //; do
	a=$(error_of inproc "$path")
	b=$(error_of script "$path")
	[[ $a == "$b" ]] || fail "the lock path $path: in-process says '$a', the script '$b'"
	[[ $a == "exit 2: "* && ($a == *"$path"* || $a == *"names the root directory"*) ]] ||
		fail "the lock path $path: '$a'"
done

# 5. no process for the lock in-process; the scripts' commands through PATH
mkdir -p "$TMP/spy"
for c in mkdir mv cat rm; do
	printf '#!/bin/sh\necho %s >>"%s/spied"\nexec %s "$@"\n' "$c" "$TMP" "$(command -v "$c")" >"$TMP/spy/$c"
	chmod +x "$TMP/spy/$c"
done
for w in inproc script; do
	: >"$TMP/spied"
	: >"$TMP/started"
	touch "$TMP/go"
	PATH=$TMP/spy:$PATH way "$w" run 0 run second.hplan --inventory inv.hplan --yes
	sort -u "$TMP/spied" | tr '\n' ' ' >"$TMP/spied-$w"
done
[[ ! -s $TMP/spied-inproc ]] || fail "the in-process lock ran: $(cat "$TMP/spied-inproc")"
[[ $(cat "$TMP/spied-script") == "cat mkdir mv rm " || $(cat "$TMP/spied-script") == "cat mv rm " ]] ||
	fail "the scripts ran: '$(cat "$TMP/spied-script")' (the spy sees nothing?)"
echo "PASS"
