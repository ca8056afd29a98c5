/* test_local_direct.c: a literal line on a local: node run without /bin/sh (transport_local.c,
 * docs/transports.md "local:"), on real processes. Every case runs twice, through a transport
 * that may leave the shell out and through one with HOTPLAN_LOCAL_SHELL=always, and the two
 * must give the same status, signal, tail and capture file; the process the transport started
 * (its /proc/PID/comm, read in the `started` hook) says which way the line went: the program
 * itself, or sh. Cases: absolute and PATH-found programs (a relative PATH entry, an empty one,
 * argv[0] as written), the environment, builtins and reserved words, a non-literal line, a
 * script without "#!", a missing program, a non-executable file, a directory, a "#!" whose
 * interpreter is missing (the exec fails: the shell runs the line after all, the capture as if
 * it alone had), programs that die of a signal (sh's 128+N and its "Killed" line), the
 * environments dash would change (the shell again), a timeout; and proc_run_path itself.
 *
 * Skipped (77) where /bin/sh is not dash: every line goes to the shell there.
 *
 * Each test runs in its own directory (the current one, PWD set to it) with an environment of
 * its own, restored after. */
#define _GNU_SOURCE /* nftw, environ */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"
#include "transport.h"

extern char **environ; /* NOLINT(readability-redundant-declaration): POSIX has the application declare it */

#define SEC 1000000000LL
#define MS 1000000LL

static char tmpdir[256];
static volatile int g_abort;
static struct rt_node g_node = { .name = "n1", .address = "local:", .transport = TR_LOCAL };
static char **saved_environ;
static int saved_cwd = -1;
static char env_path[600], env_pwd[300];
static char *env_plain[8];          /* the test's environment */
static char *env_off[9];            /* the same with HOTPLAN_LOCAL_SHELL=always */
static int ncase;

/* ---- helpers ---- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void write_file(const char *name, const char *text, mode_t mode)
{
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(close(fd), 0);
	assert_int_equal(chmod(name, mode), 0);
}

/* In tmpdir: bin/mysh (a link to dash: its $0 is its argv[0]) and bin/noshebang-p, found by
 * PATH's relative entry "bin"; here-prog, found by its empty entry; noshebang (a script
 * without "#!"), plain.txt (not executable), badinterp ("#!" a missing interpreter), dir/,
 * nodir-hp/, and shadowed (a script) behind the directory bin/shadowed. */
static int setup(void **state)
{
	const char *base = getenv("TMPDIR");
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/hp-direct-XXXXXX", base && base[0] ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	saved_cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (saved_cwd < 0 || chdir(tmpdir) != 0)
		return -1;
	if (mkdir("bin", 0755) != 0 || mkdir("dir", 0755) != 0 || mkdir("nodir-hp", 0755) != 0 ||
	    mkdir("bin/shadowed", 0755) != 0 || symlink("/bin/dash", "bin/mysh") != 0)
		return -1;
	write_file("shadowed", "#!/bin/sh\necho shadowed\n", 0755);
	write_file("here-prog", "#!/bin/sh\necho \"here $0 $#\"\n", 0755);
	write_file("noshebang", "echo \"no shebang $0\"\n", 0755);
	write_file("bin/noshebang-p", "echo \"no shebang in PATH $0\"\n", 0755);
	write_file("plain.txt", "#!/bin/sh\necho plain\n", 0644);
	write_file("badinterp", "#!/nonexistent-hp/interp\necho bad\n", 0755);
	snprintf(env_path, sizeof(env_path), "PATH=/nonexistent-hp:bin::/usr/bin:/bin");
	snprintf(env_pwd, sizeof(env_pwd), "PWD=%s", tmpdir);
	char *plain[] = { env_path, env_pwd, "HOME=/", "LC_ALL=C", "HOTPLAN_T=a b\nc", NULL };
	memcpy(env_plain, plain, sizeof(plain));
	memcpy(env_off, plain, sizeof(plain));
	env_off[5] = "HOTPLAN_LOCAL_SHELL=always";
	env_off[6] = NULL;
	saved_environ = environ;
	environ = env_plain;
	g_abort = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	environ = saved_environ;
	if (saved_cwd >= 0) {
		if (fchdir(saved_cwd) != 0)
			return -1;
		close(saved_cwd);
		saved_cwd = -1;
	}
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("open %s: %s", path, strerror(errno));
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	assert_int_equal(fclose(f), 0);
	buf[n] = '\0';
	char *s = strdup(buf);
	assert_non_null(s);
	return s;
}

