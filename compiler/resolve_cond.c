/* resolve_cond.c: conditions: their roles, services, processes, stores and their
 * selections, hotfixes, facts and declared state.
 * The layers, bottom up (each calls only the ones below it; resolve_int.h has what they share):
 *   resolve_names.c  <  resolve_role.c  <  resolve_cond.c  <  resolve_stmt.c  <  resolve.c */
#include "resolve_int.h"

#include <string.h>

/* ---- conditions ---------------------------------------------------------------------- */

static struct ast_param *use_stores_param(struct sema *S, struct ast_name n)
{
	struct suggest sg = { 0 };
	struct ast_param *p = resolve_find_param(S, n.s, &sg);
	if (p == NULL) {
		resolve_unknown(S, "param", n, &sg, false);
		return NULL;
	}
	p->used = true;
	if (p->type != TY_STORES) {
		REPORT(S, HP004, n.loc, "'%s' is %s, not a stores param", n.s, resolve_type_name(p->type));
		return NULL;
	}
	return p;
}

void resolve_stores(struct sema *S, struct ast_stores *st)
{
	if (st->kind == ST_IN || st->kind == ST_NOT_IN)
		st->param = use_stores_param(S, st->name);
}

/* Does a service name look like a cluster's own service (Windows, Pacemaker, older Linux
 * stacks)? Then the model entry to suggest for it is `service "…" cluster`. */
static bool looks_like_cluster_service(const char *name)
{
	static const char *const known[] = { "clussvc", "pacemaker", "corosync", "cman", "rgmanager", "heartbeat" };
	char low[64];
	size_t n = strlen(name);
	if (n >= sizeof(low))
		return false;
	for (size_t i = 0; i <= n; i++)
		low[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(low, known[i]) == 0)
			return true;
	return strstr(low, "clus") != NULL;
}

/* The help of an unknown service: the model entry that declares it. In a cluster procedure
 * whose model has no cluster service, a service may be that one. */
static void help_declare_service(struct sema *S, struct diag *d, const char *name)
{
	bool may_be_cluster = S->proc != NULL && S->proc->kind == PROC_CLUSTER && S->plan->cluster_svc == NULL;
	if (looks_like_cluster_service(name))
		diag_help(S->ctx, d, "declare it in the model as the cluster service: `service \"%s\" cluster`", name);
	else if (may_be_cluster)
		diag_help(S->ctx, d, "declare it in the model: `service \"%s\" cluster` if it is the cluster service "
			  "(the model has none), else `service \"%s\" process \"…\"`", name, name);
	else
		diag_help(S->ctx, d, "declare it in the model: `service \"%s\" process \"…\"`", name);
}

struct ast_model_item *resolve_use_service(struct sema *S, struct ast_name n)
{
	struct suggest sg = { 0 };
	struct ast_model_item *svc = resolve_find_service(S, n.s, &sg);
	if (svc == NULL) {
		struct diag *d = REPORT(S, HP002, n.loc, "unknown service \"%s\"", n.s);
		if (sg.best)
			diag_help(S->ctx, d, "did you mean \"%s\"?", sg.best);
		else
			help_declare_service(S, d, n.s);
		return NULL;
	}
	svc->used = true;
	if (svc->res)
		svc->res->used = true;
	return svc;
}

struct ast_model_item *resolve_use_process(struct sema *S, struct ast_name n)
{
	struct suggest sg = { 0 };
	struct ast_model_item *svc = resolve_find_process(S, n.s, &sg);
	if (svc == NULL) {
		struct diag *d = REPORT(S, HP002, n.loc, "unknown process \"%s\"", n.s);
		if (sg.best)
			diag_help(S->ctx, d, "did you mean \"%s\"?", sg.best);
		else
			diag_help(S->ctx, d, "name the service it runs in the model: `service \"…\" process \"%s\"`", n.s);
		return NULL;
	}
	svc->used = true;
	return svc;
}

