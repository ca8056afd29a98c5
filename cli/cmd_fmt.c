/* cmd_fmt.c: `hotplan fmt [--check] [-w] [FILE|DIR...]`: the canonical layout of .hplan
 * files (compiler/fmt.h, docs/fmt.md). Without FILE: standard input to standard output.
 * FILEs: their formatted text to standard output, or with -w rewritten in place
 * (atomically, only when they change). --check: the names of the files that would
 * change, exit 1 if any. A DIR stands for the .hplan files under it; `-` for standard
 * input. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "diag.h"
#include "fmt.h"
#include "util.h"

#include "cli.h"

#define STDIN_NAME "<stdin>"
#define INPUT_LIMIT ((size_t)HP_MAX_INPUT)
#define MIB(n) ((unsigned)((size_t)(n) / ((size_t)1024 * 1024)))

static void oom(void)
{
	fputs("hotplan: out of memory\n", stderr);
	abort();
}

/* Read all of fd, at most HP_MAX_INPUT bytes. Returns a malloc'd buffer, or NULL with
 * errno set (EFBIG: too large). */
static char *read_all(int fd, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap + 1);

	if (buf == NULL)
		oom();
	for (;;) {
		if (n == cap) {
			if (cap > INPUT_LIMIT) {
				free(buf);
				errno = EFBIG;
				return NULL;
			}
			cap *= 2;
			char *b = realloc(buf, cap + 1);
			if (b == NULL)
				oom();
			buf = b;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(buf);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > INPUT_LIMIT) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Replace path's content atomically and durably (util_replace), keeping its mode and, when
 * allowed, its owner. A symbolic link is followed: its target is rewritten. */
static int rewrite(const char *path, const char *buf, size_t len)
{
	char *target = NULL, err[PATH_MAX + 128];
	struct stat lst;
	int rc;

	if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
		target = realpath(path, NULL);
	else
		target = strdup(path);
	if (target == NULL) {
		fprintf(stderr, "hotplan fmt: cannot write '%s': %s\n", path, strerror(errno));
		return -1;
	}
	rc = util_replace(target, buf, len, 0600, UTIL_DURABLE | UTIL_KEEP_MODE, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "hotplan fmt: cannot write '%s': %s\n", path, err);
	free(target);
	return rc;
}

struct run {
	const struct args *a;
	bool color;
	int rc;
};

static void worse(struct run *r, int rc)
{
	if (rc > r->rc)
		r->rc = rc;
}

/* Format one input: text of len bytes, named name. */
static void format_one(struct run *r, const char *name, const char *text, size_t len)
{
	struct hp_ctx ctx;
	char *out = NULL, err[256];
	size_t outlen = 0;

	ctx_init(&ctx);
	switch (fmt_source(&ctx, name, text, len, &out, &outlen, err, sizeof(err))) {
	case FMT_SYNTAX:
		diag_finish(&ctx);
		diag_print_text(&ctx, stderr, r->color);
		fprintf(stderr, "%s: not formatted: it has syntax errors\n", name);
		worse(r, EXIT_REJECTED);
		break;
	case FMT_BUG:
		fprintf(stderr, "hotplan fmt: %s: internal error, left as it is: %s\n", name, err);
		worse(r, EXIT_USAGE);
		break;
	case FMT_OK: {
		bool changed = outlen != len || memcmp(out, text, len) != 0;
		if (r->a->check && changed) {
			printf("%s\n", name);
			worse(r, EXIT_REJECTED);
		}
		if (r->a->write) {
			if (changed && rewrite(name, out, outlen) != 0)
				worse(r, EXIT_USAGE);
		} else if (!r->a->check) {
			(void)fwrite(out, 1, outlen, stdout);   /* errors: checked at the end */
		}
		break;
	}
	}
	free(out);
	ctx_free(&ctx);
}

static void format_file(struct run *r, const char *path)
{
	struct stat st;
	size_t len = 0;
	char *text = NULL;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0 || fstat(fd, &st) != 0)
		goto bad;
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "hotplan fmt: cannot read '%s': %s\n", path,
			S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
		(void)close(fd);
		worse(r, EXIT_USAGE);
		return;
	}
	if ((text = read_all(fd, &len)) == NULL)
		goto bad;
	(void)close(fd);
	format_one(r, path, text, len);
	free(text);
	return;