static void assert_no_children(void)
{
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

/* The started hook: the command's first process's name, into ud (char[32]). */
static void note_comm(void *ud, long pgid)
{
	char path[64], *out = ud;
	snprintf(path, sizeof(path), "/proc/%ld/comm", pgid);
	out[0] = '\0';
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, out, 31);
	close(fd);
	out[n > 0 ? n : 0] = '\0';
	char *nl = strchr(out, '\n');
	if (nl != NULL)
		*nl = '\0';
}

/* A transport: one that may leave sh out, or (shell_only) one made with
 * HOTPLAN_LOCAL_SHELL=always in the environment, which the command does not get. */
static struct transport *local_mode(bool shell_only)
{
	char err[256];
	char **env = environ;
	if (shell_only)
		environ = env_off;
	struct transport *t = transport_local_new(&g_node, &g_abort, err, sizeof(err));
	environ = env;
	if (t == NULL)
		fail_msg("%s", err);
	return t;
}

struct way {
	int rc;
	struct transport_result r;
	char comm[32];
	char *capture;
	char err[256];
};

static void run_way(bool shell_only, const char *line, long long timeout_ns, struct way *w)
{
	char cap[64];
	snprintf(cap, sizeof(cap), "cap-%d-%s", ncase, shell_only ? "sh" : "direct");
	struct transport *t = local_mode(shell_only);
	struct transport_cmd c = { line, timeout_ns, cap, "case", note_comm, w->comm };
	w->comm[0] = w->err[0] = '\0';
	w->rc = transport_run(t, &c, &w->r, w->err, sizeof(w->err));
	transport_close(t);
	w->capture = slurp(cap);
	assert_no_children();
}

/* The lines of s sorted (the environment's order is dash's own). In place. */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sort_lines(char *s)
{
	char *lines[256] = { NULL }, *copy = strdup(s);
	size_t n = 0, len = strlen(s), at = 0;
	assert_non_null(copy);
	for (char *p = copy, *nl; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		assert_non_null(nl); /* every line ends with one */
		*nl = '\0';
		assert_true(n < 256);
		lines[n++] = p;
	}
	qsort(lines, n, sizeof(lines[0]), cmp_str);
	for (size_t i = 0; i < n; i++)
		at += (size_t)snprintf(s + at, len + 1 - at, "%s\n", lines[i]);
	assert_int_equal(at, len);
	free(copy);
}

/* Run `line` both ways: the same result; the direct way's first process named `comm` ("sh":
 * the line went to the shell). The direct way's result in *out when out is not NULL. */
static void both(const char *line, const char *comm, bool sorted, struct transport_result *out)
{
	struct way d, s;
	ncase++;
	run_way(false, line, 20 * SEC, &d);
	run_way(true, line, 20 * SEC, &s);
	if (sorted) {
		sort_lines(d.r.tail);
		sort_lines(s.r.tail);
		sort_lines(d.capture);
		sort_lines(s.capture);
	}
	if (d.rc != s.rc || d.r.status != s.r.status || d.r.signal != s.r.signal || d.r.timed_out != s.r.timed_out ||
	    strcmp(d.r.tail, s.r.tail) != 0 || strcmp(d.capture, s.capture) != 0)
		fail_msg("%s: direct rc %d status %d signal %d tail [%s] capture [%s] (%s); "
			 "through sh rc %d status %d signal %d tail [%s] capture [%s] (%s)",
			 line, d.rc, d.r.status, d.r.signal, d.r.tail, d.capture, d.err, s.rc, s.r.status, s.r.signal,
			 s.r.tail, s.capture, s.err);
	assert_string_equal(s.comm, "sh");
	if (strcmp(d.comm, comm) != 0)
		fail_msg("%s: the direct way started %s, expected %s", line, d.comm, comm);
	if (out != NULL)
		*out = d.r;
	free(d.capture);
	free(s.capture);
}

