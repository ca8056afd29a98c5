#!/usr/bin/env bash
# run-lab.sh (ctest: real-cluster-lab): the lab (lab.sh, docs/lab.md) is a real cluster. Up: both
# nodes online, a DC, quorum, seen by each node's own crm_mon. A move of lab-group with
# crm_resource --move puts it on the other node; its cli-prefer constraint is in the CIB, and gone
# after --clear. kill -9 of corosync and pacemakerd on the group's node: the group runs on the
# survivor; the killed node comes back (fenced, as a cluster would) and the group stays put. Both
# nodes answer ssh with strict host keys, and refuse a client that does not know their key. The
# host keeps its interfaces, hostname and /etc/hosts, and has no lab address. Down: no namespace and no process is left.
#
# Exit 77 (skipped) only when the lab cannot be made here: not root, no namespaces, or the
# packages missing and not installable (./test.sh --deps is tried as root).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=${HOTPLAN_SOURCE_DIR:-$(cd "$HERE/../.." && pwd)}
LAB=$HERE/lab.sh
CRM=$HERE/crm.py
DIR=${HOTPLAN_BUILD_DIR:-${TMPDIR:-/tmp}}/real-cluster-lab
CTL= # ssh control sockets: a short path of its own (a socket path has at most 107 bytes)
GROUP=lab-group
TIMEOUT=30
PY=$(command -v /usr/bin/python3 || command -v python3) # as lab.sh: the system's, when there is one

# now, since, took, fail, crm, where, runs_on, online_both, poll
. "$HERE/lib.sh"

# ---- can it run here ----------------------------------------------------------------------

check=0
why=$("$LAB" check 2>&1) || check=$?
if ((check == 77)) && ((EUID == 0)) && [[ $why == *missing* && -z ${HOTPLAN_NO_INSTALL:-} ]] &&
	command -v apt-get >/dev/null 2>&1; then
	echo "run-lab: $why"
	echo "run-lab: installing the packages (./test.sh --deps)"
	"$SRC/test.sh" --deps || true
	check=0
	"$LAB" check || check=$?
elif ((check != 0)); then
	printf '%s\n' "$why" >&2
fi
if ((check == 77)); then
	echo "SKIP: the lab cannot be made here"
	exit 77
fi
((check == 0)) || exit 1

# ---- helpers ------------------------------------------------------------------------------

failed=1
finish() {
	if ((failed)); then
		echo "---- lab status at the failure ----"
		"$LAB" status "$DIR" || true
		for f in "$DIR"/node?/log-pacemaker/pacemaker.log "$DIR"/node?/log-corosync/corosync.log; do
			[[ -s $f ]] || continue
			echo "---- $f (last lines) ----"
			tail -n 20 "$f"
		done
	fi
	"$LAB" down "$DIR" >/dev/null 2>&1 || true
	if [[ -n $CTL ]]; then
		rm -rf "$CTL"
	fi
}
trap finish EXIT

constraints() { "$LAB" exec "$DIR" "$1" cibadmin -Q -o constraints | "$PY" "$CRM" constraints; }

no_constraint() {
	local ids
	ids=$(constraints "$1") || return 1
	! grep -qx "cli-prefer-$GROUP" <<<"$ids"
}
offline_on() {
	local view
	view=$(crm "$1" | "$PY" "$CRM" summary) || return 1
	[[ " $view " == *" node$2=offline "* ]]
}

# host_state: what the lab must not change outside its namespaces
host_state() {
	ip -o link show | awk -F': ' '{ print $2 }' | sort
	hostname
	sha256sum /etc/hosts /etc/hostname
}

# ---- the run ------------------------------------------------------------------------------

host_before=$(host_state)
CTL=$(mktemp -d "${TMPDIR:-/tmp}/hp-lab-ctl-XXXXXX")
t_all=$(now)

t=$(now)
"$LAB" up "$DIR"
took[up]=$(since "$t")
prefix=$(cat "$DIR/.hotplan-lab")

online_both || fail "the lab is up but not online: $online_why"
echo "both nodes online with quorum, each by its own crm_mon"
ip -o addr show | grep -F '10.251.0.' && fail "an address of the lab exists outside its namespaces"

