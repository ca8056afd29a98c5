#!/usr/bin/env bash
# run-bound.sh: a journal is bound to everything its run read (issue 11, findings 1 and 2;
# docs/journal.md, "What a run is bound to"). A run on a local: node is interrupted; then
# `hotplan resume` must refuse (exit 2, nothing run, each change named) when the inventory
# moved the node to another sandbox, when a step was inserted in an imported file before the
# interrupted one, when a profile changed; --accept-changed names what it accepts and never
# gets past a step matched by position alone; the same inputs resume and every step runs
# once. A journal written before inputs were recorded still resumes, on its plan's hash alone,
# and says so.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cd "$TMP"
LOG=$TMP/steps.log

cat >real.hplan <<PLAN
plan bound "Three steps, the second slow" {
    procedure standalone {
        step a "First" { exec "echo a >>'$LOG'" }
        step b "Second" { exec "echo b >>'$LOG'; sleep 1" }
        step c "Third" { exec "echo c >>'$LOG'" }
    }
}
PLAN
cp real.hplan real.orig
printf 'import "real.hplan"\n' >main.hplan
inventory() {
	cat >inv.hplan <<INV
target t standalone {
    node "ex1" address "local:"
    fact sandbox = "$TMP/$1"
}
INV
}
inventory a

# run, interrupted during step b: its action ends, the run stops (130)
"$HOTPLAN" run main.hplan --inventory inv.hplan --yes >"$TMP/out.txt" 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 200); do
	grep -qx b "$LOG" 2>/dev/null && break
	sleep 0.02
