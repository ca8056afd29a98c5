/* resolve_names.c: the plan's names: entering them (each to its first declaration), looking
 * them up (params, hotfixes, model entries), "did you mean" suggestions, the words for types
 * and literals. The bottom of resolution.
 * The layers, bottom up (each calls only the ones below it; resolve_int.h has what they share):
 *   resolve_names.c  <  resolve_role.c  <  resolve_cond.c  <  resolve_stmt.c  <  resolve.c */
#include "resolve_int.h"

#include <string.h>

bool resolve_is_error_rule(enum rule_id r)
{
	return r >= HP002 && r <= HP007;
}

/* ---- suggestions --------------------------------------------------------------------- */

static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[64];
	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned prev = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned cur = row[j];
			unsigned best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

void resolve_suggest_try(struct suggest *sg, const char *want, const char *cand)
{
	if (cand == NULL)
		return;
	unsigned d = edit_distance(want, cand);
	size_t l = strlen(want);
	unsigned limit = l < 4 ? 1 : l < 10 ? 2 : 3;
	if (d <= limit && (sg->best == NULL || d < sg->dist)) {
		sg->best = cand;
		sg->dist = d;
	}
}

void resolve_unknown(struct sema *S, const char *what, struct ast_name n, struct suggest *sg, bool quote)
{
	const char *q = quote ? "\"" : "";
	struct diag *d = REPORT(S, HP002, n.loc, "unknown %s %s%s%s", what, q, n.s, q);
	if (sg != NULL && sg->best != NULL)
		diag_help(S->ctx, d, "did you mean %s%s%s?", q, sg->best, q);
}

/* ---- plan-level lookups -------------------------------------------------------------- */

/* The find_* functions look a name up; on a miss, `sg` (when not NULL) gets the closest
 * name, for a "did you mean" (a second scan: misses are rare, lookups are not). */
void *resolve_lookup(const struct strmap *map, const char *name)
{
	return name != NULL ? strmap_gets(map, name) : NULL;
}

struct ast_param *resolve_find_param(struct sema *S, const char *name, struct suggest *sg)
{
	struct ast_param *x = resolve_lookup(&S->params, name);
	if (x != NULL)
		return x;
	for (x = S->plan->params; sg != NULL && x != NULL; x = x->next)
		resolve_suggest_try(sg, name, x->name.s);
	return NULL;
}

struct ast_hotfix *resolve_find_hotfix(struct sema *S, const char *name, struct suggest *sg)
{
	struct ast_hotfix *h = resolve_lookup(&S->hotfixes, name);
	if (h != NULL)
		return h;
	for (h = S->plan->hotfixes; sg != NULL && h != NULL; h = h->next)
		resolve_suggest_try(sg, name, h->name.s);
	return NULL;
}

/* The table of the model entries of kind k (a service: of either kind). */
static struct strmap *item_map(struct sema *S, enum model_kind k)
{
	switch (k) {
	case M_SERVICE:
	case M_CLUSTER_SERVICE: return &S->services;
	case M_GROUP: return &S->groups;
	default: return &S->resources;
	}
}

struct ast_model_item *resolve_find_item(struct sema *S, enum model_kind k, enum model_kind k2,
				 const char *name, struct suggest *sg)
{
	struct ast_model_item *it = resolve_lookup(item_map(S, k), name);
	if (it != NULL)
		return it;
	for (it = S->plan->model; sg != NULL && it != NULL; it = it->next)
		if (it->kind == k || it->kind == k2)
			resolve_suggest_try(sg, name, it->name.s);
	return NULL;
}

struct ast_model_item *resolve_find_service(struct sema *S, const char *name, struct suggest *sg)
{
	return resolve_find_item(S, M_SERVICE, M_CLUSTER_SERVICE, name, sg);
}

struct ast_model_item *resolve_find_process(struct sema *S, const char *name, struct suggest *sg)
{
	struct ast_model_item *it = resolve_lookup(&S->processes, name);
	if (it != NULL)
		return it;
	for (it = S->plan->model; sg != NULL && it != NULL; it = it->next)
		if (it->kind == M_SERVICE)
			resolve_suggest_try(sg, name, it->process.s);
	return NULL;
}

/* Enter a model entry in its table (and a service's process in the processes'); the first
 * declaration of a name keeps it. */
void resolve_enter_item(struct sema *S, struct ast_model_item *it)
{
	if (it->kind == M_SERVICE && it->process.s != NULL)
		strmap_put(&S->processes, it->process.s, it);
	if ((it->kind == M_SERVICE || it->kind == M_CLUSTER_SERVICE || it->kind == M_GROUP ||
	     it->kind == M_RESOURCE) && it->name.s != NULL)
		strmap_put(item_map(S, it->kind), it->name.s, it);
}

/* The tables of the plan's declarations, each name to its first declaration. */
void resolve_enter_plan_names(struct sema *S)
{
	struct arena *a = &S->tables;
	size_t np = 0, nh = 0, n[M_RECOVER + 1] = { 0 };
	for (struct ast_param *p = S->plan->params; p != NULL; p = p->next)
		np++;
	for (struct ast_hotfix *h = S->plan->hotfixes; h != NULL; h = h->next)
		nh++;
	for (struct ast_model_item *it = S->plan->model; it != NULL; it = it->next)
		n[it->kind]++;
	strmap_init(&S->params, a, np);
	strmap_init(&S->hotfixes, a, nh);
	strmap_init(&S->services, a, n[M_SERVICE] + n[M_CLUSTER_SERVICE]);
	strmap_init(&S->processes, a, n[M_SERVICE]);
	strmap_init(&S->groups, a, n[M_GROUP] + n[M_RESOURCE]);   /* a resource may declare one */
	strmap_init(&S->resources, a, n[M_RESOURCE]);
	strmap_init(&S->roles, a, 0);
	for (struct ast_param *p = S->plan->params; p != NULL; p = p->next)
		if (p->name.s != NULL)
			strmap_put(&S->params, p->name.s, p);
	for (struct ast_hotfix *h = S->plan->hotfixes; h != NULL; h = h->next)
		if (h->name.s != NULL)
			strmap_put(&S->hotfixes, h->name.s, h);
	for (struct ast_model_item *it = S->plan->model; it != NULL; it = it->next)
		resolve_enter_item(S, it);
}

const char *resolve_type_name(enum ast_type t)
{
	static const char *names[] = { "bool", "int", "string", "duration", "version", "stores" };
	return names[t];
}

const char *resolve_lit_name(enum lit_kind k)
{
	static const char *names[] = { "a string", "an integer", "a version", "a duration", "a bool" };
	return names[k];
}

bool resolve_lit_fits(enum ast_type t, enum lit_kind k)
{
	switch (t) {
	case TY_BOOL: return k == LIT_BOOL;
	case TY_INT: return k == LIT_INT;
	case TY_STRING: return k == LIT_STRING;
	case TY_DURATION: return k == LIT_DURATION;
	case TY_VERSION: return k == LIT_VERSION;
	case TY_STORES: return k == LIT_STRING;
	}
	return false;
}

