/* transport_ssh.c: `ssh://user@host[:port]` nodes through the system OpenSSH client, one
 * multiplexed connection (ControlMaster) per node, through proc.c like local:. Design notes:
 * docs/transports.md, "ssh://".
 *
 * The remote side gets ONE fixed word list for its login shell: `exec /bin/sh -c WRAPPER`,
 * WRAPPER quoted by shell_quote, whatever the login shell (any POSIX one). The command line is
 * never in it (nor in the ssh client's argv): it comes on the session's stdin, framed
 * (transport_frame). WRAPPER reads the frame, hands it to a fresh `/bin/sh -c
 * TRANSPORT_READER` through a pipe, which runs LINE with stdin from /dev/null, and then
 * watches the session's stdin, which our end holds open (PROC_STDIN_HOLD) and never writes
 * to again: when it closes before LINE ends (we killed ssh at a timeout or an abort, or the
 * connection died), it kills the remote process group, SIGTERM then SIGKILL 2 s later.
 * Without it a killed ssh would leave the remote command running: sshd does not signal a
 * session that has no terminal, and a terminal (-t) would change what commands do. */
#define _GNU_SOURCE /* strtok_r, strdup */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "proc.h"

#define SSH_CLIENT "/usr/bin/ssh"
#define SSH_CONTROL_TIMEOUT_NS 10000000000LL /* ssh -O check / exit */
/* sun_path holds 107 bytes; ssh binds DIR/%C (40 hex digits) + ".%016llx" then renames it */
#define SSH_CONTROL_DIR_MAX (107 - 1 - 40 - 17)
#define SSH_FIXED_ARGS 32

static const char ssh_wrapper[] =
	"hotplan_r=; while IFS= read -r hotplan_l; do hotplan_r=\"$hotplan_r$hotplan_l\n\"; "
	"case $hotplan_l in \"|\"*) ;; *) break;; esac; done; "
	"exec 3<&0 </dev/null; "
	"printf %s \"$hotplan_r\" | /bin/sh -c '" TRANSPORT_READER "' 3<&- & c=$!; "
	"unset hotplan_r hotplan_l; "
	"{ while read -r _ <&3; do :; done; trap '' TERM; kill -TERM 0; sleep 2; kill -KILL 0; } "
	">/dev/null 2>&1 & w=$!; "
	"exec 3<&-; wait \"$c\"; s=$?; kill \"$w\" 2>/dev/null; exit \"$s\"";

struct ssh_transport {
	struct transport base;
	char *control_path;                 /* "ControlPath=DIR/%C", % in DIR doubled */
	char *extra_buf;                    /* HOTPLAN_SSH_OPTIONS, split in place */
	char **extra;
	unsigned nextra;
	char port[16];
	char dest[300];                     /* user@host:port, for messages */
	bool used;                          /* a command ran: a master may be up */
};


/* The ssh argv: options, then `-O op` or nothing, then -- HOST and the remote command (if
 * any). argv has room for SSH_FIXED_ARGS + nextra words. */
static void ssh_argv(const struct ssh_transport *s, const char **argv, const char *op, const char *remote)
{
	const struct rt_node *node = s->base.node;
	unsigned n = 0;
	static const char *const fixed[] = {
		SSH_CLIENT,
		"-o", "BatchMode=yes",
		"-o", "StrictHostKeyChecking=yes",
		"-o", "ControlMaster=auto",
		"-o", "ControlPersist=60",
		"-o", "ConnectTimeout=10",
		"-o", "ServerAliveInterval=15",
		"-o", "ServerAliveCountMax=4",
		"-T", "-a", "-x",
	};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		argv[n++] = fixed[i];
	argv[n++] = "-o";
	argv[n++] = s->control_path;
	if (node->port > 0) {
		argv[n++] = "-p";
		argv[n++] = s->port;
	}
	if (node->user != NULL) {
		argv[n++] = "-l";
		argv[n++] = node->user;
	}
	for (unsigned i = 0; i < s->nextra; i++)
		argv[n++] = s->extra[i];
	if (op != NULL) {
		argv[n++] = "-O";
		argv[n++] = op;
	}
	argv[n++] = "--";
	argv[n++] = node->host;
	if (remote != NULL)
		argv[n++] = remote;
	argv[n] = NULL;
}

/* `ssh -O op`: 0 when ssh said yes (exit 0). */
static int ssh_control(struct ssh_transport *s, const char *op)
{
	const char **argv = calloc(SSH_FIXED_ARGS + s->nextra, sizeof(*argv));
	struct transport_result *r = malloc(sizeof(*r));
	struct transport_cmd c = { .line = op, .timeout_ns = SSH_CONTROL_TIMEOUT_NS };
	char err[256];
	int ret = -1;
	if (argv == NULL || r == NULL)
		goto out;
	ssh_argv(s, argv, op, NULL);
	if (proc_run(argv, NULL, 0, 0, &c, NULL, r, err, sizeof(err)) == 0 && r->status == 0)
		ret = 0;
out:
	free(r);
	free(argv);
	return ret;
}

