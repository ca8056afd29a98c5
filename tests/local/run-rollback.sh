#!/usr/bin/env bash
# run-rollback.sh: failures on a real target roll back with real commands.
#  1. the installer fails (a failure the sandbox is told to make): the checkpoint's actions
#     start the Information Store and mount the stores again; exit 3, the sandbox in service;
#  2. --fail-at on a real target: the same, from the step named;
#  3. the rollback fails too (the service will not start): exit 4, and the run says what it
#     left degraded; `hotplan resume` finishes the rollback once the fault is gone: exit 3.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

INV=$SRC/plans/inventories/local.hplan
S=$SB/exchange1
make_server exchange1

# 1. the installer fails
echo "the installer cannot replace Ese.dll: access denied" >"$S/fail/install"
run 3 run "$PLAN" --inventory "$INV" --yes --set "affected=$MAILBOX"
says "install failed: the installer cannot replace Ese.dll: access denied"
says "rolling back to checkpoint store_killed"
says "ok   start service \"MSExchangeIS\" on exchange1"
says "rolled-back"
rm "$S/fail/install"
[[ $(hpt "$S" file-version Ese.dll) == 6.5.7226.0 ]] || fail "Ese.dll changed: $(hpt "$S" file-version Ese.dll)"
hpt "$S" hotfix-installed ese && fail "the hotfix is recorded as installed"
holds_all "$S"
for st in "$MAILBOX" "$PUBLIC" "$SECOND"; do
	hpt "$S" store-mounted "$st" || fail "store $st is not mounted after the rollback"
done
grep -qF "exchange1 recovered \"$MAILBOX\" (soft recovery, Ese.dll 6.5.7226.0)" "$S/stores/recovery.log" ||
	fail "the killed store was not recovered: $(cat "$S/stores/recovery.log")"

# 2. --fail-at, on a real target: the step fails before its first action
pid=$(daemon_pid "$S")
run 3 run "$PLAN" --inventory "$INV" --yes --set "affected=$MAILBOX" --fail-at kill_store
says "step 'kill_store' failed on purpose (--fail-at)"
says "rolling back to checkpoint others_dismounted"
says "ok   mount stores not in affected on exchange1"
[[ $(daemon_pid "$S") == "$pid" ]] && is_store_exe "$pid" || fail "store.exe was stopped"
holds_all "$S"

# 3. the rollback fails: exit 4, degraded; resume finishes it
echo "installer failure" >"$S/fail/install"
echo "the service did not start in a timely fashion" >"$S/fail/start-service"
run 4 run "$PLAN" --inventory "$INV" --yes --set "affected=$MAILBOX"
says "the service did not start in a timely fashion"
says "rollback to checkpoint store_killed failed"
says "the target was left degraded"
says "is stopped on exchange1"
hpt "$S" service-running MSExchangeIS && fail "MSExchangeIS runs"
journal=$(grep -o '/[^ ]*\.journal' "$TMP/out.txt" | head -n 1)
[[ -f $journal ]] || fail "no journal path in the output"
run 5 run "$PLAN" --inventory "$INV" --yes --set "affected=$MAILBOX"
says "hotplan resume"
rm "$S/fail/install" "$S/fail/start-service"
run 3 resume "$journal" --yes
says "rolled-back"
holds_all "$S"
for st in "$MAILBOX" "$PUBLIC" "$SECOND"; do
	hpt "$S" store-mounted "$st" || fail "store $st is not mounted after the resumed rollback"
done
echo "PASS"
