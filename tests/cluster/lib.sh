# lib.sh: what the real-cluster tests (run-lab.sh, run-pacemaker.sh, run-postgresql.sh) share.
# Sourced after the test has set LAB (lab.sh), DIR (the lab's directory), CRM (crm.py), PY
# (python3), GROUP (the group the test follows) and TIMEOUT (seconds a poll waits).

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
declare -A took # took[PHASE]: seconds, printed by each test's timings line

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# crm N: node N's own crm_mon XML
crm() { "$LAB" exec "$DIR" "$1" crm_mon -1 --output-as=xml; }

# where N: the node GROUP runs on, as node N's crm_mon says; nothing when it does not run
where() { crm "$1" 2>/dev/null | "$PY" "$CRM" where "$GROUP" 2>/dev/null || true; }

# runs_on N M: node N's crm_mon says GROUP runs on node M
runs_on() { [[ $(where "$1") == "node$2" ]]; }

# online_both: both nodes' crm_mon say both nodes are online; when not, online_why says what
# the node that disagrees sees
online_why=
online_both() {
	local n
	for n in 1 2; do
		online_why=$(crm "$n" | "$PY" "$CRM" online node1 node2) || {
			online_why="node$n sees: $online_why"
			return 1
		}
	done
}

# poll WHAT CMD...: CMD every 0.05 s until it succeeds; fail after TIMEOUT seconds
poll() {
	local what=$1 start
	shift
	start=$(now)
	until "$@"; do
		if awk -v a="$start" -v b="$(now)" -v t="$TIMEOUT" 'BEGIN { exit !(b - a > t) }'; then
			fail "$what: not after $TIMEOUT s"
		fi
		sleep 0.05
	done
}
