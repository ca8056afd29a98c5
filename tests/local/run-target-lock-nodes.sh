#!/usr/bin/env bash
# run-target-lock-nodes.sh: the locks of a target's nodes are taken, written and released for
# all nodes at once (issue 13 item 5; docs/locks.md, "Taking it" and "Cost"), and what a run
# says and leaves is what it was when they went one by one. Eight local: nodes of one cluster
# target, n1..n6 each with a lock of its own (its directory's), n7 with n1's directory (the
# same lock word: asked once, through n1), n8 with n2's directory spelled with a trailing
# slash (the same lock under another word: its take runs at the same moment as n2's, and one
# of them finds the other's lock, this run's):
#  1. five runs in a row complete; every node's command ran each time; no lock, no LOCK.new,
#     LOCK.old or LOCK.stale is left in any directory; each lock's record says completed;
#  2. n3 and n5 held by another run (another host: never stale): exit 5 naming n3 (the first
#     in node order), no command ran, every other node's lock released (none on disk), n3's
#     and n5's holders untouched; a dry run (which reads every node at once) names n3 too;
#     with n3's gone, the run names n5;
#  3. n4 held by a dead runner of this host, n6 by another host: the stale lock is taken over
#     and goes back with the rest when n6 refuses (exit 5 naming n6; no lock on n4);
#  4. n1's lock (shared by n7, and n2's by n8) held by a dead runner: the run clears it once,
#     says so once, and completes.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$TMP"
ME=$(hostname)
BOOT=$(cat /proc/sys/kernel/random/boot_id)

mkdir -p profiles
cat >profiles/nodes-lock.hplan <<'PROFILE'
profile "nodes-lock" {
    shell "sh"
    lock "${fact.dir}/hotplan.lock"
    exec = "cd ${fact.dir} || exit 125\n${command}"
}
PROFILE
export HOTPLAN_PROFILE_PATH=$TMP/profiles
mkdir -p nodes
{
	echo 'target eight cluster {'
	echo '    profile "nodes-lock"'
	for i in 1 2 3 4 5 6; do
		mkdir -p "nodes/n$i"
		echo "    node \"n$i\" address \"local:\" { fact dir = \"$TMP/nodes/n$i\" }"
	done
	echo "    node \"n7\" address \"local:\" { fact dir = \"$TMP/nodes/n1\" }"
	echo "    node \"n8\" address \"local:\" { fact dir = \"$TMP/nodes/n2/\" }"
	echo '}'
} >inv.hplan
cat >touch.hplan <<'PLAN'
plan touch_all "Every node marks itself" {
    procedure cluster {
        roles {
            everyone = all nodes
        }
        for each n in everyone serial 8 {
            step mark "Mark" on n {
                exec "echo ran >> log"
            }
        }
    }
}
PLAN
run() {   # run EXPECTED_RC ARGS...
	local want=$1 rc=0
	shift
	"$HOTPLAN" "$@" >"$TMP/out.txt" 2>&1 </dev/null || rc=$?
	[[ $rc == "$want" ]] || fail "hotplan $* exited with $rc, expected $want"
}
count() { grep -oF -- "$1" "$TMP/out.txt" | wc -l; }   # how many times the output says $1
# no lock and nothing of a lock being taken, released or cleared, in any node's directory,
# but the locks named in $@ (node numbers)
no_locks_but() {
	local i left
	for i in 1 2 3 4 5 6; do
		[[ " $* " == *" $i "* ]] && continue
		[[ ! -e nodes/n$i/hotplan.lock ]] || fail "a lock is left on n$i: $(cat "nodes/n$i/hotplan.lock/holder" 2>&1)"
	done
	left=$(find nodes -name 'hotplan.lock.new.*' -o -name 'hotplan.lock.old.*' -o -name 'hotplan.lock.stale.*' \
		-o -name 'hotplan.lock.last.tmp.*')
	[[ -z $left ]] || fail "left behind: $left"
}
lines() { cat nodes/n*/log 2>/dev/null | wc -l; }
# holder DIR RUN HOST PID BOOT: a holder file in DIR/hotplan.lock, as another run wrote it
holder() {
	mkdir "$1/hotplan.lock"
	cat >"$1/hotplan.lock/holder" <<HOLDER
hotplan-target-lock 1
run $2
host $3
user operator
pid $4
pidstart 1
boot $5
started 1796515200000000000
plan /srv/plans/x.hplan
journal /srv/.hotplan/runs/$2.journal
target prod
end
HOLDER
}
dead_pid() { sh -c 'echo $$'; }   # a process that has ended

