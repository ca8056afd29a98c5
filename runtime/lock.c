/* lock.c: target locks: an flock on a file that names its holder. The last-run record is
 * last_run.c's. Design notes: docs/journal.md, "Locks". */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "lock.h"
#include "target_file.h"

#define LOCK_MAGIC "hotplan-lock 1"
#define HOLDER_WAIT_TRIES 50             /* x 10 ms for a new holder to write its name */

struct lock {
	int fd;
	char path[JOURNAL_PATH_MAX];
};


/* ---- locks ---- */

int lock_owner_self(struct lock_owner *me, const char *run_id, int64_t started_ns,
		    char *err, size_t errlen)
{
	memset(me, 0, sizeof(*me));
	if (snprintf(me->run_id, sizeof(me->run_id), "%s", run_id) >= (int)sizeof(me->run_id))
		return util_err(err, errlen, "lock owner: run id too long");
	me->pid = (int64_t)getpid();
	me->started_ns = started_ns;
	if (gethostname(me->host, sizeof(me->host) - 1) != 0)
		return util_err(err, errlen, "lock owner: gethostname: %s", strerror(errno));
	me->host[sizeof(me->host) - 1] = '\0';
	return 0;
}

enum owner_read { OWNER_NONE, OWNER_PARTIAL, OWNER_OK };

static int read_owner(int fd, struct lock_owner *o, enum owner_read *what)
{
	char text[TARGET_FILE_TEXT_MAX + 1], pid[32], started[32];
	size_t len;
	struct target_file_kv kv[] = {
		{ "run", o->run_id, sizeof(o->run_id), false, false },
		{ "pid", pid, sizeof(pid), false, false },
		{ "started", started, sizeof(started), false, false },
		{ "host", o->host, sizeof(o->host), false, false },
	};

	memset(o, 0, sizeof(*o));
	if (target_file_read(fd, text, &len) != 0) {
		if (errno != E2BIG)
			return -1;
		*what = OWNER_PARTIAL;
		return 0;
	}
	if (len == 0) {
		*what = OWNER_NONE;
		return 0;
	}
	if (!target_file_parse(text, len, LOCK_MAGIC, kv, sizeof(kv) / sizeof(kv[0])) ||
	    !target_file_i64(pid, &o->pid) || !target_file_i64(started, &o->started_ns)) {
		memset(o, 0, sizeof(*o));
		*what = OWNER_PARTIAL;
		return 0;
	}
	*what = OWNER_OK;
	return 0;
}

static void format_time(int64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "@%" PRId64, ns);
}

static bool same_host(const struct lock_owner *o)
{
	char host[LOCK_HOST_MAX];
	if (gethostname(host, sizeof(host) - 1) != 0)
		return false;
	host[sizeof(host) - 1] = '\0';
	return strcmp(host, o->host) == 0;
}

