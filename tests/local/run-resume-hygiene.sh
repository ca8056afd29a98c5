#!/usr/bin/env bash
# run-resume-hygiene.sh: issue 11, findings 10 and 11, what was found by reading.
#  1. "continue with: hotplan resume PATH" names the journal by its absolute path, also when
#     --journal gave a relative one, and so does every other `hotplan resume` a run suggests.
#  2. A resume of a run that had ended mends the target's last-run record (the crash window
#     between run-done and that record) only holding the target's lock: while another process
#     holds it, exit 5 and the record is left as it was.
#  3. A restarted stand-alone server is waited for on the monotonic clock: a wall clock that
#     steps (an LD_PRELOAD shim moves CLOCK_REALTIME, time() and gettimeofday() a day ahead at
#     every call, as an NTP step would once) neither skips the wait for the node to go down
#     nor ends the wait for it to come back.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cd "$TMP"
LOG=$TMP/steps.log
cat >plan.hplan <<PLAN
plan hygiene "Two steps, the first slow" {
    procedure standalone {
        step a "First" { exec "echo a >>'$LOG'; sleep 1" }
        step b "Second" { exec "echo b >>'$LOG'" }
    }
}
PLAN
cat >inv.hplan <<'INV'
target t standalone {
    node "ex1" address "local:"
}
INV

# 1. a relative --journal: the hints name it absolutely
mkdir -p rel
"$HOTPLAN" run plan.hplan --inventory inv.hplan --yes --journal rel/x.journal >"$TMP/out.txt" 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 200); do
	grep -qx a "$LOG" 2>/dev/null && break
	sleep 0.02
done
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[[ $rc == 130 ]] || fail "the interrupted run exited $rc"
says "continue with: hotplan resume $TMP/rel/x.journal"
grep -qF "resume rel/x.journal" "$TMP/out.txt" && fail "a hint names the journal relatively"
run 5 run plan.hplan --inventory inv.hplan --yes
says "continue it with \`hotplan resume $TMP/rel/x.journal\`"
(cd rel && "$HOTPLAN" resume x.journal --yes >"$TMP/out.txt" 2>&1 </dev/null) || fail "resume x.journal from rel/: $(cat "$TMP/out.txt")"
[[ $(tr '\n' ' ' <"$LOG") == "a b " ]] || fail "the steps that ran: $(cat "$LOG")"

# 2. the last-run record of a run that ended is mended under the target's lock only
last=$HOTPLAN_STATE_DIR/targets/t.last
grep -qx "status completed" "$last" || fail "the last-run record: $(cat "$last")"
sed -i 's/^status completed$/status unfinished/' "$last"   # the run died before writing it
cp "$last" "$TMP/last.before"
exec {lockfd}>>"$HOTPLAN_STATE_DIR/locks/t.lock"   # this shell holds the target's lock
flock -x "$lockfd"
run 5 resume "$TMP/rel/x.journal" --yes
says "target 't' is locked"
cmp -s "$last" "$TMP/last.before" || fail "the last-run record was rewritten without the lock: $(cat "$last")"
exec {lockfd}>&-
run 0 resume "$TMP/rel/x.journal" --yes
says "had ended (completed); target 't' now says so too"
grep -qx "status completed" "$last" || fail "the last-run record was not mended: $(cat "$last")"
[[ -e $HOTPLAN_STATE_DIR/targets/t.last.tmp ]] && fail "a temporary last-run record was left behind"

# 3. a restart waited for on the monotonic clock, whatever the wall clock does
cat >"$TMP/clockstep.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

static long calls;

__attribute__((constructor)) static void init(void)
{
	unsetenv("LD_PRELOAD");   /* the runner's clock only: its commands keep the real one */
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
	static int (*real)(clockid_t, struct timespec *);
	if (real == NULL)
		real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
	int rc = real(id, ts);
	if (rc == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE))
		ts->tv_sec += 86400L * __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
	return rc;
}

time_t time(time_t *t)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (t != NULL)
		*t = ts.tv_sec;
	return ts.tv_sec;
}

int gettimeofday(struct timeval *tv, void *tz)
{
	struct timespec ts;
	(void)tz;
	clock_gettime(CLOCK_REALTIME, &ts);
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = ts.tv_nsec / 1000;
	return 0;
}
C
${CC:-cc} -shared -fPIC -O1 -o "$TMP/clockstep.so" "$TMP/clockstep.c" -ldl || fail "cannot build the clock shim"
make_server ex1
cat >restart.hplan <<'PLAN'
plan reboot "Restart the server" {
    procedure standalone {
        step rs "Restart" { restart node }
    }
}
PLAN
cat >inv2.hplan <<'INV'
target server standalone {
    profile "posix-test"
    node "ex1" address "local:"
}
INV
LD_PRELOAD=$TMP/clockstep.so run 0 run restart.hplan --inventory inv2.hplan --yes
says "ok   restart node on ex1"
grep -q "ex1 restart" "$SB/ex1/stores/events.log" 2>/dev/null || grep -rq "restart" "$SB/ex1/stores/events.log" ||
	fail "the server was not restarted"
hpt "$SB/ex1" up || fail "the run ended before the server was up again"
echo "PASS"
