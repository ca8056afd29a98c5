#!/usr/bin/env bash
# run-cli.sh: the command line of SPEC section 5: exit codes, usage errors, --help of every
# command, --version, explain of every rule, where output goes, and colour (NO_COLOR,
# TERM=dumb, pipes). Colour on a terminal needs `script`: without it the rest still runs and
# the test exits 77 (skipped) if nothing failed.
#
# Environment (set by ctest): HOTPLAN (the binary), HOTPLAN_SOURCE_DIR (the repository).
set -uo pipefail

: "${HOTPLAN:?HOTPLAN must name the hotplan binary}"
: "${HOTPLAN_SOURCE_DIR:?HOTPLAN_SOURCE_DIR must name the repository}"
HOTPLAN=$(cd "$(dirname "$HOTPLAN")" && pwd)/$(basename "$HOTPLAN")
CANON=$HOTPLAN_SOURCE_DIR/plans/ese-hotfix.hplan

failures=0
skipped=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

# run EXPECTED_RC ARGS...: run hotplan with stdout in out.txt and stderr in err.txt.
run() {
	local want=$1
	shift
	"$HOTPLAN" "$@" >out.txt 2>err.txt </dev/null
	local rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "hotplan $*: exit $rc, expected $want"
		sed 's/^/    stderr: /' err.txt | head -20 >&2
		return 1
	fi
	return 0
}
has() {     # has FILE TEXT: FILE contains TEXT (fixed string)
	grep -qF -- "$2" "$1" || { fail "$3: '$2' not in $1"; sed 's/^/    /' "$1" | head -20 >&2; }
}
empty() {
	[ ! -s "$1" ] || { fail "$2: $1 is not empty"; sed 's/^/    /' "$1" | head -20 >&2; }
}

# ---- plans ----
printf 'plan broken {\n    procedure standalone {\n        step s {\n            kill "store.exe"\n        }\n    }\n}\n' >syntax.hplan
# the canonical plan with every store dismounted first: HP101
sed 's/dismount stores not in affected/dismount all stores/' "$CANON" >dismount.hplan
# the canonical plan with one unused param: a warning (HP201) and nothing else
awk '{ print } /param failback/ { print "    param unused_flag : bool = false \"never used\"" }' "$CANON" >warn.hplan

# ---- --version, --help ----
if run 0 --version; then
	grep -qE '^hotplan [0-9]+\.[0-9]+\.[0-9]+$' out.txt || fail "--version: $(cat out.txt)"
fi
run 0 --help && { has out.txt "Usage: hotplan" --help; has out.txt "resume" --help; }
run 0 -h
run 0 help && has out.txt "Commands:" "help"
for cmd in check graph explain compile run resume; do
	if run 0 "$cmd" --help; then
		head -1 out.txt | grep -q "^Usage: hotplan $cmd" || fail "$cmd --help: $(head -1 out.txt)"
		cp out.txt help1.txt
		run 0 help "$cmd" && { cmp -s out.txt help1.txt || fail "help $cmd differs from $cmd --help"; }
	fi
done
run 0 check -h
run 0 check nonexistent.hplan --help     # --help wins, nothing is read

# ---- usage errors: exit 2 with a message ----
usage() {
	if run 2 "$@"; then
		[ -s err.txt ] || fail "hotplan $*: no message"
		empty out.txt "hotplan $*"
	fi
}
usage
usage frobnicate
usage --bogus
usage help frobnicate
usage check
usage check --bogus "$CANON"
usage check "$CANON" --bogus
usage check --format xml "$CANON"
usage check --format=xml "$CANON"
usage check "$CANON" --format
usage check --kind moon "$CANON"
usage check -Werror=yes "$CANON"
usage graph
usage graph "$CANON" "$CANON"
usage graph --kind moon "$CANON"
usage explain HP101 HP102
run 2 check --format xml "$CANON" && has err.txt "--format" "bad --format"

# ---- compile: usage errors and unreadable input exit 2 ----
usage compile
usage compile "$CANON" "$CANON"
usage compile --emit yaml "$CANON"
run 2 compile nonexistent.hplan && has err.txt "nonexistent.hplan" "compile: missing plan"

# ---- run and resume: usage errors and unreadable input exit 2 ----
usage run
usage run "$CANON" "$CANON"
usage run --kind moon "$CANON"
usage run --pace soon "$CANON"
usage run --log xml "$CANON"
usage resume
run 2 run nonexistent.hplan && has err.txt "nonexistent.hplan" "run: missing plan"
run 2 resume nonexistent.journal && has err.txt "nonexistent.journal" "resume: missing journal"

# ---- unreadable input: exit 2, other files still checked ----
run 2 check nonexistent.hplan && has err.txt "nonexistent.hplan" "missing file"
run 2 check nonexistent.hplan syntax.hplan && { has err.txt "nonexistent.hplan" "missing file"; has err.txt "[HP001]" "other file still checked"; }
run 2 check . && has err.txt "hotplan: " "directory"
run 2 check --format json nonexistent.hplan syntax.hplan && has out.txt '"HP001"' "json still printed"
run 2 graph nonexistent.hplan

