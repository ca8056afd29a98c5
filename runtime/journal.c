/* journal.c: the run journal's file: explicit little-endian encoding, durable appends, reading
 * with torn-tail detection. What a log means for a resume: journal_resume.c. Format:
 * docs/journal.md. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "util.h"
#include "journal.h"

#define HEADER_FIXED 12u                 /* magic, version, body length */
#define HEADER_BODY_MAX (1u << 20)
/* kind status flags seq time step action hash + five u16 string lengths */
#define RECORD_MIN (1u + 1u + 2u + 4u + 8u + 4u + 4u + JOURNAL_HASH_LEN + 5u * 2u)
#define RECORD_MAX 8192u                 /* > RECORD_MIN + run id + 3 names + message */
#define FRAME_MAX (RECORD_MAX + 8u)
#define FILE_MAX ((size_t)1 << 30)

struct journal {
	int fd;
	char *path;
	char run_id[JOURNAL_RUN_ID_MAX];
	uint8_t plan_hash[JOURNAL_HASH_LEN];
	uint64_t end;                    /* where the next record goes */
	uint32_t seq;                    /* the next record's number */
	struct journal_stats st;
	bool pending;                    /* the last record was appended without a sync */
	char broken[160];                /* non-empty: an earlier write or sync failed */
	uint8_t frame[FRAME_MAX];
};

/* ---- errors ---- */


/* ---- names ---- */

static const struct kind_info {
	const char *name;
	bool needs_step;                 /* step >= 0 */
	bool needs_action;               /* action >= 0 */
} kinds[] = {
	[JOURNAL_RUN_START] = { "run-start", false, false },
	[JOURNAL_RUN_RESUME] = { "run-resume", false, false },
	[JOURNAL_CHECKPOINT] = { "checkpoint", true, false },
	[JOURNAL_ACTION_START] = { "action-start", true, true },
	[JOURNAL_ACTION_DONE] = { "action-done", true, true },
	[JOURNAL_ACTION_FAILED] = { "action-failed", true, true },
	[JOURNAL_STEP_DONE] = { "step-done", true, false },
	[JOURNAL_STEP_FAILED] = { "step-failed", true, false },
	[JOURNAL_ROLLBACK_START] = { "rollback-start", true, false },
	[JOURNAL_ROLLBACK_ACTION_START] = { "rollback-action-start", true, true },
	[JOURNAL_ROLLBACK_ACTION_DONE] = { "rollback-action-done", true, true },
	[JOURNAL_ROLLBACK_ACTION_FAILED] = { "rollback-action-failed", true, true },
	[JOURNAL_ROLLBACK_DONE] = { "rollback-done", false, false },
	[JOURNAL_ROLLBACK_FAILED] = { "rollback-failed", false, false },
	[JOURNAL_RUN_DONE] = { "run-done", false, false },
	[JOURNAL_INTERRUPTED] = { "interrupted", false, false },
	[JOURNAL_ACTION_PROCESS] = { "action-process", true, true },
};

static bool kind_ok(unsigned k)
{
	return k >= JOURNAL_RUN_START && k <= JOURNAL_ACTION_PROCESS;
}

const char *journal_kind_name(enum journal_kind kind)
{
	return kind_ok((unsigned)kind) ? kinds[kind].name : "?";
}

const char *journal_status_name(enum journal_status status)
{
	switch (status) {
	case JOURNAL_STATUS_COMPLETED: return "completed";
	case JOURNAL_STATUS_ROLLED_BACK: return "rolled-back";
	case JOURNAL_STATUS_FAILED: return "failed";
	case JOURNAL_STATUS_UNCHANGED: return "unchanged";
	case JOURNAL_STATUS_NONE: break;
	}
	return "";
}

/* Why a record cannot be written or was read malformed; NULL when it is fine. */
static const char *record_problem(unsigned kind, unsigned status, int32_t step, int32_t action)
{
	if (!kind_ok(kind))
		return "unknown record kind";
	if (kind == JOURNAL_RUN_DONE) {
		if (status < JOURNAL_STATUS_COMPLETED || status > JOURNAL_STATUS_UNCHANGED)
			return "run-done without a valid status";
	} else if (status != JOURNAL_STATUS_NONE) {
		return "a status on a record other than run-done";
	}
	if (step < -1 || action < -1)
		return "a negative index";
	if (kinds[kind].needs_step && step < 0)
		return "no step index";
	if (kinds[kind].needs_action && action < 0)
		return "no action index";
	return NULL;
}

static bool run_id_ok(const char *s)
{
	size_t n = 0;
	for (; s[n] != '\0'; n++) {
		char c = s[n];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || (c == '.' && n > 0)))
			return false;
	}
	return n > 0 && n < JOURNAL_RUN_ID_MAX;
}

/* ---- little-endian encoding ---- */

struct enc {
	uint8_t *p;
	size_t len, cap;
	bool over;
};

static void put_bytes(struct enc *e, const void *src, size_t n)
{
	if (e->over || n > e->cap - e->len) {
		e->over = true;
		return;
	}
	if (n > 0)
		memcpy(e->p + e->len, src, n);
	e->len += n;
}

