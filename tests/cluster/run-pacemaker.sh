#!/usr/bin/env bash
# run-pacemaker.sh (ctest: real-cluster-pacemaker): plans/pacemaker-rolling-hotfix.hplan run by
# hotplan over ssh:// on the lab's real cluster (lab.sh, docs/lab.md) with the pacemaker-lab
# profile, the hotfix a real .deb built here with dpkg-deb (1.0.0 on both nodes first, the plan
# installs 1.0.1; its postinst appends a line to the node's /opt/hotplan-lab/install.log).
# Every check reads the cluster itself (crm_mon, cibadmin, each node's dpkg and files), never
# hotplan's word:
#  1. The world changes behind hotplan's back: at the plan's `pause` the test moves the group
#     by hand onto the passive node; the guard, reading the live cluster, refuses to stop that
#     node's stack (HP115); nothing had changed, so the run ends nothing-changed (exit 1),
#     nothing was stopped or installed.
#  2. A whole run: exit 0; the group really moved to the first patched node; both nodes have
#     1.0.1 (dpkg, the file), each installed once; no constraint left in the CIB; both online.
#  3. kill -9 of hotplan, twice (after the passive node's install; during the move), each time
#     `hotplan resume`: exit 0, each node's install done once, the cluster healthy.
#  5. (run before 4) A move onto a node the group is banned from (crm_resource --ban, by
#     hand): refused before anything runs, with the ban's id; exit 3 (the refusal comes from
#     the profile's look at the cluster, after the guard: the run counts the move as begun and
#     rolls back to its checkpoint, which changes nothing); the group stays.
#  4. The active node hard-killed (kill -9 of corosync and pacemakerd) at the pause: the group
#     fails over to the passive node, the guard refuses to stop the survivor's stack, the run
#     ends nothing-changed (exit 1) and says so, and the survivor's crm_mon agrees: the killed node
#     offline, the group on the survivor, nothing installed.
#  6. (run before 4) Declared actions (lib/pacemaker.hplan) on the real cluster: a group "web"
#     is made; plans/pacemaker-planned-failover.hplan runs and hotplan is killed (-9) at every
#     step boundary in turn (after quorum, after the move, after the maintenance), resumed each
#     time; after the move the test reads both CIBs: web on the other node, cli-prefer-web
#     there; the last resume clears it: exit 0, web still on the new node, no constraint on
#     web, no node in maintenance, the old node's corosync a new process, each of the plan's
#     five commands run exactly once (the capture files' headers). Then node_standby, a verify
#     and node_unstandby of a node, killed after each of the first two steps: crm_mon's
#     standby true mid-run, false after the last resume, each command run once.
# Before anything: pacemaker-lab is the pacemaker profile but for its lines marked LAB.
#
# Exit 77 (skipped) only when the lab cannot be made here (as run-lab.sh).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=${HOTPLAN_SOURCE_DIR:-$(cd "$HERE/../.." && pwd)}
HOTPLAN=${HOTPLAN:-$SRC/build/hotplan}
LAB=$HERE/lab.sh
CRM=$HERE/crm.py
DIR=${HOTPLAN_BUILD_DIR:-${TMPDIR:-/tmp}}/real-cluster-pacemaker
PLAN=$SRC/plans/pacemaker-rolling-hotfix.hplan
INV=$HERE/pacemaker-lab.hplan
GROUP=lab-group
FILE=/opt/hotplan-lab/lib/hotplan-lab-fix.txt
TIMEOUT=60
PY=$(command -v /usr/bin/python3 || command -v python3)

# now, since, took, fail, crm, where, runs_on, online_both, poll
. "$HERE/lib.sh"

# ---- the lab profile is the real one but for its LAB lines (no root needed) ---------------

