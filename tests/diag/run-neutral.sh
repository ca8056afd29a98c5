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
nplans=0 ndiag=0 nhit=0 checked=()
: >"$tmp/one-by-one"
for p in "${plans[@]}"; do
	grep -Eq '^[[:space:]]*use[[:space:]]+exchange-2003' "$p" && continue
	nplans=$((nplans + 1))
	NO_COLOR=1 "$bin" check "$p" >/dev/null 2>"$tmp/err"
	grep -E ': (error|warning): ' "$tmp/err" >>"$tmp/one-by-one"
	checked+=("$p")
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

# checked together in one run, each plan sees its libraries as when checked alone (a library
# two inputs import is parsed once: the second still gets its declarations, needs and notes)
NO_COLOR=1 "$bin" check "${checked[@]}" >/dev/null 2>"$tmp/err"
grep -E ': (error|warning): ' "$tmp/err" | sort >"$tmp/together"
sort "$tmp/one-by-one" >"$tmp/alone"
if ! cmp -s "$tmp/alone" "$tmp/together"; then
	echo "FAIL: the plans checked in one run say other things than checked one by one:"
	diff "$tmp/alone" "$tmp/together" | sed 's/^/    | /'
	exit 1
fi
((nplans > 0 && ndiag > 0)) || { echo "run-neutral: nothing to judge: no plan or no diagnostic" >&2; exit 1; }
((nhit == 0)) || exit 1

# the moved rules' notes: what `hotplan explain` says a non-Exchange plan gets is what it gets
for pair in HP111:needs-cluster-stopped-bad HP112:needs-restart-bad; do
	rule=${pair%%:*} golden=tests/diag/products/${pair#*:}.expected
	said=$("$bin" explain "$rule" | sed -n '/^Note$/,$p' | tr '\n' ' ' | tr -s ' ')
	[[ $said =~ With\ any\ other:\ \"([^\"]*)\" ]] || { echo "FAIL explain $rule: no note for other products"; exit 1; }
	note=${BASH_REMATCH[1]}
	grep -qF "   note: $note" "$golden" || { echo "FAIL explain $rule's note is not the one $golden shows: $note"; exit 1; }
done
echo "run-neutral: explain HP111 and HP112 show the notes non-Exchange plans get"
