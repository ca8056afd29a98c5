#!/usr/bin/env bash
# run-pg-replication.sh: lib/postgresql-replication.hplan made real (ctest
# real-pg-replication): two PostgreSQL 15 instances on loopback (ports and data directories in
# $TMP, run as user postgres), the standby made with pg_basebackup -R, both registered with
# repmgr 5.3 and repmgrd running on both (failover=automatic), reached as two local: nodes
# whose facts give each one's port, data directory and repmgr.conf; the profile
# plans/profiles/postgresql-repmgr.hplan. Read by the test itself, never from hotplan's output:
#  1. plans/postgresql-rolling-update.hplan runs end to end (a copy that names the installed
#     minor release instead of 15.18, nothing else changed): every row written before is there
#     after; pg_is_in_recovery() says pg2 is the primary and pg1 the standby, and repmgr's node
#     table agrees; `wait until replication(...) == in_sync` was reached live; repmgrd said
#     paused mid-run (a watcher reads `repmgr service status`) and not paused at the end;
#  2. the standby (now pg1) stopped behind the run's back (an exec): the guard refuses the
#     switchover (PGR002), the run rolls back (failover resumed), and nothing else changed:
#     pg2 is still the primary, pg1 still stopped, every row there.
# Exit 77 when not root or PostgreSQL 15 / repmgr are missing and cannot be installed.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PGBIN=/usr/lib/postgresql/15/bin
t0=$(date +%s.%N)

have() { [[ -x $PGBIN/pg_ctl && -x $PGBIN/pg_basebackup && -x /usr/bin/repmgr && -x /usr/bin/repmgrd ]] && getent passwd postgres >/dev/null; }
((EUID == 0)) || { echo "SKIP: not root (runuser, the postgres user)"; exit 77; }
if ! have && [[ -z ${HOTPLAN_NO_INSTALL:-} ]] && command -v apt-get >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql-15 postgresql-15-repmgr >/dev/null 2>&1 || true
fi
have || { echo "SKIP: PostgreSQL 15 or repmgr (postgresql-15-repmgr) missing"; exit 77; }

