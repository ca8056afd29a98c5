/* live.h: the live target read back through its profile's probes, twice. When the nodes are
 * open, what the model is built from: each group's owner and, when the inventory lists none,
 * the stores, written into the target. Once the model is built, its live state (services,
 * membership, hotfixes, files, stores, restart policies) through the model's observe
 * functions, so that the runtime's guard judges the target as it is (docs/profiles.md).
 * What is written into the target lives in the nodes' arena. */
#ifndef HP_LIVE_H
#define HP_LIVE_H

#include <stddef.h>

#include "model.h"
#include "needs.h"
#include "nodes.h"
#include "target.h"

/* Into t (the target ns was opened on): the owner of each group of plan's model and of t's
 * groups (a cluster), and the stores (`list stores`) when t lists none and nd says the
 * procedure touches stores. 0, or EXIT_USAGE with msg. */
int live_discover(struct nodes *ns, const struct ast_plan *plan, const struct needs *nd, struct rt_target *t,
		  char *msg, size_t len);

/* Read the state the model follows from the nodes into s. 0, or -1 with msg ("target 'T':
 * reading the live state: why"). */
int live_read(struct nodes *ns, const struct model *m, struct model_state *s, char *msg, size_t len);

/* Read again what a `cluster` profile's status shows (profile.h: `probe cluster status`): each
 * group's owner, each node's membership, into s, before the guard judges an action, so that
 * it judges the cluster as it is now, not as the run last left it. What cannot be read (a
 * group that is moving, a node that does not answer) keeps its value: the guard then judges
 * what the run knew. Nothing to do (0) unless a node's profile has a `cluster`. */
void live_refresh(struct nodes *ns, const struct model *m, struct model_state *s);

#endif
