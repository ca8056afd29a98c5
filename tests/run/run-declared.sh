#!/usr/bin/env bash
# run-declared.sh: a plan written with a library of declared state, actions and rules
# (plans/pacemaker-planned-failover.hplan, `use pacemaker`) runs to completion on the
# built-in simulated cluster, rolls back to its checkpoint when a step fails (the declared
# actions of the checkpoint run as rollback), and its mistakes are refused before anything
# runs. Environment (set by ctest): HOTPLAN (the binary), HOTPLAN_SOURCE_DIR (the repository).
set -u
bin=${HOTPLAN:?HOTPLAN not set}
src=${HOTPLAN_SOURCE_DIR:?HOTPLAN_SOURCE_DIR not set}
plan=$src/plans/pacemaker-planned-failover.hplan
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 2
nfail=0
fail() { echo "FAIL: $*"; nfail=$((nfail + 1)); }

"$bin" run "$plan" --kind cluster --yes >out 2>err
rc=$?
[[ $rc == 0 ]] || fail "run: exit $rc, expected 0: $(cat out err)"
grep -q 'ok   resource_move("web", passive)' out || fail "run: the declared action did not run: $(cat out)"
grep -q 'ok   node_maintenance(active)' out || fail "run: node_maintenance did not run: $(cat out)"
grep -q ': completed' out || fail "run: not completed: $(cat out)"

rm -rf .hotplan
"$bin" run "$plan" --kind cluster --yes --fail-at maintain >out 2>err
rc=$?
[[ $rc == 3 ]] || fail "--fail-at maintain: exit $rc, expected 3 (rolled back): $(cat out err)"
grep -q 'ok   resource_clear("web")' out || fail "--fail-at maintain: the checkpoint's declared action did not run: $(cat out)"

# compiled to an image (format version 2: the library's declarations inside), it runs the same
rm -rf .hotplan
"$bin" compile "$plan" -o plan.hpc >out 2>err || fail "compile: $(cat err)"
[[ $(od -An -tu1 -j8 -N1 plan.hpc | tr -d ' ') == 2 ]] || fail "compile: not a version 2 image"
HOTPLAN_LIB_PATH= "$bin" run plan.hpc --kind cluster --yes >out 2>err
rc=$?
[[ $rc == 0 ]] || fail "run of the image: exit $rc: $(cat out err)"
grep -q 'ok   resource_clear("web")' out || fail "run of the image: $(cat out)"

# a mistake the library names is refused before anything changes (exit 1)
rm -rf .hotplan
sed '/step quorum/,/^        }/d' "$plan" >no-quorum.hplan
HOTPLAN_LIB_PATH=$src/lib "$bin" run no-quorum.hplan --kind cluster --yes >out 2>err
rc=$?
[[ $rc == 1 ]] || fail "no quorum check: exit $rc, expected 1: $(cat out err)"
grep -q '\[PCMK003\]' err || fail "no quorum check: PCMK003 not reported: $(cat err)"

# `use` finds nothing without the library path: a clear error
HOTPLAN_LIB_PATH= "$bin" check no-quorum.hplan >out 2>err
rc=$?
[[ $rc == 1 ]] || fail "use without a library: exit $rc, expected 1"
grep -q "no library 'pacemaker'" err || fail "use without a library: $(cat err)"

# explain finds a library's rule on the library path
HOTPLAN_LIB_PATH=$src/lib "$bin" explain PCMK003 >out 2>err
rc=$?
[[ $rc == 0 ]] || fail "explain PCMK003: exit $rc: $(cat err)"
grep -q '^PCMK003 \[error\]' out || fail "explain PCMK003: $(cat out)"
grep -q 'pacemaker.hplan:' out || fail "explain PCMK003 does not say where it is declared: $(cat out)"
HOTPLAN_LIB_PATH= "$bin" explain PCMK999 >out 2>err
[[ $? == 2 ]] || fail "explain of an unknown library rule: not exit 2"

if ((nfail)); then
	echo "run-declared: $nfail failure(s)"
	exit 1
fi
echo "run-declared: ok"
