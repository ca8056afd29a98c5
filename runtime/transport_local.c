/* transport_local.c: `local:` nodes: LINE run by /bin/sh on this machine, through proc.c (own
 * process group, capture, tail, timeout and abort). The line reaches the shell on its stdin
 * (transport_frame), never in argv: /proc/PID/cmdline is readable by every local user, and a
 * line may carry a secret param's value. */
#include <stdio.h>
#include <stdlib.h>

#include "proc.h"

#define LOCAL_SHELL "/bin/sh"

static int local_run(struct transport *t, const struct transport_cmd *c, struct transport_result *r,
		     char *err, size_t errlen)
{
	const char *argv[] = { LOCAL_SHELL, "-c", TRANSPORT_READER, NULL };
	size_t len;
	if (c->line == NULL) {
		snprintf(err, errlen, "local: no command line");
		return -1;
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

struct transport *transport_local_new(const struct rt_node *node, volatile int *abort, char *err, size_t errlen)
{
	struct transport *t = calloc(1, sizeof(*t));
	if (t == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "local transport: out of memory");
		return NULL;
	}
	t->ops = &local_ops;
	t->node = node;
	t->abort = abort;
	return t;
}
