"""torn_test.py (run-torn-every.sh): a torn last record, cut at every byte (SPEC section 6: "A torn
last record is detected and ignored"; Issue 4, item 4).

A run is stopped with its journal ending in a chosen record: by kill -9 (right after an
event), and deterministically by making the fdatasync that follows record N fail, or, for a
record appended without a sync of its own (step-done), the write of the record after it
(tests/faults/inject_faults.c: the record is written whole, the run stops at once, as if
killed right there), for N covering every kind of record the canonical plan writes, a
rollback's included (--fail-at), and the run-done of a completed run. Then, for every byte
offset o from the start of that last record to its end, a copy of the state directory gets
the journal cut at o and `hotplan resume` runs on it. And when the record before the last
is one appended without a sync (a step-done), a copy gets it zeroed, the last record left
whole: what a power cut during the last record's sync can leave (docs/journal.md, "Torn or
damaged"). Each resume:

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
    S.skip("cannot build the fault shim (%s): only kill -9 scenarios" % p.stdout.decode().strip()[:200])
PRELOAD = SHIM
if SHIM:
    ldd = subprocess.run(["ldd", HOTPLAN], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    for line in ldd.stdout.decode().splitlines():
        if "libasan" in line and "=>" in line:
            PRELOAD = line.split("=>")[1].split()[0] + ":" + SHIM

stats = {"scenarios": 0, "resumes": 0, "kinds": set(), "lost": 0}


def expected(kind, failat):
    """Exit code, journal end and final simulated state of the uninterrupted run."""
    with Sandbox("hp-torn") as sb:
        args = run_args(kind, "--fail-at", failat) if failat else run_args(kind)
        r = sb.run(*args)
        j = sb.journals()[0]
        with open(j + ".sim", "rb") as f:
            return r.rc, f.read()


def stop_faults(kind, failat):
    """For each record (by seq) of the uninterrupted run's journal: the fault that stops the run
    right after that record is written, found in the shim's log of a run without faults (the
    runs are deterministic): the fdatasync that follows the record, or, for a record appended
    without a sync of its own, the pwrite of the record after it (None for the last one). And
    the set of the records appended without a sync."""
    with Sandbox("hp-torn") as sb:
        log = sb.path("calls.log")
        env = dict(sb.env, LD_PRELOAD=PRELOAD, HOTPLAN_FAULT_LOG=log)
        saved, sb.env = sb.env, env
        try:
            r = sb.run(*(run_args(kind, "--fail-at", failat) if failat else run_args(kind)))
        finally:
            sb.env = saved
        S.check(r.rc in (0, 3), "setup: the run under the shim exited %d" % r.rc, r)
        calls = []
        with open(log) as f:
            for line in f:
                w = line.split()
                if w[0] in ("pwrite", "fdatasync") and w[2].endswith(".journal"):
                    calls.append((w[0], int(w[1])))
    # the header's pwrite (and fdatasync) first, then one pwrite per record, each followed by
    # an fdatasync unless it was appended without one
    writes = [i for i, c in enumerate(calls) if c[0] == "pwrite"][1:]
    faults, unsynced = [], set()
    for seq, i in enumerate(writes):
        if i + 1 < len(calls) and calls[i + 1][0] == "fdatasync":
            faults.append("fdatasync:%d:EIO" % calls[i + 1][1])
        else:
            unsynced.add(seq)
            faults.append("pwrite:%d:EIO" % calls[writes[seq + 1]][1] if seq + 1 < len(writes) else None)
    return faults, unsynced


def stopped_after_record(sb, kind, n, failat, fault):
    """Run until record n (0-based seq) is written, then stop as if killed: `fault` (from
    stop_faults) fails the call that follows it. Returns the journal, or None when the run has
    fewer records."""
    if fault is None:
        return None
    env = dict(sb.env, LD_PRELOAD=PRELOAD, HOTPLAN_FAULT=fault)
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
    S.check(len(d["records"]) == n + 1, "setup: stopped after record %d, the journal has %d records" %
            (n, len(d["records"])))
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
    offsets = list(range(start, end))
    if QUICK:
        offsets = sorted(set(offsets[::7] + [start, end - 1]))
    for o in offsets:
        w = "%s, last record %s cut at byte %d of %d" % (what, last["kind"], o - start, end - start)
        resume_copy(sb, kind, journal, lambda j, o=o: os.truncate(j, o), unstarted, want_rc, want_sim, w)


def resume_copy(sb, kind, journal, change, unstarted, want_rc, want_sim, w):
    """A copy of the state directory, its journal changed by change(path), resumed: it must end
    as the uninterrupted run did."""
    want_end = {0: "completed", 3: "rolled-back"}[want_rc]
    with Sandbox("hp-torn-copy") as cp:
        shutil.copytree(sb.state, cp.state, symlinks=True)
        rel = os.path.relpath(journal, sb.state)
        j = os.path.join(cp.state, rel)
        change(j)
        if os.path.exists(os.path.join(cp.state, "targets", TARGET[kind] + ".last")):
            cp.adopt(TARGET[kind], j)   # the copy's own run: a copied journal is refused
        r = cp.run("resume", j)
        stats["resumes"] += 1
        if unstarted:
            S.check(r.rc == 5 and "has no record of run" in r.err, "%s: resume of a run that never started "
                    "exited %d" % (w, r.rc), r)
            r = cp.run(*(run_args(kind, "--fail-at", FAILAT[0]) if FAILAT[0] else run_args(kind)))
            S.check(r.rc == want_rc, "%s: a new run exited %d, expected %d" % (w, r.rc, want_rc), r)
            return
        if not S.check(r.rc == want_rc, "%s: resume exited %d, expected %d" % (w, r.rc, want_rc), r):
            return
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


def lose_unsynced(sb, kind, journal, want_rc, want_sim, what):
    """The record before the last, appended without a sync of its own, zeroed; the last one
    whole: a power cut during the last record's fdatasync that wrote its page but not the
    page before. The reader cuts both; the resume ends as the uninterrupted run did."""
    recs = decode(journal)["records"]
    lost, last = recs[-2], recs[-1]

    def zero(j):
        with open(j, "r+b") as f:
            f.seek(lost["offset"])
            f.write(b"\0" * (last["offset"] - lost["offset"]))
    stats["lost"] += 1
    resume_copy(sb, kind, journal, zero, False, want_rc, want_sim,
                "%s, %s before it zeroed" % (what, lost["kind"]))


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
    # the last action-done of a step: its actions all done, its step-done not yet written
    dones = [r["seq"] for r in full if r["kind"] == "step-done" and full[r["seq"] - 1]["kind"] == "action-done"]
    picks += [dones[0] - 1] + ([dones[len(dones) // 2] - 1] if not QUICK and len(dones) > 2 else [])
    faults, unsynced = stop_faults(kind, failat)
    S.check(len(faults) == len(full), "%s: %d records under the shim, %d without" % (tag, len(faults), len(full)))
    S.check(unsynced == {r["seq"] for r in full if r["kind"] == "step-done"},
            "%s: the records appended without a sync are %s, not the step-dones" % (tag, sorted(unsynced)))
    # the record after an unsynced one: also with that one lost
    lose = {s + 1 for s in unsynced if s + 1 < len(full)}
    if QUICK:
        lose = set(sorted(lose)[:2])
    picks += sorted(lose)
    for n in sorted(set(picks)):
        with Sandbox("hp-torn") as sb:
            j = stopped_after_record(sb, kind, n, failat, faults[n] if n < len(faults) else None)
            if S.check(j is not None, "%s: could not stop the run after record %d" % (tag, n)):
                cut_every_byte(sb, kind, j, want_rc, want_sim, "%s, stopped after record %d" % (tag, n))
                if n in lose:
                    lose_unsynced(sb, kind, j, want_rc, want_sim, "%s, stopped after record %d" % (tag, n))

shutil.rmtree(build, ignore_errors=True)
print("run-torn-every: %d scenarios, %d resumes of a torn journal (%d with an unsynced step-done lost before "
      "a whole record); last records cut: %s" %
      (stats["scenarios"], stats["resumes"], stats["lost"], ", ".join(sorted(stats["kinds"]))))
S.finish()
