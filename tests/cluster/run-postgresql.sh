#!/usr/bin/env bash
# run-postgresql.sh: a PostgreSQL plan run by hotplan over ssh:// on the lab's real cluster,
# with real PostgreSQL 15 under Pacemaker on a shared disk (ctest real-cluster-postgresql;
# docs/lab.md, docs/postgresql.md).
#
# The lab (lab.sh up) with its Dummy group replaced by pg-group, laid out as a failover-cluster
# instance: an ocf:heartbeat:Filesystem resource that mounts the data directory from the
# nodes' shared disk (/srv/hotplan-lab/pgdata, the same host directory DIR/shared in both
# nodes) on a node-private mount point (/opt/hotplan-lab/pgdata, a bind mount), then an
# ocf:heartbeat:pgsql resource on it, its socket in the node's private /run
# (/run/hotplan-pg), pg_ctl run by the agent as user postgres. N rows are written, then
# plans/postgresql-pacemaker-hotfix.hplan runs (passive node patched with the lab's .deb and
# restarted, PostgreSQL moved to it, the old active node patched and restarted, PostgreSQL
# moved back) while a client (pg-poll.py) asks `SELECT 1` every 50 ms. Afterwards, read from
# the cluster and PostgreSQL, never from hotplan's output:
#   - exit 0; both nodes have the package 1.0.1 (their own dpkg database and file), installed
#     once each;
#   - mid-run the client got answers through the passive node's socket (the group moved);
#   - pg-group runs on the first active node, as both nodes' crm_mon say, the data directory
#     is mounted there and not on the other node, and PostgreSQL answers through that node's
#     socket and not through the other's;
#   - all N rows are there (psql's count);
#   - the run's downtime, the time the client got no answer, is printed (no assertion on it);
#   - after the lab is down, no PostgreSQL process is left.
#
# Exit 77 (skipped) only when the lab or PostgreSQL 15 cannot be had here (not root, no
# namespaces, packages missing and not installable).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=${HOTPLAN_SOURCE_DIR:-$(cd "$HERE/../.." && pwd)}
HOTPLAN=${HOTPLAN:-$SRC/build/hotplan}
LAB=$HERE/lab.sh
CRM=$HERE/crm.py
DIR=${HOTPLAN_BUILD_DIR:-${TMPDIR:-/tmp}}/real-cluster-postgresql
PLAN=$SRC/plans/postgresql-pacemaker-hotfix.hplan
INV=$HERE/pacemaker-lab.hplan
GROUP=pg-group
ROWS=${PG_ROWS:-10000}
PGBIN=/usr/lib/postgresql/15/bin
PGDISK=/srv/hotplan-lab/pgdata # on the shared disk, which both nodes see: the "LUN"
PGDATA=/opt/hotplan-lab/pgdata # node-private: PGDISK mounted there by the group (Filesystem)
SOCKDIR=/run/hotplan-pg        # node-private
PGLOG=/run/hotplan-pg.log      # node-private: the server's log (pg_ctl -l)
TIMEOUT=60
PY=$(command -v /usr/bin/python3 || command -v python3)

# now, since, took, fail, crm, where, runs_on, online_both, poll
. "$HERE/lib.sh"

# ---- can it run here ----------------------------------------------------------------------

