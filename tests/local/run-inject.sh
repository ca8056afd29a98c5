#!/usr/bin/env bash
# run-inject.sh: no name, param or fact value can inject a command. Values full of shell
# syntax (quotes, `;`, `$( )`, backticks, `|`, `&`, spaces, a newline) reach the commands as
# data, byte for byte, and no command they spell ever runs (canary files stay absent):
#  1. a param in an exec string, on a local: node with the posix-test profile (its exec
#     wrapper) and on one with no profile at all (a plan of exec only needs none);
#  2. store names (from `list stores`, and from the inventory for one with a newline)
#     through dismount, mount, probes and the store daemon, into its recovery log;
#  3. the sandbox path itself (a fact) holds a space and a quote: every test's does.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# the canaries are relative: a command that ran would make them in its working directory
# (the test's, a sandbox, or / for the daemon)
cd "$TMP"
EVIL="it's \"q\"; touch canary1 \$(touch canary2) \`touch canary3\` | touch canary4 & x"
NL_EVIL=$'two\nlines $(touch canary5);`touch canary6`'
no_canary() {
	local found
	found=$(find "$TMP" / -maxdepth 1 -name 'canary*' 2>/dev/null; find "$SB" -name 'canary*' 2>/dev/null)
	[[ -z $found ]] || fail "a value ran as a command: $found"
}

# 1. exec strings
cat >"$TMP/exec.hplan" <<'PLAN'
plan echo_param "Write a param's value to a file" {
    param msg : string "any text"
    param out : string "the file"
    procedure standalone {
        step write "Write it" {
            exec "printf '%s' ${msg} > ${out}"
        }
    }
}
PLAN
write_inventory exec-inv.hplan <<INV
target with_profile standalone {
    profile "posix-test"
    node "exchange1" address "local:"
}
target without_profile standalone {
    node "plain" address "local:"
}
INV
hpt "$SB/exchange1" init --node exchange1 >/dev/null
for value in "$EVIL" "$NL_EVIL" "" "'" '\' '$$ ${msg} $${x}'; do
	printf '%s' "$value" >"$TMP/want"
	run 0 run "$TMP/exec.hplan" --inventory "$TMP/exec-inv.hplan" --target with_profile --yes \
		--set "msg=$value" --set "out=out file.bin"
	cmp "$TMP/want" "$SB/exchange1/out file.bin" || fail "posix-test exec wrote $(od -c "$SB/exchange1/out file.bin")"
	run 0 run "$TMP/exec.hplan" --inventory "$TMP/exec-inv.hplan" --target without_profile --yes \
		--set "msg=$value" --set "out=$TMP/plain out.bin"
	cmp "$TMP/want" "$TMP/plain out.bin" || fail "exec wrote $(od -c "$TMP/plain out.bin")"
	no_canary
done
# a ${NAME} that is not a param is refused before anything runs (the checker: HP002)
sed 's/${out}/${nope}/' "$TMP/exec.hplan" >"$TMP/exec-bad.hplan"
run 1 run "$TMP/exec-bad.hplan" --inventory "$TMP/exec-inv.hplan" --target without_profile --yes --set msg=x --set out=x
says "unknown param 'nope' in the exec string [HP002]"

# 2. store names
S=$SB/exchange2
hpt "$S" init --node exchange2 --store "$EVIL" --store "$MAILBOX" >/dev/null
hpt "$S" start-service MSExchangeIS
write_inventory evil.hplan <<INV
target evil standalone {
    profile "posix-test"
    node "exchange2" address "local:"
    fact exchange.version = 6.5.7226.0
}
INV
run 0 run "$PLAN" --inventory "$TMP/evil.hplan" --yes --set "affected=$EVIL"
says "completed"
no_canary
printf '%s\n' "exchange2 recovered \"$EVIL\" (soft recovery, Ese.dll 6.5.7232.54)" >"$TMP/want"
tail -c +22 "$S/stores/recovery.log" >"$TMP/got"   # after "YYYY-MM-DDTHH:MM:SSZ "
cmp "$TMP/want" "$TMP/got" || fail "recovery.log: $(cat "$S/stores/recovery.log")"
grep -qF "exchange2 dismount $MAILBOX" "$S/stores/events.log" || fail "the other store was not dismounted"
holds_all "$S"
# the other way round: the evil store is the one dismounted and mounted again
run 0 run "$PLAN" --inventory "$TMP/evil.hplan" --yes --set "affected=$MAILBOX"
no_canary
grep -qF "exchange2 dismounted $EVIL" "$S/stores/events.log" && grep -qF "exchange2 mounted $EVIL" "$S/stores/events.log" ||
	fail "events.log: $(cat "$S/stores/events.log")"
holds_all "$S"

# a name with a newline cannot come from `list stores` (one per line): the inventory names it
S=$SB/exchange3
hpt "$S" init --node exchange3 --store "$NL_EVIL" --store "$MAILBOX" >/dev/null
hpt "$S" start-service MSExchangeIS
nl_escaped=${NL_EVIL//\\/\\\\}
nl_escaped=${nl_escaped//\"/\\\"}
nl_escaped=${nl_escaped//$'\n'/\\n}
write_inventory nl.hplan <<INV
target nl standalone {
    profile "posix-test"
    node "exchange3" address "local:"
    store "$nl_escaped"
    store "$MAILBOX"
    fact exchange.version = 6.5.7226.0
}
INV
run 0 run "$PLAN" --inventory "$TMP/nl.hplan" --yes --set "affected=$NL_EVIL"
says "completed"
no_canary
printf '%s\n' "exchange3 recovered \"$NL_EVIL\" (soft recovery, Ese.dll 6.5.7232.54)" >"$TMP/want"
tail -c +22 "$S/stores/recovery.log" >"$TMP/got"   # after "YYYY-MM-DDTHH:MM:SSZ "
cmp "$TMP/want" "$TMP/got" || fail "recovery.log: $(od -c "$S/stores/recovery.log")"
holds_all "$S"
echo "PASS"
