#!/usr/bin/env bash
# run-product-plans.sh: the product plans of issue 10 item 7 written with the libraries
# (plans/postgresql-rolling-update.hplan with `use postgresql-replication`, and
# plans/sql-fci-kb958734.hplan with `use windows-failover-cluster`) check clean,
# run to completion on the built-in simulated cluster with no --set, roll back to their
# checkpoint when a step fails, and a mistake their library names is refused before anything
# runs. Environment (set by ctest): HOTPLAN (the binary), HOTPLAN_SOURCE_DIR (the repository).
set -u
bin=${HOTPLAN:?HOTPLAN not set}
src=${HOTPLAN_SOURCE_DIR:?HOTPLAN_SOURCE_DIR not set}
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 2
nfail=0
fail() { echo "FAIL: $*"; nfail=$((nfail + 1)); }

# run PLAN [ARGS...]: a fresh state directory, the plan run on the simulated cluster
run() {
	rm -rf .hotplan
	"$bin" run "$@" --kind cluster --yes >out 2>err
}

# ---- PostgreSQL: a rolling minor update under a failover manager ----
plan=$src/plans/postgresql-rolling-update.hplan
"$bin" check "$plan" >out 2>err
rc=$?
[[ $rc == 0 && ! -s err ]] || fail "pg check: exit $rc, expected 0 and no diagnostics: $(cat err)"

run "$plan"
rc=$?
[[ $rc == 0 ]] || fail "pg run: exit $rc, expected 0: $(cat out err)"
for want in 'ok   failover_pause()' 'ok   pg_stop(standby)' 'ok   install hotfix pg_minor on sim-node2 (standby)' \
	'ok   wait until replication(standby) == in_sync timeout 30m' \
	'ok   switchover("postgresql", primary, standby)' 'ok   install hotfix pg_minor on sim-node1 (primary)' \
	'ok   pg_start_standby(primary)' 'ok   failover_resume()' ': completed'; do
	grep -qF "$want" out || fail "pg run: no line '$want': $(cat out)"
done
# the switchover comes after the standby is in sync, the old primary's install after the switchover
order=$(grep -nF -e 'replication(standby) == in_sync' -e 'switchover("postgresql"' -e 'on sim-node1 (primary)' out |
	grep -F -e 'replication' -e 'switchover' -e 'install' | cut -d: -f1 | tr '\n' ' ')
read -r a b c <<<"$order"
[[ -n ${c:-} && $a -lt $b && $b -lt $c ]] || fail "pg run: not in sync, switch over, patch the old primary: lines $order"

# a failure after the switchover rolls back to its checkpoint: automatic failover resumed
run "$plan" --fail-at primary_patch
rc=$?
[[ $rc == 3 ]] || fail "pg --fail-at primary_patch: exit $rc, expected 3 (rolled back): $(cat out err)"
grep -qF 'ok   failover_resume()' out || fail "pg --fail-at primary_patch: failover not resumed: $(cat out)"

# switching over without waiting for the standby is refused before anything runs (exit 1)
grep -vF 'wait until replication(standby) == in_sync' "$plan" >not-in-sync.hplan
HOTPLAN_LIB_PATH=$src/lib run not-in-sync.hplan
rc=$?
[[ $rc == 1 ]] || fail "pg not in sync: exit $rc, expected 1: $(cat out err)"
grep -q 'not-in-sync.hplan:[0-9]*:[0-9]*: error: switches over to a standby that is not in sync.*\[PGR001\]' err ||
	fail "pg not in sync: PGR001 not reported: $(cat err)"
grep -qF 'failover_pause()' out && fail "pg not in sync: something ran: $(cat out)"

# compiled to an image (the library's declarations inside, its hyphenated name too), it runs
# the same without the library path
rm -rf .hotplan
"$bin" compile "$plan" -o pg.hpc >out 2>err || fail "pg compile: $(cat err)"
HOTPLAN_LIB_PATH= run pg.hpc
rc=$?
[[ $rc == 0 ]] && grep -qF 'ok   switchover("postgresql", primary, standby)' out ||
	fail "pg run of the image: exit $rc: $(cat out err)"