/* ---- tests ---- */

/* Programs the shell would exec: run without it, the same status and output. */
static void test_direct_programs(void **state)
{
	struct transport_result r;
	char want[64];
	(void)state;
	both("'/bin/echo' 'a  b' c", "echo", false, &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.tail, "a  b c\n");
	/* the program's parent is the runner: no shell between */
	struct way w;
	ncase++;
	run_way(false, "mysh -c 'echo $PPID; exit 3'", 20 * SEC, &w);
	snprintf(want, sizeof(want), "%ld\n", (long)getpid());
	assert_int_equal(w.r.status, 3);
	assert_string_equal(w.r.tail, want);
	assert_string_equal(w.comm, "mysh");
	free(w.capture);
	/* found by PATH's relative entry, argv[0] as written; exit status */
	both("mysh -c 'echo $0 $#; exit 3'", "mysh", false, &r);
	assert_int_equal(r.status, 3);
	assert_string_equal(r.tail, "mysh 0\n");
	/* by its empty entry (the current directory): a "#!" script */
	both("here-prog 1 2", "here-prog", false, &r);
	assert_string_equal(r.tail, "here here-prog 2\n");
	/* stdin /dev/null, output and errors into the capture */
	both("mysh -c 'readlink /proc/$$/fd/0; echo err >&2'", "mysh", false, &r);
	assert_string_equal(r.tail, "/dev/null\nerr\n");
	/* the environment: the same variables (dash passes them in its own order) */
	both("env", "env", true, &r);
	assert_non_null(strstr(r.tail, "HOTPLAN_T=a b\n"));
	assert_null(strstr(r.tail, "HOTPLAN_LOCAL_SHELL"));
}

/* Lines the shell must run: through it, the same either way. */
static void test_direct_shell_lines(void **state)
{
	struct transport_result r;
	(void)state;
	both("true", "sh", false, &r);
	assert_int_equal(r.status, 0);
	both("echo x", "sh", false, &r);
	assert_string_equal(r.tail, "x\n");
	both("echo $HOTPLAN_T | wc -l", "sh", false, &r);
	assert_string_equal(r.tail, "1\n"); /* split: one line */
	both("for", "sh", false, &r);
	assert_int_equal(r.status, 2);
	both("''", "sh", false, &r);
	assert_int_equal(r.status, 127);
	both("A=1 env", "sh", true, &r);
	assert_non_null(strstr(r.tail, "A=1\n"));
	both("./noshebang", "sh", false, &r);
	assert_string_equal(r.tail, "no shebang ./noshebang\n");
	both("noshebang-p", "sh", false, &r);
	assert_int_equal(r.status, 0);
	both("/nonexistent-hp/prog", "sh", false, &r);
	assert_int_equal(r.status, 127);
	both("no-such-prog-hp", "sh", false, &r);
	assert_int_equal(r.status, 127);
	both("./plain.txt", "sh", false, &r);
	assert_int_equal(r.status, 126);
	both("./dir", "sh", false, &r);
	assert_int_equal(r.status, 126);
	/* the first "shadowed" on PATH is a directory (bin/shadowed): sh looks further, and
	 * finds the script in the current directory (the empty entry) */
	both("shadowed", "sh", false, &r);
	assert_string_equal(r.tail, "shadowed\n");
	both("nodir-hp", "sh", false, &r);
	assert_int_equal(r.status, 127);
	/* a "#!" whose interpreter is missing: the exec fails, sh runs the line and says why */
	both("./badinterp", "sh", false, &r);
	assert_int_equal(r.status, 127);
}

