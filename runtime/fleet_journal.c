/* fleet_journal.c: the fleet's journal (fleet.h, docs/fleets.md): text lines with a CRC each,
 * appended and made durable (fdatasync) one by one or a group at once, read back with a torn
 * last line ignored. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "fleet.h"
#include "util.h"

#define LINE_MAX_BYTES (64u << 10)

static uint32_t crc_of(const char *p, size_t n)
{
	return (uint32_t)crc32(crc32(0L, Z_NULL, 0), (const unsigned char *)p, (uInt)n);
}

/* fields as "CRC F1 F2…\n", each field %XX-escaped (blanks, controls, '%', DEL), malloc'd. */
static char *encode(const char *const *fields, size_t *len)
{
	size_t cap = 16;
	for (const char *const *f = fields; *f != NULL; f++)
		cap += 3 * strlen(*f) + 1;
	char *out = malloc(cap), *p;
	if (out == NULL)
		return NULL;
	p = out + 9;   /* "XXXXXXXX " */
	for (const char *const *f = fields; *f != NULL; f++) {
		if (f != fields)
			*p++ = ' ';
		for (const unsigned char *c = (const unsigned char *)*f; *c != '\0'; c++) {
			if (*c <= ' ' || *c == '%' || *c == 0x7f)
				p += sprintf(p, "%%%02X", *c);
			else
				*p++ = (char)*c;
		}
	}
	char crc[10];
	snprintf(crc, sizeof(crc), "%08x ", crc_of(out + 9, (size_t)(p - (out + 9))));
	memcpy(out, crc, 9);
	*p++ = '\n';
	*len = (size_t)(p - out);
	return out;
}

static int sync_dir_of(const char *path, char *err, size_t errlen)
{
	char *copy = strdup(path);
	if (copy == NULL)
		return util_err(err, errlen, "out of memory");
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = fd >= 0 && fsync(fd) == 0 ? 0 : -1;
	if (rc < 0)
		util_err(err, errlen, "sync directory of %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(copy);
	return rc;
}

int fleet_journal_create(const char *path, char ***lines, unsigned n, int *fd, char *err, size_t errlen)
{
	*fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (*fd < 0)
		return util_err(err, errlen, "create fleet journal %s: %s", path, strerror(errno));
	if (flock(*fd, LOCK_EX | LOCK_NB) != 0 || util_write_all(*fd, FLEET_JOURNAL_MAGIC, strlen(FLEET_JOURNAL_MAGIC)) != 0)
		goto fail;
	for (unsigned i = 0; i < n; i++) {
		size_t len;
		char *line = encode((const char *const *)lines[i], &len);
		if (line == NULL || util_write_all(*fd, line, len) != 0) {
			free(line);
			goto fail;
		}
		free(line);
	}
	if (fdatasync(*fd) != 0)
		goto fail;
	return sync_dir_of(path, err, errlen);
fail:
	util_err(err, errlen, "create fleet journal %s: %s", path, strerror(errno));
	close(*fd);
	*fd = -1;
	(void)unlink(path);
	return -1;
}

int fleet_journal_open(const char *path, int *fd, char *err, size_t errlen)
{
	*fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (*fd < 0)
		return util_err(err, errlen, "open fleet journal %s: %s", path, strerror(errno));
	if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		close(*fd);
		*fd = -1;
		if (e == EWOULDBLOCK)
			return util_err(err, errlen, "fleet journal %s: another hotplan controller is running this fleet", path);
		return util_err(err, errlen, "lock fleet journal %s: %s", path, strerror(e));
	}
	return 0;
}

int fleet_journal_add(int fd, const char *const *fields, char *err, size_t errlen)
{
	size_t len;
	char *line = encode(fields, &len);
	if (line == NULL)
		return util_err(err, errlen, "append fleet journal: out of memory");
	int rc = util_write_all(fd, line, len) == 0 ? 0 : util_err(err, errlen, "append fleet journal: %s", strerror(errno));
	free(line);
	return rc;
}

int fleet_journal_sync(int fd, char *err, size_t errlen)
{
	if (fdatasync(fd) != 0)
		return util_err(err, errlen, "append fleet journal: %s", strerror(errno));
	return 0;
}

int fleet_journal_append(int fd, const char *const *fields, char *err, size_t errlen)
{
	return fleet_journal_add(fd, fields, err, errlen) < 0 ? -1 : fleet_journal_sync(fd, err, errlen);
}

