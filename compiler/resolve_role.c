/* resolve_role.c: roles (a procedure's, loop variables; `except` cycles), what a plan knows
 * of where groups are (docs/language.md "Where groups are"), and the arguments of declared
 * state and actions where a procedure uses them.
 * The layers, bottom up (each calls only the ones below it; resolve_int.h has what they share):
 *   resolve_names.c  <  resolve_role.c  <  resolve_cond.c  <  resolve_stmt.c  <  resolve.c */
#include "resolve_int.h"

#include <string.h>

/* ---- what a plan knows (docs/language.md "Where groups are") -------------------------- */

/* A role named by an exec string's `${NAME}` (a param of that name comes first). */
struct ast_role *resolve_know_exec_role(struct sema *S, const char *name, size_t len)
{
	if (S->proc == NULL || S->proc->kind != PROC_CLUSTER)
		return NULL;
	char buf[128];
	if (len >= sizeof(buf))
		return NULL;
	memcpy(buf, name, len);
	buf[len] = '\0';
	return resolve_find_role(S, buf, NULL);
}

/* `group "G" on ROLE`: the role, in the cluster procedure (a standalone one has no groups). */
static void know_group_starts(struct sema *S)
{
	for (struct ast_model_item *it = S->plan->model; it != NULL; it = it->next) {
		if (it->kind != M_GROUP || it->start.s == NULL)
			continue;
		if (S->proc->kind == PROC_CLUSTER)
			it->start_role = resolve_use_role(S, it->start);
	}
}

/* `all groups on R`: `R owns group G1 and R owns group G2 …` over the model's groups, made
 * in place (the runtime, the image and the probes see the conjunction). True when the
 * condition was rewritten; a model with no group is an HP002. */
bool resolve_know_all_groups_cond(struct sema *S, struct ast_cond *c)
{
	if (!c->all_groups)
		return false;
	struct ast_cond *written = arena_alloc(&S->ctx->arena, sizeof(*written));
	*written = *c;
	c->all_groups = false;
	struct ast_cond *out = NULL;
	for (struct ast_model_item *it = S->plan->model; it != NULL; it = it->next) {
		if (it->kind != M_GROUP)
			continue;
		struct ast_cond *g = arena_alloc(&S->ctx->arena, sizeof(*g));
		*g = *c;
		g->group = (struct ast_name){ it->name.s, c->loc };
		if (out == NULL) {
			out = g;
			continue;
		}
		struct ast_cond *and = arena_alloc(&S->ctx->arena, sizeof(*and));
		and->kind = C_AND;
		and->loc = c->loc;
		and->lhs = out;
		and->rhs = g;
		out = and;
	}
	if (out == NULL) {
		struct diag *d = REPORT(S, HP002, c->loc, "`all groups`: the model declares no group");
		diag_help(S->ctx, d, "declare the groups the plan is about: `group \"NAME\"` in `model`");
		c->kind = C_OWNS_NO_GROUPS;   /* resolved as a role's condition; the plan is not simulated */
		return true;
	}
	*c = *out;
	c->written = written;
	return true;
}

/* A call of an action that moves all groups (`move all groups of n …`) uses every group. */
static void know_use_all_groups(struct sema *S, const struct ast_action_decl *d)
{
	for (const struct ast_effect *e = d->effects; e != NULL; e = e->next)
		if (e->kind == E_MOVE_ALL)
			for (struct ast_model_item *it = S->plan->model; it != NULL; it = it->next)
				if (it->kind == M_GROUP)
					it->used = true;
}

/* `move all groups to R`: one `move group "G" to R` per group of the model, in its order, at
 * the action's place (each checked, journaled and run like one written out). */
void resolve_know_expand_move_all(struct sema *S, struct ast_action *a)
{
	if (a->kind != A_MOVE_GROUP || !a->all_groups || a->arg.s != NULL)
		return;   /* made already (a plan resolved twice) */
	struct ast_action *last = NULL, *next = a->next;
	for (struct ast_model_item *it = S->plan->model; it != NULL; it = it->next) {
		if (it->kind != M_GROUP)
			continue;
		struct ast_action *m = a;
		if (last != NULL) {
			m = arena_alloc(&S->ctx->arena, sizeof(*m));
			*m = *last;
			m->all_copy = true;
			last->next = m;
		}
		m->arg = (struct ast_name){ it->name.s, a->loc };   /* all_groups stays: how it was written */
		m->next = next;
		last = m;
	}
	if (last == NULL) {
		struct diag *d = REPORT(S, HP002, a->loc, "`all groups`: the model declares no group");
		diag_help(S->ctx, d, "declare the groups the plan is about: `group \"NAME\"` in `model`");
		a->kind = A_PAUSE;   /* nothing to move: resolved as an action that changes nothing */
		a->all_groups = false;
		a->arg = (struct ast_name){ "move all groups", a->loc };
	}
}