/* A program that dies of a signal it sent itself: 128+N, and dash's line, either way. */
static void test_direct_signals(void **state)
{
	struct transport_result r;
	(void)state;
	both("mysh -c 'echo out; kill -KILL $$'", "mysh", false, &r);
	assert_int_equal(r.status, 137);
	assert_int_equal(r.signal, 0);
	assert_string_equal(r.tail, "out\nKilled\n");
	both("mysh -c 'kill -TERM $$'", "mysh", false, &r);
	assert_int_equal(r.status, 143);
	assert_string_equal(r.tail, "Terminated\n");
	both("mysh -c 'kill -PIPE $$'", "mysh", false, &r);
	assert_int_equal(r.status, 141);
	assert_string_equal(r.tail, "");
	both("mysh -c 'kill -INT $$'", "mysh", false, &r);
	assert_int_equal(r.status, 130);
	assert_string_equal(r.tail, "");
}

/* Environments dash would not pass on as they are: the shell runs the line. */
static void test_direct_environments(void **state)
{
	struct transport_result r;
	char *env[9];
	(void)state;
	const char *extra[] = { "PPID=1", "IFS=x", "OPTIND=1", "a-b=1", "BASH_FUNC_f%%=() { :; }", "PWD=/", "HOME=/x" };
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		memcpy(env, env_plain, sizeof(env_plain));
		env[5] = (char *)extra[i];
		env[6] = NULL;
		if (strncmp(extra[i], "PWD=", 4) == 0) /* instead of the right one */
			env[1] = (char *)extra[i], env[5] = NULL;
		environ = env;
		both("env", "sh", true, &r);
		environ = env_plain;
	}
}

/* The timeout kills the program and says so, as before. */
static void test_direct_timeout(void **state)
{
	struct way w;
	(void)state;
	ncase++;
	run_way(false, "sleep 100", 300 * MS, &w);
	assert_int_equal(w.rc, 0);
	assert_string_equal(w.comm, "sleep");
	assert_true(w.r.timed_out);
	assert_int_equal(w.r.status, -1);
	assert_int_equal(w.r.signal, SIGTERM);
	assert_string_equal(w.r.tail, "");
	assert_string_equal(w.capture, "==== case ====\n[hotplan: timed out after 0.3s: process group killed]\n");
	free(w.capture);
}

/* proc_run_path: argv[0] apart from the path; PROC_EXEC_SOFT leaves the capture as it was. */
static void test_proc_run_path(void **state)
{
	struct transport_result r;
	char err[256];
	struct transport_cmd c = { "x", 10 * SEC, "soft.out", "soft", NULL, NULL };
	const char *argv[] = { "any-name", "-c", "echo $0", NULL };
	(void)state;
	write_file("soft.out", "before\n", 0600);
	assert_int_equal(proc_run_path("/bin/sh", argv, NULL, 0, 0, &c, NULL, &r, err, sizeof(err)), 0);
	assert_string_equal(r.tail, "any-name\n");
	char *text = slurp("soft.out");
	assert_string_equal(text, "before\n==== soft ====\nany-name\n");
	free(text);
	assert_int_equal(proc_run_path("./badinterp", argv, NULL, 0, PROC_EXEC_SOFT, &c, NULL, &r, err, sizeof(err)), 1);
	assert_int_equal(r.status, -1);
	text = slurp("soft.out");
	assert_string_equal(text, "before\n==== soft ====\nany-name\n");
	free(text);
	assert_int_equal(proc_run_path("./badinterp", argv, NULL, 0, 0, &c, NULL, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "exec ./badinterp: No such file or directory");
	assert_no_children();
}

int main(void)
{
	char real[4096];
	/* another /bin/sh gets every line (transport_local.c): nothing to compare here */
	if (realpath("/bin/sh", real) == NULL || strcmp(strrchr(real, '/'), "/dash") != 0 ||
	    access("/bin/dash", X_OK) != 0) {
		printf("SKIP: /bin/sh is not dash\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_direct_programs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_direct_shell_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_direct_signals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_direct_environments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_direct_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proc_run_path, setup, teardown),
	};
	return cmocka_run_group_tests_name("local_direct", tests, NULL, NULL);
}
