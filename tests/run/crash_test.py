"""crash_test.py (run-crash.sh, run-crash-random.sh): kill -9 the runner of the cluster plan at
many moments, then `hotplan resume JOURNAL` (itself killed, sometimes) until it exits 0.

After each scenario (SPEC section 6: "finished steps are not run again; an action whose end
was not recorded is re-verified through its probe before it is repeated"):
  - the run completed (the last resume exit 0, except as said below; run-done completed, the
    last-run record too);
  - in the journal (decoded by journal-dump.py): every step done exactly once and in order,
    every action done exactly once, no action started again after its action-done, no
    action of a step started after its step-done, no failure records, no torn tail left;
  - in the JSON logs of all the processes of that journal: no step-done twice, no action-done
    twice, every line JSON with event/time/run;
  - each resume: the steps the journal showed finished when it started are resume-skip in
    its log (all of them, when it completed), and none of them is started again.

    crash_test.py events     kill after the Nth action-start / action-done / step-done event
    crash_test.py random     kill at random moments (unpaced and paced), and kill resumes too
A kill that lands after the run-done record (the run had completed) is followed by one resume,
which must leave the last-run record saying completed: killed before the runner wrote that
record, the resume writes it and exits 0 (docs/journal.md, "One crash window"); killed after
it, the resume refuses a completed run (exit 2).
HOTPLAN_CRASH_SEED picks the random seed (printed: it replays the same kill points; the timing
of the processes still varies)."""
import os
import random
import signal
import sys
import time

from hp_e2e import (TARGET, Sandbox, Suite, decode, evs, journal_problems, parse_events, run_args, steps,
                    step_actions)

NACT = sum(step_actions("cluster").values())

group = sys.argv[1] if len(sys.argv) > 1 else "events"
S = Suite("run-crash-" + group)
seed = int(os.environ.get("HOTPLAN_CRASH_SEED", str(int(time.time() * 1000) % 1000000)))
rng = random.Random(seed)
print("run-crash-%s: seed %d (HOTPLAN_CRASH_SEED=%d replays the kill points)" % (group, seed, seed))

stats = {"scenarios": 0, "kills": 0, "resume_kills": 0, "resumes": 0, "ended_before_resume": 0}


def trigger_events(name, n):
    """Kill right after the nth `name` event."""
    def t(live):
        return live.wait_for(lambda e: e.get("event") == name, n)
    t.desc = "after %s #%d" % (name, n)
    return t


def trigger_delay(first_event, seconds):
    """Kill `seconds` after the first `first_event` event."""
    def t(live):
        if not live.wait_for(lambda e: e.get("event") == first_event):
            return False
        time.sleep(seconds)
        return True
    t.desc = "%.1f ms after %s" % (seconds * 1000, first_event)
    return t


def launch(sb, argv, trigger):
    live = sb.spawn(*argv)
    killed = False
    if trigger is not None and trigger(live):
        live.send(signal.SIGKILL)
        killed = live.killed is not None
    res = live.finish()
    return res, killed and res.rc == -signal.SIGKILL


def done_before(path):
    """What the journal shows, as a resume will see it: (steps finished, ended completed)."""
    if not os.path.exists(path):
        return None
    try:
        d = decode(path)
    except Exception:   # noqa: BLE001 -- reported by the final decode
        return None
    recs = d["records"]
    ended = bool(recs) and recs[-1]["kind"] == "run-done" and recs[-1]["status"] == "completed"
    return {r["step_name"] for r in recs if r["kind"] == "step-done"}, ended


