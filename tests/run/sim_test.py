"""sim_test.py (run-sim.sh): `hotplan run` of the canonical plan on both built-in simulated
targets (SPEC sections 3, 5, 6): completion in text and JSON, --fail-at of every step with
the exit code and rollback SPEC implies (exit 1 and the target free when nothing had changed
yet), preflight failures, usage errors, check errors, --dry-run, the gate after an exit-4 run
(exit 5, `hotplan resume`, --abandon: the plan without the checkpoint after its first change),
and progress output that cannot be written."""
import os
import subprocess

from hp_e2e import (AFFECTED, HOTPLAN, PLAN, TARGET, Result, Sandbox, Suite, changes_before, checkpoint_actions,
                    checkpoint_before, decode, evs, journal_problems, parse_events, plan_args, plan_without_checkpoint,
                    run_args, step_actions, step_numbers, steps)

S = Suite("run-sim")

SPEC_EVENTS = ["run-start", "preflight-ok", "step-start", "action-start", "action-done", "step-done", "run-done"]


def only_journal(sb, r, what):
    js = sb.journals()
    S.check(len(js) == 1, "%s: one journal in STATE_DIR/runs, found %d" % (what, len(js)), r)
    return js[0] if js else None


# ---- 1. the canonical plan completes, text and JSON, on both targets ------------------------

def completes(kind, json_log, failback=None):
    fb = bool(failback)
    what = "run --kind %s%s%s" % (kind, " --log json" if json_log else "",
                                   " failback=%s" % failback if failback is not None else "")
    with Sandbox() as sb:
        r = sb.run(*run_args(kind, json_log=json_log, failback=failback))
        if not S.check(r.rc == 0, "%s: exit %s, expected 0" % (what, r.rc), r):
            return
        S.check(r.err.strip() == "", "%s: something on stderr for a clean run" % what, r.err)
        j = only_journal(sb, r, what)
        if j is None:
            return
        d = decode(j)
        recs = d["records"]
        probs = journal_problems(recs, kind, fb)
        S.check(not probs, "%s: the journal: %s" % (what, "; ".join(probs)), r)
        S.check(not d["torn"], "%s: the journal of a finished run has a torn tail" % what)
        S.check(d["header"]["target"] == TARGET[kind], "%s: journal target %r, expected %r" %
                (what, d["header"]["target"], TARGET[kind]))
        last = sb.last(TARGET[kind])
        S.check(last is not None and last.get("status") == "completed" and last.get("run") == d["header"]["run"]
                and os.path.realpath(last.get("journal", "")) == os.path.realpath(j),
                "%s: targets/%s.last should say run %s completed, journal %s" % (what, TARGET[kind],
                                                                               d["header"]["run"], j), last)
        if not json_log:
            for s in steps(kind, fb):
                S.check(s in r.out, "%s: the text output does not name step %s" % (what, s), r.out)
            S.check("completed" in r.out, "%s: the text output does not say completed" % what, r.out)
            S.check(d["header"]["run"] in r.out, "%s: the text output does not name the run id" % what, r.out)
            S.check("{" not in r.out.split("\n")[0], "%s: text mode printed JSON" % what, r.out)
            return
        E = parse_events(r.out, S, what)
        names = [e.get("event") for e in E]
        for n in SPEC_EVENTS:
            S.check(n in names, "%s: no %s event" % (what, n), r.out)
        runs = {e.get("run") for e in E}
        S.check(runs == {d["header"]["run"]}, "%s: events name runs %s, the journal %s" %
                (what, runs, d["header"]["run"]))
        S.check(names[:1] == ["run-start"], "%s: the first event is %s, not run-start" % (what, names[:1]))
        S.check(names[-1:] == ["run-done"] and E[-1].get("status") == "completed",
                "%s: the last event is not run-done with status completed" % what, r.out)
        if "preflight-ok" in names and "step-start" in names:
            S.check(names.index("preflight-ok") < names.index("step-start"),
                    "%s: preflight-ok after the first step-start" % what)
        S.check([e.get("step") for e in evs(E, "step-start")] == steps(kind, fb),
                "%s: step-start events %s, expected %s" % (what, [e.get("step") for e in evs(E, "step-start")],
                                                           steps(kind, fb)))
        S.check([e.get("step") for e in evs(E, "step-done")] == steps(kind, fb),
                "%s: step-done events %s, expected %s" % (what, [e.get("step") for e in evs(E, "step-done")],
                                                          steps(kind, fb)))
        nact = sum(step_actions(kind, fb).values())
        S.check(len(evs(E, "action-start")) == nact and len(evs(E, "action-done")) == nact,
                "%s: %d action-start and %d action-done events, expected %d of each" %
                (what, len(evs(E, "action-start")), len(evs(E, "action-done")), nact))
        S.check(all(e.get("action") and e.get("step") for e in evs(E, "action-done")),
                "%s: an action-done event without action or step" % what)
        S.check(not evs(E, "action-failed") and not evs(E, "step-failed") and not evs(E, "rollback-start"),
                "%s: failure events in a clean run" % what, r.out)
        # step k/N: N counts every step of the procedure, both branches of an `if` (its
        # condition is decided only when the run gets there), and k is the step's place
        # among them, whichever branch runs: with failback=false, remount is 15/15 and no
        # step is 12. The run-start line says the same N.
        nums = step_numbers(kind)
        for ev in ("step-start", "step-done"):
            got = [(e.get("step"), e.get("index"), e.get("steps")) for e in evs(E, ev)]
            want = [(s, nums[s], len(nums)) for s in steps(kind, fb)]
            S.check(got == want, "%s: %s events give (step, index, steps) %s, expected %s" % (what, ev, got, want))
        S.check("%d steps" % len(nums) in (E[0].get("message") or ""),
                "%s: run-start does not say %d steps" % (what, len(nums)), E[0])
        # the state is the journal's: no lock is held any more and the holder record is cleared
        # (docs/journal.md, "Locks": lock_release empties the file and never unlinks it)
        lk = os.path.join(sb.state, "locks", TARGET[kind] + ".lock")
        S.check(os.path.exists(lk) and os.path.getsize(lk) == 0,
                "%s: the lock file is gone or still names a holder after the run ended" % what)


