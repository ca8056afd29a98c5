#!/usr/bin/env bash
# run-secret-argv.sh: a secret never in a process's argv (issue 11, finding 8; docs/hardening.md,
# "Secrets"). A real run on local: of an exec whose line holds a `secret` param's value (from
# the inventory: hotplan's own argv holds only the file's name) and sleeps, while
# scan_cmdline.py reads every /proc/*/cmdline, every 5 ms: the value is never found there (it
# was in `/bin/sh -c LINE` before: readable by every local user). The command still gets it,
# byte for byte. A control run shows the scanner finds a value that is in an argv.
# With SECRET_ARGV_SSH=1 (tests/hostile/run-secret-argv-ssh.sh) the node is ssh:// through a
# real sshd on 127.0.0.1 (tests/ssh/sshd-harness.sh; skipped when there is none): the value
# is then neither in the ssh client's argv nor in any process the session starts on the node
# (the node is this machine: the scan sees both sides).
. "$HOTPLAN_SOURCE_DIR/tests/local/lib.sh"
SCANNER=
stop_scanner() { [[ -z $SCANNER ]] || kill "$SCANNER" 2>/dev/null || true; }
ADDRESS=local:
if [[ -n ${SECRET_ARGV_SSH:-} ]]; then
	. "$SRC/tests/ssh/sshd-harness.sh"
	trap 'stop_scanner; sshd_harness_stop; local_cleanup' EXIT   # the harness set its own
	ADDRESS=$SSH_TARGET_URL
else
	trap 'stop_scanner; local_cleanup' EXIT
fi
cd "$TMP"
MARK="Hunter2-$RANDOM$RANDOM"
printf '%s' "$MARK" >"$TMP/secret"

cat >secret.hplan <<'PLAN'
plan secret_argv "A command that holds a secret and takes its time" {
    param password : string secret "the service account's password"
    param out : string "where the command writes it"
    procedure standalone {
        step use "Use the password" {
            exec "sleep 2; printf '%s' ${password} > ${out}; sleep 1"
        }
    }
}
PLAN
write_inventory inv.hplan <<INV
target box standalone {
    node "box" address "$ADDRESS"
    set password = "$MARK"
    set out = "$TMP/got"
}
INV

# scan while COMMAND... runs; the scanner's verdict in $scan_rc, its report in scan.txt
scan_during() {
	rm -f "$TMP/done"
	python3 "$SRC/tests/hostile/scan_cmdline.py" "$TMP/secret" "$TMP/done" >"$TMP/scan.txt" 2>"$TMP/scan.err" &
	SCANNER=$!
	"$@"
	touch "$TMP/done"
	scan_rc=0
	wait "$SCANNER" || scan_rc=$?
	SCANNER=
}

# the control: a value in an argv is found
scan_during python3 -c 'import time; time.sleep(0.5)' "$MARK"
[[ $scan_rc == 1 ]] || fail "the scanner did not find a value in an argv: $(cat "$TMP/scan.txt" "$TMP/scan.err")"

# the run: never in an argv
scan_during run 0 run secret.hplan --inventory inv.hplan --yes
says "completed"
[[ $scan_rc == 0 ]] || fail "the secret was in an argv: $(cat "$TMP/scan.txt")"
[[ $(cat "$TMP/got") == "$MARK" ]] || fail "the command got '$(cat "$TMP/got")'"
grep -q "passes" "$TMP/scan.err" || fail "the scanner did not run: $(cat "$TMP/scan.err")"
passes=$(sed -n 's/^scan_cmdline: \([0-9]*\) passes.*/\1/p' "$TMP/scan.err")
((passes >= 50)) || fail "the scanner looked only $passes times"
grep -rqF -- "$MARK" "$HOTPLAN_STATE_DIR" && fail "the secret is in the state directory"
echo "PASS"
