/* transport_local.c: `local:` nodes: LINE run on this machine through proc.c (own process
 * group, capture, tail, timeout and abort). Any line may go to /bin/sh, which gets it on its
 * stdin (transport_frame), never in argv: /proc/PID/cmdline is readable by every local user,
 * and a line may carry a secret param's value. A literal line (shell_words.h) that names a
 * program /bin/sh would exec, in an environment dash would pass on as it is, runs without the
 * shell: that program, with the line's words for argv, which is what sh would exec (so nothing
 * more is in any argv than with sh). docs/transports.md, "local:". */
#define _GNU_SOURCE /* strchrnul, environ, AT_EACCESS */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc.h"
#include "shell_words.h"

extern char **environ; /* NOLINT(readability-redundant-declaration): POSIX has the application declare it */

#define LOCAL_SHELL "/bin/sh"
#define LOCAL_SHELL_ENV "HOTPLAN_LOCAL_SHELL" /* "always": every line through /bin/sh */

struct local {
	struct transport t;          /* first: a struct transport * of ours is a struct local * */
	bool shell_only;             /* every line through /bin/sh: asked for, /bin/sh is not dash, or
				      * dash would change the environment (read once, when opened:
				      * a run changes neither its environment nor its directory) */
};

/* First words that the shell does not look up in PATH, or not only there: the reserved words
 * and builtins of dash and bash (`compgen -b -k`) and POSIX's. Such a line goes to sh. */
static const char *const sh_own[] = {
	"!", ".", ":", "[", "[[", "]]", "{", "}", "alias", "bg", "bind", "break", "builtin", "caller",
	"case", "cd", "chdir", "command", "compgen", "complete", "compopt", "continue", "coproc",
	"declare", "dirs", "disown", "do", "done", "echo", "elif", "else", "enable", "esac", "eval",
	"exec", "exit", "export", "false", "fc", "fg", "fi", "for", "function", "getopts", "hash",
	"help", "history", "if", "in", "jobs", "kill", "let", "local", "logout", "mapfile", "popd",
	"printf", "pushd", "pwd", "read", "readarray", "readonly", "return", "select", "set",
	"shift", "shopt", "source", "suspend", "test", "then", "time", "times", "trap", "true",
	"type", "typeset", "ulimit", "umask", "unalias", "unset", "until", "wait", "while",
};

static bool sh_own_word(const char *w)
{
	for (size_t i = 0; i < sizeof(sh_own) / sizeof(sh_own[0]); i++)
		if (strcmp(w, sh_own[i]) == 0)
			return true;
	return false;
}

