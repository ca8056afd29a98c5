"""resume_test.py (run-resume.sh): what `hotplan resume` accepts and refuses (SPEC section 6,
docs/journal.md):
  - a completed or rolled-back run cannot be resumed: non-zero, a message, the journal and the
    last-run record unchanged; nor can a run given up with --abandon, nor one that failed before
    it changed anything (exit 1);
  - a run that failed with exit 4 and no checkpoint (the canonical plan without the checkpoint
    after its first change): resume retries the failed step and goes on;
  - a journal whose last record was torn (cut in its middle, cut in its length field, garbage
    or zeros after it, a bit flipped in it): resume ignores the torn record and completes;
  - a journal damaged in a middle record: resume refuses and changes nothing;
  - a run killed between its run-done record and its last-run record (docs/journal.md, "One
    crash window"): resume sets the last-run record right, so the target is not blocked, and
    exits 0 (SPEC: such a run cannot be resumed, so it acts on nothing);
  - a run killed before the simulated target's state was first saved: resume continues it."""
import os
import shutil
import signal

from hp_e2e import (PLAN, TARGET, Sandbox, Suite, decode, ev_is, evs, journal_problems, parse_events, plan_args,
                    plan_without_checkpoint, run_args)

S = Suite("run-resume")


def snapshot(sb, j, target):
    with open(j, "rb") as f:
        data = f.read()
    return data, sb.last(target)


def refused(sb, j, target, what, want_rc=None):
    data, last = snapshot(sb, j, target)
    r = sb.run("resume", j)
    S.check(r.rc != 0, "%s: resume exit 0, expected a refusal" % what, r)
    if want_rc is not None:
        S.check(r.rc == want_rc, "%s: resume exit %s, expected %s" % (what, r.rc, want_rc), r)
    S.check(r.err.strip() != "", "%s: the refusal gives no message on stderr" % what, r)
    S.check(open(j, "rb").read() == data, "%s: the refused resume changed the journal" % what)
    S.check(sb.last(target) == last, "%s: the refused resume changed the last-run record" % what)
    S.check(not any('"step-start"' in line or '"action-start"' in line for line in r.out.splitlines()),
            "%s: the refused resume acted" % what, r)
    return r


# ---- finished runs cannot be resumed ---------------------------------------------------------
for kind in ("standalone", "cluster"):
    with Sandbox() as sb:
        j = sb.path("done.journal")
        r = sb.run(*run_args(kind, journal=j))
        S.check(r.rc == 0, "%s: the run: exit %s" % (kind, r.rc), r)
        rid = decode(j)["header"]["run"]
        r = refused(sb, j, TARGET[kind], "%s: resume of completed run" % kind, want_rc=2)
        S.check(rid in r.err, "%s: the refusal does not name run %s" % (kind, rid), r)
        r = sb.run("resume", j, "--log", "json")
        S.check(r.rc != 0, "%s: resume --log json of a completed run: exit 0" % kind, r)
    with Sandbox() as sb:
        j = sb.path("rb.journal")
        step = "kill_store" if kind == "standalone" else "active_dismount"
        r = sb.run(*run_args(kind, "--fail-at", step, journal=j))
        S.check(r.rc == 3, "%s: --fail-at %s: exit %s, expected 3" % (kind, step, r.rc), r)
        refused(sb, j, TARGET[kind], "%s: resume of a rolled-back run" % kind, want_rc=2)
        # a new run starts from the beginning and completes
        r = sb.run(*run_args(kind, json_log=False))
        S.check(r.rc == 0, "%s: a new run after a rolled-back run: exit %s" % (kind, r.rc), r)

    # a run that failed before it changed anything (exit 1) is finished, the target free
    with Sandbox() as sb:
        j = sb.path("unchanged.journal")
        step = "dismount_others" if kind == "standalone" else "passive_stop"
        r = sb.run(*run_args(kind, "--fail-at", step, journal=j))
        S.check(r.rc == 1, "%s: --fail-at %s: exit %s, expected 1 (nothing changed)" % (kind, step, r.rc), r)
        S.check((sb.last(TARGET[kind]) or {}).get("status") == "unchanged",
                "%s: --fail-at %s: the last-run record says %s" % (kind, step, (sb.last(TARGET[kind]) or {}).get("status")))
        r = refused(sb, j, TARGET[kind], "%s: resume of a run that changed nothing" % kind, want_rc=2)
        S.check("failed before it changed anything" in r.err, "%s: the refusal does not say why" % kind, r)
        r = sb.run(*run_args(kind, json_log=False))
        S.check(r.rc == 0, "%s: a new run after a run that changed nothing: exit %s" % (kind, r.rc), r)

