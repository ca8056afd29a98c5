#!/usr/bin/env bash
# regen.sh: rewrite the golden files tests/diag/NAME.expected from the current binary's
# output (stderr of `hotplan check [--kind K] tests/diag/NAME.hplan`, run from the repo
# root with NO_COLOR=1, exactly as run-diag.sh runs it). Read the diff before committing:
# it is the review.
#
#   tests/diag/regen.sh              rewrite every existing NAME.expected
#   tests/diag/regen.sh NAME...      write (create or rewrite) those plans' NAME.expected
#   tests/diag/regen.sh --all        write one for every plan whose header is not `expect: clean`
#
# Environment: HOTPLAN (the binary; default build/hotplan or the first build-*/hotplan).
set -u

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root" || exit 2

bin=${HOTPLAN:-}
if [[ -z $bin ]]; then
	for c in build/hotplan build-*/hotplan; do
		[[ -x $c ]] && { bin=$c; break; }
	done
fi
if [[ -z $bin || ! -x $bin ]]; then
	echo "regen: no hotplan binary (set HOTPLAN)" >&2
	exit 2
fi
[[ $bin == /* ]] || bin=$root/$bin

names=()
if (($# == 0)); then
	for f in tests/diag/*.expected; do
		[[ -e $f ]] || continue
		n=${f##*/}; names+=("${n%.expected}")
	done
elif [[ $1 == --all ]]; then
	for f in tests/diag/*.hplan; do
		sed -n '1,20{s/^\xef\xbb\xbf//;s/\r$//;p}' "$f" | grep -q '^# expect: *clean' && continue
		n=${f##*/}; names+=("${n%.hplan}")
	done
else
	for a in "$@"; do
		a=${a##*/}; a=${a%.hplan}; names+=("${a%.expected}")
	done
fi

for name in "${names[@]}"; do
	plan=tests/diag/$name.hplan
	if [[ ! -f $plan ]]; then
		echo "regen: no such plan $plan" >&2
		exit 2
	fi
	kind=$(sed -n '1,20{s/^\xef\xbb\xbf//;s/\r$//;s/^# kind: *\(standalone\|cluster\) *$/\1/p}' "$plan" | head -n1)
	args=(check)
	[[ -n $kind ]] && args+=(--kind "$kind")
	NO_COLOR=1 "$bin" "${args[@]}" "$plan" 2>"tests/diag/$name.expected" >/dev/null
	rc=$?
	if ((rc > 1)); then
		echo "regen: $name: hotplan exited $rc" >&2
	fi
	echo "wrote tests/diag/$name.expected (exit $rc)"
done
