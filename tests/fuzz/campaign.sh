#!/bin/bash
# campaign.sh: run one libFuzzer campaign (docs/fuzzing.md).
#
#   tests/fuzz/campaign.sh HARNESS [SECONDS] [extra libFuzzer flags...]
#
# HARNESS is frontend, image, journal or inventory; SECONDS defaults to 1800. The fuzzers
# come from $HOTPLAN_FUZZ_BUILD (default build-fuzz, configured with
#   CC=clang cmake -S . -B build-fuzz -DHOTPLAN_FUZZ=ON -DHOTPLAN_SANITIZE=ON).
# The working corpus is $HOTPLAN_FUZZ_WORK/HARNESS/corpus (default /tmp/hotplan-fuzz), seeded
# from tests/fuzz/corpus/HARNESS and the regressions; crashes, leaks, timeouts and OOMs land
# in .../artifacts/; the log in .../campaign.log. The fuzzer runs in an empty directory (an
# `import` in a fuzzed plan resolves there) under nice -n 19. Run at most two at a time on a
# two-core machine. Afterwards, tests/fuzz/minimize.sh HARNESS merges the corpus back.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
h=${1:?usage: campaign.sh frontend|image|journal|inventory [SECONDS] [flags...]}
secs=${2:-1800}
shift $(( $# >= 2 ? 2 : 1 ))
build=${HOTPLAN_FUZZ_BUILD:-$src/build-fuzz}
work=${HOTPLAN_FUZZ_WORK:-/tmp/hotplan-fuzz}/$h
case $h in
frontend) flags=(-max_len=65536 -dict="$src/tests/fuzz/hplan.dict") ;;
image) flags=(-max_len=65536) ;;
journal) flags=(-max_len=32768) ;;
inventory) flags=(-max_len=16384 -dict="$src/tests/fuzz/hplan.dict") ;;
*) echo "campaign.sh: unknown harness '$h'" >&2; exit 2 ;;
esac
fuzzer=$build/tests/fuzz/fuzz_$h
[ -x "$fuzzer" ] || { echo "campaign.sh: no $fuzzer (build with -DHOTPLAN_FUZZ=ON and clang)" >&2; exit 2; }
mkdir -p "$work/corpus" "$work/artifacts" "$work/cwd"
cp -n "$src/tests/fuzz/corpus/$h/"* "$work/corpus/" 2>/dev/null || true
cp -n "$src/tests/fuzz/regressions/$h/"* "$work/corpus/" 2>/dev/null || true
cd "$work/cwd"
nice -n 19 "$fuzzer" "${flags[@]}" -rss_limit_mb=2048 -timeout=10 -max_total_time="$secs" \
	-artifact_prefix="$work/artifacts/" -print_final_stats=1 "$@" "$work/corpus" 2>&1 | tee "$work/campaign.log" |
	grep -E '^#[0-9]+[[:space:]]+(INITED|pulse|DONE)|^stat::|ERROR|SUMMARY' || true
echo "campaign.sh: log $work/campaign.log, findings in $work/artifacts/"
