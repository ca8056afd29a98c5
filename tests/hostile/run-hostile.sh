#!/usr/bin/env bash
# run-hostile.sh: hostile input (Issue 4, item 2). Every command that reads a file is fed
# each input gen_inputs.py writes (empty, a directory, missing, unreadable, a symlink loop, a
# FIFO, /dev/zero, binary junk, NUL bytes, invalid UTF-8, a 70 MB line and 60 MB ones, 20,000
# nested blocks, 100,000 errors, imports of itself / a cycle / a device / a chain too deep,
# inventories of a thousand nodes or targets) and must end with exit 1 or 2, a message on
# stderr (stdout for --format json/sarif), no sanitizer report, no signal, within LIMIT seconds
# of CPU time (killed after 3 x LIMIT of wall time) and (without ASan) 2 GiB of address space. `fmt` may also exit 0 (a file that parses is formatted). The commands: check
# (text, json, sarif), compile (image, json), graph, run, fmt (when the binary has it),
# run --inventory FILE, resume FILE.
#
# Environment (set by ctest): HOTPLAN, HOTPLAN_SOURCE_DIR. HOTPLAN_HOSTILE_LIMIT overrides the
# time limit (default 10 s; 30 s for a sanitizer build). A case this machine cannot stage (no
# /dev/full; root without setpriv for the unreadable file) is left out with a SKIP line, and
# the test then exits 77 (skipped) if nothing failed.
set -uo pipefail

: "${HOTPLAN:?HOTPLAN must name the hotplan binary}"
: "${HOTPLAN_SOURCE_DIR:?HOTPLAN_SOURCE_DIR must name the source tree}"
HOTPLAN=$(cd "$(dirname "$HOTPLAN")" && pwd)/$(basename "$HOTPLAN")
SRC=$(cd "$HOTPLAN_SOURCE_DIR" && pwd)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PLAN=$SRC/plans/ese-hotfix.hplan
AFFECTED="affected=First Storage Group/Mailbox Store (SIM)"
T=$(mktemp -d "${TMPDIR:-/tmp}/hp-hostile-XXXXXX")
trap 'chmod -R u+rwX "$T" 2>/dev/null; rm -rf "$T"' EXIT
export HOTPLAN_STATE_DIR=$T/state NO_COLOR=1

asan=no
if grep -qa -e __asan_init -e __ubsan_handle "$HOTPLAN"; then
	asan=yes
fi
LIMIT=${HOTPLAN_HOSTILE_LIMIT:-$([[ $asan == yes ]] && echo 30 || echo 10)}
MEM_KB=$((2 * 1024 * 1024))
TIME=/usr/bin/time
[[ -x $TIME ]] || TIME=

failures=0
skipped=0
cases=0
slowest=0
slowest_case=
biggest=0
biggest_case=
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

have_fmt=no
if "$HOTPLAN" fmt --help >/dev/null 2>&1; then
	have_fmt=yes
fi

mkdir -p "$T/in"
python3 -B "$HERE/gen_inputs.py" "$T/in" 2>"$T/gen.err"
[[ -s $T/gen.err ]] && { cat "$T/gen.err" >&2; fail "gen_inputs.py failed"; }
cd "$T/in"

