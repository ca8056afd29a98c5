#!/usr/bin/env bash
# run-capture-bounds.sh: a command's captured output is bounded, and a nearly full state
# filesystem leaves the journal and the last-run record writable (issue 11, finding 9;
# docs/transports.md, "Capture"; docs/journal.md). Real runs on local: with the state
# directory on a small tmpfs (8 MiB), mounted in a mount namespace of the test's own (so
# nothing outlives it): root only (exit 77 otherwise, or when the mount is not allowed).
#
#  1. steps printing 4.7 MB and 3.4 MB, then one more: the run completes (exit 0); the
#     capture keeps the first and the last MiB of each, with the cut said between them (how
#     many bytes), on line boundaries; the journal ends `run-done completed`, the last-run
#     record says completed.
#  2. a flooding step that fails after a checkpoint: rolled back (exit 3), every record written.
#  3. the filesystem filled from outside to 3 MiB free: of the first flood, what leaves the
#     2 MiB hotplan keeps free for its journal (the rest said not kept, how many bytes);
#     nothing of the second; the run completes, journal and record written, 2 MiB still free.
#  4. filled to 1.5 MiB free: no output kept at all, each command's capture says how much
#     was not; the run completes, journal and record written.
set -euo pipefail
if [[ $(id -u) != 0 ]]; then
	echo "SKIP: mounting a tmpfs needs root"
	exit 77
fi
if [[ -z ${HP_CAPTURE_NS:-} ]]; then
	command -v unshare >/dev/null || { echo "SKIP: no unshare"; exit 77; }
	HP_CAPTURE_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
. "$HOTPLAN_SOURCE_DIR/tests/local/lib.sh"
STATE=$TMP/state
mkdir -m 0700 "$STATE"
if ! mount -t tmpfs -o size=8m,mode=0700 hp-state "$STATE" 2>"$TMP/mount.err"; then
	echo "SKIP: cannot mount a tmpfs: $(cat "$TMP/mount.err")"
	exit 77
fi
trap 'umount "$STATE" 2>/dev/null || true; local_cleanup' EXIT
export HOTPLAN_STATE_DIR=$STATE
cd "$TMP"
DUMP=$SRC/tests/run/journal-dump.py

write_inventory inv.hplan <<'INV'
target box standalone {
    node "box" address "local:"
}
INV
cat >flood.hplan <<'PLAN'
plan flood "Steps that print megabytes" {
    procedure standalone {
        step big "Print 4.7 MB" {
            exec "seq 1 700000"
        }
        step bigger "Print 3.4 MB more" {
            exec "seq 1 500000"
        }
        step last "One more" {
            exec "echo still-here"
        }
    }
}
PLAN
cat >undo.hplan <<'PLAN'
plan undo "A flood that fails after a checkpoint" {
    procedure standalone {
        step first "First" {
            exec "echo first"
        }
        checkpoint undo {
            exec "echo undone"
        }
        step flood "Print 4.7 MB and fail" {
            exec "seq 1 700000; exit 3"
        }
    }
}
PLAN