# ---- check: exit codes, where output goes ----
if run 0 check "$CANON"; then
	empty err.txt "canonical plan"
	empty out.txt "canonical plan"
fi
run 0 check --kind standalone "$CANON"
run 0 check --kind cluster "$CANON"
run 0 check -Werror "$CANON"
if run 1 check syntax.hplan; then
	empty out.txt "text goes to stderr"
	has err.txt "syntax.hplan:4:" "HP001 position"
	has err.txt "[HP001]" "HP001"
	has err.txt " | " "source line"
	tail -1 err.txt | grep -qE '^syntax\.hplan: [0-9]+ errors?$' || fail "summary line: $(tail -1 err.txt)"
fi
if run 0 check warn.hplan; then
	has err.txt "[HP201]" "warning"
	tail -1 err.txt | grep -qx 'warn.hplan: 1 warning' || fail "warning summary: $(tail -1 err.txt)"
fi
run 1 check -Werror warn.hplan
if run 0 check warn.hplan ./warn.hplan; then       # a file named twice is checked once
	[ "$(grep -c '\[HP201\]' err.txt)" -eq 1 ] || fail "a file named twice is reported twice"
fi
run 1 check warn.hplan -Werror                       # options after files
run 0 check --format=json warn.hplan && has out.txt '"HP201"' "--format=json"
run 0 check warn.hplan --format json && has out.txt '"HP201"' "--format json"
run 1 check --format sarif -Werror warn.hplan && has out.txt '"2.1.0"' "sarif"
run 2 check -- -Werror                                # `--` ends options: a file named -Werror
run 1 check "$CANON" syntax.hplan && has err.txt "syntax.hplan: " "summary per file"
# one context for all files: a syntax error in one file does not stop the checking of the next
if run 1 check syntax.hplan dismount.hplan; then
	has err.txt "[HP001]" "first file"
	has err.txt "dismount.hplan:" "second file checked after a file with syntax errors"
	has err.txt "[HP101]" "second file simulated after a file with syntax errors"
fi
if run 0 check --format json "$CANON"; then
	[ "$(tr -d ' \n' <out.txt)" = "[]" ] || fail "json of a clean plan: $(cat out.txt)"
	empty err.txt "json"
fi

# ---- graph ----
if run 0 graph "$CANON"; then
	grep -q '^digraph' out.txt || fail "graph: $(head -1 out.txt)"
fi
if run 0 graph "$CANON" --kind cluster; then
	grep -q '^digraph' out.txt || fail "graph --kind cluster: $(head -1 out.txt)"
fi
run 1 graph syntax.hplan && has err.txt "[HP001]" "graph of a bad plan"

# ---- explain ----
if run 0 explain; then
	[ "$(grep -cE '^HP[0-9]{3} ' out.txt)" -eq 30 ] || fail "explain lists $(grep -cE '^HP[0-9]{3} ' out.txt) rules, expected 30"
	cp out.txt list.txt
fi
for id in $(grep -oE '^HP[0-9]{3}' list.txt 2>/dev/null); do
	if run 0 explain "$id"; then
		head -1 out.txt | grep -q "^$id " || fail "explain $id: first line $(head -1 out.txt)"
		has out.txt "Why" "explain $id"
		has out.txt "Fix" "explain $id"
		# the example: an indented block after its heading that names the rule
		sed -n '/^Example/,/^Fix/p' out.txt | grep -qE "^    .*$id" || fail "explain $id: no example naming $id"
	fi
done
if run 0 explain hp101; then
	head -1 out.txt | grep -q '^HP101 ' || fail "explain is case-insensitive"
fi
run 2 explain HP999 && has err.txt "HP999" "unknown rule"
run 2 explain nonsense

# ---- colour ----
run 1 check syntax.hplan && { grep -q $'\033' err.txt && fail "escape codes in piped output"; }
if command -v script >/dev/null 2>&1; then
	tty_run() {     # tty_run ENV...: check syntax.hplan on a pseudo-terminal, output in tty.txt
		env "$@" script -qec "'$HOTPLAN' check syntax.hplan" /dev/null </dev/null >tty.txt 2>&1
	}
	tty_run -u NO_COLOR TERM=xterm
	grep -q $'\033\\[' tty.txt || fail "no colour on a terminal"
	tty_run NO_COLOR=1 TERM=xterm
	grep -q $'\033\\[' tty.txt && fail "colour despite NO_COLOR=1"
	tty_run -u NO_COLOR TERM=dumb
	grep -q $'\033\\[' tty.txt && fail "colour despite TERM=dumb"
	tty_run -u NO_COLOR TERM=xterm
	grep -q "\[HP001\]" tty.txt || fail "tty output lacks the diagnostic"
else
	echo "SKIP: no 'script' (util-linux): colour on a terminal not tested"
	skipped=1
fi

if [ "$failures" -gt 0 ]; then
	echo "$failures failure(s)" >&2
	exit 1
fi
if [ "$skipped" -ne 0 ]; then
	echo "the checks that could run passed; some were skipped (SKIP above)"
	exit 77
fi
echo "PASS"
