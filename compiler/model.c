/* model.c: the target model's layout and start: what a plan's model is made of (nodes,
 * services, groups, stores, hotfixes, declared state), where each field sits in the state
 * vector, the abstract and the concrete model, and the layout queries every other part of the
 * model reads (a service's place, a store selection). The bottom of the model's files:
 * it calls only model_decl.c. The layers, bottom up (each calls only the ones below it):
 *   model.c  <  model_state.c  <  model_eval.c, model_effect.c  <  model_apply.c, model_degr.c
 * with model_decl.c beneath them all; what they share is in model_int.h. */
#include "model.h"

#include "model_decl.h"
#include "model_int.h"

#include <string.h>

/* ---- layout ------------------------------------------------------------------------- */

static void layout(struct model *m)
{
	unsigned o = 0;
	m->o_mem = o;     o += m->nnodes;
	m->o_svc = o;     o += m->nnodes * m->nsvc;
	m->o_hf = o;      o += m->nnodes * m->nhf;
	m->o_fv = o;      o += m->nnodes * m->nfiles;
	m->o_restart = o; o += m->nres;
	m->o_store = o;   o += m->nstores;
	m->o_risk = o;    o += m->nstores;
	m->o_param = o;   o += m->nparams;
	model_decl_layout(m, &o);
	m->nv = o;
}

/* Group g's members, in index order: *first is [ngroups + 1] offsets into *list; member(i)
 * gives the group of member i (or -1: in none). */
static void group_lists(struct arena *a, const struct model *m, unsigned n, int (*member)(const struct model *, unsigned),
			unsigned **first, unsigned **list)
{
	unsigned *f = arena_alloc(a, (m->ngroups + 2) * sizeof(*f));
	unsigned *l = arena_alloc(a, (n + 1) * sizeof(*l));
	for (unsigned i = 0; i < n; i++) {
		int g = member(m, i);
		if (g >= 0)
			f[g + 2]++;
	}
	for (unsigned g = 0; g < m->ngroups; g++)
		f[g + 2] += f[g + 1];
	for (unsigned i = 0; i < n; i++) {
		int g = member(m, i);
		if (g >= 0)
			l[f[g + 1]++] = i;
	}
	*first = f;
	*list = l;
}

static int res_group(const struct model *m, unsigned r)
{
	const struct ast_model_item *g = m->res[r]->grp;
	return g != NULL && g->index < m->ngroups ? (int)g->index : -1;
}

static int svc_group(const struct model *m, unsigned i)
{
	const struct ast_model_item *svc = m->svcs[i];
	return model_is_resource_svc(m, svc) && svc->res->grp->index < m->ngroups ? (int)svc->res->grp->index : -1;
}

/* Each group's resources, and the services whose resource is in it. */
static void index_groups(struct arena *a, struct model *m)
{
	group_lists(a, m, m->nres, res_group, &m->grp_res, &m->res_of_grp);
	group_lists(a, m, m->nsvc, svc_group, &m->grp_svc, &m->svc_of_grp);
}

