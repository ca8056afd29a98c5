/* image.c: what the image module's parts share: hashing, hex, reading an image file,
 * recognising one, and the shapes a stored string may have (image_write.c writes images,
 * image_read.c loads them, image_json.c prints their content as JSON). */
#include "image_fmt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "util.h"

void image_sha256(const void *data, size_t len, unsigned char out[IMAGE_HASH_LEN])
{
	_Static_assert(IMAGE_HASH_LEN == DIGEST_LEN, "an image's hashes are SHA-256");
	digest_sha256(data, len, out);
}

void image_hex(const unsigned char *data, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 15];
	}
	out[2 * len] = '\0';
}

bool image_is_image(const unsigned char *buf, size_t len)
{
	return buf != NULL && len >= IMAGE_MAGIC_LEN && memcmp(buf, IMAGE_MAGIC, IMAGE_MAGIC_LEN) == 0;
}

int image_source_hash(const unsigned char *buf, size_t len, unsigned char out[IMAGE_HASH_LEN])
{
	if (!image_is_image(buf, len) || len < IMG_HEADER_SIZE)
		return -1;
	memcpy(out, buf + IMG_OFF_HASH, IMAGE_HASH_LEN);
	return 0;
}

int image_read_file(const char *path, unsigned char **buf, size_t *len, char *err, size_t errlen)
{
	unsigned char *b = NULL;
	size_t n = 0, cap;
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	*buf = NULL;
	*len = 0;
	if (fd < 0) {
		util_err(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		util_err(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		util_err(err, errlen, "cannot read '%s': is a directory", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		util_err(err, errlen, "cannot read '%s': not a regular file", path);
		goto fail;
	}
	if (st.st_size > (off_t)IMAGE_MAX_SIZE)
		goto too_large;
	/* one byte more than the size, to see a file that grew; never more than the cap + 1 */
	cap = (size_t)st.st_size + 1;
	b = malloc(cap);
	if (b == NULL) {
		util_err(err, errlen, "cannot read '%s': out of memory", path);
		goto fail;
	}
	for (;;) {
		if (n == cap) {
			if (cap > IMAGE_MAX_SIZE)
				goto too_large;
			size_t ncap = cap * 2 > (size_t)IMAGE_MAX_SIZE + 1 ? (size_t)IMAGE_MAX_SIZE + 1 : cap * 2;
			unsigned char *nb = realloc(b, ncap);
			if (nb == NULL) {
				util_err(err, errlen, "cannot read '%s': out of memory", path);
				goto fail;
			}
			b = nb;
			cap = ncap;
		}
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			util_err(err, errlen, "cannot read '%s': %s", path, strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > IMAGE_MAX_SIZE)
		goto too_large;
	close(fd);
	*buf = b;
	*len = n;
	return 0;
too_large:
	util_err(err, errlen, "'%s' is larger than %u MiB", path, (unsigned)(IMAGE_MAX_SIZE / (1024u * 1024u)));
fail:
	close(fd);
	free(b);
	return -1;
}

/* ---- the shapes of stored strings ------------------------------------------------------ */

static bool ident_char(unsigned char c, bool first)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || (!first && c >= '0' && c <= '9');
}

static bool valid_ident(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!ident_char((unsigned char)s[i], i == 0))
			return false;
	return true;
}

/* [a-z][a-z0-9]*(-[a-z0-9]+)+, as the scanner takes a hyphenated library name */
static bool valid_libname(const char *s, size_t n)
{
	if (valid_ident(s, n))
		return true;
	if (n == 0 || s[0] < 'a' || s[0] > 'z' || s[n - 1] == '-')
		return false;
	bool hyphen = false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '-' && s[i - 1] != '-')
			hyphen = true;
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			return false;
	}
	return hyphen;
}

size_t image_utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xBF;
	size_t k;

	if (n == 0)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		k = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		k = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		k = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (n < k || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t j = 2; j < k; j++)
		if ((p[j] & 0xC0) != 0x80)
			return 0;
	return k;
}

/* A string literal's value: well-formed UTF-8 and no control character but tab and
 * newline (the escapes \t and \n make them; the scanner refuses the others). */
static bool valid_text(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		size_t k = image_utf8_seq(p + i, n - i);
		if (k == 0)
			return false;
		if (k == 1 && (p[i] < 0x20 || p[i] == 0x7F) && p[i] != '\t' && p[i] != '\n')
			return false;
		i += k;
	}
	return true;
}

bool image_valid_str(enum img_str k, const char *s, size_t n)
{
	switch (k) {
	case IMG_IDENT:
		return valid_ident(s, n);
	case IMG_FACT: {
		size_t b = 0;
		for (size_t i = 0; i <= n; i++) {
			if (i < n && s[i] != '.')
				continue;
			if (!valid_ident(s + b, i - b))
				return false;
			b = i + 1;
		}
		return true;
	}
	case IMG_TEXT:
		return valid_text(s, n);
	case IMG_LIBNAME:
		return valid_libname(s, n);
	case IMG_PATH:
		if (n == 0 || n > IMG_MAX_PATH)
			return false;
		/* any bytes a file name may hold, but no control characters (they would reach a
		 * terminal in every diagnostic) */
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7F)
				return false;
		return true;
	}
	return false;
}

const char *image_str_what(enum img_str k)
{
	switch (k) {
	case IMG_IDENT:
		return "identifier";
	case IMG_FACT:
		return "fact path";
	case IMG_TEXT:
		return "string";
	case IMG_PATH:
		return "source path";
	case IMG_LIBNAME:
		return "library name";
	}
	return "string";
}
