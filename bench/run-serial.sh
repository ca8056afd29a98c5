#!/usr/bin/env bash
# run-serial.sh: what `for each … serial N` costs and gains (issue 13 item 1; docs/performance.md,
# "serial N"). Real local: nodes of one cluster target, real processes:
#
#   bench/run-serial.sh [--hotplan BIN] [--rounds 3] [--nodes 64] [--no-ansible]
#
# 1. `exec "sleep 0.2"` in a `for each` body: one node; eight nodes with `serial 1`; eight
#    with `serial 8` (goal: at most 1.3x the one node).
# 2. 64 nodes (--nodes) of 3 `exec "/bin/true"` steps with `serial 64`, against ansible-playbook
#    on the same machine (connection: local, forks=64, 64 host aliases, 3 `command: /bin/true`
#    tasks a host: the Ansible harness of bench/lib.sh, bench/run-fleet.sh's too), in the same run.
# Best of --rounds (default 3) each. Environment: BENCH_WORK (default build-bench/serial).
# Prints a table; never fails on a figure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SRC=$PWD
HOTPLAN=$SRC/build/hotplan
ROUNDS=3
NODES=64
ANSIBLE=yes
while [[ $# -gt 0 ]]; do
	case $1 in
	--hotplan) HOTPLAN=$(realpath "$2"); shift 2 ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	--nodes) NODES=$2; shift 2 ;;
	--no-ansible) ANSIBLE=no; shift ;;
	*) echo "run-serial.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
[[ -x $HOTPLAN ]] || { echo "run-serial.sh: no hotplan at $HOTPLAN (build it, or give --hotplan)" >&2; exit 2; }
WORK=${BENCH_WORK:-$SRC/build-bench/serial}
mkdir -p "$WORK"
WORK=$(realpath "$WORK")
export HOTPLAN_STATE_DIR=$WORK/state HOTPLAN_LOCK_PATH=$WORK/lock
. "$SRC/bench/lib.sh"

row() { printf '| %-52s | %5s | %9s | %s |\n' "$@"; }

# plan FILE SERIAL COMMAND STEPS
plan() {
	{
		echo "plan bench_serial \"serial $2\" {"
		echo "    procedure cluster {"
		echo "        roles {"
		echo "            everyone = all nodes"
		echo "        }"
		echo "        for each n in everyone serial $2 {"
		for ((k = 1; k <= $4; k++)); do
			echo "            step s$k on n { exec \"$3\" }"
		done
		echo "        }"
		echo "    }"
		echo "}"
	} >"$1"
}
# inventory FILE N: one cluster target of N local: nodes
inventory() {
	{
		echo "target bench cluster {"
		for ((i = 1; i <= $2; i++)); do echo "    node \"n$i\" address \"local:\""; done
		echo "}"
	} >"$1"
}
# best PLAN INVENTORY: the best wall time of ROUNDS runs that completed (exit 0), in seconds
best() {
	local b="" t0 t r
	for ((r = 1; r <= ROUNDS; r++)); do
		rm -rf "$HOTPLAN_STATE_DIR"
		t0=$(now)
		if "$HOTPLAN" run "$1" --inventory "$2" --yes >"$WORK/out.txt" 2>&1; then
			t=$(echo "$(now) - $t0" | bc -l)
			b=$(lesser "$b" "$t")
		else
			echo "hotplan exited $? (not timed):" >&2
			tail -3 "$WORK/out.txt" >&2
		fi
	done
	[[ -n $b ]] || { echo "run-serial.sh: no run of $1 completed" >&2; exit 1; }
	echo "$b"
}

echo "hotplan: $HOTPLAN ($("$HOTPLAN" --version)); $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg); best of $ROUNDS"
echo
row "what" "nodes" "wall" "note"
row "---" "---:" "---:" "---"

# 1. sleep 0.2
inventory "$WORK/one.hplan" 1
inventory "$WORK/eight.hplan" 8
plan "$WORK/s1.hplan" 1 "sleep 0.2" 1
plan "$WORK/s8.hplan" 8 "sleep 0.2" 1
one=$(best "$WORK/s8.hplan" "$WORK/one.hplan")
s1=$(best "$WORK/s1.hplan" "$WORK/eight.hplan")
s8=$(best "$WORK/s8.hplan" "$WORK/eight.hplan")
row "exec \"sleep 0.2\", one node" 1 "$(fmt "$one" .3f) s" "the baseline"
row "exec \"sleep 0.2\", serial 1" 8 "$(fmt "$s1" .3f) s" "$(fmt "$(echo "$s1 / $one" | bc -l)" .2f)x one node"
row "exec \"sleep 0.2\", serial 8" 8 "$(fmt "$s8" .3f) s" "$(fmt "$(echo "$s8 / $one" | bc -l)" .2f)x one node (goal ≤ 1.3x); serial 1 / serial 8: $(fmt "$(echo "$s1 / $s8" | bc -l)" .1f)x"

# 2. 64 nodes against ansible-playbook
inventory "$WORK/many.hplan" "$NODES"
plan "$WORK/true-s1.hplan" 1 "/bin/true" 3
plan "$WORK/true-sn.hplan" "$NODES" "/bin/true" 3
tn=$(best "$WORK/true-sn.hplan" "$WORK/many.hplan")
t1=$(best "$WORK/true-s1.hplan" "$WORK/many.hplan")
row "3 exec \"/bin/true\" steps, serial $NODES" "$NODES" "$(fmt "$tn" .3f) s" ""
row "3 exec \"/bin/true\" steps, serial 1" "$NODES" "$(fmt "$t1" .3f) s" "serial 1 / serial $NODES: $(fmt "$(echo "$t1 / $tn" | bc -l)" .1f)x"
if ansible_wanted "$ANSIBLE"; then
	ansible_hosts "$WORK/hosts.ini" "$NODES"
	ansible_true3 "$WORK/true3.yml"
	ba=""
	for ((r = 1; r <= (ROUNDS < 2 ? ROUNDS : 2); r++)); do
		ba=$(lesser "$ba" "$(ansible_time "$WORK/hosts.ini" "$WORK/true3.yml" "$NODES" "$WORK/ansible.out")")
	done
	row "ansible-playbook, local, forks=$NODES, 3 command: /bin/true" "$NODES" "$(fmt "$ba" .3f) s" \
		"$(ansible_version); ansible / hotplan serial $NODES: $(fmt "$(echo "$ba / $tn" | bc -l)" .1f)x"
else
	row "ansible-playbook" "$NODES" "not run" "--no-ansible, or no ansible-core"
fi
