#!/usr/bin/env bash
# run-lanes.sh: what the checker's look at `serial N` lanes at different points costs
# (compiler/check_lanes.c; docs/performance.md, "The checker and serial N").
#
#   bench/run-lanes.sh [--hotplan BIN] [--rounds 5] [--sizes "10 30 60 100 300"]
#
# For each size A, a plan whose `for each n in everyone serial S` body is A steps, each a
# declared action on the loop's node (the web farm of tests/diag/products/serial-interleave-ok:
# take a node out of its pool, update it, warm it, put it back, in turn; a rule no order of
# the lanes breaks, so that every action is judged and nothing is reported), checked with
# `hotplan check` (two- and three-node checks, as always) with `serial 1` (the baseline: no
# lanes) and with `serial 2`. Prints the best of --rounds wall times and their ratio. Never
# fails on a figure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SRC=$PWD
HOTPLAN=$SRC/build/hotplan
ROUNDS=5
SIZES="10 30 60 100 300"
while [[ $# -gt 0 ]]; do
	case $1 in
	--hotplan) HOTPLAN=$(realpath "$2"); shift 2 ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	--sizes) SIZES=$2; shift 2 ;;
	*) echo "run-lanes.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
[[ -x $HOTPLAN ]] || { echo "run-lanes.sh: no hotplan at $HOTPLAN (build it, or give --hotplan)" >&2; exit 2; }
WORK=${BENCH_WORK:-$SRC/build-bench/lanes}
mkdir -p "$WORK"

# plan FILE SERIAL ACTIONS
plan() {
	local acts=(drain app_update warm_up undrain)
	{
		echo "plan lanes \"serial $2\" {"
		echo "    state pool of node : serving | drained, normal serving"
		echo "    state cache of node : warm | cold, normal warm"
		echo "    action drain(n : node) { set pool(n) = drained }"
		echo "    action undrain(n : node) { set pool(n) = serving }"
		echo "    action app_update(n : node) { set cache(n) = cold }"
		echo "    action warm_up(n : node) { set cache(n) = warm }"
		echo "    rule WEB001 error \"a node serves with a cold cache\" (a : node) {"
		echo "        when pool(a) == serving and cache(a) == cold"
		echo "    }"
		echo "    procedure cluster {"
		echo "        roles {"
		echo "            everyone = all nodes"
		echo "        }"
		echo "        for each n in everyone serial $2 {"
		echo "            checkpoint back { warm_up(n) undrain(n) }"
		for ((k = 0; k < $3; k++)); do
			echo "            step s$k { ${acts[k % 4]}(n) }"
		done
		echo "        }"
		echo "    }"
		echo "}"
	} >"$1"
}
best() {   # best wall time of ROUNDS runs of hotplan check FILE (its exit code is the plan's)
	python3 - "$HOTPLAN" "$1" "$ROUNDS" <<'PY'
import subprocess, sys, time
best = None
for _ in range(int(sys.argv[3])):
    t = time.perf_counter()
    subprocess.run([sys.argv[1], "check", "--kind", "cluster", sys.argv[2]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t = time.perf_counter() - t
    best = t if best is None or t < best else best
print(f"{best:.4f}")
PY
}
echo "hotplan: $HOTPLAN ($("$HOTPLAN" --version | head -1)); $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg); best of $ROUNDS"
echo
printf '| %7s | %14s | %14s | %6s | %s |\n' "actions" "serial 1 (s)" "serial 2 (s)" "ratio" "serial 2's diagnostics"
printf '| %7s | %14s | %14s | %6s | %s |\n' "---:" "---:" "---:" "---:" "---"
for a in $SIZES; do
	plan "$WORK/s1-$a.hplan" 1 "$a"
	plan "$WORK/s2-$a.hplan" 2 "$a"
	t1=$(best "$WORK/s1-$a.hplan")
	t2=$(best "$WORK/s2-$a.hplan")
	nd=$("$HOTPLAN" check --kind cluster "$WORK/s2-$a.hplan" 2>&1 | grep -c '^[^ ].*: \(error\|warning\):' || true)
	printf '| %7s | %14s | %14s | %5.1fx | %s |\n' "$a" "$t1" "$t2" "$(python3 -c "print($t2/$t1)")" "$nd"
done
