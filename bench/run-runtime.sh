#!/usr/bin/env bash
# bench/run-runtime.sh: what one action costs `hotplan run`, against the physical floor
# measured in the same run, against `ansible-playbook` (connection: local), on the simulated
# target, and on ssh:// against a raw multiplexed `ssh true`.
# A benchmark, not a test: it prints figures next to the goals and never fails on them.
#
#   bench/run-runtime.sh [--steps "200 1000"] [--runs 3] [--ansible-tasks 50] [--sim-steps 20000]
#                        [--ssh-steps 200] [--hotplan PATH | --build DIR] [--no-ansible] [--no-ssh]
#                        [--all-synced]
#
# Builds hotplan (Release) in build-bench/runtime/build unless given --hotplan (a binary; the
# model benchmark is the bench/model_bench its build made beside it) or --build (an existing
# CMake build directory, built again here). Compiles bench/floor.c with `cc -O2`. As root, installs the Debian package ansible-core when it is missing.
# Sections: 1 floor, 2 local:, 3 ansible, 4 sim: (end to end, and the model alone), 5 ssh://
# (when tests/ssh/sshd-harness.sh exists). --all-synced: the binary fdatasyncs every journal
# record (a build before step-done went unsynced), for the sync counts. See docs/performance.md,
# section "Runtime".
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
WORK=${BENCH_WORK:-$ROOT/build-bench/runtime}
STEPS=${BENCH_STEPS:-"200 1000"}
RUNS=${BENCH_RUNS:-3}
ANS_TASKS=${BENCH_ANSIBLE_TASKS:-50}
SIM_STEPS=${BENCH_SIM_STEPS:-20000}
SSH_STEPS=${BENCH_SSH_STEPS:-200}
TIMEOUT=${BENCH_TIMEOUT:-900} # seconds per run of anything
HOTPLAN=${HOTPLAN:-}
BUILD=""
ANSIBLE=1
SSH=1
ALL_SYNCED=0

usage() { sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while (($#)); do
	case $1 in
	--steps) STEPS=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	--ansible-tasks) ANS_TASKS=$2; shift 2 ;;
	--sim-steps) SIM_STEPS=$2; shift 2 ;;
	--ssh-steps) SSH_STEPS=$2; shift 2 ;;
	--hotplan) HOTPLAN=$2; shift 2 ;;
	--build) BUILD=$2; shift 2 ;;
	--no-ansible) ANSIBLE=0; shift ;;
	--no-ssh) SSH=0; shift ;;
	--all-synced) ALL_SYNCED=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done

GOAL_FLOOR=1.25    # hotplan per step on local: at most this many times the floor
GOAL_ANSIBLE=50    # at least this many times faster than ansible-playbook, connection: local
GOAL_SIM=1000000   # actions per second on sim:
GOAL_SSH=2         # hotplan per step on ssh:// at most this many times a raw `ssh -S CP host true`