static void put_le(struct enc *e, uint64_t v, unsigned n)
{
	uint8_t b[8];
	for (unsigned i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put_bytes(e, b, n);
}

static void put_str(struct enc *e, const char *s, size_t n)
{
	put_le(e, n, 2);
	put_bytes(e, s, n);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t crc(const uint8_t *p, size_t n)
{
	return (uint32_t)crc32(crc32(0L, Z_NULL, 0), p, (uInt)n);
}

struct dec {
	const uint8_t *p;
	size_t len, pos;
	const char *bad;                 /* first problem found */
};

static uint64_t get_le(struct dec *d, unsigned n)
{
	uint64_t v = 0;
	if (d->bad != NULL)
		return 0;
	if (n > d->len - d->pos) {
		d->bad = "truncated";
		return 0;
	}
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)d->p[d->pos + i] << (8 * i);
	d->pos += n;
	return v;
}

/* n raw bytes, or NULL (and d->bad) when fewer are left. */
static const uint8_t *get_bytes(struct dec *d, size_t n)
{
	const uint8_t *p;
	if (d->bad != NULL)
		return NULL;
	if (n > d->len - d->pos) {
		d->bad = "truncated";
		return NULL;
	}
	p = d->p + d->pos;
	d->pos += n;
	return p;
}

/* The strings of a log: each needs its length + 1 of the pool; its encoding took length + 2
 * bytes of the file, so a pool of the file's size never runs out. */
struct pool {
	char *p;
	size_t used, cap;
};

static const char *get_str(struct dec *d, struct pool *pool, size_t max)
{
	size_t n = (size_t)get_le(d, 2);
	if (d->bad != NULL)
		return "";
	if (n > max) {
		d->bad = "a string is too long";
		return "";
	}
	if (n > d->len - d->pos) {
		d->bad = "truncated";
		return "";
	}
	if (memchr(d->p + d->pos, '\0', n) != NULL) {
		d->bad = "a string holds a NUL byte";
		return "";
	}
	if (n + 1 > pool->cap - pool->used) {
		d->bad = "string pool exhausted";
		return "";
	}
	char *s = pool->p + pool->used;
	memcpy(s, d->p + d->pos, n);
	s[n] = '\0';
	pool->used += n + 1;
	d->pos += n;
	return s;
}

/* ---- system calls, EINTR and short writes handled ---- */

static int datasync(int fd)
{
	while (fdatasync(fd) != 0) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

static int lock_nb(int fd)
{
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

/* Only a regular file is a journal: a FIFO or a device (/dev/zero) would block or never end. */
static bool regular(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

/* The whole file, from offset 0 to end of file (it may grow while we read). */
static int read_all(int fd, uint8_t **out, size_t *outlen)
{
	struct stat st;
	size_t cap, len = 0;
	uint8_t *buf;
	int e;

	*out = NULL;
	*outlen = 0;
	if (fstat(fd, &st) != 0)
		return -1;
	cap = st.st_size > 0 && (uint64_t)st.st_size < FILE_MAX ? (size_t)st.st_size + 1 : 4096;
	buf = malloc(cap);
	if (buf == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (;;) {
		if (len == cap) {
			uint8_t *nb;
			if (cap >= FILE_MAX) {
				e = EFBIG;
				goto bad;
			}
			cap *= 2;
			nb = realloc(buf, cap);
			if (nb == NULL) {
				e = ENOMEM;
				goto bad;
			}
			buf = nb;
		}
		ssize_t r = pread(fd, buf + len, cap - len, (off_t)len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			goto bad;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	*out = buf;
	*outlen = len;
	return 0;
bad:
	free(buf);
	errno = e;
	return -1;
}

/* dirname into buf ("." for a bare name). */
static void dir_of(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(buf, len, ".");
	else if (slash == path)
		snprintf(buf, len, "/");
	else
		snprintf(buf, len, "%.*s", (int)(slash - path), path);
}

int journal_mkdirs(const char *path, char *err, size_t errlen)
{
	char buf[JOURNAL_PATH_MAX];
	size_t n = strlen(path);

	if (n == 0)
		return util_err(err, errlen, "create directory: empty path");
	if (n >= sizeof(buf))
		return util_err(err, errlen, "create directory %s: %s", path, strerror(ENAMETOOLONG));
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		if (buf[i - 1] == '/')
			continue;               /* "a//b", or a trailing slash */
		char saved = buf[i];
		buf[i] = '\0';
		if (mkdir(buf, 0700) == 0) {
			char parent[JOURNAL_PATH_MAX];
			/* NOLINTNEXTLINE(readability-suspicious-call-argument): buf holds the path made */
			dir_of(buf, parent, sizeof(parent));
			if (util_sync_dir(parent, err, errlen) != 0)
				return -1;
		} else if (errno == EEXIST) {
			struct stat st;
			if (stat(buf, &st) != 0)
				return util_err(err, errlen, "create directory %s: %s", buf, strerror(errno));
			if (!S_ISDIR(st.st_mode))
				return util_err(err, errlen, "create directory %s: %s", buf, strerror(ENOTDIR));
		} else {
			return util_err(err, errlen, "create directory %s: %s", buf, strerror(errno));
		}
		buf[i] = saved;
	}
	return 0;
}

/* ---- names and places ---- */

int64_t journal_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int journal_new_run_id(char *buf, size_t len, char *err, size_t errlen)
{
	uint8_t rnd[3];
	size_t got = 0;
	struct timespec ts;
	struct tm tm;
	char stamp[32];

	while (got < sizeof(rnd)) {
		ssize_t r = getrandom(rnd + got, sizeof(rnd) - got, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return util_err(err, errlen, "make run id: getrandom: %s", strerror(errno));
		}
		got += (size_t)r;
	}
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return util_err(err, errlen, "make run id: clock_gettime: %s", strerror(errno));
	if (gmtime_r(&ts.tv_sec, &tm) == NULL)
		return util_err(err, errlen, "make run id: gmtime: %s", strerror(EOVERFLOW));
	if (strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) == 0)
		return util_err(err, errlen, "make run id: the date does not fit");
	int n = snprintf(buf, len, "%s-%02x%02x%02x", stamp, rnd[0], rnd[1], rnd[2]);
	if (n < 0 || (size_t)n >= len || (size_t)n >= JOURNAL_RUN_ID_MAX)
		return util_err(err, errlen, "make run id: buffer too small");
	return 0;
}

/* The name of user uid ("root"), or its number when it has none. */
static void user_name(uid_t uid, char *out, size_t len)
{
	struct passwd pw, *res = NULL;
	char buf[1024];
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
		snprintf(out, len, "%s", res->pw_name);
	else
		snprintf(out, len, "%u", (unsigned)uid);
}

/* Whether dir (a directory of the state directory) is the effective user's and writable by
 * no one else, as git (safe.directory) and OpenSSH (StrictModes) require of what they trust:
 * whoever can write into it can replace a journal with one that runs their commands on
 * `resume`, or a lock or a last-run record. 0, or -1 with err naming it, its owner and mode,
 * and the fix. A missing dir is fine when `may_miss` (it is made 0700 when needed). */
static int state_dir_safe(const char *dir, bool may_miss, char *err, size_t errlen)
{
	struct stat st;
	uid_t me = geteuid();
	if (stat(dir, &st) != 0) {
		if (may_miss && errno == ENOENT)
			return 0;
		return util_err(err, errlen, "state directory %s: %s", dir, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return util_err(err, errlen, "state directory %s: %s", dir, strerror(ENOTDIR));
	if (st.st_uid != me) {
		char owner[64], mine[64];
		user_name(st.st_uid, owner, sizeof(owner));
		user_name(me, mine, sizeof(mine));
		return util_err(err, errlen, "unsafe state directory %s: it belongs to %s (uid %u, mode %04o), not to %s "
				"(uid %u), who runs hotplan: its owner could change its journals, locks and last-run "
				"records; if it is yours, `chown %s %s`; otherwise remove it, or set HOTPLAN_STATE_DIR "
				"to a directory of your own", dir, owner, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777),
				mine, (unsigned)me, mine, dir);
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return util_err(err, errlen, "unsafe state directory %s: writable by %s (mode %04o): another user could "
				"change its journals, locks and last-run records; fix it with `chmod go-w %s`",
				dir, (st.st_mode & S_IWGRP) && (st.st_mode & S_IWOTH) ? "its group and by others"
				: (st.st_mode & S_IWGRP) ? "its group" : "others", (unsigned)(st.st_mode & 07777), dir);
	return 0;
}

int journal_state_dir(char *buf, size_t len, char *err, size_t errlen)
{
	static const char *const subdirs[] = { "runs", "locks", "targets" };
	const char *env = getenv("HOTPLAN_STATE_DIR");
	const char *rel = env != NULL && env[0] != '\0' ? env : ".hotplan";
	int n;

	if (rel[0] == '/') {
		n = snprintf(buf, len, "%s", rel);
	} else {
		char cwd[JOURNAL_PATH_MAX];
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return util_err(err, errlen, "find state directory: getcwd: %s", strerror(errno));
		n = snprintf(buf, len, "%s%s%s", cwd, strcmp(cwd, "/") == 0 ? "" : "/", rel);
	}
	if (n < 0 || (size_t)n >= len)
		return util_err(err, errlen, "state directory %s: %s", rel, strerror(ENAMETOOLONG));
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = '\0';
	if (journal_mkdirs(buf, err, errlen) != 0 || state_dir_safe(buf, false, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		char sub[JOURNAL_PATH_MAX];
		if (snprintf(sub, sizeof(sub), "%s/%s", buf, subdirs[i]) >= (int)sizeof(sub))
			return util_err(err, errlen, "state directory %s/%s: %s", buf, subdirs[i], strerror(ENAMETOOLONG));
		if (state_dir_safe(sub, true, err, errlen) != 0)
			return -1;
	}
	return 0;
}

int journal_default_path(const char *state_dir, const char *run_id, char *buf, size_t len,
			 char *err, size_t errlen)
{
	char dir[JOURNAL_PATH_MAX];
	int n;

	if (!run_id_ok(run_id))
		return util_err(err, errlen, "journal path: invalid run id '%s'", run_id);
	n = snprintf(dir, sizeof(dir), "%s/runs", state_dir);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return util_err(err, errlen, "journal path %s/runs: %s", state_dir, strerror(ENAMETOOLONG));
	n = snprintf(buf, len, "%s/%s.journal", dir, run_id);
	if (n < 0 || (size_t)n >= len)
		return util_err(err, errlen, "journal path %s: %s", dir, strerror(ENAMETOOLONG));
	return journal_mkdirs(dir, err, errlen);
}

/* ---- writing ---- */

/* The header's bytes (malloc'd), or NULL with the problem in err. */
static uint8_t *encode_header(const struct journal_header *h, size_t *outlen, char *err, size_t errlen)
{
	size_t body = JOURNAL_HASH_LEN + 8 + 4;
	const char *strs[3] = { h->run_id, h->plan_path, h->target };
	static const char *const what[3] = { "run id", "plan path", "target name" };

	if (h->run_id == NULL || !run_id_ok(h->run_id)) {
		util_err(err, errlen, "create journal: invalid run id '%s'", h->run_id ? h->run_id : "(null)");
		return NULL;
	}
	for (int i = 0; i < 3; i++) {
		size_t n = strs[i] != NULL ? strlen(strs[i]) : 0;
		if (n > JOURNAL_PATH_MAX) {
			util_err(err, errlen, "create journal: the %s is longer than %d bytes", what[i], JOURNAL_PATH_MAX);
			return NULL;
		}
		body += 2 + n;
	}
	if (h->nvars > JOURNAL_VARS_MAX) {
		util_err(err, errlen, "create journal: more than %d vars", JOURNAL_VARS_MAX);
		return NULL;
	}
	for (size_t i = 0; i < h->nvars; i++) {
		size_t n = h->vars[i] != NULL ? strlen(h->vars[i]) : 0;
		if (n > JOURNAL_PATH_MAX) {
			util_err(err, errlen, "create journal: var %zu is longer than %d bytes", i, JOURNAL_PATH_MAX);
			return NULL;
		}
		body += 2 + n;
	}
	if (body > HEADER_BODY_MAX) {
		util_err(err, errlen, "create journal: the header would exceed %u bytes", HEADER_BODY_MAX);
		return NULL;
	}

	struct enc e = { .cap = HEADER_FIXED + body + 4 };
	e.p = malloc(e.cap);
	if (e.p == NULL) {
		util_err(err, errlen, "create journal: %s", strerror(ENOMEM));
		return NULL;
	}
	put_bytes(&e, JOURNAL_MAGIC, 4);
	put_le(&e, JOURNAL_VERSION, 4);
	put_le(&e, body, 4);
	put_bytes(&e, h->plan_hash, JOURNAL_HASH_LEN);
	put_le(&e, (uint64_t)h->start_ns, 8);
	for (int i = 0; i < 3; i++)
		put_str(&e, strs[i] ? strs[i] : "", strs[i] ? strlen(strs[i]) : 0);
	put_le(&e, h->nvars, 4);
	for (size_t i = 0; i < h->nvars; i++)
		put_str(&e, h->vars[i] ? h->vars[i] : "", h->vars[i] ? strlen(h->vars[i]) : 0);
	put_le(&e, crc(e.p, e.len), 4);
	if (e.over || e.len != e.cap) {         /* cannot happen: the size was computed above */
		free(e.p);
		util_err(err, errlen, "create journal: internal error encoding the header");
		return NULL;
	}
	*outlen = e.len;
	return e.p;
}

static struct journal *journal_new(int fd, const char *path, const char *run_id,
				   const uint8_t *hash, char *err, size_t errlen)
{
	struct journal *j = calloc(1, sizeof(*j));
	char *p = strdup(path);
	if (j == NULL || p == NULL) {
		free(j);
		free(p);
		util_err(err, errlen, "open journal %s: %s", path, strerror(ENOMEM));
		return NULL;
	}
	j->fd = fd;
	j->path = p;
	snprintf(j->run_id, sizeof(j->run_id), "%s", run_id);
	memcpy(j->plan_hash, hash, JOURNAL_HASH_LEN);
	return j;
}

int journal_create(const char *path, const struct journal_header *h, struct journal **out,
		   char *err, size_t errlen)
{
	size_t hlen = 0;
	uint8_t *hdr = NULL;
	int fd = -1, rc = -1, e;
	char dir[JOURNAL_PATH_MAX];
	struct journal *j = NULL;

	*out = NULL;
	hdr = encode_header(h, &hlen, err, errlen);
	if (hdr == NULL)
		return -1;
	do
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		util_err(err, errlen, "create journal %s: %s", path, strerror(errno));
		goto out;
	}
	/* From here on the file is ours (O_EXCL): on failure, remove it. */
	if (lock_nb(fd) != 0) {
		e = errno;
		util_err(err, errlen, "lock journal %s: %s", path, strerror(e));
		goto out_unlink;
	}
	if (util_pwrite_all(fd, hdr, hlen, 0) != 0) {
		e = errno;
		util_err(err, errlen, "write journal %s: %s", path, strerror(e));
		goto out_unlink;
	}
	if (datasync(fd) != 0) {
		e = errno;
		util_err(err, errlen, "sync journal %s: %s", path, strerror(e));
		goto out_unlink;
	}
	dir_of(path, dir, sizeof(dir));
	if (util_sync_dir(dir, err, errlen) != 0)
		goto out_unlink;
	j = journal_new(fd, path, h->run_id, h->plan_hash, err, errlen);
	if (j == NULL)
		goto out_unlink;
	j->end = hlen;
	j->st.syncs = 2;
	j->st.bytes = hlen;
	*out = j;
	fd = -1;
	rc = 0;
	goto out;

out_unlink:
	if (unlink(path) != 0 && err != NULL && errlen > 0) {
		size_t n = strlen(err);
		snprintf(err + n, errlen - n, " (and remove %s: %s)", path, strerror(errno));
	}
out:
	if (fd >= 0)
		close(fd);
	free(hdr);
	return rc;
}

/* Bytes of s to keep: all, or at most max cut at a UTF-8 character boundary. */
static size_t cut_utf8(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

static int append(struct journal *j, struct journal_record *rec, bool sync, char *err, size_t errlen)
{
	const char *names[3] = { rec->step_name, rec->iter, rec->node };
	size_t lens[3];
	const char *msg = rec->message ? rec->message : "";
	size_t msglen;
	const char *why;

	if (j->broken[0] != '\0')
		return util_err(err, errlen, "append journal: unusable after an earlier error (%s)", j->broken);
	why = record_problem((unsigned)rec->kind, (unsigned)rec->status, rec->step, rec->action);
	if (why != NULL)
		return util_err(err, errlen, "append journal: %s record: %s",
			    journal_kind_name(rec->kind), why);
	for (int i = 0; i < 3; i++) {
		lens[i] = names[i] ? strlen(names[i]) : 0;
		if (lens[i] > JOURNAL_NAME_MAX)
			return util_err(err, errlen, "append journal: %s record: a name is longer than %d bytes",
				    journal_kind_name(rec->kind), JOURNAL_NAME_MAX);
	}
	if (j->seq == UINT32_MAX)
		return util_err(err, errlen, "append journal: too many records");
	msglen = cut_utf8(msg, strlen(msg), JOURNAL_MESSAGE_MAX);
	if (rec->time_ns == 0)
		rec->time_ns = journal_now_ns();

	struct enc e = { .p = j->frame, .cap = sizeof(j->frame) };
	put_le(&e, 0, 4);                       /* length, filled below */
	put_le(&e, (uint64_t)rec->kind, 1);
	put_le(&e, (uint64_t)rec->status, 1);
	put_le(&e, 0, 2);                       /* flags */
	put_le(&e, j->seq, 4);
	put_le(&e, (uint64_t)rec->time_ns, 8);
	put_le(&e, (uint32_t)rec->step, 4);
	put_le(&e, (uint32_t)rec->action, 4);
	put_bytes(&e, j->plan_hash, JOURNAL_HASH_LEN);
	put_str(&e, j->run_id, strlen(j->run_id));
	for (int i = 0; i < 3; i++)
		put_str(&e, names[i] ? names[i] : "", lens[i]);
	put_str(&e, msg, msglen);
	if (e.over || e.len - 4 > RECORD_MAX)   /* cannot happen: the limits add up to less */
		return util_err(err, errlen, "append journal: record too large");
	uint32_t len = (uint32_t)(e.len - 4);
	for (unsigned i = 0; i < 4; i++)
		j->frame[i] = (uint8_t)(len >> (8 * i));
	put_le(&e, crc(j->frame, e.len), 4);

	if (util_pwrite_all(j->fd, j->frame, e.len, (off_t)j->end) != 0) {
		snprintf(j->broken, sizeof(j->broken), "append journal: %s", strerror(errno));
		return util_err(err, errlen, "%s", j->broken);
	}
	/* A record left without a sync is followed by a synced one, never by another unsynced
	 * one: what a power cut can tear stays within the last two records (parse_log). */
	if (sync || j->pending) {
		j->st.syncs++;
		if (datasync(j->fd) != 0) {
			snprintf(j->broken, sizeof(j->broken), "sync journal: %s", strerror(errno));
			return util_err(err, errlen, "%s", j->broken);
		}
		j->pending = false;
	} else {
		j->pending = true;
		j->st.unsynced++;
	}
	rec->seq = j->seq++;
	rec->offset = j->end;
	j->end += e.len;
	j->st.records++;
	j->st.bytes = j->end;
	return 0;
}

int journal_append(struct journal *j, struct journal_record *rec, char *err, size_t errlen)
{
	return append(j, rec, true, err, errlen);
}

int journal_append_nosync(struct journal *j, struct journal_record *rec, char *err, size_t errlen)
{
	return append(j, rec, false, err, errlen);
}

int journal_sync(struct journal *j, char *err, size_t errlen)
{
	if (j->broken[0] != '\0')
		return util_err(err, errlen, "sync journal: unusable after an earlier error (%s)", j->broken);
	if (!j->pending)
		return 0;
	j->st.syncs++;
	if (datasync(j->fd) != 0) {
		snprintf(j->broken, sizeof(j->broken), "sync journal: %s", strerror(errno));
		return util_err(err, errlen, "%s", j->broken);
	}
	j->pending = false;
	return 0;
}

void journal_stats(const struct journal *j, struct journal_stats *st)
{
	*st = j->st;
}

const char *journal_path(const struct journal *j)
{
	return j->path;
}

void journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	/* A pending unsynced record is bookkeeping a resume can do without (journal_append_nosync):
	 * sync it if possible, but there is nobody left to tell when that fails. Every other record
	 * is durable already; a failing close loses nothing. */
	if (j->pending && j->broken[0] == '\0')
		(void)datasync(j->fd);
	close(j->fd);
	free(j->path);
	free(j);
}

/* ---- reading ---- */

static void log_note(struct journal_log *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void log_note(struct journal_log *log, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	util_verr(log->why, sizeof(log->why), fmt, ap);
	va_end(ap);
}

/* A complete frame with a good checksum starts at off. */
static bool frame_at(const uint8_t *buf, size_t size, size_t off)
{
	if (size - off < 8)
		return false;
	uint32_t len = le32(buf + off);
	if (len < RECORD_MIN || len > RECORD_MAX || size - off - 8 < len)
		return false;
	return le32(buf + off + 4 + len) == crc(buf + off, 4 + (size_t)len);
}

/* Parse one record payload, which must be record number seq; NULL when fine, else what is
 * wrong. */
static const char *parse_record(const uint8_t *p, size_t len, const struct journal_log *log, size_t seq_want,
				struct pool *pool, struct journal_record *r)
{
	struct dec d = { .p = p, .len = len };
	unsigned kind = (unsigned)get_le(&d, 1);
	unsigned status = (unsigned)get_le(&d, 1);
	unsigned flags = (unsigned)get_le(&d, 2);
	uint32_t seq = (uint32_t)get_le(&d, 4);
	int64_t time_ns = (int64_t)get_le(&d, 8);
	int32_t step = (int32_t)(uint32_t)get_le(&d, 4);
	int32_t action = (int32_t)(uint32_t)get_le(&d, 4);
	const uint8_t *hash = get_bytes(&d, JOURNAL_HASH_LEN);
	const char *run_id = get_str(&d, pool, JOURNAL_RUN_ID_MAX - 1);
	r->step_name = get_str(&d, pool, JOURNAL_NAME_MAX);
	r->iter = get_str(&d, pool, JOURNAL_NAME_MAX);
	r->node = get_str(&d, pool, JOURNAL_NAME_MAX);
	r->message = get_str(&d, pool, JOURNAL_MESSAGE_MAX);
	if (d.bad != NULL)
		return d.bad;
	if (d.pos != d.len)
		return "trailing bytes";
	if (flags != 0)
		return "unknown flags";
	const char *why = record_problem(kind, status, step, action);
	if (why != NULL)
		return why;
	if (seq != seq_want)
		return "out of sequence";
	if (strcmp(run_id, log->header.run_id) != 0)
		return "it names another run";
	if (memcmp(hash, log->header.plan_hash, JOURNAL_HASH_LEN) != 0)
		return "it names another plan hash";
	r->kind = (enum journal_kind)kind;
	r->status = (enum journal_status)status;
	r->time_ns = time_ns;
	r->step = step;
	r->action = action;
	r->seq = seq;
	return NULL;
}

static int parse_header(const uint8_t *buf, size_t size, const char *path, struct journal_log *log,
			struct pool *pool, size_t *hend, char *err, size_t errlen)
{
	size_t m = size < 4 ? size : 4;
	if (memcmp(buf, JOURNAL_MAGIC, m) != 0)
		return util_err(err, errlen, "journal %s: not a hotplan journal", path);
	if (size < HEADER_FIXED)
		goto incomplete;
	log->header.version = le32(buf + 4);
	if (log->header.version != JOURNAL_VERSION)
		return util_err(err, errlen, "journal %s: format version %u is not supported (this hotplan reads version %u)",
			    path, log->header.version, JOURNAL_VERSION);
	uint32_t body = le32(buf + 8);
	if (body > HEADER_BODY_MAX)
		return util_err(err, errlen, "journal %s: the header is corrupt (length %u)", path, body);
	if (size - HEADER_FIXED < (size_t)body + 4)
		goto incomplete;
	if (le32(buf + HEADER_FIXED + body) != crc(buf, HEADER_FIXED + (size_t)body))
		return util_err(err, errlen, "journal %s: the header is corrupt (checksum mismatch)", path);

	struct dec d = { .p = buf + HEADER_FIXED, .len = body };
	const uint8_t *hash = get_bytes(&d, JOURNAL_HASH_LEN);
	if (hash != NULL)
		memcpy(log->header.plan_hash, hash, JOURNAL_HASH_LEN);
	log->header.start_ns = (int64_t)get_le(&d, 8);
	log->header.run_id = get_str(&d, pool, JOURNAL_RUN_ID_MAX - 1);
	log->header.plan_path = get_str(&d, pool, JOURNAL_PATH_MAX);
	log->header.target = get_str(&d, pool, JOURNAL_PATH_MAX);
	uint32_t nvars = (uint32_t)get_le(&d, 4);
	if (d.bad == NULL && nvars > JOURNAL_VARS_MAX)
		d.bad = "too many vars";
	if (d.bad == NULL && nvars > 0) {
		const char **vars = calloc(nvars, sizeof(*vars));
		if (vars == NULL)
			return util_err(err, errlen, "read journal %s: %s", path, strerror(ENOMEM));
		log->header.vars = vars;
		log->header.nvars = nvars;
		for (uint32_t i = 0; i < nvars; i++)
			vars[i] = get_str(&d, pool, JOURNAL_PATH_MAX);
	}
	if (d.bad == NULL && d.pos != d.len)
		d.bad = "trailing bytes";
	if (d.bad == NULL && !run_id_ok(log->header.run_id))
		d.bad = "invalid run id";
	if (d.bad != NULL)
		return util_err(err, errlen, "journal %s: the header is malformed (%s)", path, d.bad);
	*hend = HEADER_FIXED + (size_t)body + 4;
	return 0;

incomplete:
	return util_err(err, errlen,
		    "journal %s: the header is incomplete (%zu bytes): the run stopped while creating its "
		    "journal, before any action",
		    path, size);
}

/* Invalid bytes at off, where the valid records end: a torn tail, or damage? A crash can
 * only leave invalid the records appended since the last sync that returned, each of them at
 * most one frame: the last record, or the last two when the one before the last was appended
 * without a sync of its own (journal_append_nosync; never two such in a row). A sync writes
 * the file's pages in no set order, so a power cut during the sync of the second can leave
 * the first invalid and the second whole. Torn, then: at most two frames to the end of the
 * file, with no valid frame in them, or exactly that one: the record after the missing one
 * (number n + 1), starting within a frame of off and ending the file. Its sync did not return
 * (it would have written the bytes before it too), so nothing acted on it: both are cut.
 * Anything else is damage. The search for a valid frame costs a CRC per candidate byte: it
 * stops a frame on when the tail is too long to be torn, or a damaged 1 GiB file would take
 * minutes to read. */
static void torn_or_damaged(const uint8_t *buf, size_t size, size_t off, const char *invalid,
			    struct journal_log *log, struct pool *pool)
{
	size_t rem = size - off, next = off + 1;
	size_t stop = rem > 2 * (size_t)FRAME_MAX ? off + FRAME_MAX + 1 : size;
	while (next < stop && !frame_at(buf, size, next))
		next++;
	if (next < stop) {
		uint32_t len = le32(buf + next);
		struct journal_record r = { .offset = next };
		if (next - off >= 8 + (size_t)RECORD_MIN && next - off <= FRAME_MAX && size - next == 8 + (size_t)len &&
		    parse_record(buf + next + 4, len, log, log->n + 1, pool, &r) == NULL) {
			log->torn = true;
			log_note(log, "%s at byte %zu, then record %zu whole at byte %zu, ending the file: an append "
				 "without a sync of its own, torn, and the synced one after it (both ignored)",
				 invalid, off, log->n + 1, next);
		} else {
			log->damaged = true;
			log_note(log, "%s at byte %zu, followed by a valid record at byte %zu", invalid, off, next);
		}
	} else if (rem > 2 * (size_t)FRAME_MAX) {
		log->damaged = true;
		log_note(log, "%s at byte %zu, followed by %zu bytes: longer than a torn append", invalid, off, rem);
	} else {
		log->torn = true;
		log_note(log, "%s at byte %zu (a torn append, ignored)", invalid, off);
	}
}

static int parse_log(const uint8_t *buf, size_t size, const char *path, struct journal_log *log,
		     char *err, size_t errlen)
{
	struct pool pool = { .cap = size + 1 };
	size_t off = 0, cap = 0;

	memset(log, 0, sizeof(*log));
	log->file_size = size;
	pool.p = malloc(pool.cap);
	if (pool.p == NULL)
		return util_err(err, errlen, "read journal %s: %s", path, strerror(ENOMEM));
	log->pool_ = pool.p;
	if (size == 0) {
		util_err(err, errlen, "journal %s is empty: the run stopped while creating its journal, before any action",
		     path);
		goto bad;
	}
	if (parse_header(buf, size, path, log, &pool, &off, err, errlen) != 0)
		goto bad;

	while (off < size) {
		size_t rem = size - off;
		const char *invalid = NULL;
		char what[96];
		uint32_t len = rem >= 4 ? le32(buf + off) : 0;

		if (rem < 4) {
			snprintf(what, sizeof(what), "an incomplete length (%zu of 4 bytes)", rem);
			invalid = what;
		} else if (len < RECORD_MIN || len > RECORD_MAX) {
			snprintf(what, sizeof(what), "an impossible record length %u", len);
			invalid = what;
		} else if (rem < 8 || rem - 8 < len) {
			snprintf(what, sizeof(what), "an incomplete record (%zu of %u bytes)", rem, len + 8);
			invalid = what;
		} else if (!frame_at(buf, size, off)) {
			invalid = "a checksum mismatch";
		}
		if (invalid != NULL) {
			torn_or_damaged(buf, size, off, invalid, log, &pool);
			break;
		}

		struct journal_record r = { .offset = off };
		const char *why = parse_record(buf + off + 4, len, log, log->n, &pool, &r);
		if (why != NULL) {
			log->damaged = true;
			log_note(log, "record %zu at byte %zu has a good checksum but is malformed: %s", log->n, off, why);
			break;
		}
		if (log->n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct journal_record *nr = realloc(log->records, ncap * sizeof(*nr));
			if (nr == NULL) {
				util_err(err, errlen, "read journal %s: %s", path, strerror(ENOMEM));
				goto bad;
			}
			log->records = nr;
			cap = ncap;
		}
		log->records[log->n++] = r;
		off += 8 + (size_t)len;
	}
	log->valid_end = off;
	return 0;

bad:
	journal_log_free(log);
	return -1;
}

int journal_read(const char *path, struct journal_log *log, char *err, size_t errlen)
{
	uint8_t *buf = NULL;
	size_t size = 0;
	int fd, rc;

	memset(log, 0, sizeof(*log));
	do
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);   /* a FIFO must not block */
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return util_err(err, errlen, "open journal %s: %s", path, strerror(errno));
	if (!regular(fd)) {
		close(fd);
		return util_err(err, errlen, "open journal %s: not a regular file", path);
	}
	if (read_all(fd, &buf, &size) != 0) {
		int e = errno;
		close(fd);
		return util_err(err, errlen, "read journal %s: %s", path, strerror(e));
	}
	close(fd);                               /* read-only: nothing to lose */
	rc = parse_log(buf, size, path, log, err, errlen);
	free(buf);
	return rc;
}

void journal_log_free(struct journal_log *log)
{
	free(log->records);
	free(log->pool_);
	free((void *)log->header.vars);
	memset(log, 0, sizeof(*log));
}

int journal_open_append(const char *path, struct journal **out, struct journal_log *log,
			char *err, size_t errlen)
{
	uint8_t *buf = NULL;
	size_t size = 0;
	int fd, e;
	char dir[JOURNAL_PATH_MAX];
	struct journal *j;

	*out = NULL;
	memset(log, 0, sizeof(*log));
	do
		fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return util_err(err, errlen, "open journal %s: %s", path, strerror(errno));
	if (!regular(fd)) {
		close(fd);
		return util_err(err, errlen, "open journal %s: not a regular file", path);
	}
	if (lock_nb(fd) != 0) {
		e = errno;
		if (e == EWOULDBLOCK)
			util_err(err, errlen, "open journal %s: another hotplan process is writing it", path);
		else
			util_err(err, errlen, "lock journal %s: %s", path, strerror(e));
		goto bad;
	}
	if (read_all(fd, &buf, &size) != 0) {
		e = errno;
		util_err(err, errlen, "read journal %s: %s", path, strerror(e));
		goto bad;
	}
	if (parse_log(buf, size, path, log, err, errlen) != 0)
		goto bad;
	if (log->damaged) {
		util_err(err, errlen, "journal %s is damaged (%s): not a torn tail; refusing to append to it",
		     path, log->why);
		goto bad;
	}
	if (log->torn) {
		while (ftruncate(fd, (off_t)log->valid_end) != 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			util_err(err, errlen, "truncate journal %s: %s", path, strerror(e));
			goto bad;
		}
		if (datasync(fd) != 0) {
			e = errno;
			util_err(err, errlen, "sync journal %s: %s", path, strerror(e));
			goto bad;
		}
	}
	dir_of(path, dir, sizeof(dir));
	if (util_sync_dir(dir, err, errlen) != 0)
		goto bad;
	j = journal_new(fd, path, log->header.run_id, log->header.plan_hash, err, errlen);
	if (j == NULL)
		goto bad;
	j->end = log->valid_end;
	j->seq = (uint32_t)log->n;
	j->st.syncs = log->torn ? 2 : 1;
	j->st.bytes = j->end;
	free(buf);
	*out = j;
	return 0;

bad:
	free(buf);
	journal_log_free(log);
	close(fd);
	return -1;
}
