#!/usr/bin/env bash
# run-neutral.sh: no diagnostic of a plan that is not an Exchange plan speaks of Exchange
# (issue 10, item 4; docs/checker.md, "Products"). Every plan written with a library other
# than exchange-2003 (plans/pacemaker-*, plans/postgresql-*, plans/sql-fci-*, plans/wsfc-*,
# tests/diag/products/*) is checked, every procedure, and each diagnostic's message, note and
# help (not the quoted source line: a plan may name its own KB article) must not say
# "Exchange", "KB" or "store(s)" (as words, any case: "restore" is fine).
# Fails on a hit, and when the plans give no diagnostic at all (the grep would prove nothing).
set -u

root=${HOTPLAN_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
bin=${HOTPLAN:-$root/build/hotplan}
[[ -x $bin ]] || { echo "run-neutral: no hotplan binary (set HOTPLAN)" >&2; exit 2; }
cd "$root" || exit 2

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

shopt -s nullglob
plans=(plans/pacemaker-*.hplan plans/postgresql-*.hplan plans/sql-fci-*.hplan plans/wsfc-*.hplan
	tests/diag/products/*.hplan)
nplans=0 ndiag=0 nhit=0
for p in "${plans[@]}"; do
	grep -Eq '^[[:space:]]*use[[:space:]]+exchange-2003' "$p" && continue
	nplans=$((nplans + 1))
	NO_COLOR=1 "$bin" check "$p" >/dev/null 2>"$tmp/err"
	# what hotplan says: the first line of each diagnostic, its notes and its help
	grep -E '^[^ ].*:[0-9]+:[0-9]+: (error|warning): |^   (note|help): ' "$tmp/err" >"$tmp/said"
	ndiag=$((ndiag + $(grep -cE ': (error|warning): ' "$tmp/said")))
	if grep -Eiw 'exchange|kb|stores?' "$tmp/said" >"$tmp/hits"; then
		echo "FAIL $p: a diagnostic speaks of Exchange:"
		sed 's/^/    | /' "$tmp/hits"
		nhit=$((nhit + 1))
	fi
done
echo "run-neutral: $nplans plans, $ndiag diagnostics, $nhit with a word of Exchange"
((nplans > 0 && ndiag > 0)) || { echo "run-neutral: nothing to judge: no plan or no diagnostic" >&2; exit 1; }
((nhit == 0))
