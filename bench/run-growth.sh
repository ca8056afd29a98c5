#!/usr/bin/env bash
# bench/run-growth.sh: how `hotplan check` grows with each dimension of a plan. A benchmark,
# not a test: it prints figures and never fails on them.
#
#   bench/run-growth.sh [--hotplan [LABEL=]BIN]... [--shapes "steps services …"]
#                       [--sizes "1000 10000 30000 100000"] [--runs N] [--timeout S]
#                       [--mem-limit MB]
#
# For each shape of bench/gengrowth.py (steps, services, stores, groups, hotfixes, loops, ifs,
# params) and each size N, writes the plan once (build-bench/growth/SHAPE-N.hplan) and runs
# `hotplan check` of each binary on it: the best wall time of --runs runs (default 1), under
# `timeout` (--timeout seconds, default 60) and `ulimit -v` (--mem-limit MiB, default 4096:
# a binary that needs more ends there, as it would on a smaller machine); the peak RSS by
# /usr/bin/time. The table gives, per shape, size and binary: the plan's lines and bytes, the
# check's verdict (clean, errors/warnings, timeout, or the exit status of a crash), wall
# seconds, lines per second, peak RSS, RSS over the file's size (and the same less the RSS of
# `hotplan --version`), and the growth exponents from the size before: k in time ∝ N^k and
# in RSS ∝ N^k (1 is linear, 2 quadratic; ">k" when the run was cut off, from the limit).
#
# --hotplan may be given more than once, each binary labelled (LABEL=BIN; default: its
# path), so that one run prints the figures of two builds side by side. Without it, builds
# hotplan (Release) in build-bench/build and measures that. Environment: BENCH_WORK
# (default build-bench/). See docs/performance.md, "How the checker grows".
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
WORK=${BENCH_WORK:-$ROOT/build-bench}
SHAPES="steps services stores groups hotfixes loops ifs params"
SIZES="1000 10000 30000 100000"
RUNS=1
TIMEOUT=60
MEMLIMIT=4096
BINS=()

usage() { sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while (($#)); do
	case $1 in
	--hotplan) BINS+=("$2"); shift 2 ;;
	--shapes) SHAPES=$2; shift 2 ;;
	--sizes) SIZES=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--mem-limit) MEMLIMIT=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done

command -v python3 >/dev/null || { echo "run-growth: python3 is needed for the generator" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "run-growth: /usr/bin/time is needed (Debian package time)" >&2; exit 1; }
mkdir -p "$WORK/growth"

if ((${#BINS[@]} == 0)); then
	echo "==== build (Release, $WORK/build) ====" >&2
	cmake -S "$ROOT" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release -DHOTPLAN_WERROR=OFF >/dev/null
	cmake --build "$WORK/build" -j"${JOBS:-2}" --target hotplan >/dev/null
	BINS=("$WORK/build/hotplan")
fi
labels=() paths=()
for b in "${BINS[@]}"; do
	if [[ "$b" == *=* ]]; then labels+=("${b%%=*}"); paths+=("${b#*=}"); else labels+=("$b"); paths+=("$b"); fi
	[[ -x "${paths[-1]}" ]] || { echo "run-growth: no hotplan binary at ${paths[-1]}" >&2; exit 1; }
done

now() { printf '%s' "${EPOCHREALTIME/,/.}"; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

# one_run BIN PLAN: "SECONDS EXIT PEAK_KIB" of one `hotplan check`, under the limits.
one_run() {
	local bin=$1 plan=$2 t0 t1 rc=0 out=$WORK/growth/check.out tv=$WORK/growth/time-v.txt
	rm -f "$tv"
	t0=$(now)
	(ulimit -v $((MEMLIMIT * 1024)) && exec /usr/bin/time -f '%M' -o "$tv" timeout "$TIMEOUT" "$bin" check "$plan") \
		>/dev/null 2>"$out" || rc=$?
	t1=$(now)
	# /usr/bin/time reports a signal as "Command terminated by signal N", then the figure
	printf '%s %s %s\n' "$(calc '%.6f' "$t1 - $t0")" "$rc" "$(tail -1 "$tv" 2>/dev/null | grep -E '^[0-9]+$' || echo -)"
}

verdict() { # EXIT OUTPUT: clean, nE/nW, timeout, out of memory or exit=N
	local rc=$1 e w
	case $rc in
	0 | 1)
		e=$(grep -cE ':[0-9]+:[0-9]+: error: ' "$2" || true)
		w=$(grep -cE ':[0-9]+:[0-9]+: warning: ' "$2" || true)
		if ((e == 0 && w == 0)); then echo clean; else echo "${e}E/${w}W"; fi ;;
	124) echo "timeout" ;;
	2) if grep -q 'out of memory' "$2"; then echo "out-of-memory"; else echo "exit=2"; fi ;;
	*) echo "exit=$rc" ;;
	esac
}

