#!/usr/bin/env bash
# run-secrets-resume.sh: where `resume` (and `run`) can take a secret param's value from other
# than --set on the command line (issue 11, finding 8; docs/language.md, "Secret params"): a
# file (--set-file NAME=PATH), a prompt on the terminal with no echo, an environment variable
# the inventory names (`set NAME from env "VAR"`). Each reaches the command byte for byte, and
# nothing hotplan writes or shows holds it.
. "$HOTPLAN_SOURCE_DIR/tests/local/lib.sh"

cd "$TMP"
MARK=Qx9Secret
SECRET="${MARK}-it's \"q\" \$(touch canary) end"
export HOTPLAN_STATE_DIR=$TMP/state

no_trace() {
	local f hits
	for f in "$@"; do
		[[ -e $f ]] || continue
		hits=$(grep -rlaF -- "$MARK" "$f" 2>/dev/null || true)
		[[ -z $hits ]] || fail "a secret value is in: $hits"
	done
}
run_to() {
	local want=$1 name=$2 rc=0
	shift 2
	"$HOTPLAN" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null || rc=$?
	cat "$TMP/$name.out" "$TMP/$name.err" >"$TMP/out.txt"
	[[ $rc == "$want" ]] || fail "hotplan $* exited with $rc, expected $want"
}

# the command fails the first time (exit 4: no checkpoint), writes the value the second
cat >retry.hplan <<PLAN
plan retry "Hand the password over on the second try" {
    param password : string secret
    procedure standalone {
        step write "Write it" {
            exec "if [ -e '$TMP/mark' ]; then printf '%s' \${password} >'$TMP/got'; else : >'$TMP/mark'; exit 3; fi"
        }
    }
}
PLAN
cat >inv.hplan <<'INV'
target plain standalone {
    node "plain" address "local:"
}
INV
printf '%s' "$SECRET" >want
failed_run() {   # a run that failed in the step: resume retries it
	rm -rf "$HOTPLAN_STATE_DIR" "$TMP/mark" "$TMP/got"
	run_to 4 "$1" run retry.hplan "${@:2}"
	journal=$(ls "$HOTPLAN_STATE_DIR"/runs/*.journal)
}

# 1. --set-file: the file's bytes, its last newline dropped; for run and for resume
printf '%s\n' "$SECRET" >pw.txt
chmod 600 pw.txt
failed_run f1 --inventory inv.hplan --yes --set-file password=pw.txt
run_to 2 f1r resume "$journal" --yes
grep -qF "secret param 'password'" f1r.err || fail "resume without the value: $(cat f1r.err)"
grep -qF -- "--set-file password=PATH" f1r.err || fail "resume does not name --set-file: $(cat f1r.err)"
run_to 0 f1ok resume "$journal" --yes --set-file password=pw.txt
cmp want got || fail "the command got $(od -c got | head -n 3)"
run_to 2 f1bad run retry.hplan --inventory inv.hplan --yes --set-file password="$TMP/none"
grep -qF -- "--set-file 'password=$TMP/none': cannot be read" f1bad.err || fail "a missing file: $(cat f1bad.err)"
no_trace f1.out f1.err f1r.out f1r.err f1ok.out f1ok.err "$HOTPLAN_STATE_DIR"

# 2. on a terminal: asked, with no echo
failed_run f2 --inventory inv.hplan --yes --set "password=$SECRET"
python3 -B - "$HOTPLAN" "$journal" "$SECRET" "$TMP/tty.out" <<'PY' || fail "the prompt: $(cat "$TMP/tty.out")"
import os, pty, select, signal, sys, time
hotplan, journal, secret, log = sys.argv[1:5]
pid, fd = pty.fork()
if pid == 0:
    os.execv(hotplan, [hotplan, "resume", journal, "--yes"])
out = b""
def read_until(pred, limit=20):
    """read the terminal until pred(out), its end, or limit seconds: True at its end"""
    global out
    end = time.monotonic() + limit
    while not pred(out) and time.monotonic() < end:
        if not select.select([fd], [], [], 0.2)[0]:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            return True
        if not chunk:
            return True
        out += chunk
    return False
read_until(lambda o: b"its value (not shown): " in o)
ok = b"secret param 'password': its value (not shown): " in out
os.write(fd, secret.encode() + b"\n")
if not read_until(lambda o: False, 30):
    os.kill(pid, signal.SIGKILL)
_, status = os.waitpid(pid, 0)
open(log, "wb").write(out)
if not ok:
    sys.exit("no prompt")
if secret.encode() in out or secret.split("-")[0].encode() in out:
    sys.exit("the value was echoed")
if os.waitstatus_to_exitcode(status) != 0:
    sys.exit("resume exited %d" % os.waitstatus_to_exitcode(status))
PY
cmp want got || fail "the command (value from the terminal) got $(od -c got | head -n 3)"
no_trace f2.out f2.err "$TMP/tty.out" "$HOTPLAN_STATE_DIR"

# 3. the inventory names an environment variable; run and resume read it there
cat >envinv.hplan <<'INV'
target envd standalone {
    node "plain" address "local:"
    set password from env "HP_TEST_SECRET"
}
INV
HP_TEST_SECRET=$SECRET failed_run f3 --inventory envinv.hplan --yes
run_to 2 f3r resume "$journal" --yes
grep -qF "target 'envd' sets param 'password' from the environment variable HP_TEST_SECRET, which is not set" f3r.err ||
	fail "resume without the variable: $(cat f3r.err)"
[[ -e got ]] && fail "the step ran without the value"
HP_TEST_SECRET=$SECRET run_to 0 f3ok resume "$journal" --yes
cmp want got || fail "the command (value from the environment) got $(od -c got | head -n 3)"
grep -qF 'HP_TEST_SECRET' "$journal" && fail "the journal names the variable (it is the inventory's to say)"
no_trace f3.out f3.err f3r.out f3r.err f3ok.out f3ok.err "$HOTPLAN_STATE_DIR"
"$HOTPLAN" fmt --check envinv.hplan >/dev/null || fail "fmt would change \`set NAME from env\`"
[[ -e canary ]] && fail "a secret value ran as a command"
echo "PASS"