for kind in ("standalone", "cluster"):
    completes(kind, False)
    completes(kind, True)
completes("cluster", True, failback=True)
completes("cluster", False, failback=False)


# ---- 2. --fail-at every step ---------------------------------------------------------------

def gate_after_exit4(sb, what, last, r2, args):
    """After an exit-4 run (last: its last-run record), a new run (r2) is refused with exit 5
    naming `hotplan resume` and the journal; --abandon of another run is a usage error; --abandon
    of it runs, and so does the next. args(*extra): the run's arguments."""
    S.check(r2.rc == 5, "%s: a new run after an exit-4 run: exit %s, expected 5" % (what, r2.rc), r2)
    run_id = last.get("run", "?")
    S.check("hotplan resume" in r2.err + r2.out and run_id in r2.err + r2.out,
            "%s: the refusal should name `hotplan resume` and run %s" % (what, run_id), r2)
    S.check(last.get("journal", "?") in r2.err + r2.out, "%s: the refusal should name the journal %s" %
            (what, last.get("journal")), r2)
    S.check(len(sb.journals()) == 1, "%s: the refused run wrote a journal" % what)
    r3 = sb.run(*args("--abandon", "20000101T000000Z-000000"))
    S.check(r3.rc == 2, "%s: --abandon of another run: exit %s, expected 2" % (what, r3.rc), r3)
    r4 = sb.run(*args("--abandon", run_id))
    S.check(r4.rc == 0, "%s: --abandon %s: exit %s, expected 0" % (what, run_id, r4.rc), r4)
    r5 = sb.run(*args())
    S.check(r5.rc == 0, "%s: a run after the abandoned one completed: exit %s, expected 0" % (what, r5.rc), r5)


