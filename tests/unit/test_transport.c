/* test_transport.c: the command transports on real processes. shell_quote against /bin/sh
 * (and bash, dash) with hostile strings; local: exit status and signals, the capture file and
 * its header, the tail, timeouts that kill a whole process group (grandchildren included,
 * SIGKILL for a group that ignores SIGTERM), abort, the terminal's first Ctrl-C not reaching
 * the command, EINTR storms, no descriptor leaking into the child, no zombies; and the cost
 * of a command against a bare fork/exec (printed, not asserted).
 *
 * With HOTPLAN_SSH_TEST=1 and the variables of tests/ssh/sshd-harness.sh, it runs the ssh://
 * group instead, against the harness's sshd on 127.0.0.1 (tests/ssh/run-ssh.sh does that). */
#define _GNU_SOURCE /* nftw, pipe2 */
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
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"
#include "proc_capture.h"
#include "transport.h"

#define MS 1000000LL
#define SEC 1000000000LL

static char tmpdir[256];
static volatile int g_abort;
static struct rt_node g_node = { .name = "n1", .address = "local:", .transport = TR_LOCAL };

/* ---- helpers ---- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	const char *base = getenv("TMPDIR");
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/hp-tr-XXXXXX", base && base[0] ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	g_abort = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void assert_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("expected \"%s\" in \"%s\"", needle, hay);
}

static char *path_in(const char *name)
{
	static char buf[4][512];
	static int i;
	char *p = buf[i++ % 4];
	snprintf(p, 512, "%s/%s", tmpdir, name);
	return p;
}

/* The file's bytes (malloc'd, NUL-terminated; *len without the NUL). */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("open %s: %s", path, strerror(errno));
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	for (;;) {
		size_t k = fread(buf + n, 1, cap - n - 1, f);
		n += k;
		if (k == 0)
			break;
		if (n + 1 == cap) {
			cap *= 2;
			char *nb = realloc(buf, cap);
			assert_non_null(nb);
			buf = nb;
		}
	}
	assert_int_equal(fclose(f), 0);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

static char *quote(const char *s)
{
	size_t size = 4 * strlen(s) + 3;
	char *q = malloc(size);
	assert_non_null(q);
	assert_true(shell_quote(s, q, size) >= 0);
	return q;
}

/* Gone: no such process, or dead and waiting for its (new) parent to reap it. */
static bool pid_gone(pid_t pid)
{
	char path[64], buf[512];
	if (kill(pid, 0) < 0)
		return errno == ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	char *rp = strrchr(buf, ')');
	return rp != NULL && (rp[2] == 'Z' || rp[2] == 'X');
}

static bool wait_gone(pid_t pid, long long ns)
{
	long long until = proc_now_ns() + ns;
	while (!pid_gone(pid)) {
		if (proc_now_ns() > until)
			return false;
		nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
	}
	return true;
}

static int read_pids(const char *path, pid_t *pids, int max)
{
	char *text = slurp(path, NULL);
	int n = 0;
	for (char *p = text; n < max && *p != '\0';) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p)
			break;
		pids[n++] = (pid_t)v;
		p = end;
		while (*p == '\n' || *p == ' ')
			p++;
	}
	free(text);
	return n;
}

