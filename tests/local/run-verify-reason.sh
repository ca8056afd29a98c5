#!/usr/bin/env bash
# run-verify-reason.sh: a failed `verify` says what it found, on every kind of target:
#  1. sim: (the built-in simulated server): `verify file "sqlservr.exe" version == V` before
#     the hotfix is installed names the node and says the file is at the version it had before
#     the hotfix, which the simulated target does not know (the verify cannot hold), in the
#     text lines and in --log json's "message";
#  2. local: with the posix-test profile: the version read (a wrong one; a file the sandbox
#     lacks reads 0.0.0.0, the helper's convention);
#     a `wait until` of the same that times out says what its last look found;
#  3. local: with a profile whose probe fails on a missing file, and one whose probe prints
#     no version: the probe's own words;
#  4. ssh:// (run-verify-reason-ssh.sh): the same as 2.
#  5. an `ensure` false at the end: at the `ensure`, its message, then what was found.
# The FAIL line never ends with an empty reason, and neither does the run's last line.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
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

# no_empty_reason: no FAIL line and no "failed" line ends with ": " or ":"
no_empty_reason() {
	if grep -nE '(FAIL .*|failed.*): ?$' "$TMP/out.txt"; then
		fail "a failure with an empty reason"
	fi
}

# json_message: the action-failed event's message (of the run in out.txt) holds $1
json_message() {
	python3 - "$TMP/out.txt" "$1" <<'PY' || fail "--log json: no action-failed message holding: $2"
import json, sys
events = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.startswith("{")]
bad = [e for e in events if e["event"] == "action-failed"]
sys.exit(0 if bad and all(sys.argv[2] in e.get("message", "") for e in bad) else 1)
PY
}

# 1. sim:
export HOTPLAN_STATE_DIR=$TMP/state-sim
run "$RC" run verify.hplan --yes
says "${FAILED}sim-server has sqlservr.exe at the version it had before hotfix 'sql', which the simulated target does not know"
no_empty_reason
export HOTPLAN_STATE_DIR=$TMP/state-sim-json
run "$RC" run verify.hplan --yes --log json
json_message "sim-server has sqlservr.exe at the version it had before hotfix 'sql'"

# 2. local: posix-test
S=$SB/exchange1
hpt "$S" init --node exchange1 --store "$MAILBOX" >/dev/null
write_inventory local.hplan <<'INV'
target sql_server standalone {
    profile "posix-test"
    node "exchange1" address "local:"
}
INV
printf '2007.100.1600.0\n' >"$S/files/sqlservr.exe"
export HOTPLAN_STATE_DIR=$TMP/state-local
run "$RC" run verify.hplan --inventory local.hplan --yes
says "${FAILED}verification failed: file \"sqlservr.exe\" version == 2007.100.2531.0: exchange1 has sqlservr.exe 2007.100.1600.0"
no_empty_reason
export HOTPLAN_STATE_DIR=$TMP/state-local-json
run "$RC" run verify.hplan --inventory local.hplan --yes --log json
json_message "exchange1 has sqlservr.exe 2007.100.1600.0"
# a `wait until` that times out says what its last look found
sed 's/verify file "sqlservr.exe" version == 2007.100.2531.0/wait until file "sqlservr.exe" version == 2007.100.2531.0 timeout 1s/' \
	verify.hplan >wait.hplan
export HOTPLAN_STATE_DIR=$TMP/state-local-wait
run "$RC" run wait.hplan --inventory local.hplan --yes
says 'FAIL wait until file "sqlservr.exe" version == 2007.100.2531.0 timeout 1s: timed out after 1s: file "sqlservr.exe" version == 2007.100.2531.0: exchange1 has sqlservr.exe 2007.100.1600.0'
no_empty_reason
rm "$S/files/sqlservr.exe"
export HOTPLAN_STATE_DIR=$TMP/state-local-missing
run "$RC" run verify.hplan --inventory local.hplan --yes
says "${FAILED}verification failed: file \"sqlservr.exe\" version == 2007.100.2531.0: exchange1 has sqlservr.exe 0.0.0.0"
no_empty_reason

# 3. local: a probe that fails, and one that prints no version
mkdir -p "$TMP/files"
write_inventory probe.hplan <<'INV'
profile "file-probe" {
    shell "sh"
    probe file version = "cat files/${file}"
}
target sql_server standalone {
    profile "file-probe"
    node "sqln1" address "local:"
}
INV
export HOTPLAN_STATE_DIR=$TMP/state-probe
run "$RC" run verify.hplan --inventory probe.hplan --yes
says "${FAILED}probe file version on sqln1: \`cat files/'sqlservr.exe'\` exited with status 1: cat: files/sqlservr.exe: No such file or directory"
no_empty_reason
printf 'unreadable\n' >"$TMP/files/sqlservr.exe"
export HOTPLAN_STATE_DIR=$TMP/state-probe-garbage
run "$RC" run verify.hplan --inventory probe.hplan --yes
says "${FAILED}probe file version on sqln1 printed 'unreadable': no version in it"
no_empty_reason
# 5. an `ensure` that does not hold at the end: at the `ensure`, its message, then what was
#    found
cat >ensure.hplan <<'PLAN'
plan ensure_reason "An ensure the run finds false" {
    ensure file "sqlservr.exe" version == 2007.100.2531.0 else "SQL Server is at the update's version"
    hotfix sql {
        file "sqlservr.exe" version 2007.100.2531.0
        package "hotfix/SQLServer2008-KB958734-x64.exe"
    }
    procedure standalone {
        step look "Look" {
            wait 1s
        }
    }
}
PLAN
export HOTPLAN_STATE_DIR=$TMP/state-ensure
run "$RC" run ensure.hplan --yes
says "ensure.hplan:2:5: ensure file \"sqlservr.exe\" version == 2007.100.2531.0 does not hold when the procedure ends: SQL Server is at the update's version: sim-server has sqlservr.exe at the version it had before hotfix 'sql', which the simulated target does not know"
no_empty_reason
echo "PASS"