def fail_at(kind, step, failback=None):
    fb = bool(failback)
    unchanged = not changes_before(kind, step, fb)   # then nothing to roll back: exit 1, target free
    ck = None if unchanged else checkpoint_before(kind, step, fb)
    want = 1 if unchanged else 4 if ck is None else 3
    status = "failed" if ck is None else "rolled-back"
    recorded = "unchanged" if unchanged else status   # in the journal and the last-run record
    what = "run --kind %s --fail-at %s" % (kind, step)
    with Sandbox() as sb:
        r = sb.run(*run_args(kind, "--fail-at", step, failback=failback))
        S.check(r.rc == want, "%s: exit %s, expected %d (%s)" % (
            what, r.rc, want, "nothing changed before it" if unchanged else
            "no checkpoint passed before it" if ck is None else "rolled back to " + ck), r)
        E = parse_events(r.out, S, what)
        S.check(len(evs(E, "step-failed", step=step)) == 1, "%s: no step-failed event for %s" % (what, step), r.out)
        order = steps(kind, fb)
        ran = [e.get("step") for e in evs(E, "step-start")]
        S.check(ran == order[:order.index(step) + 1],
                "%s: steps started %s, expected %s" % (what, ran, order[:order.index(step) + 1]))
        S.check(not evs(E, "action-start", step=step), "%s: the failed step acted (--fail-at fails it before its "
                "first action)" % what, r.out)
        done = E[-1] if E else {}
        S.check(done.get("event") == "run-done" and done.get("status") == status,
                "%s: last event %s/%s, expected run-done/%s" % (what, done.get("event"), done.get("status"), status),
                r.out)
        rs, rd = evs(E, "rollback-start"), evs(E, "rollback-done")
        if ck is None:
            S.check(not rs and not rd, "%s: a rollback with no checkpoint passed" % what, r.out)
        else:
            S.check(len(rs) == 1 and rs[0].get("step") == ck and len(rd) == 1 and rd[0].get("step") == ck,
                    "%s: rollback-start/rollback-done should name checkpoint %s" % (what, ck), r.out)
            nck = checkpoint_actions(kind)[ck]
            S.check(len(evs(E, "action-done", step=ck)) == nck,
                    "%s: %d rollback actions done, checkpoint %s has %d" %
                    (what, len(evs(E, "action-done", step=ck)), ck, nck), r.out)
            S.check(not evs(E, "rollback-failed"), "%s: rollback-failed" % what, r.out)
        js = sb.journals()
        if S.check(len(js) == 1, "%s: %d journals, expected 1" % (what, len(js))):
            d = decode(js[0])
            recs = d["records"]
            S.check(recs and recs[-1]["kind"] == "run-done" and recs[-1]["status"] == recorded,
                    "%s: the journal does not end with run-done %s" % (what, recorded))
            S.check([x["step_name"] for x in recs if x["kind"] == "step-failed"] == [step],
                    "%s: journal step-failed records wrong" % what)
            if ck is not None:
                S.check([x["step_name"] for x in recs if x["kind"] == "rollback-start"] == [ck],
                        "%s: journal rollback-start should name %s" % (what, ck))
                S.check(len([x for x in recs if x["kind"] == "rollback-action-done"]) ==
                        checkpoint_actions(kind)[ck], "%s: journal rollback-action-done count" % what)
                S.check(any(x["kind"] == "rollback-done" for x in recs), "%s: no rollback-done record" % what)
        last = sb.last(TARGET[kind]) or {}
        S.check(last.get("status") == recorded, "%s: last-run record says %s, expected %s" %
                (what, last.get("status"), recorded))
        # what may follow
        r2 = sb.run(*run_args(kind, json_log=False))
        if unchanged:
            S.check(r2.rc == 0, "%s: a new run after a run that changed nothing: exit %s, expected 0" %
                    (what, r2.rc), r2)
            return
        if ck is not None:
            S.check(r2.rc == 0, "%s: a new run after a rolled-back run: exit %s, expected 0" % (what, r2.rc), r2)
            return
        gate_after_exit4(sb, what, last, r2, lambda *x: run_args(kind, *x, json_log=False))


