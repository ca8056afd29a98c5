"""signal_test.py (run-signal.sh): one Ctrl-C (SIGINT) or SIGTERM during a paced run (SPEC
section 5: exit 130 "after the running action finished and was journaled: resume
continues"): the action in flight ends ok and is journaled, nothing after it starts, the run
exits 130, the target refuses a new run (its last run is unfinished), and `hotplan resume`
completes it with every step done once; a resume interrupted the same way is resumed in turn."""
import signal
import time

from hp_e2e import (TARGET, Sandbox, Suite, decode, ev_is, evs, journal_problems, parse_events, run_args,
                    steps)

S = Suite("run-signal")
KIND = "cluster"
PACE = 0.15


def interrupt(sig, nth_start, label):
    """Send `sig` once, in the middle of the nth action of the run."""
    what = "%s in the middle of %s" % (signal.Signals(sig).name, label)
    with Sandbox() as sb:
        j = sb.path("run.journal")
        lv = sb.spawn(*run_args(KIND, journal=j, pace="%dms" % int(PACE * 1000)))
        if not S.check(lv.wait_for(ev_is("action-start"), nth_start), "%s: the run did not get there" % what):
            lv.finish()
            return
        time.sleep(PACE / 3)
        lv.send(sig)
        res = lv.finish()
        E = parse_events(res.out, S, what)
        if not S.check(res.rc == 130, "%s: exit %s, expected 130" % (what, res.rc),
                       "\n".join("%s %s %s %s" % (e.get("event"), e.get("step") or "", e.get("action") or "",
                                                   e.get("message") or "") for e in E[-8:])):
            return   # what follows would only repeat it
        # the action in flight finished, ok, and nothing started after it (the signal was meant for
        # action nth_start; on a loaded machine it may land in the next one)
        starts = evs(E, "action-start")
        S.check(nth_start <= len(starts) <= nth_start + 1,
                "%s: %d actions started, expected %d (nothing after the running one)" % (what, len(starts), nth_start),
                res.out)
        running = starts[-1] if starts else {}
        if starts:
            after = E[E.index(running) + 1:]
            S.check([e.get("event") for e in after if e.get("action")] == ["action-done"] and
                    evs(after, "action-done", step=running.get("step"), action=running.get("action"), status="ok"),
                    "%s: the running action (%s) did not finish ok, or something else acted after it" %
                    (what, running.get("action")), res.out)
        S.check(not evs(E, "action-failed") and not evs(E, "step-failed") and not evs(E, "rollback-start"),
                "%s: an interrupt failed a step or rolled back" % what, res.out)
        S.check(not evs(E, "run-done", status="completed") and not evs(E, "run-done", status="rolled-back"),
                "%s: the run says it ended" % what, res.out)
        S.check("hotplan resume" in res.out + res.err, "%s: the output does not say to continue with "
                "`hotplan resume`" % what, res)
        d = decode(j)
        recs = d["records"]
        S.check(recs and recs[-1]["kind"] == "interrupted",
                "%s: the journal's last record is %s, expected interrupted" % (what, recs[-1]["kind"] if recs else None))
        acted = [r for r in recs if r["kind"] == "action-done" and r["step_name"] == running.get("step")]
        S.check(acted, "%s: the running action's action-done is not journaled" % what)
        last = sb.last(TARGET[KIND]) or {}
        S.check(last.get("status") == "unfinished", "%s: the last-run record says %s, expected unfinished" %
                (what, last.get("status")))
        r = sb.run(*run_args(KIND, json_log=False))
        S.check(r.rc == 5 and "hotplan resume" in r.err + r.out,
                "%s: a new run after the interrupted one: exit %s, expected 5 naming `hotplan resume`" % (what, r.rc), r)
        done_before = {x["step_name"] for x in recs if x["kind"] == "step-done"}
        r = sb.run("resume", j, "--log", "json")
        S.check(r.rc == 0, "%s: resume: exit %s, expected 0" % (what, r.rc), r)
        E2 = parse_events(r.out, S, what + ": resume")
        S.check({e.get("step") for e in evs(E2, "resume-skip")} == done_before,
                "%s: resume-skip %s, the journal had %s done" % (what, sorted({e.get("step") for e in
                                                                               evs(E2, "resume-skip")}),
                                                                  sorted(done_before)), r.out)
        d = decode(j)
        probs = journal_problems(d["records"], KIND)
        S.check(not probs, "%s: after resume, the journal: %s" % (what, "; ".join(probs)))
        last = sb.last(TARGET[KIND]) or {}
        S.check(last.get("status") == "completed", "%s: after resume the last-run record says %s" %
                (what, last.get("status")))
        all_done = evs(E, "step-done") + evs(E2, "step-done")
        S.check(sorted(e.get("step") for e in all_done) == sorted(steps(KIND)),
                "%s: step-done events over both processes: %s" % (what, [e.get("step") for e in all_done]))


def interrupt_resume_too():
    """Ctrl-C the run, then Ctrl-C its resume in the middle of an action, then resume again."""
    what = "SIGINT in the run and again in its resume"
    with Sandbox() as sb:
        j = sb.path("run.journal")
        procs = []
        for argv, nth in ((run_args(KIND, journal=j, pace="%dms" % int(PACE * 1000)), 2),
                          (["resume", j, "--log", "json"], 3)):
            lv = sb.spawn(*argv)
            lv.wait_for(ev_is("action-start"), nth)
            time.sleep(PACE / 3)
            lv.send(signal.SIGINT)
            res = lv.finish()
            procs.append(res)
            if not S.check(res.rc == 130, "%s: %s: exit %s, expected 130" % (what, argv[0], res.rc),
                           "\n".join(res.out.splitlines()[-6:])):
                return
        r = sb.run("resume", j, "--log", "json")
        S.check(r.rc == 0, "%s: the last resume: exit %s, expected 0" % (what, r.rc), r)
        probs = journal_problems(decode(j)["records"], KIND)
        S.check(not probs, "%s: the journal: %s" % (what, "; ".join(probs)))
        done = []
        for res in procs + [r]:
            done += [e.get("step") for e in evs(parse_events(res.out, S, what), "step-done")]
        S.check(sorted(done) == sorted(steps(KIND)), "%s: step-done events over the three processes: %s" %
                (what, done))


for sig in (signal.SIGINT, signal.SIGTERM):
    # action 3: `install hotfix ese` on the passive node, a one-action step
    interrupt(sig, 3, "install hotfix (a one-action step)")
    # action 4: `restart node`, the first of the two actions of passive_restart
    interrupt(sig, 4, "restart node (the first action of a two-action step)")
interrupt_resume_too()

S.finish()
