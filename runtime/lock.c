/* lock.c: target locks (flock on a file that names its holder) and last-run records
 * (atomic, durable replace). Design notes: docs/journal.md, "Locks". */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "lock.h"

#define LOCK_MAGIC "hotplan-lock 1"
#define LAST_MAGIC "hotplan-last 1"
#define TEXT_MAX 8192                    /* a lock or last-run file is far smaller */
#define TARGET_FILE_MAX 200              /* escaped target name, bytes */
#define HOLDER_WAIT_TRIES 50             /* x 10 ms for a new holder to write its name */

struct lock {
	int fd;
	char path[JOURNAL_PATH_MAX];
};


/* ---- files ---- */

/* The file's text (up to TEXT_MAX - 1 bytes, NUL-terminated); E2BIG when longer. */
static int read_text(int fd, char *buf, size_t *len)
{
	size_t n = 0;
	for (;;) {
		ssize_t r = pread(fd, buf + n, TEXT_MAX - n, (off_t)n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == TEXT_MAX) {
			errno = E2BIG;
			return -1;
		}
	}
	buf[n] = '\0';
	*len = n;
	return 0;
}

/* STATE_DIR/SUB/ESCAPED-TARGET.SUFFIX; SUB is created. Letters, digits, '_', '-' and a
 * non-leading '.' stand for themselves, every other byte is %XX. */
static int target_file(const char *state_dir, const char *sub, const char *target,
		       const char *suffix, char *buf, size_t len, char *err, size_t errlen)
{
	char name[TARGET_FILE_MAX + 4];
	size_t n = 0;
	int k;

	if (target == NULL || target[0] == '\0')
		return util_err(err, errlen, "target file: empty target name");
	for (const unsigned char *p = (const unsigned char *)target; *p != '\0'; p++) {
		bool plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
			     *p == '_' || *p == '-' || (*p == '.' && p != (const unsigned char *)target);
		if (n + 3 > TARGET_FILE_MAX)
			return util_err(err, errlen, "target file: the target name '%s' is too long", target);
		if (plain)
			name[n++] = (char)*p;
		else
			n += (size_t)snprintf(name + n, sizeof(name) - n, "%%%02X", *p);
	}
	name[n] = '\0';
	k = snprintf(buf, len, "%s/%s", state_dir, sub);
	if (k < 0 || (size_t)k >= len)
		return util_err(err, errlen, "target file %s/%s: %s", state_dir, sub, strerror(ENAMETOOLONG));
	if (journal_mkdirs(buf, err, errlen) != 0)
		return -1;
	k = snprintf(buf, len, "%s/%s/%s%s", state_dir, sub, name, suffix);
	if (k < 0 || (size_t)k >= len)
		return util_err(err, errlen, "target file %s/%s: %s", state_dir, sub, strerror(ENAMETOOLONG));
	return 0;
}

/* A value safe to write as "key value\n": no newline, no NUL, not empty. */
static bool field_ok(const char *s)
{
	return s[0] != '\0' && strchr(s, '\n') == NULL && strchr(s, '\r') == NULL;
}

/* ---- "key value" files: a magic first line, each key once, "end" last ---- */

struct kv {
	const char *key;
	char *val;
	size_t cap;
	bool seen;
};

/* Whether text is a complete, well-formed file with exactly these keys. */
static bool kv_parse(const char *text, size_t len, const char *magic, struct kv *kv, size_t nkv)
{
	const char *p = text, *end = text + len;
	bool first = true;

	if (memchr(text, '\0', len) != NULL)
		return false;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			return false;               /* no "end" line yet: incomplete */
		size_t n = (size_t)(nl - p);
		if (first) {
			if (n != strlen(magic) || memcmp(p, magic, n) != 0)
				return false;
			first = false;
		} else if (n == 3 && memcmp(p, "end", 3) == 0) {
			if (nl + 1 != end)
				return false;
			for (size_t i = 0; i < nkv; i++)
				if (!kv[i].seen)
					return false;
			return true;
		} else {
			const char *sp = memchr(p, ' ', n);
			size_t i;
			if (sp == NULL)
				return false;
			for (i = 0; i < nkv; i++)
				if ((size_t)(sp - p) == strlen(kv[i].key) && memcmp(p, kv[i].key, (size_t)(sp - p)) == 0)
					break;
			if (i == nkv || kv[i].seen)
				return false;
			size_t vn = (size_t)(nl - sp - 1);
			if (vn == 0 || vn >= kv[i].cap)
				return false;
			memcpy(kv[i].val, sp + 1, vn);
			kv[i].val[vn] = '\0';
			kv[i].seen = true;
		}
		p = nl + 1;
	}
	return false;
}

