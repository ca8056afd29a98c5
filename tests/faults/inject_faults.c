/* inject_faults.c: an LD_PRELOAD shim that makes chosen system calls on the run's state fail
 * (tests/faults/run-*.sh; the idea is jq's tests/inject_errors.c).
 *
 * Build: cc -shared -fPIC -o inject.so inject_faults.c -ldl
 *
 * Only calls on paths under $HOTPLAN_STATE_DIR are counted and failed (the state directory
 * itself included): open/openat/creat of such a path, mkdir, rename/renameat whose source or
 * destination is one, and write/pwrite/fsync/fdatasync/ftruncate on a descriptor this process
 * opened on one (the shim remembers which descriptors those are until they are closed).
 * Calls of processes forked by the runner are not counted.
 *
 *   HOTPLAN_FAULT=KIND:N:ERRNO[,KIND:N:ERRNO...]
 *       make the Nth counted call of KIND (1-based) fail with ERRNO (ENOSPC, EIO, EDQUOT,
 *       EROFS, EINTR, ...; a number works too). KIND: open, write, pwrite, fsync,
 *       fdatasync, rename, ftruncate, mkdir. N may be "N+" for "the Nth and every later one".
 *       ERRNO "SHORT" (write, pwrite) writes half of the bytes and returns that count.
 *   HOTPLAN_FAULT_LOG=FILE
 *       append one line per counted call to FILE: "KIND N PATH [failed ERRNO]" (a test
 *       counts the calls of a run without faults, then fails each one in turn).
 *
 * Nothing else changes: a call that is not failed goes to libc unchanged. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

enum kind { K_OPEN, K_WRITE, K_PWRITE, K_FSYNC, K_FDATASYNC, K_RENAME, K_FTRUNCATE, K_MKDIR, K_COUNT };
static const char *const kind_names[K_COUNT] = {
	"open", "write", "pwrite", "fsync", "fdatasync", "rename", "ftruncate", "mkdir",
};

#define MAX_RULES 16
#define MAX_FDS 65536

struct rule {
	enum kind kind;
	unsigned long n;
	bool and_later;
	int err;                        /* -1: a short write */
};

static struct rule rules[MAX_RULES];
static unsigned nrules;
static atomic_ulong counts[K_COUNT];
static char state_dir[PATH_MAX * 2];
static size_t state_len;
static pid_t owner;
static const char *log_path;
static char *fd_path[MAX_FDS];          /* the state path a descriptor is open on, or NULL */
static bool ready;

static int (*real_open)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_creat)(const char *, mode_t);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_rename)(const char *, const char *);
static int (*real_renameat)(int, const char *, int, const char *);
static int (*real_ftruncate)(int, off_t);
static int (*real_mkdir)(const char *, mode_t);
static int (*real_close)(int);

static int errno_of(const char *s)
{
	static const struct { const char *name; int v; } t[] = {
		{ "ENOSPC", ENOSPC }, { "EIO", EIO }, { "EDQUOT", EDQUOT }, { "EROFS", EROFS },
		{ "EINTR", EINTR }, { "EACCES", EACCES }, { "EPERM", EPERM }, { "EMFILE", EMFILE },
		{ "ENFILE", ENFILE }, { "EFBIG", EFBIG }, { "ENOMEM", ENOMEM }, { "EAGAIN", EAGAIN },
		{ "ENOENT", ENOENT }, { "EEXIST", EEXIST }, { "EBADF", EBADF },
	};
	if (strcmp(s, "SHORT") == 0)
		return -1;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(s, t[i].name) == 0)
			return t[i].v;
	return atoi(s) > 0 ? atoi(s) : EIO;
}

static void parse_rules(const char *spec)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", spec);
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok != NULL && nrules < MAX_RULES;
	     tok = strtok_r(NULL, ",", &save)) {
		char *c1 = strchr(tok, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c1 == NULL || c2 == NULL)
			continue;
		*c1 = *c2 = '\0';
		for (int k = 0; k < K_COUNT; k++)
			if (strcmp(tok, kind_names[k]) == 0) {
				struct rule *r = &rules[nrules++];
				r->kind = (enum kind)k;
				r->n = strtoul(c1 + 1, NULL, 10);
				r->and_later = strchr(c1 + 1, '+') != NULL;
				r->err = errno_of(c2 + 1);
			}
	}
}