for kind in ("standalone", "cluster"):
    for st in steps(kind, failback=False):
        fail_at(kind, st)
fail_at("cluster", "failback", failback=True)

# exit 4 and its gate: the canonical plan without the checkpoint after its first change, failing
# at the next step (after that change, with no checkpoint passed)
for kind, ck, step in (("standalone", "others_dismounted", "kill_store"),
                       ("cluster", "passive_stopped", "passive_install")):
    what = "run --kind %s --fail-at %s without checkpoint %s" % (kind, step, ck)
    with Sandbox() as sb:
        variant = plan_without_checkpoint(sb.path("no-checkpoint.hplan"), ck)
        r = sb.run(*plan_args(variant, kind, "--fail-at", step))
        S.check(r.rc == 4, "%s: exit %s, expected 4 (a change, no checkpoint passed)" % (what, r.rc), r)
        E = parse_events(r.out, S, what)
        done = E[-1] if E else {}
        S.check(done.get("event") == "run-done" and done.get("status") == "failed" and not evs(E, "rollback-start"),
                "%s: last event %s/%s, expected run-done/failed and no rollback" %
                (what, done.get("event"), done.get("status")), r.out)
        last = sb.last(TARGET[kind]) or {}
        S.check(last.get("status") == "failed", "%s: last-run record says %s, expected failed" %
                (what, last.get("status")))
        r2 = sb.run(*plan_args(variant, kind, json_log=False))
        gate_after_exit4(sb, what, last, r2, lambda *x: plan_args(variant, kind, *x, json_log=False))

# --fail-at a step the run never reaches (the `if failback` branch not taken): nothing fails
with Sandbox() as sb:
    r = sb.run(*run_args("cluster", "--fail-at", "failback", failback=False))
    S.check(r.rc == 0, "run --fail-at failback with failback=false: exit %s, expected 0 (the step is not "
            "reached)" % r.rc, r)
    E = parse_events(r.out, S, "run --fail-at failback with failback=false")
    S.check(not evs(E, "step-failed") and evs(E, "run-done", status="completed"),
            "run --fail-at failback with failback=false: a step failed or the run did not complete", r.out)


# ---- 3. refused before anything changes -----------------------------------------------------

def nothing_written(sb, what, journal=None):
    S.check(sb.journals() == [], "%s: a journal was written: %s" % (what, sb.journals()))
    for t in TARGET.values():
        S.check(sb.last(t) is None, "%s: a last-run record was written for %s" % (what, t))
    if journal:
        S.check(not os.path.exists(journal), "%s: --journal %s was created" % (what, journal))


for kind in ("standalone", "cluster"):
    with Sandbox() as sb:
        j = sb.path("given.journal")
        what = "run --kind %s without --set affected" % kind
        r = sb.run("run", PLAN, "--kind", kind, "--log", "json", "--journal", j)
        S.check(r.rc == 1, "%s: exit %s, expected 1" % (what, r.rc), r)
        E = parse_events(r.out, S, what)
        pf = evs(E, "preflight-failed")
        S.check(len(pf) == 1 and "affected" in (pf[0].get("message") or ""),
                "%s: one preflight-failed event naming the param" % what, r.out)
        S.check(not evs(E, "step-start") and not evs(E, "action-start") and not evs(E, "preflight-ok"),
                "%s: steps started after a failed preflight" % what, r.out)
        S.check(evs(E, "run-done", status="failed"), "%s: no run-done/failed event" % what, r.out)
        nothing_written(sb, what, j)
        # and the target is free: a complete run works at once
        r = sb.run(*run_args(kind, json_log=False))
        S.check(r.rc == 0, "%s: the next run: exit %s, expected 0" % (what, r.rc), r)