/* ---- roles --------------------------------------------------------------------------- */

struct ast_role *resolve_find_role(struct sema *S, const char *name, struct suggest *sg)
{
	for (unsigned i = S->nloop; i-- > 0;)
		if (strcmp(S->loopvars[i]->name.s, name) == 0)
			return S->loopvars[i];
	if (S->proc == NULL)
		return NULL;
	struct ast_role *found = resolve_lookup(&S->roles, name);
	if (found != NULL)
		return found;
	for (struct ast_role *r = S->proc->roles; sg != NULL && r != NULL; r = r->next)
		if (r->kind != R_LOOPVAR)
			resolve_suggest_try(sg, name, r->name.s);
	return NULL;
}

/* A role named at `n` (an `on`, a `move … to`, a condition's subject). */
struct ast_role *resolve_use_role(struct sema *S, struct ast_name n)
{
	if (n.s == NULL)
		return NULL;
	if (S->proc == NULL) {
		REPORT(S, HP005, n.loc, "role '%s' used where no roles are bound", n.s);
		return NULL;
	}
	if (S->proc->kind == PROC_STANDALONE) {
		struct diag *d = REPORT(S, HP005, n.loc, "role '%s' used in a standalone procedure", n.s);
		diag_note(S->ctx, d, "a stand-alone target has exactly one node: its actions need no `on`");
		return NULL;
	}
	struct suggest sg = { 0 };
	struct ast_role *r = resolve_find_role(S, n.s, &sg);
	if (r == NULL) {
		resolve_unknown(S, "role", n, &sg, false);
		return NULL;
	}
	r->used = true;
	return r;
}

/* A cycle through `except`: a role on one is reported, and its `except` cut, when it comes
 * first in the list among the roles of its cycle (after that cut, the others of the cycle
 * are on none). Each role is walked from once. */
static void report_except_cycles(struct sema *S, unsigned nroles)
{
	struct ast_procedure *proc = S->proc;
	unsigned *walk = arena_alloc(&S->tables, (nroles + 1) * sizeof(*walk));   /* 0: not yet */
	bool *cut = arena_alloc(&S->tables, nroles + 1);
	unsigned id = 0;
	for (struct ast_role *r = proc->roles; r != NULL; r = r->next) {
		if (r->index >= nroles || walk[r->index] != 0)
			continue;
		id++;
		struct ast_role *q = r;
		for (; q != NULL && q->index < nroles && walk[q->index] == 0; q = q->except_role)
			walk[q->index] = id;
		if (q == NULL || q->index >= nroles || walk[q->index] != id)
			continue;   /* the chain ends, or joins one walked before */
		struct ast_role *first = q;
		for (struct ast_role *c = q->except_role; c != q; c = c->except_role)
			if (c->index < first->index)
				first = c;
		cut[first->index] = true;
	}
	for (struct ast_role *r = proc->roles; r != NULL; r = r->next)
		if (r->index < nroles && cut[r->index]) {
			REPORT(S, HP002, r->except.loc, "role '%s' is defined through itself", r->name.s);
			r->except_role = NULL;
		}
}

void resolve_roles(struct sema *S)
{
	struct ast_procedure *proc = S->proc;
	uint32_t i = 0, n = 0;
	for (struct ast_role *r = proc->roles; r != NULL; r = r->next)
		n++;
	strmap_init(&S->roles, &S->tables, n);
	for (struct ast_role *r = proc->roles; r != NULL; r = r->next)
		if (r->kind != R_LOOPVAR && r->name.s != NULL)
			strmap_put(&S->roles, r->name.s, r);
	for (struct ast_role *r = proc->roles; r != NULL; r = r->next) {
		r->index = i++;
		if (proc->kind == PROC_STANDALONE) {
			REPORT(S, HP005, r->name.loc, "role '%s' declared in a standalone procedure", r->name.s);
			continue;
		}
		if (resolve_lookup(&S->roles, r->name.s) != r)
			REPORT(S, HP003, r->name.loc, "duplicate role '%s'", r->name.s);
		if (r->kind == R_OWNER_OF) {
			struct suggest sg = { 0 };
			r->grp = resolve_find_item(S, M_GROUP, M_GROUP, r->group.s, &sg);
			if (r->grp == NULL)
				resolve_unknown(S, "group", r->group, &sg, true);
			else
				r->grp->used = true;
		}
		if (r->except.s != NULL) {
			struct suggest sg = { 0 };
			struct ast_role *e = resolve_find_role(S, r->except.s, &sg);
			if (e == NULL)
				resolve_unknown(S, "role", r->except, &sg, false);
			else if (e == r)
				REPORT(S, HP002, r->except.loc, "role '%s' is defined by itself", r->name.s);
			else {
				r->except_role = e;
				e->used = true;
			}
		}
	}
	report_except_cycles(S, i);
	proc->nroles = i;
	know_group_starts(S);
}

