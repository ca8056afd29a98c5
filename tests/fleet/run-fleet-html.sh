#!/usr/bin/env bash
# run-fleet-html.sh: the fleet's HTML report in a real headless browser (Chromium from Debian):
# a fleet of 12 simulated targets with failures, a locked target and targets the budget left
# unstarted writes --report FILE.html; the page is self-contained (no URL, no script, no
# external font or stylesheet); Chromium renders it (--dump-dom: the DOM after layout holds a
# row per target, the failures first, each with its timeline) and takes a screenshot (a PNG of
# the page's size). Exits 77 when chromium is not installed.
#
# HOTPLAN_FLEET_SCREENSHOT=FILE keeps the screenshot (docs/pictures/fleet-report.png is one).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $CHROMIUM ]]; then
	echo "run-fleet-html: chromium is not installed (Debian package chromium): skipped"
	exit 77
fi
cd "$TMP"
sim_inventory inv.hplan 12

# t4 is held by another run for the whole fleet
"$HOTPLAN" run "$PLAN" --inventory inv.hplan --target t4 --yes --pace 2s >single.out 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do
	grep -q '^run ' "$HOTPLAN_STATE_DIR/locks/t4.lock" 2>/dev/null && break
	sleep 0.05
done
run 4 run "$PLAN" --inventory inv.hplan --targets all --parallel 3 --pace 20ms --max-failures 2 \
	--fail-at 't2:apply,t6:recovered,t7:dismount_others' --report report.html
grep -q '^<!DOCTYPE html>' report.html || fail "not an HTML page"
if grep -Eiq 'https?:|<script|<link|@import|@font-face|src=' report.html; then
	fail "the page reaches outside itself: $(grep -Eio 'https?:[^"]*|<script|<link|@import|@font-face|src=' report.html | head -3)"
fi

# Chromium, as root, without its sandbox, GPU, network chatter or first-run work
browser() {
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --no-first-run --disable-sync --user-data-dir="$(mktemp -d "$TMP/chrome-XXXXXX")" "$@"
}
browser --dump-dom "file://$TMP/report.html" >dom.html 2>chrome.err || fail "chromium --dump-dom failed: $(tail -5 chrome.err)"
python3 - dom.html <<'PY' || fail "the DOM Chromium built"
import re, sys
dom = open(sys.argv[1]).read()
rows = re.findall(r'<tr class="t ([a-z-]+)"><td class="name">([^<]*)</td>', dom)
names = sorted(n for _, n in rows)
assert names == sorted("t%d" % i for i in range(1, 13)), names
order = [s for s, _ in rows]
rank = ["failed", "rejected", "unchanged", "rolled-back", "interrupted", "locked", "not-started", "queued", "running", "completed"]
assert order == sorted(order, key=rank.index), order           # failures first
# t7 failed at its first step, before it changed anything: unchanged, the first row
assert order[0] == "unchanged" and "locked" in order and "not-started" in order, order
# the timelines: an svg per row, a rect per step that ran
assert dom.count("<svg") == 12, dom.count("<svg")
t7 = dom[dom.index('<td class="name">t7<'):]
t7 = t7[:t7.index("</tr>")]
assert "dismount_others" in t7 and "plan line 24" in t7, t7
assert '<b id="exit">4</b>' in dom
PY
browser --screenshot="$TMP/shot.png" --window-size=1400,700 --hide-scrollbars "file://$TMP/report.html" \
	>/dev/null 2>chrome.err || fail "chromium --screenshot failed: $(tail -5 chrome.err)"
python3 - shot.png <<'PY' || fail "the screenshot"
import struct, sys, zlib
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", b[16:24])
assert (w, h) == (1400, 700), (w, h)
assert len(b) > 10000, "an empty page: %d bytes" % len(b)
PY
if [[ -n ${HOTPLAN_FLEET_SCREENSHOT:-} ]]; then
	cp shot.png "$HOTPLAN_FLEET_SCREENSHOT"
fi
wait "${PIDS[0]}" || true
echo "run-fleet-html: ok"
