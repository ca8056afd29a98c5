#!/usr/bin/env bash
# run-crm-nolibxml.sh: hotplan without libxml2 (runtime/crm_xml.c loads it on first use). In
# a mount namespace of its own where libxml2.so.2 is an empty file (as on a server that has
# no libxml2, or a broken one):
#  A. hotplan starts: --version, and `check` of a plan for a Pacemaker cluster
#  B. a run that reads crm_mon's XML stops at that probe with "libxml2.so.2 cannot be
#     loaded: …", as any crm_mon parse failure does: exit 2, no crash, nothing done
#  C. the same run outside the namespace (libxml2 there) reads the XML and completes
# Needs unshare -m (root, or an unprivileged user namespace); else skipped (77).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# (awk reads to the end: an early exit could kill ldconfig with SIGPIPE, and pipefail the test)
LIB=$(ldconfig -p 2>/dev/null | awk '!found && $1 == "libxml2.so.2" && /x86-64/ { print $NF; found = 1 }')
[[ -n $LIB ]] || { echo "SKIP: ldconfig names no libxml2.so.2 (x86-64)"; exit 77; }
LIB=$(readlink -f "$LIB")
: >"$TMP/empty.so"
UNSHARE=(unshare -m)
if ! "${UNSHARE[@]}" true 2>/dev/null; then
	UNSHARE=(unshare -rm)
	"${UNSHARE[@]}" true 2>/dev/null || { echo "SKIP: no mount namespace (unshare -m, unshare -rm)"; exit 77; }
fi
# nolib EXPECTED_RC ARGS...: as run, in a mount namespace where libxml2 is an empty file
nolib() {
	local want=$1 rc=0
	shift
	"${UNSHARE[@]}" bash -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' - "$TMP/empty.so" "$LIB" \
		"$HOTPLAN" "$@" >"$TMP/out.txt" 2>&1 </dev/null || rc=$?
	[[ $rc == "$want" ]] || fail "(without libxml2) hotplan $* exited with $rc, expected $want"
}

DATA=$SRC/tests/cluster/data
C=$TMP/crm
mkdir -p "$C"
cp "$DATA/crm_mon-online.xml" "$C/status.xml"
write_inventory crm.hplan <<EOF2
profile "crm-file" {
    cluster "pacemaker"
    probe cluster status = "cat \${fact.crm}/status.xml"
    stop service         = "echo stop \${service} \${node} >>\${fact.crm}/actions"
    start service        = "echo start \${service} \${node} >>\${fact.crm}/actions"
}
target crm cluster {
    profile "crm-file"
    fact crm = "$C"
    node "node1" address "local:"
    node "node2" address "local:"
}
EOF2
cat >"$TMP/plan.hplan" <<'EOF2'
plan crm_nolib "Read a Pacemaker cluster without libxml2" {
    model {
        service "pacemaker" cluster
        group "lab-group"
    }
    procedure cluster {
        roles {
            active  = owner of group "lab-group"
            passive = any node except active
        }
        step ready "The passive node is a member" on passive {
            verify passive member
        }
        checkpoint back {
            start service "pacemaker" on passive
        }
        step bounce "The passive node's stack restarted" on passive {
            stop service "pacemaker"
            start service "pacemaker"
        }
    }
}
EOF2
INV=$TMP/crm.hplan

# The namespace does what it should: the loader cannot map libxml2 there.
if "${UNSHARE[@]}" bash -c 'mount --bind "$1" "$2" && exec python3 -c "import ctypes; ctypes.CDLL(\"libxml2.so.2\")"' \
	- "$TMP/empty.so" "$LIB" 2>/dev/null; then
	fail "libxml2.so.2 still loads in the namespace: the test would prove nothing"
fi

# A.
nolib 0 --version
says "hotplan "
nolib 0 check "$TMP/plan.hplan"

# B.
export HOTPLAN_STATE_DIR=$TMP/state-B
nolib 2 run "$TMP/plan.hplan" --inventory "$INV" --yes
says "probe cluster status on node"
says ": libxml2.so.2 cannot be loaded: "
[[ ! -e $C/actions ]] || fail "B: acted without reading the cluster: $(cat "$C/actions")"

# C.
export HOTPLAN_STATE_DIR=$TMP/state-C
run 0 run "$TMP/plan.hplan" --inventory "$INV" --yes
says "completed"
[[ $(cat "$C/actions") == $'stop pacemaker node2\nstart pacemaker node2' ]] || fail "C: acted: $(cat "$C/actions")"
echo "ok"
