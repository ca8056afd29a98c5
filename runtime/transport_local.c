/* transport_local.c: `local:` nodes: /bin/sh -c LINE on this machine, through proc.c (own
 * process group, capture, tail, timeout and abort). */
#include <stdio.h>
#include <stdlib.h>

#include "proc.h"

#define LOCAL_SHELL "/bin/sh"

static int local_run(struct transport *t, const struct transport_cmd *c, struct transport_result *r,
		     char *err, size_t errlen)
{
	const char *argv[] = { LOCAL_SHELL, "-c", c->line, NULL };
	if (c->line == NULL) {
		snprintf(err, errlen, "local: no command line");
		return -1;
	}
	return proc_run(argv, 0, c, t->abort, r, err, errlen);
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
