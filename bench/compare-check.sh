#!/usr/bin/env bash
# bench/compare-check.sh: do two hotplan binaries say the same about every plan? Runs
# `hotplan check` of each binary over every .hplan in the source tree and every input of the
# front end's fuzz corpus (tests/fuzz/corpus/frontend), as text and as --format json, and
# for each of `--kind standalone` and `--kind cluster` as well; compares standard output,
# standard error and the exit status byte for byte.
#
#   bench/compare-check.sh OLD_HOTPLAN NEW_HOTPLAN [FILE...]
#
# With FILEs, those instead of the tree's. Prints each difference (a diff of the first few),
# then a summary; exits 1 when any run differs. A check, not a benchmark: it times nothing.
set -uo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
(($# >= 2)) || { sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
OLD=$(realpath "$1") NEW=$(realpath "$2")
shift 2

files=()
if (($#)); then
	for f in "$@"; do files+=("$(realpath "$f")"); done
else
	while IFS= read -r -d '' f; do files+=("$f"); done < <(
		find "$ROOT" \( -path "$ROOT/build*" -o -path "$ROOT/.git" \) -prune -o -name '*.hplan' -type f -print0
		find "$ROOT/tests/fuzz/corpus/frontend" -type f -print0 2>/dev/null)
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
runs=0 diffs=0 shown=0
for f in "${files[@]}"; do
	for args in "" "--format json" "--kind standalone" "--kind cluster" "--format json --kind cluster"; do
		runs=$((runs + 1))
		# shellcheck disable=SC2086 # args are words
		NO_COLOR=1 timeout 60 "$OLD" check $args "$f" >"$tmp/o.out" 2>"$tmp/o.err"
		echo "exit $?" >>"$tmp/o.err"
		# shellcheck disable=SC2086
		NO_COLOR=1 timeout 60 "$NEW" check $args "$f" >"$tmp/n.out" 2>"$tmp/n.err"
		echo "exit $?" >>"$tmp/n.err"
		if cmp -s "$tmp/o.out" "$tmp/n.out" && cmp -s "$tmp/o.err" "$tmp/n.err"; then
			continue
		fi
		diffs=$((diffs + 1))
		echo "DIFFERS: check $args $f"
		if ((shown < 5)); then
			shown=$((shown + 1))
			diff "$tmp/o.out" "$tmp/n.out" | head -20
			diff "$tmp/o.err" "$tmp/n.err" | head -20
		fi
	done
done
echo "compare-check: ${#files[@]} inputs, $runs runs, $diffs differ"
((diffs == 0))
