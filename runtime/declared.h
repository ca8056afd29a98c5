/* declared.h: declared actions and declared state (docs/language.md) on a real target, through
 * the profile's `action NAME` and `probe state NAME` (docs/profiles.md, "Declared actions and
 * states"): a call's commands, a condition on declared state asked live, and the declared
 * values of the runtime's live state read again. Commands, answers and messages live in the
 * nodes' (the run's) arena or the caller's buffer. */
#ifndef HP_DECLARED_H
#define HP_DECLARED_H

#include <stddef.h>

#include "commands.h"
#include "model.h"
#include "nodes.h"

/* The commands of declared action call `act` under b into *out (arena array): one per binding of
 * its parameters (a role that binds several nodes: one each), run on the nodes of the call's
 * `on` (its own, else its step's), else on the node its first node parameter names, else on the
 * owner of its first group (or resource's group), else on the target's first node. A command
 * that cannot be rendered is there with its err. Returns how many, or -1 with msg. */
int declared_commands(struct driver_cmd *d, const struct ast_action *act, const struct model_bind *b,
		      struct command **out, char *msg, size_t len);

/* The live truth of C_DSTATE atom c under b: each instance its arguments name read through
 * `probe state NAME`. B_YES or B_NO (msg: what was found); B_ANY with msg when a probe fails or
 * prints none of the state's values. */
mset declared_cond(struct nodes *ns, const struct model *m, const struct model_state *live, const struct ast_cond *c,
		   const struct model_bind *b, char *msg, size_t len);

/* What --dry-run shows for C_DSTATE atom c under b: for each instance its arguments name, the
 * node asked first and the command that asks it (`probe state NAME`'s, or for a `from cluster`
 * reader the `probe cluster status` or `config` command it reads), each to fn (line NULL: err
 * says why it cannot be rendered). */
void declared_describe(struct nodes *ns, const struct model *m, const struct model_state *live,
		       const struct ast_cond *c, const struct model_bind *b,
		       void (*fn)(void *ud, unsigned node, const char *line, const char *err), void *ud);

/* Read declared state from the target into s: every instance of each state some node's profile
 * probes (`only` NULL), or of each state the `requires` of declared action call `only` read.
 * An instance that cannot be read becomes unknown (every value), so that the guard does not
 * let pass what it could not see. 0, or -1 with why (the first probe that failed). */
int declared_read(struct nodes *ns, const struct model *m, struct model_state *s, const struct ast_action *only,
		  char *why, size_t wl);

#endif