static bool parse_i64(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return false;
	*out = v;
	return true;
}

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
	char text[TEXT_MAX + 1], pid[32], started[32];
	size_t len;
	struct kv kv[] = {
		{ "run", o->run_id, sizeof(o->run_id), false },
		{ "pid", pid, sizeof(pid), false },
		{ "started", started, sizeof(started), false },
		{ "host", o->host, sizeof(o->host), false },
	};

	memset(o, 0, sizeof(*o));
	if (read_text(fd, text, &len) != 0) {
		if (errno != E2BIG)
			return -1;
		*what = OWNER_PARTIAL;
		return 0;
	}
	if (len == 0) {
		*what = OWNER_NONE;
		return 0;
	}
	if (!kv_parse(text, len, LOCK_MAGIC, kv, sizeof(kv) / sizeof(kv[0])) ||
	    !parse_i64(pid, &o->pid) || !parse_i64(started, &o->started_ns)) {
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

int lock_acquire(const char *state_dir, const char *target, const struct lock_owner *me,
		 struct lock **out, struct lock_owner *holder, char *msg, size_t msglen)
{
	struct lock *lk = NULL;
	char text[512], when[64];
	enum owner_read what = OWNER_NONE;
	int fd = -1, n, e;

	*out = NULL;
	memset(holder, 0, sizeof(*holder));
	util_err(msg, msglen, "%s", "");
	if (!field_ok(me->run_id) || !field_ok(me->host) || me->pid <= 0)
		return util_err(msg, msglen, "lock target '%s': invalid owner", target);
	lk = calloc(1, sizeof(*lk));
	if (lk == NULL)
		return util_err(msg, msglen, "lock target '%s': %s", target, strerror(ENOMEM));
	lk->fd = -1;
	if (target_file(state_dir, "locks", target, ".lock", lk->path, sizeof(lk->path), msg, msglen) != 0)
		goto bad;
	do
		fd = open(lk->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		util_err(msg, msglen, "open lock %s: %s", lk->path, strerror(errno));
		goto bad;
	}

	for (int tries = 0;; tries++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			util_err(msg, msglen, "lock %s: %s", lk->path, strerror(errno));
			goto bad;
		}
		/* Held. The holder writes its name right after taking the lock: wait a little for it. */
		if (read_owner(fd, holder, &what) != 0) {
			util_err(msg, msglen, "read lock %s: %s", lk->path, strerror(errno));
			goto bad;
		}
		/* A record naming a dead process here is the previous holder's, not yet replaced. */
		if (what == OWNER_OK && same_host(holder) && !pid_alive(holder->pid)) {
			memset(holder, 0, sizeof(*holder));
			what = OWNER_PARTIAL;
		}
		if (what == OWNER_OK || tries >= HOLDER_WAIT_TRIES) {
			if (what != OWNER_OK) {
				util_err(msg, msglen, "target '%s' is locked by another run (which has not written its name into %s)",
				    target, lk->path);
			} else {
				format_time(holder->started_ns, when, sizeof(when));
				if (same_host(holder))
					util_err(msg, msglen, "target '%s' is locked by run %s (pid %" PRId64 ", started %s)",
					    target, holder->run_id, holder->pid, when);
				else
					util_err(msg, msglen, "target '%s' is locked by run %s (pid %" PRId64 " on host %s, started %s)",
					    target, holder->run_id, holder->pid, holder->host, when);
			}
			close(fd);
			free(lk);
			return 1;
		}
		struct timespec ts = { 0, 10L * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}

	/* Ours. Whatever the file still says is a holder that died without releasing. */
	if (read_owner(fd, holder, &what) != 0) {
		util_err(msg, msglen, "read lock %s: %s", lk->path, strerror(errno));
		goto bad;
	}
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
		util_err(msg, msglen, "stale lock file %s with an incomplete holder record (a run died while taking it) released",
		    lk->path);
	}

	n = snprintf(text, sizeof(text), LOCK_MAGIC "\nrun %s\npid %" PRId64 "\nstarted %" PRId64 "\nhost %s\nend\n",
		     me->run_id, me->pid, me->started_ns, me->host);
	if (n < 0 || (size_t)n >= sizeof(text)) {
		util_err(msg, msglen, "write lock %s: owner too long", lk->path);
		goto bad;
	}
	/* Empty first: a reader sees nothing (and waits) or the whole record, never a mix. */
	while (ftruncate(fd, 0) != 0) {
		if (errno == EINTR)
			continue;
		util_err(msg, msglen, "write lock %s: %s", lk->path, strerror(errno));
		goto bad;
	}
	if (util_pwrite_all(fd, text, (size_t)n, 0) != 0) {
		e = errno;
		util_err(msg, msglen, "write lock %s: %s", lk->path, strerror(e));
		/* Do not leave half a name behind. */
		if (ftruncate(fd, 0) != 0 && msg != NULL && msglen > 0) {
			size_t k = strlen(msg);
			util_err(msg + k, msglen - k, " (and clear it: %s)", strerror(errno));
		}
		goto bad;
	}
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

/* ---- last-run records ---- */

static const char *const status_names[] = {
	[TARGET_UNFINISHED] = "unfinished",
	[TARGET_FAILED] = "failed",
	[TARGET_COMPLETED] = "completed",
	[TARGET_ROLLED_BACK] = "rolled-back",
};

const char *target_status_name(enum target_status status)
{
	if ((unsigned)status < sizeof(status_names) / sizeof(status_names[0]))
		return status_names[status];
	return "?";
}

int target_last_read(const char *state_dir, const char *target, struct target_last *last,
		     char *err, size_t errlen)
{
	char path[JOURNAL_PATH_MAX], text[TEXT_MAX + 1], status[32], when[32];
	size_t len;
	int fd;
	struct kv kv[] = {
		{ "run", last->run_id, sizeof(last->run_id), false },
		{ "journal", last->journal, sizeof(last->journal), false },
		{ "status", status, sizeof(status), false },
		{ "time", when, sizeof(when), false },
	};

	memset(last, 0, sizeof(*last));
	if (target_file(state_dir, "targets", target, ".last", path, sizeof(path), err, errlen) != 0)
		return -1;
	do
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		return util_err(err, errlen, "open last-run record %s: %s", path, strerror(errno));
	}
	if (read_text(fd, text, &len) != 0) {
		int e = errno;
		close(fd);
		return util_err(err, errlen, "read last-run record %s: %s", path, strerror(e));
	}
	close(fd);
	unsigned i = 0;
	if (kv_parse(text, len, LAST_MAGIC, kv, sizeof(kv) / sizeof(kv[0])))
		while (i < sizeof(status_names) / sizeof(status_names[0]) && strcmp(status, status_names[i]) != 0)
			i++;
	else
		i = sizeof(status_names) / sizeof(status_names[0]);
	if (i == sizeof(status_names) / sizeof(status_names[0]) || !parse_i64(when, &last->time_ns)) {
		memset(last, 0, sizeof(*last));
		return util_err(err, errlen, "last-run record %s is malformed", path);
	}
	last->status = (enum target_status)i;
	return 0;
}

