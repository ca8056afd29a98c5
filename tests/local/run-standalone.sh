#!/usr/bin/env bash
# run-standalone.sh: the canonical plan on a stand-alone local: server played by a
# posix-test sandbox, end to end: the run completes and the sandbox ends right (Ese.dll at
# 6.5.7232.54, the Information Store running and holding every store, the affected store
# soft-recovered once and never dismounted, the others dismounted and mounted again, each
# command's output kept beside the journal); a second run of the same plan completes too.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

make_server exchange1
pid0=$(daemon_pid "$SB/exchange1")
run 0 run "$PLAN" --inventory "$SRC/plans/inventories/local.hplan" --yes --set "affected=$MAILBOX"
says "completed"
says "ok   kill process \"store.exe\" on exchange1"

S=$SB/exchange1
[[ $(hpt "$S" file-version Ese.dll) == 6.5.7232.54 ]] || fail "Ese.dll is $(hpt "$S" file-version Ese.dll)"
hpt "$S" hotfix-installed ese || fail "the hotfix is not recorded as installed"
hpt "$S" service-running MSExchangeIS || fail "MSExchangeIS does not run"
pid1=$(daemon_pid "$S")
[[ $pid1 != "$pid0" ]] || fail "store.exe was never restarted (pid $pid0)"
is_store_exe "$pid0" && fail "the old store.exe (pid $pid0) still runs"
holds_all "$S"
for st in "$MAILBOX" "$PUBLIC" "$SECOND"; do
	hpt "$S" store-mounted "$st" || fail "store $st is not mounted"
done

# soft recovery: the affected store, once, with the new Ese.dll
log=$S/stores/recovery.log
[[ $(wc -l <"$log") == 1 ]] || fail "recovery.log: $(cat "$log")"
grep -qF "exchange1 recovered \"$MAILBOX\" (soft recovery, Ese.dll 6.5.7232.54)" "$log" || fail "recovery.log: $(cat "$log")"

# the order of events: others dismounted, store.exe killed with the affected store mounted,
# the hotfix, recovery, the others mounted again
ev=$S/stores/events.log
order() { # the line numbers of the given fixed strings must increase
	local prev=0 n
	for s in "$@"; do
		n=$(grep -nF -- "$s" "$ev" | tail -n 1 | cut -d: -f1)
		[[ -n $n && $n -gt $prev ]] || fail "events.log: \"$s\" is missing or out of order:$(printf '\n%s' "$(cat "$ev")")"
		prev=$n
	done
}
order "dismounted $PUBLIC" "dismounted $SECOND" "kill store.exe" "install ese" "recover $MAILBOX" \
	"mount $PUBLIC" "mounted $PUBLIC" "mount $SECOND" "mounted $SECOND"
order "dismounted $SECOND" "kill store.exe"
grep -qF "dismount $MAILBOX" "$ev" && fail "the affected store was dismounted"
grep -qF "dismounted $MAILBOX" "$ev" && fail "the affected store was closed cleanly"

# the commands' output beside the journal, one file per node
journal=$(ls "$HOTPLAN_STATE_DIR"/runs/*.journal | head -n 1)
[[ -f $journal.out/exchange1.log ]] || fail "no $journal.out/exchange1.log"
grep -qF "kill-process 'store.exe'" "$journal.out/exchange1.log" || fail "the capture does not name the kill command"

# the target is in service: the same plan runs again (a new run), and completes
run 0 run "$PLAN" --inventory "$SRC/plans/inventories/local.hplan" --yes --set "affected=$MAILBOX"
says "completed"
holds_all "$S"

# a real target is not changed without a confirmation
run 2 run "$PLAN" --inventory "$SRC/plans/inventories/local.hplan" --set "affected=$MAILBOX"
says "confirm on a terminal, or give --yes"
echo "PASS"