__attribute__((constructor)) static void init(void)
{
	real_open = dlsym(RTLD_NEXT, "open");
	real_openat = dlsym(RTLD_NEXT, "openat");
	real_creat = dlsym(RTLD_NEXT, "creat");
	real_write = dlsym(RTLD_NEXT, "write");
	real_pwrite = dlsym(RTLD_NEXT, "pwrite");
	real_fsync = dlsym(RTLD_NEXT, "fsync");
	real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
	real_rename = dlsym(RTLD_NEXT, "rename");
	real_renameat = dlsym(RTLD_NEXT, "renameat");
	real_ftruncate = dlsym(RTLD_NEXT, "ftruncate");
	real_mkdir = dlsym(RTLD_NEXT, "mkdir");
	real_close = dlsym(RTLD_NEXT, "close");
	owner = getpid();
	const char *sd = getenv("HOTPLAN_STATE_DIR");
	if (sd != NULL && sd[0] != '\0') {
		/* the runtime makes it absolute, keeping symlinks: do the same */
		if (sd[0] == '/')
			snprintf(state_dir, sizeof(state_dir), "%s", sd);
		else {
			char cwd[PATH_MAX];
			if (getcwd(cwd, sizeof(cwd)) != NULL)
				snprintf(state_dir, sizeof(state_dir), "%s/%s", cwd, sd);
		}
		state_len = strlen(state_dir);
		while (state_len > 1 && state_dir[state_len - 1] == '/')
			state_dir[--state_len] = '\0';
	}
	const char *spec = getenv("HOTPLAN_FAULT");
	if (spec != NULL)
		parse_rules(spec);
	log_path = getenv("HOTPLAN_FAULT_LOG");
	ready = true;
}

/* Is path (relative to dirfd, or the working directory) the state directory or under it? */
static bool in_state(int dirfd, const char *path)
{
	char abs[PATH_MAX * 2];
	if (!ready || state_len == 0 || path == NULL || getpid() != owner)
		return false;
	if (path[0] == '/') {
		snprintf(abs, sizeof(abs), "%s", path);
	} else {
		char base[PATH_MAX];
		if (dirfd != AT_FDCWD && dirfd >= 0 && dirfd < MAX_FDS && fd_path[dirfd] != NULL)
			snprintf(base, sizeof(base), "%s", fd_path[dirfd]);
		else if (dirfd != AT_FDCWD || getcwd(base, sizeof(base)) == NULL)
			return false;
		snprintf(abs, sizeof(abs), "%s/%s", base, path);
	}
	return strncmp(abs, state_dir, state_len) == 0 && (abs[state_len] == '\0' || abs[state_len] == '/');
}

static const char *fd_state_path(int fd)
{
	if (!ready || fd < 0 || fd >= MAX_FDS || getpid() != owner)
		return NULL;
	return fd_path[fd];
}

static void log_call(enum kind k, unsigned long n, const char *path, int err)
{
	if (log_path == NULL)
		return;
	int saved = errno;
	int fd = real_open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0) {
		char line[PATH_MAX + 128];
		int len = err ? snprintf(line, sizeof(line), "%s %lu %s failed %s\n", kind_names[k], n, path,
					 err < 0 ? "SHORT" : strerrorname_np(err))
			      : snprintf(line, sizeof(line), "%s %lu %s\n", kind_names[k], n, path);
		if (len > 0)
			(void)!real_write(fd, line, (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1);
		real_close(fd);
	}
	errno = saved;
}

/* Count a call of kind k on path: 0 to let it through, else the errno to fail it with (-1: a
 * short write). */
static int verdict(enum kind k, const char *path)
{
	unsigned long n = atomic_fetch_add(&counts[k], 1) + 1;
	int err = 0;
	for (unsigned i = 0; i < nrules && err == 0; i++)
		if (rules[i].kind == k && (n == rules[i].n || (rules[i].and_later && n >= rules[i].n)))
			err = rules[i].err;
	log_call(k, n, path, err);
	return err;
}

