/* transport.h: running a command on a node: `local:` (fork/exec on this machine) and
 * `ssh://user@host[:port]` (the system OpenSSH client, batch mode, strict host-key checking,
 * one multiplexed connection per node). A transport belongs to the run that opened it and is
 * closed with transport_close.
 *
 * A command is a line for the node's shell (/bin/sh -c; the profile quotes every value it
 * inserts): nothing here interprets it. Output (stdout and stderr, interleaved) is appended
 * to a capture file beside the journal; the last lines come back for messages. */
#ifndef HP_TRANSPORT_H
#define HP_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "target.h"

struct transport_cmd {
	const char *line;            /* the command line for the node's /bin/sh -c */
	long long timeout_ns;        /* 0: none; on expiry the whole process group is killed */
	const char *capture_path;    /* output appended here (created 0600); NULL: discarded */
	const char *label;           /* written as a header into the capture file: "step/action node" */
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
	char tail[TRANSPORT_TAIL];   /* the last lines of its output (control characters kept: escape
				      * them before showing them on a terminal) */
	double seconds;
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

/* local: fork/exec of /bin/sh -c LINE in its own process group. */
struct transport *transport_local_new(const struct rt_node *node, volatile int *abort, char *err, size_t errlen);

/* ssh://: the system ssh client with -o BatchMode=yes -o StrictHostKeyChecking=yes, a
 * ControlMaster socket in `control_dir` (a private 0700 directory the caller made, one per
 * run: closing sends `ssh -O exit`, which ends the master and any session on it; at most 49
 * bytes long, for the socket's path), the command line quoted once for the remote shell.
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
