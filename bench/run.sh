#!/usr/bin/env bash
# bench/run.sh: how fast and how lean `hotplan check` is on large plans, and how it
# compares with `ansible-playbook --syntax-check` on an equivalent playbook.
# A benchmark, not a test: it prints figures next to the goals and never fails on them.
#
#   bench/run.sh [--sizes "10000 100000 1000000"] [--runs 3] [--hotplan PATH] [--no-ansible]
#
# Builds hotplan (Release) in build-bench/, writes the plans there with bench/genplan.py,
# and for each size measures: the best wall time of --runs runs of `hotplan check`,
# throughput (lines/s), peak RSS (/usr/bin/time -v) and its ratio to the file size.
# Then times `ansible-playbook --syntax-check` on a playbook (bench/genplaybook.py) with as
# many tasks as the first plan has steps. As root, installs the Debian packages `time`
# and `ansible-core` when missing. See docs/performance.md.
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
WORK=${BENCH_WORK:-$ROOT/build-bench}
SIZES=${BENCH_SIZES:-"10000 100000 1000000"}
RUNS=${BENCH_RUNS:-3}
TIMEOUT=${BENCH_TIMEOUT:-600} # seconds per hotplan or ansible run
HOTPLAN=${HOTPLAN:-}
ANSIBLE=1

usage() { sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while (($#)); do
	case $1 in
	--sizes) SIZES=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	--hotplan) HOTPLAN=$2; shift 2 ;;
	--no-ansible) ANSIBLE=0; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done

GOAL_LPS=1000000 # lines per second
GOAL_RSS=10      # peak RSS at most this many times the file size
GOAL_ANSIBLE=100 # times faster than ansible-playbook --syntax-check

section() { printf '\n==== %s ====\n' "$*"; }
say() { printf '%s\n' "$*"; }
installed() { [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" == installed ]]; }

apt_updated=0
apt_install() { # best effort; returns non-zero when it could not
	((EUID == 0)) && command -v apt-get >/dev/null 2>&1 || return 1
	if ((apt_updated == 0)); then
		apt-get update -qq >&2 || return 1
		apt_updated=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

# Seconds since the epoch with microseconds (bash 5).
now() { printf '%s' "${EPOCHREALTIME/,/.}"; }
# awk arithmetic on a formula, printed with a format.
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

section "tools"
if [[ ! -x /usr/bin/time ]]; then
	say "installing time (for peak RSS)"
	apt_install time || say "time: not available: peak RSS will not be measured"
fi
if ((ANSIBLE)) && ! command -v ansible-playbook >/dev/null 2>&1; then
	say "installing ansible-core (for the comparison)"
	apt_install ansible-core || true
fi
command -v python3 >/dev/null || { say "bench: python3 is needed for the generators"; exit 1; }

mkdir -p "$WORK/plans"
if [[ -z "$HOTPLAN" ]]; then
	section "build (Release, $WORK/build)"
	# Warnings are not errors here: -O3 can raise some the default build does not, and
	# this is a benchmark of the checker, not a lint of the code.
	cmake -S "$ROOT" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release -DHOTPLAN_WERROR=OFF
	cmake --build "$WORK/build" -j"${JOBS:-2}" --target hotplan
	HOTPLAN=$WORK/build/hotplan
fi
[[ -x "$HOTPLAN" ]] || { say "bench: no hotplan binary at $HOTPLAN"; exit 1; }
say "hotplan: $HOTPLAN ($("$HOTPLAN" --version 2>/dev/null | head -1 || echo 'no --version'))"

# run_timed OUT CMD...: run CMD with stdout and stderr to OUT, under the timeout;
# prints the wall time in seconds; returns CMD's exit code (124: timed out).
run_timed() {
	local out=$1 t0 t1 rc=0
	shift
	t0=$(now)
	timeout "$TIMEOUT" "$@" >"$out" 2>&1 || rc=$?
	t1=$(now)
	calc "%.6f" "$t1 - $t0"
	return $rc
}

# best_of N OUT CMD...: best wall time of N runs (stops at the first failing run);
# prints "SECONDS RC".
best_of() {
	local n=$1 out=$2 best="" t rc i
	shift 2
	for ((i = 0; i < n; i++)); do
		rc=0
		t=$(run_timed "$out" "$@") || rc=$?
		if [[ -z "$best" ]] || awk "BEGIN { exit !($t < $best) }"; then best=$t; fi
		((rc == 0 || rc == 1)) || break # 1: the plan was rejected; still a full check
	done
	printf '%s %s\n' "$best" "$rc"
}

# peak_rss_kib CMD...: "Maximum resident set size" of one run, in KiB ("-" if unknown).
peak_rss_kib() {
	local f=$WORK/time-v.txt kib
	[[ -x /usr/bin/time ]] || { echo -; return; }
	timeout "$TIMEOUT" /usr/bin/time -v -o "$f" "$@" >/dev/null 2>&1 || true
	kib=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$f")
	echo "${kib:--}"
}

# diag_summary FILE: "clean", or counts of errors and warnings in check output.
diag_summary() {
	local e w
	e=$(grep -cE '^[^ ].*:[0-9]+:[0-9]+: error: ' "$1" || true)
	w=$(grep -cE '^[^ ].*:[0-9]+:[0-9]+: warning: ' "$1" || true)
	if ((e == 0 && w == 0)); then echo clean; else echo "${e}E/${w}W"; fi
}

met() { awk "BEGIN { exit !($1) }" && echo met || echo missed; }

section "generate"
declare -A STEPS BYTES LINES
for n in $SIZES; do
	plan=$WORK/plans/bench-$n.hplan
	stats=$(python3 "$BENCH/genplan.py" --lines "$n" -o "$plan" --stats)
	say "$(basename "$plan"): $stats"
	STEPS[$n]=$(sed -n 's/.*steps=\([0-9]*\).*/\1/p' <<<"$stats")
	BYTES[$n]=$(stat -c %s "$plan")
	LINES[$n]=$(wc -l <"$plan")
done

section "hotplan check (best of $RUNS)"
base_rss=$(peak_rss_kib "$HOTPLAN" --version)
rows=()
first_n="" first_t=""
for n in $SIZES; do
	plan=$WORK/plans/bench-$n.hplan
	out=$WORK/check-$n.txt
	say "checking $(basename "$plan") ..."
	# One warm-up run that keeps its output (page cache, and what the check said).
	rc=0
	run_timed "$out" "$HOTPLAN" check "$plan" >/dev/null || rc=$?
	verdict=$(diag_summary "$out")
	case $rc in
	0 | 1) ;;
	124) verdict="timeout>${TIMEOUT}s" ;;
	*) verdict="exit=$rc" ;; # a crash or a usage error: no figures
	esac
	if ((rc != 0 && rc != 1)); then
		say "  $verdict (output: $out)"
		rows+=("${LINES[$n]} ${BYTES[$n]} ${STEPS[$n]} $verdict - -")
		continue
	fi
	say "  $verdict, exit $rc (output: $out)"
	read -r t _ < <(best_of "$RUNS" /dev/null "$HOTPLAN" check "$plan")
	rss=$(peak_rss_kib "$HOTPLAN" check "$plan")
	rows+=("${LINES[$n]} ${BYTES[$n]} ${STEPS[$n]} $verdict $t $rss")
	if [[ -z "$first_n" ]]; then first_n=${LINES[$n]} first_steps=${STEPS[$n]} first_t=$t; fi
