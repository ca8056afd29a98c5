#!/usr/bin/env bash
# run-wsfc-drain.sh: plans/wsfc-drain-patch.hplan (`use windows-failover-cluster`: drain,
# patch, resume each node) checks clean and runs to completion on the built-in simulated
# cluster with no --set; a failed patch of A rolls back to its checkpoint (A resumed); the
# compiled image (its `group … on any node` and the drain's `move all groups of n to other
# nodes` inside) runs the same; its mistakes are refused before anything runs.
# Environment (set by ctest): HOTPLAN (the binary), HOTPLAN_SOURCE_DIR (the repository).
set -u
bin=${HOTPLAN:?HOTPLAN not set}
src=${HOTPLAN_SOURCE_DIR:?HOTPLAN_SOURCE_DIR not set}
plan=$src/plans/wsfc-drain-patch.hplan
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 2
nfail=0
fail() { echo "FAIL: $*"; nfail=$((nfail + 1)); }

"$bin" check "$plan" >out 2>err
rc=$?
[[ $rc == 0 && ! -s err ]] || fail "check: exit $rc, expected 0 and no diagnostics: $(cat err)"

"$bin" run "$plan" --kind cluster --yes >out 2>err
rc=$?
[[ $rc == 0 ]] || fail "run: exit $rc, expected 0: $(cat out err)"
for a in 'node_drain(b)' 'install hotfix kb5034129 on sim-node2 (b)' 'node_resume(b)' 'node_drain(a)' \
	'install hotfix kb5034129 on sim-node1 (a)' 'node_resume(a)'; do
	grep -qF "ok   $a" out || fail "run: '$a' did not run: $(cat out)"
done
grep -q ': completed' out || fail "run: not completed: $(cat out)"

rm -rf .hotplan
"$bin" run "$plan" --kind cluster --yes --fail-at patch_a >out 2>err
rc=$?
[[ $rc == 3 ]] || fail "--fail-at patch_a: exit $rc, expected 3 (rolled back): $(cat out err)"
grep -qF 'ok   node_resume(a)' out || fail "--fail-at patch_a: the checkpoint did not resume A: $(cat out)"

rm -rf .hotplan
"$bin" compile "$plan" -o plan.hpc >out 2>err || fail "compile: $(cat err)"
HOTPLAN_LIB_PATH= "$bin" run plan.hpc --kind cluster --yes >out 2>err
rc=$?
[[ $rc == 0 ]] || fail "run of the image: exit $rc: $(cat out err)"
grep -qF 'ok   node_resume(a)' out || fail "run of the image: $(cat out)"

# draining A while B is still paused: refused, WSFC021 at the drain of A
rm -rf .hotplan
awk '/step resume_b/ { skip = 1 } skip && /^        }/ { skip = 0; next } !skip' "$plan" >early.hplan
HOTPLAN_LIB_PATH=$src/lib "$bin" run early.hplan --kind cluster --yes >out 2>err
rc=$?
[[ $rc == 1 ]] || fail "drain before resume: exit $rc, expected 1: $(cat out err)"
grep -q '^early.hplan:[0-9]*:13: error: .*\[WSFC021\]$' err || fail "drain before resume: WSFC021 not reported: $(cat err)"
[[ ! -d .hotplan/runs ]] || [[ -z $(ls .hotplan/runs) ]] || fail "drain before resume: a run started"

HOTPLAN_LIB_PATH=$src/lib "$bin" explain WSFC020 >out 2>err
rc=$?
[[ $rc == 0 ]] || fail "explain WSFC020: exit $rc: $(cat err)"
grep -q 'windows-failover-cluster.hplan:' out || fail "explain WSFC020 does not say where it is declared: $(cat out)"

if ((nfail)); then
	echo "run-wsfc-drain: $nfail failure(s)"
	exit 1
fi
echo "run-wsfc-drain: ok"
