/* resolve.c: name and type resolution (HP002-HP006), declarations (HP003), use (HP201),
 * hotfix attributes (HP202) and actions the model cannot follow (HP205). Fills the AST's
 * resolved fields for the checker, the graph and the runtime. */
#include "sema.h"

#include <string.h>

#include "model.h"
#include "strmap.h"
#include "template.h"

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

static bool is_error_rule(enum rule_id r)
{
	return r >= HP002 && r <= HP007;
}

#define REPORT(S, rule, loc, ...) \
	((S)->errors += is_error_rule(rule), diag_report((S)->ctx, (rule), (loc), __VA_ARGS__))

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

struct suggest {
	const char *best;
	unsigned dist;
};

static void suggest_try(struct suggest *sg, const char *want, const char *cand)
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

static void unknown(struct sema *S, const char *what, struct ast_name n, struct suggest *sg, bool quote)
{
	const char *q = quote ? "\"" : "";
	struct diag *d = REPORT(S, HP002, n.loc, "unknown %s %s%s%s", what, q, n.s, q);
	if (sg != NULL && sg->best != NULL)
		diag_help(S->ctx, d, "did you mean %s%s%s?", q, sg->best, q);
}

/* ---- plan-level lookups -------------------------------------------------------------- */

/* The find_* functions look a name up; on a miss, `sg` (when not NULL) gets the closest
 * name, for a "did you mean" (a second scan: misses are rare, lookups are not). */
static void *lookup(const struct strmap *map, const char *name)
{
	return name != NULL ? strmap_gets(map, name) : NULL;
}

static struct ast_param *find_param(struct sema *S, const char *name, struct suggest *sg)
{
	struct ast_param *x = lookup(&S->params, name);
	if (x != NULL)
		return x;
	for (x = S->plan->params; sg != NULL && x != NULL; x = x->next)
		suggest_try(sg, name, x->name.s);
	return NULL;
}

static struct ast_hotfix *find_hotfix(struct sema *S, const char *name, struct suggest *sg)
{
	struct ast_hotfix *h = lookup(&S->hotfixes, name);
	if (h != NULL)
		return h;
	for (h = S->plan->hotfixes; sg != NULL && h != NULL; h = h->next)
		suggest_try(sg, name, h->name.s);
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

static struct ast_model_item *find_item(struct sema *S, enum model_kind k, enum model_kind k2,
					const char *name, struct suggest *sg)
{
	struct ast_model_item *it = lookup(item_map(S, k), name);
	if (it != NULL)
		return it;
	for (it = S->plan->model; sg != NULL && it != NULL; it = it->next)
		if (it->kind == k || it->kind == k2)
			suggest_try(sg, name, it->name.s);
	return NULL;
}

static struct ast_model_item *find_service(struct sema *S, const char *name, struct suggest *sg)
{
	return find_item(S, M_SERVICE, M_CLUSTER_SERVICE, name, sg);
}

static struct ast_model_item *find_process(struct sema *S, const char *name, struct suggest *sg)
{
	struct ast_model_item *it = lookup(&S->processes, name);
	if (it != NULL)
		return it;
	for (it = S->plan->model; sg != NULL && it != NULL; it = it->next)
		if (it->kind == M_SERVICE)
			suggest_try(sg, name, it->process.s);
	return NULL;
}

/* Enter a model entry in its table (and a service's process in the processes'); the first
 * declaration of a name keeps it. */
static void enter_item(struct sema *S, struct ast_model_item *it)
{
	if (it->kind == M_SERVICE && it->process.s != NULL)
		strmap_put(&S->processes, it->process.s, it);
	if ((it->kind == M_SERVICE || it->kind == M_CLUSTER_SERVICE || it->kind == M_GROUP ||
	     it->kind == M_RESOURCE) && it->name.s != NULL)
		strmap_put(item_map(S, it->kind), it->name.s, it);
}

/* The tables of the plan's declarations, each name to its first declaration. */
static void enter_plan_names(struct sema *S)
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
		enter_item(S, it);
}

static const char *type_name(enum ast_type t)
{
	static const char *names[] = { "bool", "int", "string", "duration", "version", "stores" };
	return names[t];
}

static const char *lit_name(enum lit_kind k)
{
	static const char *names[] = { "a string", "an integer", "a version", "a duration", "a bool" };
	return names[k];
}

static bool lit_fits(enum ast_type t, enum lit_kind k)
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

