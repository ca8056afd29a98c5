/* resolve.c: name and type resolution (HP002-HP006), declarations (HP003), use (HP201),
 * hotfix attributes (HP202) and actions the model cannot follow (HP205). Fills the AST's
 * resolved fields for the checker, the graph and the runtime. This file owns the plan's
 * declarations (params, model, hotfixes), the report of what is unused and the entry points
 * (sema.h); the procedures are resolved by resolve_stmt.c.
 * The layers, bottom up (each calls only the ones below it; resolve_int.h has what they share):
 *   resolve_names.c  <  resolve_role.c  <  resolve_cond.c  <  resolve_stmt.c  <  resolve.c */
#include "sema.h"

#include <string.h>

#include "model.h"
#include "resolve_int.h"
#include "strmap.h"

/* ---- the plan's declarations --------------------------------------------------------- */

static void resolve_params(struct sema *S)
{
	uint32_t i = 0;
	for (struct ast_param *p = S->plan->params; p != NULL; p = p->next) {
		const struct ast_param *q = resolve_lookup(&S->params, p->name.s);
		if (q != NULL && q != p) {
			struct diag *d = REPORT(S, HP003, p->name.loc, "duplicate param '%s'", p->name.s);
			diag_note(S->ctx, d, "first declared at line %u",
				  source_pos(ctx_source(S->ctx, q->name.loc.file), q->name.loc.start).line);
		}
		p->index = i++;
		if (p->def != NULL && !resolve_lit_fits(p->type, p->def->kind)) {
			struct diag *d = REPORT(S, HP004, p->def->loc, "param '%s' is %s, but its default is %s",
						p->name.s, resolve_type_name(p->type), resolve_lit_name(p->def->kind));
			if (p->type == TY_STORES)
				diag_note(S->ctx, d, "a stores value is a string of comma-separated store names");
		}
	}
	S->plan->nparams = i;
}

static void resolve_model(struct sema *S)
{
	struct ast_plan *P = S->plan;
	uint32_t nsvc = 0, ngrp = 0, nres = 0;
	struct ast_model_item *tail = NULL;

	for (struct ast_model_item *it = P->model; it != NULL; it = it->next) {
		tail = it;
		switch (it->kind) {
		case M_SERVICE:
		case M_CLUSTER_SERVICE: {
			struct ast_model_item *first = resolve_find_service(S, it->name.s, NULL);
			if (first != it)
				REPORT(S, HP003, it->name.loc, "duplicate service \"%s\" in the model", it->name.s);
			it->index = nsvc++;
			if (it->kind == M_SERVICE && it->holds_stores && P->store_svc == NULL)
				P->store_svc = it;
			if (it->kind == M_CLUSTER_SERVICE && P->cluster_svc == NULL)
				P->cluster_svc = it;
			break;
		}
		case M_GROUP:
			if (resolve_find_item(S, M_GROUP, M_GROUP, it->name.s, NULL) != it)
				REPORT(S, HP003, it->name.loc, "duplicate group \"%s\" in the model", it->name.s);
			it->index = ngrp++;
			break;
		default:
			break;
		}
	}
	/* resources: their service, and their group (declared by them when not by `group`) */
	for (struct ast_model_item *it = P->model; it != NULL; it = it->next) {
		if (it->kind != M_RESOURCE)
			continue;
		if (resolve_find_item(S, M_RESOURCE, M_RESOURCE, it->name.s, NULL) != it)
			REPORT(S, HP003, it->name.loc, "duplicate resource \"%s\" in the model", it->name.s);
		it->index = nres++;
		struct suggest sg = { 0 };
		it->svc = resolve_find_service(S, it->service.s, &sg);
		if (it->svc == NULL)
			resolve_unknown(S, "service", it->service, &sg, true);
		else if (it->svc->res == NULL)
			it->svc->res = it;
		it->grp = resolve_find_item(S, M_GROUP, M_GROUP, it->group.s, NULL);
		if (it->grp == NULL) {
			struct ast_model_item *g = arena_alloc(&S->ctx->arena, sizeof(*g));
			g->kind = M_GROUP;
			g->loc = it->group.loc;
			g->name = it->group;
			g->implicit = true;
			g->index = ngrp++;
			tail->next = g;
			tail = g;
			it->grp = g;
			resolve_enter_item(S, g);
		}
	}
	for (struct ast_model_item *it = P->model; it != NULL; it = it->next) {
		if (it->kind != M_RECOVER)
			continue;
		struct suggest sg = { 0 };
		it->param = resolve_find_param(S, it->name.s, &sg);
		it->used = true;
		if (it->param == NULL) {
			resolve_unknown(S, "param", it->name, &sg, false);
			continue;
		}
		it->param->used = true;
		if (it->param->type != TY_STORES) {
			REPORT(S, HP004, it->name.loc, "`recover` needs a stores param, but '%s' is %s",
			       it->name.s, resolve_type_name(it->param->type));
			continue;
		}
		if (P->recover == NULL)
			P->recover = it->param;
	}
	P->nservices = nsvc;
	P->ngroups = ngrp;
	P->nresources = nres;
}