static void remember(int fd, int dirfd, const char *path)
{
	if (fd < 0 || fd >= MAX_FDS)
		return;
	free(fd_path[fd]);
	fd_path[fd] = NULL;
	if (!in_state(dirfd, path))
		return;
	char abs[PATH_MAX * 2];
	if (path[0] == '/')
		snprintf(abs, sizeof(abs), "%s", path);
	else if (dirfd != AT_FDCWD && fd_path[dirfd] != NULL)
		snprintf(abs, sizeof(abs), "%s/%s", fd_path[dirfd], path);
	else {
		char cwd[PATH_MAX];
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return;
		snprintf(abs, sizeof(abs), "%s/%s", cwd, path);
	}
	fd_path[fd] = strdup(abs);
}

static int do_open(int dirfd, const char *path, int flags, mode_t mode)
{
	if (in_state(dirfd, path)) {
		int err = verdict(K_OPEN, path);
		if (err != 0) {
			errno = err > 0 ? err : EIO;
			return -1;
		}
	}
	int fd = dirfd == AT_FDCWD ? real_open(path, flags, mode) : real_openat(dirfd, path, flags, mode);
	if (fd >= 0)
		remember(fd, dirfd, path);
	return fd;
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	return do_open(AT_FDCWD, path, flags, mode);
}
int open64(const char *path, int flags, ...) __attribute__((alias("open")));

int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	return do_open(dirfd, path, flags, mode);
}
int openat64(int dirfd, const char *path, int flags, ...) __attribute__((alias("openat")));

int creat(const char *path, mode_t mode)
{
	return do_open(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, mode);
}

int close(int fd)
{
	if (fd >= 0 && fd < MAX_FDS && fd_path[fd] != NULL && getpid() == owner) {
		free(fd_path[fd]);
		fd_path[fd] = NULL;
	}
	return real_close(fd);
}

ssize_t write(int fd, const void *buf, size_t n)
{
	const char *p = fd_state_path(fd);
	if (p != NULL) {
		int err = verdict(K_WRITE, p);
		if (err > 0) {
			errno = err;
			return -1;
		}
		if (err < 0 && n > 1)
			return real_write(fd, buf, n / 2);
	}
	return real_write(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	const char *p = fd_state_path(fd);
	if (p != NULL) {
		int err = verdict(K_PWRITE, p);
		if (err > 0) {
			errno = err;
			return -1;
		}
		if (err < 0 && n > 1)
			return real_pwrite(fd, buf, n / 2, off);
	}
	return real_pwrite(fd, buf, n, off);
}
ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) __attribute__((alias("pwrite")));

static int sync_call(enum kind k, int fd)
{
	const char *p = fd_state_path(fd);
	if (p != NULL) {
		int err = verdict(k, p);
		if (err != 0) {
			errno = err > 0 ? err : EIO;
			return -1;
		}
	}
	return k == K_FSYNC ? real_fsync(fd) : real_fdatasync(fd);
}

int fsync(int fd)
{
	return sync_call(K_FSYNC, fd);
}

int fdatasync(int fd)
{
	return sync_call(K_FDATASYNC, fd);
}

int ftruncate(int fd, off_t len)
{
	const char *p = fd_state_path(fd);
	if (p != NULL) {
		int err = verdict(K_FTRUNCATE, p);
		if (err != 0) {
			errno = err > 0 ? err : EIO;
			return -1;
		}
	}
	return real_ftruncate(fd, len);
}
int ftruncate64(int fd, off_t len) __attribute__((alias("ftruncate")));

int rename(const char *from, const char *to)
{
	if (in_state(AT_FDCWD, from) || in_state(AT_FDCWD, to)) {
		int err = verdict(K_RENAME, to);
		if (err != 0) {
			errno = err > 0 ? err : EIO;
			return -1;
		}
	}
	return real_rename(from, to);
}

int renameat(int fd1, const char *from, int fd2, const char *to)
{
	if (in_state(fd1, from) || in_state(fd2, to)) {
		int err = verdict(K_RENAME, to);
		if (err != 0) {
			errno = err > 0 ? err : EIO;
			return -1;
		}
	}
	return real_renameat(fd1, from, fd2, to);
}

int mkdir(const char *path, mode_t mode)
{
	if (in_state(AT_FDCWD, path)) {
		int err = verdict(K_MKDIR, path);
		if (err != 0) {
			errno = err > 0 ? err : EIO;
			return -1;
		}
	}
	return real_mkdir(path, mode);
}
