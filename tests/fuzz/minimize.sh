#!/bin/bash
# minimize.sh: merge a campaign's corpus into tests/fuzz/corpus/HARNESS (docs/fuzzing.md).
#
#   tests/fuzz/minimize.sh HARNESS [MORE_CORPUS_DIRS...] [-libfuzzer_flag=...]
#
# Keeps the smallest set of inputs of the committed corpus, the working corpus of
# campaign.sh ($HOTPLAN_FUZZ_WORK/HARNESS/corpus) and any directory given that covers all
# their features (libFuzzer -merge=1), and writes it back under content-hash names.
# -use_counters=0 keeps one input per new edge instead of per new hit count: a much
# smaller corpus (that is how the committed corpora were made).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
h=${1:?usage: minimize.sh frontend|image|journal|inventory [dirs...]}
shift
build=${HOTPLAN_FUZZ_BUILD:-$src/build-fuzz}
work=${HOTPLAN_FUZZ_WORK:-/tmp/hotplan-fuzz}/$h
case $h in
frontend | image) ml=65536 ;;
journal) ml=32768 ;;
inventory) ml=16384 ;;
*) echo "minimize.sh: unknown harness '$h'" >&2; exit 2 ;;
esac
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dirs=("$src/tests/fuzz/corpus/$h")
[ -d "$work/corpus" ] && dirs+=("$work/corpus")
flags=()
for a in "$@"; do
	case $a in
	-*) flags+=("$a") ;;
	*) dirs+=("$a") ;;
	esac
done
mkdir -p "$work/cwd"
cd "$work/cwd"
nice -n 19 "$build/tests/fuzz/fuzz_$h" -merge=1 -max_len=$ml -rss_limit_mb=2048 -timeout=10 \
	"${flags[@]}" "$out" "${dirs[@]}" 2>&1 | grep -E 'MERGE-OUTER|ERROR' || true
n=$(ls "$out" | wc -l)
[ "$n" -gt 0 ] || { echo "minimize.sh: the merge kept nothing; corpus left as it was" >&2; exit 1; }
rm -f "$src/tests/fuzz/corpus/$h/"*
cp "$out/"* "$src/tests/fuzz/corpus/$h/"
echo "minimize.sh: tests/fuzz/corpus/$h: $n files, $(du -sh "$src/tests/fuzz/corpus/$h" | cut -f1)"
