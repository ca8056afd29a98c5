#!/usr/bin/env bash
# run-exec-role.sh: what a plan knows about its nodes, on two local: nodes (posix-test
# sandboxes sharing one cluster directory, plans/inventories/local-cluster.hplan):
#  1. `${ROLE}` in an exec string is the name of the node the role is bound to, quoted for
#     the shell like a param's value: the command sees `node2`, the dry run shows 'node2';
#  2. a role `= node "NAME"` binds the inventory's node of that name; one the inventory lacks
#     stops the run before anything changes (exit 2);
#  3. `move all groups to R` moves every group of the model, each by its own command (none
#     for a group already there), and `verify all groups on R` then holds on the target.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

INV=$SRC/plans/inventories/local-cluster.hplan
C=$SB/cluster
N1=$SB/node1
N2=$SB/node2
hpt "$N1" init --node node1 --cluster "$C" --owner --store "$MAILBOX" >/dev/null
hpt "$N2" init --node node2 --cluster "$C" >/dev/null

cat >"$TMP/know.hplan" <<'PLAN'
plan know "Roles in exec strings, named nodes, all groups" {
    param out : string
    model {
        group "Cluster Group"
        group "Exchange"
    }
    procedure cluster {
        roles {
            active  = owner of group "Cluster Group"
            passive = any node except active
            second  = node "node2"
        }
        step tell "Say which node is passive" on active {
            exec "printf '<%s|%s>\n' ${passive} ${second} > ${out}"
        }
        step gather "Every group to the passive node" {
            move all groups to passive
            verify all groups on passive
        }
    }
}
PLAN

# 3. (a group already there: no command, so a move that would fail is never run)
sed -e '/step tell/,/^        }/d' -e 's/move all groups to passive/move all groups to active/' \
	-e 's/verify all groups on passive/verify all groups on active/' "$TMP/know.hplan" >"$TMP/stay.hplan"
echo "the group is pending a cluster operation" >"$N1/fail/move-group"
echo "the group is pending a cluster operation" >"$N2/fail/move-group"
run 0 run "$TMP/stay.hplan" --inventory "$INV" --yes --set "out=$TMP/said"
says "ok   move group \"Exchange\" to active (all groups)"
rm "$N1/fail/move-group" "$N2/fail/move-group"

# 1. (and 3.)
run 0 run "$TMP/know.hplan" --inventory "$INV" --yes --dry-run --set "out=$TMP/said"
says "printf '<%s|%s>\n' 'node2' 'node2' > '$TMP/said'"
[[ ! -e $TMP/said ]] || fail "the dry run ran the exec"
run 0 run "$TMP/know.hplan" --inventory "$INV" --yes --set "out=$TMP/said"
says "completed"
[[ $(cat "$TMP/said") == "<node2|node2>" ]] || fail "the exec wrote: $(cat "$TMP/said")"
says "ok   move group \"Cluster Group\" to passive (all groups)"
says "ok   move group \"Exchange\" to passive (all groups)"
[[ $(hpt "$N1" group-owner "Cluster Group") == node2 && $(hpt "$N1" group-owner Exchange) == node2 ]] ||
	fail "the groups are on $(hpt "$N1" group-owner "Cluster Group"), $(hpt "$N1" group-owner Exchange)"

# the compiled image (the `node` role inside) runs the same: the groups go back to node1
run 0 compile "$TMP/know.hplan" -o "$TMP/know.hpc"
rm -f "$TMP/said"
run 0 run "$TMP/know.hpc" --inventory "$INV" --yes --set "out=$TMP/said"
[[ $(cat "$TMP/said") == "<node1|node2>" ]] || fail "the image's exec wrote: $(cat "$TMP/said")"
[[ $(hpt "$N1" group-owner Exchange) == node1 ]] || fail "the image did not move Exchange back"

# 2.
sed 's/node "node2"/node "SQLN9"/' "$TMP/know.hplan" >"$TMP/missing.hplan"
rm -f "$TMP/said"
run 2 run "$TMP/missing.hplan" --inventory "$INV" --yes --set "out=$TMP/said"
says "role 'second' names node \"SQLN9\", which target 'local_cluster' does not have"
[[ ! -e $TMP/said ]] || fail "a run with an unknown node ran the exec"

echo "run-exec-role: ok"