with Sandbox() as sb:
    what = "run with --set affected= (count(affected) > 0 fails)"
    r = sb.run("run", PLAN, "--set", "affected=", "--log", "json")
    S.check(r.rc == 1, "%s: exit %s, expected 1" % (what, r.rc), r)
    S.check(evs(parse_events(r.out, S, what), "preflight-failed"), "%s: no preflight-failed" % what, r.out)
    nothing_written(sb, what)

with Sandbox() as sb:
    what = "run on a simulated target with exchange.version 6.5.6944.0 (require fails)"
    with open(sb.path("old.inv"), "w") as f:
        f.write('target old standalone {\n    node "old-server"\n    fact exchange.version = 6.5.6944.0\n'
                '    store "First Storage Group/Mailbox Store (SIM)"\n}\n')
    r = sb.run("run", PLAN, "--inventory", sb.path("old.inv"), "--set", AFFECTED, "--log", "json")
    S.check(r.rc == 1, "%s: exit %s, expected 1" % (what, r.rc), r)
    E = parse_events(r.out, S, what)
    S.check(evs(E, "preflight-failed") and "SP1" in (evs(E, "preflight-failed")[0].get("message") or ""),
            "%s: preflight-failed should give the require's message" % what, r.out)
    nothing_written(sb, what)

with Sandbox() as sb:
    what = "run with affected naming a store the target does not have"
    r = sb.run("run", PLAN, "--set", "affected=No Such Store", "--log", "json")
    S.check(r.rc in (1, 2), "%s: exit %s, expected 1 (or 2)" % (what, r.rc), r)
    nothing_written(sb, what)

# usage errors: exit 2, nothing written
usage = [
    ("a bool param set to 'maybe'", ["--set", AFFECTED, "--set", "failback=maybe"]),
    ("a param the plan does not have", ["--set", AFFECTED, "--set", "nosuch=1"]),
    ("--set without =", ["--set", "affected"]),
    ("--fail-at an unknown step", ["--set", AFFECTED, "--fail-at", "no_such_step"]),
    ("--fail-at a step of the other procedure", ["--set", AFFECTED, "--kind", "cluster", "--fail-at", "apply"]),
    ("--fail-at a checkpoint", ["--set", AFFECTED, "--fail-at", "store_killed"]),
    ("--pace that is not a duration", ["--set", AFFECTED, "--pace", "soon"]),
    ("--log yaml", ["--set", AFFECTED, "--log", "yaml"]),
    ("--kind both", ["--set", AFFECTED, "--kind", "both"]),
]
for what, extra in usage:
    with Sandbox() as sb:
        r = sb.run("run", PLAN, *extra)
        S.check(r.rc == 2, "run with %s: exit %s, expected 2" % (what, r.rc), r)
        S.check(r.err.strip() != "", "run with %s: no message on stderr" % what, r)
        nothing_written(sb, "run with " + what)

with Sandbox() as sb:
    r = sb.run("run", sb.path("missing.hplan"), "--set", AFFECTED)
    S.check(r.rc == 2, "run of a missing plan file: exit %s, expected 2" % r.rc, r)
    nothing_written(sb, "run of a missing plan file")
    r = sb.run("resume", sb.path("missing.journal"))
    S.check(r.rc == 2, "resume of a missing journal: exit %s, expected 2" % r.rc, r)
    with open(sb.path("garbage.journal"), "wb") as f:
        f.write(b"this is not a journal\n" * 10)
    r = sb.run("resume", sb.path("garbage.journal"))
    S.check(r.rc == 2, "resume of a file that is not a journal: exit %s, expected 2" % r.rc, r)