# body FILE: the first profile block of FILE without its name line and the keys marked LAB
lab_keys=$(grep '# LAB$' "$INV" | sed 's/=.*//; s/^ *//; s/ *$//')
body() {
	sed -n '/^profile /,/^}/{p;/^}/q}' "$1" | sed '1d' | while IFS= read -r line; do
		key=$(sed 's/=.*//; s/^ *//; s/ *$//' <<<"$line")
		grep -qxF -- "$key" <<<"$lab_keys" || printf '%s\n' "$line"
	done
}
if ! d=$(diff <(body "$SRC/plans/profiles/pacemaker.hplan") <(body "$INV")); then
	fail "pacemaker-lab differs from pacemaker in lines not marked LAB: $d"
fi
[[ $(grep -c '# LAB$' "$INV") == 3 ]] || fail "pacemaker-lab: not 3 lines marked LAB"

# ---- can it run here ----------------------------------------------------------------------

check=0
why=$("$LAB" check 2>&1) || check=$?
if ((check == 77)) && ((EUID == 0)) && [[ $why == *missing* && -z ${HOTPLAN_NO_INSTALL:-} ]] &&
	command -v apt-get >/dev/null 2>&1; then
	echo "run-pacemaker: $why"
	"$SRC/test.sh" --deps || true
	check=0
	"$LAB" check || check=$?
elif ((check != 0)); then
	printf '%s\n' "$why" >&2
fi
if ((check == 77)); then
	echo "SKIP: the lab cannot be made here"
	exit 77
fi
((check == 0)) || exit 1
command -v dpkg-deb >/dev/null || { echo "SKIP: no dpkg-deb"; exit 77; }
[[ -x $HOTPLAN ]] || fail "no hotplan at $HOTPLAN"

failed=1
finish() {
	if ((failed)); then
		echo "---- lab status at the failure ----"
		"$LAB" status "$DIR" || true
		for f in "$DIR"/out-*; do
			[[ -s $f ]] || continue
			echo "---- $f (last lines) ----"
			tail -n 30 "$f"
		done
	fi
	"$LAB" down "$DIR" >/dev/null 2>&1 || true
}
trap finish EXIT

# ---- helpers ------------------------------------------------------------------------------

# version N: the hotfix's version in node N's own dpkg database, and in its file
version() { "$LAB" exec "$DIR" "$1" dpkg-query --show --showformat='${Version}' hotplan-lab-fix 2>/dev/null || true; }
file_version() { cat "$DIR/node$1/opt/lib/hotplan-lab-fix.txt" 2>/dev/null || true; }
# installs N V: how many times V was installed on node N (its postinst's lines)
installs() { grep -c "^node$1 hotplan-lab-fix $2 configured$" "$DIR/node$1/opt/install.log" || true; }
no_constraint() { ! "$LAB" exec "$DIR" "$1" cibadmin -Q -o constraints | "$PY" "$CRM" constraints | grep -q .; }

# deb VERSION: the lab's hotfix package, built with dpkg-deb
deb() {
	local v=$1 r=$DIR/pkg/root-$1
	mkdir -p "$r/DEBIAN" "$r/opt/hotplan-lab/lib"
	printf 'hotplan-lab-fix %s\n' "$v" >"$r/opt/hotplan-lab/lib/hotplan-lab-fix.txt"
	cat >"$r/DEBIAN/control" <<-CONTROL
		Package: hotplan-lab-fix
		Version: $v
		Architecture: all
		Maintainer: hotplan lab <dev@hotplan.invalid>
		Description: the lab's hotfix (tests/cluster/run-pacemaker.sh)
	CONTROL
	cat >"$r/DEBIAN/postinst" <<-POSTINST
		#!/bin/sh
		set -e
		if [ "\$1" = configure ]; then
			echo "\$(hostname) hotplan-lab-fix $v configured" >>/opt/hotplan-lab/install.log
		fi
	POSTINST
	chmod 0755 "$r/DEBIAN/postinst"
	dpkg-deb --root-owner-group --build "$r" "$DIR/pkg/hotplan-lab-fix_${v}_all.deb" >/dev/null
}

# reset: both nodes on 1.0.0 (their dpkg and file), the install logs empty
reset() {
	local n
	for n in 1 2; do
		"$LAB" exec "$DIR" "$n" dpkg --install /opt/hotplan-lab/packages/hotplan-lab-fix_1.0.0_all.deb >/dev/null 2>&1
		: >"$DIR/node$n/opt/install.log"
		[[ $(version "$n") == 1.0.0 && $(file_version "$n") == "hotplan-lab-fix 1.0.0" ]] || fail "node$n: not on 1.0.0"
	done
}

