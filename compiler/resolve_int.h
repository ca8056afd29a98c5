/* resolve_int.h: what the files of name and type resolution share, private to them (sema.h
 * is resolution's interface to the rest of the compiler): the resolver's state (struct sema)
 * and the functions one file offers the ones above it. The files, in layers bottom up; each
 * calls only the ones below it (tools/house.py checks that their calls have no cycle):
 *
 *   resolve_names.c  the plan's names: entered, looked up, suggested; words for types
 *   resolve_role.c   roles, what a plan knows of where groups are, declared state and actions
 *   resolve_cond.c   conditions
 *   resolve_stmt.c   statements and procedures
 *   resolve.c        the plan's declarations, what is unused, the entry points (sema.h)
 */
#ifndef HP_RESOLVE_INT_H
#define HP_RESOLVE_INT_H

#include "model.h"
#include "sema.h"
#include "strmap.h"

struct name_slot {
	uint32_t hash;
	const struct ast_stmt *st;
};

struct sema {
	struct hp_ctx *ctx;
	struct ast_plan *plan;
	struct ast_procedure *proc;      /* NULL at plan level */
	unsigned errors;                 /* HP002-HP005 in the current scope */
	/* step and checkpoint names of the current procedure: open addressing */
	struct name_slot *names;
	unsigned names_cap;
	uint32_t nsteps, nactions;
	struct ast_role **loopvars;      /* innermost last */
	unsigned nloop, loop_cap;
	struct ast_stmt *step;           /* the enclosing step or checkpoint */
	struct ast_role **role_tail;     /* where the next loop variable goes in proc->roles */
	/* the plan's names, each to its first declaration: a look-up takes constant time (a
	 * miss scans the list again, for a suggestion only). They live in `tables`, freed when
	 * the plan is resolved. */
	struct arena tables;
	struct strmap params, hotfixes, services, processes, groups, resources;
	struct strmap roles;             /* the current procedure's declared roles */
	struct decls decls;              /* declared state, actions and rules (decl.c) */
};

#define REPORT(S, rule, loc, ...) \
	((S)->errors += resolve_is_error_rule(rule), diag_report((S)->ctx, (rule), (loc), __VA_ARGS__))

struct suggest {
	const char *best;
	unsigned dist;
};

/* ---- resolve_names.c ---- */

/* Does rule r count as a name or type error (HP002-HP007: REPORT counts them)? */
bool resolve_is_error_rule(enum rule_id r);
/* Keep cand in sg when it is the closest name to want so far. */
void resolve_suggest_try(struct suggest *sg, const char *want, const char *cand);
/* HP002: unknown `what` n, with sg's "did you mean" (quote: the name in double quotes). */
void resolve_unknown(struct sema *S, const char *what, struct ast_name n, struct suggest *sg, bool quote);
/* The find_* functions look a name up; on a miss, `sg` (when not NULL) gets the closest
 * name, for a "did you mean" (a second scan: misses are rare, lookups are not). lookup: a
 * table's entry of that name, or NULL. */
void *resolve_lookup(const struct strmap *map, const char *name);
struct ast_param *resolve_find_param(struct sema *S, const char *name, struct suggest *sg);
struct ast_hotfix *resolve_find_hotfix(struct sema *S, const char *name, struct suggest *sg);
/* A model entry of kind k or k2. */
struct ast_model_item *resolve_find_item(struct sema *S, enum model_kind k, enum model_kind k2,
				 const char *name, struct suggest *sg);
struct ast_model_item *resolve_find_service(struct sema *S, const char *name, struct suggest *sg);
struct ast_model_item *resolve_find_process(struct sema *S, const char *name, struct suggest *sg);
/* Enter a model entry in its table (and a service's process in the processes'); the first
 * declaration of a name keeps it. */
void resolve_enter_item(struct sema *S, struct ast_model_item *it);
/* The tables of the plan's declarations, each name to its first declaration. */
void resolve_enter_plan_names(struct sema *S);
/* "bool", "int", ...; "a string", "an integer", ...; may a literal of kind k be a t? */
const char *resolve_type_name(enum ast_type t);
const char *resolve_lit_name(enum lit_kind k);
bool resolve_lit_fits(enum ast_type t, enum lit_kind k);

/* ---- resolve_role.c ---- */

/* A role named by an exec string's `${NAME}` (a param of that name comes first). */
struct ast_role *resolve_know_exec_role(struct sema *S, const char *name, size_t len);
/* `all groups on R`: `R owns group G1 and R owns group G2 …` over the model's groups, made
 * in place. True when the condition was rewritten; a model with no group is an HP002. */
bool resolve_know_all_groups_cond(struct sema *S, struct ast_cond *c);
/* `move all groups to R`: one `move group "G" to R` per group of the model, in its order, at
 * the action's place. */
void resolve_know_expand_move_all(struct sema *S, struct ast_action *a);
/* A role of the procedure (or a loop variable) by name, or NULL (sg: as for find_*). */
struct ast_role *resolve_find_role(struct sema *S, const char *name, struct suggest *sg);
/* A role named at `n` (an `on`, a `move … to`, a condition's subject). */
struct ast_role *resolve_use_role(struct sema *S, struct ast_name n);
/* The procedure's roles: entered by name, indexed and resolved, `except` cycles (HP002). */
void resolve_roles(struct sema *S);
/* A condition on declared state / a declared action: its declaration and arguments. */
void resolve_use_dstate(struct sema *S, struct ast_cond *c);
void resolve_use_daction(struct sema *S, struct ast_action *a);

/* ---- resolve_cond.c ---- */

/* A stores selection: its param (a stores param, HP004). */
void resolve_stores(struct sema *S, struct ast_stores *st);
/* A service / process named at `n` (HP002 with a hint when it is unknown). */
struct ast_model_item *resolve_use_service(struct sema *S, struct ast_name n);
struct ast_model_item *resolve_use_process(struct sema *S, struct ast_name n);
/* A condition and the ones in it, depth deep. */
void resolve_cond(struct sema *S, struct ast_cond *c, int depth);

/* ---- resolve_stmt.c ---- */

/* A procedure: its roles, its statements, their step and checkpoint names. */
void resolve_procedure(struct sema *S, struct ast_procedure *proc);

#endif