# The last journal's summary holds `want` as its last record (kind and status).
journal_ends() {
	local j want=$1 status=$2
	j=$(ls -t "$STATE"/runs/*.journal | head -n 1)
	python3 "$DUMP" "$j" | tail -n 1 >"$TMP/last.json"
	python3 - "$TMP/last.json" "$want" "$status" <<'PY' || fail "journal $j ends $(cat "$TMP/last.json")"
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(0 if r.get("kind") == sys.argv[2] and r.get("status", "") == sys.argv[3] else 1)
PY
}
record_says() {
	grep -qx "status $1" "$STATE/targets/box.last" || fail "the last-run record says $(cat "$STATE/targets/box.last")"
}
avail_kib() { df -k --output=avail "$STATE" | tail -n 1 | tr -d ' '; }
capture() { ls -t "$STATE"/runs/*.journal.out/box.log | head -n 1; }

# 1. two floods, then a step: completed
run 0 run flood.hplan --inventory inv.hplan --yes
says "completed"
journal_ends run-done completed
record_says completed
cap=$(capture)
size=$(stat -c %s "$cap")
((size < 4 * 1048576 + 4096)) || fail "the capture of two floods holds $size bytes"
grep -qxF "still-here" "$cap" || fail "the last step's output is not in $cap"
# each flood: its first MiB, the cut, its last MiB, each on line boundaries
python3 - "$cap" <<'PY' || fail "the floods' capture is not head, cut line, tail: $(grep -a -B1 -A1 -F '[hotplan: ' "$cap")"
import re, sys
lines = open(sys.argv[1], "rb").read().decode().split("\n")
def flood(header, last):
    i = lines.index(header)
    head, tail = [], []
    j = i + 1
    while not lines[j].startswith("[hotplan: "):
        head.append(int(lines[j]))
        j += 1
    m = re.fullmatch(r"\[hotplan: (\d+) bytes of output cut here: a capture keeps the first 1 MiB and the last 1 MiB\]", lines[j])
    assert m, lines[j]
    j += 1
    while not lines[j].startswith("===="):
        tail.append(int(lines[j]))
        j += 1
    size = lambda ns: sum(len(str(n)) + 1 for n in ns)
    assert head == list(range(1, len(head) + 1)), "head"
    assert tail == list(range(tail[0], last + 1)), "tail"
    assert int(m.group(1)) == size(range(1, last + 1)) - size(head) - size(tail), m.group(1)
    assert 1048576 - 8 <= size(head) <= 1048576 and 1048576 - 8 <= size(tail) <= 1048576
flood("==== step big, action 0, on box: seq 1 700000 ====", 700000)
flood("==== step bigger, action 1, on box: seq 1 500000 ====", 500000)
PY

# 2. a flood that fails after a checkpoint: rolled back, every record written
rm -rf "${STATE:?}"/runs/*
run 3 run undo.hplan --inventory inv.hplan --yes
says "rolled-back"
journal_ends run-done rolled-back
record_says rolled-back
grep -qxF "undone" "$(capture)" || fail "the rollback's output is not in the capture"

# The flood plan on a filesystem filled from outside to FREE_KIB free: it completes, journal
# and record written; each command's capture holds its first lines, as many as leave the
# 2 MiB hotplan keeps free for its journal, then "N bytes of output not kept here" with N
# the rest; the free space never drops much below min(2 MiB, FREE_KIB) (a page a file, the
# journal's records). NOTHING=1: no output kept at all.
nearly_full() {
	local free_kib=$1 nothing=$2 floor
	rm -rf "${STATE:?}"/runs/* "$STATE/filler"
	dd if=/dev/zero of="$STATE/filler" bs=1k count="$(($(avail_kib) - free_kib))" status=none
	run 0 run flood.hplan --inventory inv.hplan --yes
	says "completed"
	journal_ends run-done completed
	record_says completed
	floor=$((free_kib < 2048 ? free_kib - 64 : 2048 - 64))
	(($(avail_kib) >= floor)) || fail "only $(avail_kib) KiB left free (started with $free_kib KiB)"
	python3 - "$(capture)" "$nothing" <<'PY' || fail "the capture on a nearly full filesystem: $(grep -a -B1 -A1 -F '[hotplan: ' "$(capture)")"
import re, sys
lines = open(sys.argv[1], "rb").read().decode().split("\n")
nothing = sys.argv[2] == "1"
size = lambda ns: sum(len(str(n)) + 1 for n in ns)
def not_kept(header, numbers, total):
    i = lines.index(header)
    head = []
    j = i + 1
    while not lines[j].startswith("[hotplan: "):
        head.append(lines[j])
        j += 1
    m = re.fullmatch(r"\[hotplan: (\d+) bytes of output not kept here: \d+ (MiB|KiB|bytes) free on the state "
                     r"directory's filesystem, which hotplan leaves to its journal below 2 MiB"
                     r"(; the line before this one is cut short)?\]", lines[j])
    assert m, lines[j]
    kept = sum(len(l) + 1 for l in head)
    if numbers and head:
        # whole lines, but for the last: the head stops where the space did, which may be
        # within a line: the cut line says so (the newline before it is hotplan's then)
        assert head[:-1] == [str(n) for n in range(1, len(head))], "head"
        if m.group(3):
            assert str(len(head)).startswith(head[-1]), "head's last line"
            kept -= 1
        else:
            assert head[-1] == str(len(head)), "head's last line"
    assert int(m.group(1)) == total - kept, (m.group(1), total, kept)
    assert lines[j + 1].startswith("====") or lines[j + 1:] == [""], "after the cut line: %r" % lines[j + 1]
    assert not nothing or not head, "kept %d lines" % len(head)
    return len(head)
first = not_kept("==== step big, action 0, on box: seq 1 700000 ====", True, size(range(1, 700001)))
assert nothing or first > 0, "nothing of the first flood kept"
not_kept("==== step bigger, action 1, on box: seq 1 500000 ====", True, size(range(1, 500001)))
# the last step's 11 bytes: kept whole when they still fit above the 2 MiB, else said not kept
last = lines.index("==== step last, action 2, on box: echo still-here ====")
if nothing or lines[last + 1] != "still-here":
    not_kept("==== step last, action 2, on box: echo still-here ====", False, 11)
PY
}

# 3. 3 MiB free: some of the first flood's head kept, the rest said not kept
nearly_full 3072 0
# 4. 1.5 MiB free: nothing kept
nearly_full 1536 1
echo "PASS"
