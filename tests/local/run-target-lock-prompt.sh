#!/usr/bin/env bash
# run-target-lock-prompt.sh: a run waiting at its y/N prompt holds the target's lock, taken
# before the live state was read (issue 11, finding 7; docs/locks.md, "Order"). Real runs on
# local:, the prompt answered on a real terminal (a pty):
#
#  1. run A waits at the prompt; run B (another state directory) exits 5 naming A, and changes
#     nothing; A, answered yes, acts.
#  2. run B acts (holds the lock); run A started meanwhile is refused (exit 5) before it reads
#     anything or asks anything: no prompt is shown. Once B ended, A reads the target as B left
#     it: B's step installed a hotfix that A's plan requires absent, so A's preflight fails
#     (exit 1) on the fresh state, before it asks, instead of acting on an old read.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$TMP"
command -v python3 >/dev/null || { echo "SKIP: python3 is needed for the pty"; exit 77; }
LOCK=$HOTPLAN_LOCK_PATH

write_inventory inv.hplan <<'INV'
target box standalone {
    node "box" address "local:"
}
INV
cat >mark.hplan <<PLAN
plan mark "Leave a mark" {
    procedure standalone {
        step mark "Mark" { exec "echo \$PPID >/dev/null; echo A >>'$TMP/ran'" }
    }
}
PLAN
cat >hold.hplan <<PLAN
plan hold "Wait for go" {
    procedure standalone {
        step hold "Wait" {
            exec "echo B >>'$TMP/started'; while [ ! -e '$TMP/go' ]; do sleep 0.05; done; echo B >>'$TMP/ran'"
        }
    }
}
PLAN

# pty_run OUT ARGS...: hotplan ARGS on a pty; when it asks [y/N], touch $TMP/asked and wait for
# $TMP/answer, whose content is typed. Its output in OUT, its exit status in OUT.rc.
pty_run() {
	TMP=$TMP python3 -B - "$@" <<'PY'
import os, pty, select, sys, time
out, args = sys.argv[1], sys.argv[2:]
tmp = os.environ["TMP"]
pid, fd = pty.fork()
if pid == 0:
    os.execv(os.environ["HOTPLAN"], [os.environ["HOTPLAN"]] + args)
buf, asked, deadline = b"", False, time.time() + 60
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.05)
    if r:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        buf += chunk
    if not asked and b"[y/N]" in buf:
        asked = True
        open(os.path.join(tmp, "asked"), "w").close()
    if asked and os.path.exists(os.path.join(tmp, "answer")):
        os.write(fd, open(os.path.join(tmp, "answer"), "rb").read())
        os.unlink(os.path.join(tmp, "answer"))
_, status = os.waitpid(pid, 0)
open(out, "wb").write(buf)
open(out + ".rc", "w").write(str(os.waitstatus_to_exitcode(status)))
PY
}
wait_for() {
	local i
	for i in $(seq 1 500); do
		[[ -e $1 ]] && return 0
		sleep 0.02
	done
	fail "waited 10 s for $1"
}

# 1. A at its prompt holds the lock
rm -f asked answer ran
HOTPLAN_STATE_DIR=$TMP/sA pty_run "$TMP/a.txt" run mark.hplan --inventory inv.hplan &
a=$!
wait_for "$TMP/asked"
[[ -s $LOCK/holder ]] || fail "run A asks without holding the target's lock"
rid=$(sed -n 's/^run //p' "$LOCK/holder")
HOTPLAN_STATE_DIR=$TMP/sB run 5 run hold.hplan --inventory inv.hplan --yes
says "node box is locked by run $rid"
[[ ! -e $TMP/started ]] || fail "run B acted while run A waited at its prompt"
printf 'y\n' >"$TMP/answer"
wait "$a"
[[ $(cat "$TMP/a.txt.rc") == 0 ]] || fail "run A exited with $(cat "$TMP/a.txt.rc"): $(cat "$TMP/a.txt")"
grep -q "completed" "$TMP/a.txt" || fail "run A did not complete: $(cat "$TMP/a.txt")"
grep -qx A "$TMP/ran" || fail "run A's step did not run"
[[ ! -e $LOCK ]] || fail "run A left its lock"

# 2. B acts; A is refused before it reads or asks anything; then A reads what B left
S=$SB/box
make_server box
write_inventory sb.hplan <<INV
target box standalone {
    profile "posix-test"
    node "box" address "local:" { fact sandbox = "$S" }
    fact exchange.version = 6.5.7226.0
}
INV
cat >install.hplan <<PLAN
plan put_kb1 "Install the hotfix, held until go" {
    hotfix kb1 { package "kb1.exe" }
    procedure standalone {
        step hold "Wait" { exec "echo B >>'$TMP/started'; while [ ! -e '$TMP/go' ]; do sleep 0.05; done" }
        step put "Install" { install hotfix kb1 }
    }
}
PLAN
cat >needs-absent.hplan <<PLAN
plan needs_absent "Only where kb1 is absent" {
    hotfix kb1 { package "kb1.exe" }
    require not hotfix kb1 installed else "kb1 is installed already"
    procedure standalone {
        step mark "Mark" { exec "echo A2 >>'$TMP/ran'" }
    }
}
PLAN
rm -f asked answer go started
HOTPLAN_STATE_DIR=$TMP/sB "$HOTPLAN" run install.hplan --inventory sb.hplan --yes >"$TMP/b.txt" 2>&1 </dev/null &
b=$!
wait_for "$TMP/started"
HOTPLAN_STATE_DIR=$TMP/sA pty_run "$TMP/a.txt" run needs-absent.hplan --inventory sb.hplan
[[ $(cat "$TMP/a.txt.rc") == 5 ]] || fail "run A exited with $(cat "$TMP/a.txt.rc"), expected 5: $(cat "$TMP/a.txt")"
grep -q "node box is locked by run" "$TMP/a.txt" || fail "run A does not name the holder: $(cat "$TMP/a.txt")"
grep -qF "[y/N]" "$TMP/a.txt" && fail "run A asked before it had the lock: $(cat "$TMP/a.txt")"
touch "$TMP/go"
rc=0
wait "$b" || rc=$?
[[ $rc == 0 ]] || fail "run B exited with $rc: $(cat "$TMP/b.txt")"
[[ $(hpt "$S" hotfix-installed kb1; echo $?) == 0 ]] || fail "run B did not install kb1"
HOTPLAN_STATE_DIR=$TMP/sA pty_run "$TMP/a.txt" run needs-absent.hplan --inventory sb.hplan
[[ $(cat "$TMP/a.txt.rc") == 1 ]] || fail "run A exited with $(cat "$TMP/a.txt.rc"), expected 1: $(cat "$TMP/a.txt")"
grep -q "kb1 is installed already" "$TMP/a.txt" || fail "run A did not judge the fresh state: $(cat "$TMP/a.txt")"
grep -qx A2 "$TMP/ran" && fail "run A acted although kb1 was installed"
[[ ! -e $LOCK && ! -e $S/hotplan.lock ]] || fail "a run left its lock"
echo "PASS"