/* ---- declared state and actions, where a procedure uses them ------------------------- */

/* Arguments in a procedure: a role for a node, the name of a group or a resource (a string). */
static void plan_args(struct sema *S, struct ast_arg *args, const enum decl_scope *want, unsigned n, loc_t at,
		      const char *what)
{
	unsigned k = 0;
	for (struct ast_arg *a = args; a != NULL; a = a->next, k++) {
		if (k >= n) {
			REPORT(S, HP007, a->name.loc, "%s takes %u argument%s", what, n, n == 1 ? "" : "s");
			return;
		}
		if (want[k] == DS_NODE) {
			if (a->is_string)
				REPORT(S, HP004, a->name.loc, "%s takes a node here: a role, not a string", what);
			else
				a->role = resolve_use_role(S, a->name);
			continue;
		}
		enum model_kind mk = want[k] == DS_GROUP ? M_GROUP : M_RESOURCE;
		const char *kind = want[k] == DS_GROUP ? "group" : "resource";
		if (!a->is_string) {
			struct diag *d = REPORT(S, HP004, a->name.loc, "%s takes a %s here, named by a string", what, kind);
			diag_help(S->ctx, d, "write its name in quotes: `\"%s\"`", a->name.s);
			continue;
		}
		struct suggest sg = { 0 };
		a->item = resolve_find_item(S, mk, mk, a->name.s, &sg);
		if (a->item == NULL) {
			resolve_unknown(S, kind, a->name, &sg, true);
			continue;
		}
		a->item->used = true;
		if (a->item->svc != NULL)   /* a resource: its service is what it runs */
			a->item->svc->used = true;
	}
	if (k < n)
		REPORT(S, HP007, at, "%s takes %u argument%s, given %u", what, n, n == 1 ? "" : "s", k);
}

void resolve_use_dstate(struct sema *S, struct ast_cond *c)
{
	c->state = decl_state(&S->decls, c->name.s);
	if (c->state == NULL) {
		struct diag *d = REPORT(S, HP002, c->name.loc, "unknown state '%s'", c->name.s);
		diag_help(S->ctx, d, "declare it (`state %s of node : …`), or import the library that does", c->name.s);
		return;
	}
	c->state->used = true;
	enum decl_scope sc[2];
	decl_state_scopes(c->state, sc);
	plan_args(S, c->args, sc, decl_state_arity(c->state), c->loc,
		  arena_printf(&S->ctx->arena, "state '%s'", c->name.s));
	c->value_index = decl_value(c->state, c->value.s);
	if (c->value_index < 0) {
		struct diag *d = REPORT(S, HP007, c->value.loc, "'%s' is not a value of state '%s'", c->value.s, c->name.s);
		const char *list = "";
		for (uint32_t k = 0; k < c->state->nvalues; k++)
			list = arena_printf(&S->ctx->arena, "%s%s%s", list, k ? ", " : "", c->state->values[k].s);
		diag_note(S->ctx, d, "its values: %s", list);
	}
	if (c->op != CMP_EQ && c->op != CMP_NE)
		REPORT(S, HP004, c->loc, "a state's values are compared with == or != only");
}

void resolve_use_daction(struct sema *S, struct ast_action *a)
{
	a->decl = decl_action(&S->decls, a->arg.s);
	if (a->decl == NULL) {
		struct diag *d = REPORT(S, HP002, a->arg.loc, "unknown action '%s'", a->arg.s);
		diag_help(S->ctx, d, "declare it (`action %s(…) { … }`), or import the library that does", a->arg.s);
		return;
	}
	a->decl->used = true;
	enum decl_scope want[DECL_MAX_PARAMS];
	unsigned n = 0;
	for (struct ast_dparam *p = a->decl->params; p != NULL && n < DECL_MAX_PARAMS; p = p->next)
		want[n++] = p->scope;
	plan_args(S, a->args, want, n, a->loc, arena_printf(&S->ctx->arena, "action '%s'", a->arg.s));
	know_use_all_groups(S, a->decl);
}