# a plan with check errors: exit 1, diagnostics, nothing written; warnings alone do not stop a run
src = open(PLAN).read()
with Sandbox() as sb:
    bad = sb.path("bad.hplan")
    with open(bad, "w") as f:   # HP101: the affected stores are dismounted too
        f.write(src.replace("dismount stores not in affected", "dismount all stores"))
    for kind in ("standalone", "cluster"):
        what = "run --kind %s of a plan with check errors (HP101)" % kind
        r = sb.run(*run_args(kind, json_log=True)[:1], bad, *run_args(kind)[2:])
        S.check(r.rc == 1, "%s: exit %s, expected 1" % (what, r.rc), r)
        S.check("HP101" in r.err, "%s: the diagnostics are not shown" % what, r)
        S.check(not any(e.get("event") == "step-start" for e in parse_events(r.out)), "%s: steps ran" % what)
        nothing_written(sb, what)
    warn = sb.path("warn.hplan")
    with open(warn, "w") as f:  # HP201 only: an unused param
        f.write(src.replace('    param failback', '    param unused_flag : bool = false "never used"\n'
                                                  '    param failback', 1))
    r = sb.run("run", warn, "--set", AFFECTED)
    S.check(r.rc == 0, "run of a plan with warnings only (HP201): exit %s, expected 0" % r.rc, r)
    S.check("HP201" in r.err, "run of a plan with warnings only: the warning is not shown", r)