int target_last_write(const char *state_dir, const char *target, const struct target_last *last,
		      char *err, size_t errlen)
{
	char path[JOURNAL_PATH_MAX], why[JOURNAL_PATH_MAX + 128];
	char *text = NULL;
	int n, rc;

	if (!field_ok(last->run_id) || !field_ok(last->journal) ||
	    (unsigned)last->status >= sizeof(status_names) / sizeof(status_names[0]))
		return util_err(err, errlen, "write last-run record of target '%s': invalid record", target);
	if (target_file(state_dir, "targets", target, ".last", path, sizeof(path), err, errlen) != 0)
		return -1;
	text = malloc(TEXT_MAX);
	if (text == NULL)
		return util_err(err, errlen, "write last-run record %s: %s", path, strerror(ENOMEM));
	n = snprintf(text, TEXT_MAX, LAST_MAGIC "\nrun %s\njournal %s\nstatus %s\ntime %" PRId64 "\nend\n",
		     last->run_id, last->journal, status_names[last->status], journal_now_ns());
	if (n < 0 || n >= TEXT_MAX) {
		free(text);
		return util_err(err, errlen, "write last-run record %s: too long", path);
	}
	/* The tmp name is fixed: the caller holds the target's lock, so no one else writes it. */
	rc = util_replace(path, text, (size_t)n, 0600, UTIL_DURABLE | UTIL_FIXED_TMP, why, sizeof(why));
	free(text);
	if (rc != 0)
		return util_err(err, errlen, "last-run record: %s", why);
	return 0;
}