# ---- a run given up with --abandon cannot be resumed -------------------------------------------
with Sandbox() as sb:
    j = sb.path("x.journal")
    nock = plan_without_checkpoint(sb.path("no-checkpoint.hplan"), "others_dismounted")
    r = sb.run(*plan_args(nock, "standalone", "--fail-at", "kill_store", journal=j))
    S.check(r.rc == 4, "standalone without others_dismounted --fail-at kill_store: exit %s, expected 4" % r.rc, r)
    rid = decode(j)["header"]["run"]
    r = sb.run(*run_args("standalone", "--abandon", rid, json_log=False))
    S.check(r.rc == 0, "run --abandon %s: exit %s" % (rid, r.rc), r)
    refused(sb, j, "sim-server", "resume of a run given up with --abandon (then superseded)", want_rc=5)
with Sandbox() as sb:
    lv = sb.spawn(*run_args("cluster", pace="30ms", journal=sb.path("k.journal")))
    lv.wait_for(ev_is("action-done"), 4)
    lv.send(signal.SIGKILL)
    lv.finish()
    rid = decode(sb.path("k.journal"))["header"]["run"]
    r = sb.run(*run_args("cluster", "--abandon", rid, "--fail-at", "passive_ready", json_log=False))
    S.check(r.rc == 1, "run --abandon of a killed run, failing at once (nothing changed): exit %s, expected 1" %
            r.rc, r)
    refused(sb, sb.path("k.journal"), "sim-cluster", "resume of a killed run given up with --abandon", want_rc=5)


# ---- exit 4 (no checkpoint): resume retries the failed step ------------------------------------
# (the canonical plan without the checkpoint after its first change: the steps are the same)
for kind, ck, step in (("standalone", "others_dismounted", "kill_store"),
                       ("cluster", "passive_stopped", "passive_install"),
                       ("cluster", "passive_stopped", "passive_restart")):
    what = "resume of a %s run that failed at %s with exit 4" % (kind, step)
    with Sandbox() as sb:
        j = sb.path("f.journal")
        nock = plan_without_checkpoint(sb.path("no-checkpoint.hplan"), ck)
        r = sb.run(*plan_args(nock, kind, "--fail-at", step, journal=j))
        S.check(r.rc == 4, "%s: the run: exit %s, expected 4" % (what, r.rc), r)
        before = {x["step_name"] for x in decode(j)["records"] if x["kind"] == "step-done"}
        r = sb.run("resume", j, "--log", "json")
        S.check(r.rc == 0, "%s: exit %s, expected 0 (SPEC: it retries the failed step)" % (what, r.rc), r)
        E = parse_events(r.out, S, what)
        starts = [e.get("message") or "" for e in evs(E, "run-start")]
        S.check(any("(%s)" % path in starts[0] for path in (nock, os.path.abspath(nock))) if starts else False,
                "%s: the resume's first line does not name the plan's path %s: %s" % (what, nock, starts[:1]))
        S.check([e.get("step") for e in evs(E, "step-start")][:1] == [step],
                "%s: the first step started is %s, expected the failed one, %s" %
                (what, [e.get("step") for e in evs(E, "step-start")][:1], step), r.out)
        S.check({e.get("step") for e in evs(E, "resume-skip")} == before,
                "%s: resume-skip %s, expected %s" % (what, {e.get("step") for e in evs(E, "resume-skip")}, before),
                r.out)
        probs = journal_problems(decode(j)["records"], kind, retried=step)
        S.check(not probs, "%s: the journal: %s" % (what, "; ".join(probs)))
        S.check((sb.last(TARGET[kind]) or {}).get("status") == "completed",
                "%s: the last-run record says %s" % (what, (sb.last(TARGET[kind]) or {}).get("status")))
        refused(sb, j, TARGET[kind], what + ", resumed again", want_rc=2)


# ---- torn last record ---------------------------------------------------------------------------
def killed_journal(sb, n_done, pace="30ms"):
    """A cluster run killed after its n_done-th action-done: the journal's path."""
    j = sb.path("t.journal")
    lv = sb.spawn(*run_args("cluster", pace=pace, journal=j))
    lv.wait_for(ev_is("action-done"), n_done)
    lv.send(signal.SIGKILL)
    lv.finish()
    return j


