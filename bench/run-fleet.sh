#!/usr/bin/env bash
# run-fleet.sh: what a fleet costs (docs/performance.md, "Fleets"; docs/scale.md).
#
#   bench/run-fleet.sh [--hotplan BIN] [--sizes "10 100 1000"] [--parallel 100] [--locals 100]
#                      [--rounds 2] [--no-ansible]
#
# 1. For each size N: N simulated stand-alone targets × the canonical plan,
#    `hotplan run --targets all --parallel P`: the wall time, the controller's own CPU (user +
#    sys, from its report), its peak RSS and threads, the CPU of all the targets' runs
#    together, and the controller's cost per target.
# 2. L local: targets of 3 `exec "/bin/true"` steps with --parallel L, and ansible-playbook on
#    the same machine (connection: local, forks=L, an inventory of L host aliases with
#    ansible_connection=local, 3 `command: /bin/true` tasks a host), in the same run, best of --rounds (2), interleaved.
# 3. Where it stops: --parallel above what `ulimit -n` allows, refused before anything starts.
#
# Environment: BENCH_WORK (default build-bench/fleet), BENCH_STATE_DIR (the state dir, default
# $BENCH_WORK/state: put it on the disk to measure). Prints a table; never fails on a figure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SRC=$PWD
HOTPLAN=$SRC/build/hotplan
SIZES="10 100 1000"
PAR=100
LOCALS=100
ROUNDS=2
ANSIBLE=yes
while [[ $# -gt 0 ]]; do
	case $1 in
	--hotplan) HOTPLAN=$(realpath "$2"); shift 2 ;;
	--sizes) SIZES=$2; shift 2 ;;
	--parallel) PAR=$2; shift 2 ;;
	--locals) LOCALS=$2; shift 2 ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	--no-ansible) ANSIBLE=no; shift ;;
	*) echo "run-fleet.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
[[ -x $HOTPLAN ]] || { echo "run-fleet.sh: no hotplan at $HOTPLAN (build it, or give --hotplan)" >&2; exit 2; }
WORK=${BENCH_WORK:-$SRC/build-bench/fleet}
mkdir -p "$WORK"
WORK=$(realpath "$WORK")
STATE=${BENCH_STATE_DIR:-$WORK/state}
PLAN=$SRC/plans/ese-hotfix.hplan
. "$SRC/bench/lib.sh"

row() { printf '| %-58s | %7s | %12s | %s |\n' "$@"; }

sim_inventory() {
	python3 - "$1" "$2" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(1, int(sys.argv[2]) + 1):
        f.write('target t%d standalone {\n    node "t%d"\n'
                '    store "First Storage Group/Mailbox Store (SIM)"\n'
                '    store "First Storage Group/Public Folder Store (SIM)"\n'
                '    store "Second Storage Group/Mailbox Store (SIM)"\n'
                '    fact exchange.version = 6.5.7226.0\n'
                '    set affected = "First Storage Group/Mailbox Store (SIM)"\n}\n' % (i, i))
PY
}

echo "hotplan: $HOTPLAN ($("$HOTPLAN" --version)); state dir $STATE; $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
row "what" "N" "value" "note"
row "---" "---:" "---:" "---"

# 1. simulated targets
for n in $SIZES; do
	sim_inventory "$WORK/sim-$n.hplan" "$n"
	rm -rf "$STATE"
	t0=$(now)
	rc=0
	HOTPLAN_STATE_DIR=$STATE "$HOTPLAN" run "$PLAN" --inventory "$WORK/sim-$n.hplan" --targets all --parallel "$PAR" \
		--yes --report "$WORK/sim-$n.json" >"$WORK/sim-$n.out" 2>&1 || rc=$?
	t1=$(now)
	read -r user sys rss threads kids ok < <(python3 - "$WORK/sim-$n.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
c = r["controller"]
print(c["user_s"], c["sys_s"], c["max_rss_kib"], c["threads"], c["runs_user_s"] + c["runs_sys_s"], r["counts"]["completed"])
PY
)
	wall=$(fmt "$(echo "$t1 - $t0" | bc -l)" .2f)
	row "sim:, canonical plan, --parallel $PAR: wall time (exit $rc, $ok completed)" "$n" "$wall s" ""
	row "  controller's own CPU (user + sys)" "$n" "$(fmt "$(echo "$user + $sys" | bc -l)" .3f) s" ""
	row "  controller's own CPU per target" "$n" "$(fmt "$(echo "($user + $sys) * 1000000 / $n" | bc -l)" ,.0f) µs" ""
	row "  controller's peak RSS / threads" "$n" "$(fmt "$(echo "$rss / 1024" | bc -l)" .1f) MiB" "$threads thread(s)"
	row "  CPU of all the targets' runs together" "$n" "$(fmt "$kids" .2f) s" "$(fmt "$(echo "$kids * 1000 / $n" | bc -l)" .1f) ms a target"
	row "  wall time per target" "$n" "$(fmt "$(echo "($t1 - $t0) * 1000 / $n" | bc -l)" .2f) ms" ""