int target_last_gate(const struct target_last *last, const char *target, const char *abandon,
		     char *msg, size_t msglen)
{
	bool blocking = last != NULL && (last->status == TARGET_UNFINISHED || last->status == TARGET_FAILED);

	util_err(msg, msglen, "%s", "");
	if (abandon != NULL) {
		if (!blocking) {
			if (last == NULL)
				return util_err(msg, msglen, "--abandon %s: target '%s' has no unfinished run", abandon, target);
			return util_err(msg, msglen, "--abandon %s: target '%s' has no unfinished run (its last run %s %s)",
				    abandon, target, last->run_id,
				    last->status == TARGET_COMPLETED ? "completed" : "was rolled back");
		}
		if (strcmp(abandon, last->run_id) != 0)
			return util_err(msg, msglen, "--abandon %s: the unfinished run of target '%s' is %s, not %s",
				    abandon, target, last->run_id, abandon);
		util_err(msg, msglen, "run %s (%s, journal %s) abandoned: it can no longer be resumed",
		    last->run_id, target_status_name(last->status), last->journal);
		return 0;
	}
	if (!blocking)
		return 0;
	if (last->status == TARGET_FAILED)
		util_err(msg, msglen, "target '%s': the last run %s failed and a person must look (exit 4); continue it "
			"with `hotplan resume %s`, or give it up with `--abandon %s`",
		    target, last->run_id, last->journal, last->run_id);
	else
		util_err(msg, msglen, "target '%s': the last run %s is unfinished; continue it with `hotplan resume %s`, "
			"or give it up with `--abandon %s`",
		    target, last->run_id, last->journal, last->run_id);
	return 1;
}

int target_resume_gate(const struct target_last *last, const char *target, const char *run_id,
		       char *msg, size_t msglen)
{
	util_err(msg, msglen, "%s", "");
	if (last == NULL) {
		util_err(msg, msglen, "target '%s' has no record of run %s in this state directory: resume from the "
			"directory the run started in, or set HOTPLAN_STATE_DIR to its state directory",
		    target, run_id);
		return 1;
	}
	if (strcmp(last->run_id, run_id) != 0) {
		util_err(msg, msglen, "run %s of target '%s' was given up or superseded: the target's last run is %s (%s)",
		    run_id, target, last->run_id, target_status_name(last->status));
		return 1;
	}
	if (last->status == TARGET_COMPLETED || last->status == TARGET_ROLLED_BACK) {
		util_err(msg, msglen, "run %s of target '%s' %s: it cannot be resumed", run_id, target,
		    last->status == TARGET_COMPLETED ? "completed" : "was rolled back");
		return 1;
	}
	return 0;
}
