#!/usr/bin/env bash
# run-exchange-explicit.sh: `use exchange-2003` says explicitly what a plan that uses no
# library gets built in (docs/language.md, "What an update needs"). Every golden of
# tests/diag (and the canonical plan) is checked again with `use exchange-2003` appended
# (its last line, so that no line moves) against the same header and the same .expected:
# the library's needs and notes (lib/exchange-2003.hplan) and the built-in copy
# (compiler/product.c) must give the same diagnostics, byte for byte.
# Plans with a syntax error (HP001) are left out: text appended after it is parsed apart.
set -u

root=${HOTPLAN_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
bin=${HOTPLAN:-$root/build/hotplan}
[[ -x $bin ]] || { echo "run-exchange-explicit: no hotplan binary (set HOTPLAN)" >&2; exit 2; }
[[ -f $root/lib/exchange-2003.hplan ]] || { echo "run-exchange-explicit: no lib/exchange-2003.hplan" >&2; exit 2; }

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/tests/diag" "$tmp/plans"

n=0
for plan in "$root"/tests/diag/*.hplan; do
	name=${plan##*/}
	name=${name%.hplan}
	exp=$root/tests/diag/$name.expected
	grep -q '^# expect: *HP001' "$plan" && continue
	[[ -f $exp ]] && grep -q '\[HP001\]' "$exp" && continue
	cp "$plan" "$tmp/tests/diag/"
	# keep the file's line ends: a CRLF plan gets a CRLF line
	if grep -q $'\r$' "$plan"; then nl=$'\r\n'; else nl=$'\n'; fi
	[[ -n $(tail -c1 "$plan") ]] && printf '%s' "$nl" >>"$tmp/tests/diag/$name.hplan"
	printf 'use exchange-2003%s' "$nl" >>"$tmp/tests/diag/$name.hplan"
	[[ -f $exp ]] && cp "$exp" "$tmp/tests/diag/"
	n=$((n + 1))
done
echo "run-exchange-explicit: $n goldens with \`use exchange-2003\` appended"
((n > 100)) || { echo "run-exchange-explicit: too few goldens ($n): the selection is broken" >&2; exit 1; }
cp "$root"/tests/diag/run-diag.sh "$tmp/tests/diag/"
HOTPLAN=$bin HOTPLAN_SOURCE_DIR=$tmp HOTPLAN_LIB_PATH=$root/lib bash "$tmp/tests/diag/run-diag.sh" || exit 1

# the canonical plan: the same diagnostics (none) with the library used explicitly
cp "$root/plans/ese-hotfix.hplan" "$tmp/plans/"
printf 'use exchange-2003\n' >>"$tmp/plans/ese-hotfix.hplan"
(cd "$root" && NO_COLOR=1 "$bin" check plans/ese-hotfix.hplan) >"$tmp/a.out" 2>"$tmp/a.err"
a=$?
(cd "$tmp" && NO_COLOR=1 HOTPLAN_LIB_PATH=$root/lib "$bin" check plans/ese-hotfix.hplan) >"$tmp/b.out" 2>"$tmp/b.err"
b=$?
if ((a != b)) || ! cmp -s "$tmp/a.err" "$tmp/b.err"; then
	echo "FAIL plans/ese-hotfix.hplan: exit $a without the library, $b with it"
	diff -u "$tmp/a.err" "$tmp/b.err"
	exit 1
fi
echo "run-exchange-explicit: plans/ese-hotfix.hplan: the same with and without \`use exchange-2003\`"

# `hotplan explain` shows each of the library's notes as the note of its rule
nnotes=0
while IFS= read -r line; do
	[[ $line =~ ^[[:space:]]*note\ (HP[0-9]{3})\ \"(.*)\"[[:space:]]*$ ]] || continue
	rule=${BASH_REMATCH[1]} text=${BASH_REMATCH[2]//\\\"/\"}
	said=$("$bin" explain "$rule" | sed -n '/^Note$/,$p' | tr '\n' ' ' | tr -s ' ')
	if [[ $said != *"\"$text\""* ]]; then
		echo "FAIL explain $rule does not show the library's note: $text"
		exit 1
	fi
	nnotes=$((nnotes + 1))
done <"$root/lib/exchange-2003.hplan"
((nnotes >= 10)) || { echo "FAIL only $nnotes notes found in lib/exchange-2003.hplan"; exit 1; }
echo "run-exchange-explicit: explain shows the $nnotes notes of lib/exchange-2003.hplan"