# the RSS of a process that reads no plan, to tell the plan's share from the program's
base_rss=$( (/usr/bin/time -f '%M' -o "$WORK/growth/time-v.txt" "${paths[0]}" --version >/dev/null 2>&1) && tail -1 "$WORK/growth/time-v.txt")
fmt='%-9s %8s %9s %10s %-8s %-14s %9s %10s %10s %8s %9s %6s %6s\n'
# shellcheck disable=SC2059
printf "$fmt" shape N lines bytes binary check wall_s lines/s peak_KiB RSS/file "-base" k_time k_rss
for shape in $SHAPES; do
	declare -A prev_n=() prev_t=() prev_r=() prev_cut=()
	for n in $SIZES; do
		plan=$WORK/growth/$shape-$n.hplan
		[[ -s "$plan" ]] || python3 "$BENCH/gengrowth.py" --shape "$shape" --n "$n" -o "$plan" 2>/dev/null
		lines=$(wc -l <"$plan")
		bytes=$(stat -c %s "$plan")
		for i in "${!paths[@]}"; do
			bin=${paths[$i]} label=${labels[$i]}
			best="" rc=0 rss=-
			for ((r = 0; r < RUNS; r++)); do
				read -r t rc rss < <(one_run "$bin" "$plan")
				if [[ -z "$best" ]] || awk "BEGIN { exit !($t < $best) }"; then best=$t; fi
				((rc == 0 || rc == 1)) || break
			done
			v=$(verdict "$rc" "$WORK/growth/check.out")
			ok=$((rc == 0 || rc == 1))
			if ((ok)); then
				lps=$(calc '%.0f' "$lines / ($best > 0 ? $best : 1e-9)")
				wall=$(calc '%.3f' "$best")
			else
				lps=- wall=$([[ "$v" == timeout ]] && echo ">$TIMEOUT" || calc '%.3f' "$best")
			fi
			ratio=- bratio=-
			[[ "$rss" == - ]] || ratio=$(calc '%.1fx' "$rss * 1024 / $bytes")
			[[ "$rss" == - ]] || bratio=$(calc '%.1fx' "($rss - $base_rss) * 1024 / $bytes")
			kt=- kr=-
			if [[ -n "${prev_n[$label]:-}" && "${prev_cut[$label]}" == 0 ]]; then
				ln=$(calc '%.6f' "log($n / ${prev_n[$label]})")
				if ((ok)); then
					kt=$(calc '%.2f' "log($best / ${prev_t[$label]}) / $ln")
				elif [[ "$v" == timeout ]]; then
					kt=">$(calc '%.2f' "log($TIMEOUT / ${prev_t[$label]}) / $ln")"
				fi
				if ((ok)) && [[ "$rss" != - && "${prev_r[$label]}" != - ]]; then
					kr=$(calc '%.2f' "log($rss / ${prev_r[$label]}) / $ln")
				fi
			fi
			prev_n[$label]=$n prev_t[$label]=$best prev_r[$label]=$rss prev_cut[$label]=$((!ok))
			# shellcheck disable=SC2059
			printf "$fmt" "$shape" "$n" "$lines" "$bytes" "$label" "$v" "$wall" "$lps" "$rss" "$ratio" "$bratio" "$kt" "$kr"
		done
	done
	unset prev_n prev_t prev_r prev_cut
done
printf '\n%s, %s core(s); timeout %ss, ulimit -v %s MiB; best of %s run(s); -base: (RSS - %s KiB, the RSS of\n`hotplan --version`) / file; plans in %s\n' \
	"$(uname -m)" "$(nproc)" "$TIMEOUT" "$MEMLIMIT" "$RUNS" "$base_rss" "$WORK/growth"