/* A name dash keeps in its environment: [A-Za-z_][A-Za-z0-9_]* */
static bool env_name(const char *s, size_t n)
{
	if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

/* Would dash hand the program this environment as it is (in another order: its own)? Not when
 * an entry has no '=' or a name that is no shell name (dropped; bash's exported functions,
 * BASH_FUNC_f%%, among them), a name comes twice (one kept), PPID, OPTIND or IFS is set (dash
 * sets them itself), or PWD does not name the current directory (dash sets it to getcwd()). */
static bool env_as_dash(void)
{
	const char *pwd = NULL;
	for (char **e = environ; *e != NULL; e++) {
		const char *eq = strchr(*e, '=');
		if (eq == NULL || !env_name(*e, (size_t)(eq - *e)))
			return false;
		size_t n = (size_t)(eq - *e) + 1;
		if (strncmp(*e, "PPID=", n) == 0 || strncmp(*e, "OPTIND=", n) == 0 || strncmp(*e, "IFS=", n) == 0)
			return false;
		if (strncmp(*e, "PWD=", n) == 0)
			pwd = eq + 1;
		for (char **f = environ; f != e; f++)
			if (strncmp(*f, *e, n) == 0)
				return false;
	}
	struct stat a, b;
	return pwd != NULL && pwd[0] == '/' && stat(pwd, &a) == 0 && stat(".", &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* A regular file that this process may execute and that the kernel runs itself: "#!" or
 * ELF's magic in its first bytes (sh would run any other as a script). */
static bool runnable(const char *path, const struct stat *st)
{
	unsigned char head[4];
	if (!S_ISREG(st->st_mode) || faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) != 0)
		return false;
	int fd;
	do
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return false;
	ssize_t n;
	do
		n = read(fd, head, sizeof(head));
	while (n < 0 && errno == EINTR);
	(void)close(fd);
	return (n >= 2 && head[0] == '#' && head[1] == '!') || (n == 4 && memcmp(head, "\177ELF", 4) == 0);
}

/* The file sh would exec for command name `name`: name itself when it has a '/'; else the
 * first PATH entry (an empty one: the current directory) that holds a `name`. malloc'd; NULL
 * when that is not a file runnable() accepts, or when sh would look further or elsewhere (the
 * first one found is not executable or not a file; PATH unset, or with dash's '%'). */
static char *program_path(const char *name)
{
	struct stat st;
	if (strchr(name, '/') != NULL)
		return stat(name, &st) == 0 && runnable(name, &st) ? strdup(name) : NULL;
	const char *path = getenv("PATH");
	if (path == NULL || strchr(path, '%') != NULL)
		return NULL;
	size_t nlen = strlen(name);
	for (const char *p = path;;) {
		const char *end = strchrnul(p, ':');
		size_t dlen = (size_t)(end - p);
		char *full = malloc(dlen + nlen + 2);
		if (full == NULL)
			return NULL;
		memcpy(full, p, dlen);
		if (dlen > 0)
			full[dlen++] = '/';
		memcpy(full + dlen, name, nlen + 1);
		if (stat(full, &st) == 0) {
			if (runnable(full, &st))
				return full;
			free(full);
			return NULL;
		}
		int e = errno;
		free(full);
		if ((e != ENOENT && e != ENOTDIR) || *end == '\0')
			return NULL;
		p = end + 1;
	}
}

/* The words of `line` and the program to exec, when sh would do nothing but exec it with
 * them; NULL (and *path NULL) when the line must go to sh. Both malloc'd. */
static char **direct_words(const char *line, char **path)
{
	size_t n;
	*path = NULL;
	char **w = shell_words_literal(line, &n);
	if (w == NULL)
		return NULL;
	if (w[0][0] != '\0' && strchr(w[0], '=') == NULL && !sh_own_word(w[0]))
		*path = program_path(w[0]);
	if (*path == NULL) {
		free(w);
		return NULL;
	}
	return w;
}

/* The line without the shell: 1 when the program could not be run that way (sh must). */
static int run_direct(struct local *l, const struct transport_cmd *c, struct transport_result *r, char *err,
		      size_t errlen)
{
	char *path = NULL;
	char **w = direct_words(c->line, &path);
	if (w == NULL)
		return 1;
	int rc = proc_run_path(path, (const char *const *)w, NULL, 0, PROC_EXEC_SOFT | PROC_SH_STATUS, c, l->t.abort, r,
			       err, errlen);
	free(path);
	free(w);
	if (rc == 1 && errlen > 0)
		err[0] = '\0'; /* the exec's error is the shell's to tell now */
	return rc;
}

static int local_run(struct transport *t, const struct transport_cmd *c, struct transport_result *r,
		     char *err, size_t errlen)
{
	struct local *l = (struct local *)t;
	const char *argv[] = { LOCAL_SHELL, "-c", TRANSPORT_READER, NULL };
	size_t len;
	if (c->line == NULL) {
		snprintf(err, errlen, "local: no command line");
		return -1;
	}
	if (!l->shell_only) {
		int rc = run_direct(l, c, r, err, errlen);
		if (rc != 1)
			return rc;
	}
	char *in = transport_frame(c->line, &len);
	if (in == NULL) {
		snprintf(err, errlen, "local: out of memory");
		return -1;
	}
	int rc = proc_run(argv, in, len, 0, c, t->abort, r, err, errlen);
	free(in);
	return rc;
}

static void local_close(struct transport *t)
{
	free(t);
}

static const struct transport_ops local_ops = { local_run, local_close };

/* Is /bin/sh dash? Another shell passes its commands another environment (bash adds SHLVL and
 * _) or runs some of them itself (busybox's applets): every line goes to it then. */
static bool sh_is_dash(void)
{
	char real[PATH_MAX];
	if (realpath(LOCAL_SHELL, real) == NULL)
		return false;
	const char *base = strrchr(real, '/');
	return base != NULL && strcmp(base + 1, "dash") == 0;
}

struct transport *transport_local_new(const struct rt_node *node, volatile int *abort, char *err, size_t errlen)
{
	struct local *l = calloc(1, sizeof(*l));
	if (l == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "local transport: out of memory");
		return NULL;
	}
	const char *mode = getenv(LOCAL_SHELL_ENV);
	l->t.ops = &local_ops;
	l->t.node = node;
	l->t.abort = abort;
	l->shell_only = (mode != NULL && strcmp(mode, "always") == 0) || !sh_is_dash() || !env_as_dash();
	return &l->t;
}