# explain finds the library's rules
HOTPLAN_LIB_PATH=$src/lib "$bin" explain PGR004 >out 2>err
rc=$?
[[ $rc == 0 ]] && grep -q '^PGR004 \[error\]' out || fail "explain PGR004: exit $rc: $(cat out err)"

# ---- PostgreSQL on Pacemaker (plans/postgresql-minor-update.hplan, `use pacemaker`): its
# simulated inventory, whose nodes name a profile (the run once crashed reading a declared
# action's profile key) ----
plan=$src/plans/postgresql-minor-update.hplan
rm -rf .hotplan
(cd "$src" && HOTPLAN_STATE_DIR="$tmp/.hotplan" "$bin" run "$plan" --inventory plans/inventories/postgresql-sim.hplan --yes) >out 2>err
rc=$?
[[ $rc == 0 ]] || fail "pg minor update: exit $rc, expected 0: $(cat out err)"
for want in 'ok   verify quorum == held' 'ok   resource_move("pgsql-ha", standby)' 'ok   resource_clear("pgsql-ha")' \
	'ok   resource_move("pgsql-ha", primary)' ': completed'; do
	grep -qF "$want" out || fail "pg minor update: no line '$want': $(cat out)"
done

# ---- SQL Server failover cluster instance: KB 958734 ----
plan=$src/plans/sql-fci-kb958734.hplan
if [[ ! -f $plan ]]; then
	fail "no plan $plan"
else
	"$bin" check "$plan" >out 2>err
	rc=$?
	[[ $rc == 0 && ! -s err ]] || fail "sql check: exit $rc, expected 0 and no diagnostics: $(cat err)"
	run "$plan"
	rc=$?
	[[ $rc == 0 ]] || fail "sql run: exit $rc, expected 0: $(cat out err)"
	for want in 'ok   remove_possible_owner("SQL Network Name (SQLINST)", passive)' \
		'ok   install hotfix sql on sim-node2 (passive)' 'ok   add_possible_owner("SQL Network Name (SQLINST)", passive)' \
		'ok   install hotfix sql on sim-node1 (active)' 'ok   add_possible_owner("SQL Network Name (SQLINST)", active)' \
		': completed'; do
		grep -qF "$want" out || fail "sql run: no line '$want': $(cat out)"
	done
	grep -qF 'restart node' out && fail "sql run: KB 958734 restarts no node: $(cat out)"
	"$bin" compile "$plan" -o sql.hpc >out 2>err || fail "sql compile: $(cat err)"
	HOTPLAN_LIB_PATH= run sql.hpc
	rc=$?
	[[ $rc == 0 ]] && grep -qF 'ok   group_move("SQL Server (SQLINST)", passive)' out ||
		fail "sql run of the image: exit $rc: $(cat out err)"

	# a failure while the first node is updated: it is added back to the possible owners
	run "$plan" --fail-at active_update
	rc=$?
	[[ $rc == 3 ]] || fail "sql --fail-at active_update: exit $rc, expected 3 (rolled back): $(cat out err)"
	grep -qF 'ok   add_possible_owner("SQL Network Name (SQLINST)", active)' out ||
		fail "sql --fail-at active_update: the first node not added back: $(cat out)"

	# never restoring the possible owners is refused before anything runs (exit 1)
	sed '/step active_add/,/^        }/d' "$plan" >no-restore.hplan
	HOTPLAN_LIB_PATH=$src/lib run no-restore.hplan
	rc=$?
	[[ $rc == 1 ]] || fail "sql no restore: exit $rc, expected 1: $(cat out err)"
	grep -q 'no-restore.hplan:[0-9]*:[0-9]*: error: leaves a node removed from the possible owners.*\[WSFC102\]' err ||
		fail "sql no restore: WSFC102 not reported: $(cat err)"
	HOTPLAN_LIB_PATH=$src/lib "$bin" explain WSFC101 >out 2>err
	rc=$?
	[[ $rc == 0 ]] && grep -q '^WSFC101 \[error\]' out || fail "explain WSFC101: exit $rc: $(cat out err)"
fi

if ((nfail)); then
	echo "run-product-plans: $nfail failure(s)"
	exit 1
fi
echo "run-product-plans: ok"
