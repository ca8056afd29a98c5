#!/usr/bin/env bash
# run-fleet-secret.sh: a fleet passes a secret param's value to its runs through a pipe, never
# on their command lines (docs/fleets.md, "The fleet's journal"). Three local: targets whose
# exec writes the secret to a file and takes its time, the controller given `--set
# token=VALUE`: while it runs, tests/hostile/scan_cmdline.py reads every /proc/*/cmdline every
# 5 ms; the only process whose argv holds the value is the controller itself (it was given
# so), never a target's run or anything it starts; each target's command got the value byte
# for byte; neither the fleet's journal nor any file of the state directory holds it (the
# journal names the param: its resume asks for the value again).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$TMP"

fleet_local_profile
MARK="Hunter2-$RANDOM$RANDOM"
printf '%s' "$MARK" >secret

cat >secret.hplan <<'PLAN'
plan fleet_secret "A command that holds a secret and takes its time" {
    param token : string secret "a token"
    param dir : string "the target's directory"
    procedure standalone {
        step use "Use the token" {
            exec "sleep 1; printf '%s' ${token} > ${dir}/got; sleep 1"
        }
    }
}
PLAN
: >inv.hplan
for i in 1 2 3; do
	local_target "s$i" "$TMP/d$i" >>inv.hplan
done

python3 "$SRC/tests/hostile/scan_cmdline.py" secret done >scan.txt 2>scan.err &
SCANNER=$!
PIDS=("$SCANNER")
"$HOTPLAN" run secret.hplan --inventory inv.hplan --targets all --parallel 3 --yes --set "token=$MARK" \
	--report r.json >out.txt 2>&1 </dev/null &
CTL=$!
rc=0
wait "$CTL" || rc=$?
touch done
wait "$SCANNER" || true
PIDS=()
[[ $rc == 0 ]] || fail "the fleet exited $rc"
expect_statuses r.json "s1=completed s2=completed s3=completed"
for i in 1 2 3; do
	[[ $(cat "d$i/got") == "$MARK" ]] || fail "s$i's command got '$(cat "d$i/got")'"
done
grep -q "passes" scan.err || fail "the scanner did not run: $(cat scan.err)"
passes=$(sed -n 's/^scan_cmdline: \([0-9]*\) passes.*/\1/p' scan.err)
((passes >= 50)) || fail "the scanner looked only $passes times"
# the controller's own argv holds it (it was given so): any other process is a leak. A child
# the controller has forked and not yet exec'd shows the controller's argv, word for word (its
# memory is the controller's until the exec, slow under ASan): that is not a run's argv, and
# a run given the secret would show its own command line (`… --target s1 …`), which differs
grep -q "^pid $CTL: " scan.txt || fail "the scanner did not see the controller's argv: $(cat scan.txt)"
ctl_argv=$(sed -n "s/^pid $CTL: //p" scan.txt | head -1)
leaks=$(grep -v "^pid $CTL: " scan.txt | sed 's/^pid [0-9]*: //' | grep -vxF -- "$ctl_argv" || true)
[[ -z $leaks ]] || fail "the secret was in a run's argv: $leaks"
grep -rlF -- "$MARK" "$HOTPLAN_STATE_DIR" && fail "the secret is in the state directory: $(grep -rlF -- "$MARK" "$HOTPLAN_STATE_DIR")"
# the journal keeps the secret's name: its resume asks for the value again
J=$(ls "$HOTPLAN_STATE_DIR"/fleets/*/fleet.journal)
grep -q " secret token$" "$J" || fail "the fleet's journal does not name the secret param: $(cat "$J")"
run 2 resume "$J"
says "param 'token' is secret: the fleet's journal does not keep its value"
run 0 resume "$J" --set-file token="$TMP/secret"
echo "a secret through a pipe: in no run's argv"