# ---- a compiled image runs like its plan; a damaged one is refused ---------------------------------
with Sandbox() as sb:
    img = sb.path("ese.hpc")
    r = sb.run("compile", PLAN, "-o", img)
    if S.check(r.rc == 0 and os.path.exists(img), "compile of the canonical plan: exit %s" % r.rc, r):
        for kind in ("standalone", "cluster"):
            r = sb.run("run", img, "--kind", kind, "--set", AFFECTED, "--log", "json")
            S.check(r.rc == 0, "run of the compiled image --kind %s: exit %s, expected 0" % (kind, r.rc), r)
            E = parse_events(r.out, S, "run of the image")
            S.check([e.get("step") for e in evs(E, "step-done")] == steps(kind),
                    "run of the compiled image --kind %s: steps done %s" % (kind, [e.get("step") for e in
                                                                                 evs(E, "step-done")]))
        data = bytearray(open(img, "rb").read())
        data[len(data) // 2] ^= 0x01
        bad = sb.path("bad.hpc")
        with open(bad, "wb") as f:
            f.write(bytes(data))
        n = len(sb.journals())
        r = sb.run("run", bad, "--set", AFFECTED)
        S.check(r.rc == 2, "run of an image with a flipped byte: exit %s, expected 2 (SPEC: checksum)" % r.rc, r)
        S.check(len(sb.journals()) == n, "run of a damaged image wrote a journal")

# ---- --journal FILE that exists already: refused, the file untouched, the target not blocked ------
with Sandbox() as sb:
    j = sb.path("exists.journal")
    with open(j, "w") as f:
        f.write("not mine\n")
    r = sb.run(*run_args("standalone", journal=j, json_log=False))
    S.check(r.rc == 2, "run --journal of an existing file: exit %s, expected 2" % r.rc, r)
    S.check(open(j).read() == "not mine\n", "run --journal of an existing file changed it")
    r = sb.run(*run_args("standalone", json_log=False))
    S.check(r.rc == 0, "a run after the refused --journal run: exit %s, expected 0" % r.rc, r)


# ---- 4. --dry-run ---------------------------------------------------------------------------

for kind in ("standalone", "cluster"):
    for json_log in (False, True):
        with Sandbox() as sb:
            j = sb.path("dry.journal")
            what = "run --dry-run --kind %s%s" % (kind, " --log json" if json_log else "")
            r = sb.run(*run_args(kind, "--dry-run", json_log=json_log, journal=j))
            S.check(r.rc == 0, "%s: exit %s, expected 0" % (what, r.rc), r)
            nothing_written(sb, what, j)
            S.check(not os.path.exists(os.path.join(sb.state, "locks")), "%s: a lock file was made" % what)
            if json_log:
                E = parse_events(r.out, S, what)
                acts = [e for e in E if e.get("action")]
                S.check(len(acts) >= sum(step_actions(kind).values()),
                        "%s: %d events name an action, the plan has %d" % (what, len(acts),
                                                                         sum(step_actions(kind).values())), r.out)
                S.check(not evs(E, "action-done"), "%s: actions reported done in a dry run" % what, r.out)
            else:
                for s in steps(kind):
                    S.check(s in r.out, "%s: step %s not shown" % (what, s), r.out)
                for a in ("kill process", "install hotfix", "mount stores"):
                    S.check(a in r.out, "%s: action '%s' not shown" % (what, a), r.out)
                if kind == "cluster":
                    S.check("sim-node1" in r.out and "sim-node2" in r.out,
                            "%s: the nodes are not named" % what, r.out)
            # a dry run does not block or change the target: a real run follows
            r2 = sb.run(*run_args(kind, json_log=False))
            S.check(r2.rc == 0, "%s: the real run after it: exit %s" % (what, r2.rc), r2)

# a dry run with --fail-at changes nothing either
with Sandbox() as sb:
    r = sb.run(*run_args("cluster", "--dry-run", "--fail-at", "active_stop", json_log=False))
    S.check(r.rc == 0, "run --dry-run --fail-at active_stop: exit %s, expected 0" % r.rc, r)
    nothing_written(sb, "run --dry-run --fail-at")


# ---- 5. progress output that cannot be written ----------------------------------------------
# (runtime/progress.c) A run goes on without it, says so on stderr at the end and keeps its exit
# status; its journal has every step. A dry run, whose output is all it is for, fails (exit 2).

def run_out(sb, args, stdout, close_early=False):
    argv = [HOTPLAN] + [str(a) for a in args]
    w = None
    if close_early:
        # the reader is gone before the first line (`| head -0`): a pipe whose read end is
        # closed before the runner starts, so every write fails, however fast the runner is
        r, w = os.pipe()
        os.close(r)
        stdout = w
    try:
        p = subprocess.Popen(argv, cwd=sb.dir, env=sb.env, stdin=subprocess.DEVNULL, stdout=stdout,
                             stderr=subprocess.PIPE)
    finally:
        if w is not None:
            os.close(w)
    _, err = p.communicate(timeout=120)
    return Result(argv, p.returncode, "", err.decode("utf-8", "replace"))


def output_lost(what, stdout, close_early=False):
    for json_log in (False, True):
        w = "run --log %s, stdout %s" % ("json" if json_log else "text", what)
        with Sandbox() as sb:
            r = run_out(sb, run_args("standalone", json_log=json_log, pace="5ms"), stdout, close_early)
            S.check(r.rc == 0, "%s: exit %s, expected 0 (the run completed)" % (w, r.rc), r)
            S.check("progress output was cut short" in r.err, "%s: stderr does not say the output was lost" % w, r)
            j = only_journal(sb, r, w)
            if j is not None:
                probs = journal_problems(decode(j)["records"], "standalone")
                S.check(not probs, "%s: the journal: %s" % (w, "; ".join(probs)), r)
        with Sandbox() as sb:
            r = run_out(sb, run_args("standalone", "--dry-run", json_log=json_log), stdout, close_early)
            S.check(r.rc == 2, "%s --dry-run: exit %s, expected 2" % (w, r.rc), r)
            S.check("progress output was cut short" in r.err, "%s --dry-run: stderr does not say so" % w, r)


if os.path.exists("/dev/full"):
    with open("/dev/full", "wb") as full:
        output_lost("/dev/full", full)
output_lost("a pipe closed by its reader (EPIPE, not SIGPIPE)", None, close_early=True)

S.finish()
