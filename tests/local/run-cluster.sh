#!/usr/bin/env bash
# run-cluster.sh: the canonical cluster procedure on two local: nodes, each its own posix-test
# sandbox, sharing one cluster directory (members, group owners, restart policies, the
# stores). The group owners and the stores are read from the sandboxes when the run starts.
#  1. the failover fails (moving the group is refused on node1): the checkpoint enables the
#     resource's restart, starts the Information Store on node1 and mounts the stores: exit 3;
#  2. the whole procedure: both nodes patched and restarted, the groups on node2, whose
#     store.exe soft-recovered the affected store with the new Ese.dll and holds every store;
#  3. again with failback=true: the groups end where they started.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

INV=$SRC/plans/inventories/local-cluster.hplan
C=$SB/cluster
N1=$SB/node1
N2=$SB/node2
hpt "$N1" init --node node1 --cluster "$C" --owner --store "$MAILBOX" --store "$PUBLIC" --store "$SECOND" \
	--boot-delay 0.3 >/dev/null
hpt "$N2" init --node node2 --cluster "$C" --boot-delay 0.3 >/dev/null
hpt "$N1" start-service MSExchangeIS

owner() { hpt "$N1" group-owner "$1"; }
all_mounted() {
	for st in "$MAILBOX" "$PUBLIC" "$SECOND"; do
		hpt "$1" store-mounted "$st" || fail "store $st is not mounted on $1"
	done
	holds_all "$1"
}

# 1.
echo "the group is pending a cluster operation" >"$N1/fail/move-group"
run 3 run "$PLAN" --inventory "$INV" --yes --set "affected=$MAILBOX"
says "FAIL move group \"Exchange\" to passive: exited with status 1: hpt: move-group failed: the group is pending a cluster operation"
says "rolling back to checkpoint restart_disabled"
says "rolled-back"
rm "$N1/fail/move-group"
[[ $(owner Exchange) == node1 ]] || fail "Exchange is owned by $(owner Exchange)"
hpt "$N1" restart-enabled "Exchange Information Store Instance" || fail "restart is still disabled"
all_mounted "$N1"
hpt "$N1" member && hpt "$N1" member node2 || fail "a node is not a member"
[[ $(hpt "$N2" file-version Ese.dll) == 6.5.7232.54 ]] || fail "node2 was not patched before the failure"
[[ $(hpt "$N1" file-version Ese.dll) == 6.5.7226.0 ]] || fail "node1 was patched"
grep -qF "node1 recovered \"$MAILBOX\" (soft recovery, Ese.dll 6.5.7226.0)" "$C/stores/recovery.log" ||
	fail "recovery.log: $(cat "$C/stores/recovery.log")"

# 2.
: >"$C/stores/recovery.log"
lines=$(wc -l <"$C/stores/events.log")
run 0 run "$PLAN" --inventory "$INV" --yes --set "affected=$MAILBOX"
says "completed"
says "ok   move group \"Exchange\" to passive"
for n in "$N1" "$N2"; do
	[[ $(hpt "$n" file-version Ese.dll) == 6.5.7232.54 ]] || fail "$n: Ese.dll is $(hpt "$n" file-version Ese.dll)"
	hpt "$n" member || fail "$n is not a cluster member"
	hpt "$n" up || fail "$n is still restarting"
done
[[ $(owner Exchange) == node2 && $(owner "Cluster Group") == node2 ]] || fail "the groups are on $(owner Exchange), $(owner "Cluster Group")"
hpt "$N1" service-running MSExchangeIS && fail "store.exe runs on node1 too"
all_mounted "$N2"
hpt "$N2" restart-enabled "Exchange Information Store Instance" || fail "restart is still disabled"
[[ $(wc -l <"$C/stores/recovery.log") == 1 ]] &&
	grep -qF "node2 recovered \"$MAILBOX\" (soft recovery, Ese.dll 6.5.7232.54)" "$C/stores/recovery.log" ||
	fail "recovery.log: $(cat "$C/stores/recovery.log")"
ev() { tail -n +"$((lines + 1))" "$C/stores/events.log"; }
order() {
	local prev=0 n
	for s in "$@"; do
		n=$(ev | grep -nF -- "$s" | head -n 1 | cut -d: -f1)
		[[ -n $n && $n -gt $prev ]] || fail "events.log: \"$s\" is missing or out of order:$(printf '\n%s' "$(ev)")"
		prev=$n
	done
}
order "node2 leave (stop ClusSvc)" "node2 install ese" "node2 restart" "node2 booted" \
	"RestartAction=0" "node1 dismounted $PUBLIC" "node1 kill store.exe" "move Exchange from node1 to node2" \
	"node2 recover $MAILBOX" "move Cluster Group from node1 to node2" "node1 leave (stop ClusSvc)" \
	"node1 install ese" "node1 restart" "node1 booted" "RestartAction=2" "node2 mount $PUBLIC"
ev | grep -qF "dismount $MAILBOX" && fail "the affected store was dismounted"

# 3.
run 0 run "$PLAN" --inventory "$INV" --yes --set "affected=$MAILBOX" --set failback=true
says "completed"
says "ok   move group \"Exchange\" to active"
[[ $(owner Exchange) == node2 && $(owner "Cluster Group") == node2 ]] || fail "after failback the groups are on $(owner Exchange)"
all_mounted "$N2"
echo "PASS"