static void resolve_hotfixes(struct sema *S)
{
	uint32_t i = 0;
	for (struct ast_hotfix *h = S->plan->hotfixes; h != NULL; h = h->next) {
		if (resolve_find_hotfix(S, h->name.s, NULL) != h)
			REPORT(S, HP003, h->name.loc, "duplicate hotfix '%s'", h->name.s);
		h->index = i++;
		h->restart_svcs = arena_alloc(&S->ctx->arena, (h->nrestarts + 1) * sizeof(*h->restart_svcs));
		for (uint32_t r = 0; r < h->nrestarts; r++) {
			struct suggest sg = { 0 };
			h->restart_svcs[r] = resolve_find_service(S, h->restarts[r].s, &sg);
			if (h->restart_svcs[r] == NULL)
				resolve_unknown(S, "service", h->restarts[r], &sg, true);
			else
				h->restart_svcs[r]->used = true;
		}
		bool versioned = false;
		for (struct ast_hfile *f = h->files; f != NULL; f = f->next)
			versioned |= f->has_version;
		if (!versioned) {
			struct diag *d = diag_report(S->ctx, HP202, h->name.loc,
						     "hotfix '%s' lists no file version to verify it by", h->name.s);
			diag_note(S->ctx, d, "%s", product_rule_note(S->plan, HP202));
			diag_help(S->ctx, d, "add `file \"NAME\" version X.Y.Z.W` to the hotfix");
		}
	}
	S->plan->nhotfixes = i;
}

/* ---- use ----------------------------------------------------------------------------- */

/* Does model entry it drive the rules of a cluster procedure, used by name or not? The
 * cluster service is what membership is (HP111, HP113, HP115, HP116); every group is owned
 * by a node (HP110, HP115: "a node that owns a group"); a resource puts its service on its
 * group's owner, and a service that is a resource runs there (docs/checker.md, HP201). */
static bool drives_cluster(const struct ast_model_item *it)
{
	switch (it->kind) {
	case M_CLUSTER_SERVICE:
	case M_GROUP:
	case M_RESOURCE:
		return true;
	case M_SERVICE:
		return it->res != NULL;
	default:
		return false;
	}
}

/* HP201 for the plan's own declarations (not a library's: a library is shared). A state is
 * used when a condition reads it or an action sets it; an action when a step calls it or
 * another action names it as its `undo`; a rule when it has a `when` (an invariant, judged
 * everywhere) or a `requires` or `normal … else` names it. A state with a normal value is not
 * reported (tests/diag/hp007-ok, written before this, declares one nothing uses and is clean). */
