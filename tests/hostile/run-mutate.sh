#!/usr/bin/env bash
# run-mutate.sh: mutation test (docs/hardening.md). mutate.py makes HOTPLAN_MUTATE_N mutants
# (default 3000; 2000 when the binary has ASan/UBSan) of every .hplan under plans/ and tests/
# and runs each through `hotplan check`, every 10th (and every one that checks clean) also
# through `check --format json`, `fmt --check`, `compile -o /dev/null`, `graph`, `run
# --dry-run` and a real `run` on the built-in simulated target. Each must end by itself
# within 10 s (30 s under ASan) with exit 0, 1 or 2 (run: 0 to 5), no signal, no sanitizer
# report. The seed is fresh each run and printed; a failure prints its mutant and how to
# replay it:
#
#   HOTPLAN_MUTATE_SEED=S tests/hostile/mutate.py --hotplan build/hotplan --only I
#
# Environment (set by ctest): HOTPLAN, HOTPLAN_SOURCE_DIR. Also HOTPLAN_MUTATE_N,
# HOTPLAN_MUTATE_SEED, HOTPLAN_MUTATE_JOBS (2), HOTPLAN_MUTATE_LIMIT, HOTPLAN_MUTATE_OUT (keep
# the failing mutants there; default: a temporary directory, kept when something failed).
set -uo pipefail

: "${HOTPLAN:?HOTPLAN must name the hotplan binary}"
: "${HOTPLAN_SOURCE_DIR:?HOTPLAN_SOURCE_DIR must name the source tree}"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if ! command -v python3 >/dev/null 2>&1; then
	echo "run-mutate: python3 is needed" >&2
	exit 1
fi

asan=no
if grep -qa -e __asan_init -e __ubsan_handle "$HOTPLAN"; then
	asan=yes
	# as the fuzz tests: leaks count, and a report ends the process
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi
# about 20 s on a plain build and 50 s under ASan, on two cores (2 workers)
export HOTPLAN_MUTATE_N=${HOTPLAN_MUTATE_N:-$([[ $asan == yes ]] && echo 2000 || echo 3000)}
ulimit -c 0

exec python3 -B "$HERE/mutate.py" --hotplan "$HOTPLAN" --source "$HOTPLAN_SOURCE_DIR"
