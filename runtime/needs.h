/* needs.h: which profile keys a procedure needs, found before a target's nodes are opened, so
 * that a profile that lacks one refuses the run before anything runs (docs/profiles.md); and
 * the check of the procedure's exec strings. A struct needs is the caller's; messages name
 * the plan's source locations through the compile context. */
#ifndef HP_NEEDS_H
#define HP_NEEDS_H

#include <stdbool.h>
#include <stddef.h>

#include "ast.h"
#include "ctx.h"
#include "profile.h"
#include "target.h"

#define NEEDS_MAX_DECL 128

struct needs {
	bool key[PK_COUNT];
	/* the declared actions the procedure calls (each needs `action NAME`), and the declared
	 * states its conditions and those actions' `requires` read (each needs `probe state
	 * NAME`), each once, with the first place that needs it */
	const struct ast_action_decl *dact[NEEDS_MAX_DECL];
	loc_t dact_at[NEEDS_MAX_DECL];
	unsigned ndact;
	const struct ast_state_decl *dstate[NEEDS_MAX_DECL];
	loc_t dstate_at[NEEDS_MAX_DECL];
	unsigned ndstate;
	loc_t at[PK_COUNT];                  /* the first action or condition that needs the key */
	bool store_sets;                     /* selects stores by set: the store list must be known */
	bool stores;                         /* acts on or asks about stores at all */
};

/* What the actions and conditions of `proc`, and the requires and ensures of `plan`, need
 * (*nd is cleared first). */
void needs_of(struct needs *nd, const struct ast_plan *plan, const struct ast_procedure *proc);

/* Does it need any key at all? (exec, wait, pause and verify of facts need no profile.) */
bool needs_any(const struct needs *nd);

/* 0, or EXIT_REJECTED with msg naming the key, the profile and the plan's line when profile p
 * of node `node` lacks a key nd needs: a built-in one, a declared action's `action NAME` or a
 * declared state's `probe state NAME` (whose ${…} must then be the action's parameters, or
 * the state's scope: ${group}, ${resource}; a `from cluster` reader must read a state of its
 * scope). */
int needs_check_profile(struct hp_ctx *ctx, const struct needs *nd, const struct rt_node *node,
			const struct profile *p, char *msg, size_t len);

/* Every ${NAME} of the exec strings of the statements st (and the blocks in them) must be a
 * param of plan: 0, or EXIT_REJECTED with msg. */
int needs_check_execs(struct hp_ctx *ctx, const struct ast_plan *plan, const struct ast_stmt *st, char *msg,
		      size_t len);

#endif
