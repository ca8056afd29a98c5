/* transport.h: running a command on a node: `local:` (fork/exec on this machine) and
 * `ssh://user@host[:port]` (the system OpenSSH client, batch mode, strict host-key checking,
 * one multiplexed connection per node). A transport belongs to the run that opened it and is
 * closed with transport_close.
 *
 * A command is a line for the node's shell (/bin/sh; the profile quotes every value it
 * inserts): nothing here interprets it, but for local: telling a literal line that the shell
 * would only exec (transport_local.c). The line never travels in an argument vector, where
 * every local user could read it in /proc/PID/cmdline (a secret param's value is in it): the
 * node's /bin/sh reads it from its standard input (transport_frame, TRANSPORT_READER); a
 * literal line run without the shell has its words in the program's argv, as the shell
 * would have put them there (docs/transports.md, "local:"). Output
 * (stdout and stderr, interleaved) is appended to a capture file beside the journal, its
 * first and last PROC_CAPTURE_HEAD and PROC_CAPTURE_TAIL bytes (proc.h); the last lines come
 * back for messages. */
#ifndef HP_TRANSPORT_H
#define HP_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "target.h"

struct transport_cmd {
	const char *line;            /* the command line for the node's /bin/sh */
	long long timeout_ns;        /* 0: none; on expiry the whole process group is killed */
	const char *capture_path;    /* output appended here (created 0600); NULL: discarded */
	const char *label;           /* written as a header into the capture file: "step/action node"
				      * (escaped there: a newline in it cannot start a line) */
	/* NULL, or called in the runner (from the thread that runs the command) once the child
	 * runs, with its process group (the child's pid; ssh://: the local ssh client's), before
	 * it is waited for: the journal records it (docs/journal.md, "Commands that outlive
	 * their runner") */
	void (*started)(void *ud, long pgid);
	void *started_ud;
};

#define TRANSPORT_TAIL 2048

struct transport_result {
	int status;                  /* the command's exit status (0..255), or -1 when it did not end */
	bool timed_out;              /* killed at the timeout */
	bool interrupted;            /* killed because the run was aborted */
	int signal;                  /* the signal that ended it, or 0 */
	long long timeout_ns;        /* the command's timeout (transport_cmd.timeout_ns): what a
				      * message says a timed-out command was given ("timed out after
				      * 1s"), not `seconds`, which counts the kill and its grace too */
	char tail[TRANSPORT_TAIL];   /* the last lines of its output (control characters kept: escape
				      * them before showing them on a terminal) */
	double seconds;              /* from its start until it was reaped */
};

struct transport;

struct transport_ops {
	/* Run one command; 0 when it ran (whatever its status: see r), -1 when it could not be
	 * run at all (fork failed, ssh could not connect: err says why) or, for ssh://, the
	 * connection failed while it ran (ssh's exit 255 with no master left: the command may
	 * have started). r is filled in either way (r->tail has ssh's own message). */
	int (*run)(struct transport *t, const struct transport_cmd *c, struct transport_result *r,
		   char *err, size_t errlen);
	void (*close)(struct transport *t);
};

struct transport {
	const struct transport_ops *ops;
	const struct rt_node *node;
	volatile int *abort;         /* when it becomes >= 2, kill the running command */
};

static inline int transport_run(struct transport *t, const struct transport_cmd *c, struct transport_result *r,
				char *err, size_t errlen)
{
	return t->ops->run(t, c, r, err, errlen);
}

static inline void transport_close(struct transport *t)
{
	if (t != NULL)
		t->ops->close(t);
}

/* The program /bin/sh runs (`/bin/sh -c TRANSPORT_READER`, stdin a pipe) to take a command
 * line framed by transport_frame from its standard input and run it: it reads the frame to its
 * end mark, takes stdin from /dev/null, then evals the line, so the line means what it means
 * to `/bin/sh -c LINE` ($0 is the shell's name, no positional parameter; its own variables are
 * unset before the line runs). A frame cut short (no end mark: the runner or the connection
 * died while sending it) runs nothing and exits 125. No single quote in it: it is put inside
 * '…' as it is. */
#define TRANSPORT_READER                                                                   \
	"hotplan_s= hotplan_e=1; "                                                         \
	"while IFS= read -r hotplan_l; do case $hotplan_l in "                             \
	"\"|\"*) hotplan_s=\"$hotplan_s${hotplan_l#?}\n\";; "                           \
	".) hotplan_e=0; break;; *) break;; esac; done; "                                  \
	"if [ \"$hotplan_e\" != 0 ]; then "                                                \
	"echo \"hotplan: the command line did not arrive whole\" >&2; exit 125; fi; "       \
	"exec </dev/null; eval \"unset hotplan_s hotplan_l hotplan_e; $hotplan_s\""

/* `line` framed for TRANSPORT_READER: each of its lines after a '|', each ended by a newline,
 * then the line "." (a newline that ends `line` adds no empty line). malloc'd (the caller
 * frees it), its length in *len; NULL when memory runs out. */
char *transport_frame(const char *line, size_t *len);

/* local: /bin/sh -c TRANSPORT_READER in its own process group, the line on its stdin; or,
 * for a literal line whose program /bin/sh (dash) would exec, that program with the line's
 * words, unless HOTPLAN_LOCAL_SHELL is "always" (read here) (docs/transports.md, "local:"). */
struct transport *transport_local_new(const struct rt_node *node, volatile int *abort, char *err, size_t errlen);

/* ssh://: the system ssh client with -o BatchMode=yes -o StrictHostKeyChecking=yes, a
 * ControlMaster socket in `control_dir` (a private 0700 directory the caller made, one per
 * run: closing sends `ssh -O exit`, which ends the master and any session on it; at most 49
 * bytes long, for the socket's path), the command line framed on the session's stdin for a
 * fixed remote program (docs/transports.md, "ssh://").
 * Extra ssh options (for tests: a key, a known_hosts file) come from HOTPLAN_SSH_OPTIONS
 * (whitespace-separated words, read here) or the ssh config. The connection is opened on
 * the first run and closed with the transport. A timeout or an abort also kills the remote
 * command (docs/transports.md). NULL with err on a bad host, user, port or directory. */
struct transport *transport_ssh_new(const struct rt_node *node, const char *control_dir, volatile int *abort,
				    char *err, size_t errlen);

/* Quote `s` as one word for a POSIX shell ('…' with ' written as '\''), written to out
 * (from out[0], NUL-terminated; 4 * strlen(s) + 3 bytes are always enough). Returns the
 * length written (excluding the NUL), or -1 (out set to "") when out is too small. */
int shell_quote(const char *s, char *out, size_t outlen);

#endif
