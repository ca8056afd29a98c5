#!/usr/bin/env bash
# run-verify-reason-ssh.sh: a failed `verify file … version` over ssh:// says the version it
# read, as on local: (run-verify-reason.sh): a real sshd on 127.0.0.1 (tests/ssh/
# sshd-harness.sh; skipped when there is none), the posix-test sandbox on the other side.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$SRC/tests/ssh/sshd-harness.sh"
trap 'sshd_harness_stop; local_cleanup' EXIT   # the harness set its own: both run
cd "$TMP"

cat >verify.hplan <<'PLAN'
plan verify_reason "A verify that fails" {
    hotfix sql {
        file "sqlservr.exe" version 2007.100.2531.0
        package "hotfix/SQLServer2008-KB958734-x64.exe"
    }
    procedure standalone {
        step check "The update is in place" {
            verify file "sqlservr.exe" version == 2007.100.2531.0
        }
    }
}
PLAN
FAILED='FAIL verify file "sqlservr.exe" version == 2007.100.2531.0: '
RC=1   # the exit of a run whose verify fails in its first step: nothing was changed

S=$SB/sqln1
hpt "$S" init --node sqln1 --store "$MAILBOX" >/dev/null
sandbox=${S//\\/\\\\}
sandbox=${sandbox//\"/\\\"}
write_inventory ssh.hplan <<INV
target remote standalone {
    profile "posix-test"
    node "sqln1" address "$SSH_TARGET_URL" {
        fact sandbox = "$sandbox"
    }
}
INV
printf '2007.100.1600.0\n' >"$S/files/sqlservr.exe"
export HOTPLAN_STATE_DIR=$TMP/state-ssh
run "$RC" run verify.hplan --inventory ssh.hplan --yes
says "${FAILED}verification failed: file \"sqlservr.exe\" version == 2007.100.2531.0: sqln1 has sqlservr.exe 2007.100.1600.0"
grep -nE '(FAIL .*|failed.*): ?$' "$TMP/out.txt" && fail "a failure with an empty reason"
export HOTPLAN_STATE_DIR=$TMP/state-ssh-json
run "$RC" run verify.hplan --inventory ssh.hplan --yes --log json
python3 - "$TMP/out.txt" <<'PY' || fail "--log json: the action-failed message does not say the version read"
import json, sys
events = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.startswith("{")]
bad = [e for e in events if e["event"] == "action-failed"]
sys.exit(0 if bad and all("sqln1 has sqlservr.exe 2007.100.1600.0" in e.get("message", "") for e in bad) else 1)
PY
echo "PASS"
