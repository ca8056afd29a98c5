#!/usr/bin/env bash
# run-statedir.sh: hotplan trusts only a state directory that the user running it owns and
# no one else can write to (issue 11, finding 5; docs/journal.md, "Where things live"), as git
# (safe.directory) and OpenSSH (StrictModes) do. Real runs on local::
#
#  1. another user's world-writable .hotplan/ in a shared working directory (the finding:
#     they could plant a journal that `resume` would run as root): refused, exit 2, the
#     message names the directory, its mode and the fix; nothing ran, nothing was written.
#  2. a directory owned by another user (as root: chown nobody): refused, exit 2, owner named.
#  3. group-writable runs/, world-writable locks/, targets/ of another user: each refused.
#  4. `resume` of a failed run once its state directory became world-writable: refused, exit 2.
#  5. the same directories made safe again (0700, or 0755): the runs go through.
# Root only for 1-3's foreign owners (exit 77 otherwise).
. "$HOTPLAN_SOURCE_DIR/tests/local/lib.sh"
if [[ $(id -u) != 0 ]]; then
	echo "SKIP: giving a directory to another user needs root"
	exit 77
fi
cd "$TMP"
write_inventory inv.hplan <<INV
target box standalone {
    node "box" address "local:"
}
INV
cat >touch.hplan <<PLAN
plan touch "Leave a mark" {
    procedure standalone {
        step mark "Mark" {
            exec "echo ran >> $TMP/ran; exit \$(cat $TMP/status 2>/dev/null || echo 0)"
        }
    }
}
PLAN
ran() { [[ -e $TMP/ran ]]; }

# refused DIR WHAT ARGS...: hotplan ARGS exits 2 naming DIR and saying WHAT; nothing ran.
refused() {
	local dir=$1 what=$2
	shift 2
	rm -f "$TMP/ran"
	run 2 "$@"
	says "unsafe state directory $dir: $what"
	ran && fail "the command ran with the unsafe state directory $dir"
	true
}

# 1. a world-writable .hotplan another user made in a shared directory
mkdir -m 1777 "$TMP/shared"
mkdir "$TMP/shared/.hotplan"
chown nobody "$TMP/shared/.hotplan"
chmod 0777 "$TMP/shared/.hotplan"
unset HOTPLAN_STATE_DIR
cd "$TMP/shared"
refused "$TMP/shared/.hotplan" "it belongs to nobody (uid $(id -u nobody), mode 0777), not to root (uid 0)" \
	run ../touch.hplan --inventory ../inv.hplan --yes
says "chown root $TMP/shared/.hotplan"
[[ -z $(ls -A "$TMP/shared/.hotplan") ]] || fail "hotplan wrote into the unsafe directory: $(ls -A "$TMP/shared/.hotplan")"
chown root "$TMP/shared/.hotplan"
refused "$TMP/shared/.hotplan" "writable by its group and by others (mode 0777)" \
	run ../touch.hplan --inventory ../inv.hplan --yes
says "chmod go-w $TMP/shared/.hotplan"
chmod 0775 "$TMP/shared/.hotplan"
refused "$TMP/shared/.hotplan" "writable by its group (mode 0775)" run ../touch.hplan --inventory ../inv.hplan --yes
cd "$TMP"

# 2. owned by another user, however strict its mode
export HOTPLAN_STATE_DIR=$TMP/state
mkdir -m 0700 "$HOTPLAN_STATE_DIR"
chown nobody "$HOTPLAN_STATE_DIR"
refused "$HOTPLAN_STATE_DIR" "it belongs to nobody" run touch.hplan --inventory inv.hplan --yes
chown root "$HOTPLAN_STATE_DIR"

# 3. its subdirectories
for sub in runs locks targets; do
	mkdir -m 0700 "$HOTPLAN_STATE_DIR/$sub"
done
chmod 0770 "$HOTPLAN_STATE_DIR/runs"
refused "$HOTPLAN_STATE_DIR/runs" "writable by its group (mode 0770)" run touch.hplan --inventory inv.hplan --yes
chmod 0700 "$HOTPLAN_STATE_DIR/runs"
chmod 0703 "$HOTPLAN_STATE_DIR/locks"
refused "$HOTPLAN_STATE_DIR/locks" "writable by others (mode 0703)" run touch.hplan --inventory inv.hplan --yes
chmod 0700 "$HOTPLAN_STATE_DIR/locks"
chown nobody "$HOTPLAN_STATE_DIR/targets"
refused "$HOTPLAN_STATE_DIR/targets" "it belongs to nobody" run touch.hplan --inventory inv.hplan --yes
chown root "$HOTPLAN_STATE_DIR/targets"

# 4. a failed run, then its state directory made world-writable: no resume
echo 3 >"$TMP/status"
run 4 run touch.hplan --inventory inv.hplan --yes
journal=$(ls "$HOTPLAN_STATE_DIR"/runs/*.journal)
rm -f "$TMP/status"
chmod 0777 "$HOTPLAN_STATE_DIR"
refused "$HOTPLAN_STATE_DIR" "writable by its group and by others (mode 0777)" resume "$journal" --yes

# 5. safe again: 0700 resumes, 0755 runs
chmod 0700 "$HOTPLAN_STATE_DIR"
run 0 resume "$journal" --yes
says "completed"
chmod 0755 "$HOTPLAN_STATE_DIR"
rm -f "$TMP/ran"
run 0 run touch.hplan --inventory inv.hplan --yes
ran || fail "the command did not run"
echo "PASS"
