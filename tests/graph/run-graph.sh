#!/usr/bin/env bash
# run-graph.sh: `hotplan graph` writes DOT that Graphviz renders without an error or a
# warning, for both procedures of the canonical plan and for the plans beside this script
# (checkpoints inside `if` and `for each`, labels that need escaping); the same input gives
# the same bytes. Environment (set by ctest): HOTPLAN, the binary; HOTPLAN_SOURCE_DIR.
#
# Without Graphviz the checks of the DOT text still run (a failure fails the test); only the
# rendering is left out, and then the test exits 77, which ctest reports as skipped.
set -u

: "${HOTPLAN:?HOTPLAN must name the hotplan binary}"
: "${HOTPLAN_SOURCE_DIR:?HOTPLAN_SOURCE_DIR must name the source tree}"

have_dot=true
command -v dot >/dev/null 2>&1 || have_dot=false

here="$HOTPLAN_SOURCE_DIR/tests/graph"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# render FILE KIND NAME: graph FILE's procedure KIND into $tmp/NAME.dot and, when Graphviz is
# installed, through dot.
render() {
	local file="$1" kind="$2" name="$3"
	local rc=0
	"$HOTPLAN" graph "$file" --kind "$kind" >"$tmp/$name.dot" 2>"$tmp/$name.err" || rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "hotplan graph $file --kind $kind exited $rc"
		sed 's/^/    /' "$tmp/$name.err"
		return 1
	fi
	if [ ! -s "$tmp/$name.dot" ]; then
		fail "hotplan graph $file --kind $kind wrote nothing"
		return 1
	fi
	rc=0
	$have_dot && { dot -Tsvg "$tmp/$name.dot" >"$tmp/$name.svg" 2>"$tmp/$name.dot-err" || rc=$?; }
	if [ "$rc" -ne 0 ] || [ -s "$tmp/$name.dot-err" ]; then
		fail "dot -Tsvg on the graph of $file --kind $kind (exit $rc):"
		sed 's/^/    /' "$tmp/$name.dot-err"
		return 1
	fi
	# determinism: a second run gives the same bytes
	"$HOTPLAN" graph "$file" --kind "$kind" >"$tmp/$name.again.dot" 2>/dev/null
	if ! cmp -s "$tmp/$name.dot" "$tmp/$name.again.dot"; then
		fail "hotplan graph $file --kind $kind: two runs differ"
		return 1
	fi
	if $have_dot; then echo "ok: $file --kind $kind"; else echo "ok: $file --kind $kind (not rendered)"; fi
	return 0
}

# expect NAME PATTERN WHAT: the DOT of NAME holds the fixed string PATTERN.
expect() {
	grep -qF -- "$2" "$tmp/$1.dot" || fail "$1: $3 (no '$2')"
}

# rollbacks NAME: the number of rollback edges (dashed, red) in the DOT of NAME.
rollbacks() {
	grep -c -E '^\s*"[^"]*" -> "[^"]*" \[style=dashed' "$tmp/$1.dot"
}

canon="$HOTPLAN_SOURCE_DIR/plans/ese-hotfix.hplan"
if render "$canon" cluster canon-cluster; then
	# one rollback edge per run of steps, from the run's last step, not one per step
	expect canon-cluster '"remount" -> "failed_over" [style=dashed' "rollback edge of active_stop..remount"
	expect canon-cluster '"no_restart" -> "passive_stopped" [style=dashed' "rollback edge of passive_install..no_restart"
	expect canon-cluster 'headlabel="rollback if a step from\nactive_stop to remount fails"' "rollback label"
	n=$(rollbacks canon-cluster)
	[ "$n" -eq 3 ] || fail "canon-cluster: $n rollback edges, want 3 (one per run)"
	expect canon-cluster '"failover" -> "failed_over" [label="Exchange, Cluster Group → passive"' "failover edge"
	expect canon-cluster '[label="Exchange, Cluster Group → active"' "failback edge"
	if grep -E '^\s*"passive_ready" -> .*style=dashed' "$tmp/canon-cluster.dot" >/dev/null; then
		fail "canon-cluster: passive_ready runs before any checkpoint but has a rollback edge"
	fi
fi
if render "$canon" standalone canon-standalone; then
	expect canon-standalone '"remount" -> "store_killed" [style=dashed' "rollback edge of apply..remount"
	n=$(rollbacks canon-standalone)
	[ "$n" -eq 2 ] || fail "canon-standalone: $n rollback edges, want 2"
fi

render "$here/if-checkpoint.hplan" standalone if-checkpoint &&
	expect if-checkpoint '"after" -> "branch_point" [style=dashed' "rollback edge after the join"
render "$here/foreach.hplan" cluster foreach &&
	expect foreach 'label="for each n in rest (serial 2)"' "loop cluster"
render "$here/escape.hplan" standalone escape

# A plan that fails `check` is drawn all the same, its errors go to standard error and the
# exit is 1 (a graph is no proof the plan is right); syntax errors draw nothing.
# failing FILE KIND NAME RULE: graph FILE, which breaks RULE (an error).
failing() {
	local file="$1" kind="$2" name="$3" rule="$4" rc=0
	"$HOTPLAN" graph "$file" --kind "$kind" >"$tmp/$name.dot" 2>"$tmp/$name.err" </dev/null || rc=$?
	[ "$rc" -eq 1 ] || fail "hotplan graph $file (breaks $rule) exited $rc, want 1"
	grep -q '^digraph ' "$tmp/$name.dot" || fail "hotplan graph $file (breaks $rule) drew no graph"
	grep -qF "error: " "$tmp/$name.err" && grep -qF "[$rule]" "$tmp/$name.err" ||
		fail "hotplan graph $file: no $rule error on standard error: $(cat "$tmp/$name.err")"
	if $have_dot; then
		dot -Tsvg "$tmp/$name.dot" >/dev/null 2>"$tmp/$name.dot-err" && [ ! -s "$tmp/$name.dot-err" ] ||
			fail "dot -Tsvg on the graph of $file: $(cat "$tmp/$name.dot-err")"
	fi
}
diag="$HOTPLAN_SOURCE_DIR/tests/diag"
failing "$diag/hp101-bad.hplan" standalone fails-hp101 HP101
failing "$diag/hp110-bad.hplan" cluster fails-hp110 HP110
failing "$diag/hp002-bad.hplan" standalone fails-hp002 HP002
rc=0
"$HOTPLAN" graph "$diag/hp001-bad.hplan" --kind standalone >"$tmp/syntax.dot" 2>"$tmp/syntax.err" || rc=$?
[ "$rc" -eq 1 ] || fail "hotplan graph of a syntax error exited $rc, want 1"
[ ! -s "$tmp/syntax.dot" ] || fail "hotplan graph of a syntax error drew: $(head -n 3 "$tmp/syntax.dot")"
grep -qF "[HP001]" "$tmp/syntax.err" || fail "hotplan graph of a syntax error: no HP001 on standard error"

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
if ! $have_dot; then
	echo "SKIP: graphviz 'dot' is not installed: the DOT text was checked, not rendered"
	exit 77
fi
exit 0