section() { printf '\n==== %s ====\n' "$*"; }
say() { printf '%s\n' "$*"; }
now() { printf '%s' "${EPOCHREALTIME/,/.}"; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
os_name() { sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release 2>/dev/null | grep . || uname -s; }
met() { awk "BEGIN { exit !($1) }" && echo met || echo missed; }

apt_updated=0
apt_install() { # best effort; returns non-zero when it could not
	((EUID == 0)) && command -v apt-get >/dev/null 2>&1 || return 1
	if ((apt_updated == 0)); then
		apt-get update -qq >&2 || return 1
		apt_updated=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

# run_timed OUT CMD...: CMD with stdout+stderr to OUT under the timeout; prints wall seconds;
# returns CMD's exit code (124: timed out).
run_timed() {
	local out=$1 t0 t1 rc=0
	shift
	t0=$(now)
	timeout "$TIMEOUT" "$@" >"$out" 2>&1 || rc=$?
	t1=$(now)
	calc "%.6f" "$t1 - $t0"
	return $rc
}

# best_of N CLEAN CMD...: best wall time of N runs, running the shell function CLEAN (or
# `:`) after each, untimed; stops at the first run that does not exit 0. Prints "SECONDS RC".
best_of() {
	local n=$1 clean=$2 best="" t rc=0 i
	shift 2
	for ((i = 0; i < n; i++)); do
		rc=0
		t=$(run_timed /dev/null "$@") || rc=$?
		"$clean"
		((rc == 0)) || break
		if [[ -z "$best" ]] || awk "BEGIN { exit !($t < $best) }"; then best=$t; fi
	done
	printf '%s %s\n' "${best:--}" "$rc"
}

# journal_counts JOURNAL: "RECORDS BYTES SYNCED" of a journal (tests/run/journal-dump.py), or
# "- - -". SYNCED: the records fdatasync'd as they were appended, by the runtime's rule
# (docs/journal.md, "Durability": all but step-done; a build older than that rule syncs
# every record, so pass --all-synced for one).
journal_counts() {
	local dump=$ROOT/tests/run/journal-dump.py
	[[ -f "$1" && -f "$dump" ]] || { echo "- - -"; return; }
	python3 "$dump" --summary "$1" 2>/dev/null |
		ALL_SYNCED=$ALL_SYNCED python3 -c 'import json,os,sys; d=json.load(sys.stdin); r=d["records"]
print(len(r), d.get("size", "-"), len(r) if os.environ["ALL_SYNCED"] == "1" else
      sum(1 for x in r if x["kind"] != "step-done"))' 2>/dev/null ||
		echo "- - -"
}

# The result table: one row per figure; goal rows say met or missed.
ROWS=()
row() { ROWS+=("$(printf '%-48s %7s %14s %-9s %10s %-10s %s' "$@")"); }
NOTES=()
note() { NOTES+=("$*"); say "$*"; }

# ---- tools and build -----------------------------------------------------------------------
section "tools"
command -v python3 >/dev/null || { say "bench: python3 is needed for the generators"; exit 1; }
command -v cc >/dev/null || { say "bench: cc is needed for bench/floor.c"; exit 1; }
if ((ANSIBLE)) && ! command -v ansible-playbook >/dev/null 2>&1; then
	say "installing ansible-core (for the comparison)"
	apt_install ansible-core || true
fi
mkdir -p "$WORK/plans"
WORK=$(realpath "$WORK")
if [[ -z "$HOTPLAN" ]]; then
	[[ -n "$BUILD" ]] || BUILD=$WORK/build
	section "build (Release, $BUILD)"
	if [[ ! -f "$BUILD/CMakeCache.txt" ]]; then
		cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DHOTPLAN_WERROR=OFF
	fi
	cmake --build "$BUILD" -j"${JOBS:-2}" --target hotplan model_bench
	HOTPLAN=$BUILD/hotplan
fi
[[ -x "$HOTPLAN" ]] || { say "bench: no hotplan binary at $HOTPLAN"; exit 1; }
HOTPLAN=$(realpath "$HOTPLAN")
say "hotplan: $HOTPLAN ($("$HOTPLAN" --version 2>/dev/null | head -1 || echo 'no --version'))"
say "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" status --porcelain 2>/dev/null | grep -q . && echo ' (with uncommitted changes)')"
cc -O2 -o "$WORK/floor" "$BENCH/floor.c"
MODEL_BENCH=""
# model_bench is a target of the same build (bench/CMakeLists.txt), beside the hotplan binary
if [[ -x "$(dirname "$HOTPLAN")/bench/model_bench" ]]; then
	MODEL_BENCH=$(dirname "$HOTPLAN")/bench/model_bench
else
	say "model_bench: not built beside $HOTPLAN (build its target model_bench): the model-alone figure is left out"
fi

STATE=${BENCH_STATE_DIR:-$WORK/state}   # the local: runs' state dir: journals in $STATE/runs
rm -rf "$STATE"
mkdir -p "$STATE/runs"
STATE=$(realpath "$STATE")
# Every path from here on is absolute; run from the work directory, so that what the runs
# find relative to the working directory (./plans/profiles) is the same wherever the script
# was started: the plans here use only `exec` and `wait`, which need no profile.
cd "$WORK"
say "state dir (journals, the floor's file): $STATE ($(df -PT "$STATE" | awk 'NR == 2 { print $2 " on " $1 }'))"
clean_state() { rm -rf "$STATE"/runs/*; }

# ---- 1 and 2: the floor and local: ---------------------------------------------------------
section "floor and hotplan run on local: (best of $RUNS, the two interleaved)"
INV=$WORK/plans/local.inventory
printf 'target bench standalone { node "local" address "local:" }\n' >"$INV"
declare -A FLOOR HP
for n in $STEPS; do
	plan=$WORK/plans/local-$n.hplan
	python3 "$BENCH/genrunplan.py" --steps "$n" -o "$plan" 2>/dev/null
	# one run that keeps its output: does it run at all, and what did it journal
	out=$WORK/local-$n.txt
	clean_state
	rc=0
	HOTPLAN_STATE_DIR=$STATE run_timed "$out" "$HOTPLAN" run "$plan" --inventory "$INV" --yes --log json >/dev/null || rc=$?
	recs=- syncs=-
	if ((rc == 0)); then
		js=("$STATE"/runs/*.journal)
		read -r recs _ syncs < <(journal_counts "${js[0]}")
	fi
	clean_state
	# rounds of floor, then hotplan: the best of each (a busy machine drifts; interleaving
	# gives both the same chances)
	# and the floor with as many synced appends per step as hotplan makes (info: how much of
	# the difference is the journal's sync count, how much the runner)
	k=2
	[[ "$syncs" == - ]] || k=$(calc "%.0f" "$syncs / $n")
	fl="" sp="" sy="" fk="" t=""
	for ((r = 0; r < RUNS; r++)); do
		read -r _ _ _ f1 s1 y1 <<<"$("$WORK/floor" -n "$n" -d "$STATE/runs" -r 1)"
		f1=${f1#step_us=} s1=${s1#spawn_us=} y1=${y1#sync_us=}
		[[ -n "$fl" ]] && awk "BEGIN { exit !($f1 >= $fl) }" || fl=$f1
		[[ -n "$sp" ]] && awk "BEGIN { exit !($s1 >= $sp) }" || sp=$s1
		[[ -n "$sy" ]] && awk "BEGIN { exit !($y1 >= $sy) }" || sy=$y1
		if ((k != 2)); then
			read -r _ _ _ f1 _ <<<"$("$WORK/floor" -n "$n" -d "$STATE/runs" -r 1 -k "$k")"
			f1=${f1#step_us=}
			[[ -n "$fk" ]] && awk "BEGIN { exit !($f1 >= $fk) }" || fk=$f1
		fi
		if ((rc == 0)); then
			read -r t1 rc < <(HOTPLAN_STATE_DIR=$STATE best_of 1 clean_state "$HOTPLAN" run "$plan" --inventory "$INV" --yes --log json)
			if ((rc == 0)); then
				[[ -n "$t" ]] && awk "BEGIN { exit !($t1 >= $t) }" || t=$t1
			fi
		fi
	done
	FLOOR[$n]=$fl
	say "floor, $n steps: $fl us/step (halves alone: spawn $sp us, 2 appends+fdatasync $sy us)"
	row "floor: sh -c /bin/true + 2x(append+fdatasync)" "$n" "$fl" "us/step" "" "" ""
	if ((rc != 0)) || [[ -z "$t" ]]; then
		why=$(grep -v 'HP205\|^ \|^$\|: [0-9]* warnings\?$' "$out" | tail -1)
		note "hotplan run on local:, $n steps: exit $rc (${why:-see $out}): no figure"
		row "hotplan run, local:" "$n" "exit=$rc" "" "" "<= ${GOAL_FLOOR}x" "not measured"
		continue
	fi
	us=$(calc "%.1f" "$t * 1e6 / $n")
	HP[$n]=$us
	ratio=$(calc "%.2f" "$us / $fl")
	rps=- sps=-
	[[ "$recs" == - ]] || rps=$(calc "%.2f" "$recs / $n")
	[[ "$syncs" == - ]] || sps=$(calc "%.2f" "$syncs / $n")
	say "hotplan run, $n steps: $(calc "%.3f" "$t") s, $us us/step, ${ratio}x the floor; journal: $recs records ($rps per step, $sps of them fdatasync'd)"
	row "hotplan run, local: exec /bin/true" "$n" "$us" "us/step" "${ratio}x" "<= ${GOAL_FLOOR}x" "$(met "$us <= $GOAL_FLOOR * $fl")"
	[[ "$rps" == - ]] || row "  journal records per step" "$n" "$rps" "rec/step" "" "" ""
	[[ "$sps" == - ]] || row "  of which fdatasync'd as appended" "$n" "$sps" "rec/step" "" "" ""
	if [[ -n "$fk" ]]; then
		say "floor with $k appends+fdatasync per step (hotplan's sync count): $fk us/step; hotplan $(calc "%.2f" "$us / $fk")x that"
		row "  floor with $k appends/step (hotplan's syncs)" "$n" "$fk" "us/step" "$(calc "%.2f" "$us / $fk")x" "(info)" ""
	fi
	# what of it is loading: start-up, parse, check, one HP205 warning per exec (to /dev/null)
	read -r ct _ < <(best_of "$RUNS" : "$HOTPLAN" check "$plan")
	[[ "$ct" == - ]] || row "  of which hotplan check of the plan" "$n" "$(calc "%.1f" "$ct * 1e6 / $n")" "us/step" "" "" ""
done
# the marginal cost: the difference of the two largest sizes, start-up and check taken off
sizes=()
for n in $STEPS; do [[ -n "${HP[$n]:-}" ]] && sizes+=("$n"); done
if ((${#sizes[@]} >= 2)); then
	a=${sizes[-2]} b=${sizes[-1]}
	m=$(calc "%.1f" "(${HP[$b]} * $b - ${HP[$a]} * $a) / ($b - $a)")
	row "hotplan run, local:, marginal ($a -> $b)" "$b" "$m" "us/step" "$(calc "%.2f" "$m / ${FLOOR[$b]}")x" "(info)" ""
fi

# ---- 3: ansible ------------------------------------------------------------------------------
HP_REF=""
for n in $STEPS; do [[ -n "${HP[$n]:-}" ]] && HP_REF=$n; done
if ((ANSIBLE == 0)); then
	note "ansible: skipped (--no-ansible)"
elif ! command -v ansible-playbook >/dev/null 2>&1; then
	note "ansible: ansible-playbook is not available (Debian package ansible-core): no comparison"
else
	section "ansible-playbook, connection: local ($ANS_TASKS tasks and 1 task, best of $RUNS)"
	printf 'localhost ansible_connection=local ansible_python_interpreter=%s\n' "$(command -v python3)" >"$WORK/plans/ansible.ini"
	mkdir -p "$WORK/ansible-tmp"
	export ANSIBLE_LOCAL_TEMP=$WORK/ansible-tmp ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0
	for k in 1 "$ANS_TASKS"; do
		python3 "$BENCH/genrunplaybook.py" --tasks "$k" -o "$WORK/plans/run-$k-tasks.yml" 2>/dev/null
	done
	aver=$(ansible-playbook --version 2>/dev/null | head -1)
	rc=0
	run_timed "$WORK/ansible.txt" ansible-playbook -i "$WORK/plans/ansible.ini" "$WORK/plans/run-$ANS_TASKS-tasks.yml" >/dev/null || rc=$?
	if ((rc != 0)); then
		note "ansible: the playbook failed (exit $rc, see $WORK/ansible.txt): no figure"
	else
		read -r at _ < <(best_of "$RUNS" : ansible-playbook -i "$WORK/plans/ansible.ini" "$WORK/plans/run-$ANS_TASKS-tasks.yml")
		read -r a1 _ < <(best_of "$RUNS" : ansible-playbook -i "$WORK/plans/ansible.ini" "$WORK/plans/run-1-tasks.yml")
		per=$(calc "%.1f" "$at * 1000 / $ANS_TASKS")
		marg=$(calc "%.1f" "($at - $a1) * 1000 / ($ANS_TASKS - 1)")
		say "$aver: $ANS_TASKS tasks $(calc "%.3f" "$at") s ($per ms/task), 1 task $(calc "%.3f" "$a1") s; marginal $marg ms/task"
		row "ansible-playbook, local, command /bin/true" "$ANS_TASKS" "$per" "ms/task" "" "" ""
		row "ansible-playbook, marginal (1 -> $ANS_TASKS)" "$ANS_TASKS" "$marg" "ms/task" "" "" ""
		if [[ -n "$HP_REF" ]]; then
			r=$(calc "%.0f" "$marg * 1000 / ${HP[$HP_REF]}")
			row "ansible marginal / hotplan local: ($HP_REF)" "" "" "" "${r}x" ">= ${GOAL_ANSIBLE}x" "$(met "$r >= $GOAL_ANSIBLE")"
		else
			note "ansible: no hotplan local: figure to compare with"
			row "ansible / hotplan local:" "" "" "" "-" ">= ${GOAL_ANSIBLE}x" "not measured"
		fi
	fi
fi

# ---- 4: sim ----------------------------------------------------------------------------------
section "sim: $SIM_STEPS steps of \`wait 1s\` (--pace 0), state dir on tmpfs; the model alone"
SHM=""
for d in /dev/shm "${XDG_RUNTIME_DIR:-}"; do
	[[ -n "$d" && -d "$d" && -w "$d" ]] && [[ "$(df -PT "$d" | awk 'NR == 2 { print $2 }')" == tmpfs ]] && { SHM=$d; break; }
done
splan=$WORK/plans/sim-$SIM_STEPS.hplan
python3 "$BENCH/genrunplan.py" --steps "$SIM_STEPS" --action wait -o "$splan" 2>/dev/null
if [[ -z "$SHM" ]]; then
	note "sim: no writable tmpfs (/dev/shm): the end-to-end figure would measure the disk; left out"
else
	SSTATE=$SHM/hotplan-bench-$$
	rm -rf "$SSTATE"
	mkdir -p "$SSTATE"
	clean_sim() { rm -rf "$SSTATE"/runs; }
	rc=0
	HOTPLAN_STATE_DIR=$SSTATE run_timed "$WORK/sim.txt" "$HOTPLAN" run "$splan" --log json >/dev/null || rc=$?
	if ((rc != 0)); then
		note "sim: hotplan run exited $rc (see $WORK/sim.txt): no figure"
	else
		js=("$SSTATE"/runs/*.journal)
		read -r recs _ syncs < <(journal_counts "${js[0]}")
		clean_sim
		read -r ct _ < <(best_of "$RUNS" : "$HOTPLAN" check "$splan")
		say "hotplan check of the same plan: $(calc "%.3f" "$ct") s; the run's journal: $recs records"
		for log in json text; do
			read -r st _ < <(HOTPLAN_STATE_DIR=$SSTATE best_of "$RUNS" clean_sim "$HOTPLAN" run "$splan" --log "$log")
			if [[ "$st" == - ]]; then
				row "hotplan run, sim:, --log $log" "$SIM_STEPS" "failed" "" "" ">= 1M/s" "not measured"
				continue
			fi
			aps=$(calc "%.0f" "$SIM_STEPS / $st")
			walk=-
			awk "BEGIN { exit !($st > $ct * 1.1) }" && walk=$(calc "%.0f" "$SIM_STEPS / ($st - $ct)")
			say "hotplan run --log $log: $(calc "%.3f" "$st") s for $SIM_STEPS actions ($aps/s; $walk/s without the check's time)"
			row "hotplan run, sim:, tmpfs, --log $log" "$SIM_STEPS" "$aps" "actions/s" "" ">= 1M/s" "$(met "$aps >= $GOAL_SIM")"
			[[ "$walk" == - ]] ||
				row "  same, minus hotplan check of the plan" "$SIM_STEPS" "$walk" "actions/s" "" ">= 1M/s" "$(met "$walk >= $GOAL_SIM")"
		done
		[[ "$recs" == - ]] || row "  journal records per action" "" "$(calc "%.2f" "$recs / $SIM_STEPS")" "rec/act" "" "" ""
		[[ "$syncs" == - ]] || row "  of which fdatasync'd as appended" "" "$(calc "%.2f" "$syncs / $SIM_STEPS")" "rec/act" "" "" ""
		# what the durable journal alone allows on this tmpfs: K appends+fdatasync per action
		k=2
		[[ "$syncs" == - ]] || k=$(calc "%.0f" "$syncs / $SIM_STEPS")
		for kk in $(printf '%s\n' 1 "$k" | sort -un); do
			mkdir -p "$SSTATE/floor"
			read -r _ _ _ fl _ <<<"$("$WORK/floor" -S -k "$kk" -n "$SIM_STEPS" -d "$SSTATE/floor" -r "$RUNS")"
			fl=${fl#step_us=}
			say "journal floor on tmpfs, $kk append(s)+fdatasync per action: $fl us/action, at most $(calc "%.0f" "1e6 / $fl") actions/s"
			row "  floor: $kk append+fdatasync/action (tmpfs)" "$SIM_STEPS" "$(calc "%.0f" "1e6 / $fl")" "actions/s" "" "(ceiling)" ""
		done
	fi
	rm -rf "$SSTATE"
fi
if [[ -n "$MODEL_BENCH" ]]; then
	for kind in standalone cluster; do
		line=$("$MODEL_BENCH" -k "$kind" -t 1 -s "affected=First Storage Group/Mailbox Store (SIM)" "$ROOT/plans/ese-hotfix.hplan" 2>&1) || {
			note "model_bench ($kind): $line"
			continue
		}
		say "$line"
		ap=$(sed -n 's/.*apply_per_s=\([0-9]*\).*/\1/p' <<<"$line")
		gp=$(sed -n 's/.*guard_per_s=\([0-9]*\).*/\1/p' <<<"$line")
		na=$(sed -n 's/.*actions_per_pass=\([0-9]*\).*/\1/p' <<<"$line")
		row "model alone, canonical $kind: model_apply" "$na" "$ap" "actions/s" "" ">= 1M/s" "$(met "$ap >= $GOAL_SIM")"
		row "  guard (copy+apply+report) + effect" "$na" "$gp" "actions/s" "" ">= 1M/s" "$(met "$gp >= $GOAL_SIM")"
	done
fi

# ---- 5: ssh ----------------------------------------------------------------------------------
# ssh_bench: inside the harness's subshell (SSH_TARGET_PORT, SSH_TARGET_USER, HOTPLAN_SSH_OPTIONS
# set, sshd running). In rounds (best of RUNS each): SSH_STEPS raw `ssh -S CP ... true` on a
# ControlMaster this function starts; the same with the remote command hotplan's transport
# sends (`exec /bin/sh -c WRAPPER hotplan /bin/true`, WRAPPER read from transport_ssh.c, stdin
# held open as the transport holds it): what the remote side costs apart from the runner; and
# `hotplan run` of SSH_STEPS exec steps on ssh://USER@127.0.0.1:PORT. Rows go to
# $WORK/ssh-rows.txt as "row ..." / "note ..." lines.
srow() { echo "row $(printf '%-48s %7s %14s %-9s %10s %-10s %s' "$@")" >>"$WORK/ssh-rows.txt"; }
snote() { say "$*"; echo "note $*" >>"$WORK/ssh-rows.txt"; }
squote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
ssh_wrapper() { # the transport's remote wrapper, from its source (C string literals joined)
	python3 - "$ROOT/runtime/transport_ssh.c" <<-'PY' 2>/dev/null
		import re, sys
		src = open(sys.argv[1]).read()
		m = re.search(r'ssh_wrapper\[\]\s*=\s*((?:\s*"(?:[^"\\]|\\.)*")+)\s*;', src)
		if not m:
		    sys.exit(1)
		s = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1)))
		sys.stdout.write(re.sub(r'\\(.)', lambda x: {"n": "\n", "t": "\t"}.get(x.group(1), x.group(1)), s))
	PY
}
ssh_bench() {
	local port=$SSH_TARGET_PORT user=${SSH_TARGET_USER:-root} n=$SSH_STEPS
	local cmdir cp raw rc=0 r t1 t_raw="" t_wrap="" t_hp="" wrap="" remote="" us wus hus out plan inv why
	# shellcheck disable=SC2206
	local opts=($HOTPLAN_SSH_OPTIONS -o BatchMode=yes -o StrictHostKeyChecking=yes)
	cmdir=$(mktemp -d "${TMPDIR:-/tmp}/hp-bench-cm-XXXXXX")
	cp=$cmdir/cm
	if ! ssh "${opts[@]}" -o ControlMaster=yes -o ControlPath="$cp" -o ControlPersist=600 -f -N \
		-p "$port" -l "$user" 127.0.0.1 </dev/null; then
		snote "ssh: could not start a ControlMaster on $cp: no figure"
		rm -rf "$cmdir"
		return 0
	fi
	raw=$WORK/ssh-raw.sh
	cat >"$raw" <<-'SH'
		#!/usr/bin/env bash
		# ssh-raw.sh N CP PORT USER REMOTE HOLD OPTS...: N multiplexed `ssh ... REMOTE`, one after
		# another; stdin from /dev/null, or (HOLD=1) a pipe held open and never written.
		n=$1 cp=$2 port=$3 user=$4 remote=$5 hold=$6
		shift 6
		trap 'exit 1' INT TERM
		if ((hold)); then
			exec 3< <(exec sleep 86400)
			sp=$!
			trap 'kill "$sp" 2>/dev/null' EXIT
		else
			exec 3</dev/null
		fi
		for ((i = 0; i < n; i++)); do
			ssh "$@" -S "$cp" -p "$port" -l "$user" -- 127.0.0.1 "$remote" <&3 >/dev/null || exit 1
		done
	SH
	chmod +x "$raw"
	if wrap=$(ssh_wrapper) && [[ -n "$wrap" ]]; then
		remote="exec /bin/sh -c $(squote "$wrap") hotplan $(squote /bin/true)"
	else
		snote "ssh: the remote wrapper was not found in runtime/transport_ssh.c: that row is left out"
	fi
	plan=$WORK/plans/local-$n.hplan
	[[ -f "$plan" ]] || python3 "$BENCH/genrunplan.py" --steps "$n" -o "$plan" 2>/dev/null
	inv=$WORK/plans/ssh.inventory
	printf 'target bench_ssh standalone { node "ssh" address "ssh://%s@127.0.0.1:%s" }\n' "$user" "$port" >"$inv"
	out=$WORK/ssh-$n.txt
	clean_state
	HOTPLAN_STATE_DIR=$STATE run_timed "$out" "$HOTPLAN" run "$plan" --inventory "$inv" --yes --log json >/dev/null || rc=$?
	clean_state
	if ((rc != 0)); then
		why=$(grep -v 'HP205\|^ \|^$\|: [0-9]* warnings\?$' "$out" | tail -1)
		snote "ssh: hotplan run on ssh:// exited $rc (${why:-see $out}): no hotplan figure"
	fi
	local hprc=$rc
	for ((r = 0; r < RUNS; r++)); do
		read -r t1 rc < <(best_of 1 : "$raw" "$n" "$cp" "$port" "$user" true 0 "${opts[@]}")
		((rc == 0)) && { [[ -n "$t_raw" ]] && awk "BEGIN { exit !($t1 >= $t_raw) }" || t_raw=$t1; }
		if [[ -n "$remote" ]]; then
			read -r t1 rc < <(best_of 1 : "$raw" "$n" "$cp" "$port" "$user" "$remote" 1 "${opts[@]}")
			((rc == 0)) && { [[ -n "$t_wrap" ]] && awk "BEGIN { exit !($t1 >= $t_wrap) }" || t_wrap=$t1; }
		fi
		if ((hprc == 0)); then
			read -r t1 rc < <(HOTPLAN_STATE_DIR=$STATE best_of 1 clean_state "$HOTPLAN" run "$plan" --inventory "$inv" --yes --log json)
			((rc == 0)) && { [[ -n "$t_hp" ]] && awk "BEGIN { exit !($t1 >= $t_hp) }" || t_hp=$t1; }
		fi
	done
	ssh "${opts[@]}" -S "$cp" -O exit -p "$port" -l "$user" 127.0.0.1 2>/dev/null || true
	rm -rf "$cmdir"
	if [[ -z "$t_raw" ]]; then
		snote "ssh: the raw ssh loop failed: no figure"
		return 0
	fi
	us=$(calc "%.1f" "$t_raw * 1e6 / $n")
	say "raw ssh -S CP -p $port $user@127.0.0.1 true: $n in $(calc "%.3f" "$t_raw") s, $us us each"
	srow "raw ssh -S CONTROLPATH host true" "$n" "$us" "us/cmd" "" "" ""
	if [[ -n "$t_wrap" ]]; then
		wus=$(calc "%.1f" "$t_wrap * 1e6 / $n")
		say "raw ssh -S CP ... 'exec /bin/sh -c WRAPPER hotplan /bin/true' (stdin held): $wus us each"
		srow "  raw ssh, hotplan's remote wrapper + /bin/true" "$n" "$wus" "us/cmd" "$(calc "%.2f" "$wus / $us")x" "(info)" ""
	fi
	if [[ -z "$t_hp" ]]; then
		srow "hotplan run, ssh:// exec /bin/true" "$n" "failed" "" "" "<= ${GOAL_SSH}x" "not measured"
		return 0
	fi
	hus=$(calc "%.1f" "$t_hp * 1e6 / $n")
	say "hotplan run on ssh://: $n steps in $(calc "%.3f" "$t_hp") s, $hus us/step, $(calc "%.2f" "$hus / $us")x raw ssh"
	srow "hotplan run, ssh:// exec /bin/true" "$n" "$hus" "us/step" "$(calc "%.2f" "$hus / $us")x" "<= ${GOAL_SSH}x" "$(met "$hus <= $GOAL_SSH * $us")"
	srow "  hotplan minus raw ssh true" "$n" "$(calc "%.1f" "$hus - $us")" "us/step" "" "(info)" ""
}

