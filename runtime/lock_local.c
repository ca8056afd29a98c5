/* lock_local.c: lock_target.c's scripts, done in this process on this machine's lock directory
 * (lock_local.h). Each function below is one script, test for test and step for step: `[ -d ]`
 * is stat, `[ -e ]` stat, `[ -L ]` lstat, `cat` reads the whole file (nothing if it cannot),
 * `$(cat …)` drops the trailing newlines, `mv` is rename, `rm -rf` a walk that follows no
 * link. Where a script's step can race (`[ ! -e L ] && mv T L` moves T into an L made in
 * between, which the script then sees and undoes), the step here is the atomic one
 * (renameat2 with RENAME_NOREPLACE), and the script's way where the filesystem has none.
 * The answer is written as the script writes it, so lock_target.c reads both alike. */
#define _GNU_SOURCE /* renameat2, open_memstream */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"
#include "lock_local.h"
#include "util.h"

#define ANSWER_HEADER "==== lock (in-process) ====\n"
#define TAKE_TRIES 20
#define FILE_MAX ((size_t)64 * 1024)   /* a holder or a record read back: lock_target.c keeps 12 KiB */

/* A path into out[PATH_MAX]. The lock path is at most LOCK_PATH_MAX bytes (prelude) and
 * what is added to it a few dozen, so nothing is cut; were it cut, the path would be shorter,
 * not another lock's. */
static void __attribute__((format(printf, 2, 3))) path_printf(char *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(out, PATH_MAX, fmt, ap);
	va_end(ap);
}

/* ---- the shell's tests and commands ------------------------------------------------------- */

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

static bool is_link(const char *p)
{
	struct stat st;
	return lstat(p, &st) == 0 && S_ISLNK(st.st_mode);
}

/* `cat -- p` into out (nothing when it cannot be read); with `strip`, `$(cat -- p)`: the
 * trailing newlines dropped. The text is malloc'd into *text (NULL: out of memory). */
static size_t cat(const char *p, bool strip, char **text)
{
	size_t got = 0;
	*text = malloc(FILE_MAX + 1);
	if (*text == NULL)
		return 0;
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	while (fd >= 0 && got < FILE_MAX) {
		ssize_t r = read(fd, *text + got, FILE_MAX - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (fd >= 0)
		close(fd);   /* read only */
	while (strip && got > 0 && (*text)[got - 1] == '\n')
		got--;
	(*text)[got] = '\0';
	return got;
}

/* `cat -- p` onto the answer. */
static void put_file(FILE *out, const char *p)
{
	char *text;
	size_t n = cat(p, false, &text);
	if (text != NULL)
		fwrite(text, 1, n, out);
	free(text);
}

/* `[ "$(cat -- p)" = "text" ]` */
static bool reads(const char *p, const char *text)
{
	char *t;
	size_t n = cat(p, true, &t);
	bool same = t != NULL && n == strlen(text) && memcmp(t, text, n) == 0;
	free(t);
	return same;
}

/* `printf '%s\n' "text" >p` (a link at p is not followed: only a person could have put it) */
static bool write_line(const char *p, const char *text)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return false;
	bool ok = util_write_all(fd, text, strlen(text)) == 0 && util_write_all(fd, "\n", 1) == 0;
	return close(fd) == 0 && ok;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)ftw;
	int rc = flag == FTW_DP ? rmdir(p) : unlink(p);
	return rc == 0 || errno == ENOENT ? 0 : -1;
}

/* `rm -rf -- p`: true when nothing is left */
static bool rm_rf(const char *p)
{
	struct stat st;
	if (lstat(p, &st) != 0)
		return errno == ENOENT;
	if (!S_ISDIR(st.st_mode))
		return unlink(p) == 0 || errno == ENOENT;
	return nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0;
}

/* `mv -- from to`, where `to` was not there when looked at: never into a directory made there
 * since, nor over one */
static bool move_new(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return true;
	if (errno != EINVAL && errno != ENOSYS)
		return false;
	/* a filesystem without RENAME_NOREPLACE: what mv does, and the script's check after it */
	return !exists(to) && !is_link(to) && rename(from, to) == 0;
}

/* ---- the scripts -------------------------------------------------------------------------- */

#define LOCK_PATH_MAX (PATH_MAX - 128)   /* room for the suffixes below */

struct lock_paths {
	char L[PATH_MAX], last[PATH_MAX], tmp[PATH_MAX], holder[PATH_MAX];
};

/* peek_body */
static void peek(FILE *out, const struct lock_paths *p)
{
	if (is_dir(p->L)) {
		fputs("=held\n", out);
		put_file(out, p->holder);
	} else if (exists(p->L) || is_link(p->L)) {
		fprintf(out, "=error %s is not a directory\n", p->L);
		return;
	} else {
		fputs("=free\n", out);
	}
	fputs("=last\n", out);
	put_file(out, p->last);
	fputs("=end\n", out);
}

