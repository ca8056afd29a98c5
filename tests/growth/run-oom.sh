#!/usr/bin/env bash
# tests/growth/run-oom.sh: out of memory is a clear error, never a crash, and checking a plan
# does not take memory that grows with params × ifs.
#
# A plan with 2,000 bool params and 4,000 `if`s on them (every param twice: the checker's
# paths split on each and are joined past 64) is checked under `ulimit -v` limits from the
# least one under which `hotplan --version` starts (when there is none up to 512 MiB, as for
# a sanitizer's build, which reserves terabytes of address space, the test is skipped) to
# 256 MiB more. Under each, `hotplan check` (text and --format json) either succeeds, or says
# "hotplan: out of memory" and exits 2; anything else (an abort, a crash) fails the test.
# Some limit must run it out of memory (else the error path went untested), and 256 MiB more
# than starting takes must be enough: this plan once took 1.3 GB, as the memory of that check
# grew with params × ifs.
set -uo pipefail
HOTPLAN=${HOTPLAN:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
plan=$tmp/params-ifs.hplan
n=2000
{
	echo 'plan params_ifs "2,000 bool params and 4,000 ifs" {'
	for ((i = 0; i < n; i++)); do echo "    param p$i : bool = false"; done
	echo '    procedure standalone {'
	for ((i = 0; i < 2 * n; i++)); do
		p=$((i % n))
		printf '        if p%d {\n            step on_%d {\n                wait 1s\n            }\n' "$p" "$i"
		printf '        } else {\n            step off_%d {\n                wait 1s\n            }\n        }\n' "$i"
	done
	echo '    }'
	echo '}'
} >"$plan"

# run LIMIT_MIB ARGS...: the exit status of hotplan ARGS under the limit; its stderr in $tmp/err
run() {
	local lim=$1
	shift
	(ulimit -v $((lim * 1024)) && exec "$HOTPLAN" "$@") >"$tmp/out" 2>"$tmp/err"
}

# the least limit (in MiB) under which hotplan starts at all
base=""
for ((lim = 1; lim <= 512; lim++)); do
	if run "$lim" --version; then base=$lim; break; fi
done
if [[ -z "$base" ]]; then
	echo "skipped: hotplan cannot start under ulimit -v 512 MiB or less (a sanitizer's build?)"
	exit 77
fi
echo "hotplan --version starts under ulimit -v ${base} MiB"

fail=0 oom=0 last_ok=""
for lim in $base $((base + 1)) $((base + 2)) $((base + 4)) $((base + 8)) $((base + 16)) $((base + 32)) \
	$((base + 64)) $((base + 128)) $((base + 256)); do
	for fmt in text json; do
		run "$lim" check --format "$fmt" "$plan"
		rc=$?
		if ((rc == 0)); then
			echo "ulimit -v ${lim} MiB, $fmt: checked"
			last_ok=$lim
		elif ((rc == 2)) && grep -q '^hotplan: out of memory' "$tmp/err"; then
			echo "ulimit -v ${lim} MiB, $fmt: $(head -1 "$tmp/err"), exit 2"
			oom=$((oom + 1))
			last_ok=""
		else
			echo "FAIL: ulimit -v ${lim} MiB, $fmt: exit $rc (expected 0, or 2 and 'hotplan: out of memory'):"
			head -5 "$tmp/err"
			fail=1
			last_ok=""
		fi
	done
done
if ((oom == 0)); then
	echo "FAIL: no limit ran the check out of memory: the error path was not tested"
	fail=1
fi
if [[ "$last_ok" != $((base + 256)) ]]; then
	echo "FAIL: 256 MiB more than hotplan needs to start is not enough to check a 2,000 params x 4,000 ifs plan"
	fail=1
fi
exit $fail