from=$(where 1)
[[ $from == node[12] ]] || fail "$GROUP does not run after up: '$from'"
[[ $(where 2) == "$from" ]] || fail "node2 sees $GROUP on '$(where 2)', node1 on $from"
f=${from#node}
o=$((3 - f))
echo "$GROUP runs on node$f"

# move
t=$(now)
"$LAB" exec "$DIR" 1 crm_resource --move --resource "$GROUP" --node "node$o" >/dev/null
poll "$GROUP on node$o after --move" runs_on 1 "$o"
took[move]=$(since "$t")
constraints 1 | grep -qx "cli-prefer-$GROUP" || fail "no cli-prefer-$GROUP in the CIB after --move"
runs_on 2 "$o" || fail "node2 does not see $GROUP on node$o"
echo "moved to node$o in ${took[move]} s; constraint cli-prefer-$GROUP in the CIB"

"$LAB" exec "$DIR" 2 crm_resource --clear --resource "$GROUP" >/dev/null
poll "cli-prefer-$GROUP gone from node1's CIB" no_constraint 1
poll "cli-prefer-$GROUP gone from node2's CIB" no_constraint 2
runs_on 1 "$o" || fail "$GROUP left node$o when its constraint was cleared"
echo "constraint cleared: gone from both nodes' CIB, $GROUP stays on node$o"

# hard kill of the node that runs the group
t=$(now)
"$LAB" node-kill "$DIR" "$o"
poll "$GROUP on the survivor node$f" runs_on "$f" "$f"
took[failover]=$(since "$t")
offline_on "$f" "$o" || fail "the survivor node$f does not see node$o offline"
echo "node$o killed: $GROUP runs on node$f after ${took[failover]} s"

t=$(now)
"$LAB" node-start "$DIR" "$o"
"$LAB" wait-online "$DIR"
took[rejoin]=$(since "$t")
online_both || fail "not online after node$o came back: $online_why"
runs_on "$o" "$f" || fail "node$o, back, does not see $GROUP on node$f"
runs_on "$f" "$f" || fail "$GROUP left node$f when node$o came back"
echo "node$o back in ${took[rejoin]} s; $GROUP stays on node$f"

# ssh: by name, and as hotplan reaches ssh://root@10.251.0.N with HOTPLAN_SSH_OPTIONS="-F
# DIR/ssh_config" (its command line: docs/transports.md), through one master per node
hp_ssh() {
	/usr/bin/ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o ControlMaster=auto \
		-o ControlPersist=60 -o ConnectTimeout=10 -o ServerAliveInterval=15 \
		-o ServerAliveCountMax=4 -T -a -x -o ControlPath="$CTL/%C" -l root \
		-F "$DIR/ssh_config" "$@" </dev/null
}
[[ $(ssh -F "$DIR/ssh_config" node1 hostname </dev/null) == node1 ]] || fail "ssh node1 hostname"
[[ $(ssh -F "$DIR/ssh_config" node2 hostname </dev/null) == node2 ]] || fail "ssh node2 hostname"
for n in 1 2; do
	[[ $(hp_ssh -- "10.251.0.$n" cat /etc/hostname) == "node$n" ]] || fail "ssh://root@10.251.0.$n: /etc/hostname"
	hp_ssh -- "10.251.0.$n" crm_node -l | grep -qx "$o node$o member" ||
		fail "ssh://root@10.251.0.$n: crm_node -l does not list node$o as a member"
	hp_ssh -O check "10.251.0.$n" 2>/dev/null || fail "ssh://root@10.251.0.$n: no master"
	hp_ssh -O exit "10.251.0.$n" 2>/dev/null
done
: >"$DIR/empty_known_hosts"
if err=$(ssh -F "$DIR/ssh_config" -o UserKnownHostsFile="$DIR/empty_known_hosts" node2 true </dev/null 2>&1); then
	fail "ssh with an empty known_hosts logged in: strict host key checking is off"
fi
[[ $err == *"Host key verification failed"* ]] || fail "ssh with an empty known_hosts: $err"
rm -f "$DIR/empty_known_hosts"
echo "ssh: both nodes answer, by name and as ssh://root@10.251.0.N through a master, with strict host keys; an unknown host key is refused"

# down, and nothing left
inodes=()
for n in 1 2; do
	inodes+=("$(stat -L -c %i "/run/netns/$prefix-$n")")
done
t=$(now)
"$LAB" down "$DIR" >/dev/null
took[down]=$(since "$t")
for n in 1 2; do
	[[ ! -e /run/netns/$prefix-$n ]] || fail "namespace $prefix-$n is left"
done
if ip netns list | grep -F "$prefix"; then
	fail "ip netns list shows the lab's namespaces"
fi
left=$("$PY" - "$DIR" "$CTL" "${inodes[@]}" <<'EOF'
import os, sys
lab_dir, ctl, inodes = sys.argv[1], sys.argv[2], {int(i) for i in sys.argv[3:]}
for pid in filter(str.isdigit, os.listdir("/proc")):
    if int(pid) == os.getpid():
        continue
    try:
        net = os.stat(f"/proc/{pid}/ns/net").st_ino
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        continue  # gone meanwhile
    if net in inodes or lab_dir in cmd or ctl in cmd:
        print(f"{pid}: {cmd}")
EOF
)
[[ -z $left ]] || fail "processes left after down: $left"
[[ $(host_state) == "$host_before" ]] || fail "the host's interfaces, hostname or /etc/hosts changed"
echo "down: no namespace, no process left; the host unchanged"

failed=0
printf 'timings: up %s s, move %s s, failover %s s, rejoin %s s, down %s s, total %s s\n' \
	"${took[up]}" "${took[move]}" "${took[failover]}" "${took[rejoin]}" "${took[down]}" "$(since "$t_all")"
