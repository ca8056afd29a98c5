#!/usr/bin/env bash
# run-secrets.sh: `param NAME : TYPE secret` (Issue 4, item 6; docs/language.md). A secret
# value given with --set (or an inventory's `set`) reaches the commands that use it, byte for
# byte, and nothing hotplan writes or shows holds it: not stdout or stderr (text, --log json,
# --dry-run), not the journal, the simulated target's state, the capture files beside the
# journal (their headers, and output a command printed), the last-run record, a compiled
# image or its JSON. A secret param takes no default; `resume` needs the value again.
. "$HOTPLAN_SOURCE_DIR/tests/local/lib.sh"

cd "$TMP"
MARK=Zq7Secret   # a part of every secret value: grep finds any trace of one
SECRET="${MARK}-it's \"q\" \$(touch canary) \`x\` ; & | \\ end"
SECRET2="${MARK}2-other"
export HOTPLAN_STATE_DIR=$TMP/state

# No trace of MARK in the files and directories given (binary files included).
no_trace() {
	local f hits
	for f in "$@"; do
		[[ -e $f ]] || continue
		hits=$(grep -rlaF -- "$MARK" "$f" 2>/dev/null || true)
		[[ -z $hits ]] || fail "a secret value is in: $hits ($(grep -raoF -m1 -- "$MARK" "$f" | head -n 1))"
	done
}
# run_to EXPECTED_RC NAME ARGS...: hotplan ARGS, stdout in NAME.out, stderr in NAME.err.
run_to() {
	local want=$1 name=$2 rc=0
	shift 2
	"$HOTPLAN" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null || rc=$?
	cp "$TMP/$name.out" "$TMP/out.txt"
	cat "$TMP/$name.err" >>"$TMP/out.txt"
	[[ $rc == "$want" ]] || fail "hotplan $* exited with $rc, expected $want"
}

cat >secret.hplan <<'PLAN'
plan secrets "Use a password" {
    param password : string secret "the service account's password"
    param out : string "where the command writes it"
    procedure standalone {
        step write "Hand the password to a command" {
            exec "printf '%s' ${password} > ${out}"
        }
    }
}
PLAN
cat >echo.hplan <<'PLAN'
plan echo_secret "A command that prints the password and fails" {
    param password : string secret
    procedure standalone {
        step show "Print it" {
            exec "echo got ${password}; echo ${password} >&2; exit 3"
        }
    }
}
PLAN
write_inventory inv.hplan <<'INV'
target with_profile standalone {
    profile "posix-test"
    node "exchange1" address "local:"
}
target plain standalone {
    node "plain" address "local:"
}
target failing standalone {
    node "failing" address "local:"
}
INV
hpt "$SB/exchange1" init --node exchange1 >/dev/null

# 1. the command gets the value; no output, journal or capture holds it
printf '%s' "$SECRET" >"$TMP/want"
run_to 0 text run secret.hplan --inventory inv.hplan --target with_profile --yes --set "password=$SECRET" \
	--set "out=got.bin"
