#!/usr/bin/env bash
# run-guard.sh: the checker proves the plan; the runtime guards the moment, against the
# live target, read back through the profile's probes when the run starts.
#  1. The canonical plan is fine, but on the live server an operator has already dismounted
#     the affected store: force-stopping store.exe now would leave it without soft recovery
#     (HP102). The guard refuses the kill; the run rolls back (exit 3); store.exe was never
#     killed.
#  2. A plan whose rollback dismounts every store passes the checker (a checkpoint is judged
#     for HP130 only: a warning); the live `affected` list, from the inventory's `set`, names
#     a store, and the guard refuses that rollback action (HP101): exit 4, no store touched.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

S=$SB/exchange1
make_server exchange1

# 1.
hpt "$S" dismount "$MAILBOX"
pid=$(daemon_pid "$S")
# The rollback mounts the others again and leaves the affected store as the operator did.
# That store is no degradation: SPEC section 4 counts what the plan caused ("a store the plan
# dismounted"), not what it found, so the rollback succeeds and the run ends rolled back,
# exit 3 (SPEC sections 5 and 6; exit 4 is for no checkpoint or a failed rollback).
run 3 run "$PLAN" --inventory "$SRC/plans/inventories/local.hplan" --yes --set "affected=$MAILBOX"
says "rolled back to checkpoint others_dismounted"
says "rolled-back"
grep -qF "still degraded" "$TMP/out.txt" && fail "the operator's dismount was counted as a degradation of the rollback"
says "ok   mount stores not in affected on exchange1"
says "FAIL kill process \"store.exe\" on exchange1: refused by the guard: force-stopping the store process while an at-risk store is not mounted"
says "(store \"$MAILBOX\") [HP102]"
[[ $(daemon_pid "$S") == "$pid" ]] && is_store_exe "$pid" || fail "store.exe was killed or restarted"
grep -qF "kill store.exe" "$S/stores/events.log" && fail "store.exe was killed"
hpt "$S" store-dismounted "$MAILBOX" || fail "the affected store is no longer as the operator left it"
hpt "$S" store-mounted "$PUBLIC" && hpt "$S" store-mounted "$SECOND" || fail "the rollback did not mount the others"
hpt "$S" mount "$MAILBOX"
holds_all "$S"

# 2.
cat >"$TMP/rollback-dismounts.hplan" <<'PLAN'
plan maint "A rollback that takes every store offline" {
    param affected : stores "the stores named in event ID 217"
    require count(affected) > 0
    model {
        service "MSExchangeIS" process "store.exe" holds stores
        recover affected
    }
    procedure standalone {
        step dismount_others "Dismount the stores that are not affected" {
            dismount stores not in affected
        }
        checkpoint offline {
            dismount all stores
        }
        step fails "Something that fails" {
            exec "echo the maintenance tool crashed >&2; exit 7"
        }
        step remount "Mount them again" {
            mount stores not in affected
        }
    }
}
PLAN
write_inventory guarded.hplan <<INV
target guarded standalone {
    profile "posix-test"
    node "exchange1" address "local:"
    set affected = "$MAILBOX"
}
INV
lines=$(wc -l <"$S/stores/events.log")
run 1 check --kind standalone -Werror "$TMP/rollback-dismounts.hplan"
grep -qF "[HP101]" "$TMP/out.txt" && fail "the checker reports HP101 for the checkpoint"
run 4 run "$TMP/rollback-dismounts.hplan" --inventory "$TMP/guarded.hplan" --yes
says "exited with status 7: the maintenance tool crashed"
says "rollback to checkpoint offline failed"
says "refused by the guard: dismounting a store that is, or may be, in the \`recover\` set (store \"$MAILBOX\") [HP101]"
hpt "$S" store-mounted "$MAILBOX" || fail "the affected store was dismounted"
tail -n +"$((lines + 1))" "$S/stores/events.log" | grep -qF "dismount $MAILBOX" && fail "the affected store was dismounted"
echo "PASS"
