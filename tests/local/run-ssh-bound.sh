#!/usr/bin/env bash
# run-ssh-bound.sh: issue 11's journal findings over ssh:// (a real sshd on 127.0.0.1,
# tests/ssh/sshd-harness.sh; skipped when there is none). A run on an ssh:// node is killed
# (SIGKILL) while `exec "… sleep …"` runs there:
#  - its journal names the command's process group (the local ssh client's: action-process);
#  - the node's address changed in the inventory (another spelling of the same port, as a
#    moved node would be): the resume is refused, exit 2, the address change named; a copy of
#    the journal is refused, exit 5;
#  - with the inventory as it was, an immediate resume goes on once the command left behind
#    has ended (the ssh session's end stops it: docs/transports.md), and the step's second run
#    is the one that finishes.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$SRC/tests/ssh/sshd-harness.sh"
trap 'sshd_harness_stop; local_cleanup' EXIT   # the harness set its own: both run

cd "$TMP"
LOG=$TMP/steps.log
cat >plan.hplan <<PLAN
plan over_ssh "A slow second step, over ssh" {
    procedure standalone {
        step a "First" { exec "echo a >>'$LOG'" }
        step b "Slow the first time" {
            exec "echo b-start >>'$LOG'; if [ ! -e '$TMP/slow' ]; then : >'$TMP/slow'; sleep 5; fi; echo b-end >>'$LOG'"
        }
        step c "Third" { exec "echo c >>'$LOG'" }
    }
}
PLAN
inventory() {
	cat >inv.hplan <<INV
target remote standalone {
    node "ex1" address "$1"
}
INV
}
inventory "$SSH_TARGET_URL"

"$HOTPLAN" run plan.hplan --inventory inv.hplan --yes >"$TMP/out.txt" 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 300); do
	grep -qx b-start "$LOG" 2>/dev/null && break
	sleep 0.02
done
grep -qx b-start "$LOG" || fail "step b did not start over ssh: $(cat "$TMP/out.txt")"
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
journal=$(ls "$HOTPLAN_STATE_DIR"/runs/*.journal)
python3 -B - "$journal" <<'PY' || fail "the journal does not name the ssh client's process group"
import os, sys
sys.path.insert(0, os.path.join(os.environ["HOTPLAN_SOURCE_DIR"], "tests", "run"))
from hp_e2e import decode
recs = [r for r in decode(sys.argv[1])["records"] if r["kind"] == "action-process" and r["step_name"] == "b"]
assert len(recs) == 1 and recs[0]["node"] == "ex1", recs
f = dict(kv.split("=", 1) for kv in recs[0]["message"].split())
assert int(f["pgid"]) > 0 and int(f["runner"]) > 0, f
PY

# the node's address spelled otherwise: refused before anything is reached
inventory "ssh://$SSH_TARGET_USER@localhost:$SSH_TARGET_PORT"
run 2 resume "$journal" --yes
says "node ex1's address changed: $SSH_TARGET_URL → ssh://$SSH_TARGET_USER@localhost:$SSH_TARGET_PORT"
says "resume refused, nothing was run"
inventory "$SSH_TARGET_URL"
cp -p "$journal" "$TMP/copy.journal"
run 5 resume "$TMP/copy.journal" --yes
says "is not the journal of run"

# an immediate resume: never step b twice at once; its second run finishes
run 0 resume "$journal" --yes
[[ $(grep -c . "$LOG") -ge 4 && $(grep -cx b-end "$LOG") == 1 && $(tail -n 2 "$LOG" | tr '\n' ' ') == "b-end c " ]] ||
	fail "the steps that ran: $(tr '\n' ' ' <"$LOG")"
[[ $(head -n 2 "$LOG" | tr '\n' ' ') == "a b-start " ]] || fail "the steps that ran: $(tr '\n' ' ' <"$LOG")"
echo "PASS"
