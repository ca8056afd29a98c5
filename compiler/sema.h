/* sema.h: internal interface between name resolution (resolve.c) and the checker (check.c).
 * Nothing here allocates outside the context's arena. */
#ifndef HP_SEMA_H
#define HP_SEMA_H

#include "check.h"
#include "model.h"
#include "strmap.h"

/* ---- declared state, actions and rules (decl.c) ---- */

#define DECL_MAX_VALUES 8      /* a state's values: one bit each in a byte of the model's state */
#define DECL_MAX_PARAMS DECL_MAX_ARGS

/* The declarations a plan sees, by name: its file's libraries' and its own. */
struct decls {
	struct hp_ctx *ctx;
	struct strmap states, actions, rules;
	const struct strmap *groups;     /* the plan's model: `n owns group "G"` in a declaration */
	struct ast_state_decl *builtin[2]; /* the model's own, read like declared state: updated, owned_by */
	unsigned errors;
};

/* Enter and resolve every declaration `plan` sees (tables in `tables`), register its rules
 * with the context and fill plan->states and plan->rules. Returns the number of errors. */
unsigned decl_resolve(struct hp_ctx *ctx, struct ast_plan *plan, struct arena *tables, const struct strmap *groups,
		      struct decls *D);
/* A declared state or action by name, or NULL. */
struct ast_state_decl *decl_state(const struct decls *D, const char *name);
struct ast_action_decl *decl_action(const struct decls *D, const char *name);
/* The index of value v of state s, or -1. */
int decl_value(const struct ast_state_decl *s, const char *v);
/* How many arguments name an instance of s (0 for the target, 2 for a pair, else 1), and
 * their scopes. */
unsigned decl_state_arity(const struct ast_state_decl *s);
void decl_state_scopes(const struct ast_state_decl *s, enum decl_scope want[2]);
/* "the target", "a node", "a group", "a resource" */
const char *decl_scope_name(enum decl_scope s);

/* ---- what the plan's product says to the built-in rules (product.c) ---- */

/* Fill each hotfix's need and need_svc (its own needs, its libraries'; a plan that uses no
 * library: the built-in exchange-2003's) and check the libraries' `note RULE` ids. Reports
 * HP002; returns the number of errors. */
unsigned product_resolve(struct hp_ctx *ctx, struct ast_plan *plan, const struct strmap *services);
/* The note a plan's libraries give built-in rule r (a plan that uses no library: the built-in
 * exchange-2003's), or NULL. Static or arena text. */
const char *product_note(const struct ast_plan *plan, enum rule_id r);
/* Rule r's product-neutral note, or NULL when it has none. */
const char *product_neutral_note(enum rule_id r);
/* The note lib/exchange-2003.hplan gives rule r (built in for plans that use no library), or NULL. */
const char *product_builtin_note(enum rule_id r);
/* product_note, else product_neutral_note. */
const char *product_rule_note(const struct ast_plan *plan, enum rule_id r);

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
