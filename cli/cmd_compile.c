/* cmd_compile.c: `hotplan compile FILE [-o OUT.hpc] [--emit image|json]`. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "image.h"
#include "parse.h"
#include "util.h"

#include "cli.h"

/* FILE.hplan -> FILE.hpc beside it. */
static char *default_output(const char *in)
{
	size_t n = strlen(in);
	const char *dot = strrchr(in, '.');
	const char *slash = strrchr(in, '/');
	if (dot != NULL && (slash == NULL || dot > slash))
		n = (size_t)(dot - in);
	char *out = malloc(n + 5);
	if (out == NULL)
		abort();
	memcpy(out, in, n); /* NOLINT(bugprone-not-null-terminated-result): ".hpc" and its NUL follow */
	memcpy(out + n, ".hpc", 5);
	return out;
}

/* Write buf to what is not a regular file (/dev/null, /dev/full, a FIFO) in place: renaming
 * over it would replace a device node with a file. */
static int write_in_place(const char *path, const unsigned char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		fprintf(stderr, "hotplan: cannot write '%s': %s\n", path, strerror(errno));
		return -1;
	}
	if (util_write_all(fd, buf, len) != 0) {
		fprintf(stderr, "hotplan: write '%s': %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (close(fd) < 0) {
		fprintf(stderr, "hotplan: write '%s': %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Write buf to path atomically and durably (util_replace), or in place when it is not a
 * regular file. */
static int write_atomic(const char *path, const unsigned char *buf, size_t len)
{
	char err[PATH_MAX + 128];
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return write_in_place(path, buf, len);
	if (util_replace(path, buf, len, 0644, UTIL_DURABLE, err, sizeof(err)) != 0) {
		fprintf(stderr, "hotplan: cannot write '%s': %s\n", path, err);
		return -1;
	}
	return 0;
}

int cmd_compile(const struct args *a)
{
	struct hp_ctx ctx;
	char err[512];
	const char *why = NULL;
	int rc = EXIT_OK;
	bool json = false;

	if (a->npos != 1)
		return usage_error("compile", "%s", a->npos == 0 ? "expects a FILE" : "expects one FILE");
	if (a->emit != NULL) {
		if (strcmp(a->emit, "json") == 0)
			json = true;
		else if (strcmp(a->emit, "image") != 0)
			return usage_error("compile", "invalid --emit '%s' (expected image or json)", a->emit);
	}
	ctx_init(&ctx);
	struct ast_file *f = parse_file(&ctx, a->pos[0], &why);
	if (f == NULL) {
		fprintf(stderr, "hotplan: %s\n", why);
		ctx_free(&ctx);
		return EXIT_USAGE;
	}
	check_file(&ctx, f, CHECK_ALL, false);
	diag_finish(&ctx);
	if (ctx.diags.n > 0)
		diag_print_text(&ctx, stderr, util_color(STDERR_FILENO));
	if (ctx.diags.errors > 0) {
		fprintf(stderr, "hotplan: %s: the plan has errors: no image written\n", a->pos[0]);
		rc = EXIT_REJECTED;
		goto out;
	}
	if (f->plans == NULL || f->plans->next != NULL) {
		fprintf(stderr, "hotplan: %s: an image holds exactly one plan; this file has %s\n", a->pos[0],
			f->plans == NULL ? "none" : "several");
		rc = EXIT_REJECTED;
		goto out;
	}
	if (json) {
		FILE *out = stdout;
		if (a->output != NULL && strcmp(a->output, "-") != 0 && (out = fopen(a->output, "w")) == NULL) {
			fprintf(stderr, "hotplan: cannot write '%s': %s\n", a->output, strerror(errno));
			rc = EXIT_USAGE;
			goto out;
		}
		if (image_write_json(&ctx, f->plans, out, err, sizeof(err)) < 0) {
			fprintf(stderr, "hotplan: %s\n", err);
			rc = EXIT_USAGE;
		}
		if (out != stdout && fclose(out) != 0) {
			fprintf(stderr, "hotplan: write '%s': %s\n", a->output, strerror(errno));
			rc = EXIT_USAGE;
		}
		if (out == stdout && fflush(stdout) != 0)
			rc = EXIT_USAGE;
		goto out;
	}
	unsigned char *buf = NULL;
	size_t len = 0;
	if (image_write(&ctx, f->plans, &buf, &len, err, sizeof(err)) < 0) {
		fprintf(stderr, "hotplan: %s\n", err);
		rc = EXIT_USAGE;
		goto out;
	}
	if (a->output != NULL && strcmp(a->output, "-") == 0) {
		if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0)
			rc = EXIT_USAGE;
	} else {
		char *path = a->output ? strdup(a->output) : default_output(a->pos[0]);
		if (path == NULL || write_atomic(path, buf, len) < 0)
			rc = EXIT_USAGE;
		free(path);
	}
	free(buf);
out:
	ctx_free(&ctx);
	return rc;
}
