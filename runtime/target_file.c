/* target_file.c: the per-target files of the state directory: escaped names, whole-file
 * reads and writes, and the "key value" text format. Used by lock.c and last_run.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "journal.h"
#include "target_file.h"

#define TARGET_FILE_MAX 200              /* escaped target name, bytes */

/* ---- names ---- */

int target_file_path(const char *state_dir, const char *sub, const char *target, const char *suffix,
		     char *buf, size_t len, char *err, size_t errlen)
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

/* ---- reading and writing ---- */

int target_file_read(int fd, char *buf, size_t *len)
{
	size_t n = 0;
	for (;;) {
		ssize_t r = pread(fd, buf + n, TARGET_FILE_TEXT_MAX - n, (off_t)n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == TARGET_FILE_TEXT_MAX) {
			errno = E2BIG;
			return -1;
		}
	}
	buf[n] = '\0';
	*len = n;
	return 0;
}

/* ---- "key value" text ---- */

bool target_file_value_ok(const char *s)
{
	return s[0] != '\0' && strchr(s, '\n') == NULL && strchr(s, '\r') == NULL;
}

bool target_file_parse(const char *text, size_t len, const char *magic, struct target_file_kv *kv,
		       size_t nkv)
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
				if (!kv[i].seen && !kv[i].optional)
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

bool target_file_i64(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return false;
	*out = v;
	return true;
}