done
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[[ $rc == 130 ]] || fail "the interrupted run exited $rc"
journal=$(ls "$HOTPLAN_STATE_DIR"/runs/*.journal)
[[ $(tr '\n' ' ' <"$LOG") == "a b " ]] || fail "before the resume the steps ran: $(cat "$LOG")"
nothing_ran() { [[ $(tr '\n' ' ' <"$LOG") == "a b " ]] || fail "$1: a step ran: $(cat "$LOG")"; }

# 1. the inventory moves ex1 to another sandbox: refused, both changes named
inventory b
run 2 resume "$journal" --yes
says "inventory $TMP/inv.hplan changed since the run started (sha256 "
says "node ex1's address changed: local:$TMP/a on "
says " → local:$TMP/b on "
says "resume refused, nothing was run"
nothing_ran "changed inventory"
# accepting one of the two is not enough; each accepted change is said so
run 2 resume "$journal" --yes --accept-changed inventory
says "inventory $TMP/inv.hplan changed since the run started"
says "(accepted: --accept-changed)"
says "node ex1's address changed"
nothing_ran "one change accepted"
# an --accept-changed that names nothing that changed is refused
run 2 resume "$journal" --yes --accept-changed inventory --accept-changed nodes --accept-changed profile
says "--accept-changed profile: nothing of that changed"
nothing_ran "an unused --accept-changed"
run 2 resume "$journal" --yes --accept-changed "$TMP/nothing.hplan" --accept-changed nodes --accept-changed inventory
says "--accept-changed $TMP/nothing.hplan: nothing of that changed"
inventory a

# 2. a step inserted first in the imported file: refused; accepting the file still does not
# match the steps by position
awk -v lg="$LOG" '/^        step a /{ print "        step backup \"Inserted\" { exec \"echo backup >>'"'"'" lg "'"'"'\" }" } { print }' \
	real.orig >real.hplan
grep -q 'step backup' real.hplan || fail "the test did not insert a step"
run 2 resume "$journal" --yes
says "import $TMP/real.hplan changed since the run started (sha256 "
nothing_ran "changed import"
run 2 resume "$journal" --yes --accept-changed import
says "(accepted: --accept-changed)"
says "the journal's step 0 is 'a', but the plan's step 0 is 'backup'"
nothing_ran "accepted import, moved steps"
run 2 resume "$journal" --yes --accept-changed "$TMP/real.hplan"
says "the journal's step 0 is 'a', but the plan's step 0 is 'backup'"
nothing_ran "accepted file, moved steps"

# 3. an accepted change that keeps every step in its place goes on
sed 's/echo c >>/echo c; echo c >>/' real.orig >real.hplan
run 0 resume "$journal" --yes --accept-changed "$TMP/real.hplan"
says "import $TMP/real.hplan changed since the run started"
says "(accepted: --accept-changed)"
[[ $(tr '\n' ' ' <"$LOG") == "a b c " ]] || fail "the resumed run's steps: $(cat "$LOG")"

# 4. a profile changed since the run started; then the same inputs resume
cp "$SRC/plans/profiles/posix-test.hplan" "$TMP/posix-test.hplan"
cp real.orig real.hplan
cat >inv.hplan <<INV
target t standalone {
    profile "posix-test"
    node "ex1" address "local:"
}
INV
export HOTPLAN_PROFILE_PATH=$TMP
make_server ex1
: >"$LOG"
"$HOTPLAN" run main.hplan --inventory inv.hplan --yes >"$TMP/out.txt" 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 200); do
	grep -qx b "$LOG" 2>/dev/null && break
	sleep 0.02
done
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[[ $rc == 130 ]] || fail "the interrupted run (with a profile) exited $rc"
journal=$(ls -t "$HOTPLAN_STATE_DIR"/runs/*.journal | head -n 1)
printf '\n# changed\n' >>"$TMP/posix-test.hplan"
run 2 resume "$journal" --yes
says "profile $TMP/posix-test.hplan changed since the run started (sha256 "
nothing_ran "changed profile"
# another sandbox through the environment alone (the inventory unchanged)
head -c -11 "$TMP/posix-test.hplan" >"$TMP/p" && mv "$TMP/p" "$TMP/posix-test.hplan"
HOTPLAN_SANDBOX=$TMP/elsewhere run 2 resume "$journal" --yes
says "node ex1's address changed: local:$SB/ex1 on "
says " → local:$TMP/elsewhere/ex1 on "
nothing_ran "another HOTPLAN_SANDBOX"
run 0 resume "$journal" --yes
[[ $(tr '\n' ' ' <"$LOG") == "a b c " ]] || fail "the resumed run (with a profile): $(cat "$LOG")"

# 5. a journal written before inputs were recorded (its header without input and node vars)
# resumes on its plan's hash alone, and says so; --accept-changed is refused there
cat >inv.hplan <<INV
target t standalone {
    node "ex1" address "local:"
}
INV
: >"$LOG"
"$HOTPLAN" run main.hplan --inventory inv.hplan --yes >"$TMP/out.txt" 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 200); do
	grep -qx b "$LOG" 2>/dev/null && break
	sleep 0.02
done
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[[ $rc == 130 ]] || fail "the third interrupted run exited $rc"
journal=$(ls -t "$HOTPLAN_STATE_DIR"/runs/*.journal | head -n 1)
python3 -B - "$journal" <<'PY' || fail "could not rewrite the journal's header"
import struct, sys, zlib
path = sys.argv[1]
b = open(path, "rb").read()
blen = struct.unpack_from("<I", b, 8)[0]
off = 12 + 32 + 8
def s(o):
    n = struct.unpack_from("<H", b, o)[0]
    return b[o + 2:o + 2 + n], o + 2 + n
run, off = s(off)
plan, off = s(off)
target, off = s(off)
nv = struct.unpack_from("<I", b, off)[0]
off += 4
vars_ = []
for _ in range(nv):
    v, off = s(off)
    vars_.append(v)
assert off == 12 + blen
kept = [v for v in vars_ if not v.startswith((b"input=", b"node="))]
assert len(kept) < len(vars_)
enc = lambda x: struct.pack("<H", len(x)) + x
body = b[12:12 + 40] + enc(run) + enc(plan) + enc(target) + struct.pack("<I", len(kept)) + b"".join(map(enc, kept))
head = b[:4] + b[4:8] + struct.pack("<I", len(body)) + body
head += struct.pack("<I", zlib.crc32(head) & 0xffffffff)
with open(path, "r+b") as f:
    f.write(head + b[12 + blen + 4:])
    f.truncate()
PY
run 2 resume "$journal" --yes --accept-changed inventory
says "journal records no inputs (written by an older hotplan)"
nothing_ran "an old journal with --accept-changed"
run 0 resume "$journal" --yes
says "journal records no inputs (written by an older hotplan): only the plan's hash was compared"
[[ $(tr '\n' ' ' <"$LOG") == "a b c " ]] || fail "the resumed old journal: $(cat "$LOG")"
echo "PASS"