def scenario(label, pace, first, resume_triggers=(), kind="cluster"):
    """One journal: a run killed by `first`, then resumes (killed by resume_triggers[i])."""
    stats["scenarios"] += 1
    what = "%s%s (pace %s, kill %s%s)" % ("" if kind == "cluster" else kind + " ", label, pace or "0", first.desc,
                                         ", resume kills: " + ", ".join(t.desc for t in resume_triggers)
                                         if resume_triggers else "")
    with Sandbox("hotplan-crash") as sb:
        j = sb.path("run.journal")
        attempts = []   # (name, Result, killed, what the journal showed before it, or None)
        res, killed = launch(sb, run_args(kind, journal=j, pace=pace), first)
        attempts.append(("run", res, killed, None))
        stats["kills"] += killed
        if not killed and not S.check(res.rc == 0, "%s: the run was not killed and exit %s" % (what, res.rc), res):
            return
        if not os.path.exists(j):
            S.check(False, "%s: no journal after the kill (the kill came after preflight-ok)" % what, res)
            return
        rc = res.rc
        i = 0
        while rc != 0:
            if i >= 8:
                S.check(False, "%s: still not completed after %d resumes" % (what, i),
                        "\n".join(str(a[1]) for a in attempts[-2:]))
                return
            before = done_before(j)
            trig = resume_triggers[i] if i < len(resume_triggers) else None
            if before is not None and before[1]:
                trig = None    # the run had completed: the kill came after its run-done record
            last = (sb.last(TARGET[kind]) or {}).get("status")
            res, killed = launch(sb, ["resume", j, "--log", "json"], trig)
            attempts.append(("resume %d" % (i + 1), res, killed, before))
            stats["resumes"] += 1
            stats["resume_kills"] += killed
            stats["kills"] += killed
            i += 1
            if before is not None and before[1]:
                # killed between run-done and the last-run record: docs/journal.md says resume
                # mends the record and exits 0; killed after it: SPEC says a completed run cannot
                # be resumed (exit 2, runtime/resume.c resume_ended). Either way the target
                # must not stay blocked.
                stats["ended_before_resume"] += 1
                want = 0 if last == "unfinished" else 2
                S.check(res.rc == want, "%s: resume of a run killed after its run-done record, the last-run "
                        "record saying %s: exit %s, expected %d" % (what, last, res.rc, want), res)
                S.check((sb.last(TARGET[kind]) or {}).get("status") == "completed",
                        "%s: a run killed after its run-done: after resume the last-run record says %s, "
                        "expected completed" % (what, (sb.last(TARGET[kind]) or {}).get("status")), res)
                break
            sim = j + ".sim"
            hint = " (JOURNAL.sim is empty: the runner was killed between creating it and writing it)" \
                if os.path.exists(sim) and os.path.getsize(sim) == 0 else ""
            if not killed and not S.check(res.rc == 0, "%s: resume %d: exit %s, expected 0%s" % (what, i, res.rc, hint),
                                          res):
                return
            rc = res.rc if not killed else -9
        check_scenario(sb, what, j, attempts, kind)


def check_scenario(sb, what, j, attempts, kind):
    d = decode(j)
    recs = d["records"]
    probs = journal_problems(recs, kind)
    S.check(not probs, "%s: the journal: %s" % (what, "; ".join(probs)),
            "\n".join("%4d %-22s %-16s %2d %s %s" % (r["seq"], r["kind"], r["step_name"], r["action"], r["node"],
                                                   r["message"]) for r in recs))
    S.check(not d["torn"], "%s: the final journal still has a torn tail (%s)" % (what, d["why"]))
    n_resumes = len([r for r in recs if r["kind"] == "run-resume"])
    S.check(n_resumes <= len(attempts) - 1,
            "%s: %d run-resume records for %d resumes" % (what, n_resumes, len(attempts) - 1))
    last = sb.last(TARGET[kind]) or {}
    S.check(last.get("status") == "completed" and last.get("run") == d["header"]["run"],
            "%s: the last-run record says %s" % (what, last))
    # the JSON logs of every process of this journal
    step_done, action_done = {}, {}
    for name, res, killed, before in attempts:
        E = parse_events(res.out, S, "%s: %s" % (what, name), partial_ok=killed)
        S.check(all(e.get("run") == d["header"]["run"] for e in E),
                "%s: %s: events name another run than %s" % (what, name, d["header"]["run"]))
        for e in evs(E, "step-done"):
            step_done.setdefault(e.get("step"), []).append(name)
        for e in E:
            if e.get("event") == "action-done" and e.get("step") in steps(kind):
                action_done.setdefault((e.get("step"), e.get("action"), e.get("node")), []).append(name)
        if before is None or before[1]:
            continue
        before = before[0]
        skipped = {e.get("step") for e in evs(E, "resume-skip")}
        started = {e.get("step") for e in evs(E, "step-start")}
        S.check(skipped <= before, "%s: %s: resume-skip for steps the journal did not show done: %s" %
                (what, name, sorted(skipped - before)), res)
        S.check(not (started & before), "%s: %s: started again steps the journal showed done: %s" %
                (what, name, sorted(started & before)), res)
        if not killed:
            S.check(skipped == before, "%s: %s: finished steps not shown as resume-skip: %s" %
                    (what, name, sorted(before - skipped)), res)
            S.check(evs(E, "run-done", status="completed"), "%s: %s: no run-done/completed event" % (what, name), res)
    twice = {s: n for s, n in step_done.items() if len(n) > 1}
    S.check(not twice, "%s: step-done twice in the JSON logs: %s" % (what, twice))
    twice = {a: n for a, n in action_done.items() if len(n) > 1}
    S.check(not twice, "%s: action-done twice in the JSON logs: %s" % (what, twice))


