/* commands.h: an action of the plan to the profile commands that carry it out, one or more per
 * node (a store action: one per store), each rendered for its node, with the line people see
 * (a secret param's value as ***). The runtime's own actions (wait, verify, pause) have none.
 * Commands and their strings live in the driver's arena. */
#ifndef HP_COMMANDS_H
#define HP_COMMANDS_H

#include <stddef.h>

#include "driver_cmd.h"

/* One command of an action, rendered. */
struct command {
	unsigned node;
	enum profile_key key;                /* PK_COUNT: a declared action's `action NAME` */
	const char *line;                    /* NULL: it could not be rendered (err) */
	const char *shown;                   /* the line for people: a secret param's value as *** */
	const char *err;
	const char *what;                    /* `store "X"` when the action has one command per store */
	long long timeout_ns;
	/* results (act.c) */
	int failed;
	char msg[768];
};

/* The commands of act on `nodes` (its nodes as the guard placed them; 0 for a target-wide
 * action) under b, into *out (arena array). Returns how many, or -1 with msg when the action
 * cannot be placed on a node. A command that cannot be rendered is there with its err. */
int commands_of(struct driver_cmd *d, const struct ast_action *act, const struct model_bind *b, nodeset nodes,
		struct command **out, char *msg, size_t len);

/* An exec string as people see it on a target whose commands the runtime does not render
 * (the simulated one): each `${ROLE}` the node the role is bound to, quoted for sh as a real
 * run quotes it; params stay `${NAME}`. Arena-owned; s itself when it names no role or
 * cannot be rendered. */
const char *commands_exec_roles(struct arena *a, const struct model *m, const struct ast_procedure *proc,
				const struct model_bind *b, const char *s);

/* s for people: every secret param's value as *** (progress.h); arena-owned. NULL: NULL. */
const char *commands_shown(struct driver_cmd *d, const char *s);

#endif