static void collect_model(struct arena *a, struct model *m, const struct ast_plan *plan)
{
	const struct ast_model_item *it;

	m->nsvc = plan->nservices;
	m->ngroups = m->kind == PROC_CLUSTER ? plan->ngroups : 0;
	m->nres = m->kind == PROC_CLUSTER ? plan->nresources : 0;
	m->nhf = plan->nhotfixes;
	m->nparams = plan->nparams;
	m->svcs = arena_alloc(a, (m->nsvc + 1) * sizeof(*m->svcs));
	m->groups = arena_alloc(a, (plan->ngroups + 1) * sizeof(*m->groups));
	m->res = arena_alloc(a, (plan->nresources + 1) * sizeof(*m->res));
	for (it = plan->model; it != NULL; it = it->next) {
		if (it->kind == M_SERVICE || it->kind == M_CLUSTER_SERVICE)
			m->svcs[it->index] = it;
		else if (it->kind == M_GROUP)
			m->groups[it->index] = it;
		else if (it->kind == M_RESOURCE)
			m->res[it->index] = it;
	}
	m->params = arena_alloc(a, (m->nparams + 1) * sizeof(*m->params));
	for (const struct ast_param *p = plan->params; p != NULL; p = p->next)
		m->params[p->index] = p;

	unsigned nf = 0;
	for (const struct ast_hotfix *h = plan->hotfixes; h != NULL; h = h->next)
		for (const struct ast_hfile *f = h->files; f != NULL; f = f->next)
			nf++;
	m->nfiles = nf;
	m->files = arena_alloc(a, (nf + 1) * sizeof(*m->files));
	m->file_hf = arena_alloc(a, (nf + 1) * sizeof(*m->file_hf));
	nf = 0;
	m->hf_files = arena_alloc(a, (m->nhf + 1) * sizeof(*m->hf_files));
	strmap_init(&m->file_by_name, a, nf);
	for (const struct ast_hotfix *h = plan->hotfixes; h != NULL; h = h->next) {
		if (h->index < m->nhf)
			m->hf_files[h->index] = nf;   /* hotfixes are indexed in their order */
		for (const struct ast_hfile *f = h->files; f != NULL; f = f->next) {
			if (f->has_version && f->name.s != NULL)
				strmap_put(&m->file_by_name, f->name.s, &m->files[nf]);
			m->files[nf] = f;
			m->file_hf[nf++] = h;
		}
	}
	m->hf_files[m->nhf] = nf;
	index_groups(a, m);
	model_decl_collect(a, m, plan);
}

/* Named stores the plan mentions (actions, conditions, `store` entries), each once. */
struct name_set {
	const char **v;
	unsigned n, cap;
	struct strmap seen;
};

static void names_add(struct arena *a, struct name_set *ns, const char *s)
{
	if (ns->seen.a == NULL)
		strmap_init(&ns->seen, a, 0);
	if (strmap_put(&ns->seen, s, (void *)s) != s)
		return;
	if (ns->n == ns->cap) {
		unsigned cap = ns->cap ? ns->cap * 2 : 8;
		ns->v = arena_realloc(a, ns->v, ns->cap * sizeof(*ns->v), cap * sizeof(*ns->v));
		ns->cap = cap;
	}
	ns->v[ns->n++] = s;
}

static void names_cond(struct arena *a, struct name_set *ns, const struct ast_cond *c)
{
	for (; c != NULL; c = c->rhs) {
		if (c->kind == C_STORES && c->stores.kind == ST_ONE && c->stores.name.s)
			names_add(a, ns, c->stores.name.s);
		if (c->kind == C_NOT || c->kind == C_AND || c->kind == C_OR)
			names_cond(a, ns, c->lhs);
		if (c->kind != C_AND && c->kind != C_OR)
			break;
	}
}

static void names_stmts(struct arena *a, struct name_set *ns, const struct ast_stmt *st)
{
	for (; st != NULL; st = st->next) {
		for (const struct ast_action *ac = st->actions; ac != NULL; ac = ac->next) {
			if ((ac->kind == A_DISMOUNT || ac->kind == A_MOUNT) && ac->stores.kind == ST_ONE &&
			    ac->stores.name.s)
				names_add(a, ns, ac->stores.name.s);
			names_cond(a, ns, ac->cond);
		}
		names_cond(a, ns, st->cond);
		names_stmts(a, ns, st->body);
		names_stmts(a, ns, st->else_body);
	}
}

/* Room for n stores, their membership in the params in one block. */
static void reserve_stores(struct arena *a, struct model *m, unsigned n, unsigned *cap)
{
	m->stores = arena_alloc(a, (n + 1) * sizeof(*m->stores));
	mset *in = arena_alloc(a, (size_t)n * m->nparams + 1);
	for (unsigned k = 0; k < n; k++)
		m->stores[k].in = in + (size_t)k * m->nparams;
	*cap = n;
}

static struct model_store *add_store(struct arena *a, struct model *m, unsigned *cap)
{
	if (m->nstores == *cap) {
		unsigned ncap = *cap ? *cap * 2 : 8;
		m->stores = arena_realloc(a, m->stores, *cap * sizeof(*m->stores), ncap * sizeof(*m->stores));
		*cap = ncap;
	}
	struct model_store *st = &m->stores[m->nstores++];
	mset *in = st->in;
	memset(st, 0, sizeof(*st));
	st->in = in != NULL ? in : arena_alloc(a, (m->nparams + 1) * sizeof(mset));
	for (unsigned p = 0; p < m->nparams; p++)
		st->in[p] = B_ANY;
	return st;
}