static bool pid_alive(int64_t pid)
{
	if (pid <= 0 || (int64_t)(pid_t)pid != pid)
		return false;                   /* never kill(0) or kill(-1) */
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/* "target 'x' is locked by run R (pid P, started T)": the holder named in msg. */
static void say_held(const char *target, const char *path, const struct lock_owner *holder, enum owner_read what,
		     char *msg, size_t msglen)
{
	char when[64];
	if (what != OWNER_OK) {
		util_err(msg, msglen, "target '%s' is locked by another run (which has not written its name into %s)",
			 target, path);
		return;
	}
	format_time(holder->started_ns, when, sizeof(when));
	if (same_host(holder))
		util_err(msg, msglen, "target '%s' is locked by run %s (pid %" PRId64 ", started %s)", target,
			 holder->run_id, holder->pid, when);
	else
		util_err(msg, msglen, "target '%s' is locked by run %s (pid %" PRId64 " on host %s, started %s)", target,
			 holder->run_id, holder->pid, holder->host, when);
}

/* flock fd without waiting for the lock itself, but a little for a holder to write its name.
 * 0 taken; 1 held (msg names the holder); -1 error (msg). */
static int take(int fd, const char *target, const char *path, struct lock_owner *holder, char *msg, size_t msglen)
{
	enum owner_read what = OWNER_NONE;
	for (int tries = 0;; tries++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return util_err(msg, msglen, "lock %s: %s", path, strerror(errno));
		/* Held. The holder writes its name right after taking the lock: wait a little for it. */
		if (read_owner(fd, holder, &what) != 0)
			return util_err(msg, msglen, "read lock %s: %s", path, strerror(errno));
		/* A record naming a dead process here is the previous holder's, not yet replaced. */
		if (what == OWNER_OK && same_host(holder) && !pid_alive(holder->pid)) {
			memset(holder, 0, sizeof(*holder));
			what = OWNER_PARTIAL;
		}
		if (what == OWNER_OK || tries >= HOLDER_WAIT_TRIES) {
			say_held(target, path, holder, what, msg, msglen);
			return 1;
		}
		struct timespec ts = { 0, 10L * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

/* The lock is ours: whatever the file still says is a holder that died without releasing
 * (*holder), said in msg; "" when it says nothing. 0, or -1 (msg). */
static int say_stale(int fd, const char *path, struct lock_owner *holder, char *msg, size_t msglen)
{
	enum owner_read what = OWNER_NONE;
	if (read_owner(fd, holder, &what) != 0)
		return util_err(msg, msglen, "read lock %s: %s", path, strerror(errno));
	if (what == OWNER_OK) {
		if (!same_host(holder))
			util_err(msg, msglen, "stale lock of run %s (pid %" PRId64 " on host %s, not holding it) released",
				 holder->run_id, holder->pid, holder->host);
		else if (!pid_alive(holder->pid))
			util_err(msg, msglen, "stale lock of run %s (pid %" PRId64 ", no longer running) released",
				 holder->run_id, holder->pid);
		else
			util_err(msg, msglen, "stale lock of run %s (pid %" PRId64 ", alive but no longer holding it) released",
				 holder->run_id, holder->pid);
	} else if (what == OWNER_PARTIAL) {
		util_err(msg, msglen, "stale lock file %s with an incomplete holder record (a run died while taking it) "
			 "released", path);
	}
	return 0;
}

/* Write me into the lock file, emptied first: a reader sees nothing (and waits) or the whole
 * record, never a mix. 0, or -1 (msg) with the file left empty. */
static int write_owner(int fd, const char *path, const struct lock_owner *me, char *msg, size_t msglen)
{
	char text[512];
	int n = snprintf(text, sizeof(text), LOCK_MAGIC "\nrun %s\npid %" PRId64 "\nstarted %" PRId64 "\nhost %s\nend\n",
			 me->run_id, me->pid, me->started_ns, me->host);
	if (n < 0 || (size_t)n >= sizeof(text))
		return util_err(msg, msglen, "write lock %s: owner too long", path);
	while (ftruncate(fd, 0) != 0) {
		if (errno == EINTR)
			continue;
		return util_err(msg, msglen, "write lock %s: %s", path, strerror(errno));
	}
	if (util_pwrite_all(fd, text, (size_t)n, 0) != 0) {
		util_err(msg, msglen, "write lock %s: %s", path, strerror(errno));
		/* Do not leave half a name behind. */
		if (ftruncate(fd, 0) != 0 && msg != NULL && msglen > 0) {
			size_t k = strlen(msg);
			util_err(msg + k, msglen - k, " (and clear it: %s)", strerror(errno));
		}
		return -1;
	}
	return 0;
}

int lock_acquire(const char *state_dir, const char *target, const struct lock_owner *me,
		 struct lock **out, struct lock_owner *holder, char *msg, size_t msglen)
{
	struct lock *lk = NULL;
	int fd = -1, rc;

	*out = NULL;
	memset(holder, 0, sizeof(*holder));
	util_err(msg, msglen, "%s", "");
	if (!target_file_value_ok(me->run_id) || !target_file_value_ok(me->host) || me->pid <= 0)
		return util_err(msg, msglen, "lock target '%s': invalid owner", target);
	lk = calloc(1, sizeof(*lk));
	if (lk == NULL)
		return util_err(msg, msglen, "lock target '%s': %s", target, strerror(ENOMEM));
	lk->fd = -1;
	if (target_file_path(state_dir, "locks", target, ".lock", lk->path, sizeof(lk->path), msg, msglen) != 0)
		goto bad;
	do
		fd = open(lk->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		util_err(msg, msglen, "open lock %s: %s", lk->path, strerror(errno));
		goto bad;
	}
	rc = take(fd, target, lk->path, holder, msg, msglen);
	if (rc == 1) {
		close(fd);
		free(lk);
		return 1;
	}
	if (rc < 0 || say_stale(fd, lk->path, holder, msg, msglen) < 0 || write_owner(fd, lk->path, me, msg, msglen) < 0)
		goto bad;
	lk->fd = fd;
	*out = lk;
	return 0;

bad:
	if (fd >= 0)
		close(fd);                      /* drops the flock if we had it */
	free(lk);
	return -1;
}

int lock_release(struct lock *lk, char *err, size_t errlen)
{
	int rc = 0;
	if (lk == NULL)
		return 0;
	while (ftruncate(lk->fd, 0) != 0) {
		if (errno == EINTR)
			continue;
		rc = util_err(err, errlen, "release lock %s: clear holder: %s", lk->path, strerror(errno));
		break;
	}
	close(lk->fd);                          /* drops the flock; nothing durable to lose */
	free(lk);
	return rc;
}