if group == "events":
    # after the Nth action-start: the action is in flight (paced), its end not journaled
    for n in range(1, NACT + 1):
        scenario("action-start %d" % n, "40ms", trigger_events("action-start", n))
    # after the Nth action-done: the record is durable; the step's end may not be
    for n in range(1, NACT + 1):
        scenario("action-done %d" % n, "40ms", trigger_events("action-done", n))
    # after the Nth step-done: between steps (and around checkpoints)
    for n in range(1, len(steps("cluster"))):
        scenario("step-done %d" % n, "20ms", trigger_events("step-done", n))
    # after each checkpoint
    for n in (1, 2, 3):
        scenario("checkpoint %d" % n, "20ms", trigger_events("checkpoint", n))
elif group == "random":
    # unpaced: the whole run is a few ms of journal appends; a kill anywhere in it, including
    # between an action's effect and its action-done record
    full = None
    for _ in range(3):
        with Sandbox("hotplan-crash") as sb:
            lv = sb.spawn(*run_args("cluster"))
            lv.wait_for(lambda e: e.get("event") == "preflight-ok")
            t0 = time.monotonic()
            lv.finish()
            full = max(full or 0.0, time.monotonic() - t0)
    full = max(full, 0.005)
    print("run-crash-random: an unpaced cluster run takes %.1f ms after preflight-ok" % (full * 1000))
    for k in range(14):
        scenario("random unpaced %d" % k, None, trigger_delay("preflight-ok", rng.uniform(0, full)))
    # paced: somewhere inside an action or between two
    for k in range(10):
        scenario("random paced %d" % k, "25ms", trigger_delay("preflight-ok", rng.uniform(0, 17 * 0.025)))
    # the resume is killed too, once or twice
    for k in range(4):
        scenario("resume killed %d" % k, "25ms", trigger_events("action-done", rng.randint(1, 6)),
                 [trigger_events("action-done", rng.randint(1, 3))])
    for k in range(3):
        scenario("resume killed twice %d" % k, "25ms", trigger_events("action-done", rng.randint(1, 4)),
                 [trigger_events("action-done", 2),
                  trigger_delay("run-start", rng.uniform(0, 0.1))])
    # the stand-alone procedure too
    for n in (1, 2, 3, 5):
        scenario("action-start %d" % n, "25ms", trigger_events("action-start", n), kind="standalone")
    for n in (1, 4, 6):
        scenario("action-done %d" % n, "25ms", trigger_events("action-done", n), kind="standalone")
    for k in range(3):
        scenario("random unpaced %d" % k, None, trigger_delay("preflight-ok", rng.uniform(0, full / 2)),
                 kind="standalone")
    for k in range(3):
        scenario("resume killed at random %d" % k, None, trigger_delay("preflight-ok", rng.uniform(0, full)),
                 [trigger_delay("run-start", rng.uniform(0, full)), trigger_delay("run-start", rng.uniform(0, full))])
else:
    sys.stderr.write("usage: crash_test.py events|random\n")
    sys.exit(2)

print("run-crash-%s: %d scenarios, %d kill -9 (%d of them of a resume; %d after the run-done record), "
      "%d resumes" % (group, stats["scenarios"], stats["kills"], stats["resume_kills"], stats["ended_before_resume"],
                      stats["resumes"]))
want = {"events": 45, "random": 25}[group]
S.check(stats["kills"] >= want, "only %d kill points were hit, expected at least %d" % (stats["kills"], want))
S.finish()
