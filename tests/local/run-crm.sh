#!/usr/bin/env bash
# run-crm.sh: a `cluster "pacemaker"` profile read through the runtime, without root: two
# local: nodes whose `probe cluster status` prints crm_mon XML captured from the lab's real
# Pacemaker (tests/cluster/data/), and whose actions only write what they would do. What the
# runtime makes of that XML (crm_xml.c, crm_probe.c, live.c):
#  A. the group's owner binds the roles; the member and owner checks pass; exit 0
#  B. node1's stack does not answer (exit 102, "Not connected"): the owner is asked of node2
#  C. a line of a login shell's noise on stderr before the XML: still read
#  D. a truncated document: a probe error naming the command, libxml2's reason and what it
#     printed; exit 2, no crash, nothing done
#  E. the passive node in standby: not a member, the plan's verify fails
#  F. the group moves behind hotplan's back at the pause: the guard reads the status again and
#     refuses to stop the node that now runs it (HP115); the run rolls back (exit 3)
#  G. a ban in crm_mon's XML, H. a -INFINITY location constraint in the CIB: the move is
#     refused before it runs, naming the constraint (exit 3)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DATA=$SRC/tests/cluster/data
C=$TMP/crm
mkdir -p "$C"
PY=$(command -v /usr/bin/python3 || command -v python3)

write_inventory crm.hplan <<EOF2
profile "crm-file" {
    cluster "pacemaker"
    probe cluster status = "if test -e \${fact.crm}/noise; then cat \${fact.crm}/noise >&2; fi; cat \${fact.crm}/status-\${node}.xml; exit \$(cat \${fact.crm}/rc-\${node} 2>/dev/null || echo 0)"
    probe cluster config = "cat \${fact.crm}/cib.xml"
    stop service         = "echo stop \${service} \${node} >>\${fact.crm}/actions"
    start service        = "echo start \${service} \${node} >>\${fact.crm}/actions"
    move group           = "echo move \${group} \${to} >>\${fact.crm}/actions"
}
target crm cluster {
    profile "crm-file"
    fact crm = "$C"
    node "node1" address "local:"
    node "node2" address "local:"
}
EOF2
cat >"$TMP/plan.hplan" <<'EOF2'
plan crm_local "Read a Pacemaker cluster through crm_mon's XML" {
    model {
        service "pacemaker" cluster
        group "lab-group"
    }
    procedure cluster {
        roles {
            active  = owner of group "lab-group"
            passive = any node except active
        }
        step ready "The passive node is a member and runs no group" on passive {
            verify passive member
            verify passive owns no groups
        }
        checkpoint back {
            start service "pacemaker" on passive
        }
        step leave "The passive node leaves and comes back" on passive {
            pause "the passive node leaves the cluster now"
            stop service "pacemaker"
            start service "pacemaker"
            wait until passive member timeout 10s
        }
        step failover "Move the group" {
            move group "lab-group" to passive
        }
    }
}
EOF2
INV=$TMP/crm.hplan

# status FILE1 FILE2: what node1's and node2's crm_mon print (files of tests/cluster/data)
status() {
	cp "$DATA/$1" "$C/status-node1.xml"
	cp "$DATA/$2" "$C/status-node2.xml"
	rm -f "$C"/rc-node? "$C/noise" "$C/actions"
	cp "$DATA/cib-moved.xml" "$C/cib.xml"
}
state() { export HOTPLAN_STATE_DIR=$TMP/state-$1; }
acted() { cat "$C/actions" 2>/dev/null || true; }

# A.
status crm_mon-online.xml crm_mon-online.xml
state A
run 0 run "$TMP/plan.hplan" --inventory "$INV" --yes
says "[1/3] ready: The passive node is a member and runs no group (node2)"
[[ $(acted) == $'stop pacemaker node2\nstart pacemaker node2\nmove lab-group node2' ]] || fail "A: acted: $(acted)"

# B.
status crm_mon-not-connected.xml crm_mon-moved.xml
echo 102 >"$C/rc-node1"
state B
run 0 run "$TMP/plan.hplan" --inventory "$INV" --dry-run
says "[1/3] ready: The passive node is a member and runs no group (node1)"
[[ -z $(acted) ]] || fail "B: a dry run acted"

# C.
status crm_mon-online.xml crm_mon-online.xml
printf 'pyenv: cannot rehash: /root/.pyenv/shims/.pyenv-shim exists\n' >"$C/noise"
state C
run 0 run "$TMP/plan.hplan" --inventory "$INV" --yes
says "completed"

# D.
status crm_mon-online.xml crm_mon-online.xml
head -c 700 "$DATA/crm_mon-online.xml" >"$C/status-node1.xml"
head -c 700 "$DATA/crm_mon-online.xml" >"$C/status-node2.xml"
state D
run 2 run "$TMP/plan.hplan" --inventory "$INV" --yes
says "who owns group \"lab-group\"? probe cluster status on node2: crm_mon: not XML (line"
says "it printed: '<pacemaker-result api-version=\"2.25\" request=\"crm_mon -1 --output-as=xml\">'"
[[ -z $(acted) ]] || fail "D: acted on XML it could not read"

# E.
status crm_mon-standby.xml crm_mon-standby.xml
state E
run 1 run "$TMP/plan.hplan" --inventory "$INV" --yes
says "[1/3] ready: The passive node is a member and runs no group (node1)"
says "verification failed: passive member"
says "nothing was changed: the run failed before any action that changes the target"
[[ -z $(acted) ]] || fail "E: acted: $(acted)"

# F.
status crm_mon-online.xml crm_mon-online.xml
state F
cat >"$TMP/move-by-hand" <<EOF2
#!/bin/sh
cp "$DATA/crm_mon-moved.xml" "$C/status-node1.xml"
cp "$DATA/crm_mon-moved.xml" "$C/status-node2.xml"
EOF2
chmod 0755 "$TMP/move-by-hand"
rc=0
TERM=dumb "$PY" "$SRC/tests/cluster/pty-answer.py" --timeout 60 --on-pause "$TMP/move-by-hand" -- \
	"$HOTPLAN" run "$TMP/plan.hplan" --inventory "$INV" >"$TMP/out.txt" 2>&1 || rc=$?
((rc == 1)) || fail "F: exit $rc, not 1 (refused before anything changed: nothing changed)"
says "FAIL stop service \"pacemaker\" on node2 (passive): refused by the guard: stopping the cluster service on, or restarting, a node that owns a group (uncontrolled failover) (node2) [HP115]"
[[ -z $(acted) ]] || fail "F: acted: $(acted)"

# G.
status crm_mon-banned.xml crm_mon-banned.xml
state G
run 3 run "$TMP/plan.hplan" --inventory "$INV" --yes
says "move group \"lab-group\" refused: the cluster keeps group \"lab-group\" off node1: cli-ban-lab-group-on-node1"
grep -q '^move' <<<"$(acted)" && fail "G: the move ran"

# H.
status crm_mon-online.xml crm_mon-online.xml
printf '<constraints><rsc_location id="keep-off" rsc="lab-group" node="node2" score="-INFINITY"/></constraints>\n' >"$C/cib.xml"
state H
run 3 run "$TMP/plan.hplan" --inventory "$INV" --yes
says "move group \"lab-group\" refused: the CIB keeps group \"lab-group\" off node2: location constraint keep-off (score -INFINITY)"
grep -q '^move' <<<"$(acted)" && fail "H: the move ran"

echo "crm: owners, membership, noise, a truncated document, standby, the guard's second reading, a ban, a location constraint"