/* One try of take_body's loop: 1 decided (taken or held: said), 0 try again, -1 an error said. */
static int take_try(FILE *out, const struct lock_paths *p, const char *T, const char *me, int tries)
{
	char holder[PATH_MAX], inside[PATH_MAX];
	path_printf(holder, "%s/holder", T);
	if (mkdir(T, 0700) != 0 || !write_line(holder, me)) {
		rm_rf(T);
		fprintf(out, "=error cannot write %s\n", holder);
		return -1;
	}
	if (!exists(p->L) && !is_link(p->L) && move_new(T, p->L)) {
		fputs("=taken\n", out);
		return 1;
	}
	path_printf(inside, "%s/%s", p->L, strrchr(T, '/') + 1);
	rm_rf(T);
	rm_rf(inside);
	char *h = NULL;
	size_t n = 0;
	if (is_dir(p->L))
		n = cat(p->holder, true, &h);
	if (n > 0) {
		fprintf(out, "=held\n%s\n", h);
		free(h);
		return 1;
	}
	free(h);
	if (tries >= TAKE_TRIES) {
		if (is_dir(p->L)) {
			fputs("=held\n", out);
			return 1;
		}
		fprintf(out, "=error %s %s\n", p->L, exists(p->L) || is_link(p->L) ? "is not a directory" : "keeps changing");
		return -1;
	}
	if (exists(p->L) && !is_dir(p->L)) {
		fprintf(out, "=error %s is not a directory\n", p->L);
		return -1;
	}
	return 0;
}

/* take_body */
static void take(FILE *out, const struct lock_paths *p, const struct lock_local_op *op)
{
	char D[PATH_MAX], T[PATH_MAX], S[PATH_MAX];
	size_t dlen = (size_t)(strrchr(p->L, '/') - p->L);
	if (dlen > 0)
		path_printf(D, "%.*s", (int)dlen, p->L);
	else
		path_printf(D, "/");
	path_printf(T, "%s.new.%s.%u", p->L, op->run_id, op->node);
	path_printf(S, "%s.stale.%s", p->L, op->run_id);
	char why[256];
	/* `mkdir -p`: each directory made 0700, as under the script's umask 077 (and, journal_mkdirs
	 * being careful, its parent synced) */
	if (!is_dir(D) && journal_mkdirs(D, why, sizeof(why)) != 0) {
		fprintf(out, "=error cannot make %s\n", D);
		return;
	}
	if (exists(T) || exists(S)) {
		rm_rf(T);
		rm_rf(S);
	}
	if (op->stale[0] != '\0' && is_dir(p->L) && reads(p->holder, op->stale) && rename(p->L, S) == 0)
		rm_rf(S);
	for (int tries = 1;; tries++) {
		int rc = take_try(out, p, T, op->text, tries);
		if (rc < 0)
			return;
		if (rc > 0)
			break;
	}
	fputs("=last\n", out);
	put_file(out, p->last);
	fputs("=end\n", out);
}

/* the body of lock_target_write_last */
static void write_last(FILE *out, const struct lock_paths *p, const struct lock_local_op *op)
{
	if (is_dir(p->last)) {
		fprintf(out, "=error %s is a directory\n", p->last);
		return;
	}
	if (write_line(p->tmp, op->text) && rename(p->tmp, p->last) == 0) {
		fputs("=written\n", out);
	} else {
		unlink(p->tmp);
		fprintf(out, "=error cannot write %s\n", p->last);
	}
	fputs("=end\n", out);
}

/* remove_body */
static void remove_lock(FILE *out, const struct lock_paths *p, const struct lock_local_op *op)
{
	char O[PATH_MAX];
	path_printf(O, "%s.old.%s", p->L, op->tag);
	if (is_dir(p->L) && reads(p->holder, op->text)) {
		if (exists(O))
			rm_rf(O);
		if (rename(p->L, O) == 0 && rm_rf(O))
			fputs("=released\n", out);
		else
			fprintf(out, "=error cannot remove %s\n", p->L);
	} else if (is_dir(p->L)) {
		fputs("=notours\n", out);
		put_file(out, p->holder);
	} else {
		fputs("=gone\n", out);
	}
	fputs("=end\n", out);
}

/* The prelude: L checked and its trailing slashes dropped into p, said. false: an error said. */
static bool prelude(FILE *out, const char *lock, const struct lock_local_op *op, struct lock_paths *p)
{
	if (lock[0] != '/') {
		fprintf(out, "=error the lock path '%s' is not absolute\n", lock);
		return false;
	}
	size_t n = strlen(lock);
	while (n > 0 && lock[n - 1] == '/')
		n--;
	if (n == 0) {
		fputs("=error the lock path names the root directory\n", out);
		return false;
	}
	if (n > LOCK_PATH_MAX) {
		fprintf(out, "=error the lock path '%s' is too long\n", lock);
		return false;
	}
	path_printf(p->L, "%.*s", (int)n, lock);
	fprintf(out, "=path %s\n", p->L);
	path_printf(p->last, "%s.last", p->L);
	path_printf(p->tmp, "%s.last.tmp.%s", p->L, op->run_id != NULL ? op->run_id : "-");
	path_printf(p->holder, "%s/holder", p->L);
	return true;
}

char *lock_local_run(const char *lock, const struct lock_local_op *op)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct lock_paths *p = malloc(sizeof(*p));
	if (out == NULL || p == NULL) {
		if (out != NULL)
			(void)fclose(out);   /* nothing written: nothing to lose */
		free(text);
		free(p);
		return NULL;
	}
	fputs(ANSWER_HEADER, out);
	if (prelude(out, lock, op, p)) {
		switch (op->kind) {
		case LOCK_LOCAL_PEEK: peek(out, p); break;
		case LOCK_LOCAL_TAKE: take(out, p, op); break;
		case LOCK_LOCAL_LAST: write_last(out, p, op); break;
		case LOCK_LOCAL_REMOVE: remove_lock(out, p, op); break;
		}
	}
	free(p);
	if (fclose(out) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