# 1. five runs in a row
for r in 1 2 3 4 5; do
	run 0 run touch.hplan --inventory inv.hplan --yes
	no_locks_but
done
# n7 runs in n1's directory, n8 in n2's: 8 commands a run
[[ $(lines) == 40 ]] || fail "expected 40 commands run, got $(lines): $(head -c 300 nodes/n1/log)"
for i in 1 2 3 4 5 6; do
	grep -q '^status completed$' "nodes/n$i/hotplan.lock.last" || fail "n$i's record: $(cat "nodes/n$i/hotplan.lock.last")"
done

# 2. two nodes held by another run: the first in node order is named, nothing is kept
holder nodes/n3 20261206T000000Z-0a0b03 elsewhere 4242 00000000-0000-0000-0000-000000000000
holder nodes/n5 20261206T000000Z-0a0b05 elsewhere 4243 00000000-0000-0000-0000-000000000000
cp nodes/n3/hotplan.lock/holder n3.holder
cp nodes/n5/hotplan.lock/holder n5.holder
before=$(lines)
run 5 run touch.hplan --inventory inv.hplan --yes
says "node n3 is locked by run 20261206T000000Z-0a0b03 (host elsewhere, user operator, pid 4242"
[[ $(count "node n5") == 0 ]] || fail "n5 named too: $(cat out.txt)"
[[ $(lines) == "$before" ]] || fail "a command ran although the run was refused"
no_locks_but 3 5
cmp -s n3.holder nodes/n3/hotplan.lock/holder || fail "n3's holder changed"
cmp -s n5.holder nodes/n5/hotplan.lock/holder || fail "n5's holder changed"
run 0 run touch.hplan --inventory inv.hplan --dry-run   # read at once too, said in node order
says "a real run would be refused (exit 5): node n3 is locked by run 20261206T000000Z-0a0b03"
[[ $(count "node n5") == 0 ]] || fail "the dry run names n5 too: $(cat out.txt)"
no_locks_but 3 5
rm -r nodes/n3/hotplan.lock
run 5 run touch.hplan --inventory inv.hplan --yes
says "node n5 is locked by run 20261206T000000Z-0a0b05 (host elsewhere, user operator, pid 4243"
no_locks_but 5
rm -r nodes/n5/hotplan.lock

# 3. a dead runner's lock on n4 taken over, then given back when n6 refuses
holder nodes/n4 20261206T000000Z-0d0d04 "$ME" "$(dead_pid)" "$BOOT"
holder nodes/n6 20261206T000000Z-0a0b06 elsewhere 4246 00000000-0000-0000-0000-000000000000
run 5 run touch.hplan --inventory inv.hplan --yes
says "node n6 is locked by run 20261206T000000Z-0a0b06"
[[ $(lines) == "$before" ]] || fail "a command ran although the run was refused"
no_locks_but 6
rm -r nodes/n6/hotplan.lock

# 4. a dead runner's lock on n1 (n7's too) and on n2 (n8's): cleared once each, said once each
holder nodes/n1 20261206T000000Z-0d0d01 "$ME" "$(dead_pid)" "$BOOT"
holder nodes/n2 20261206T000000Z-0d0d02 "$ME" "$(dead_pid)" "$BOOT"
run 0 run touch.hplan --inventory inv.hplan --yes
[[ $(count "stale lock on node n1 of run 20261206T000000Z-0d0d01") == 1 ]] || fail "n1's stale lock: $(cat out.txt)"
[[ $(count "stale lock on node") == 2 ]] || fail "stale locks said: $(grep -F 'stale lock' out.txt)"
[[ $(count "of run 20261206T000000Z-0d0d02 (host $ME") == 1 ]] || fail "n2's stale lock: $(cat out.txt)"
[[ $(lines) == $((before + 8)) ]] || fail "expected 8 more commands, got $(($(lines) - before))"
no_locks_but
echo "PASS"