cmp "$TMP/want" "$SB/exchange1/got.bin" || fail "the command got $(od -c "$SB/exchange1/got.bin")"
grep -qF "printf '%s' '***' > 'got.bin'" "$HOTPLAN_STATE_DIR"/runs/*.journal.out/exchange1.log ||
	fail "the capture file does not show the command with ***: $(cat "$HOTPLAN_STATE_DIR"/runs/*.journal.out/exchange1.log)"
run_to 0 json run secret.hplan --inventory inv.hplan --target plain --yes --set "password=$SECRET" \
	--set "out=$TMP/got2.bin" --log json
cmp "$TMP/want" "$TMP/got2.bin" || fail "the command (no profile) got $(od -c "$TMP/got2.bin")"
run_to 0 dry run secret.hplan --inventory inv.hplan --target with_profile --dry-run --set "password=$SECRET" \
	--set "out=x"
grep -qF "printf '%s' '***' > 'x'" "$TMP/dry.out" || fail "--dry-run does not show ***: $(cat "$TMP/dry.out")"
run_to 0 dryjson run secret.hplan --inventory inv.hplan --target plain --dry-run --log json \
	--set "password=$SECRET" --set "out=x"
grep -qF '***' "$TMP/dryjson.out" || fail "--dry-run --log json does not show ***"
no_trace text.out text.err json.out json.err dry.out dry.err dryjson.out dryjson.err "$HOTPLAN_STATE_DIR"

# 2. a command that prints it and fails: the messages and the capture file show ***
run_to 4 fail run echo.hplan --inventory inv.hplan --target failing --yes --set "password=$SECRET" --log json
grep -qF 'got ***' "$TMP/fail.out" || fail "the failure message does not show ***: $(cat "$TMP/fail.out")"
grep -qF 'got ***' "$HOTPLAN_STATE_DIR"/runs/*.journal.out/failing.log || fail "the capture file does not show ***"
no_trace fail.out fail.err "$HOTPLAN_STATE_DIR"

# 3. resume needs the value again, and only secret values are given again
journal=$(ls -t "$HOTPLAN_STATE_DIR"/runs/*.journal | head -n 1)
run_to 2 r1 resume "$journal" --yes
grep -qF "secret param 'password'" "$TMP/r1.err" || fail "resume without the secret: $(cat "$TMP/r1.err")"
grep -qF -- "--set password=VALUE" "$TMP/r1.err" || fail "resume does not say how to give it: $(cat "$TMP/r1.err")"
run_to 2 r2 resume "$journal" --yes --set "password=$SECRET2" --set "other=1"
grep -qF "only the secret params" "$TMP/r2.err" || fail "resume --set of another param: $(cat "$TMP/r2.err")"
run_to 4 r3 resume "$journal" --yes --set "password=$SECRET2" --log json
grep -qF 'got ***' "$TMP/r3.out" || fail "the resumed run does not use the secret given again: $(cat "$TMP/r3.out")"
no_trace r1.out r1.err r2.out r2.err r3.out r3.err "$HOTPLAN_STATE_DIR"

# 3b. a runner killed while a command that printed the value ran: the resume, given the value
# again, takes it out of the capture file before it goes on
cat >slow.hplan <<PLAN
plan slow {
    param password : string secret
    procedure standalone {
        step show "Print it, then wait the first time" {
            exec "echo slow \${password}; if [ ! -e '$TMP/slow.mark' ]; then : >'$TMP/slow.mark'; sleep 3; fi"
        }
    }
}
PLAN
rm -rf "$HOTPLAN_STATE_DIR" "$HOTPLAN_LOCK_PATH.last"   # a new machine: no last run
"$HOTPLAN" run slow.hplan --inventory inv.hplan --target plain --yes --set "password=$SECRET" \
	>"$TMP/slow.out" 2>"$TMP/slow.err" </dev/null &
pid=$!
for _ in $(seq 1 200); do
	[[ -e $TMP/slow.mark ]] && grep -qaF "$MARK" "$HOTPLAN_STATE_DIR"/runs/*.journal.out/plain.log 2>/dev/null && break
	sleep 0.05
done
grep -qaF "$MARK" "$HOTPLAN_STATE_DIR"/runs/*.journal.out/plain.log ||
	fail "the command's output did not reach the capture file before the kill"
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
sleep 3.2   # the killed runner's command ends by itself
journal=$(ls "$HOTPLAN_STATE_DIR"/runs/*.journal)
run_to 0 slowr resume "$journal" --yes --set "password=$SECRET"
grep -qF 'slow ***' "$HOTPLAN_STATE_DIR"/runs/*.journal.out/plain.log ||
	fail "the capture file after the resume: $(cat "$HOTPLAN_STATE_DIR"/runs/*.journal.out/plain.log)"
no_trace slow.out slow.err slowr.out slowr.err "$HOTPLAN_STATE_DIR"

# 4. from the inventory; a bad value of a secret int; the simulated target's state
cat >inv2.hplan <<INV
target kept standalone {
    node "plain" address "local:"
    set password = "$MARK-from-the-inventory"
}
INV
run_to 0 inv run secret.hplan --inventory inv2.hplan --yes --set "out=$TMP/got3.bin" --log json
[[ $(cat "$TMP/got3.bin") == "$MARK-from-the-inventory" ]] || fail "the command got $(cat "$TMP/got3.bin")"
cat >pin.hplan <<'PLAN'
plan pin {
    param pin : int secret
    procedure standalone {
        step s { exec "true ${pin}" }
    }
}
PLAN
run_to 2 pin run pin.hplan --inventory inv.hplan --target plain --yes --set "pin=${MARK}1234"
grep -qF "'***' is not an integer" "$TMP/pin.err" || fail "a bad secret value: $(cat "$TMP/pin.err")"
cat >sim.hplan <<'PLAN'
plan on_sim {
    param password : string secret
    procedure standalone {
        step s "Exec on the simulated target" { exec "true ${password}" }
    }
}
PLAN
run_to 0 sim run sim.hplan --set "password=$SECRET"
run_to 0 simjson run sim.hplan --set "password=$SECRET" --log json
ls "$HOTPLAN_STATE_DIR"/runs/*.journal.sim >/dev/null 2>&1 || fail "no simulated target's state to look at"
no_trace inv.out inv.err pin.out pin.err sim.out sim.err simjson.out simjson.err "$HOTPLAN_STATE_DIR"

# 5. no default, so no value in a plan or an image
sed 's/string secret "the service/string secret = "'"$MARK"'" "the service/' secret.hplan >default.hplan
run_to 1 def check default.hplan
grep -qF "a secret param takes no default" "$TMP/def.err" || fail "a secret default: $(cat "$TMP/def.err")"
run_to 1 defc compile default.hplan -o default.hpc
[[ -e default.hpc ]] && fail "an image was written for a plan with a secret default"
run_to 0 img compile secret.hplan -o secret.hpc
run_to 0 imgjson compile secret.hplan --emit json -o secret.json
grep -qF '"secret": true' secret.json || fail "the image's JSON does not mark the param secret: $(cat secret.json)"
run_to 0 fromimg run secret.hpc --inventory inv.hplan --target plain --yes --set "password=$SECRET" \
	--set "out=$TMP/got4.bin"
cmp "$TMP/want" "$TMP/got4.bin" || fail "the command run from the image got $(od -c "$TMP/got4.bin")"
no_trace secret.hpc secret.json fromimg.out fromimg.err "$HOTPLAN_STATE_DIR"
[[ -e canary || -e $SB/exchange1/canary ]] && fail "a secret value ran as a command"
echo "PASS"
