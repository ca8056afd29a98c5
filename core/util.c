/* util.c: see util.h. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int util_verr(char *err, size_t errlen, const char *fmt, va_list ap)
{
	if (err != NULL && errlen > 0)
		vsnprintf(err, errlen, fmt, ap);
	return -1;
}

int util_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	util_verr(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- writing ---- */

/* The one loop behind util_write_all (off < 0: at the file position) and util_pwrite_all. */
static int write_loop(int fd, const char *p, size_t n, off_t off)
{
	while (n > 0) {
		ssize_t w = off < 0 ? write(fd, p, n) : pwrite(fd, p, n, off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
		if (off >= 0)
			off += w;
	}
	return 0;
}

int util_write_all(int fd, const void *p, size_t n)
{
	return write_loop(fd, p, n, -1);
}

int util_pwrite_all(int fd, const void *p, size_t n, off_t off)
{
	if (off < 0) {
		errno = EINVAL;
		return -1;
	}
	return write_loop(fd, p, n, off);
}

static int sync_fd(int fd)
{
	while (fsync(fd) != 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

int util_sync_dir(const char *dir, char *err, size_t errlen)
{
	int fd;
	do
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return util_err(err, errlen, "sync directory %s: %s", dir, strerror(errno));
	if (sync_fd(fd) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return util_err(err, errlen, "sync directory %s: %s", dir, strerror(e));
	}
	if (close(fd) != 0 && errno != EINTR)
		return util_err(err, errlen, "sync directory %s: %s", dir, strerror(errno));
	return 0;
}

/* ---- replacing a file ---- */

#define TMP_TRIES 100

/* Create the temporary for path into tmp[cap]: PATH.tmp (fixed) or DIR/.BASE.XXXXXX, fresh.
 * Returns the descriptor, or -1 with errno. */
static int tmp_create(const char *path, bool fixed, mode_t mode, char *tmp, size_t cap)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	const char *slash = strrchr(path, '/');
	int dirlen = slash != NULL ? (int)(slash - path) + 1 : 0;
	int fd = -1;

	for (unsigned try = 0; try < TMP_TRIES; try++) {
		if (fixed) {
			snprintf(tmp, cap, "%s.tmp", path);
		} else {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			unsigned long long x = (unsigned long long)ts.tv_nsec ^ ((unsigned long long)getpid() << 32) ^
					       ((unsigned long long)try << 56);
			x *= 0x9E3779B97F4A7C15ull;   /* spread every input bit over the top ones */
			x >>= 24;
			char sfx[7];
			for (int i = 0; i < 6; i++, x /= sizeof(abc) - 1)
				sfx[i] = abc[x % (sizeof(abc) - 1)];
			sfx[6] = '\0';
			snprintf(tmp, cap, "%.*s.%s.%s", dirlen, path, path + dirlen, sfx);
		}
		int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (fixed ? O_TRUNC : O_EXCL);
		do
			fd = open(tmp, flags, mode);
		while (fd < 0 && errno == EINTR);
		if (fd >= 0 || fixed || errno != EEXIST)
			break;
	}
	return fd;
}

/* The new file's owner and mode, those of the file it replaces (st). */
static int keep_mode(int fd, const struct stat *st)
{
	if (fchown(fd, st->st_uid, st->st_gid) != 0) {
		/* not permitted: the file gets our owner, as any editor's rewrite would */
	}
	return fchmod(fd, st->st_mode & 07777);
}

/* Write, sync and close the temporary fd (named tmp); 0, or -1 with err. fd is closed either way. */
static int tmp_fill(int fd, const char *tmp, const void *buf, size_t len, unsigned flags,
		    const struct stat *old, char *err, size_t errlen)
{
	const char *what = NULL;
	int e = 0;

	if (old != NULL && keep_mode(fd, old) != 0)
		what = "chmod";
	else if (util_write_all(fd, buf, len) != 0)
		what = "write";
	else if ((flags & UTIL_DURABLE) && sync_fd(fd) != 0)
		what = "sync";
	if (what != NULL)
		e = errno;
	if (close(fd) != 0 && what == NULL && errno != EINTR) {
		what = "write";
		e = errno;
	}
	if (what == NULL)
		return 0;
	errno = e;
	return util_err(err, errlen, "%s %s: %s", what, tmp, strerror(e));
}

int util_replace(const char *path, const void *buf, size_t len, mode_t mode, unsigned flags, char *err,
		 size_t errlen)
{
	size_t cap = strlen(path) + 16;
	char *tmp = malloc(cap);
	struct stat st;
	const struct stat *old = NULL;
	int rc = -1, e;

	if (tmp == NULL) {
		errno = ENOMEM;
		return util_err(err, errlen, "replace %s: %s", path, strerror(ENOMEM));
	}
	if ((flags & UTIL_KEEP_MODE) && stat(path, &st) == 0)
		old = &st;
	int fd = tmp_create(path, (flags & UTIL_FIXED_TMP) != 0, mode, tmp, cap);
	if (fd < 0) {
		util_err(err, errlen, "create %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (tmp_fill(fd, tmp, buf, len, flags, old, err, errlen) != 0)
		goto out_unlink;
	if (rename(tmp, path) != 0) {
		util_err(err, errlen, "replace %s: %s", path, strerror(errno));
		goto out_unlink;
	}
	rc = 0;
	if (flags & UTIL_DURABLE) {
		const char *slash = strrchr(path, '/');
		/* the temporary's name is no longer needed: the directory's goes in its buffer */
		if (slash == NULL)
			snprintf(tmp, cap, ".");
		else
			snprintf(tmp, cap, "%.*s", slash == path ? 1 : (int)(slash - path), path);
		rc = util_sync_dir(tmp, err, errlen);
	}
	goto out;

out_unlink:
	e = errno;
	if (unlink(tmp) != 0 && err != NULL && errlen > 0) {
		size_t k = strlen(err);
		util_err(err + k, errlen - k, " (and remove %s: %s)", tmp, strerror(errno));
	}
	errno = e;
out:
	e = errno;
	free(tmp);
	errno = e;
	return rc;
}

/* ---- reading ---- */

static int no_version(uint32_t c[4])
{
	memset(c, 0, 4 * sizeof(c[0]));
	return -1;
}

int util_parse_version(const char *s, uint32_t c[4])
{
	int n = 0;
	memset(c, 0, 4 * sizeof(c[0]));
	for (;;) {
		uint64_t x = 0;
		if (*s < '0' || *s > '9' || n == 4)
			return no_version(c);
		while (*s >= '0' && *s <= '9')
			if ((x = x * 10 + (uint64_t)(*s++ - '0')) > UINT32_MAX)
				return no_version(c);
		c[n++] = (uint32_t)x;
		if (*s == '\0')
			return n >= 3 ? n : no_version(c);
		if (*s++ != '.')
			return no_version(c);
	}
}

/* ---- terminals ---- */

bool util_color(int fd)
{
	const char *nc = getenv("NO_COLOR");
	const char *term = getenv("TERM");
	if (nc != NULL && nc[0] != '\0')
		return false;
	if (term != NULL && strcmp(term, "dumb") == 0)
		return false;
	return isatty(fd) == 1;
}

/* ---- text shown to people ---- */

/* Documented in util.h. */
size_t util_utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xBF;
	size_t len;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		v = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		v = c & 0x07;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if (p[i] < lo || p[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xBF;
		v = (v << 6) | (p[i] & 0x3F);
	}
	*cp = v;
	return len;
}

/* The characters above U+007F that reorder or split what a terminal shows. */
static bool bidi_or_separator(uint32_t cp)
{
	return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF;
}

size_t util_escape_char(const char *p, size_t n, char esc[UTIL_ESC_MAX])
{
	const unsigned char *u = (const unsigned char *)p;
	uint32_t cp = 0;
	size_t len;

	esc[0] = '\0';
	if (u[0] == '\n' || u[0] == '\t') {
		snprintf(esc, UTIL_ESC_MAX, "\\%c", u[0] == '\n' ? 'n' : 't');
		return 1;
	}
	if (u[0] < 0x20 || u[0] == 0x7F) {
		snprintf(esc, UTIL_ESC_MAX, "\\x%02x", u[0]);
		return 1;
	}
	if (u[0] < 0x80)
		return 1;
	len = util_utf8_decode(u, n, &cp);
	if (len == 0 || cp <= 0x9F) {   /* not UTF-8, or a C1 control: byte by byte */
		snprintf(esc, UTIL_ESC_MAX, "\\x%02x", u[0]);
		return 1;
	}
	if (bidi_or_separator(cp))
		snprintf(esc, UTIL_ESC_MAX, "\\u{%x}", (unsigned)cp);
	return len;
}

size_t util_escape(const char *s, char *out, size_t outlen)
{
	size_t o = 0, n = strlen(s);
	char esc[UTIL_ESC_MAX];
	if (outlen == 0)
		return 0;
	for (size_t i = 0; i < n;) {
		size_t k = util_escape_char(s + i, n - i, esc);
		const char *put = esc[0] != '\0' ? esc : s + i;
		size_t m = esc[0] != '\0' ? strlen(esc) : k;
		if (o + m >= outlen)
			break;
		memcpy(out + o, put, m);
		o += m;
		i += k;
	}
	out[o] = '\0';
	return o;
}

/* ---- names as file names ---- */

int util_file_name(const char *name, char *out, size_t outlen)
{
	size_t o = 0;
	if (outlen == 0)
		return -1;
	out[0] = '\0';
	if (name[0] == '\0')
		return -1;
	for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++) {
		bool plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
			     *p == '_' || *p == '-' || (*p == '.' && p != (const unsigned char *)name);
		if (o + (plain ? 1 : 3) >= outlen) {
			out[0] = '\0';
			return -1;
		}
		if (plain)
			out[o++] = (char)*p;
		else
			o += (size_t)snprintf(out + o, outlen - o, "%%%02X", *p);
	}
	out[o] = '\0';
	return 0;
}
