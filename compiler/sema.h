/* sema.h: internal interface between name resolution (resolve.c) and the checker (check.c).
 * Nothing here allocates outside the context's arena. */
#ifndef HP_SEMA_H
#define HP_SEMA_H

#include "check.h"

/* Resolve one plan. Diagnostics of procedures whose kind is not in `kinds` are dropped
 * (their names still count as uses for HP201). Returns the number of name and type
 * errors (HP002-HP005) found in the plan-level parts and in each procedure kind:
 * errors[PROC_STANDALONE], errors[PROC_CLUSTER]; a procedure with errors is not simulated. */
void sema_resolve_plan(struct hp_ctx *ctx, struct ast_plan *plan, unsigned kinds, unsigned errors[2]);

/* Point the role references of the plan's `ensure` conditions at `proc`'s roles.
 * Returns false when an ensure names a role `proc` does not have. */
bool sema_bind_ensures(struct ast_plan *plan, struct ast_procedure *proc);

/* Does the procedure use `for each` or a role bound to `all nodes`? (checked with 2 and 3 nodes) */
bool sema_uses_node_sets(const struct ast_procedure *proc);

#endif