HARNESS=$ROOT/tests/ssh/sshd-harness.sh
if ((SSH == 0)); then
	note "ssh: skipped (--no-ssh)"
elif [[ ! -f "$HARNESS" ]]; then
	note "ssh: $HARNESS does not exist (yet): the ssh:// comparison is left out"
else
	section "ssh:// against raw ssh -S CONTROLPATH true ($SSH_STEPS commands, best of $RUNS)"
	# The harness exits the shell that sources it when it cannot start sshd ("SKIP: ..."), and
	# stops sshd from an EXIT trap: source it in a subshell, which hands its rows back in a file.
	: >"$WORK/ssh-rows.txt"
	(
		# shellcheck source=/dev/null
		. "$HARNESS"
		ssh_bench
	) || note "ssh: the harness or the benchmark failed (exit $?)"
	while IFS= read -r r; do
		case $r in
		row\ *) ROWS+=("${r#row }") ;;
		note\ *) NOTES+=("${r#note }") ;;
		esac
	done <"$WORK/ssh-rows.txt"
	grep -q . "$WORK/ssh-rows.txt" || note "ssh: not measured (the harness skipped or failed: see above)"
fi

# ---- the table -------------------------------------------------------------------------------
section "results"
printf '%s, %s core(s), %s; best of %s runs; per-step figures are end to end (process start-up,\n' \
	"$(uname -m)" "$(nproc)" "$(os_name)" "$RUNS"
printf 'plan check and journal included) unless marked marginal\n\n'
printf '%-48s %7s %14s %-9s %10s %-10s %s\n' "what" "N" "value" "unit" "ratio" "goal" "result"
for r in "${ROWS[@]}"; do printf '%s\n' "$r"; done
if ((${#NOTES[@]})); then
	printf '\n'
	for n in "${NOTES[@]}"; do printf '%s\n' "$n"; done
fi
printf '\nplans, playbooks and outputs: %s\n' "$WORK"