pg_missing() {
	local m=()
	[[ -x $PGBIN/pg_ctl && -x $PGBIN/initdb && -x $PGBIN/psql ]] || m+=(postgresql-15)
	[[ -x /usr/lib/ocf/resource.d/heartbeat/pgsql ]] || m+=(ocf:heartbeat:pgsql)
	[[ -x /usr/lib/ocf/resource.d/heartbeat/Filesystem ]] || m+=(ocf:heartbeat:Filesystem)
	command -v modprobe >/dev/null || m+=("modprobe (kmod), which the Filesystem agent requires")
	getent passwd postgres >/dev/null || m+=("user postgres")
	command -v dpkg-deb >/dev/null || m+=(dpkg-deb)
	((${#m[@]} == 0)) || echo "missing ${m[*]}"
}
check=0
why=$("$LAB" check 2>&1) || check=$?
if ((check == 0)); then
	why=$(pg_missing)
	[[ -z $why ]] || check=77
fi
if ((check == 77)) && ((EUID == 0)) && [[ $why == *missing* && -z ${HOTPLAN_NO_INSTALL:-} ]] &&
	command -v apt-get >/dev/null 2>&1; then
	echo "run-postgresql: $why"
	"$SRC/test.sh" --deps || true
	check=0
	"$LAB" check || check=$?
	if ((check == 0)); then
		why=$(pg_missing)
		[[ -z $why ]] || { echo "run-postgresql: $why" >&2; check=77; }
	fi
elif ((check != 0)); then
	printf '%s\n' "$why" >&2
fi
if ((check == 77)); then
	echo "SKIP: the lab or PostgreSQL 15 cannot be had here"
	exit 77
fi
((check == 0)) || exit 1
[[ -x $HOTPLAN ]] || fail "no hotplan at $HOTPLAN"

poller=
failed=1
finish() {
	if [[ -n $poller ]]; then
		kill -TERM "$poller" 2>/dev/null || true
		wait "$poller" 2>/dev/null || true
	fi
	if ((failed)); then
		echo "---- lab status at the failure ----"
		"$LAB" status "$DIR" || true
		for f in "$DIR"/out-* /proc/"$(cat "$DIR/node1/init.pid" 2>/dev/null)"/root$PGLOG \
			/proc/"$(cat "$DIR/node2/init.pid" 2>/dev/null)"/root$PGLOG; do
			[[ -s $f ]] || continue
			echo "---- $f (last lines) ----"
			tail -n 30 "$f"
		done
	fi
	# every process of both nodes is killed, PostgreSQL's with them
	"$LAB" down "$DIR" >/dev/null 2>&1 || true
}
trap finish EXIT

# ---- helpers ------------------------------------------------------------------------------

# sock N: node N's socket directory as the host sees it, through its init's root
sock() { printf '/proc/%s/root%s' "$(cat "$DIR/node$1/init.pid")" "$SOCKDIR"; }
# sql N SQL: SQL through node N's socket, as the client pg-poll.py is (user postgres, trust)
sql() { PGCONNECT_TIMEOUT=2 "$PGBIN/psql" -h "$(sock "$1")" -U postgres -d postgres -X -A -t -v ON_ERROR_STOP=1 -c "$2"; }
answers() { [[ $(sql "$1" 'SELECT 1' 2>/dev/null) == 1 ]]; }
mounted() { "$LAB" exec "$DIR" "$1" mountpoint -q "$PGDATA"; }
# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
version() { "$LAB" exec "$DIR" "$1" dpkg-query --show --showformat='${Version}' hotplan-lab-pgfix 2>/dev/null || true; }
file_version() { cat "$DIR/node$1/opt/lib/hotplan-lab-pgfix.txt" 2>/dev/null || true; }
installs() { grep -c "^node$1 hotplan-lab-pgfix $2 configured$" "$DIR/node$1/opt/install.log" || true; }
group_runs() { [[ $(where 1) == node[12] ]]; }
no_group() { ! crm 1 | "$PY" "$CRM" where lab-group >/dev/null 2>&1; }

# deb VERSION: the lab's hotfix package for this test, built with dpkg-deb. /usr is shared by
# the nodes, so it cannot be PostgreSQL's own package: it installs a node-private file.
deb() {
	local v=$1 r=$DIR/pkg/root-$1
	mkdir -p "$r/DEBIAN" "$r/opt/hotplan-lab/lib"
	printf 'hotplan-lab-pgfix %s\n' "$v" >"$r/opt/hotplan-lab/lib/hotplan-lab-pgfix.txt"
	cat >"$r/DEBIAN/control" <<-CONTROL
		Package: hotplan-lab-pgfix
		Version: $v
		Architecture: all
		Maintainer: hotplan lab <dev@hotplan.invalid>
		Description: the lab's PostgreSQL node hotfix (tests/cluster/run-postgresql.sh)
	CONTROL
	cat >"$r/DEBIAN/postinst" <<-POSTINST
		#!/bin/sh
		set -e
		if [ "\$1" = configure ]; then
			echo "\$(hostname) hotplan-lab-pgfix $v configured" >>/opt/hotplan-lab/install.log
		fi
	POSTINST
	chmod 0755 "$r/DEBIAN/postinst"
	dpkg-deb --root-owner-group --build "$r" "$DIR/pkg/hotplan-lab-pgfix_${v}_all.deb" >/dev/null
}

# the group: the data directory mounted (a bind mount: the lab's disk is a directory), then
# PostgreSQL 15 through the pgsql agent, which runs pg_ctl as pgdba (pg_ctl refuses root) and
# makes the socket directory; postgresql.conf names the same directory
pg_group_xml() {
	local p=pgsql f=pgfs
	cat <<-EOF
		<group id="$GROUP">
		  <primitive id="$f" class="ocf" provider="heartbeat" type="Filesystem">
		    <instance_attributes id="$f-ia">
		      <nvpair id="$f-device" name="device" value="$PGDISK"/>
		      <nvpair id="$f-directory" name="directory" value="$PGDATA"/>
		      <nvpair id="$f-fstype" name="fstype" value="none"/>
		      <nvpair id="$f-options" name="options" value="bind"/>
		    </instance_attributes>
		    <operations>
		      <op id="$f-start" name="start" interval="0" timeout="60s"/>
		      <op id="$f-stop" name="stop" interval="0" timeout="60s"/>
		      <op id="$f-monitor" name="monitor" interval="20s" timeout="40s"/>
		    </operations>
		  </primitive>
		  <primitive id="$p" class="ocf" provider="heartbeat" type="pgsql">
		    <instance_attributes id="$p-ia">
		      <nvpair id="$p-pgctl" name="pgctl" value="$PGBIN/pg_ctl"/>
		      <nvpair id="$p-psql" name="psql" value="$PGBIN/psql"/>
		      <nvpair id="$p-pgdata" name="pgdata" value="$PGDATA"/>
		      <nvpair id="$p-pgdba" name="pgdba" value="postgres"/>
		      <nvpair id="$p-socketdir" name="socketdir" value="$SOCKDIR"/>
		      <nvpair id="$p-logfile" name="logfile" value="$PGLOG"/>
		    </instance_attributes>
		    <operations>
		      <op id="$p-start" name="start" interval="0" timeout="60s"/>
		      <op id="$p-stop" name="stop" interval="0" timeout="60s"/>
		      <op id="$p-monitor" name="monitor" interval="10s" timeout="30s"/>
		    </operations>
		  </primitive>
		</group>
	EOF
}

hp() {
	HOTPLAN_SSH_OPTIONS="-F $DIR/ssh_config" TERM=dumb "$HOTPLAN" "$@"
}

# ---- the lab, PostgreSQL on the shared disk, the rows, the packages --------------------------

t_all=$(now)
t=$(now)
"$LAB" up "$DIR"
took[up]=$(since "$t")
export HOTPLAN_STATE_DIR=$DIR/state
rm -rf "$DIR/pkg" "$HOTPLAN_STATE_DIR" "$DIR"/*.journal* "$DIR"/out-*
mkdir -p "$DIR/pkg"

t=$(now)
# the Dummy group out: this cluster runs PostgreSQL only
"$LAB" exec "$DIR" 1 cibadmin --delete --xml-text '<group id="lab-group"/>'
poll "lab-group gone" no_group
# one data directory on the shared disk, made once, from node 1 (--no-sync: made and thrown
# away with the lab; the server itself runs with fsync on)
install -d -o postgres -g postgres -m 0700 "$DIR/shared/pgdata"
rc=0
"$LAB" exec "$DIR" 1 runuser -u postgres -- "$PGBIN/initdb" --pgdata="$PGDISK" --auth=trust \
	--username=postgres --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$DIR/out-initdb" 2>&1 || rc=$?
((rc == 0)) || fail "initdb in node1: exit $rc: $(tail -n 5 "$DIR/out-initdb")"
cat >>"$DIR/shared/pgdata/postgresql.conf" <<-CONF
	# run-postgresql.sh: no TCP (the lab has no service address), the socket in the node's /run
	listen_addresses = ''
	unix_socket_directories = '$SOCKDIR'
CONF
pg_group_xml | "$LAB" exec "$DIR" 1 cibadmin --create -o resources --xml-pipe
poll "$GROUP started" group_runs
active=$(where 1)
poll "PostgreSQL answering on $active" answers "${active#node}"
sql "${active#node}" "CREATE TABLE hotplan_rows (id integer PRIMARY KEY, note text NOT NULL);
	INSERT INTO hotplan_rows SELECT i, 'row ' || i FROM generate_series(1, $ROWS) AS i" >/dev/null
[[ $(sql "${active#node}" 'SELECT count(*) FROM hotplan_rows') == "$ROWS" ]] || fail "the $ROWS rows were not written"
took[pg]=$(since "$t")
passive=node$((3 - ${active#node}))
! answers "${passive#node}" || fail "PostgreSQL answers on $passive too"
{ mounted "${active#node}" && ! mounted "${passive#node}"; } || fail "the data directory is not mounted on $active only"
echo "PostgreSQL 15 runs on $active under Pacemaker ($GROUP), its data mounted from the shared disk; $ROWS rows written (${took[pg]} s)"

deb 1.0.0
deb 1.0.1
for n in 1 2; do
	cp "$DIR"/pkg/*.deb "$DIR/node$n/opt/packages/"
	"$LAB" exec "$DIR" "$n" dpkg --install /opt/hotplan-lab/packages/hotplan-lab-pgfix_1.0.0_all.deb >/dev/null 2>&1
	: >"$DIR/node$n/opt/install.log"
	[[ $(version "$n") == 1.0.0 ]] || fail "node$n: not on 1.0.0"
done

# ---- the run, with a client polling ----------------------------------------------------------

"$PY" "$HERE/pg-poll.py" --interval 0.05 --log "$DIR/out-poll.log" "$(sock 1)" "$(sock 2)" >"$DIR/poll.summary" &
poller=$!
poll "the client's first answer" grep -qs ' 1 ' "$DIR/out-poll.log"
t=$(now)
rc=0
hp run "$PLAN" --inventory "$INV" --yes --journal "$DIR/run.journal" >"$DIR/out-run" 2>&1 || rc=$?
took[run]=$(since "$t")
kill -TERM "$poller"
wait "$poller" || fail "the client: exit $?"
poller=
((rc == 0)) || fail "the run: exit $rc"
summary=$(cat "$DIR/poll.summary")
[[ $summary =~ downtime\ ([0-9.]+)\ s ]] || fail "the client printed no downtime: $summary"
downtime=${BASH_REMATCH[1]}

# ---- what the cluster and PostgreSQL say -----------------------------------------------------

{ runs_on 1 "${active#node}" && runs_on 2 "${active#node}"; } || fail "$GROUP does not run on $active, as the plan says (switch_back)"
online_both || fail "not both online after the run: $online_why"
answers "${active#node}" || fail "PostgreSQL does not answer through $active's socket"
! answers "${passive#node}" || fail "PostgreSQL answers through $passive's socket too"
{ mounted "${active#node}" && ! mounted "${passive#node}"; } || fail "the data directory is not mounted on $active only"
# mid-run, PostgreSQL served through the patched passive node's socket: the group really moved
grep -qF " 1 $(sock "${passive#node}")" "$DIR/out-poll.log" || fail "the client never got an answer through $passive mid-run"
count=$(sql "${active#node}" 'SELECT count(*) FROM hotplan_rows')
[[ $count == "$ROWS" ]] || fail "$count rows after the run, not $ROWS"
[[ $(sql "${active#node}" "SELECT count(*) FROM hotplan_rows WHERE note = 'row ' || id") == "$ROWS" ]] ||
	fail "rows changed"
for n in 1 2; do
	[[ $(version "$n") == 1.0.1 ]] || fail "node$n's dpkg: hotplan-lab-pgfix $(version "$n")"
	[[ $(file_version "$n") == "hotplan-lab-pgfix 1.0.1" ]] || fail "node$n's file: $(file_version "$n")"
	[[ $(installs "$n" 1.0.1) == 1 ]] || fail "node$n: 1.0.1 installed $(installs "$n" 1.0.1) times"
done
echo "the run: exit 0; $GROUP moved $active -> $passive -> $active (crm_mon on both nodes); the data mounted and PostgreSQL answering on $active only; $count of $ROWS rows; 1.0.1 installed once on each node (${took[run]} s)"
echo "downtime: $downtime s (the client, SELECT 1 every 50 ms: $summary)"

# ---- down: no PostgreSQL left ------------------------------------------------------------------

t=$(now)
"$LAB" down "$DIR" >/dev/null
took[down]=$(since "$t")
left=$(pgrep -f -- "-D $PGDATA" || true)
[[ -z $left ]] || fail "PostgreSQL processes left after lab.sh down: $left"
failed=0
printf 'timings: up %s s, PostgreSQL and rows %s s, run %s s, down %s s, total %s s; downtime %s s\n' \
	"${took[up]}" "${took[pg]}" "${took[run]}" "${took[down]}" "$(since "$t_all")" "$downtime"