hp() {
	HOTPLAN_SSH_OPTIONS="-F $DIR/ssh_config" TERM=dumb "$HOTPLAN" "$@"
}

# ---- the lab, the packages ------------------------------------------------------------------

t_all=$(now)
t=$(now)
"$LAB" up "$DIR"
took[up]=$(since "$t")
# hotplan's journals, locks and last-run records: this test's own, fresh each time
export HOTPLAN_STATE_DIR=$DIR/state
rm -rf "$DIR/pkg" "$HOTPLAN_STATE_DIR" "$DIR"/*.journal*
mkdir -p "$DIR/pkg"
deb 1.0.0
deb 1.0.1
for n in 1 2; do
	cp "$DIR"/pkg/*.deb "$DIR/node$n/opt/packages/"
done
reset
[[ -z $(dpkg-query --show hotplan-lab-fix 2>/dev/null || true) ]] || fail "the host's dpkg knows the lab's package"
echo "packages built, 1.0.0 on both nodes (each node's own dpkg database)"

# ---- 1. the world changes behind hotplan's back ----------------------------------------------

active=$(where 1)
[[ $active == node[12] ]] || fail "$GROUP does not run: '$active'"
passive=node$((3 - ${active#node}))
cat >"$DIR/move-by-hand" <<HOOK
#!/bin/sh
# at the pause: the group moved onto $passive by hand, as another operator would
set -e
"$LAB" exec "$DIR" ${active#node} crm_resource --move --resource $GROUP --node $passive >/dev/null
i=0
until "$LAB" exec "$DIR" 1 crm_mon -1 --output-as=xml | "$PY" "$CRM" where $GROUP | grep -qx $passive; do
	i=\$((i + 1)); [ \$i -lt 1200 ] || exit 1; sleep 0.05
done
"$LAB" exec "$DIR" 1 crm_resource --clear --resource $GROUP >/dev/null
HOOK
chmod 0755 "$DIR/move-by-hand"
t=$(now)
rc=0
"$PY" "$HERE/pty-answer.py" --timeout 120 --on-pause "$DIR/move-by-hand" -- \
	env HOTPLAN_SSH_OPTIONS="-F $DIR/ssh_config" TERM=dumb "$HOTPLAN" run "$PLAN" --inventory "$INV" \
	--journal "$DIR/guard.journal" >"$DIR/out-guard" 2>&1 || rc=$?
took[guard]=$(since "$t")
((rc == 1)) || fail "the run with the group moved behind its back: exit $rc, not 1 (refused before anything changed)"
grep -qF "FAIL stop service \"pacemaker\" on $passive (passive): refused by the guard: stopping the cluster service on, or restarting, a node that owns a group" "$DIR/out-guard" ||
	fail "the guard did not refuse to stop $passive's stack"
grep -qF "($passive) [HP115]" "$DIR/out-guard" || fail "the refusal does not name $passive and HP115"
runs_on 1 "${passive#node}" && runs_on 2 "${passive#node}" || fail "$GROUP is not where the test moved it ($passive)"
online_both || fail "a node left the cluster: the refused stop ran: $online_why"
[[ $(version 1) == 1.0.0 && $(version 2) == 1.0.0 ]] || fail "a hotfix was installed"
echo "1. group moved by hand to $passive at the pause: the guard refused to stop $passive's stack (HP115), exit 1 (nothing changed), both nodes online, nothing installed (${took[guard]} s)"

# ---- 2. a whole run -------------------------------------------------------------------------

reset
active=$(where 1)
passive=node$((3 - ${active#node}))
t=$(now)
rc=0
hp run "$PLAN" --inventory "$INV" --yes --journal "$DIR/run.journal" >"$DIR/out-run" 2>&1 || rc=$?
took[run]=$(since "$t")
((rc == 0)) || fail "the run: exit $rc"
runs_on 1 "${passive#node}" && runs_on 2 "${passive#node}" || fail "$GROUP does not run on $passive, the first node patched"
online_both || fail "not both online after the run: $online_why"
for n in 1 2; do
	[[ $(version "$n") == 1.0.1 ]] || fail "node$n's dpkg: hotplan-lab-fix $(version "$n")"
	[[ $(file_version "$n") == "hotplan-lab-fix 1.0.1" ]] || fail "node$n's file: $(file_version "$n")"
	[[ $(installs "$n" 1.0.1) == 1 ]] || fail "node$n: 1.0.1 installed $(installs "$n" 1.0.1) times"
	no_constraint "$n" || fail "node$n's CIB keeps a constraint after the run"
done
echo "2. the run: exit 0, $GROUP moved $active -> $passive (crm_mon on both nodes), 1.0.1 installed once on each node (dpkg, the file), no constraint left (${took[run]} s)"

# ---- 3. kill -9 of hotplan, twice, and resume -------------------------------------------------

reset
active=$(where 1)
passive=node$((3 - ${active#node}))
# run_until OUT PATTERN CMD...: CMD in the background, kill -9 once its JSON log matches
run_until() {
	local out=$1 pattern=$2 pid start
	shift 2
	: >"$out"
	HOTPLAN_SSH_OPTIONS="-F $DIR/ssh_config" TERM=dumb "$HOTPLAN" "$@" --log json >"$out" 2>&1 &
	pid=$!
	start=$(now)
	until grep -qE "$pattern" "$out"; do
		kill -0 "$pid" 2>/dev/null || fail "hotplan ended before '$pattern': $(tail -n 3 "$out")"
		awk -v a="$start" -v b="$(now)" -v t="$TIMEOUT" 'BEGIN { exit !(b - a > t) }' && fail "no '$pattern' after $TIMEOUT s"
		sleep 0.02
	done
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
}
t=$(now)
run_until "$DIR/out-kill1" '"event":"step-done".*"step":"passive_install"' run "$PLAN" --inventory "$INV" --yes \
	--journal "$DIR/kill.journal"
[[ $(installs "${passive#node}" 1.0.1) == 1 ]] || fail "$passive: not installed once when hotplan was killed"
run_until "$DIR/out-kill2" '"event":"action-start".*"action":"move group' resume "$DIR/kill.journal" --yes
rc=0
hp resume "$DIR/kill.journal" --yes >"$DIR/out-resume" 2>&1 || rc=$?
took[kill]=$(since "$t")
((rc == 0)) || fail "resume after two kill -9: exit $rc"
grep -qF "passive_install: done before, skipped" "$DIR/out-resume" || fail "the last resume did not skip the install"
runs_on 1 "${passive#node}" && runs_on 2 "${passive#node}" || fail "$GROUP does not run on $passive after the resume"
online_both || fail "not both online after the resume: $online_why"
for n in 1 2; do
	[[ $(version "$n") == 1.0.1 && $(file_version "$n") == "hotplan-lab-fix 1.0.1" ]] || fail "node$n: not on 1.0.1"
	[[ $(installs "$n" 1.0.1) == 1 ]] || fail "node$n: 1.0.1 installed $(installs "$n" 1.0.1) times, not once"
done
echo "3. kill -9 after $passive's install and during the move, resume each time: exit 0, each node installed once, $GROUP on $passive, both online (${took[kill]} s)"

# ---- 5. a move the cluster would not make ------------------------------------------------------

active=$(where 1)
passive=node$((3 - ${active#node}))
cat >"$DIR/move.hplan" <<'MOVE'
plan move_only "Move the group" {
    model {
        service "pacemaker" cluster
        group "lab-group"
    }
    procedure cluster {
        roles {
            active  = owner of group "lab-group"
            passive = any node except active
        }
        checkpoint stay {  # a failure below: the active node's stack runs (it does)
            start service "pacemaker" on active
        }
        step failover "Move the group" {
            move group "lab-group" to passive
        }
    }
}
MOVE
"$LAB" exec "$DIR" 1 crm_resource --ban --resource "$GROUP" --node "$passive" >/dev/null 2>&1
t=$(now)
rc=0
hp run "$DIR/move.hplan" --inventory "$INV" --yes --journal "$DIR/move.journal" >"$DIR/out-move" 2>&1 || rc=$?
took[ban]=$(since "$t")
((rc == 3)) || fail "the move onto a banned node: exit $rc, not 3"
grep -qF "move group \"$GROUP\" refused: the cluster keeps group \"$GROUP\" off $passive: cli-ban-$GROUP-on-$passive" "$DIR/out-move" ||
	fail "the move was not refused with the ban's id"
runs_on 1 "${active#node}" || fail "$GROUP left $active"
"$LAB" exec "$DIR" 1 crm_resource --clear --resource "$GROUP" >/dev/null 2>&1
echo "5. $GROUP banned from $passive by hand: the move refused before it ran (the ban's id), exit 3, the group still on $active (${took[ban]} s)"

# ---- 6. declared actions on the real cluster: the planned failover, standby ------------------

# the group "web" the planned failover moves, beside lab-group (one Dummy resource)
"$LAB" exec "$DIR" 1 cibadmin --create -o resources --xml-text '<group id="web"><primitive id="web-dummy" class="ocf" provider="heartbeat" type="Dummy"><operations><op id="web-dummy-monitor" name="monitor" interval="10s"/></operations></primitive></group>'
web_on() { [[ $(crm "$1" 2>/dev/null | "$PY" "$CRM" where web 2>/dev/null) == "$2" ]]; }
web_runs() { [[ $(crm 1 2>/dev/null | "$PY" "$CRM" where web 2>/dev/null) == node[12] ]]; }
poll "web runs" web_runs
wactive=$(crm 1 | "$PY" "$CRM" where web)
wpassive=node$((3 - ${wactive#node}))
# lab-group on the node web moves to, so that the node restarted in maintenance runs nothing
if ! runs_on 1 "${wpassive#node}"; then
	"$LAB" exec "$DIR" 1 crm_resource --move --resource "$GROUP" --node "$wpassive" >/dev/null
	poll "$GROUP on $wpassive" runs_on 1 "${wpassive#node}"
	"$LAB" exec "$DIR" 1 crm_resource --clear --resource "$GROUP" >/dev/null
fi
# web_constraints N: the ids of node N's CIB's constraints on web
web_constraints() { "$LAB" exec "$DIR" "$1" cibadmin -Q -o constraints | "$PY" "$CRM" constraints | grep -- '-web\($\|-\)' || true; }
node_attr() { crm "$1" | "$PY" "$CRM" node "$2" "$3"; }
# corosync's pid on node N: a new one after the node's restart
stack_pid() { "$LAB" exec "$DIR" "$1" pidof corosync 2>/dev/null || true; }
before=$(stack_pid "${wactive#node}")
PF=$SRC/plans/pacemaker-planned-failover.hplan
# ran_once JOURNAL STEP ACTION: the command of action ACTION of step STEP ran exactly once (the
# capture files' headers: one per command run, across every run of the journal)
ran_once() {
	local k
	k=$(cat "$1".out/*.log 2>/dev/null | grep -c "^==== step $2, action $3, " || true)
	[[ $k == 1 ]] || fail "step $2, action $3 ran $k times, not once"
}
t=$(now)
# the kill -9 sweep: killed at every step boundary in turn (after quorum, after the move, after
# the maintenance), resumed each time; the constraint read from both CIBs while it holds still
run_until "$DIR/out-pf1" '"event":"step-done".*"step":"quorum"' run "$PF" --inventory "$INV" --yes \
	--journal "$DIR/pf.journal"
[[ -z $(web_constraints 1) ]] && web_on 1 "$wactive" || fail "killed after the quorum step: web moved already"
run_until "$DIR/out-pf2" '"event":"step-done".*"step":"failover"' resume "$DIR/pf.journal" --yes
for n in 1 2; do
	web_on "$n" "$wpassive" || fail "mid-run: node$n's crm_mon does not show web on $wpassive"
	[[ $(web_constraints "$n") == cli-prefer-web ]] || fail "mid-run: node$n's CIB has no cli-prefer-web: '$(web_constraints "$n")'"
done
run_until "$DIR/out-pf3" '"event":"step-done".*"step":"maintain"' resume "$DIR/pf.journal" --yes
[[ $(web_constraints 1) == cli-prefer-web ]] || fail "after the maintenance: the constraint is gone too early"
rc=0
hp resume "$DIR/pf.journal" --yes >"$DIR/out-pf4" 2>&1 || rc=$?
took[failover]=$(since "$t")
((rc == 0)) || fail "the last resume of the planned failover: exit $rc"
grep -qF 'ok   resource_clear("web")' "$DIR/out-pf4" || fail "the last resume did not clear the constraint"
# each action once: resource_move, node_maintenance, restart node, node_unmaintenance, resource_clear
ran_once "$DIR/pf.journal" failover 1
for a in 3 4 6; do ran_once "$DIR/pf.journal" maintain "$a"; done
ran_once "$DIR/pf.journal" clear 7
[[ $(cat "$DIR"/pf.journal.out/*.log | grep -c '^==== ') == 5 ]] || fail "the planned failover ran other commands than its five"
for n in 1 2; do
	web_on "$n" "$wpassive" || fail "node$n's crm_mon does not show web on $wpassive after the run"
	[[ -z $(web_constraints "$n") ]] || fail "node$n's CIB still constrains web: $(web_constraints "$n")"
	for m in node1 node2; do
		[[ $(node_attr "$n" "$m" maintenance) == false ]] || fail "node$n's crm_mon: $m still in maintenance"
	done
done
after=$(stack_pid "${wactive#node}")
[[ -n $after && $after != "$before" ]] || fail "$wactive was not restarted (corosync pid $before, now '$after')"
online_both || fail "not both online after the planned failover: $online_why"
echo "6a. plans/pacemaker-planned-failover.hplan, kill -9 at each step boundary and resumed: web moved $wactive -> $wpassive, cli-prefer-web in both CIBs mid-run and gone at the end, $wactive restarted in maintenance and out of it (crm_mon), each of the five commands run once, exit 0 (${took[failover]} s)"

cat >"$DIR/standby.hplan" <<'STANDBY'
use pacemaker

plan standby_passive "Standby as an action" {
    model {
        group "web"
    }
    procedure cluster {
        roles {
            active  = owner of group "web"
            passive = any node except active
        }
        step standby "Put the passive node in standby" {
            node_standby(passive)
        }
        checkpoint standing {
            node_unstandby(passive)
        }
        step check "It is in standby" {
            verify standby(passive) == standby
        }
        step unstandby "Take it back" {
            node_unstandby(passive)
        }
        step ban "Ban the group from its node: it moves to the other" {
            verify quorum == held
            resource_ban("web", active)
        }
        checkpoint banned {
            resource_clear("web")
        }
        step clear "Clear the ban" {
            resource_clear("web")
        }
    }
}
STANDBY
export HOTPLAN_LIB_PATH=$SRC/lib   # `use pacemaker` from $DIR
spassive=$wactive
t=$(now)
run_until "$DIR/out-sb1" '"event":"step-done".*"step":"standby"' run "$DIR/standby.hplan" \
	--inventory "$INV" --yes --journal "$DIR/sb.journal"
[[ $(node_attr 1 "$spassive" standby) == true ]] || fail "killed after node_standby: $spassive not in standby"
sactive=$wpassive
run_until "$DIR/out-sb2" '"event":"step-done".*"step":"check"' resume "$DIR/sb.journal" --yes
for n in 1 2; do
	[[ $(node_attr "$n" "$spassive" standby) == true ]] || fail "mid-run: node$n's crm_mon: $spassive not in standby"
done
rc=0
hp resume "$DIR/sb.journal" --yes >"$DIR/out-sb3" 2>&1 || rc=$?
took[standby]=$(since "$t")
((rc == 0)) || fail "resume of the standby plan: exit $rc"
ran_once "$DIR/sb.journal" standby 0
ran_once "$DIR/sb.journal" unstandby 3
ran_once "$DIR/sb.journal" ban 5
ran_once "$DIR/sb.journal" clear 7
grep -qF 'ok   resource_ban("web", active)' "$DIR/out-sb3" || fail "the last resume did not ban web: $(cat "$DIR/out-sb3")"
for n in 1 2; do
	[[ $(node_attr "$n" "$spassive" standby) == false ]] || fail "node$n's crm_mon: $spassive still in standby"
	web_on "$n" "$spassive" || fail "after resource_ban(web, $sactive): node$n's crm_mon does not show web on $spassive"
	[[ -z $(web_constraints "$n") ]] || fail "node$n's CIB still constrains web after the clear: $(web_constraints "$n")"
done
online_both || fail "not both online after the standby plan: $online_why"
echo "6b. node_standby($spassive) and node_unstandby, kill -9 at each step boundary and resumed: crm_mon's standby true mid-run, false at the end; resource_ban(web, $sactive) moved web to $spassive and the clear left no constraint (both CIBs); each command run once, exit 0 (${took[standby]} s)"

# ---- 4. the active node hard-killed mid-run ----------------------------------------------------

reset
active=$(where 1)
passive=node$((3 - ${active#node}))
cat >"$DIR/kill-active" <<HOOK
#!/bin/sh
# at the pause: kill -9 corosync and pacemakerd on $active; the group fails over to $passive
set -e
"$LAB" node-kill "$DIR" ${active#node} >/dev/null
i=0
until "$LAB" exec "$DIR" ${passive#node} crm_mon -1 --output-as=xml | "$PY" "$CRM" where $GROUP | grep -qx $passive; do
	i=\$((i + 1)); [ \$i -lt 1200 ] || exit 1; sleep 0.05
done
HOOK
chmod 0755 "$DIR/kill-active"
t=$(now)
rc=0
"$PY" "$HERE/pty-answer.py" --timeout 120 --on-pause "$DIR/kill-active" -- \
	env HOTPLAN_SSH_OPTIONS="-F $DIR/ssh_config" TERM=dumb "$HOTPLAN" run "$PLAN" --inventory "$INV" \
	--journal "$DIR/nodekill.journal" >"$DIR/out-nodekill" 2>&1 || rc=$?
took[nodekill]=$(since "$t")
((rc == 1)) || fail "the run with $active killed: exit $rc, not 1 (refused before anything changed)"
grep -qF "FAIL stop service \"pacemaker\" on $passive (passive): refused by the guard" "$DIR/out-nodekill" ||
	fail "the guard did not refuse to stop the survivor $passive's stack"
grep -qF "ok   stop service" "$DIR/out-nodekill" && fail "hotplan says it stopped a stack"
grep -qF "nothing was changed" "$DIR/out-nodekill" || fail "hotplan does not say that nothing was changed"
view=$(crm "${passive#node}" | "$PY" "$CRM" summary)
[[ " $view " == *" $active=offline "* && " $view " == *" $passive=online "* && " $view " == *" $GROUP=$passive "* ]] ||
	fail "the survivor sees: $view"
[[ $(version "${passive#node}") == 1.0.0 ]] || fail "the survivor was patched"
echo "4. $active hard-killed at the pause: $GROUP failed over to $passive; the guard refused to stop the survivor's stack (HP115), exit 1 (nothing changed), as crm_mon shows: $view (${took[nodekill]} s)"

t=$(now)
"$LAB" down "$DIR" >/dev/null
took[down]=$(since "$t")
failed=0
printf 'timings: up %s s, guard %s s, run %s s, kill+resume %s s, ban %s s, planned failover %s s, standby %s s, node killed %s s, down %s s, total %s s\n' \
	"${took[up]}" "${took[guard]}" "${took[run]}" "${took[kill]}" "${took[ban]}" "${took[failover]}" "${took[standby]}" "${took[nodekill]}" "${took[down]}" "$(since "$t_all")"