/* ---- the plan's declarations --------------------------------------------------------- */

static void resolve_params(struct sema *S)
{
	uint32_t i = 0;
	for (struct ast_param *p = S->plan->params; p != NULL; p = p->next) {
		const struct ast_param *q = lookup(&S->params, p->name.s);
		if (q != NULL && q != p) {
			struct diag *d = REPORT(S, HP003, p->name.loc, "duplicate param '%s'", p->name.s);
			diag_note(S->ctx, d, "first declared at line %u",
				  source_pos(ctx_source(S->ctx, q->name.loc.file), q->name.loc.start).line);
		}
		p->index = i++;
		if (p->def != NULL && !lit_fits(p->type, p->def->kind)) {
			struct diag *d = REPORT(S, HP004, p->def->loc, "param '%s' is %s, but its default is %s",
						p->name.s, type_name(p->type), lit_name(p->def->kind));
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
			struct ast_model_item *first = find_service(S, it->name.s, NULL);
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
			if (find_item(S, M_GROUP, M_GROUP, it->name.s, NULL) != it)
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
		if (find_item(S, M_RESOURCE, M_RESOURCE, it->name.s, NULL) != it)
			REPORT(S, HP003, it->name.loc, "duplicate resource \"%s\" in the model", it->name.s);
		it->index = nres++;
		struct suggest sg = { 0 };
		it->svc = find_service(S, it->service.s, &sg);
		if (it->svc == NULL)
			unknown(S, "service", it->service, &sg, true);
		else if (it->svc->res == NULL)
			it->svc->res = it;
		it->grp = find_item(S, M_GROUP, M_GROUP, it->group.s, NULL);
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
			enter_item(S, g);
		}
	}
	for (struct ast_model_item *it = P->model; it != NULL; it = it->next) {
		if (it->kind != M_RECOVER)
			continue;
		struct suggest sg = { 0 };
		it->param = find_param(S, it->name.s, &sg);
		it->used = true;
		if (it->param == NULL) {
			unknown(S, "param", it->name, &sg, false);
			continue;
		}
		it->param->used = true;
		if (it->param->type != TY_STORES) {
			REPORT(S, HP004, it->name.loc, "`recover` needs a stores param, but '%s' is %s",
			       it->name.s, type_name(it->param->type));
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
		if (find_hotfix(S, h->name.s, NULL) != h)
			REPORT(S, HP003, h->name.loc, "duplicate hotfix '%s'", h->name.s);
		h->index = i++;
		h->restart_svcs = arena_alloc(&S->ctx->arena, (h->nrestarts + 1) * sizeof(*h->restart_svcs));
		for (uint32_t r = 0; r < h->nrestarts; r++) {
			struct suggest sg = { 0 };
			h->restart_svcs[r] = find_service(S, h->restarts[r].s, &sg);
			if (h->restart_svcs[r] == NULL)
				unknown(S, "service", h->restarts[r], &sg, true);
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

/* ---- roles --------------------------------------------------------------------------- */

static struct ast_role *find_role(struct sema *S, const char *name, struct suggest *sg)
{
	for (unsigned i = S->nloop; i-- > 0;)
		if (strcmp(S->loopvars[i]->name.s, name) == 0)
			return S->loopvars[i];
	if (S->proc == NULL)
		return NULL;
	struct ast_role *found = lookup(&S->roles, name);
	if (found != NULL)
		return found;
	for (struct ast_role *r = S->proc->roles; sg != NULL && r != NULL; r = r->next)
		if (r->kind != R_LOOPVAR)
			suggest_try(sg, name, r->name.s);
	return NULL;
}

/* A role named at `n` (an `on`, a `move … to`, a condition's subject). */
static struct ast_role *use_role(struct sema *S, struct ast_name n)
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
	struct ast_role *r = find_role(S, n.s, &sg);
	if (r == NULL) {
		unknown(S, "role", n, &sg, false);
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

static void resolve_roles(struct sema *S)
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
		if (lookup(&S->roles, r->name.s) != r)
			REPORT(S, HP003, r->name.loc, "duplicate role '%s'", r->name.s);
		if (r->kind == R_OWNER_OF) {
			struct suggest sg = { 0 };
			r->grp = find_item(S, M_GROUP, M_GROUP, r->group.s, &sg);
			if (r->grp == NULL)
				unknown(S, "group", r->group, &sg, true);
			else
				r->grp->used = true;
		}
		if (r->except.s != NULL) {
			struct suggest sg = { 0 };
			struct ast_role *e = find_role(S, r->except.s, &sg);
			if (e == NULL)
				unknown(S, "role", r->except, &sg, false);
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
				a->role = use_role(S, a->name);
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
		a->item = find_item(S, mk, mk, a->name.s, &sg);
		if (a->item == NULL) {
			unknown(S, kind, a->name, &sg, true);
			continue;
		}
		a->item->used = true;
		if (a->item->svc != NULL)   /* a resource: its service is what it runs */
			a->item->svc->used = true;
	}
	if (k < n)
		REPORT(S, HP007, at, "%s takes %u argument%s, given %u", what, n, n == 1 ? "" : "s", k);
}

static void use_dstate(struct sema *S, struct ast_cond *c)
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

static void use_daction(struct sema *S, struct ast_action *a)
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
}

/* ---- conditions ---------------------------------------------------------------------- */

static struct ast_param *use_stores_param(struct sema *S, struct ast_name n)
{
	struct suggest sg = { 0 };
	struct ast_param *p = find_param(S, n.s, &sg);
	if (p == NULL) {
		unknown(S, "param", n, &sg, false);
		return NULL;
	}
	p->used = true;
	if (p->type != TY_STORES) {
		REPORT(S, HP004, n.loc, "'%s' is %s, not a stores param", n.s, type_name(p->type));
		return NULL;
	}
	return p;
}

static void resolve_stores(struct sema *S, struct ast_stores *st)
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

static struct ast_model_item *use_service(struct sema *S, struct ast_name n)
{
	struct suggest sg = { 0 };
	struct ast_model_item *svc = find_service(S, n.s, &sg);
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

static struct ast_model_item *use_process(struct sema *S, struct ast_name n)
{
	struct suggest sg = { 0 };
	struct ast_model_item *svc = find_process(S, n.s, &sg);
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

static void resolve_cond(struct sema *S, struct ast_cond *c, int depth)
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
		c->svc = use_service(S, c->name);
		c->role = use_role(S, c->on);
		break;
	case C_PROCESS:
		c->svc = use_process(S, c->name);
		c->role = use_role(S, c->on);
		break;
	case C_STORES:
		resolve_stores(S, &c->stores);
		break;
	case C_MEMBER:
	case C_DOWN:
	case C_OWNS_NO_GROUPS:
		c->role = use_role(S, c->name);
		break;
	case C_OWNS_GROUP: {
		c->role = use_role(S, c->name);
		struct suggest sg = { 0 };
		c->grp = find_item(S, M_GROUP, M_GROUP, c->group.s, &sg);
		if (c->grp == NULL)
			unknown(S, "group", c->group, &sg, true);
		else
			c->grp->used = true;
		break;
	}
	case C_INSTALLED: {
		struct suggest sg = { 0 };
		c->hotfix = find_hotfix(S, c->name.s, &sg);
		if (c->hotfix == NULL)
			unknown(S, "hotfix", c->name, &sg, false);
		else
			c->hotfix->used = true;
		c->role = use_role(S, c->on);
		break;
	}
	case C_FILE_VERSION:
		c->role = use_role(S, c->on);
		break;
	case C_FACT_CMP:
		if (c->lit != NULL && c->lit->kind == LIT_BOOL && c->op != CMP_EQ && c->op != CMP_NE)
			REPORT(S, HP004, c->lit->loc, "a bool cannot be ordered; compare it with == or !=");
		break;
	case C_FACT_IN:
		for (struct ast_literal *l = c->lit; l != NULL && c->lit != NULL; l = l->next)
			if (l->kind != c->lit->kind) {
				struct diag *d = REPORT(S, HP004, l->loc, "%s in a list of %ss", lit_name(l->kind),
							lit_name(c->lit->kind) + (c->lit->kind == LIT_INT ? 3 : 2));
				diag_note(S->ctx, d, "every value a fact is compared with must have one type");
				break;
			}
		break;
	case C_COUNT: {
		struct suggest sg = { 0 };
		c->param = find_param(S, c->name.s, &sg);
		if (c->param == NULL) {
			unknown(S, "param", c->name, &sg, false);
			break;
		}
		c->param->used = true;
		if (c->param->type != TY_STORES)
			REPORT(S, HP004, c->name.loc, "count() takes a stores param, but '%s' is %s", c->name.s,
			       type_name(c->param->type));
		break;
	}
	case C_DSTATE:
		use_dstate(S, c);
		break;
	case C_PARAM: {
		struct suggest sg = { 0 };
		c->param = find_param(S, c->name.s, &sg);
		if (c->param != NULL) {
			c->param->used = true;
			if (c->param->type != TY_BOOL)
				REPORT(S, HP004, c->name.loc, "'%s' is %s; a condition needs a bool param",
				       c->name.s, type_name(c->param->type));
			break;
		}
		struct ast_role *r = find_role(S, c->name.s, NULL);
		if (r != NULL) {
			r->used = true;
			struct diag *d = REPORT(S, HP004, c->name.loc, "role '%s' is not a condition", c->name.s);
			diag_help(S->ctx, d, "say what of it must hold: `%s member`, `%s down` or `%s owns no groups`",
				  c->name.s, c->name.s, c->name.s);
			break;
		}
		unknown(S, "param", c->name, &sg, false);
		break;
	}
	}
}

/* ---- statements ---------------------------------------------------------------------- */

/* Slot hash of a step or checkpoint name: the two kinds have separate namespaces. */
static uint32_t hash_step(const struct ast_stmt *st)
{
	uint32_t h = st->kind == S_CHECKPOINT ? 0x9e3779b9u : 2166136261u;
	for (const char *s = st->name.s; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h ^ (h >> 15);
}

/* Declare a step or checkpoint name; reports HP003 for a second declaration. */
static void declare_step(struct sema *S, struct ast_stmt *st)
{
	if (st->name.s == NULL)
		return;
	if ((S->nsteps + 1) * 2 > S->names_cap) {
		unsigned cap = S->names_cap ? S->names_cap * 2 : 64;
		struct name_slot *nv = arena_alloc(&S->tables, cap * sizeof(*nv));
		for (unsigned i = 0; i < S->names_cap; i++) {
			if (S->names[i].st == NULL)
				continue;
			unsigned j = S->names[i].hash & (cap - 1);
			while (nv[j].st != NULL)
				j = (j + 1) & (cap - 1);
			nv[j] = S->names[i];
		}
		S->names = nv;
		S->names_cap = cap;
	}
	uint32_t h = hash_step(st);
	unsigned j = h & (S->names_cap - 1);
	for (; S->names[j].st != NULL; j = (j + 1) & (S->names_cap - 1)) {
		const struct ast_stmt *x = S->names[j].st;
		if (S->names[j].hash != h || x->kind != st->kind || strcmp(x->name.s, st->name.s) != 0)
			continue;
		struct diag *d = REPORT(S, HP003, st->name.loc, "duplicate %s '%s'",
					st->kind == S_STEP ? "step" : "checkpoint", st->name.s);
		diag_note(S->ctx, d, "first declared at line %u",
			  source_pos(ctx_source(S->ctx, x->name.loc.file), x->name.loc.start).line);
		diag_help(S->ctx, d, "each step and checkpoint needs its own name: resume and --fail-at "
				     "find them by it");
		return;
	}
	S->names[j] = (struct name_slot){ h, st };
}

/* An exec string's `${NAME}`s are uses of params; any other name is unknown. */
struct exec_ref {
	struct sema *S;
	const struct ast_action *a;
};

static int exec_param(void *ud, const char *name, size_t len)
{
	struct exec_ref *x = ud;
	struct ast_param *p = strmap_get(&x->S->params, name, len);
	if (p != NULL) {
		p->used = true;
		return 0;
	}
	struct diag *d = REPORT(x->S, HP002, x->a->arg.loc, "unknown param '%.*s' in the exec string", (int)len, name);
	diag_help(x->S->ctx, d, "`${NAME}` inserts the value of param NAME; write `$${` for a literal `${`");
	return 0;
}

static void exec_params(struct sema *S, const struct ast_action *a)
{
	struct exec_ref x = { S, a };
	char why[128];
	if (a->arg.s != NULL && template_each_var(a->arg.s, exec_param, &x, why, sizeof(why)) < 0)
		REPORT(S, HP004, a->arg.loc, "exec string: %s", why);
}

static const char *action_verb(const struct ast_action *a)
{
	switch (a->kind) {
	case A_STOP_SERVICE: return "stop service";
	case A_START_SERVICE: return "start service";
	case A_KILL_PROCESS: return "kill process";
	case A_INSTALL: return "install hotfix";
	case A_RESTART_NODE: return "restart node";
	case A_EXEC: return "exec";
	case A_DISMOUNT: return "dismount";
	case A_MOUNT: return "mount";
	default: return "this action";
	}
}

static void resolve_action(struct sema *S, struct ast_action *a)
{
	struct ast_procedure *proc = S->proc;
	bool cluster = proc->kind == PROC_CLUSTER;
	struct suggest sg = { 0 };

	a->step = S->step;
	a->index = S->nactions++;
	a->node = a->on.s ? use_role(S, a->on) : S->step->node;

	switch (a->kind) {
	case A_STOP_SERVICE:
	case A_START_SERVICE:
		a->svc = use_service(S, a->arg);
		break;
	case A_KILL_PROCESS:
		a->svc = use_process(S, a->arg);
		if (a->svc != NULL && a->svc->kind == M_CLUSTER_SERVICE)
			REPORT(S, HP004, a->arg.loc, "the cluster service has no process to kill");
		break;
	case A_DISMOUNT:
	case A_MOUNT:
		resolve_stores(S, &a->stores);
		a->svc = S->plan->store_svc;
		if (a->svc == NULL) {
			struct diag *d = REPORT(S, HP002, a->loc, "no service in the model holds stores");
			diag_help(S->ctx, d, "declare it: `service \"…\" process \"…\" holds stores`");
		} else {
			a->svc->used = true;
			if (a->svc->res)
				a->svc->res->used = true;
		}
		break;
	case A_INSTALL:
		a->hotfix = find_hotfix(S, a->arg.s, &sg);
		if (a->hotfix == NULL)
			unknown(S, "hotfix", a->arg, &sg, false);
		else
			a->hotfix->used = true;
		break;
	case A_MOVE_GROUP:
		a->grp = find_item(S, M_GROUP, M_GROUP, a->arg.s, &sg);
		if (!cluster) {
			REPORT(S, HP005, a->loc, "`move group` in a standalone procedure");
			break;
		}
		if (a->grp == NULL)
			unknown(S, "group", a->arg, &sg, true);
		else
			a->grp->used = true;
		a->to_role = use_role(S, a->to);
		break;
	case A_DISABLE_RESTART:
	case A_ENABLE_RESTART:
		a->grp = find_item(S, M_RESOURCE, M_RESOURCE, a->arg.s, &sg);
		if (!cluster) {
			REPORT(S, HP005, a->loc, "a cluster resource's restart policy in a standalone procedure");
			break;
		}
		if (a->grp == NULL)
			unknown(S, "resource", a->arg, &sg, true);
		else
			a->grp->used = true;
		break;
	case A_WAIT_UNTIL:
	case A_VERIFY:
		resolve_cond(S, a->cond, 0);
		break;
	case A_EXEC: {
		exec_params(S, a);
		struct diag *d = diag_report(S->ctx, HP205, a->loc,
					     "the model cannot follow `exec`: it is assumed to change nothing it models");
		diag_note(S->ctx, d, "the checker proves nothing about what the command does");
		diag_help(S->ctx, d, "prefer an action the model knows (stop/start service, mount, …) where one fits");
		break;
	}
	case A_CALL:
		use_daction(S, a);
		break;
	case A_RESTART_NODE:
	case A_WAIT:
	case A_PAUSE:
		break;
	}

	/* where the action runs */
	bool to_owner = cluster && (a->kind == A_STOP_SERVICE || a->kind == A_START_SERVICE ||
				    a->kind == A_KILL_PROCESS || a->kind == A_DISMOUNT || a->kind == A_MOUNT) &&
			a->svc != NULL && a->svc->res != NULL;
	if (cluster && model_action_kinds[a->kind].on_node && !to_owner && a->node == NULL &&
	    (a->kind != A_STOP_SERVICE || a->svc != NULL) && (a->kind != A_START_SERVICE || a->svc != NULL) &&
	    (a->kind != A_KILL_PROCESS || a->svc != NULL)) {
		struct diag *d = REPORT(S, HP005, a->loc, "`%s` needs a node in a cluster procedure", action_verb(a));
		diag_help(S->ctx, d, "add `on ROLE` to the action or to its step");
	}
	if (cluster && (a->kind == A_DISMOUNT || a->kind == A_MOUNT) && a->svc != NULL && a->svc->res == NULL &&
	    a->node == NULL) {
		struct diag *d = REPORT(S, HP005, a->loc, "`%s` needs a node: the store service is not a cluster resource",
					action_verb(a));
		diag_help(S->ctx, d, "add `on ROLE`, or declare the service's resource in the model");
	}
}

static void resolve_stmts(struct sema *S, struct ast_stmt *st, int depth);

static void push_loopvar(struct sema *S, struct ast_role *r)
{
	if (S->nloop == S->loop_cap) {
		unsigned cap = S->loop_cap ? S->loop_cap * 2 : 8;
		S->loopvars = arena_realloc(&S->tables, S->loopvars, S->loop_cap * sizeof(*S->loopvars),
					    cap * sizeof(*S->loopvars));
		S->loop_cap = cap;
	}
	S->loopvars[S->nloop++] = r;
}

static void resolve_foreach(struct sema *S, struct ast_stmt *st, int depth)
{
	struct ast_procedure *proc = S->proc;
	st->set_role = use_role(S, st->set);
	if (st->serial < 1) {
		REPORT(S, HP004, st->head, "`serial` must be at least 1");
		st->serial = 1;
	}
	if (proc->kind == PROC_CLUSTER) {
		struct ast_role *clash = find_role(S, st->name.s, NULL);
		if (clash != NULL)
			REPORT(S, HP003, st->name.loc, "loop variable '%s' has the name of a role", st->name.s);
		struct ast_role *v = arena_alloc(&S->ctx->arena, sizeof(*v));
		v->kind = R_LOOPVAR;
		v->name = st->name;
		v->loc = st->name.loc;
		v->loop = st;
		v->used = true;
		v->index = proc->nroles++;
		/* append after the declared roles so bindings index it */
		*S->role_tail = v;
		S->role_tail = &v->next;
		st->var = v;
		push_loopvar(S, v);
	}
	resolve_stmts(S, st->body, depth + 1);
	if (st->var != NULL)
		S->nloop--;
}

static void resolve_stmts(struct sema *S, struct ast_stmt *st, int depth)
{
	for (; st != NULL; st = st->next) {
		if (depth > HP_MAX_DEPTH + 8)
			return;
		switch (st->kind) {
		case S_STEP:
		case S_CHECKPOINT:
			declare_step(S, st);
			st->index = S->nsteps++;
			st->node = st->on.s ? use_role(S, st->on) : NULL;
			S->step = st;
			for (struct ast_action *a = st->actions; a != NULL; a = a->next)
				resolve_action(S, a);
			S->step = NULL;
			break;
		case S_FOREACH:
			resolve_foreach(S, st, depth);
			break;
		case S_IF:
			resolve_cond(S, st->cond, 0);
			resolve_stmts(S, st->body, depth + 1);
			resolve_stmts(S, st->else_body, depth + 1);
			break;
		}
	}
}

/* The steps and checkpoints of `st` and the blocks in it (as deep as resolve_stmts goes). */
static unsigned count_names(const struct ast_stmt *st, int depth)
{
	unsigned n = 0;
	for (; st != NULL && depth <= HP_MAX_DEPTH + 8; st = st->next)
		n += (st->kind == S_STEP || st->kind == S_CHECKPOINT) + count_names(st->body, depth + 1) +
		     count_names(st->else_body, depth + 1);
	return n;
}

static void resolve_procedure(struct sema *S, struct ast_procedure *proc)
{
	S->proc = proc;
	/* the table of step and checkpoint names, at most half full: it need not grow */
	unsigned n = count_names(proc->body, 0);
	S->names_cap = 64;
	while (S->names_cap < 2 * n + 2)
		S->names_cap *= 2;
	S->names = arena_alloc(&S->tables, S->names_cap * sizeof(*S->names));
	S->nsteps = S->nactions = 0;
	S->nloop = 0;
	/* re-resolution (the same AST resolved twice) must not append loop variables again */
	struct ast_role **r = &proc->roles;
	while (*r != NULL && (*r)->kind != R_LOOPVAR)
		r = &(*r)->next;
	*r = NULL;
	S->role_tail = r;
	resolve_roles(S);
	resolve_stmts(S, proc->body, 0);
	proc->nsteps = S->nsteps;
	proc->nactions = S->nactions;
	S->proc = NULL;
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

	enter_plan_names(&S);
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