static void assert_no_children(void)
{
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static struct transport *local_new(void)
{
	char err[256];
	struct transport *t = transport_local_new(&g_node, &g_abort, err, sizeof(err));
	if (t == NULL)
		fail_msg("%s", err);
	return t;
}

static int run(struct transport *t, const char *line, long long timeout_ns, const char *capture,
	       struct transport_result *r, char *err, size_t errlen)
{
	struct transport_cmd c = { line, timeout_ns, capture, "test", NULL, NULL };
	err[0] = '\0';
	return transport_run(t, &c, r, err, errlen);
}

/* Run `line`, which must succeed with status 0; its tail. */
static const char *run_ok(struct transport *t, const char *line, struct transport_result *r)
{
	char err[256];
	if (run(t, line, 20 * SEC, NULL, r, err, sizeof(err)) != 0)
		fail_msg("%s: %s", line, err);
	if (r->status != 0)
		fail_msg("%s: status %d signal %d: %s", line, r->status, r->signal, r->tail);
	return r->tail;
}

static void on_signal_abort(int sig)
{
	(void)sig;
	g_abort++;
}

static void set_handler(int sig, void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART, like the runner's */
	assert_int_equal(sigaction(sig, &sa, NULL), 0);
}

static void set_timer(long long first_ns, long long every_ns)
{
	struct itimerval it = {
		{ (time_t)(every_ns / SEC), (suseconds_t)(every_ns % SEC / 1000) },
		{ (time_t)(first_ns / SEC), (suseconds_t)(first_ns % SEC / 1000) },
	};
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
}

/* ---- shell_quote ---- */

static const char *const hostile[] = {
	"",
	"plain",
	"'",
	"''",
	"it's",
	"\"",
	"a'b\"c'\"'d",
	"; rm -rf \"$HOME\"",
	"$(echo pwned)",
	"`echo pwned`",
	"${x:-y}$HOME$$$?$#",
	"a\nb",
	"\n",
	"\n\n",
	" leading and trailing ",
	"\t tab",
	"*",
	"/*",
	"?[a-z]",
	"~",
	"~root/x",
	"-n",
	"-e \\n",
	"--",
	"\\",
	"\\'",
	"'\\''",
	"!",
	"!!",
	"a|b&c>d<e;f(g)h{i}",
	"#not a comment",
	"%s%n%d",
	"\x01\x1b[31mred\x7f",
	"\xc3\x84\xc3\x96 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x92\xa3",
	"\xff\xfe\xc3",
	"a=b c=d",
	"IFS=x",
};

static void test_shell_quote_forms(void **state)
{
	char out[64];
	(void)state;
	assert_int_equal(shell_quote("abc", out, sizeof(out)), 5);
	assert_string_equal(out, "'abc'");
	assert_int_equal(shell_quote("", out, sizeof(out)), 2);
	assert_string_equal(out, "''");
	assert_int_equal(shell_quote("it's", out, sizeof(out)), 9);
	assert_string_equal(out, "'it'\\''s'");
	assert_int_equal(shell_quote("'", out, sizeof(out)), 6);
	assert_string_equal(out, "''\\'''");
	/* exactly enough room, then one byte too little */
	assert_int_equal(shell_quote("abc", out, 6), 5);
	assert_int_equal(shell_quote("abc", out, 5), -1);
	assert_string_equal(out, "");
	assert_int_equal(shell_quote("'", out, 6), -1);
	assert_int_equal(shell_quote("x", out, 0), -1);
	/* the worst case is 4 bytes a byte plus 2 quotes */
	char big[100], bout[4 * 100 + 3];
	memset(big, '\'', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(shell_quote(big, bout, sizeof(bout)), 4 * 99 + 2);
}

/* printf %s QUOTED under each shell prints the original bytes. */
static void test_shell_quote_shells(void **state)
{
	static const char *const shells[] = { "/bin/sh", "/bin/dash", "/bin/bash", "/bin/zsh", "/bin/ksh", "/bin/mksh" };
	struct transport *t = local_new();
	struct transport_result r;
	char err[256];
	unsigned tried = 0;
	(void)state;
	for (size_t s = 0; s < sizeof(shells) / sizeof(shells[0]); s++) {
		if (access(shells[s], X_OK) < 0)
			continue;
		tried++;
		for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
			char *q = quote(hostile[i]);
			size_t n = strlen(q) + 64;
			char *inner = malloc(n);
			snprintf(inner, n, "printf %%s %s", q);
			char *qi = quote(inner); /* quoted twice: once for the outer /bin/sh, once for shells[s] */
			n = strlen(qi) + 64;
			char *line = malloc(n);
			snprintf(line, n, "exec %s -c %s", shells[s], qi);
			assert_int_equal(run(t, line, 10 * SEC, NULL, &r, err, sizeof(err)), 0);
			if (r.status != 0 || strcmp(r.tail, hostile[i]) != 0)
				fail_msg("%s: string %zu: status %d, got \"%s\"", shells[s], i, r.status, r.tail);
			free(line);
			free(qi);
			free(inner);
			free(q);
		}
	}
	assert_true(tried >= 1);
	/* and a long one, through a file (longer than the tail) */
	char *big = malloc(10001);
	for (int i = 0; i < 10000; i++)
		big[i] = "a'\"$`\\\n !*;"[i % 11];
	big[10000] = '\0';
	char *q = quote(big);
	char *line = malloc(strlen(q) + 600);
	sprintf(line, "printf %%s %s > %s", q, path_in("big"));
	assert_int_equal(run(t, line, 10 * SEC, NULL, &r, err, sizeof(err)), 0);
	assert_int_equal(r.status, 0);
	size_t len;
	char *got = slurp(path_in("big"), &len);
	assert_int_equal(len, 10000);
	assert_memory_equal(got, big, 10000);
	free(got);
	free(line);
	free(q);
	free(big);
	transport_close(t);
	assert_no_children();
}

/* ---- local: ---- */

static void test_local_status(void **state)
{
	struct transport *t = local_new();
	struct transport_result r;
	char err[256];
	(void)state;

	assert_string_equal(run_ok(t, "echo hello", &r), "hello\n");
	assert_false(r.timed_out);
	assert_false(r.interrupted);
	assert_int_equal(r.signal, 0);
	assert_true(r.seconds >= 0 && r.seconds < 5);

	assert_int_equal(run(t, "echo out; echo err >&2; exit 3", 10 * SEC, NULL, &r, err, sizeof(err)), 0);
	assert_int_equal(r.status, 3);
	assert_string_equal(r.tail, "out\nerr\n");
	assert_int_equal(run(t, "exit 255", 10 * SEC, NULL, &r, err, sizeof(err)), 0);
	assert_int_equal(r.status, 255);
	assert_int_equal(run(t, "kill -USR1 $$", 10 * SEC, NULL, &r, err, sizeof(err)), 0);
	assert_int_equal(r.status, -1);
	assert_int_equal(r.signal, SIGUSR1);
	assert_false(r.timed_out);
	/* nothing of the runner's output reaches it: stdin is /dev/null */
	assert_string_equal(run_ok(t, "cat; readlink /proc/$$/fd/0", &r), "/dev/null\n");
	/* a NUL in the output does not cut the tail */
	assert_string_equal(run_ok(t, "printf 'a\\000b'", &r), "a?b");
	/* a command that cannot be run at all */
	const char *argv[] = { "/nonexistent/hotplan-sh", "-c", "true", NULL };
	struct transport_cmd c = { "true", 0, path_in("cap"), "missing", NULL, NULL };
	assert_int_equal(proc_run(argv, NULL, 0, 0, &c, NULL, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "exec /nonexistent/hotplan-sh: No such file or directory");
	char *cap = slurp(path_in("cap"), NULL);
	assert_string_equal(cap, "==== missing ====\n[hotplan: exec /nonexistent/hotplan-sh: No such file or directory]\n");
	free(cap);
	transport_close(t);
	assert_no_children();
}

static void test_local_capture(void **state)
{
	struct transport *t = local_new();
	struct transport_result r;
	struct transport_cmd c = { "echo out; echo err >&2", 10 * SEC, path_in("node.out"), "step-1/restart n1", NULL, NULL };
	char err[256];
	struct stat sb;
	(void)state;

	assert_int_equal(transport_run(t, &c, &r, err, sizeof(err)), 0);
	c.line = "printf 'no newline'";
	c.label = "step-2/verify n1";
	assert_int_equal(transport_run(t, &c, &r, err, sizeof(err)), 0);
	assert_string_equal(r.tail, "no newline");
	c.line = "true";
	c.label = NULL;
	assert_int_equal(transport_run(t, &c, &r, err, sizeof(err)), 0);
	char *text = slurp(c.capture_path, NULL);
	assert_string_equal(text, "==== step-1/restart n1 ====\nout\nerr\n"
				  "==== step-2/verify n1 ====\nno newline\n"
				  "==== command ====\n");
	free(text);
	assert_int_equal(stat(c.capture_path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	/* a capture file that cannot be opened: not run at all */
	c.capture_path = path_in("no/such/dir/x.out");
	char line[600];
	snprintf(line, sizeof(line), "touch %s", path_in("ran"));
	c.line = line;
	assert_int_equal(transport_run(t, &c, &r, err, sizeof(err)), -1);
	assert_contains(err, "open capture ");
	assert_contains(err, "no/such/dir/x.out: No such file or directory");
	assert_int_equal(access(path_in("ran"), F_OK), -1);

	/* one that cannot be written to: not run either */
	if (access("/dev/full", W_OK) == 0) {
		c.capture_path = "/dev/full";
		c.line = "echo x";
		assert_int_equal(transport_run(t, &c, &r, err, sizeof(err)), -1);
		assert_string_equal(err, "write capture /dev/full: No space left on device");
	}
	transport_close(t);
	assert_no_children();
}

static void test_local_tail(void **state)
{
	struct transport *t = local_new();
	struct transport_result r;
	char err[256];
	(void)state;

	assert_int_equal(run(t, "i=0; while [ $i -lt 5000 ]; do echo \"line $i\"; i=$((i+1)); done", 20 * SEC,
			     path_in("tail.out"), &r, err, sizeof(err)),
			 0);
	assert_int_equal(r.status, 0);
	size_t n = strlen(r.tail);
	assert_true(n > TRANSPORT_TAIL - 20 && n < TRANSPORT_TAIL);
	assert_true(strncmp(r.tail, "line ", 5) == 0); /* starts at a line */
	assert_string_equal(r.tail + n - 10, "line 4999\n");
	size_t len;
	char *text = slurp(path_in("tail.out"), &len);
	assert_true(strncmp(text, "==== test ====\nline 0\nline 1\n", 29) == 0);
	assert_true(len > (size_t)5000 * 7);
	assert_string_equal(text + len - 10, "line 4999\n");
	free(text);

	/* one long line longer than the tail: its last bytes */
	assert_int_equal(run(t, "head -c 5000 /dev/zero | tr '\\0' x; echo END", 20 * SEC, NULL, &r, err, sizeof(err)), 0);
	n = strlen(r.tail);
	assert_int_equal(n, TRANSPORT_TAIL - 1);
	assert_string_equal(r.tail + n - 4, "END\n");
	transport_close(t);
	assert_no_children();
}

/* The timeout kills the group: the shell, a grandchild in the background and the one in the
 * foreground; SIGTERM is enough here, so it takes far less than the 2 s to SIGKILL. */
static void test_local_timeout_group(void **state)
{
	struct transport *t = local_new();
	struct transport_result r;
	char err[256], line[1024];
	pid_t pids[8];
	(void)state;

	snprintf(line, sizeof(line),
		 "echo $$ > %s; sh -c 'echo $$ >> %s; sleep 100 & echo $! >> %s; sleep 100 & echo $! >> %s; wait'; echo after",
		 path_in("pids"), path_in("pids"), path_in("pids"), path_in("pids"));
	long long t0 = proc_now_ns();
	assert_int_equal(run(t, line, 500 * MS, NULL, &r, err, sizeof(err)), 0);
	long long took = proc_now_ns() - t0;
	assert_true(r.timed_out);
	assert_false(r.interrupted);
	assert_int_equal(r.status, -1);
	assert_int_equal(r.signal, SIGTERM);
	assert_true(took >= 500 * MS && took < 1900 * MS);
	assert_int_equal(read_pids(path_in("pids"), pids, 8), 4);
	for (int i = 0; i < 4; i++)
		if (!wait_gone(pids[i], 1 * SEC))
			fail_msg("pid %d (%d of 4) is still alive", (int)pids[i], i + 1);
	transport_close(t);
	assert_no_children();
}

/* A group that ignores SIGTERM gets SIGKILL 2 s later. */
static void test_local_timeout_sigkill(void **state)
{
	struct transport *t = local_new();
	struct transport_result r;
	char err[256], line[1024];
	pid_t pids[8];
	(void)state;

	snprintf(line, sizeof(line), "trap '' TERM; echo $$ > %s; sleep 100 & echo $! >> %s; sleep 100",
		 path_in("pids"), path_in("pids"));
	long long t0 = proc_now_ns();
	assert_int_equal(run(t, line, 300 * MS, path_in("k.out"), &r, err, sizeof(err)), 0);
	long long took = proc_now_ns() - t0;
	assert_true(r.timed_out);
	assert_int_equal(r.signal, SIGKILL);
	assert_true(took >= 2300 * MS && took < 4 * SEC);
	assert_int_equal(read_pids(path_in("pids"), pids, 8), 2);
	for (int i = 0; i < 2; i++)
		assert_true(wait_gone(pids[i], 1 * SEC));
	char *text = slurp(path_in("k.out"), NULL);
	assert_contains(text, "[hotplan: timed out after ");
	free(text);
	transport_close(t);
	assert_no_children();
}

/* A second Ctrl-C (here a timer) sets *abort to 2: the group is killed, interrupted. */
static void test_local_abort(void **state)
{
	struct transport *t = local_new();
	struct transport_result r;
	char err[256], line[512];
	pid_t pids[4];
	(void)state;

	set_handler(SIGALRM, on_signal_abort);
	g_abort = 1; /* the first Ctrl-C came before */
	set_timer(300 * MS, 0);
	snprintf(line, sizeof(line), "sleep 100 & echo $! > %s; sleep 100", path_in("pids"));
	long long t0 = proc_now_ns();
	assert_int_equal(run(t, line, 0, NULL, &r, err, sizeof(err)), 0);
	long long took = proc_now_ns() - t0;
	assert_true(r.interrupted);
	assert_false(r.timed_out);
	assert_true(took >= 300 * MS && took < 1500 * MS);
	assert_int_equal(read_pids(path_in("pids"), pids, 4), 1);
	assert_true(wait_gone(pids[0], 1 * SEC));
	/* aborted already: not started */
	snprintf(line, sizeof(line), "touch %s", path_in("ran"));
	assert_int_equal(run(t, line, 0, NULL, &r, err, sizeof(err)), -1);
	assert_true(r.interrupted);
	assert_int_equal(access(path_in("ran"), F_OK), -1);
	assert_true(signal(SIGALRM, SIG_DFL) != SIG_ERR);
	g_abort = 0;
	transport_close(t);
	assert_no_children();
}

/* In a process group of its own, like a runner in a terminal's foreground: the terminal's
 * Ctrl-C (SIGINT to the whole foreground group) during a 1 s command, amid a storm of other
 * signals without SA_RESTART. The command must not see it and must end normally. */
static int alarms;

static void on_alarm_ctrl_c(int sig)
{
	(void)sig;
	if (++alarms == 5)
		kill(0, SIGINT);
}

static int ctrl_c_child(void)
{
	struct transport_result r;
	char err[256];
	struct transport *t;
	if (setpgid(0, 0) < 0)
		return 10;
	set_handler(SIGINT, on_signal_abort);
	set_handler(SIGALRM, on_alarm_ctrl_c);
	/* the runner may ignore SIGPIPE and block signals: the command must not inherit either */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		return 16;
	sigset_t blk;
	sigemptyset(&blk);
	sigaddset(&blk, SIGUSR2);
	sigprocmask(SIG_BLOCK, &blk, NULL);
	t = transport_local_new(&g_node, &g_abort, err, sizeof(err));
	if (t == NULL)
		return 11;
	set_timer(20 * MS, 20 * MS);
	struct transport_cmd c = { "sleep 1; echo done; exec grep -E '^Sig(Blk|Ign)' /proc/self/status", 10 * SEC, NULL, "x", NULL, NULL };
	int rc = transport_run(t, &c, &r, err, sizeof(err));
	set_timer(0, 0);
	transport_close(t);
	if (rc != 0) {
		fprintf(stderr, "run: %s\n", err);
		return 12;
	}
	if (r.status != 0 || r.interrupted || r.timed_out || r.seconds < 1.0) {
		fprintf(stderr, "status %d signal %d interrupted %d %.3f s: %s\n", r.status, r.signal, r.interrupted,
			r.seconds, r.tail);
		return 13;
	}
	if (strcmp(r.tail, "done\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n") != 0) {
		fprintf(stderr, "tail: %s\n", r.tail);
		return 14;
	}
	if (g_abort != 1 || alarms < 20) {
		fprintf(stderr, "abort %d, alarms %d\n", g_abort, alarms);
		return 15;
	}
	return 0;
}

static void test_local_first_ctrl_c(void **state)
{
	(void)state;
	assert_int_equal(fflush(NULL), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(ctrl_c_child());
	int st;
	while (waitpid(pid, &st, 0) < 0)
		assert_int_equal(errno, EINTR);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_no_children();
}

/* Only 0, 1 and 2 reach the command, whatever the runner has open; it leads its own group. */
static void test_local_fds(void **state)
{
	struct transport *t = local_new();
	struct transport_result r;
	int p[2];
	(void)state;
	int leak = open("/dev/null", O_RDONLY); /* no O_CLOEXEC: a careless module's */
	assert_true(leak >= 0);
	assert_int_equal(pipe(p), 0);
	int high = dup2(leak, 200);
	assert_int_equal(high, 200);
	assert_string_equal(run_ok(t, "ls /proc/$$/fd; true", &r), "0\n1\n2\n");
	char want[64];
	run_ok(t, "cut -d' ' -f5 /proc/$$/stat; echo $$", &r);
	char *nl = strchr(r.tail, '\n');
	assert_non_null(nl);
	snprintf(want, sizeof(want), "%.*s\n%.*s\n", (int)(nl - r.tail), r.tail, (int)(nl - r.tail), r.tail);
	assert_string_equal(r.tail, want); /* pgid == pid */
	close(leak);
	close(high);
	close(p[0]);
	close(p[1]);
	transport_close(t);
	assert_no_children();
}

/* A background process that keeps the output open does not hold the run for long; one that
 * closed it does not end it early. */
static void test_local_output_lifetime(void **state)
{
	struct transport *t = local_new();
	struct transport_result r;
	char line[512];
	pid_t pids[2];
	(void)state;
	snprintf(line, sizeof(line), "sleep 5 & echo $! > %s; echo started", path_in("bg"));
	long long t0 = proc_now_ns();
	assert_string_equal(run_ok(t, line, &r), "started\n");
	assert_true(proc_now_ns() - t0 < 1500 * MS);
	assert_int_equal(read_pids(path_in("bg"), pids, 2), 1);
	kill(pids[0], SIGKILL); /* not ours to wait for: init reaps it */

	t0 = proc_now_ns();
	assert_string_equal(run_ok(t, "echo before; exec >&- 2>&-; sleep 0.4", &r), "before\n");
	assert_true(proc_now_ns() - t0 >= 400 * MS);
	transport_close(t);
	assert_no_children();
}

/* The line reaches the shell on its stdin: never in an argv (any local user can read
 * /proc/PID/cmdline), whatever its length (one argv word holds at most 128 KiB: a 300 KiB
 * line could not be run before), and it means what it means to /bin/sh -c LINE. */
static void test_local_line_not_in_argv(void **state)
{
	struct transport *t = local_new();
	struct transport_result r;
	char err[256];
	(void)state;
	/* every process of the command: its argv has no trace of the line's marker */
	run_ok(t, "marker=Zq7Line; for p in /proc/[0-9]*; do tr '\\000' ' ' 2>/dev/null <$p/cmdline; echo; done "
		  "| grep -c 'Zq7[L]ine' || true", &r);
	assert_string_equal(r.tail, "0\n");
	/* what sh -c LINE would say: $0, no positional parameter, the shell's own pid, stdin */
	assert_string_equal(run_ok(t, "echo \"$0\" $# ${hotplan_s-unset}; test $$ = $(cut -d' ' -f5 /proc/$$/stat) && echo leader",
				   &r), "/bin/sh 0 unset\nleader\n");
	/* a line of 300 KiB, more than a pipe holds and than one argv word may be */
	size_t n = (size_t)300 * 1024;
	char *line = malloc(n + 64);
	assert_non_null(line);
	int k = snprintf(line, n + 64, "x='");
	memset(line + k, 'a', n);
	snprintf(line + k + n, 64, "'; echo ${#x}");
	run_ok(t, line, &r);
	assert_string_equal(r.tail, "307200\n");
	free(line);
	/* a syntax error runs nothing, as with sh -c */
	assert_int_equal(run(t, "echo ran; if then", 10 * SEC, NULL, &r, err, sizeof(err)), 0);
	assert_int_equal(r.status, 2);
	assert_null(strstr(r.tail, "ran"));
	transport_close(t);
	assert_no_children();
}

/* Input the child does not read: what the pipe does not take is dropped when it ends, and
 * no SIGPIPE reaches the runner (this test does not ignore it). */
static void test_local_input_unread(void **state)
{
	struct transport_result r;
	char err[256];
	struct transport_cmd c = { "true", 10 * SEC, NULL, NULL, NULL, NULL };
	const char *argv[] = { "/bin/sh", "-c", "exec 0<&-; sleep 0.2", NULL };
	size_t n = 1 << 20;
	char *in = malloc(n);
	(void)state;
	assert_non_null(in);
	memset(in, 'x', n);
	assert_true(signal(SIGPIPE, SIG_DFL) != SIG_ERR);
	assert_int_equal(proc_run(argv, in, n, 0, &c, NULL, &r, err, sizeof(err)), 0);
	assert_int_equal(r.status, 0);
	free(in);
	assert_no_children();
}

/* A runner stopped past the deadline of a command that ended in time: not a timeout. One
 * still running when the runner looks again: timed out, and the capture says the timeout it
 * was given. The runner is a child of the test, stopped with SIGSTOP for 1.5 s. */
static int stopped_runner_child(const char *line, long long timeout_ns, const char *capture)
{
	struct transport_result r;
	char err[256];
	struct transport *t = transport_local_new(&g_node, &g_abort, err, sizeof(err));
	if (t == NULL)
		return 10;
	struct transport_cmd c = { line, timeout_ns, capture, "stopped", NULL, NULL };
	int rc = transport_run(t, &c, &r, err, sizeof(err));
	transport_close(t);
	if (rc != 0)
		return 11;
	if (r.timed_out)
		return r.timeout_ns == timeout_ns && r.signal == SIGTERM ? 20 : 12;
	return r.status == 0 && strcmp(r.tail, "done\n") == 0 ? 0 : 13;
}

static int stop_runner(const char *line, long long timeout_ns, const char *capture)
{
	assert_int_equal(fflush(NULL), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(stopped_runner_child(line, timeout_ns, capture));
	nanosleep(&(struct timespec){ 0, 200000000 }, NULL);
	assert_int_equal(kill(pid, SIGSTOP), 0);
	nanosleep(&(struct timespec){ 1, 500000000 }, NULL);
	assert_int_equal(kill(pid, SIGCONT), 0);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		assert_int_equal(errno, EINTR);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void test_local_runner_stopped(void **state)
{
	(void)state;
	assert_int_equal(stop_runner("sleep 0.5; echo done", 1 * SEC, NULL), 0);
	assert_int_equal(stop_runner("sleep 3; echo done", 1 * SEC, path_in("late.out")), 20);
	char *text = slurp(path_in("late.out"), NULL);
	assert_string_equal(text, "==== stopped ====\n[hotplan: timed out after 1s: process group killed]\n");
	free(text);
	assert_no_children();
}

/* The capture keeps the first and the last MiB of a command's output, the cut said between
 * them on a line of its own, at line ends; the tail for messages is the output's last bytes
 * still; the header is one line, whatever the label holds. */
static void test_local_capture_bounded(void **state)
{
	struct transport *t = local_new();
	struct transport_result r;
	/* NOLINTNEXTLINE(misc-misleading-bidirectional): a U+202E in a label, the test's input */
	struct transport_cmd c = { "seq 1 600000", 60 * SEC, path_in("big.out"), "big\nFAKE ==== \xe2\x80\xae", NULL, NULL };
	char err[256];
	size_t len;
	(void)state;
	assert_int_equal(transport_run(t, &c, &r, err, sizeof(err)), 0);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.tail + strlen(r.tail) - 14, "599999\n600000\n");
	char *text = slurp(path_in("big.out"), &len);
	assert_true(strncmp(text, "==== big\\nFAKE ==== \\u{202e} ====\n1\n2\n3\n", 38) == 0);
	char *cut = strstr(text, "\n[hotplan: ");
	assert_non_null(cut);
	size_t head = (size_t)(cut + 1 - text) - strlen("==== big\\nFAKE ==== \\u{202e} ====\n");
	assert_true(head <= PROC_CAPTURE_HEAD && head > PROC_CAPTURE_HEAD - 8);
	assert_true(strncmp(cut + 1, "[hotplan: ", 10) == 0);
	char *end = NULL;
	unsigned long long cut_bytes = strtoull(cut + 11, &end, 10);
	char *tail = strchr(cut + 1, '\n') + 1;
	assert_true(end > cut + 11);
	assert_memory_equal(end, " bytes of output cut here: a capture keeps the first 1 MiB and the last 1 MiB]\n",
			    (size_t)(tail - end));
	size_t tail_len = len - (size_t)(tail - text);
	assert_true(tail_len <= PROC_CAPTURE_TAIL && tail_len > PROC_CAPTURE_TAIL - 8);
	/* 600,000 numbers and their newlines: 4,088,895 bytes */
	assert_int_equal(cut_bytes + head + tail_len, 4088895);
	assert_string_equal(text + len - 14, "599999\n600000\n");
	assert_true(tail[-1] == '\n' && strchr(tail, '\n') - tail <= 6); /* starts at a line */
	free(text);
	transport_close(t);
	assert_no_children();
}

static void test_ssh_new_rejects(void **state)
{
	char err[512], dir[200];
	struct rt_node n = { .name = "x", .address = "ssh://x", .transport = TR_SSH, .host = "-oProxyCommand=touch /tmp/p" };
	(void)state;
	assert_null(transport_ssh_new(&n, "/tmp", &g_abort, err, sizeof(err)));
	assert_string_equal(err, "ssh: bad host name '-oProxyCommand=touch /tmp/p'");
	n.host = "h";
	n.user = "a b";
	assert_null(transport_ssh_new(&n, "/tmp", &g_abort, err, sizeof(err)));
	assert_string_equal(err, "ssh: bad user name 'a b'");
	n.user = NULL;
	memset(dir, 'd', sizeof(dir) - 1);
	dir[0] = '/';
	dir[sizeof(dir) - 1] = '\0';
	assert_null(transport_ssh_new(&n, dir, &g_abort, err, sizeof(err)));
	assert_contains(err, "is too long for a socket path (at most 49 bytes)");
}

/* ---- measurements (printed) ---- */

static long long raw_fork_exec(const char *const *argv)
{
	long long t0 = proc_now_ns();
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);
		if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return proc_now_ns() - t0;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

static double median_us(long long *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_ll);
	return (double)v[n / 2] / 1000.0; /* NOLINT(bugprone-integer-division): an index, meant */
}

/* The cost of a command: through the shell (HOTPLAN_LOCAL_SHELL=always) against a bare
 * fork/exec/wait of sh -c /bin/true, and run without the shell (PWD set right: a stale one
 * sends every line to sh) against a bare one of /bin/true. */
static void test_local_bench(void **state)
{
	enum { N = 200 };
	static long long raw[N], tr[N], trc[N], rawd[N], trd[N];
	char cwd[4096];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(setenv("PWD", cwd, 1), 0);
	assert_int_equal(setenv("HOTPLAN_LOCAL_SHELL", "always", 1), 0);
	struct transport *t = local_new();
	assert_int_equal(unsetenv("HOTPLAN_LOCAL_SHELL"), 0);
	struct transport *td = local_new();
	struct transport_result r;
	char err[256];
	const char *argv[] = { "/bin/sh", "-c", "/bin/true", NULL };
	const char *argvd[] = { "/bin/true", NULL };
	(void)state;
	for (int i = 0; i < N; i++) {
		raw[i] = raw_fork_exec(argv);
		long long t0 = proc_now_ns();
		assert_int_equal(run(t, "/bin/true", 10 * SEC, NULL, &r, err, sizeof(err)), 0);
		tr[i] = proc_now_ns() - t0;
		t0 = proc_now_ns();
		assert_int_equal(run(t, "/bin/true", 10 * SEC, path_in("bench.out"), &r, err, sizeof(err)), 0);
		trc[i] = proc_now_ns() - t0;
		rawd[i] = raw_fork_exec(argvd);
		t0 = proc_now_ns();
		assert_int_equal(run(td, "/bin/true", 10 * SEC, NULL, &r, err, sizeof(err)), 0);
		trd[i] = proc_now_ns() - t0;
	}
	double a = median_us(raw, N), b = median_us(tr, N), c = median_us(trc, N);
	double d = median_us(rawd, N), e = median_us(trd, N);
	print_message("[ BENCH    ] local: sh -c /bin/true, median of %d: raw fork/exec/wait %.0f us, "
		      "transport %.0f us (+%.0f), with capture file %.0f us (+%.0f)\n",
		      N, a, b, b - a, c, c - a);
	print_message("[ BENCH    ] local: /bin/true without sh, median of %d: raw fork/exec/wait %.0f us, "
		      "transport %.0f us (+%.0f)\n", N, d, e, e - d);
	transport_close(t);
	transport_close(td);
	assert_no_children();
}

/* ---- ssh:// (HOTPLAN_SSH_TEST=1, variables from tests/ssh/sshd-harness.sh) ---- */

static struct rt_node s_node;
static char s_port[16], s_ctl[64];

static const char *env_or_fail(const char *name)
{
	const char *v = getenv(name);
	if (v == NULL || v[0] == '\0')
		fail_msg("%s is not set: run through tests/ssh/run-ssh.sh", name);
	return v;
}

static int ssh_setup(void **state)
{
	if (setup(state) != 0)
		return -1;
	snprintf(s_ctl, sizeof(s_ctl), "/tmp/hp-ctl-XXXXXX");
	if (mkdtemp(s_ctl) == NULL)
		return -1;
	s_node = (struct rt_node){ .name = "ssh1", .transport = TR_SSH };
	s_node.host = getenv("SSH_TARGET_HOST");
	s_node.user = getenv("SSH_TARGET_USER");
	snprintf(s_port, sizeof(s_port), "%s", getenv("SSH_TARGET_PORT") ? getenv("SSH_TARGET_PORT") : "0");
	char *end = NULL;
	long port = strtol(s_port, &end, 10);
	if (end == s_port || *end != '\0' || port < 0 || port > 65535)
		return -1; /* SSH_TARGET_PORT is not a port number */
	s_node.port = (int)port;
	return 0;
}

static int ssh_teardown(void **state)
{
	nftw(s_ctl, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return teardown(state);
}

static struct transport *ssh_new(const char *ctl)
{
	char err[256];
	env_or_fail("SSH_TARGET_HOST");
	env_or_fail("HOTPLAN_SSH_OPTIONS");
	struct transport *t = transport_ssh_new(&s_node, ctl, &g_abort, err, sizeof(err));
	if (t == NULL)
		fail_msg("%s", err);
	return t;
}

/* The control socket in `dir`, or "" when there is none. */
static const char *control_socket(const char *dir)
{
	static char path[600];
	DIR *d = opendir(dir);
	struct dirent *e;
	path[0] = '\0';
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		struct stat sb;
		char p[600];
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (lstat(p, &sb) == 0 && S_ISSOCK(sb.st_mode))
			snprintf(path, sizeof(path), "%s", p);
	}
	closedir(d);
	return path;
}

static void test_ssh_output_status(void **state)
{
	struct transport *t = ssh_new(s_ctl);
	struct transport_result r;
	char err[512];
	(void)state;
	assert_int_equal(run(t, "echo out; echo err >&2; exit 7", 30 * SEC, path_in("ssh.out"), &r, err, sizeof(err)), 0);
	assert_int_equal(r.status, 7);
	assert_contains(r.tail, "out\n");
	assert_contains(r.tail, "err\n");
	char *text = slurp(path_in("ssh.out"), NULL);
	assert_true(strncmp(text, "==== test ====\n", 15) == 0);
	assert_contains(text, "out\n");
	free(text);
	/* a genuine remote exit 255 is a status, not a connection failure */
	assert_int_equal(run(t, "exit 255", 30 * SEC, NULL, &r, err, sizeof(err)), 0);
	assert_int_equal(r.status, 255);
	/* a remote command killed by a signal */
	assert_int_equal(run(t, "kill -USR1 $$", 30 * SEC, NULL, &r, err, sizeof(err)), 0);
	assert_int_equal(r.status, 128 + SIGUSR1);
	/* the remote command's stdin is /dev/null, as for local: */
	assert_string_equal(run_ok(t, "cat; readlink /proc/$$/fd/0", &r), "/dev/null\n");
	transport_close(t);
	assert_no_children();
}

/* Hostile data quoted with shell_quote arrives byte for byte; a LINE full of shell syntax
 * means on the node what it means here. */
static void test_ssh_hostile(void **state)
{
	struct transport *t = ssh_new(s_ctl), *l = local_new();
	struct transport_result r, lr;
	char err[512];
	(void)state;
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		char *q = quote(hostile[i]);
		char *line = malloc(strlen(q) + 600);
		sprintf(line, "printf %%s %s > %s", q, path_in("arg"));
		assert_int_equal(run(t, line, 30 * SEC, NULL, &r, err, sizeof(err)), 0);
		assert_int_equal(r.status, 0);
		size_t len;
		char *got = slurp(path_in("arg"), &len);
		if (len != strlen(hostile[i]) || memcmp(got, hostile[i], len) != 0)
			fail_msg("string %zu: got \"%s\"", i, got);
		free(got);
		free(line);
		free(q);
	}
	static const char *const lines[] = {
		"printf '%s|' \"a  b\" 'c'\"'\"'d' $((1+2)) \"$(echo x)\" `echo y` \"$0\" $#",
		"echo one\necho two; echo 'three\nfour'",
		"x='; echo injected'; echo \"$x\"",
		"for w in a 'b c'; do echo \"[$w]\"; done 2>&1 | tr -d '\\n'",
		"  echo leading-space",
		"-n() { echo dash-n; }; echo ok",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		assert_int_equal(run(t, lines[i], 30 * SEC, NULL, &r, err, sizeof(err)), 0);
		assert_int_equal(run(l, lines[i], 30 * SEC, NULL, &lr, err, sizeof(err)), 0);
		if (r.status != lr.status || strcmp(r.tail, lr.tail) != 0)
			fail_msg("line %zu: ssh %d \"%s\", local %d \"%s\"", i, r.status, r.tail, lr.status, lr.tail);
	}
	transport_close(l);
	transport_close(t);
	assert_no_children();
}

/* The line is in no argv, here or on the node (the same machine: the scan sees the ssh
 * client, sshd's session, the remote shells), and has no length limit but memory's. */
static void test_ssh_line_not_in_argv(void **state)
{
	struct transport *t = ssh_new(s_ctl);
	struct transport_result r;
	(void)state;
	run_ok(t, "marker=Zq7Line; for p in /proc/[0-9]*; do tr '\\000' ' ' 2>/dev/null <$p/cmdline; echo; done "
		  "| grep -c 'Zq7[L]ine' || true", &r);
	assert_string_equal(r.tail, "0\n");
	assert_string_equal(run_ok(t, "echo \"$0\" $# ${hotplan_s-unset} ${hotplan_r-unset}", &r), "/bin/sh 0 unset unset\n");
	size_t n = (size_t)300 * 1024;
	char *line = malloc(n + 64);
	assert_non_null(line);
	int k = snprintf(line, n + 64, "x='");
	memset(line + k, 'a', n);
	snprintf(line + k + n, 64, "'; echo ${#x}");
	run_ok(t, line, &r);
	assert_string_equal(r.tail, "307200\n");
	free(line);
	transport_close(t);
	assert_no_children();
}

/* One connection: the first command starts the master, the next ones go through its socket. */
static void test_ssh_control_master(void **state)
{
	struct transport *t = ssh_new(s_ctl);
	struct transport_result r;
	char first[TRANSPORT_TAIL];
	(void)state;
	assert_string_equal(control_socket(s_ctl), "");
	run_ok(t, "echo $SSH_CONNECTION", &r);
	snprintf(first, sizeof(first), "%s", r.tail);
	double t1 = r.seconds;
	const char *sock = control_socket(s_ctl);
	assert_true(sock[0] != '\0');
	run_ok(t, "echo $SSH_CONNECTION", &r);
	assert_string_equal(r.tail, first); /* same client port: the same TCP connection */
	double t2 = r.seconds;
	print_message("[ INFO     ] ssh: first command %.1f ms (connects), second %.1f ms (multiplexed)\n",
		      t1 * 1e3, t2 * 1e3);
	assert_true(t2 < t1);
	assert_true(t2 < 1.0);
	transport_close(t);
	/* ssh -O exit: the master is gone with its socket */
	long long until = proc_now_ns() + 3 * SEC;
	while (control_socket(s_ctl)[0] != '\0' && proc_now_ns() < until)
		nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
	assert_string_equal(control_socket(s_ctl), "");
	assert_no_children();
}

/* The timeout (and an abort) kill the remote command, not only the local ssh. */
static void ssh_kill_case(const char *line_fmt, bool abort_it, long long min_ns, long long max_ns)
{
	struct transport *t = ssh_new(s_ctl);
	struct transport_result r;
	char err[512], line[1024];
	pid_t pids[8];
	run_ok(t, "true", &r); /* the master is up: timings are the command's */
	unlink(path_in("rpids"));
	snprintf(line, sizeof(line), line_fmt, path_in("rpids"), path_in("rpids"));
	if (abort_it) {
		set_handler(SIGALRM, on_signal_abort);
		g_abort = 1;
		set_timer(1 * SEC, 0);
	}
	long long t0 = proc_now_ns();
	assert_int_equal(run(t, line, abort_it ? 0 : 1 * SEC, NULL, &r, err, sizeof(err)), 0);
	long long took = proc_now_ns() - t0;
	if (abort_it) {
		assert_true(r.interrupted);
		assert_true(signal(SIGALRM, SIG_DFL) != SIG_ERR);
		g_abort = 0;
	} else {
		assert_true(r.timed_out);
	}
	assert_true(took >= 1 * SEC && took < 3 * SEC);
	assert_int_equal(read_pids(path_in("rpids"), pids, 8), 2);
	long long t1 = proc_now_ns();
	for (int i = 0; i < 2; i++)
		if (!wait_gone(pids[i], max_ns))
			fail_msg("remote pid %d is still alive", (int)pids[i]);
	long long gone = proc_now_ns() - t1;
	assert_true(gone >= min_ns);
	print_message("[ INFO     ] ssh: remote command gone %.0f ms after the local ssh\n", (double)gone / 1e6);
	/* the connection is still good */
	assert_string_equal(run_ok(t, "echo still", &r), "still\n");
	transport_close(t);
	assert_no_children();
}

static void test_ssh_timeout(void **state)
{
	(void)state;
	ssh_kill_case("echo $$ > %s; sleep 100 & echo $! >> %s; sleep 100", false, 0, 2 * SEC);
}

static void test_ssh_timeout_sigkill(void **state)
{
	(void)state;
	ssh_kill_case("trap '' TERM; echo $$ > %s; sleep 100 & echo $! >> %s; sleep 100", false, 1500 * MS, 5 * SEC);
}

static void test_ssh_abort(void **state)
{
	(void)state;
	ssh_kill_case("echo $$ > %s; sleep 100 & echo $! >> %s; sleep 100", true, 0, 2 * SEC);
}

/* Strict host-key checking: a host not in known_hosts is refused. */
static void test_ssh_unknown_host_key(void **state)
{
	char opts[1024], ctl[64] = "/tmp/hp-ctl-XXXXXX", err[512];
	struct transport_result r;
	const char *saved = env_or_fail("HOTPLAN_SSH_OPTIONS");
	char *keep = strdup(saved);
	(void)state;
	FILE *f = fopen(path_in("empty_known_hosts"), "w");
	assert_non_null(f);
	assert_int_equal(fclose(f), 0);
	snprintf(opts, sizeof(opts), "-F none -i %s -o UserKnownHostsFile=%s -o IdentitiesOnly=yes",
		 env_or_fail("SSH_TEST_KEY"), path_in("empty_known_hosts"));
	setenv("HOTPLAN_SSH_OPTIONS", opts, 1);
	assert_non_null(mkdtemp(ctl));
	struct transport *t = ssh_new(ctl);
	setenv("HOTPLAN_SSH_OPTIONS", keep, 1);
	free(keep);
	char line[600];
	snprintf(line, sizeof(line), "touch %s", path_in("ran"));
	assert_int_equal(run(t, line, 30 * SEC, NULL, &r, err, sizeof(err)), -1);
	assert_contains(err, "connection failed (exit 255): Host key verification failed.");
	assert_int_equal(access(path_in("ran"), F_OK), -1);
	transport_close(t);
	assert_string_equal(control_socket(ctl), "");
	rmdir(ctl);
	assert_no_children();
}

static void test_ssh_refused(void **state)
{
	struct transport_result r;
	char err[512];
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	(void)state;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd); /* a port nobody listens on */
	int port = s_node.port;
	s_node.port = ntohs(sa.sin_port);
	struct transport *t = ssh_new(s_ctl);
	assert_int_equal(run(t, "true", 30 * SEC, NULL, &r, err, sizeof(err)), -1);
	assert_contains(err, "connection failed (exit 255): ssh: connect to host 127.0.0.1 port ");
	assert_contains(err, "Connection refused");
	transport_close(t);
	s_node.port = port;
	assert_no_children();
}

static void test_ssh_bench(void **state)
{
	enum { N = 40 };
	static long long raw[N], tr[N];
	struct transport *t = ssh_new(s_ctl);
	struct transport_result r;
	(void)state;
	run_ok(t, "true", &r);
	const char *sock = control_socket(s_ctl);
	assert_true(sock[0] != '\0');
	char ctl[600];
	snprintf(ctl, sizeof(ctl), "%s", sock);
	const char *argv[] = { "/usr/bin/ssh", "-S", ctl, "-p", s_port, "-l", s_node.user, "--", s_node.host, "true", NULL };
	for (int i = 0; i < N; i++) {
		raw[i] = raw_fork_exec(argv);
		long long t0 = proc_now_ns();
		run_ok(t, "true", &r);
		tr[i] = proc_now_ns() - t0;
	}
	double a = median_us(raw, N), b = median_us(tr, N);
	print_message("[ BENCH    ] ssh: true through the master, median of %d: raw ssh -S %.0f us, transport %.0f us (+%.0f)\n",
		      N, a, b, b - a);
	transport_close(t);
	assert_no_children();
}

int main(void)
{
	const struct CMUnitTest local_tests[] = {
		cmocka_unit_test_setup_teardown(test_shell_quote_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shell_quote_shells, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_capture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_timeout_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_timeout_sigkill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_first_ctrl_c, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_fds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_output_lifetime, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_line_not_in_argv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_input_unread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_runner_stopped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_capture_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ssh_new_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_bench, setup, teardown),
	};
	const struct CMUnitTest ssh_tests[] = {
		cmocka_unit_test_setup_teardown(test_ssh_output_status, ssh_setup, ssh_teardown),
		cmocka_unit_test_setup_teardown(test_ssh_hostile, ssh_setup, ssh_teardown),
		cmocka_unit_test_setup_teardown(test_ssh_line_not_in_argv, ssh_setup, ssh_teardown),
		cmocka_unit_test_setup_teardown(test_ssh_control_master, ssh_setup, ssh_teardown),
		cmocka_unit_test_setup_teardown(test_ssh_timeout, ssh_setup, ssh_teardown),
		cmocka_unit_test_setup_teardown(test_ssh_timeout_sigkill, ssh_setup, ssh_teardown),
		cmocka_unit_test_setup_teardown(test_ssh_abort, ssh_setup, ssh_teardown),
		cmocka_unit_test_setup_teardown(test_ssh_unknown_host_key, ssh_setup, ssh_teardown),
		cmocka_unit_test_setup_teardown(test_ssh_refused, ssh_setup, ssh_teardown),
		cmocka_unit_test_setup_teardown(test_ssh_bench, ssh_setup, ssh_teardown),
	};
	const char *mode = getenv("HOTPLAN_SSH_TEST");
	if (mode != NULL && strcmp(mode, "1") == 0)
		return cmocka_run_group_tests_name("transport_ssh", ssh_tests, NULL, NULL);
	return cmocka_run_group_tests_name("transport_local", local_tests, NULL, NULL);
}