done

ans_line="ansible: not available"
if ((ANSIBLE == 0)); then
	ans_line="ansible: skipped (--no-ansible)"
elif [[ -z "$first_n" ]]; then
	ans_line="ansible: skipped (no hotplan time to compare with)"
elif command -v ansible-playbook >/dev/null 2>&1; then
	tasks=$first_steps
	section "ansible-playbook --syntax-check ($tasks tasks, best of $RUNS)"
	pb=$WORK/plans/bench-$tasks-tasks.yml
	python3 "$BENCH/genplaybook.py" --tasks "$tasks" -o "$pb" 2>&1
	printf '[exchange_standalone]\nsim-server\n\n[exchange_cluster]\nsim-node1\nsim-node2\n' >"$WORK/plans/inventory.ini"
	mkdir -p "$WORK/ansible-tmp"
	export ANSIBLE_LOCAL_TEMP=$WORK/ansible-tmp ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0
	read -r at arc < <(best_of "$RUNS" "$WORK/ansible.txt" \
		ansible-playbook --syntax-check -i "$WORK/plans/inventory.ini" "$pb")
	a0=$(best_of 1 "$WORK/ansible-version.txt" ansible-playbook --version | cut -d' ' -f1)
	aver=$(head -1 "$WORK/ansible-version.txt")
	if [[ "$arc" != 0 ]]; then
		ans_line="ansible: the syntax check failed (exit $arc, see $WORK/ansible.txt): no ratio"
	else
		ratio=$(calc "%.0f" "$at / $first_t")
		ans_line=$(printf '%s\n%s\n%s' \
			"$(printf 'ansible-playbook --syntax-check, %s tasks (%s): %.3f s (start-up alone, --version: %.3f s)' "$tasks" "$aver" "$at" "$a0")" \
			"$(printf 'hotplan check, %s lines, %s steps: %.4f s' "$first_n" "$tasks" "$first_t")" \
			"$(printf 'ratio ansible/hotplan: %sx (goal >= %sx: %s)' "$ratio" "$GOAL_ANSIBLE" "$(met "$ratio >= $GOAL_ANSIBLE")")")
	fi
fi

section "results"
printf 'hotplan check: %s, %s core(s), best of %s runs; peak RSS by /usr/bin/time -v\n' \
	"$(uname -m)" "$(nproc)" "$RUNS"
printf 'baseline peak RSS (hotplan --version): %s KiB\n\n' "$base_rss"
fmt='%-9s %-10s %-8s %-13s %-10s %-11s %-8s %-10s %-9s %-7s %s\n'
# shellcheck disable=SC2059
printf "$fmt" lines bytes steps check wall_s lines/s ">=1M/s" peak_KiB RSS/file "<=10x" "(RSS-baseline)/file"
for row in "${rows[@]}"; do
	read -r n bytes steps verdict t rss <<<"$row"
	if [[ "$t" == - ]]; then
		# shellcheck disable=SC2059
		printf "$fmt" "$n" "$bytes" "$steps" "$verdict" - - - - - - -
		continue
	fi
	lps=$(calc "%.0f" "$n / ($t > 0 ? $t : 1e-9)")
	if [[ "$rss" == - ]]; then
		rratio=- rgoal=- bratio=-
	else
		rratio=$(calc "%.1fx" "$rss * 1024 / $bytes")
		bratio=-
		[[ "$base_rss" == - ]] || bratio=$(calc "%.1fx" "($rss - $base_rss) * 1024 / $bytes")
		rgoal=$(met "$rss * 1024 <= $GOAL_RSS * $bytes")
	fi
	# shellcheck disable=SC2059
	printf "$fmt" "$n" "$bytes" "$steps" "$verdict" "$(calc "%.4f" "$t")" "$lps" \
		"$(met "$lps >= $GOAL_LPS")" "$rss" "$rratio" "$rgoal" "$bratio"
done
printf '\n%s\n' "$ans_line"
printf '\nplans, playbook and check output: %s\n' "$WORK"
