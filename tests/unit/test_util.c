/* test_util.c: util.h on real descriptors and files: a message into a buffer (cut to fit,
 * none without a buffer); write-all through a pipe that a slow reader drains while signals
 * interrupt the writer, and into a pipe nobody reads; pwrite-all at an offset; replacing a
 * file (content, mode, kept mode, the fixed temporary, a symbolic link replaced and not
 * followed) and a replacement that fails (a write past RLIMIT_FSIZE, a rename over a
 * directory) leaving the old file and no temporary; syncing a directory; version edge cases;
 * the colour decision under NO_COLOR and TERM, on a pipe and on a terminal. */
#define _GNU_SOURCE /* nftw, posix_openpt */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static char tmpdir[256];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	const char *base = getenv("TMPDIR");
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/hp-util-XXXXXX", base && base[0] ? base : "/tmp");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void path_in(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

/* The file's whole content (NUL-terminated, static). */
static const char *slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void put_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

/* The names in tmpdir, sorted, joined by spaces. */
static const char *listing(void)
{
	static char buf[4096];
	struct dirent **v = NULL;
	int n = scandir(tmpdir, &v, NULL, alphasort);
	size_t o = 0;
	assert_true(n >= 0);
	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (strcmp(v[i]->d_name, ".") != 0 && strcmp(v[i]->d_name, "..") != 0)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", o ? " " : "", v[i]->d_name);
		free(v[i]);
	}
	free(v);
	return buf;
}

/* ---- messages ---- */

static int wrapped(char *err, size_t errlen, int at, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int wrapped(char *err, size_t errlen, int at, const char *fmt, ...)
{
	char what[64];
	va_list ap;
	va_start(ap, fmt);
	assert_int_equal(util_verr(what, sizeof(what), fmt, ap), -1);
	va_end(ap);
	return util_err(err, errlen, "at %d: %s", at, what);
}

static void test_err(void **state)
{
	char err[16];
	(void)state;

	assert_int_equal(util_err(err, sizeof(err), "open %s: %s", "x", "No such file"), -1);
	assert_string_equal(err, "open x: No such");        /* cut to fit, NUL-terminated */
	assert_int_equal(util_err(NULL, 100, "nothing %d", 1), -1);
	strcpy(err, "untouched");
	assert_int_equal(util_err(err, 0, "nothing %d", 2), -1);
	assert_string_equal(err, "untouched");
	char big[64];
	assert_int_equal(wrapped(big, sizeof(big), 12, "bad %s", "tag"), -1);
	assert_string_equal(big, "at 12: bad tag");
}

/* ---- writing ---- */

#define PIPE_BYTES (1u << 20)

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 7 + i / 251);
}

/* The child: read slowly (1 KiB, then a pause) until EOF; exit 0 if it got the pattern whole. */
static void slow_reader(int fd) __attribute__((noreturn));
static void slow_reader(int fd)
{
	unsigned char buf[1024];
	size_t got = 0;
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			_exit(2);
		if (r == 0)
			break;
		for (ssize_t k = 0; k < r; k++)
			if (buf[k] != pattern(got + (size_t)k))
				_exit(3);
		got += (size_t)r;
		if (got % ((size_t)64 * 1024) < sizeof(buf))
			nanosleep(&(struct timespec){ 0, 2000000 }, NULL);
	}
	_exit(got == PIPE_BYTES ? 0 : 4);
}