void resolve_cond(struct sema *S, struct ast_cond *c, int depth)
{
	if (c == NULL || depth > 256)
		return;
	switch (c->kind) {
	case C_OR:
	case C_AND:
		resolve_cond(S, c->lhs, depth + 1);
		resolve_cond(S, c->rhs, depth + 1);
		break;
	case C_NOT:
		resolve_cond(S, c->lhs, depth + 1);
		break;
	case C_SERVICE:
		c->svc = resolve_use_service(S, c->name);
		c->role = resolve_use_role(S, c->on);
		break;
	case C_PROCESS:
		c->svc = resolve_use_process(S, c->name);
		c->role = resolve_use_role(S, c->on);
		break;
	case C_STORES:
		resolve_stores(S, &c->stores);
		break;
	case C_MEMBER:
	case C_DOWN:
	case C_OWNS_NO_GROUPS:
		c->role = resolve_use_role(S, c->name);
		break;
	case C_OWNS_GROUP: {
		if (resolve_know_all_groups_cond(S, c)) {
			resolve_cond(S, c, depth + 1);
			break;
		}
		c->role = resolve_use_role(S, c->name);
		struct suggest sg = { 0 };
		c->grp = resolve_find_item(S, M_GROUP, M_GROUP, c->group.s, &sg);
		if (c->grp == NULL)
			resolve_unknown(S, "group", c->group, &sg, true);
		else
			c->grp->used = true;
		break;
	}
	case C_INSTALLED: {
		struct suggest sg = { 0 };
		c->hotfix = resolve_find_hotfix(S, c->name.s, &sg);
		if (c->hotfix == NULL)
			resolve_unknown(S, "hotfix", c->name, &sg, false);
		else
			c->hotfix->used = true;
		c->role = resolve_use_role(S, c->on);
		break;
	}
	case C_FILE_VERSION:
		c->role = resolve_use_role(S, c->on);
		break;
	case C_FACT_CMP:
		if (c->lit != NULL && c->lit->kind == LIT_BOOL && c->op != CMP_EQ && c->op != CMP_NE)
			REPORT(S, HP004, c->lit->loc, "a bool cannot be ordered; compare it with == or !=");
		break;
	case C_FACT_IN:
		for (struct ast_literal *l = c->lit; l != NULL && c->lit != NULL; l = l->next)
			if (l->kind != c->lit->kind) {
				struct diag *d = REPORT(S, HP004, l->loc, "%s in a list of %ss", resolve_lit_name(l->kind),
							resolve_lit_name(c->lit->kind) + (c->lit->kind == LIT_INT ? 3 : 2));
				diag_note(S->ctx, d, "every value a fact is compared with must have one type");
				break;
			}
		break;
	case C_COUNT: {
		struct suggest sg = { 0 };
		c->param = resolve_find_param(S, c->name.s, &sg);
		if (c->param == NULL) {
			resolve_unknown(S, "param", c->name, &sg, false);
			break;
		}
		c->param->used = true;
		if (c->param->type != TY_STORES)
			REPORT(S, HP004, c->name.loc, "count() takes a stores param, but '%s' is %s", c->name.s,
			       resolve_type_name(c->param->type));
		break;
	}
	case C_DSTATE:
		resolve_use_dstate(S, c);
		break;
	case C_PARAM: {
		struct suggest sg = { 0 };
		c->param = resolve_find_param(S, c->name.s, &sg);
		if (c->param != NULL) {
			c->param->used = true;
			if (c->param->type != TY_BOOL)
				REPORT(S, HP004, c->name.loc, "'%s' is %s; a condition needs a bool param",
				       c->name.s, resolve_type_name(c->param->type));
			break;
		}
		struct ast_role *r = resolve_find_role(S, c->name.s, NULL);
		if (r != NULL) {
			r->used = true;
			struct diag *d = REPORT(S, HP004, c->name.loc, "role '%s' is not a condition", c->name.s);
			diag_help(S->ctx, d, "say what of it must hold: `%s member`, `%s down` or `%s owns no groups`",
				  c->name.s, c->name.s, c->name.s);
			break;
		}
		resolve_unknown(S, "param", c->name, &sg, false);
		break;
	}
	}
}