def tear(path, how):
    """Damage the end of the journal as a crash in the middle of an append would."""
    d = decode(path)
    recs = d["records"]
    last = recs[-1]
    off, end = last["offset"], d["valid_end"]
    size = end - off
    with open(path, "r+b") as f:
        if how == "cut-middle":
            f.truncate(off + size // 2)
        elif how == "cut-1":
            f.truncate(end - 1)
        elif how == "cut-length":
            f.truncate(off + 2)
        elif how == "cut-crc":
            f.truncate(end - 3)
        elif how == "flip":
            f.seek(off + 4 + size // 3)
            b = f.read(1)
            f.seek(off + 4 + size // 3)
            f.write(bytes([b[0] ^ 0x40]))
        elif how == "zeros":
            f.seek(end)
            f.write(b"\0" * 100)
        elif how == "half-new-record":
            # the first half of a copy of the last record appended: an append cut short
            f.seek(off)
            rec = f.read(size)
            f.seek(end)
            f.write(rec[:size // 2])
    return last, off


for n_done, how in ((2, "cut-middle"), (5, "cut-middle"), (9, "cut-middle"), (3, "cut-1"), (6, "cut-length"),
                    (7, "cut-crc"), (8, "flip"), (4, "zeros"), (10, "half-new-record"), (14, "cut-middle")):
    what = "resume of a journal killed after action-done #%d, then torn (%s)" % (n_done, how)
    with Sandbox() as sb:
        j = killed_journal(sb, n_done)
        last, off = tear(j, how)
        with open(j, "rb") as f:
            kept = f.read(off if how not in ("zeros", "half-new-record") else decode(j)["valid_end"])
        d0 = decode(j)
        S.check(d0["torn"], "%s: journal-dump does not see the torn tail (test setup)" % what)
        r = sb.run("resume", j, "--log", "json")
        S.check(r.rc == 0, "%s: exit %s, expected 0" % (what, r.rc), r)
        if r.rc != 0:
            continue
        E = parse_events(r.out, S, what)
        d = decode(j)
        S.check(not d["torn"], "%s: the journal is still torn after the resume" % what)
        with open(j, "rb") as f:
            S.check(f.read(len(kept)) == kept, "%s: the records before the torn one changed" % what)
        probs = journal_problems(d["records"], "cluster")
        S.check(not probs, "%s: the journal: %s" % (what, "; ".join(probs)))
        before = {x["step_name"] for x in d0["records"] if x["kind"] == "step-done"}
        S.check({e.get("step") for e in evs(E, "resume-skip")} == before,
                "%s: resume-skip %s, expected %s" % (what, sorted({e.get("step") for e in evs(E, "resume-skip")}),
                                                     sorted(before)), r.out)


# ---- damaged in the middle: refused, nothing changed ------------------------------------------------
with Sandbox() as sb:
    j = killed_journal(sb, 6)
    d = decode(j)
    mid = d["records"][len(d["records"]) // 2]
    with open(j, "r+b") as f:
        f.seek(mid["offset"] + 30)
        b = f.read(1)
        f.seek(mid["offset"] + 30)
        f.write(bytes([b[0] ^ 0x01]))
    data = open(j, "rb").read()
    S.check(d["records"][-1]["seq"] - mid["seq"] >= 2, "test setup: record %d is one of the last two" % mid["seq"])
    last = sb.last("sim-cluster")
    r = sb.run("resume", j)
    # docs/journal.md, "Torn or damaged": not a torn append; a person must look
    S.check(r.rc == 2, "resume of a journal damaged in record %d (not a torn tail): exit %s, expected 2 "
            "(unreadable input)" % (mid["seq"], r.rc), r)
    S.check(open(j, "rb").read() == data, "resume of a damaged journal changed it (docs/journal.md: "
            "truncating would destroy records)")
    S.check("damaged" in r.err, "resume of a damaged journal: no message saying it is damaged", r)
    S.check(sb.last("sim-cluster") == last, "resume of a damaged journal changed the last-run record")

# ---- a journal of another plan version: refused -------------------------------------------------------
with Sandbox() as sb:
    plan = sb.path("plan.hplan")
    shutil.copy(PLAN, plan)
    j = sb.path("p.journal")
    lv = sb.spawn("run", plan, "--kind", "cluster", "--set", "affected=First Storage Group/Mailbox Store (SIM)",
                  "--log", "json", "--journal", j, "--pace", "30ms")
    lv.wait_for(ev_is("action-done"), 3)
    lv.send(signal.SIGKILL)
    lv.finish()
    with open(plan, "a") as f:
        f.write("# edited after the run started\n")
    data = open(j, "rb").read()
    r = sb.run("resume", j)
    S.check(r.rc != 0, "resume after the plan changed: exit 0 (SPEC: the journal holds the plan's hash; resume "
            "must not run another plan)", r)
    S.check(open(j, "rb").read() == data, "resume after the plan changed: the journal changed")


# ---- a run of a compiled image, killed, resumes from the image ------------------------------------------
with Sandbox() as sb:
    img = sb.path("ese.hpc")
    r = sb.run("compile", PLAN, "-o", img)
    if S.check(r.rc == 0, "compile: exit %s" % r.rc, r):
        j = sb.path("img.journal")
        lv = sb.spawn("run", img, "--kind", "cluster", "--set", "affected=First Storage Group/Mailbox Store (SIM)",
                      "--log", "json", "--journal", j, "--pace", "30ms")
        lv.wait_for(ev_is("action-done"), 5)
        lv.send(signal.SIGKILL)
        lv.finish()
        r = sb.run("resume", j, "--log", "json")
        S.check(r.rc == 0, "resume of a killed run of a compiled image: exit %s, expected 0" % r.rc, r)
        probs = journal_problems(decode(j)["records"], "cluster")
        S.check(not probs, "resume of a killed run of a compiled image: the journal: %s" % "; ".join(probs))


# ---- killed before the simulated target's state was first written ------------------------------------
# The runner creates JOURNAL.sim (open O_CREAT) and then writes it (pwrite) after the first action;
# a kill -9 between the two leaves an empty file: the state of a run whose first action's effect
# was never recorded, i.e. the start state. Made here by hand, as the kill would leave it.
# (standalone: its first action is paced; the cluster's is a verify, which does not wait)
for kind in ("standalone",):
    what = "%s: resume of a run killed with an empty JOURNAL.sim (between its creation and first write)" % kind
    with Sandbox() as sb:
        j = sb.path("e.journal")
        lv = sb.spawn(*run_args(kind, pace="200ms", journal=j))
        lv.wait_for(ev_is("action-start"), 1)
        lv.send(signal.SIGKILL)
        lv.finish()
        S.check(not os.path.exists(j + ".sim") or os.path.getsize(j + ".sim") == 0,
                "%s: test setup: the state was saved during the first action" % what)
        open(j + ".sim", "wb").close()
        r = sb.run("resume", j, "--log", "json")
        S.check(r.rc == 0, "%s: exit %s, expected 0 (SPEC: resume continues a run killed with kill -9)" %
                (what, r.rc), r)
        if r.rc == 0:
            probs = journal_problems(decode(j)["records"], kind)
            S.check(not probs, "%s: the journal: %s" % (what, "; ".join(probs)))


# ---- killed between run-done and the last-run record --------------------------------------------------
for kind in ("standalone", "cluster"):
    what = "%s: a run whose run-done is journaled but whose last-run record still says unfinished" % kind
    with Sandbox() as sb:
        j = sb.path("w.journal")
        r = sb.run(*run_args(kind, journal=j))
        S.check(r.rc == 0, "%s: the run: exit %s" % (what, r.rc), r)
        lastp = os.path.join(sb.state, "targets", TARGET[kind] + ".last")
        with open(lastp) as f:
            text = f.read()
        with open(lastp, "w") as f:   # what the crash window leaves (docs/journal.md, "One crash window")
            f.write(text.replace("status completed", "status unfinished"))
        data = open(j, "rb").read()
        r = sb.run("resume", j)
        # SPEC: a completed run cannot be resumed; docs/journal.md: resume mends the record and exits 0
        S.check(r.rc == 0, "%s: resume: exit %s, expected 0 (docs/journal.md, \"One crash window\": resume "
                "rewrites the last-run record with the journal's end status and exits 0)" % (what, r.rc), r)
        S.check(open(j, "rb").read() == data, "%s: resume changed the journal of the ended run" % what)
        S.check((sb.last(TARGET[kind]) or {}).get("status") == "completed",
                "%s: after resume the last-run record says %s, expected completed" %
                (what, (sb.last(TARGET[kind]) or {}).get("status")))
        r = sb.run(*run_args(kind, json_log=False))
        S.check(r.rc == 0, "%s: then a new run without --abandon: exit %s, expected 0" % (what, r.rc), r)

S.finish()