done

# 2. local: targets against ansible-playbook
cat >"$WORK/true3.hplan" <<'PLAN'
plan true3 "Three steps of /bin/true" {
    procedure standalone {
        step a { exec "/bin/true" }
        step b { exec "/bin/true" }
        step c { exec "/bin/true" }
    }
}
PLAN
# local: targets are all this machine, whose one lock they would share (most would be
# reported locked): the profile "bench-local" gives each its own lock, in the directory its
# fact lockdir names, as tests/fleet/lib.sh's fleet-local does
mkdir -p "$WORK/profiles"
cat >"$WORK/profiles/bench-local.hplan" <<'PROFILE'
profile "bench-local" {
    shell "sh"
    lock "${fact.lockdir}/hotplan.lock"
}
PROFILE
export HOTPLAN_PROFILE_PATH=$WORK/profiles
: >"$WORK/local.hplan"
for ((i = 1; i <= LOCALS; i++)); do
	mkdir -p "$WORK/locks/l$i"
	printf 'target l%d standalone {\n    profile "bench-local"\n    node "l%d" address "local:"\n    fact lockdir = "%s"\n}\n' \
		"$i" "$i" "$WORK/locks/l$i" >>"$WORK/local.hplan"
done
ansible_hosts "$WORK/hosts.ini" "$LOCALS"
ansible_true3 "$WORK/true3.yml"
best_hp=""
best_an=""
for ((round = 1; round <= ROUNDS; round++)); do
	# a fresh state dir, and no last-run record on the "machines" either: a record of an earlier
	# run from another state dir would make every target "done elsewhere" (docs/fleets.md)
	rm -rf "$STATE" "$WORK"/locks/l*/hotplan.lock*
	sync   # each side starts with nothing left to write back (the 1,000 sim: journals before)
	t0=$(now)
	HOTPLAN_STATE_DIR=$STATE "$HOTPLAN" run "$WORK/true3.hplan" --inventory "$WORK/local.hplan" --targets all \
		--parallel "$LOCALS" --yes --report "$WORK/local-report.json" >"$WORK/local.out" 2>&1 ||
		echo "hotplan local fleet exited $?" >&2
	t=$(echo "$(now) - $t0" | bc -l)
	# a fleet that ran nothing would be fast: only a round where every target completed counts
	done_hp=$(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(sum(1 for t in r["targets"] if t["status"] == "completed"))' "$WORK/local-report.json")
	if [[ $done_hp == "$LOCALS" ]]; then
		best_hp=$(lesser "$best_hp" "$t")
	else
		echo "round $round: $done_hp of $LOCALS local: targets completed: its time is not counted" >&2
	fi
	if ansible_wanted "$ANSIBLE"; then
		sync
		best_an=$(lesser "$best_an" "$(ansible_time "$WORK/hosts.ini" "$WORK/true3.yml" "$LOCALS" "$WORK/ansible.out")")
	fi
done
[[ -n $best_hp ]] || { echo "run-fleet.sh: no round completed every local: target" >&2; exit 1; }
row "local:, 3 exec \"/bin/true\" steps, --parallel $LOCALS, best of $ROUNDS" "$LOCALS" "$(fmt "$best_hp" .3f) s" \
	"rounds where all $LOCALS completed"
if [[ -n $best_an ]]; then
	row "ansible-playbook, connection: local, forks=$LOCALS, 3 command: /bin/true" "$LOCALS" "$(fmt "$best_an" .2f) s" \
		"$(ansible_version)"
	row "ratio ansible / hotplan" "$LOCALS" "$(fmt "$(echo "$best_an / $best_hp" | bc -l)" .1f)x" "goal 100x"
else
	row "ansible-playbook" "$LOCALS" "not run" "--no-ansible, or no ansible-core: hotplan alone above"
fi

# 3. where it stops
rc=0
msg=$( (ulimit -n 256 && HOTPLAN_STATE_DIR=$STATE "$HOTPLAN" run "$PLAN" --inventory "$WORK/sim-${SIZES%% *}.hplan" --targets all \
	--parallel 1000 --yes) 2>&1 >/dev/null) || rc=$?
echo
echo "ulimit -n 256, --parallel 1000: exit $rc: $msg"