/* Each store's next of the same name, and each name's first store. */
static void index_stores(struct arena *a, struct model *m)
{
	struct arena tmp = { 0 };
	unsigned *last = arena_alloc(&tmp, (m->nstores + 1) * sizeof(*last));   /* by a name's first store */
	m->store_next = arena_alloc(a, (m->nstores + 1) * sizeof(*m->store_next));
	strmap_init(&m->store_by_name, a, m->nstores);
	for (unsigned k = 0; k < m->nstores; k++) {
		struct model_store *st = &m->stores[k];
		m->store_next[k] = m->nstores;
		if (st->name == NULL)
			continue;
		struct model_store *first = strmap_put(&m->store_by_name, st->name, st);
		unsigned f = (unsigned)(first - m->stores);
		if (first != st)
			m->store_next[last[f]] = k;
		last[f] = k;
	}
	arena_free(&tmp);
}

struct model *model_init_abstract(struct arena *a, const struct ast_plan *plan, enum proc_kind kind,
				  unsigned nnodes)
{
	struct model *m = arena_alloc(a, sizeof(*m));
	const struct ast_param *rec = plan->recover;
	unsigned cap = 0;

	m->plan = plan;
	m->kind = kind;
	m->nnodes = kind == PROC_STANDALONE ? 1 : nnodes;
	m->node_names = arena_alloc(a, m->nnodes * sizeof(*m->node_names));
	for (unsigned n = 0; n < m->nnodes; n++)
		m->node_names[n] = kind == PROC_STANDALONE ? "the server" : arena_printf(a, "node %u", n + 1);
	collect_model(a, m, plan);

	/* the names (kept only while the model is made) */
	struct arena names = { 0 };
	struct name_set ns = { 0 };
	for (const struct ast_model_item *it = plan->model; it != NULL; it = it->next)
		if (it->kind == M_STORE && it->name.s)
			names_add(&names, &ns, it->name.s);
	for (const struct ast_procedure *p = plan->procs; p != NULL; p = p->next)
		if (p->kind == kind)
			names_stmts(&names, &ns, p->body);
	for (const struct ast_require *e = plan->ensures; e != NULL; e = e->next)
		names_cond(&names, &ns, e->cond);

	reserve_stores(a, m, (rec != NULL ? 2 : 1) * (ns.n + 1), &cap);
	struct model_store *st = add_store(a, m, &cap);
	if (rec != NULL) {
		st->label = "an affected store";
		st->exists = B_YES;
		st->in[rec->index] = B_YES;
		/* assumed to exist: if a target has none, actions on them change nothing */
		st = add_store(a, m, &cap);
		st->label = "a store that is not affected";
		st->exists = B_YES;
		st->in[rec->index] = B_NO;
	} else {
		st->label = "a store";
		st->exists = B_ANY;
	}
	for (unsigned i = 0; i < ns.n; i++) {
		for (int affected = 1; affected >= 0; affected--) {
			if (rec == NULL && !affected)
				break;
			st = add_store(a, m, &cap);
			st->name = ns.v[i];
			st->label = arena_printf(a, "store \"%s\"", ns.v[i]);
			st->exists = rec ? B_ANY : B_YES;
			if (rec)
				st->in[rec->index] = affected ? B_YES : B_NO;
		}
	}
	arena_free(&names);
	index_stores(a, m);
	layout(m);
	return m;
}

