"""torn_test.py (run-torn-every.sh): a torn last record, cut at every byte (SPEC section 6: "A torn
last record is detected and ignored"; Issue 4, item 4).

A run is stopped with its journal ending in a chosen record: by kill -9 (right after an
event), and deterministically by making the fsync that follows record N fail
(tests/faults/inject_faults.c: the record is on disk whole, the run stops at once, as if
killed right there), for N covering every kind of record the canonical plan writes, a
rollback's included (--fail-at), and the run-done of a completed run. Then, for every byte
offset o from the start of that last record to its end, a copy of the state directory gets
the journal cut at o and `hotplan resume` runs on it:

  - it exits as the uninterrupted run would (0 completed; 3 for a run rolling back);
  - the journal is whole again (no torn tail) and, decoded by journal-dump.py, shows every
    step done exactly once and every action done exactly once (hp_e2e.journal_problems);
  - the simulated target's final state (JOURNAL.sim) is byte for byte the uninterrupted
    run's; the last-run record says how the run ended.

    torn_test.py [quick]      quick: every 7th offset (and the first and last)
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile

from hp_e2e import HOTPLAN, TARGET, Sandbox, Suite, decode, journal_problems, run_args

S = Suite("run-torn-every")
QUICK = len(sys.argv) > 1 and sys.argv[1] == "quick"
HERE = os.path.dirname(os.path.abspath(__file__))
if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) and "TMPDIR" not in os.environ:
    tempfile.tempdir = "/dev/shm"   # every resume fsyncs: a tmpfs makes that free

build = tempfile.mkdtemp(prefix="hp-torn-")
SHIM = os.path.join(build, "inject.so")
p = subprocess.run([os.environ.get("CC", "cc"), "-shared", "-fPIC", "-O1", "-o", SHIM,
                    os.path.join(HERE, "..", "faults", "inject_faults.c"), "-ldl"],
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
if p.returncode != 0:
    SHIM = None
    print("note: cannot build the fault shim (%s): only kill -9 scenarios" % p.stdout.decode().strip()[:200])
PRELOAD = SHIM
if SHIM:
    ldd = subprocess.run(["ldd", HOTPLAN], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    for line in ldd.stdout.decode().splitlines():
        if "libasan" in line and "=>" in line:
            PRELOAD = line.split("=>")[1].split()[0] + ":" + SHIM

stats = {"scenarios": 0, "resumes": 0, "kinds": set()}


def expected(kind, failat):
    """Exit code, journal end and final simulated state of the uninterrupted run."""
    with Sandbox("hp-torn") as sb:
        args = run_args(kind, "--fail-at", failat) if failat else run_args(kind)
        r = sb.run(*args)
        j = sb.journals()[0]
        with open(j + ".sim", "rb") as f:
            return r.rc, f.read()


def stopped_after_record(sb, kind, n, failat):
    """Run until record n (0-based seq) is on disk, then stop as if killed: the fdatasync that
    follows it fails. Returns the journal, or None when the run has fewer records."""
    env = dict(sb.env, LD_PRELOAD=PRELOAD, HOTPLAN_FAULT="fdatasync:%d:EIO" % (n + 2))  # +1: the header's
    saved, sb.env = sb.env, env
    try:
        args = run_args(kind, "--fail-at", failat) if failat else run_args(kind)
        r = sb.run(*args)
    finally:
        sb.env = saved
    js = sb.journals()
    if not js:
        return None
    d = decode(js[0])
    if len(d["records"]) <= n:
        return None
    # exit 2: it stopped before its start was recorded for the target (nothing acted)
    S.check(r.rc in (2, 4) if n == 0 else r.rc == 4, "setup: the run stopped after record %d exited %d" % (n, r.rc), r)
    return js[0]


def killed(sb, kind, nth_event, failat):
    """kill -9 a run right after its nth action-start event (a short pace: the kill lands while
    that action runs, most of the time; a resume inherits the pace, so it stays short)."""
    args = run_args(kind, "--pace", "3ms", *(["--fail-at", failat] if failat else []))
    live = sb.spawn(*args)
    if live.wait_for(lambda e: e.get("event") == "action-start", nth_event):
        live.send(signal.SIGKILL)
    live.finish()
    js = sb.journals()
    return js[0] if js else None


def cut_every_byte(sb, kind, journal, want_rc, want_sim, what):
    d = decode(journal)
    recs = d["records"]
    if not S.check(recs, "%s: the journal has no record" % what):
        return
    last = recs[-1]
    if last["kind"] == "run-done":
        rec = sb.last(TARGET[kind])
        if rec is not None and rec.get("status") != "unfinished":
            # the kill came after the run had ended and said so: cutting its run-done would
            # un-write a record that later writes depend on (not a state a crash leaves)
            print("note: %s: the run had ended before the kill" % what)
            return
    # the run stopped before the target's last-run record named it: nothing acted, and resume
    # must refuse (exit 5, naming why); a new run then starts from the beginning
    rec = sb.last(TARGET[kind])
    unstarted = rec is None or rec.get("run") != d["header"]["run"]
    start = last["offset"]
    end = d["valid_end"]
    stats["scenarios"] += 1
    stats["kinds"].add(last["kind"])
    want_end = {0: "completed", 3: "rolled-back"}[want_rc]
    offsets = list(range(start, end))
    if QUICK:
        offsets = sorted(set(offsets[::7] + [start, end - 1]))
    for o in offsets:
        with Sandbox("hp-torn-copy") as cp:
            shutil.copytree(sb.state, cp.state, symlinks=True)
            rel = os.path.relpath(journal, sb.state)
            j = os.path.join(cp.state, rel)
            os.truncate(j, o)
            r = cp.run("resume", j)
            stats["resumes"] += 1
            w = "%s, last record %s cut at byte %d of %d" % (what, last["kind"], o - start, end - start)
            if unstarted:
                S.check(r.rc == 5 and "has no record of run" in r.err, "%s: resume of a run that never started "
                        "exited %d" % (w, r.rc), r)
                r = cp.run(*(run_args(kind, "--fail-at", FAILAT[0]) if FAILAT[0] else run_args(kind)))
                S.check(r.rc == want_rc, "%s: a new run exited %d, expected %d" % (w, r.rc, want_rc), r)
                continue
            if not S.check(r.rc == want_rc, "%s: resume exited %d, expected %d" % (w, r.rc, want_rc), r):
                continue
            S.check(not any(s in r.err for s in ("Sanitizer", "runtime error:")), "%s: sanitizer report" % w, r)
            d2 = decode(j)
            S.check(not d2["torn"], "%s: the journal still has a torn tail" % w)
            probs = journal_problems(d2["records"], kind, expect_end=want_end)
            S.check(not probs, "%s: %s" % (w, "; ".join(probs[:4])))
            with open(j + ".sim", "rb") as f:
                S.check(f.read() == want_sim, "%s: the simulated target ends in another state than the "
                        "uninterrupted run's" % w)
            last_rec = cp.last(TARGET[kind])
            S.check(last_rec is not None and last_rec.get("status") == want_end,
                    "%s: the last-run record says %s" % (w, last_rec and last_rec.get("status")))


SCENARIOS = [("standalone", None), ("cluster", None), ("standalone", "apply"), ("cluster", "active_install")]
FAILAT = [None]
for kind, failat in SCENARIOS:
    FAILAT[0] = failat
    want_rc, want_sim = expected(kind, failat)
    if not S.check(want_rc in (0, 3), "%s%s: the uninterrupted run exited %d" %
                   (kind, " --fail-at " + failat if failat else "", want_rc)):
        continue
    tag = kind + (" --fail-at " + failat if failat else "")
    # kill -9, twice
    for nth in (1, 3):
        with Sandbox("hp-torn") as sb:
            j = killed(sb, kind, nth, failat)
            if S.check(j is not None, "%s: killed after action-start #%d: no journal" % (tag, nth)):
                cut_every_byte(sb, kind, j, want_rc, want_sim, "%s, kill -9 after action-start #%d" % (tag, nth))
    if PRELOAD is None:
        continue
    # stopped right after record n, for one record of each kind (and the first and the last)
    with Sandbox("hp-torn") as sb:
        sb.run(*(run_args(kind, "--fail-at", failat) if failat else run_args(kind)))
        full = decode(sb.journals()[0])["records"]
    picks, seen = [], set()
    for rec in full:
        if rec["kind"] not in seen or rec is full[-1]:
            seen.add(rec["kind"])
            picks.append(rec["seq"])
    if not QUICK:   # and a second one of the kinds that recur: a later step, a later action
        for k in ("action-start", "action-done", "step-done", "checkpoint"):
            seqs = [r["seq"] for r in full if r["kind"] == k]
            if len(seqs) > 2:
                picks.append(seqs[len(seqs) // 2])
    for n in sorted(set(picks)):
        with Sandbox("hp-torn") as sb:
            j = stopped_after_record(sb, kind, n, failat)
            if S.check(j is not None, "%s: could not stop the run after record %d" % (tag, n)):
                cut_every_byte(sb, kind, j, want_rc, want_sim, "%s, stopped after record %d" % (tag, n))

shutil.rmtree(build, ignore_errors=True)
print("run-torn-every: %d scenarios, %d resumes of a torn journal; last records cut: %s" %
      (stats["scenarios"], stats["resumes"], ", ".join(sorted(stats["kinds"]))))
S.finish()