# probe LABEL ALLOWED_CODES CMD...: run CMD (bounded), then judge it.
probe() {
	local label=$1 allowed=$2 rc t0 t1 ms wall u sy rss=0
	shift 2
	cases=$((cases + 1))
	t0=${EPOCHREALTIME/./}
	(
		[[ $asan == no ]] && ulimit -v "$MEM_KB"
		if [[ -n $TIME ]]; then
			exec "$TIME" -f '%U %S %M' -o "$T/rss" timeout -k 2 "$((3 * LIMIT))" "$@"
		else
			exec timeout -k 2 "$((3 * LIMIT))" "$@"
		fi
	) >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	t1=${EPOCHREALTIME/./}
	wall=$(((t1 - t0) / 1000))
	ms=$wall
	if [[ -n $TIME && -s $T/rss ]]; then
		# CPU time (user + system) is what the limit bounds: the machine may be busy
		read -r u sy rss < <(tail -n 1 "$T/rss")
		[[ $u =~ ^[0-9]+\.[0-9]+$ && $sy =~ ^[0-9]+\.[0-9]+$ ]] &&
			ms=$(( (10#${u%.*} + 10#${sy%.*}) * 1000 + (10#${u#*.} + 10#${sy#*.}) * 10 ))
	fi
	[[ $rss =~ ^[0-9]+$ ]] || rss=0
	# /usr/bin/time appends "Command exited with non-zero status N" before %M: keep stderr clean
	sed -i '/^Command exited with non-zero status/d; /^Command terminated by signal/d' "$T/err"
	if ((ms > slowest)); then
		slowest=$ms
		slowest_case=$label
	fi
	if ((rss > biggest)); then
		biggest=$rss
		biggest_case=$label
	fi
	if [[ $rc == 124 || $rc == 137 ]]; then
		fail "$label: still running after $((3 * LIMIT))s (killed)"
		return
	fi
	if grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$T/err"; then
		fail "$label: sanitizer report: $(grep -m 3 -E 'Sanitizer|runtime error' "$T/err")"
		return
	fi
	if [[ " $allowed " != *" $rc "* ]]; then
		fail "$label: exit $rc, expected one of {$allowed}: $(head -c 300 "$T/err")"
		return
	fi
	# --format json/sarif put the diagnostics on stdout
	if [[ $rc != 0 && ! -s $T/err && ! ($label == *--format* && -s $T/out) ]]; then
		fail "$label: exit $rc without a message"
		return
	fi
	if ((ms > LIMIT * 1000)); then
		fail "$label: took ${ms} ms of CPU time (limit ${LIMIT}s; ${wall} ms in all)"
	fi
}

# Every input, through every command that reads a plan, an inventory or a journal.
inputs=(empty.hplan dir.hplan missing.hplan loop-a.hplan fifo.hplan /dev/zero junk.bin nul.hplan nul-only.hplan
	utf8.hplan utf8-overlong.hplan line70.hplan ident60.hplan string60.hplan comment60.hplan nest-if.hplan
	nest-paren.hplan nest-not.hplan nest-brace.hplan nest-foreach.hplan errors-syntax.hplan errors-names.hplan
	errors-oneline.hplan errors-dup.hplan import-self.hplan import-a.hplan import-dir.hplan import-zero.hplan
	import-fifo.hplan import-junk.hplan chain0.hplan inv-1000-cluster.hplan inv-1000-standalone.hplan
	inv-1000-targets.hplan)
for f in "${inputs[@]}"; do
	ok="1 2"
	[[ $f == inv-* ]] && ok="0 1 2"   # an inventory is a file `check` accepts
	probe "check $f" "$ok" "$HOTPLAN" check "$f"
	probe "check --format json $f" "$ok" "$HOTPLAN" check --format json "$f"
	probe "check --format sarif $f" "$ok" "$HOTPLAN" check --format sarif "$f"
	probe "compile $f" "1 2" "$HOTPLAN" compile "$f" -o "$T/out.hpc"
	probe "compile --emit json $f" "1 2" "$HOTPLAN" compile "$f" --emit json -o "$T/out.json"
	probe "graph $f" "1 2" "$HOTPLAN" graph "$f"
	probe "run $f" "1 2" "$HOTPLAN" run "$f" --set "$AFFECTED"
	[[ $have_fmt == yes ]] && probe "fmt $f" "0 1 2" "$HOTPLAN" fmt "$f"
	probe "run --inventory $f" "1 2" "$HOTPLAN" run "$PLAN" --inventory "$f" --set "$AFFECTED"
	probe "resume $f" "2" "$HOTPLAN" resume "$f"
done
[[ -e $T/out.hpc ]] && fail "compile wrote an image of a hostile input"

# What some of them must say.
says() { # says CMD... -- TEXT: CMD's stderr holds TEXT
	local args=() text
	while [[ $1 != -- ]]; do
		args+=("$1")
		shift
	done
	text=$2
	"$HOTPLAN" "${args[@]}" >/dev/null 2>"$T/err" </dev/null
	grep -qF -- "$text" "$T/err" || fail "hotplan ${args[*]}: does not say \"$text\": $(head -c 300 "$T/err")"
}
says check dir.hplan -- "is a directory"
says check missing.hplan -- "No such file or directory"
says check loop-a.hplan -- "Too many levels of symbolic links"
says check fifo.hplan -- "not a regular file"
says check /dev/zero -- "not a regular file"
says check line70.hplan -- "larger than 64 MiB"
says check junk.bin -- "invalid UTF-8"
says check nul.hplan -- "NUL"
says check nest-if.hplan -- "nesting too deep"
says check errors-syntax.hplan -- "too many errors"
says check import-self.hplan -- "import cycle: import-self.hplan -> import-self.hplan"
says check import-a.hplan -- "import cycle"
says check import-zero.hplan -- "not a regular file"
says check chain0.hplan -- "imports nested too deeply"
says run "$PLAN" --inventory inv-1000-cluster.hplan -- "at most 64"
says run "$PLAN" --inventory inv-1000-local.hplan -- "at most 64"
says run "$PLAN" --inventory inv-65-cluster.hplan -- "at most 64"
says run "$PLAN" --inventory inv-1000-targets.hplan -- "name one with --target"
says resume fifo.hplan -- "not a regular file"
says resume /dev/zero -- "not a regular file"
says resume junk.bin -- "not a hotplan journal"

# Unreadable: root reads any file, so read it as nobody when we are root.
if [[ $(id -u) == 0 ]]; then
	if command -v setpriv >/dev/null 2>&1 &&
		setpriv --reuid=65534 --regid=65534 --clear-groups "$HOTPLAN" --version >/dev/null 2>&1; then
		for c in check compile graph run; do
			probe "$c unreadable (as nobody)" "2" setpriv --reuid=65534 --regid=65534 --clear-groups \
				"$HOTPLAN" "$c" "$T/in/unreadable.hplan"
			grep -qF "Permission denied" "$T/err" || fail "$c unreadable: $(head -c 300 "$T/err")"
		done
	else
		echo "SKIP: root, and setpriv cannot run $HOTPLAN as nobody: the unreadable file is not tested"
		skipped=1
	fi
else
	for c in check compile graph run; do
		probe "$c unreadable" "2" "$HOTPLAN" "$c" unreadable.hplan
		grep -qF "Permission denied" "$T/err" || fail "$c unreadable: $(head -c 300 "$T/err")"
	done
fi

# Outputs that cannot be written: a full device, a directory; never replaced by a file.
if [[ -c /dev/full ]]; then
	probe "compile -o /dev/full" "2" "$HOTPLAN" compile "$PLAN" -o /dev/full
	grep -qF "No space left on device" "$T/err" || fail "compile -o /dev/full: $(cat "$T/err")"
	[[ -c /dev/full ]] || fail "compile -o /dev/full replaced the device with a file"
	probe "compile --emit json -o /dev/full" "2" "$HOTPLAN" compile "$PLAN" --emit json -o /dev/full
	probe "check --format json >/dev/full" "2" sh -c '"$0" check --format json "$1" >/dev/full' "$HOTPLAN" "$PLAN"
	probe "graph >/dev/full" "2" sh -c '"$0" graph "$1" >/dev/full' "$HOTPLAN" "$PLAN"
	probe "run --journal /dev/full" "2" "$HOTPLAN" run "$PLAN" --set "$AFFECTED" --journal /dev/full
	[[ -c /dev/full ]] || fail "a hostile output replaced /dev/full with a file"
else
	echo "SKIP: no /dev/full: outputs on a full device are not tested"
	skipped=1
fi
probe "compile -o DIR" "2" "$HOTPLAN" compile "$PLAN" -o "$T/in/dir.hplan"
probe "compile -o /dev/null" "0" "$HOTPLAN" compile "$PLAN" -o /dev/null
[[ -c /dev/null ]] || fail "compile -o /dev/null replaced the device with a file"
probe "run --journal DIR" "2" "$HOTPLAN" run "$PLAN" --set "$AFFECTED" --journal "$T/in/dir.hplan"
probe "HOTPLAN_STATE_DIR=FILE run" "2" env HOTPLAN_STATE_DIR="$T/in/nul.hplan" "$HOTPLAN" run "$PLAN" --set "$AFFECTED"

# A huge --set value (the kernel caps one argument at 128 KiB) and too many --set options.
big=$(head -c 120000 /dev/zero | tr '\0' x)
probe "run --set (120 KB value)" "2" "$HOTPLAN" run "$PLAN" --set "$AFFECTED" --set "failback=$big"
sets=()
for i in $(seq 300); do sets+=(--set "$AFFECTED"); done
probe "run --set x300" "2" "$HOTPLAN" run "$PLAN" "${sets[@]}"

# A damaged image: truncated, a flipped byte.
"$HOTPLAN" compile "$PLAN" -o "$T/good.hpc" 2>/dev/null || fail "compile of the canonical plan failed"
if [[ -s $T/good.hpc ]]; then
	head -c 200 "$T/good.hpc" >"$T/trunc.hpc"
	probe "run truncated image" "2" "$HOTPLAN" run "$T/trunc.hpc" --set "$AFFECTED"
	cp "$T/good.hpc" "$T/flip.hpc"
	printf '\x5a' | dd of="$T/flip.hpc" bs=1 seek=300 conv=notrunc status=none
	probe "run corrupted image" "2" "$HOTPLAN" run "$T/flip.hpc" --set "$AFFECTED"
	grep -qF "checksum" "$T/err" || fail "a corrupted image: $(cat "$T/err")"
fi

echo "run-hostile: $cases cases, slowest $((slowest / 1000)).$(printf '%03d' $((slowest % 1000))) s of CPU ($slowest_case)," \
	"largest $((biggest / 1024)) MiB RSS ($biggest_case), limit ${LIMIT}s${asan:+ (asan: $asan)}"
if ((failures > 0)); then
	echo "run-hostile: $failures failures" >&2
	exit 1
fi
if ((skipped)); then
	echo "run-hostile: the cases that could run passed; some were skipped (SKIP above)"
	exit 77
fi
echo "PASS"