static void test_write_all_pipe(void **state)
{
	int p[2], st;
	unsigned char *buf = malloc(PIPE_BYTES);
	struct sigaction sa, old_alrm, old_pipe;
	(void)state;

	assert_non_null(buf);
	for (size_t i = 0; i < PIPE_BYTES; i++)
		buf[i] = pattern(i);
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[1]);
		slow_reader(p[0]);
	}
	close(p[0]);

	/* a timer interrupts the writer again and again: no SA_RESTART, so each interruption is
	 * a short write or EINTR, which util_write_all must carry on from */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, &old_alrm), 0);
	struct itimerval every = { { 0, 500 }, { 0, 500 } }, off = { { 0, 0 }, { 0, 0 } };
	alarms = 0;
	assert_int_equal(setitimer(ITIMER_REAL, &every, NULL), 0);
	int rc = util_write_all(p[1], buf, PIPE_BYTES);
	assert_int_equal(setitimer(ITIMER_REAL, &off, NULL), 0);
	assert_int_equal(rc, 0);
	assert_true(alarms > 0);
	assert_int_equal(close(p[1]), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(sigaction(SIGALRM, &old_alrm, NULL), 0);

	/* nobody reads: EPIPE (SIGPIPE ignored, as the runner does) */
	sa.sa_handler = SIG_IGN;
	assert_int_equal(sigaction(SIGPIPE, &sa, &old_pipe), 0);
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	errno = 0;
	assert_int_equal(util_write_all(p[1], buf, 10), -1);
	assert_int_equal(errno, EPIPE);
	close(p[1]);
	assert_int_equal(sigaction(SIGPIPE, &old_pipe, NULL), 0);

	assert_int_equal(util_write_all(-1, buf, 10), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(util_write_all(-1, buf, 0), 0);          /* nothing to write: no call */
	free(buf);
}

static void test_pwrite_all(void **state)
{
	char path[512];
	(void)state;

	path_in(path, sizeof(path), "p");
	put_file(path, "0123456789", 0600);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(util_pwrite_all(fd, "abc", 3, 4), 0);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 0);               /* the file position stays */
	assert_int_equal(util_pwrite_all(fd, "XY", 2, 12), 0);     /* past the end: a hole */
	errno = 0;
	assert_int_equal(util_pwrite_all(fd, "z", 1, -1), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(close(fd), 0);
	const char *got = slurp(path);
	assert_memory_equal(got, "0123abc789\0\0XY", 14);
}

/* ---- replacing ---- */

static void test_replace(void **state)
{
	char path[512], tmp[520], err[1024], want[1200];
	struct stat st;
	(void)state;

	mode_t um = umask(022);
	path_in(path, sizeof(path), "f");
	/* a new file: content, mode less the umask, nothing else left behind */
	assert_int_equal(util_replace(path, "one\n", 4, 0666, UTIL_DURABLE, err, sizeof(err)), 0);
	assert_string_equal(slurp(path), "one\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_string_equal(listing(), "f");
	/* over an old one: a new inode, the old mode not kept without UTIL_KEEP_MODE */
	assert_int_equal(chmod(path, 0640), 0);
	ino_t before = st.st_ino;
	assert_int_equal(util_replace(path, "two\n", 4, 0600, 0, err, sizeof(err)), 0);
	assert_string_equal(slurp(path), "two\n");
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_ino != before);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* UTIL_KEEP_MODE: the replaced file's bits exactly, not less the umask */
	assert_int_equal(chmod(path, 0664), 0);
	assert_int_equal(util_replace(path, "three\n", 6, 0600, UTIL_KEEP_MODE, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0664);
	assert_string_equal(listing(), "f");
	/* UTIL_FIXED_TMP: PATH.tmp, a stale one from a dead writer overwritten, none left */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	put_file(tmp, "stale stale stale stale\n", 0600);
	assert_int_equal(util_replace(path, "four\n", 5, 0600, UTIL_FIXED_TMP | UTIL_DURABLE, err, sizeof(err)), 0);
	assert_string_equal(slurp(path), "four\n");
	assert_string_equal(listing(), "f");
	/* an empty file is a file */
	assert_int_equal(util_replace(path, "", 0, 0600, 0, err, sizeof(err)), 0);
	assert_string_equal(slurp(path), "");
	/* a symbolic link at path is replaced, its target left alone */
	char target[512];
	path_in(target, sizeof(target), "target");
	put_file(target, "target\n", 0600);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(util_replace(path, "five\n", 5, 0600, 0, err, sizeof(err)), 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_string_equal(slurp(target), "target\n");
	assert_string_equal(slurp(path), "five\n");
	/* a path in no directory: no temporary can be made, err says where */
	char nodir[600];
	snprintf(nodir, sizeof(nodir), "%s/none/f", tmpdir);
	assert_int_equal(util_replace(nodir, "x", 1, 0600, UTIL_FIXED_TMP, err, sizeof(err)), -1);
	assert_int_equal(errno, ENOENT);
	snprintf(want, sizeof(want), "create %s.tmp: %s", nodir, strerror(ENOENT));
	assert_string_equal(err, want);
	umask(um);
}

/* In a child, with RLIMIT_FSIZE below len: util_replace fails at the write. Prints err. */
static void replace_past_fsize(const char *path, int out)
{
	static char big[4096];
	char err[1024];
	struct rlimit rl = { 100, 100 };
	memset(big, 'n', sizeof(big));
	if (signal(SIGXFSZ, SIG_IGN) == SIG_ERR || setrlimit(RLIMIT_FSIZE, &rl) != 0)
		_exit(2);
	int rc = util_replace(path, big, sizeof(big), 0600, UTIL_DURABLE, err, sizeof(err));
	int e = errno;
	dprintf(out, "%d|%d|%s", rc, e, err);
	_exit(0);
}

static void test_replace_fails(void **state)
{
	char path[512], dir[512], err[1024], out[1200] = "", want[1200];
	int p[2], st;
	(void)state;

	path_in(path, sizeof(path), "old");
	put_file(path, "the old content\n", 0644);

	/* the write fails (EFBIG): the old file whole, the temporary gone */
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		replace_past_fsize(path, p[1]);
	}
	close(p[1]);
	ssize_t n = read(p[0], out, sizeof(out) - 1);
	assert_true(n > 0);
	out[n] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	snprintf(want, sizeof(want), "-1|%d|write %s/.old.", EFBIG, tmpdir);
	assert_memory_equal(out, want, strlen(want));
	snprintf(want, sizeof(want), ": %s", strerror(EFBIG));
	assert_string_equal(out + strlen(out) - strlen(want), want);
	assert_string_equal(slurp(path), "the old content\n");
	assert_string_equal(listing(), "old");

	/* the rename fails (a directory that is not empty is in the way): it stays, no temporary */
	path_in(dir, sizeof(dir), "d");
	assert_int_equal(mkdir(dir, 0755), 0);
	path_in(path, sizeof(path), "d/inside");
	put_file(path, "x", 0600);
	errno = 0;
	assert_int_equal(util_replace(dir, "new\n", 4, 0600, UTIL_FIXED_TMP | UTIL_DURABLE, err, sizeof(err)), -1);
	assert_true(errno == EISDIR || errno == ENOTEMPTY || errno == EEXIST);
	snprintf(want, sizeof(want), "replace %s: %s", dir, strerror(errno));
	assert_string_equal(err, want);
	assert_string_equal(listing(), "d old");
	assert_string_equal(slurp(path), "x");
}

static void test_sync_dir(void **state)
{
	char err[1024], want[1200], none[512];
	(void)state;

	assert_int_equal(util_sync_dir(tmpdir, err, sizeof(err)), 0);
	path_in(none, sizeof(none), "none");
	assert_int_equal(util_sync_dir(none, err, sizeof(err)), -1);
	assert_int_equal(errno, ENOENT);
	snprintf(want, sizeof(want), "sync directory %s: %s", none, strerror(ENOENT));
	assert_string_equal(err, want);
}

/* ---- versions ---- */

static void test_version(void **state)
{
	static const struct {
		const char *s;
		int n;
		uint32_t c[4];
	} cases[] = {
		{ "6.5.7232.54", 4, { 6, 5, 7232, 54 } },
		{ "1.2.3", 3, { 1, 2, 3, 0 } },
		{ "0.0.0", 3, { 0, 0, 0, 0 } },
		{ "007.08.9", 3, { 7, 8, 9, 0 } },                  /* leading zeros: the number */
		{ "4294967295.0.0.4294967295", 4, { 4294967295u, 0, 0, 4294967295u } },
		{ "4294967296.0.0", -1, { 0 } },                     /* one past UINT32_MAX */
		{ "1.2.99999999999999999999999", -1, { 0 } },        /* would wrap 64 bits */
		{ "1.2", -1, { 0 } },
		{ "1", -1, { 0 } },
		{ "", -1, { 0 } },
		{ "1.2.3.4.5", -1, { 0 } },
		{ "1..2.3", -1, { 0 } },
		{ ".1.2.3", -1, { 0 } },
		{ "1.2.3.", -1, { 0 } },
		{ "1.2.3a", -1, { 0 } },
		{ " 1.2.3", -1, { 0 } },
		{ "1.2.3 ", -1, { 0 } },
		{ "-1.2.3", -1, { 0 } },
		{ "+1.2.3", -1, { 0 } },
		{ "1.-2.3", -1, { 0 } },
		{ "1,2,3", -1, { 0 } },
		{ "v1.2.3", -1, { 0 } },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t c[4] = { 9, 9, 9, 9 };
		int n = util_parse_version(cases[i].s, c);
		if (n != cases[i].n || memcmp(c, cases[i].c, sizeof(c)) != 0)
			fail_msg("'%s': %d %u.%u.%u.%u, expected %d %u.%u.%u.%u", cases[i].s, n, c[0], c[1], c[2], c[3],
				 cases[i].n, cases[i].c[0], cases[i].c[1], cases[i].c[2], cases[i].c[3]);
	}
}

/* ---- colour ---- */

/* util_color(fd) under NO_COLOR (NULL: unset) and TERM (NULL: unset). */
static bool color_with(int fd, const char *no_color, const char *term)
{
	if (no_color != NULL)
		assert_int_equal(setenv("NO_COLOR", no_color, 1), 0);
	else
		assert_int_equal(unsetenv("NO_COLOR"), 0);
	if (term != NULL)
		assert_int_equal(setenv("TERM", term, 1), 0);
	else
		assert_int_equal(unsetenv("TERM"), 0);
	return util_color(fd);
}

static void test_color(void **state)
{
	int p[2];
	(void)state;

	/* not a terminal: never, whatever the environment says */
	assert_int_equal(pipe(p), 0);
	assert_false(color_with(p[1], NULL, "xterm"));
	assert_false(color_with(p[1], "", "xterm"));
	assert_false(color_with(p[1], NULL, NULL));
	close(p[0]);
	close(p[1]);
	assert_false(color_with(-1, NULL, "xterm"));

	/* a terminal (a pseudo-terminal's far side) */
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0 || ptsname(m) == NULL)
		skip();
	int t = open(ptsname(m), O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(t >= 0);
	assert_true(color_with(t, NULL, "xterm"));
	assert_true(color_with(t, NULL, NULL));               /* no TERM: not dumb */
	assert_true(color_with(t, "", "xterm"));              /* empty NO_COLOR: no-color.org says colour */
	assert_false(color_with(t, "1", "xterm"));
	assert_false(color_with(t, "0", "xterm"));            /* any non-empty value, even "0" */
	assert_false(color_with(t, NULL, "dumb"));
	assert_false(color_with(t, "", "dumb"));
	assert_true(color_with(t, NULL, "dumb-ish"));         /* only "dumb" itself */
	close(t);
	close(m);
}

/* ---- text shown to people ---- */

static void test_escape(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain text", "plain text" },
		{ "a\nb\tc\rd\x1b[31m\x7f", "a\\nb\\tc\\x0dd\\x1b[31m\\x7f" },
		/* C1 controls, byte by byte, as before (U+009B is a CSI) */
		{ "\xc2\x9b" "31m", "\\xc2\\x9b" "31m" },
		/* the bidi controls and separators; UTF-8 around them kept */
		/* NOLINTBEGIN(misc-misleading-bidirectional): escaped bidi controls, the test's input */
		{ "\xc3\xa9\xe2\x80\xae" "evil", "\xc3\xa9\\u{202e}evil" },
		{ "\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad", "\\u{202a}\\u{202b}\\u{202c}\\u{202d}" },
		{ "\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9", "\\u{2066}\\u{2067}\\u{2068}\\u{2069}" },
		{ "\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c\xe2\x80\xa8\xe2\x80\xa9\xef\xbb\xbf",
		  "\\u{200e}\\u{200f}\\u{61c}\\u{2028}\\u{2029}\\u{feff}" },
		/* NOLINTEND(misc-misleading-bidirectional) */
		/* U+202F (a space) and U+2065 (unassigned) are not controls */
		{ "\xe2\x80\xaf\xe2\x81\xa5", "\xe2\x80\xaf\xe2\x81\xa5" },
		/* not UTF-8: a stray byte, an overlong '/', a surrogate, past U+10FFFF, a cut sequence */
		{ "\xff", "\\xff" },
		{ "\xc0\xaf", "\\xc0\\xaf" },
		{ "\xed\xa0\x80", "\\xed\\xa0\\x80" },
		{ "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80" },
		{ "\xe2\x80", "\\xe2\\x80" },
		{ "\xf0\x9f\x92\xa3", "\xf0\x9f\x92\xa3" },
	};
	char out[256], esc[UTIL_ESC_MAX];
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = util_escape(cases[i].in, out, sizeof(out));
		if (strcmp(out, cases[i].out) != 0)
			fail_msg("case %zu: got \"%s\", expected \"%s\"", i, out, cases[i].out);
		assert_int_equal(n, strlen(out));
	}
	/* cut before what does not fit, never inside an escape or a character */
	assert_int_equal(util_escape("ab\ncd", out, 4), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(util_escape("a\xc3\xa9", out, 3), 1);
	assert_string_equal(out, "a");
	assert_int_equal(util_escape("x", out, 0), 0);
	/* one character at a time */
	/* NOLINTBEGIN(misc-misleading-bidirectional): an escaped U+202E, the test's input */
	assert_int_equal(util_escape_char("\xe2\x80\xae!", 4, esc), 3);
	assert_string_equal(esc, "\\u{202e}");
	assert_int_equal(util_escape_char("\xe2\x80\xae", 2, esc), 1); /* cut short: not UTF-8 */
	/* NOLINTEND(misc-misleading-bidirectional) */
	assert_string_equal(esc, "\\xe2");
	assert_int_equal(util_escape_char("\xc3\xa9", 2, esc), 2);
	assert_string_equal(esc, "");
}

static void test_file_name(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "exchange1", "exchange1" },
		{ "db-1_a.example.com", "db-1_a.example.com" },
		{ "a b", "a%20b" },   /* not "a_b": that is another node's name */
		{ "a_b", "a_b" },
		{ "a%20b", "a%2520b" },
		{ ".", "%2E" },
		{ "..", "%2E." },
		{ "../x", "%2E.%2Fx" },
		{ "a\nb", "a%0Ab" },
		{ "\xc3\xa9", "%C3%A9" },
	};
	char out[64];
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(util_file_name(cases[i].in, out, sizeof(out)), 0);
		assert_string_equal(out, cases[i].out);
	}
	assert_int_equal(util_file_name("", out, sizeof(out)), -1);
	assert_int_equal(util_file_name("abc", out, 4), 0);
	assert_int_equal(util_file_name("abcd", out, 4), -1);
	assert_string_equal(out, "");
	assert_int_equal(util_file_name(" ", out, 3), -1);
	assert_int_equal(util_file_name(" ", out, 4), 0);
	assert_string_equal(out, "%20");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err),
		cmocka_unit_test(test_write_all_pipe),
		cmocka_unit_test_setup_teardown(test_pwrite_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_dir, setup, teardown),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_color),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_file_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