bad:
	if (errno == EFBIG)
		fprintf(stderr, "hotplan fmt: '%s' is larger than %u MiB\n", path, MIB(HP_MAX_INPUT));
	else
		fprintf(stderr, "hotplan fmt: cannot read '%s': %s\n", path, strerror(errno));
	if (fd >= 0)
		(void)close(fd);
	worse(r, EXIT_USAGE);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool hplan_name(const char *n)
{
	size_t k = strlen(n);
	return k > 6 && strcmp(n + k - 6, ".hplan") == 0;
}

/* The .hplan files under dir, in name order, depth first; names starting with `.` and
 * symbolic links to directories are skipped. */
static void format_dir(struct run *r, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;

	if (d == NULL) {
		fprintf(stderr, "hotplan fmt: cannot read '%s': %s\n", dir, strerror(errno));
		worse(r, EXIT_USAGE);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			char **v = realloc(names, cap * sizeof(*v));
			if (v == NULL)
				oom();
			names = v;
		}
		if ((names[n++] = strdup(e->d_name)) == NULL)
			oom();
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), by_name);
	size_t dl = strlen(dir);
	bool slash = dl > 0 && dir[dl - 1] == '/';
	for (size_t i = 0; i < n; i++) {
		size_t pl = dl + strlen(names[i]) + 2;
		char *p = malloc(pl);
		struct stat st;
		if (p == NULL)
			oom();
		snprintf(p, pl, "%s%s%s", dir, slash ? "" : "/", names[i]);
		if (lstat(p, &st) == 0) {
			if (S_ISDIR(st.st_mode) && depth < 64)
				format_dir(r, p, depth + 1);
			else if (hplan_name(names[i]) && (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) &&
				 stat(p, &st) == 0 && S_ISREG(st.st_mode))
				format_file(r, p);
		}
		free(p);
		free(names[i]);
	}
	free(names);
}

static void format_stdin(struct run *r)
{
	size_t len = 0;
	char *text = read_all(STDIN_FILENO, &len);

	if (text == NULL) {
		if (errno == EFBIG)
			fprintf(stderr, "hotplan fmt: standard input is larger than %u MiB\n", MIB(HP_MAX_INPUT));
		else
			fprintf(stderr, "hotplan fmt: cannot read standard input: %s\n", strerror(errno));
		worse(r, EXIT_USAGE);
		return;
	}
	format_one(r, STDIN_NAME, text, len);
	free(text);
}

int cmd_fmt(const struct args *a)
{
	struct run r = { a, util_color(STDERR_FILENO), EXIT_OK };

	for (int i = 0; i < a->npos; i++)
		if (a->write && strcmp(a->pos[i], "-") == 0)
			return usage_error("fmt", "%s", "-w cannot rewrite standard input");
	if (a->npos == 0) {
		if (a->write)
			return usage_error("fmt", "%s", "-w needs a FILE (standard input goes to standard output)");
		format_stdin(&r);
	}
	for (int i = 0; i < a->npos; i++) {
		struct stat st;
		if (strcmp(a->pos[i], "-") == 0)
			format_stdin(&r);
		else if (stat(a->pos[i], &st) == 0 && S_ISDIR(st.st_mode))
			format_dir(&r, a->pos[i], 0);
		else
			format_file(&r, a->pos[i]);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "hotplan: cannot write to standard output: %s\n", strerror(errno));
		worse(&r, EXIT_USAGE);
	}
	return r.rc;
}