/* The last non-empty line of `tail`, without its newline, into out. */
static void last_line(const char *tail, char *out, size_t outlen)
{
	size_t end = strlen(tail);
	while (end > 0 && (tail[end - 1] == '\n' || tail[end - 1] == '\r'))
		end--;
	size_t start = end;
	while (start > 0 && tail[start - 1] != '\n')
		start--;
	snprintf(out, outlen, "%.*s", (int)(end - start), tail + start);
	for (char *p = out; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

static int ssh_run(struct transport *t, const struct transport_cmd *c, struct transport_result *r, char *err,
		   size_t errlen)
{
	struct ssh_transport *s = (struct ssh_transport *)t;
	const char **argv = NULL;
	char *remote = NULL, *in = NULL;
	size_t inlen = 0;
	int ret = -1;

	if (c->line == NULL)
		return util_err(err, errlen, "ssh: no command line");
	/* exec /bin/sh -c 'WRAPPER', the line framed on stdin */
	size_t size = sizeof("exec /bin/sh -c ") + 4 * sizeof(ssh_wrapper) + 3;
	remote = malloc(size);
	argv = calloc(SSH_FIXED_ARGS + s->nextra, sizeof(*argv));
	in = transport_frame(c->line, &inlen);
	if (remote == NULL || argv == NULL || in == NULL) {
		util_err(err, errlen, "ssh: out of memory");
		goto out;
	}
	int n = snprintf(remote, size, "exec /bin/sh -c ");
	if (shell_quote(ssh_wrapper, remote + n, size - (size_t)n) < 0) {
		util_err(err, errlen, "ssh: command too long");
		goto out;
	}
	ssh_argv(s, argv, NULL, remote);
	s->used = true;
	ret = proc_run(argv, in, inlen, PROC_STDIN_HOLD, c, t->abort, r, err, errlen);
	if (ret == 0 && r->status == 255 && !r->timed_out && !r->interrupted && ssh_control(s, "check") < 0) {
		/* 255 is ssh's own failure, or the remote command's exit 255: with no master up, it
		 * was ssh's (the command may or may not have started) */
		char why[200];
		last_line(r->tail, why, sizeof(why));
		ret = util_err(err, errlen, "ssh %s: connection failed (exit 255)%s%s", s->dest, why[0] ? ": " : "", why);
	}
out:
	free(in);
	free(remote);
	free(argv);
	return ret;
}

static void ssh_close(struct transport *t)
{
	struct ssh_transport *s = (struct ssh_transport *)t;
	if (s->used)
		(void)ssh_control(s, "exit"); /* no master (it never connected, or it timed out): fine */
	free(s->control_path);
	free(s->extra_buf);
	free(s->extra);
	free(s);
}

static const struct transport_ops ssh_ops = { ssh_run, ssh_close };

/* A host or user name that ssh cannot take for an option and that holds no space or control
 * character (target.c allows less; this is the transport's own guard). */
static bool ssh_word_ok(const char *w)
{
	if (w == NULL || w[0] == '\0' || w[0] == '-')
		return false;
	for (const unsigned char *p = (const unsigned char *)w; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return false;
	return true;
}

struct transport *transport_ssh_new(const struct rt_node *node, const char *control_dir, volatile int *abort,
				    char *err, size_t errlen)
{
	struct ssh_transport *s = NULL;

	if (!ssh_word_ok(node->host)) {
		util_err(err, errlen, "ssh: bad host name '%s'", node->host != NULL ? node->host : "");
		return NULL;
	}
	if (node->user != NULL && !ssh_word_ok(node->user)) {
		util_err(err, errlen, "ssh: bad user name '%s'", node->user);
		return NULL;
	}
	if (node->port < 0 || node->port > 65535) {
		util_err(err, errlen, "ssh: bad port %d", node->port);
		return NULL;
	}
	if (control_dir == NULL || control_dir[0] == '\0') {
		util_err(err, errlen, "ssh: no control directory");
		return NULL;
	}
	if (strlen(control_dir) > SSH_CONTROL_DIR_MAX) {
		util_err(err, errlen, "ssh: control directory %s is too long for a socket path (at most %d bytes)",
		     control_dir, SSH_CONTROL_DIR_MAX);
		return NULL;
	}
	if (access(SSH_CLIENT, X_OK) < 0) {
		util_err(err, errlen, "ssh: %s: %s", SSH_CLIENT, strerror(errno));
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		goto nomem;
	s->base.ops = &ssh_ops;
	s->base.node = node;
	s->base.abort = abort;
	snprintf(s->port, sizeof(s->port), "%d", node->port);
	snprintf(s->dest, sizeof(s->dest), "%s%s%s%s%s", node->user != NULL ? node->user : "",
		 node->user != NULL ? "@" : "", node->host, node->port > 0 ? ":" : "", node->port > 0 ? s->port : "");

	/* ControlPath=DIR/%C with a % in DIR written %% (ssh expands % tokens) */
	size_t len = strlen("ControlPath=") + 2 * strlen(control_dir) + sizeof("/%C");
	s->control_path = malloc(len);
	if (s->control_path == NULL)
		goto nomem;
	char *p = s->control_path + sprintf(s->control_path, "ControlPath=");
	for (const char *q = control_dir; *q != '\0'; q++) {
		if (*q == '%')
			*p++ = '%';
		*p++ = *q;
	}
	memcpy(p, "/%C", sizeof("/%C"));

	const char *opts = getenv("HOTPLAN_SSH_OPTIONS");
	if (opts != NULL && opts[0] != '\0') {
		s->extra_buf = strdup(opts);
		s->extra = calloc(strlen(opts) / 2 + 1, sizeof(*s->extra));
		if (s->extra_buf == NULL || s->extra == NULL)
			goto nomem;
		char *save = NULL;
		for (char *w = strtok_r(s->extra_buf, " \t\n", &save); w != NULL; w = strtok_r(NULL, " \t\n", &save))
			s->extra[s->nextra++] = w;
	}
	return &s->base;

nomem:
	util_err(err, errlen, "ssh: out of memory");
	if (s != NULL)
		ssh_close(&s->base);
	return NULL;
}