static void report_unused_decls(struct sema *S)
{
	struct ast_plan *P = S->plan;
	for (const struct ast_library *l = P->libs;; l = l->next) {
		if (l == NULL)
			l = &P->decls;
		for (const struct ast_state_decl *st = l->states; st != NULL; st = st->next)
			if (st->restore_rule != NULL)
				st->restore_rule->used = true;
		for (const struct ast_action_decl *a = l->actions; a != NULL; a = a->next)
			for (const struct ast_effect *e = a->effects; e != NULL; e = e->next) {
				if (e->kind == E_UNDO && e->undo != NULL && e->undo != a)
					e->undo->used = true;
				if (e->kind == E_REQUIRES && e->rulep != NULL)
					e->rulep->used = true;
			}
		if (l == &P->decls)
			break;
	}
	for (const struct ast_state_decl *st = P->decls.states; st != NULL; st = st->next)
		if (!st->used && st->name.s != NULL && st->normal.s == NULL)
			diag_report(S->ctx, HP201, st->name.loc, "state '%s' is never used", st->name.s);
	for (const struct ast_action_decl *a = P->decls.actions; a != NULL; a = a->next)
		if (!a->used && a->name.s != NULL)
			diag_report(S->ctx, HP201, a->name.loc, "action '%s' is never called", a->name.s);
	for (const struct ast_rule_decl *r = P->decls.rules; r != NULL; r = r->next)
		if (!r->used && r->when == NULL && r->id.s != NULL)
			diag_report(S->ctx, HP201, r->id.loc, "rule '%s' is never named: it can never be reported", r->id.s);
}

static void report_unused(struct sema *S)
{
	struct ast_plan *P = S->plan;
	for (struct ast_param *p = P->params; p != NULL; p = p->next)
		if (!p->used) {
			struct diag *d = diag_report(S->ctx, HP201, p->name.loc, "param '%s' is never used", p->name.s);
			diag_help(S->ctx, d, "remove it, or use it in a condition, a selection or an exec");
		}
	for (struct ast_hotfix *h = P->hotfixes; h != NULL; h = h->next)
		if (!h->used)
			diag_report(S->ctx, HP201, h->name.loc, "hotfix '%s' is never installed", h->name.s);
	bool cluster = P->proc[PROC_CLUSTER] != NULL;
	for (struct ast_model_item *it = P->model; it != NULL; it = it->next) {
		if (it->used || it->implicit || it->kind == M_STORE || it->kind == M_RECOVER)
			continue;
		if (cluster && drives_cluster(it))
			continue;
		static const char *what[] = { "service", "cluster service", "resource", "group", "store", "recover" };
		diag_report(S->ctx, HP201, it->loc, "model entry %s \"%s\" is never used", what[it->kind], it->name.s);
	}
	for (struct ast_procedure *proc = P->procs; proc != NULL; proc = proc->next)
		for (struct ast_role *r = proc->roles; r != NULL; r = r->next)
			if (!r->used && r->kind != R_LOOPVAR && proc->kind == PROC_CLUSTER)
				diag_report(S->ctx, HP201, r->name.loc, "role '%s' is never used", r->name.s);
	report_unused_decls(S);
}

/* ---- entry points -------------------------------------------------------------------- */