export HOTPLAN_LIB_PATH=$SRC/lib
L=$TMP/lab
mkdir -p "$L"
chmod 0755 "$TMP"
chown postgres: "$L"
# two free ports on 127.0.0.1
read -r P1 P2 < <(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
port() { [[ $1 == pg1 ]] && echo "$P1" || echo "$P2"; }
ci() { echo "host=127.0.0.1 port=$(port "$1") user=postgres dbname=postgres connect_timeout=2"; }
as_pg() { (cd / && runuser -u postgres -- "$@"); }
sql() { as_pg "$PGBIN/psql" -X -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$(port "$1")" -d postgres -c "$2"; }
running() { as_pg "$PGBIN/pg_ctl" -D "$L/$1" status >/dev/null 2>&1; }

teardown() {
	local n pid
	for n in pg1 pg2; do
		pid=$(cat "$L/repmgrd-$n.pid" 2>/dev/null || true)
		if [[ $pid =~ ^[0-9]+$ ]]; then kill -TERM "$pid" 2>/dev/null || true; fi
	done
	if [[ -n ${watcher:-} ]]; then kill -TERM "$watcher" 2>/dev/null || true; fi
	for n in pg1 pg2; do
		if [[ -d $L/$n ]]; then as_pg "$PGBIN/pg_ctl" -D "$L/$n" -m immediate -w stop >/dev/null 2>&1 || true; fi
	done
	local_cleanup
}
trap teardown EXIT
# a ctest timeout (TERM) or ^C tears the lab down too
trap 'exit 143' TERM INT HUP
lab_fail() {
	local n
	for n in pg1 pg2; do
		echo "---- $n: log.txt, repmgrd (last lines)" >&2
		tail -n 15 "$L/$n/log.txt" "$L/repmgrd-$n.log" >&2 2>/dev/null || true
	done
	fail "$@"
}

repmgr_conf() {
	local id=${1#pg}
	cat >"$L/repmgr-$1.conf" <<-CONF
		node_id=$id
		node_name='$1'
		conninfo='$(ci "$1")'
		data_directory='$L/$1'
		pg_bindir='$PGBIN'
		failover='automatic'
		promote_command='repmgr standby promote -f $L/repmgr-$1.conf --log-to-file'
		follow_command='repmgr standby follow -f $L/repmgr-$1.conf --log-to-file --upstream-node-id=%n'
		monitor_interval_secs=1
		reconnect_attempts=3
		reconnect_interval=1
		repmgrd_pid_file='$L/repmgrd-$1.pid'
		log_file='$L/repmgrd-$1.log'
		log_level='INFO'
		service_start_command='$PGBIN/pg_ctl -D $L/$1 -l $L/$1/log.txt -w start'
		service_stop_command='$PGBIN/pg_ctl -D $L/$1 -m fast -w stop'
	CONF
	chown postgres: "$L/repmgr-$1.conf"
}

# ---- the pair: pg1 primary, pg2 its standby (pg_basebackup -R), repmgr and repmgrd -----------
lab_up() {
	as_pg "$PGBIN/initdb" -D "$L/pg1" --auth=trust -U postgres --no-sync -E UTF8 --locale=C.UTF-8 >"$L/initdb.out" 2>&1 ||
		lab_fail "initdb: $(tail -n 3 "$L/initdb.out")"
	cat >>"$L/pg1/postgresql.conf" <<-CONF
		listen_addresses = '127.0.0.1'
		port = $P1
		unix_socket_directories = '$L'
		shared_preload_libraries = 'repmgr'
		wal_log_hints = on
		max_wal_senders = 10
		wal_keep_size = '64MB'
		fsync = off
	CONF
	as_pg "$PGBIN/pg_ctl" -D "$L/pg1" -l "$L/pg1/log.txt" -w start >/dev/null || lab_fail "pg1 did not start"
	repmgr_conf pg1
	repmgr_conf pg2
	as_pg repmgr -f "$L/repmgr-pg1.conf" primary register >"$L/reg1.out" 2>&1 || lab_fail "repmgr primary register: $(cat "$L/reg1.out")"
	as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$P1" -U postgres -D "$L/pg2" -R -X stream --no-sync -c fast ||
		lab_fail "pg_basebackup"
	sed -i "s/^port = $P1\$/port = $P2/" "$L/pg2/postgresql.conf"
	# the standby's name in pg_stat_replication, as repmgr writes it on rejoin
	sed -i "s/^primary_conninfo = '/primary_conninfo = 'application_name=pg2 /" "$L/pg2/postgresql.auto.conf"
	as_pg "$PGBIN/pg_ctl" -D "$L/pg2" -l "$L/pg2/log.txt" -w start >/dev/null || lab_fail "pg2 did not start"
	as_pg repmgr -f "$L/repmgr-pg2.conf" standby register --wait-sync=30 >"$L/reg2.out" 2>&1 || lab_fail "repmgr standby register: $(cat "$L/reg2.out")"
	for n in pg1 pg2; do
		as_pg repmgrd -f "$L/repmgr-$n.conf" >"$L/repmgrd-$n.out" 2>&1 || lab_fail "repmgrd on $n: $(cat "$L/repmgrd-$n.out")"
	done
	for _ in $(seq 1 100); do
		[[ $(repmgrd_running) == 2 ]] && return 0
		sleep 0.2
	done
	lab_fail "repmgrd does not run on both nodes: $(as_pg repmgr -f "$L/repmgr-pg1.conf" service status 2>&1)"
}
# service status --csv: id,name,role,running,repmgrd running,pid,paused,priority,last seen,location
status_csv() { as_pg repmgr -f "$L/repmgr-$1.conf" service status --csv 2>/dev/null; }
repmgrd_running() { status_csv pg1 | awk -F, '$5 == 1 { n++ } END { print n + 0 }'; }
# the number of nodes whose repmgrd says paused, asked of node $1
repmgrd_paused() { status_csv "$1" | awk -F, '$5 == 1 && $7 == 1 { n++ } END { print n + 0 }'; }
# "PAUSED/RUNNING": of the repmgrd that node $1 sees running, how many say paused
repmgrd_seen() { status_csv "$1" | awk -F, '$5 == 1 { r++; p += ($7 == 1) } END { print p + 0 "/" r + 0 }'; }

# ---- the inventory: two local: nodes, each one's facts ----------------------------------------
node_block() {
	cat <<-NODE
		    node "$1" address "local:" {
		        fact pg.port = "$(port "$1")"
		        fact pg.data = "$L/$1"
		        fact repmgr.conf = "$L/repmgr-$1.conf"
		        fact pg.peer = "$(ci "$2")"
		        fact hotplan.dir = "$L/hotfix-$1"
		    }
	NODE
}
{
	echo 'target pg_lab cluster {'
	echo '    profile "postgresql-repmgr"'
	node_block pg1 pg2
	node_block pg2 pg1
	echo '    group "postgresql" owner "pg1"'
	echo '    fact pg.host = "127.0.0.1"'
	echo '    fact pg.user = "postgres"'
	echo '}'
} >"$TMP/inv.hplan"

# the lab's primary ($2 is the standby): pg_is_in_recovery() on each, as the test reads it
roles_are() {
	[[ $(sql "$1" 'SELECT pg_is_in_recovery()' 2>/dev/null) == f && $(sql "$2" 'SELECT pg_is_in_recovery()' 2>/dev/null) == t ]]
}
ROWS=5000

# ---- 1. the shipped plan, end to end ------------------------------------------------------------
lab_up
sql pg1 "CREATE TABLE hotplan_rows (id integer PRIMARY KEY, note text NOT NULL);
	INSERT INTO hotplan_rows SELECT i, 'row ' || i FROM generate_series(1, $ROWS) AS i" >/dev/null
roles_are pg1 pg2 || lab_fail "pg1 is not the primary with pg2 its standby before the run"
t_up=$(date +%s.%N)
# the watcher: how many repmgrd say paused of those running, asked of whichever node answers,
# every 0.2 s
(
	while :; do
		n=$(repmgrd_seen pg1)
		[[ $n == 0/0 ]] && n=$(repmgrd_seen pg2)
		echo "$n" >>"$L/paused.log"
		sleep 0.2
	done
) &
watcher=$!
cd "$TMP" || exit 1
# the lab's copy of the plan: the minor release is the one this machine has (the shipped plan
# names 15.18, which Debian may have replaced), pinned to the installed package's version, and
# apt-get downloads nothing: it confirms the installed package
dv=$(dpkg-query -W -f='${Version}' postgresql-15)
v=$(sed 's/^\([0-9]*\.[0-9]*\).*/\1.0/' <<<"$dv")
sed -e "s/version 15\.18\.0/version $v/; s/version == 15\.18\.0/version == $v/" \
	-e 's/^\( *\)package "postgresql-15"/\1package "postgresql-15='"$dv"'"\n\1args "--no-download"/' \
	"$SRC/plans/postgresql-rolling-update.hplan" >rolling.hplan
grep -q 'args "--no-download"' rolling.hplan || lab_fail "rolling.hplan was not made"
rc=0
"$HOTPLAN" run rolling.hplan --inventory inv.hplan --target pg_lab --yes >out.txt 2>&1 || rc=$?
kill -TERM "$watcher" 2>/dev/null || true
wait "$watcher" 2>/dev/null || true
watcher=
((rc == 0)) || lab_fail "the run: exit $rc"
t_run=$(date +%s.%N)
grep -q "ok   wait until replication(standby) == in_sync" out.txt || lab_fail "the first wait until was not reached"
grep -q "ok   wait until replication(primary) == in_sync" out.txt || lab_fail "the second wait until was not reached"
roles_are pg2 pg1 || lab_fail "after the run pg2 is not the primary with pg1 its standby: pg1 in recovery $(sql pg1 'SELECT pg_is_in_recovery()' 2>&1), pg2 $(sql pg2 'SELECT pg_is_in_recovery()' 2>&1)"
for n in pg1 pg2; do
	c=$(sql "$n" "SELECT count(*) FROM hotplan_rows WHERE note = 'row ' || id")
	[[ $c == "$ROWS" ]] || lab_fail "$n: $c rows after the run, not $ROWS"
done
# pg1 streams from pg2, caught up: pg_stat_replication on the new primary
[[ $(sql pg2 "SELECT state FROM pg_stat_replication WHERE application_name = 'pg1'") == streaming ]] ||
	lab_fail "pg1 does not stream from pg2"
# mid-run every repmgrd that answered said paused (each stopped node's repmgrd answers nothing)
# repmgr's own record agrees: pg2 the active primary, pg1 an active standby of it
[[ $(sql pg2 "SELECT string_agg(node_name || ' ' || type || ' ' || coalesce(upstream_node_id::text, '-') || ' ' || active, ', ' ORDER BY node_name) FROM repmgr.nodes") == 'pg1 standby 2 true, pg2 primary - true' ]] ||
	lab_fail "repmgr.nodes after the run: $(sql pg2 'SELECT * FROM repmgr.nodes' 2>&1)"
grep -qE '^([12])/\1$' "$L/paused.log" || lab_fail "repmgrd never said paused mid-run: $(sort "$L/paused.log" | uniq -c | tr '\n' ' ')"
[[ $(repmgrd_paused pg2) == 0 && $(repmgrd_paused pg1) == 0 ]] || lab_fail "automatic failover is still paused after the run"
# repmgrd on pg1 reconnects to its server, which rejoined as a standby (at most 30 s)
for _ in $(seq 1 150); do
	[[ $(repmgrd_running) == 2 ]] && break
	sleep 0.2
done
[[ $(repmgrd_running) == 2 ]] || lab_fail "repmgrd does not run on both nodes after the run"
[[ -e $L/hotfix-pg1/pg_minor && -e $L/hotfix-pg2/pg_minor ]] || lab_fail "the hotfix was not installed on both nodes"
echo "rolling update: exit 0; pg2 primary, pg1 its standby (pg_is_in_recovery); $ROWS rows on both; repmgrd paused mid-run, resumed"
echo "the watcher's samples (paused/running repmgrd: count): $(sort "$L/paused.log" | uniq -c | awk '{ printf "%s%s: %s", (NR > 1 ? ", " : ""), $2, $1 }')"

# ---- 2. the standby stopped behind the run's back: the guard refuses the switchover -------------
# pg2 is now the primary: the inventory says so, and the plan's standby is pg1
sed -i 's/group "postgresql" owner "pg1"/group "postgresql" owner "pg2"/' inv.hplan
cat >behind.hplan <<PLAN
use postgresql-replication

plan behind "A switchover to a standby stopped behind the run's back" {
    model {
        group "postgresql"
    }
    procedure cluster {
        roles {
            primary = owner of group "postgresql"
            standby = any node except primary
        }
        step pause_failover "Pause automatic failover" {
            failover_pause()
        }
        checkpoint paused {
            failover_resume()
        }
        step synced "The standby streams in sync" {
            wait until replication(standby) == in_sync timeout 1m
        }
        step behind "The standby stopped behind the run" on standby {
            exec "runuser -u postgres -- $PGBIN/pg_ctl -D $L/pg1 -m fast -w stop"
        }
        step switchover "Switch over to the standby" {
            switchover("postgresql", primary, standby)
        }
        checkpoint switched {
            failover_resume()
        }
        step resume_failover "Resume automatic failover" {
            failover_resume()
        }
    }
}
PLAN
export HOTPLAN_STATE_DIR=$TMP/state-behind
rc=0
"$HOTPLAN" run behind.hplan --inventory inv.hplan --target pg_lab --yes >out.txt 2>&1 || rc=$?
# refused, then rolled back to the checkpoint paused (automatic failover resumed): exit 3
((rc == 3)) || lab_fail "the run with the standby stopped behind it: exit $rc, not 3"
grep -q "step switchover failed: behind.hplan:25:13: refused by the guard: switches over to a standby that is stopped \[PGR002\]" out.txt ||
	lab_fail "no PGR002 refusal"
grep -qx "rolled back to checkpoint paused" out.txt || lab_fail "not rolled back to the checkpoint paused"
! running pg1 || lab_fail "pg1 runs: the refusal started it"
[[ $(sql pg2 'SELECT pg_is_in_recovery()') == f ]] || lab_fail "pg2 is no longer the primary after the refusal"
[[ $(sql pg2 'SELECT count(*) FROM hotplan_rows') == "$ROWS" ]] || lab_fail "rows lost after the refusal"
[[ $(sql pg2 "SELECT type FROM repmgr.nodes WHERE node_name = 'pg2' AND active") == primary ]] ||
	lab_fail "repmgr no longer records pg2 as the primary"
[[ $(repmgrd_paused pg2) == 0 ]] || lab_fail "the rollback did not resume automatic failover"
echo "standby stopped behind the run: the switchover refused (PGR002), pg2 still the primary, pg1 stopped"
printf 'timings: lab up %.1f s, run %.1f s, total %.1f s\n' "$(echo "$t_up - $t0" | bc)" "$(echo "$t_run - $t_up" | bc)" "$(echo "$(date +%s.%N) - $t0" | bc)"
echo "run-pg-replication: ok"
