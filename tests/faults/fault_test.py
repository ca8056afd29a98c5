"""fault_test.py (run-faults.sh): I/O faults on the run's state (Issue 4, item 4).

inject_faults.c (LD_PRELOAD) makes the Nth open/write/pwrite/fsync/fdatasync/rename/
ftruncate/mkdir on a path under HOTPLAN_STATE_DIR fail. A run of the canonical plan on a
built-in simulated target without faults first counts those calls; then every one of them in
turn is made to fail, with ENOSPC and EIO (a torn write, and EINTR, for some), and:

  - the faulted run ends cleanly: exit 0, 2 or 4 (never a signal, a sanitizer report, 1, 3
    or 5); when the fault fired and the exit is not 0, stderr names the operation and the
    system error ("append journal: No space left on device");
  - exit 4 (the run had begun changing the target): `hotplan resume JOURNAL` without the
    fault completes (exit 0);
  - exit 2 (nothing was changed): the journal, if any, has no action-start; a new `run`
    completes, or (the target's last-run record says unfinished) `resume` does;
  - exit 0 (the fault hit something the run can do without): the run completed;
  - then: the journal shows every step done exactly once and every action done exactly once
    (hp_e2e.journal_problems), the last-run record says completed, and the simulated target's
    final state (JOURNAL.sim) is byte for byte the uninterrupted run's.

A second pass makes `hotplan resume` itself meet each fault (of its own calls), then resumes
again without it: the same end.

    fault_test.py [quick]     quick: every 4th call index only
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "run"))

from hp_e2e import TARGET, Sandbox, Suite, decode, journal_problems, run_args  # noqa: E402

S = Suite("run-faults")
QUICK = len(sys.argv) > 1 and sys.argv[1] == "quick"
KINDS = ["open", "write", "pwrite", "fsync", "fdatasync", "rename", "ftruncate", "mkdir"]
STRERROR = {"ENOSPC": "No space left on device", "EIO": "Input/output error"}
SANITIZER = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:")

# The state on a tmpfs when there is one: the shim sees the same calls, and each fsync is free
# (a faulted run and its resume make some 60 of them).
if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) and "TMPDIR" not in os.environ:
    tempfile.tempdir = "/dev/shm"
build = tempfile.mkdtemp(prefix="hp-faults-")
SHIM = os.path.join(build, "inject.so")
cc = os.environ.get("CC", "cc")
p = subprocess.run([cc, "-shared", "-fPIC", "-O1", "-o", SHIM, os.path.join(HERE, "inject_faults.c"), "-ldl"],
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
if p.returncode != 0:
    sys.stderr.write("FAIL: cannot build the shim:\n%s" % p.stdout.decode())
    sys.exit(1)

# An ASan build must load its runtime first: preload it before the shim.
LD_PRELOAD = SHIM
ldd = subprocess.run(["ldd", os.environ["HOTPLAN"]], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
for line in ldd.stdout.decode().splitlines():
    if "libasan" in line and "=>" in line:
        LD_PRELOAD = line.split("=>")[1].split()[0] + ":" + SHIM


def faulted(sb, spec, log, *args):
    env = dict(sb.env, LD_PRELOAD=LD_PRELOAD, HOTPLAN_FAULT_LOG=log)
    if spec:
        env["HOTPLAN_FAULT"] = spec
    saved, sb.env = sb.env, env
    try:
        return sb.run(*args)
    finally:
        sb.env = saved


def read_log(path):
    """[(kind, n, path, failed errno or None)]"""
    out = []
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for line in f:
            w = line.rstrip("\n").split(" ")
            failed = w[-1] if len(w) >= 5 and w[-2] == "failed" else None
            out.append((w[0], int(w[1]), " ".join(w[2:-2] if failed else w[2:]), failed))
    return out


def sim_state(path):
    with open(path + ".sim", "rb") as f:
        return f.read()


def clean(res, what):
    """No signal, no sanitizer: the process ended by itself."""
    ok = S.check(res.rc >= 0, "%s: killed by signal %d" % (what, -res.rc), res)
    return S.check(not any(s in res.err for s in SANITIZER), "%s: sanitizer report" % what, res) and ok


def finish_check(sb, kind, journal, baseline, what):
    """The journal completed every step once, the target says completed, the state is right."""
    try:
        d = decode(journal)
    except Exception as e:  # noqa: BLE001
        S.check(False, "%s: the final journal does not decode: %s" % (what, e))
        return
    probs = journal_problems(d["records"], kind)
    S.check(not probs, "%s: the final journal: %s" % (what, "; ".join(probs[:4])))
    last = sb.last(TARGET[kind])
    if last is not None and last.get("status") == "unfinished" and last.get("run") == d["header"]["run"] and \
            d["records"] and d["records"][-1]["kind"] == "run-done":
        # the run ended, but writing its last-run record failed (it said so): resume mends it
        r = sb.run("resume", journal)
        S.check(r.rc == 0 and "now says so too" in r.err, "%s: resume did not mend the last-run record" % what, r)
        last = sb.last(TARGET[kind])
    S.check(last is not None and last.get("status") == "completed",
            "%s: the last-run record says %s" % (what, last and last.get("status")))
    S.check(sim_state(journal) == baseline, "%s: the simulated target ends in another state than the "
            "uninterrupted run's" % what)


def converge(sb, kind, res, fired, what, baseline):
    """After a faulted run (res): get it to completion without faults and check the end."""
    journals = sb.journals()
    if res.rc == 4:
        S.check(len(journals) == 1, "%s: exit 4 but %d journals" % (what, len(journals)))
        if not journals:
            return
        r = sb.run("resume", journals[0], "--log", "json")
        if not (clean(r, what + ", resume") and S.check(r.rc == 0, "%s: resume exited %d" % (what, r.rc), r)):
            return
        finish_check(sb, kind, journals[0], baseline, what)
    elif res.rc == 2:
        for j in journals:
            try:
                recs = decode(j)["records"]
            except Exception:  # noqa: BLE001 -- a journal cut before its header is fine here
                recs = []
            S.check(not any(x["kind"] == "action-start" for x in recs),
                    "%s: exit 2, yet the journal shows an action started" % what)
        r = sb.run(*run_args(kind))
        if r.rc == 5:   # the last-run record names the run: resume it
            S.check("hotplan resume" in r.err, "%s: exit 5 without the resume to use" % what, r)
            r = sb.run("resume", journals[0] if journals else "?", "--log", "json")
        if not (clean(r, what + ", run again") and
                S.check(r.rc == 0, "%s: after exit 2, running again exited %d" % (what, r.rc), r)):
            return
        newest = max(sb.journals(), key=os.path.getmtime)
        finish_check(sb, kind, newest, baseline, what)
    elif res.rc == 0:
        S.check(len(journals) == 1, "%s: %d journals" % (what, len(journals)))
        if journals:
            d = decode(journals[0])
            probs = journal_problems(d["records"], kind)
            S.check(not probs, "%s: exit 0, but the journal: %s" % (what, "; ".join(probs[:4])))
            S.check(sim_state(journals[0]) == baseline, "%s: exit 0 in another state" % what)
        # the target is usable again: a new run (or the resume it asks for) completes
        r = sb.run(*run_args(kind))
        if r.rc == 5 and journals:
            r = sb.run("resume", journals[0])
            r = sb.run(*run_args(kind)) if r.rc == 0 else r
        clean(r, what + ", next run")
        S.check(r.rc == 0, "%s: after exit 0, the next run exited %d" % (what, r.rc), r)
    else:
        S.check(False, "%s: exit %d (expected 0, 2 or 4)%s" % (what, res.rc, "" if fired else " without a fault"),
                res)


def named(res, fired_errno):
    """stderr names the operation and the system error."""
    want = STRERROR.get(fired_errno)
    if want is None or res.rc == 0:
        return True
    lines = [ln for ln in res.err.splitlines() if want in ln]
    ops = ("journal", "lock", "last-run record", "simulated target", "directory", "capture", "open ", "write",
           "create", "sync", "rename", "replace", "truncate")
    return lines and any(any(o in ln for o in ops) for ln in lines)


stats = {"runs": 0, "fired": 0, "exit": {}}


def one(kind, spec, what, baseline, resume_fault=False):
    with Sandbox("hp-faults") as sb:
        log = sb.path("fault.log")
        if resume_fault:
            # get an unfinished journal first (a fault on the 8th journal append: exit 4)
            first = faulted(sb, "fdatasync:8:EIO", sb.path("first.log"), *run_args(kind))
            if not S.check(first.rc == 4, "%s: the setup run exited %d" % (what, first.rc), first):
                return
            res = faulted(sb, spec, log, "resume", sb.journals()[0])
        else:
            res = faulted(sb, spec, log, *run_args(kind))
        stats["runs"] += 1
        fired = [x for x in read_log(log) if x[3] is not None]
        if fired:
            stats["fired"] += 1
        stats["exit"][res.rc] = stats["exit"].get(res.rc, 0) + 1
        if not clean(res, what):
            return
        if fired:
            S.check(named(res, fired[0][3]), "%s: exit %d without naming the operation and \"%s\"" %
                    (what, res.rc, STRERROR.get(fired[0][3])), res)
        if resume_fault:
            if res.rc == 4 or res.rc == 2:
                r = sb.run("resume", sb.journals()[0])
                if clean(r, what + ", second resume") and \
                        S.check(r.rc == 0, "%s: the second resume exited %d" % (what, r.rc), r):
                    finish_check(sb, kind, sb.journals()[0], baseline, what)
            elif S.check(res.rc == 0, "%s: resume exited %d" % (what, res.rc), res):
                finish_check(sb, kind, sb.journals()[0], baseline, what)
            return
        converge(sb, kind, res, bool(fired), what, baseline)


for kind in ("standalone", "cluster"):
    # the calls of a run without faults, and its end state
    with Sandbox("hp-faults") as sb:
        log = sb.path("count.log")
        res = faulted(sb, None, log, *run_args(kind))
        if not S.check(res.rc == 0, "%s: the run under the shim without faults exited %d" % (kind, res.rc), res):
            continue
        baseline = sim_state(sb.journals()[0])
        calls = read_log(log)
    count = {k: max([n for (kk, n, _, _) in calls if kk == k], default=0) for k in KINDS}
    print("%s: calls on the state directory: %s" % (kind, ", ".join("%s %d" % (k, count[k]) for k in KINDS)))
    step = 4 if QUICK else 1
    for k in KINDS:
        for n in range(1, count[k] + 1, step):
            errs = ["ENOSPC", "EIO"] if kind == "standalone" else ["ENOSPC" if n % 2 else "EIO"]
            for e in errs:
                one(kind, "%s:%d:%s" % (k, n, e), "%s %s #%d %s" % (kind, k, n, e), baseline)
    # a write cut in half (a torn record), and EINTR (retried: the run completes)
    for n in range(1, count["pwrite"] + 1, step * (2 if kind == "cluster" else 1)):
        one(kind, "pwrite:%d:SHORT" % n, "%s pwrite #%d SHORT" % (kind, n), baseline)
    for k in ("pwrite", "fdatasync", "open", "fsync"):
        for n in range(1, count[k] + 1, 5):
            one(kind, "%s:%d:EINTR" % (k, n), "%s %s #%d EINTR" % (kind, k, n), baseline)
    # every later call fails too: a disk that stays full
    for k in ("pwrite", "fdatasync"):
        for n in range(1, count[k] + 1, 3 * step):
            one(kind, "%s:%d+:ENOSPC" % (k, n), "%s %s #%d+ ENOSPC" % (kind, k, n), baseline)

    # faults in the resume itself
    with Sandbox("hp-faults") as sb:
        first = faulted(sb, "fdatasync:8:EIO", sb.path("first.log"), *run_args(kind))
        if not S.check(first.rc == 4, "%s: the setup run exited %d" % (kind, first.rc), first):
            continue
        log = sb.path("resume.log")
        faulted(sb, None, log, "resume", sb.journals()[0])
        rcalls = read_log(log)
    rcount = {k: max([n for (kk, n, _, _) in rcalls if kk == k], default=0) for k in KINDS}
    for k in KINDS:
        for n in range(1, rcount[k] + 1, 2 * step):
            one(kind, "%s:%d:%s" % (k, n, "EIO" if n % 3 else "ENOSPC"), "%s resume, %s #%d" % (kind, k, n),
                baseline, resume_fault=True)

print("run-faults: %d faulted runs (%d with the fault fired), exit codes %s" %
      (stats["runs"], stats["fired"], ", ".join("%d: %d" % kv for kv in sorted(stats["exit"].items()))))
subprocess.run(["rm", "-rf", build])
S.finish()