void sema_resolve_plan(struct hp_ctx *ctx, struct ast_plan *plan, unsigned kinds, unsigned errors[2])
{
	struct sema S = { .ctx = ctx, .plan = plan };

	/* a second resolution starts from a clean slate of uses */
	for (struct ast_param *p = plan->params; p != NULL; p = p->next)
		p->used = false;
	for (struct ast_hotfix *h = plan->hotfixes; h != NULL; h = h->next)
		h->used = false;
	for (struct ast_model_item *it = plan->model; it != NULL; it = it->next) {
		it->used = false;
		it->res = NULL;
	}
	plan->store_svc = plan->cluster_svc = NULL;
	plan->recover = NULL;
	plan->proc[0] = plan->proc[1] = NULL;

	resolve_enter_plan_names(&S);
	resolve_params(&S);
	resolve_model(&S);
	resolve_hotfixes(&S);
	S.errors += product_resolve(ctx, plan, &S.services);
	S.errors += decl_resolve(ctx, plan, &S.tables, &S.groups, &S.decls);
	for (struct ast_require *rq = plan->requires; rq != NULL; rq = rq->next)
		resolve_cond(&S, rq->cond, 0);
	unsigned plan_errors = S.errors;

	for (struct ast_procedure *proc = plan->procs; proc != NULL; proc = proc->next) {
		unsigned before = ctx->diags.n;
		S.errors = 0;
		if (plan->proc[proc->kind] != NULL) {
			REPORT(&S, HP003, proc->head, "a second %s procedure",
			       proc->kind == PROC_CLUSTER ? "cluster" : "standalone");
			continue;
		}
		plan->proc[proc->kind] = proc;
		for (struct ast_role *r = proc->roles; r != NULL; r = r->next)
			r->used = false;
		resolve_procedure(&S, proc);
		S.proc = proc;
		for (struct ast_require *e = plan->ensures; e != NULL; e = e->next)
			resolve_cond(&S, e->cond, 0);
		S.proc = NULL;
		errors[proc->kind] = plan_errors + S.errors;
		if (!(kinds & (1u << proc->kind)))
			ctx->diags.n = before;   /* not asked for: its names count as uses, its errors do not */
	}
	/* after a syntax error, what looks unused may only be what the parser skipped */
	bool syntax_errors = false;
	for (unsigned i = 0; i < ctx->diags.n; i++)
		syntax_errors |= ctx->diags.v[i]->rule == HP001 && ctx->diags.v[i]->loc.file == plan->loc.file;
	if (!syntax_errors)
		report_unused(&S);
	if (plan->procs == NULL) {
		struct diag *d = diag_report(ctx, HP006, plan->name.loc, "plan '%s' has no procedure", plan->name.s);
		diag_help(ctx, d, "add `procedure standalone { … }` or `procedure cluster { … }`");
	}
	arena_free(&S.tables);
}

static bool bind_cond_roles(struct ast_cond *c, struct ast_procedure *proc, int depth)
{
	if (c == NULL || depth > 256)
		return true;
	bool ok = bind_cond_roles(c->lhs, proc, depth + 1) && bind_cond_roles(c->rhs, proc, depth + 1);
	const char *name = NULL;
	if (c->kind == C_MEMBER || c->kind == C_DOWN || c->kind == C_OWNS_GROUP || c->kind == C_OWNS_NO_GROUPS)
		name = c->name.s;
	else if (c->on.s != NULL)
		name = c->on.s;
	if (name == NULL)
		return ok;
	c->role = NULL;
	for (struct ast_role *r = proc->roles; r != NULL; r = r->next)
		if (r->kind != R_LOOPVAR && strcmp(r->name.s, name) == 0)
			c->role = r;
	return ok && c->role != NULL;
}

bool sema_bind_ensures(struct ast_plan *plan, struct ast_procedure *proc)
{
	bool ok = true;
	for (struct ast_require *e = plan->ensures; e != NULL; e = e->next)
		ok &= bind_cond_roles(e->cond, proc, 0);
	return ok;
}

static bool stmts_use_sets(const struct ast_stmt *st)
{
	for (; st != NULL; st = st->next)
		if (st->kind == S_FOREACH || stmts_use_sets(st->body) || stmts_use_sets(st->else_body))
			return true;
	return false;
}

bool sema_uses_node_sets(const struct ast_procedure *proc)
{
	for (const struct ast_role *r = proc->roles; r != NULL; r = r->next)
		if (r->kind == R_ALL || r->kind == R_ALL_EXCEPT)
			return true;
	return stmts_use_sets(proc->body);
}

bool sema_resolve(struct hp_ctx *ctx, struct ast_file *file, unsigned kinds)
{
	bool ok = true;
	for (struct ast_plan *p = file->plans; p != NULL; p = p->next) {
		unsigned errors[2] = { 0, 0 };
		p->libs = file->libraries;
		sema_resolve_plan(ctx, p, kinds, errors);
		ok &= errors[0] == 0 && errors[1] == 0;
	}
	return ok;
}
