#!/usr/bin/env bash
# run-ssh.sh: the canonical plan on an ssh:// node: a real sshd on 127.0.0.1 (tests/ssh/
# sshd-harness.sh; skipped when there is none), the system ssh client, the posix-test
# sandbox on the other side. The affected store's name is full of shell syntax: it crosses
# two shells (ssh's remote one and /bin/sh -c) as data. Then a failure rolls back over ssh.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$SRC/tests/ssh/sshd-harness.sh"
trap 'sshd_harness_stop; local_cleanup' EXIT   # the harness set its own: both run

cd "$TMP"
EVIL="it's \"q\"; touch canary1 \$(touch canary2) \`touch canary3\` x"
S=$SB/exchange1
hpt "$S" init --node exchange1 --store "$EVIL" --store "$PUBLIC" >/dev/null
hpt "$S" start-service MSExchangeIS
sandbox=${S//\\/\\\\}
sandbox=${sandbox//\"/\\\"}
write_inventory ssh.hplan <<INV
target remote standalone {
    profile "posix-test"
    node "exchange1" address "$SSH_TARGET_URL" {
        fact sandbox = "$sandbox"
    }
    fact exchange.version = 6.5.7226.0
}
INV
run 0 run "$PLAN" --inventory "$TMP/ssh.hplan" --yes --set "affected=$EVIL"
says "completed"
[[ $(hpt "$S" file-version Ese.dll) == 6.5.7232.54 ]] || fail "Ese.dll is $(hpt "$S" file-version Ese.dll)"
holds_all "$S"
printf '%s\n' "exchange1 recovered \"$EVIL\" (soft recovery, Ese.dll 6.5.7232.54)" >"$TMP/want"
tail -c +22 "$S/stores/recovery.log" >"$TMP/got"
cmp "$TMP/want" "$TMP/got" || fail "recovery.log: $(cat "$S/stores/recovery.log")"
grep -qF "exchange1 dismounted $PUBLIC" "$S/stores/events.log" || fail "the other store was not dismounted"
found=$(find "$TMP" "$HOME" / -maxdepth 1 -name 'canary*' 2>/dev/null; find "$SB" -name 'canary*')
[[ -z $found ]] || fail "a value ran as a command: $found"

echo "no disk space for the installer" >"$S/fail/install"
run 3 run "$PLAN" --inventory "$TMP/ssh.hplan" --yes --set "affected=$EVIL"
says "install failed: no disk space for the installer"
says "rolled-back"
holds_all "$S"
echo "PASS"