static int unhex(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One line's payload (without CRC and newline) into fields. -1 on a bad escape. */
static int split(const char *p, size_t n, struct fleet_line *out)
{
	out->n = 0;
	out->f = calloc(n / 2 + 2, sizeof(char *));
	if (out->f == NULL)
		return -1;
	size_t i = 0;
	while (i <= n) {
		char *fld = malloc(n - i + 1), *q = fld;
		if (fld == NULL)
			return -1;
		out->f[out->n++] = fld;
		for (; i < n && p[i] != ' '; i++) {
			if (p[i] != '%') {
				*q++ = p[i];
				continue;
			}
			if (i + 2 >= n)
				return -1;
			int h = unhex(p[i + 1]), l = unhex(p[i + 2]);
			if (h < 0 || l < 0 || h * 16 + l == 0)
				return -1;
			*q++ = (char)(h * 16 + l);
			i += 2;
		}
		*q = '\0';
		i++;
	}
	return 0;
}

static int read_all(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return util_err(err, errlen, "read fleet journal %s: %s", path, strerror(errno));
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap);
	if (b == NULL) {
		(void)fclose(f);   /* read only */
		return util_err(err, errlen, "read fleet journal %s: out of memory", path);
	}
	for (;;) {
		if (n == cap) {
			char *b2 = realloc(b, cap *= 2);
			if (b2 == NULL) {
				free(b);
				b = NULL;
				break;
			}
			b = b2;
		}
		size_t r = fread(b + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	const char *why = b == NULL ? "out of memory" : ferror(f) ? "read error" : NULL;
	(void)fclose(f);   /* read only */
	if (why != NULL) {
		free(b);
		return util_err(err, errlen, "read fleet journal %s: %s", path, why);
	}
	*buf = b;
	*len = n;
	return 0;
}

int fleet_journal_read(const char *path, struct fleet_line **lines, unsigned *nlines, char *err, size_t errlen)
{
	char *b = NULL;
	size_t len = 0, ml = strlen(FLEET_JOURNAL_MAGIC), pos;
	*lines = NULL;
	*nlines = 0;
	if (read_all(path, &b, &len, err, errlen) < 0)
		return -1;
	if (len < ml || memcmp(b, FLEET_JOURNAL_MAGIC, ml) != 0) {
		free(b);
		return util_err(err, errlen, "%s is not a fleet journal", path);
	}
	unsigned cap = 64;
	*lines = calloc(cap, sizeof(**lines));
	for (pos = ml; *lines != NULL && pos < len;) {
		char *nl = memchr(b + pos, '\n', len - pos);
		size_t end = nl != NULL ? (size_t)(nl - b) : len;
		bool last = nl == NULL || end + 1 >= len;
		unsigned crc;
		char *stop = NULL;
		bool ok = nl != NULL && end - pos >= 9 && end - pos < LINE_MAX_BYTES && b[pos + 8] == ' ' &&
			  (crc = (unsigned)strtoul(b + pos, &stop, 16), stop == b + pos + 8) &&
			  crc == crc_of(b + pos + 9, end - pos - 9);
		if (!ok) {
			if (last)
				break;   /* torn: what a crash during the last append leaves */
			free(b);
			fleet_journal_free(*lines, *nlines);
			*lines = NULL;
			*nlines = 0;
			return util_err(err, errlen, "fleet journal %s is damaged at byte %zu (a bad line before good ones): a "
					"person must look", path, pos);
		}
		if (*nlines == cap) {
			struct fleet_line *l2 = realloc(*lines, (cap *= 2) * sizeof(**lines));
			if (l2 == NULL)
				break;
			*lines = l2;
		}
		if (split(b + pos + 9, end - pos - 9, &(*lines)[(*nlines)++]) < 0) {
			free(b);
			fleet_journal_free(*lines, *nlines);
			*lines = NULL;
			*nlines = 0;
			return util_err(err, errlen, "fleet journal %s: a malformed line at byte %zu", path, pos);
		}
		pos = end + 1;
	}
	free(b);
	if (*lines == NULL)
		return util_err(err, errlen, "read fleet journal %s: out of memory", path);
	return 0;
}

void fleet_journal_free(struct fleet_line *lines, unsigned n)
{
	for (unsigned i = 0; lines != NULL && i < n; i++) {
		for (unsigned k = 0; k < lines[i].n; k++)
			free(lines[i].f[k]);
		free(lines[i].f);
	}
	free(lines);
}

bool fleet_journal_is(const char *path)
{
	char buf[32];
	size_t ml = strlen(FLEET_JOURNAL_MAGIC);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return false;
	struct stat st;
	bool yes = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && read(fd, buf, ml) == (ssize_t)ml &&
		   memcmp(buf, FLEET_JOURNAL_MAGIC, ml) == 0;
	close(fd);
	return yes;
}