struct model *model_init_concrete(struct arena *a, const struct ast_plan *plan, enum proc_kind kind,
				  unsigned nnodes, const char *const *node_names,
				  unsigned nstores, const char *const *store_names,
				  const struct model_param_value *values)
{
	struct model *m = arena_alloc(a, sizeof(*m));
	unsigned cap = 0;

	m->plan = plan;
	m->kind = kind;
	m->concrete = true;
	m->nnodes = nnodes > MODEL_MAX_NODES ? MODEL_MAX_NODES : nnodes;
	m->node_names = arena_alloc(a, (m->nnodes + 1) * sizeof(*m->node_names));
	for (unsigned n = 0; n < m->nnodes; n++)
		m->node_names[n] = node_names[n];
	collect_model(a, m, plan);
	reserve_stores(a, m, nstores, &cap);
	for (unsigned k = 0; k < nstores; k++) {
		struct model_store *st = add_store(a, m, &cap);
		st->name = store_names[k];
		st->label = arena_printf(a, "store \"%s\"", store_names[k]);
		st->exists = B_YES;
	}
	index_stores(a, m);
	/* membership in each stores param whose value is known: the stores it names */
	for (unsigned p = 0; p < m->nparams && values != NULL; p++) {
		if (m->params[p]->type != TY_STORES || !values[p].known)
			continue;
		for (unsigned k = 0; k < m->nstores; k++)
			m->stores[k].in[p] = B_NO;
		for (unsigned i = 0; i < values[p].nstores; i++) {
			const struct model_store *st = strmap_gets(&m->store_by_name, values[p].stores[i]);
			for (unsigned k = st ? (unsigned)(st - m->stores) : m->nstores; k < m->nstores; k = m->store_next[k])
				m->stores[k].in[p] = B_YES;
		}
	}
	layout(m);
	return m;
}

void model_state_set_owner(const struct model *m, struct model_state *s, unsigned g, unsigned node)
{
	if (g >= m->ngroups || node >= m->nnodes)
		return;
	s->owner[g] = (nodeset)1 << node;
	for (unsigned j = m->grp_res[g]; j < m->grp_res[g + 1]; j++) {
		const struct ast_model_item *res = m->res[m->res_of_grp[j]];
		if (res->svc == NULL)
			continue;
		for (unsigned n = 0; n < m->nnodes; n++)
			s->v[m->o_svc + n * m->nsvc + res->svc->index] = n == node ? SVC_RUNNING : SVC_STOPPED;
	}
}

void model_state_set_params(const struct model *m, struct model_state *s, const struct model_param_value *values)
{
	for (unsigned p = 0; p < m->nparams; p++)
		if (values != NULL && values[p].known && m->params[p]->type == TY_BOOL)
			s->v[m->o_param + p] = values[p].b ? B_YES : B_NO;
}

const char *model_node_name(const struct model *m, unsigned node)
{
	return node < m->nnodes ? m->node_names[node] : "?";
}

bool model_is_resource_svc(const struct model *m, const struct ast_model_item *svc)
{
	return m->kind == PROC_CLUSTER && svc != NULL && svc->res != NULL && svc->res->grp != NULL;
}

/* ---- stores -------------------------------------------------------------------------- */

/* Is store k selected by `sel`? B_NO, B_YES or B_ANY. */
mset model_selected(const struct model *m, unsigned k, const struct ast_stores *sel)
{
	const struct model_store *st = &m->stores[k];
	switch (sel->kind) {
	case ST_ALL:
		return B_YES;
	case ST_ONE:
		if (st->name != NULL)
			return strcmp(st->name, sel->name.s) == 0 ? B_YES : B_NO;
		return B_NO;
	case ST_IN:
	case ST_NOT_IN: {
		if (sel->param == NULL)
			return B_ANY;
		mset in = st->in[sel->param->index];
		if (sel->kind == ST_IN)
			return in;
		return (mset)(((in & B_YES) ? B_NO : 0) | ((in & B_NO) ? B_YES : 0));
	}
	}
	return B_ANY;
}

/* The stores `sel` may select, in order: from model_sel_first(m, sel), while k < nstores, k =
 * sel_next(m, sel, k). Every store, but for `store "X"` only the stores of its name. */
unsigned model_sel_first(const struct model *m, const struct ast_stores *sel)
{
	if (sel->kind != ST_ONE)
		return 0;
	const struct model_store *st = sel->name.s != NULL ? strmap_gets(&m->store_by_name, sel->name.s) : NULL;
	return st != NULL ? (unsigned)(st - m->stores) : m->nstores;
}

mset model_store_selected(const struct model *m, unsigned k, const struct ast_stores *sel)
{
	return k < m->nstores ? model_selected(m, k, sel) : B_NO;
}
