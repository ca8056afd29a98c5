/* model.c: the target model: layout, start state, effects, conditions, degradations.
 * Every effect is written once over sets of possible values; a concrete state is the case
 * where each set has one member. A "weak" update adds the new value to the possible ones
 * (the action may or may not have touched that field); a strong one replaces them. */
#include "model.h"

#include "model_decl.h"

#include <stdio.h>
#include <string.h>

/* ---- layout ------------------------------------------------------------------------- */

static unsigned popcount64(nodeset x)
{
	return (unsigned)__builtin_popcountll(x);
}

static nodeset all_nodes(const struct model *m)
{
	return m->nnodes >= 64 ? ~(nodeset)0 : (((nodeset)1 << m->nnodes) - 1);
}

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

/* ---- states ------------------------------------------------------------------------- */

/* The owners, a cause for every place (values and owners: place nv + g is owner[g]'s), the
 * values. */
static size_t state_bytes(const struct model *m)
{
	return m->ngroups * sizeof(nodeset) + (m->nv + m->ngroups) * sizeof(struct ast_action *) + m->nv;
}

static struct model_state *state_alloc(struct arena *a, const struct model *m)
{
	struct model_state *s = arena_alloc(a, sizeof(*s) + state_bytes(m));
	unsigned char *p = (unsigned char *)(s + 1);
	s->owner = (nodeset *)p;
	p += m->ngroups * sizeof(nodeset);
	s->cause = (const struct ast_action **)p;
	p += (m->nv + m->ngroups) * sizeof(struct ast_action *);
	s->v = p;
	return s;
}

struct model_state *model_state_start(struct arena *a, const struct model *m, unsigned owner)
{
	struct model_state *s = state_alloc(a, m);

	for (unsigned g = 0; g < m->ngroups; g++)
		s->owner[g] = (nodeset)1 << owner;
	for (unsigned n = 0; n < m->nnodes; n++) {
		s->v[m->o_mem + n] = MEM_MEMBER;
		for (unsigned i = 0; i < m->nsvc; i++) {
			const struct ast_model_item *svc = m->svcs[i];
			bool res = m->kind == PROC_CLUSTER && svc->res != NULL;
			s->v[m->o_svc + n * m->nsvc + i] = (!res || n == owner) ? SVC_RUNNING : SVC_STOPPED;
		}
		for (unsigned h = 0; h < m->nhf; h++)
			s->v[m->o_hf + n * m->nhf + h] = HF_ABSENT;
		for (unsigned f = 0; f < m->nfiles; f++)
			s->v[m->o_fv + n * m->nfiles + f] = FV_OLD;
	}
	for (unsigned r = 0; r < m->nres; r++)
		s->v[m->o_restart + r] = B_YES;
	for (unsigned k = 0; k < m->nstores; k++) {
		const struct model_store *st = &m->stores[k];
		bool affected = m->plan->recover && st->in[m->plan->recover->index] == B_YES;
		s->v[m->o_store + k] = STO_MOUNTED;
		s->v[m->o_risk + k] = affected ? B_YES : B_NO;
	}
	for (unsigned p = 0; p < m->nparams; p++)
		s->v[m->o_param + p] = B_ANY;
	model_decl_start(m, s);
	return s;
}

struct model_state *model_state_clone(struct arena *a, const struct model *m, const struct model_state *s)
{
	struct model_state *c = state_alloc(a, m);
	model_state_copy(m, c, s);
	return c;
}

void model_state_copy(const struct model *m, struct model_state *dst, const struct model_state *src)
{
	memcpy(dst->owner, src->owner, state_bytes(m));
}

bool model_state_equal(const struct model *m, const struct model_state *a, const struct model_state *b)
{
	return memcmp(a->owner, b->owner, m->ngroups * sizeof(nodeset)) == 0 &&
	       memcmp(a->v, b->v, m->nv) == 0;
}

void model_state_join(const struct model *m, struct model_state *dst, const struct model_state *src)
{
	for (unsigned g = 0; g < m->ngroups; g++) {
		dst->owner[g] |= src->owner[g];
		if (dst->cause[m->nv + g] == NULL)
			dst->cause[m->nv + g] = src->cause[m->nv + g];
	}
	for (unsigned i = 0; i < m->nv; i++) {
		dst->v[i] |= src->v[i];
		if (dst->cause[i] == NULL)
			dst->cause[i] = src->cause[i];
	}
}

/* ---- roles -------------------------------------------------------------------------- */

static nodeset bind_role(const struct model *m, const struct model_state *s, const struct ast_role *r,
			 struct model_bind *b, int depth)
{
	nodeset except = 0;

	if (depth > 64)
		return 0;
	if (r->except_role != NULL)
		except = bind_role(m, s, r->except_role, b, depth + 1);
	switch (r->kind) {
	case R_OWNER_OF:
		return r->grp != NULL && m->ngroups > 0 ? s->owner[r->grp->index] : 0;
	case R_ANY_EXCEPT:
		for (unsigned n = 0; n < m->nnodes; n++)
			if (!(except & ((nodeset)1 << n)))
				return (nodeset)1 << n;
		return 0;
	case R_ALL:
		return all_nodes(m);
	case R_ALL_EXCEPT:
		return all_nodes(m) & ~except;
	case R_LOOPVAR:
		return b->nodes[r->index];
	}
	return 0;
}

void model_bind_roles(const struct model *m, const struct model_state *s,
		      const struct ast_procedure *proc, struct model_bind *b)
{
	for (const struct ast_role *r = proc->roles; r != NULL; r = r->next)
		if (r->kind != R_LOOPVAR && r->index < b->n)
			b->nodes[r->index] = bind_role(m, s, r, b, 0);
}

/* ---- primitive updates -------------------------------------------------------------- */

/* Every change model_apply and model_assume make goes through these two: a state with a log
 * has it noted first. */
static void note(struct model_state *s, uint32_t place, nodeset val, const struct ast_action *cause)
{
	struct model_log *l = s->log;
	if (l->n == l->cap) {
		unsigned cap = l->cap ? l->cap * 2 : 64;
		l->v = arena_realloc(l->a, l->v, l->cap * sizeof(*l->v), cap * sizeof(*l->v));
		l->cap = cap;
	}
	l->v[l->n++] = (struct model_change){ place, val, cause };
}

static void set_value(struct model_state *s, unsigned i, mset val, const struct ast_action *cause)
{
	if (s->log != NULL)
		note(s, i, s->v[i], s->cause[i]);
	s->v[i] = val;
	s->cause[i] = cause;
}

static void set_owner(const struct model *m, struct model_state *s, unsigned g, nodeset owner,
		      const struct ast_action *cause)
{
	if (s->log != NULL)
		note(s, m->nv + g, s->owner[g], s->cause[m->nv + g]);
	s->owner[g] = owner;
	s->cause[m->nv + g] = cause;
}

struct apply {
	const struct model *m;
	struct model_state *s;
	const struct model_bind *b;
	const struct ast_action *act;
	model_report_fn report;
	void *ud;
};

static void put(struct apply *x, unsigned i, mset val, bool weak)
{
	mset old = x->s->v[i];
	mset nv = weak ? (mset)(old | val) : val;
	if (nv != old)
		set_value(x->s, i, nv, x->act);
}

/* Values in `from` become `to`; the others stay. */
static void remap(struct apply *x, unsigned i, mset from, mset to, bool weak)
{
	mset old = x->s->v[i];
	if (!(old & from))
		return;
	put(x, i, weak ? (mset)(old | to) : (mset)((old & ~from) | to), false);
}

static void violation(struct apply *x, enum rule_id rule, int node, int store, int group, bool certain)
{
	struct model_violation v = { rule, x->act, node, store, group, certain, NULL };
	if (x->report != NULL)
		x->report(x->ud, &v);
}

bool model_is_resource_svc(const struct model *m, const struct ast_model_item *svc)
{
	return m->kind == PROC_CLUSTER && svc != NULL && svc->res != NULL && svc->res->grp != NULL;
}

static unsigned isvc(const struct model *m, unsigned n, unsigned svc)
{
	return m->o_svc + n * m->nsvc + svc;
}

/* May node n own a group? Certainly? */
static mset owns_any(const struct model *m, const struct model_state *s, unsigned n)
{
	mset r = 0;
	bool may = false, sure = false;
	for (unsigned g = 0; g < m->ngroups; g++) {
		nodeset o = s->owner[g];
		if (o & ((nodeset)1 << n)) {
			may = true;
			if (o == ((nodeset)1 << n))
				sure = true;
		}
	}
	if (may)
		r |= B_YES;
	if (!sure)
		r |= B_NO;
	return r;
}

/* Is node n patched (some hotfix installed, not pending)? */
static mset patched(const struct model *m, const struct model_state *s, unsigned n)
{
	mset r = 0;
	bool sure = false;
	for (unsigned h = 0; h < m->nhf; h++) {
		mset v = s->v[m->o_hf + n * m->nhf + h];
		if (v & HF_INSTALLED)
			r |= B_YES;
		if (v == HF_INSTALLED)
			sure = true;
	}
	if (!sure)
		r |= B_NO;
	return r;
}

/* An at-risk store that may be in one of the states `bad` (exists, affected, at risk). */
static int at_risk_store_in(const struct model *m, const struct model_state *s, mset bad, bool *certain)
{
	for (unsigned k = 0; k < m->nstores; k++) {
		if (!(s->v[m->o_risk + k] & B_YES) || !(m->stores[k].exists & B_YES))
			continue;
		if (s->v[m->o_store + k] & bad) {
			*certain = s->v[m->o_risk + k] == B_YES && m->stores[k].exists == B_YES &&
				   !(s->v[m->o_store + k] & ~bad);
			return (int)k;
		}
	}
	return -1;
}

/* ---- service effects ---------------------------------------------------------------- */

static bool holds_stores(const struct ast_model_item *svc)
{
	return svc != NULL && svc->kind == M_SERVICE && svc->holds_stores;
}

/* HP103: a clean stop of the store service while an at-risk store is mounted. */
static void check_clean_stop(struct apply *x, unsigned n, const struct ast_model_item *svc)
{
	bool certain = false;
	if (!holds_stores(svc) || !(x->s->v[isvc(x->m, n, svc->index)] & SVC_RUNNING))
		return;
	int k = at_risk_store_in(x->m, x->s, STO_MOUNTED, &certain);
	if (k >= 0)
		violation(x, HP103, (int)n, k, -1, certain && x->s->v[isvc(x->m, n, svc->index)] == SVC_RUNNING);
}

/* The service stops on node n: cleanly, or killed. Its mounted stores go offline or dirty. */
static void svc_stop(struct apply *x, unsigned n, const struct ast_model_item *svc, bool weak, bool killed)
{
	unsigned i = isvc(x->m, n, svc->index);
	mset old = x->s->v[i];
	if (!(old & SVC_RUNNING))
		return;
	put(x, i, SVC_STOPPED, weak);
	if (!holds_stores(svc))
		return;
	bool w = weak || old != SVC_RUNNING;
	for (unsigned k = 0; k < x->m->nstores; k++)
		remap(x, x->m->o_store + k, STO_MOUNTED, killed ? STO_DIRTY : STO_OFFLINE, w);
}

/* The service starts on node n: every store not dismounted gets mounted, a dirty one after
 * soft recovery, which ends the risk of an affected store when n is patched. */
/* Service svc started again on node n: the hotfixes that `needs restart of service` it and are
 * pending there take effect (HP112 no longer applies to them). */
static void activate(struct apply *x, unsigned n, const struct ast_model_item *svc, bool weak)
{
	const struct model *m = x->m;
	for (const struct ast_hotfix *h = m->plan->hotfixes; h != NULL; h = h->next) {
		unsigned hi = m->o_hf + n * m->nhf + h->index;
		if (h->need_svc != svc || h->index >= m->nhf || !(x->s->v[hi] & HF_PENDING))
			continue;
		bool w = weak || x->s->v[hi] != HF_PENDING;
		remap(x, hi, HF_PENDING, HF_INSTALLED, w);
		for (unsigned f = m->hf_files[h->index]; f < m->hf_files[h->index + 1]; f++)
			put(x, m->o_fv + n * m->nfiles + f, FV_NEW, w);
	}
}

static void svc_start(struct apply *x, unsigned n, const struct ast_model_item *svc, bool weak)
{
	unsigned i = isvc(x->m, n, svc->index);
	mset old = x->s->v[i];
	if (old == SVC_RUNNING)
		return;
	put(x, i, SVC_RUNNING, weak);
	if (svc->activates)
		activate(x, n, svc, weak || old != SVC_STOPPED);
	if (!holds_stores(svc))
		return;
	bool w = weak || old != SVC_STOPPED;
	mset p = patched(x->m, x->s, n);
	for (unsigned k = 0; k < x->m->nstores; k++) {
		unsigned si = x->m->o_store + k;
		mset st = x->s->v[si];
		if ((st & STO_DIRTY) && (p & B_YES) && (x->s->v[x->m->o_risk + k] & B_YES))
			put(x, x->m->o_risk + k, B_NO, w || st != STO_DIRTY || p != B_YES);
		remap(x, si, STO_OFFLINE | STO_DIRTY, STO_MOUNTED, w);
	}
}

/* ---- membership ---------------------------------------------------------------------- */

static bool none_member_possible(const struct model *m, const struct model_state *s)
{
	if (m->kind != PROC_CLUSTER)
		return false;
	for (unsigned n = 0; n < m->nnodes; n++)
		if (s->v[m->o_mem + n] == MEM_MEMBER)
			return false;
	return true;
}

/* The node is back: a member, its pending hotfixes installed, its services running. */
static void node_up(struct apply *x, unsigned n, bool weak)
{
	const struct model *m = x->m;
	unsigned mi = m->o_mem + n;
	if (!(x->s->v[mi] & MEM_DOWN))
		return;
	bool w = weak || x->s->v[mi] != MEM_DOWN;
	remap(x, mi, MEM_DOWN, MEM_MEMBER, w);
	for (unsigned h = 0; h < m->nhf; h++) {
		unsigned hi = m->o_hf + n * m->nhf + h;
		if (!(x->s->v[hi] & HF_PENDING))
			continue;
		remap(x, hi, HF_PENDING, HF_INSTALLED, w);
		for (unsigned f = m->hf_files[h]; f < m->hf_files[h + 1]; f++)
			put(x, m->o_fv + n * m->nfiles + f, FV_NEW, w || x->s->v[hi] != HF_INSTALLED);
	}
	for (unsigned i = 0; i < m->nsvc; i++) {
		const struct ast_model_item *svc = m->svcs[i];
		if (svc->kind == M_CLUSTER_SERVICE)
			continue;
		if (model_is_resource_svc(m, svc)) {
			nodeset o = x->s->owner[svc->res->grp->index];
			if (!(o & ((nodeset)1 << n)))
				continue;
			svc_start(x, n, svc, w || o != ((nodeset)1 << n));
		} else {
			svc_start(x, n, svc, w);
		}
	}
}

/* ---- install ------------------------------------------------------------------------- */

static void set_files_new(struct apply *x, unsigned n, const struct ast_hotfix *h, bool weak)
{
	for (unsigned f = x->m->hf_files[h->index]; f < x->m->hf_files[h->index + 1]; f++)
		put(x, x->m->o_fv + n * x->m->nfiles + f, FV_NEW, weak);
}

static void do_install(struct apply *x, unsigned n, bool weak)
{
	const struct model *m = x->m;
	const struct ast_hotfix *h = x->act->hotfix;
	unsigned hi = m->o_hf + n * m->nhf + h->index;

	if (m->kind == PROC_CLUSTER) {
		mset o = owns_any(m, x->s, n);
		if (o & B_YES)
			violation(x, HP110, (int)n, -1, -1, o == B_YES);
		mset mem = x->s->v[m->o_mem + n];
		if ((mem & MEM_MEMBER) && (h->need & (1u << NEED_CLUSTER_STOPPED)))
			violation(x, HP111, (int)n, -1, -1, mem == MEM_MEMBER);
		if (h->need & ((1u << NEED_RESTART) | (1u << NEED_SERVICE_RESTART))) {
			remap(x, hi, HF_ABSENT, HF_PENDING, weak);
		} else {   /* it takes effect at once (docs/language.md, "What an update needs") */
			put(x, hi, HF_INSTALLED, weak);
			set_files_new(x, n, h, weak);
		}
		return;
	}
	/* stand-alone: the installer stops the services it names (cleanly), replaces the files,
	 * and starts them again, even those that were stopped */
	for (uint32_t r = 0; r < h->nrestarts; r++)
		if (h->restart_svcs[r] != NULL)
			check_clean_stop(x, n, h->restart_svcs[r]);
	for (uint32_t r = 0; r < h->nrestarts; r++)
		if (h->restart_svcs[r] != NULL && h->restart_svcs[r]->kind == M_SERVICE)
			svc_stop(x, n, h->restart_svcs[r], weak, false);
	put(x, hi, HF_INSTALLED, weak);
	set_files_new(x, n, h, weak);
	for (uint32_t r = 0; r < h->nrestarts; r++)
		if (h->restart_svcs[r] != NULL && h->restart_svcs[r]->kind == M_SERVICE)
			svc_start(x, n, h->restart_svcs[r], weak);
}

/* ---- stores -------------------------------------------------------------------------- */

/* Is store k selected by `sel`? B_NO, B_YES or B_ANY. */
static mset selected(const struct model *m, unsigned k, const struct ast_stores *sel)
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

/* The stores `sel` may select, in order: from sel_first(m, sel), while k < nstores, k =
 * sel_next(m, sel, k). Every store, but for `store "X"` only the stores of its name. */
static unsigned sel_first(const struct model *m, const struct ast_stores *sel)
{
	if (sel->kind != ST_ONE)
		return 0;
	const struct model_store *st = sel->name.s != NULL ? strmap_gets(&m->store_by_name, sel->name.s) : NULL;
	return st != NULL ? (unsigned)(st - m->stores) : m->nstores;
}

static unsigned sel_next(const struct model *m, const struct ast_stores *sel, unsigned k)
{
	return sel->kind == ST_ONE ? m->store_next[k] : k + 1;
}

mset model_store_selected(const struct model *m, unsigned k, const struct ast_stores *sel)
{
	return k < m->nstores ? selected(m, k, sel) : B_NO;
}

/* Is the store selected AND affected, possibly? (Correlated: a `not in affected` selection
 * of an affected store is impossible.) */
static bool selected_affected_may(const struct model *m, unsigned k, const struct ast_stores *sel, bool *certain)
{
	const struct model_store *st = &m->stores[k];
	const struct ast_param *rec = m->plan->recover;
	if (rec == NULL || !(st->exists & B_YES))
		return false;
	mset aff = st->in[rec->index];
	mset s = selected(m, k, sel);
	if (!(aff & B_YES) || !(s & B_YES))
		return false;
	*certain = aff == B_YES && s == B_YES && st->exists == B_YES;
	return true;
}

static void do_dismount(struct apply *x)
{
	const struct model *m = x->m;
	bool reported = false;
	for (unsigned k = sel_first(m, &x->act->stores); k < m->nstores; k = sel_next(m, &x->act->stores, k)) {
		bool certain = false;
		if (!reported && selected_affected_may(m, k, &x->act->stores, &certain)) {
			violation(x, HP101, -1, (int)k, -1, certain);
			reported = true;
		}
		mset s = selected(m, k, &x->act->stores);
		if (s & B_YES)
			put(x, m->o_store + k, STO_DISMOUNTED, s != B_YES);
	}
}

static void do_mount(struct apply *x, nodeset host, bool weak)
{
	const struct model *m = x->m;
	mset running = 0;
	const struct ast_model_item *svc = x->act->svc;

	for (unsigned n = 0; n < m->nnodes; n++)
		if (host & ((nodeset)1 << n))
			running |= svc ? x->s->v[isvc(m, n, svc->index)] : SVC_RUNNING;
	if (running == 0)
		running = SVC_RUNNING | SVC_STOPPED;
	mset to = (mset)(((running & SVC_RUNNING) ? STO_MOUNTED : 0) | ((running & SVC_STOPPED) ? STO_OFFLINE : 0));
	for (unsigned k = sel_first(m, &x->act->stores); k < m->nstores; k = sel_next(m, &x->act->stores, k)) {
		mset s = selected(m, k, &x->act->stores);
		if (s & B_YES)
			remap(x, m->o_store + k, STO_DISMOUNTED, to, weak || s != B_YES);
	}
}

/* ---- groups -------------------------------------------------------------------------- */

/* Does moving group g start what activates hotfix h (`needs restart of service` a service of
 * g, and no restart of the node)? Then the move is that restart, not an HP112. */
static bool move_activates(const struct model *m, const struct ast_hotfix *h, unsigned g)
{
	const struct ast_model_item *svc = h->need_svc;
	return svc != NULL && !(h->need & (1u << NEED_RESTART)) && svc->res != NULL && svc->res->grp != NULL &&
	       svc->res->grp->index == g && g < m->ngroups;
}

static void do_move(struct apply *x, unsigned g, unsigned t)
{
	const struct model *m = x->m;
	if (g >= m->ngroups)
		return;
	nodeset old = x->s->owner[g];
	nodeset tb = (nodeset)1 << t;

	mset mem = x->s->v[m->o_mem + t];
	if (mem != MEM_MEMBER)
		violation(x, HP113, (int)t, -1, (int)g, !(mem & MEM_MEMBER));
	for (const struct ast_hotfix *h = m->plan->hotfixes; h != NULL; h = h->next) {
		mset hv = h->index < m->nhf ? x->s->v[m->o_hf + t * m->nhf + h->index] : 0;
		if ((hv & HF_PENDING) && !move_activates(m, h, g)) {
			violation(x, HP112, (int)t, -1, (int)g, hv == HF_PENDING);
			break;
		}
	}
	if (old == tb)
		return;
	bool weak_old = popcount64(old & ~tb) > 1 || (old & tb);
	for (unsigned j = m->grp_res[g]; j < m->grp_res[g + 1]; j++) {
		const struct ast_model_item *res = m->res[m->res_of_grp[j]];
		if (res->svc == NULL)
			continue;
		for (unsigned n = 0; n < m->nnodes; n++) {
			if (n == t || !(old & ((nodeset)1 << n)))
				continue;
			check_clean_stop(x, n, res->svc);
			svc_stop(x, n, res->svc, weak_old, false);
		}
	}
	set_owner(m, x->s, g, tb, x->act);
	for (unsigned j = m->grp_res[g]; j < m->grp_res[g + 1]; j++) {
		const struct ast_model_item *res = m->res[m->res_of_grp[j]];
		if (res->svc != NULL && res->svc->kind == M_SERVICE)
			svc_start(x, t, res->svc, false);
	}
}

/* ---- dispatch ------------------------------------------------------------------------ */

nodeset model_action_nodes(const struct model *m, const struct model_state *s,
			   const struct model_bind *b, const struct ast_action *act)
{
	const struct ast_model_item *svc = NULL;

	switch (act->kind) {
	case A_STOP_SERVICE:
	case A_START_SERVICE:
	case A_KILL_PROCESS:
	case A_DISMOUNT:
	case A_MOUNT:
		svc = act->svc;
		if (model_is_resource_svc(m, svc))
			return s->owner[svc->res->grp->index];
		/* fall through */
	case A_INSTALL:
	case A_RESTART_NODE:
	case A_EXEC:
		if (m->kind == PROC_STANDALONE)
			return 1;
		if (act->node != NULL && act->node->index < b->n)
			return b->nodes[act->node->index];
		return 0;
	default:
		return 0;
	}
}

/* `exec` goes to a node and is guarded, but the model follows no effect of it (HP205);
 * waits, verifications and pauses change nothing and are judged by running them. */
const struct model_action_kind model_action_kinds[] = {
	[A_STOP_SERVICE]    = { .on_node = true,  .acts = true,  .guarded = true,  .reverify = true },
	[A_START_SERVICE]   = { .on_node = true,  .acts = true,  .guarded = true,  .reverify = true },
	[A_KILL_PROCESS]    = { .on_node = true,  .acts = true,  .guarded = true,  .reverify = true },
	[A_DISMOUNT]        = { .on_node = false, .acts = true,  .guarded = true,  .reverify = true },
	[A_MOUNT]           = { .on_node = false, .acts = true,  .guarded = true,  .reverify = true },
	[A_INSTALL]         = { .on_node = true,  .acts = true,  .guarded = true,  .reverify = true },
	[A_RESTART_NODE]    = { .on_node = true,  .acts = true,  .guarded = true,  .reverify = true },
	[A_MOVE_GROUP]      = { .on_node = false, .acts = true,  .guarded = true,  .reverify = true },
	[A_DISABLE_RESTART] = { .on_node = false, .acts = true,  .guarded = true,  .reverify = true },
	[A_ENABLE_RESTART]  = { .on_node = false, .acts = true,  .guarded = true,  .reverify = true },
	[A_WAIT_UNTIL]      = { .on_node = false, .acts = false, .guarded = false, .reverify = false },
	[A_WAIT]            = { .on_node = false, .acts = false, .guarded = false, .reverify = false, .inert = true },
	[A_VERIFY]          = { .on_node = false, .acts = false, .guarded = false, .reverify = false },
	[A_PAUSE]           = { .on_node = false, .acts = false, .guarded = false, .reverify = false, .inert = true },
	[A_EXEC]            = { .on_node = true,  .acts = false, .guarded = true,  .reverify = false },
	[A_CALL]            = { .on_node = false, .acts = true,  .guarded = true,  .reverify = false },
};

/* HP117: an action that goes to a group's owner names a node that may not be the owner. */
static void check_owner_on(struct apply *x, nodeset owner)
{
	const struct ast_action *act = x->act;
	if (!model_is_resource_svc(x->m, act->svc) || act->node == NULL || act->node->index >= x->b->n)
		return;
	nodeset on = x->b->nodes[act->node->index];
	if (on != owner || popcount64(owner) != 1) {
		int node = on ? __builtin_ctzll(on) : -1;
		violation(x, HP117, node, -1, (int)act->svc->res->grp->index, (on & owner) == 0);
	}
}

static void apply_on_node(struct apply *x, unsigned n, bool weak)
{
	const struct model *m = x->m;
	const struct ast_action *act = x->act;
	const struct ast_model_item *svc = act->svc;

	switch (act->kind) {
	case A_STOP_SERVICE:
		if (svc->kind == M_CLUSTER_SERVICE) {
			mset o = owns_any(m, x->s, n);
			if (o & B_YES)
				violation(x, HP115, (int)n, -1, -1, o == B_YES);
			remap(x, m->o_mem + n, MEM_MEMBER, MEM_OUT, weak);
		} else {
			check_clean_stop(x, n, svc);
			svc_stop(x, n, svc, weak, false);
		}
		break;
	case A_START_SERVICE:
		if (svc->kind == M_CLUSTER_SERVICE)
			remap(x, m->o_mem + n, MEM_OUT, MEM_MEMBER, weak);
		else
			svc_start(x, n, svc, weak);
		break;
	case A_KILL_PROCESS: {
		if (svc->kind != M_SERVICE)
			break;
		if (model_is_resource_svc(m, svc)) {
			mset rs = x->s->v[m->o_restart + svc->res->index];
			if (rs & B_YES)
				violation(x, HP114, (int)n, -1, (int)svc->res->grp->index, rs == B_YES && !weak);
		}
		if (holds_stores(svc)) {
			bool certain = false;
			int k = at_risk_store_in(m, x->s, STO_OFFLINE | STO_DISMOUNTED, &certain);
			if (k >= 0)
				violation(x, HP102, (int)n, k, -1, certain && !weak);
		}
		svc_stop(x, n, svc, weak, true);
		break;
	}
	case A_INSTALL:
		do_install(x, n, weak);
		break;
	case A_RESTART_NODE: {
		if (m->kind == PROC_CLUSTER) {
			mset o = owns_any(m, x->s, n);
			if (o & B_YES)
				violation(x, HP115, (int)n, -1, -1, o == B_YES);
		}
		for (unsigned i = 0; i < m->nsvc; i++)
			if (m->svcs[i]->kind == M_SERVICE)
				check_clean_stop(x, n, m->svcs[i]);
		for (unsigned i = 0; i < m->nsvc; i++)
			if (m->svcs[i]->kind == M_SERVICE)
				svc_stop(x, n, m->svcs[i], weak, false);
		put(x, m->o_mem + n, MEM_DOWN, weak);
		if (m->kind == PROC_STANDALONE)
			node_up(x, n, weak);   /* the runtime waits for a lone server to come back */
		break;
	}
	default:
		break;
	}
}

/* Bring back the nodes a `wait until` waits for (positive `R member` conjuncts), and let the
 * world's declared state come to the value waited for. */
static void wait_nodes(struct apply *x, const struct ast_cond *c)
{
	if (c == NULL)
		return;
	if (c->kind == C_AND) {
		wait_nodes(x, c->lhs);
		wait_nodes(x, c->rhs);
	} else if (c->kind == C_DSTATE && c->op == CMP_EQ && c->state != NULL && c->state->normal_index < 0 &&
		   c->value_index >= 0) {
		/* a state with no normal value is the world's (quorum, replication): it may come to
		 * any of its values while the plan waits */
		unsigned places[MODEL_MAX_NODES];
		unsigned n = model_decl_places(x->m, x->b, c->state, c->args, places);
		for (unsigned i = 0; i < n; i++)
			put(x, places[i], (mset)(1u << c->value_index), true);
	} else if (c->kind == C_MEMBER && c->role != NULL && c->role->index < x->b->n) {
		nodeset ns = x->b->nodes[c->role->index];
		for (unsigned n = 0; n < x->m->nnodes; n++)
			if (ns & ((nodeset)1 << n))
				node_up(x, n, false);
	}
}

/* ---- declared actions ---------------------------------------------------------------- */

/* The effects of declared action d for one binding of its parameters (dargs): its
 * `requires` first (each that may be false is a violation of its rule), then its effects in
 * order, each written once: `move` is the built-in move of a group, `set` a declared value. */
static void call_apply(struct apply *x, const struct ast_action_decl *d, const unsigned *dargs)
{
	const struct model *m = x->m;
	struct model_bind b = *x->b;
	b.dargs = dargs;
	for (const struct ast_effect *e = d->effects; e != NULL; e = e->next) {
		switch (e->kind) {
		case E_REQUIRES: {
			mset v = model_eval(m, x->s, &b, e->cond, NULL);
			if (v != B_YES && e->rulep != NULL) {
				struct model_violation mv = { RULE_COUNT, x->act, -1, -1, -1, v == B_NO, e->rulep };
				if (x->report != NULL)
					x->report(x->ud, &mv);
			}
			if (v == B_ANY)
				(void)model_assume(m, x->s, &b, e->cond, B_YES);   /* the guard let it pass */
			break;
		}
		case E_MOVE: {
			nodeset gn, tn;
			unsigned g, t;
			if (model_decl_arg(m, &b, e->args, &gn, &g) && e->args->next != NULL &&
			    model_decl_arg(m, &b, e->args->next, &tn, &t) && tn != 0)
				do_move(x, g, (unsigned)__builtin_ctzll(tn));
			break;
		}
		case E_SET: {
			unsigned places[MODEL_MAX_NODES];
			if (e->state == NULL || e->value_index < 0)
				break;
			unsigned n = model_decl_places(m, &b, e->state, e->args, places);
			for (unsigned i = 0; i < n; i++)
				put(x, places[i], (mset)(1u << e->value_index), false);
			break;
		}
		case E_UNDO:
			break;
		}
	}
}

/* Every binding of d's parameters that the call's arguments name (a role may bind several
 * nodes: the action applies to each), parameter k onwards. */
static void call_each(struct apply *x, const struct ast_action_decl *d, const struct ast_arg *a,
		      const struct ast_dparam *p, unsigned *dargs)
{
	if (p == NULL || a == NULL) {
		call_apply(x, d, dargs);
		return;
	}
	nodeset ns;
	unsigned idx;
	if (!model_decl_arg(x->m, x->b, a, &ns, &idx))
		return;
	if (p->scope != DS_NODE) {
		dargs[p->index] = idx;
		call_each(x, d, a->next, p->next, dargs);
		return;
	}
	for (unsigned n = 0; n < x->m->nnodes; n++)
		if (ns & ((nodeset)1 << n)) {
			dargs[p->index] = n;
			call_each(x, d, a->next, p->next, dargs);
		}
}

static void call_bindings(struct apply *x, const struct ast_action_decl *d, const struct ast_arg *args)
{
	unsigned dargs[DECL_MAX_ARGS] = { 0 };
	call_each(x, d, args, d->params, dargs);
}

bool model_apply(const struct model *m, struct model_state *s, const struct model_bind *b,
		 const struct ast_action *act, model_report_fn report, void *ud)
{
	struct apply x = { m, s, b, act, report, ud };
	bool none_before = none_member_possible(m, s);
	nodeset nodes = 0;
	bool owner_directed = false;

	switch (act->kind) {
	case A_STOP_SERVICE:
	case A_START_SERVICE:
	case A_KILL_PROCESS:
		if (act->svc == NULL)
			return false;
		/* fall through */
	case A_INSTALL:
	case A_RESTART_NODE:
	case A_EXEC:
		if (act->kind == A_INSTALL && act->hotfix == NULL)
			return false;
		nodes = model_action_nodes(m, s, b, act);
		owner_directed = model_is_resource_svc(m, act->svc) && act->kind != A_INSTALL &&
				 act->kind != A_RESTART_NODE && act->kind != A_EXEC;
		if (owner_directed)
			check_owner_on(&x, nodes);
		if (nodes == 0)
			return false;
		for (unsigned n = 0; n < m->nnodes; n++) {
			if (!(nodes & ((nodeset)1 << n)))
				continue;
			mset mem = s->v[m->o_mem + n];
			if (m->kind == PROC_CLUSTER && (mem & MEM_DOWN) && model_action_kinds[act->kind].on_node)
				violation(&x, HP131, (int)n, -1, -1, mem == MEM_DOWN);
			apply_on_node(&x, n, owner_directed && popcount64(nodes) > 1);
		}
		break;
	case A_DISMOUNT:
		if (act->svc != NULL && model_is_resource_svc(m, act->svc))
			check_owner_on(&x, s->owner[act->svc->res->grp->index]);
		do_dismount(&x);
		break;
	case A_MOUNT:
		nodes = act->svc ? model_action_nodes(m, s, b, act) : 1;
		if (act->svc != NULL && model_is_resource_svc(m, act->svc))
			check_owner_on(&x, nodes);
		do_mount(&x, nodes, popcount64(nodes) > 1);
		break;
	case A_MOVE_GROUP: {
		if (act->to_role == NULL || act->to_role->index >= b->n)
			return false;
		nodeset to = b->nodes[act->to_role->index];
		if (to == 0)
			return false;
		if (act->grp != NULL)
			do_move(&x, act->grp->index, (unsigned)__builtin_ctzll(to));
		break;
	}
	case A_DISABLE_RESTART:
	case A_ENABLE_RESTART:
		if (act->grp == NULL || m->nres == 0)
			return false;
		put(&x, m->o_restart + act->grp->index, act->kind == A_ENABLE_RESTART ? B_YES : B_NO, false);
		break;
	case A_WAIT_UNTIL:
	case A_VERIFY: {
		if (act->kind == A_WAIT_UNTIL)
			wait_nodes(&x, act->cond);
		mset v = model_eval(m, s, b, act->cond, NULL);
		if (v == B_NO)
			violation(&x, HP123, -1, -1, -1, true);
		else
			(void)model_assume(m, s, b, act->cond, B_YES);
		break;
	}
	case A_CALL:
		if (act->decl == NULL)
			return false;
		call_bindings(&x, act->decl, act->args);
		break;
	case A_WAIT:
	case A_PAUSE:
		break;
	}
	if (!none_before && none_member_possible(m, s)) {
		int node = -1;
		for (unsigned n = 0; n < m->nnodes; n++)
			if (nodes & ((nodeset)1 << n))
				node = (int)n;
		bool certain = true;
		for (unsigned n = 0; n < m->nnodes; n++)
			if (s->v[m->o_mem + n] & MEM_MEMBER)
				certain = false;
		violation(&x, HP116, node, -1, -1, certain);
	}
	return true;
}

/* ---- conditions ---------------------------------------------------------------------- */

static mset tv_and(mset a, mset b)
{
	return (mset)((((a & B_YES) && (b & B_YES)) ? B_YES : 0) | (((a | b) & B_NO) ? B_NO : 0));
}

static mset tv_or(mset a, mset b)
{
	return (mset)((((a | b) & B_YES) ? B_YES : 0) | (((a & B_NO) && (b & B_NO)) ? B_NO : 0));
}

static mset tv_not(mset a)
{
	return (mset)(((a & B_YES) ? B_NO : 0) | ((a & B_NO) ? B_YES : 0));
}

/* Truth of "value in `good`" for one field. */
static mset tv_in(mset v, mset good)
{
	return (mset)(((v & good) ? B_YES : 0) | ((v & ~good) ? B_NO : 0));
}

nodeset model_cond_nodes(const struct model *m, const struct model_state *s, const struct model_bind *b,
			 const struct ast_cond *c, const struct ast_model_item *svc)
{
	if (m->kind == PROC_STANDALONE)
		return 1;
	if (svc != NULL && model_is_resource_svc(m, svc))
		return s->owner[svc->res->grp->index];
	if (c->role != NULL && c->role->index < b->n)
		return b->nodes[c->role->index];
	return all_nodes(m);
}

/* Every node of `ns` has its field (at base + n * stride) in `good`. The cause is the first
 * field's that may have the truth value `blame` (B_NO; B_YES under a `not`). */
static mset tv_all_nodes(const struct model *m, const struct model_state *s, nodeset ns, unsigned base,
			 unsigned stride, mset good, const struct ast_action **cause, mset blame)
{
	mset r = B_YES;
	for (unsigned n = 0; n < m->nnodes; n++) {
		if (!(ns & ((nodeset)1 << n)))
			continue;
		unsigned i = base + n * stride;
		mset t = tv_in(s->v[i], good);
		if ((t & blame) && cause != NULL && *cause == NULL)
			*cause = s->cause[i];
		r = tv_and(r, t);
	}
	return r;
}

int model_version_cmp(const struct ast_version *a, const struct ast_version *b)
{
	for (int i = 0; i < 4; i++) {
		uint32_t x = i < a->n ? a->c[i] : 0, y = i < b->n ? b->c[i] : 0;
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

bool model_cmp_holds(int c, enum cmp_op op)
{
	switch (op) {
	case CMP_EQ: return c == 0;
	case CMP_NE: return c != 0;
	case CMP_LT: return c < 0;
	case CMP_LE: return c <= 0;
	case CMP_GT: return c > 0;
	case CMP_GE: return c >= 0;
	}
	return false;
}

int model_lit_cmp(const struct ast_literal *a, const struct ast_literal *b, bool *comparable)
{
	*comparable = true;
	if (a->kind == LIT_VERSION && b->kind == LIT_VERSION)
		return model_version_cmp(&a->ver, &b->ver);
	if (a->kind == LIT_STRING && b->kind == LIT_STRING)
		return strcmp(a->str, b->str);
	if (a->kind == b->kind)
		return a->num < b->num ? -1 : a->num > b->num;
	*comparable = false;
	return 0;
}

mset model_fact_eval(const struct ast_cond *c, const struct ast_literal *v, bool *comparable)
{
	bool holds = false;
	*comparable = true;
	if (c->kind == C_FACT_CMP) {
		int cmp = model_lit_cmp(v, c->lit, comparable);
		holds = *comparable && model_cmp_holds(cmp, c->op);
	} else {
		/* in a list: equal to one of its values (of the fact's kind) */
		for (const struct ast_literal *l = c->lit; l != NULL && !holds; l = l->next) {
			bool ok;
			holds = model_lit_cmp(v, l, &ok) == 0 && ok;
		}
	}
	return holds ? B_YES : B_NO;
}

mset model_count_eval(const struct ast_cond *c, int64_t count)
{
	int64_t want = c->lit != NULL ? c->lit->num : 0;
	return model_cmp_holds(count < want ? -1 : count > want, c->op) ? B_YES : B_NO;
}

/* count(P) CMP K where count(P) may be any integer in [lo, ∞). */
static mset count_cmp(int64_t lo, enum cmp_op op, int64_t k)
{
	bool any_true, any_false;
	switch (op) {
	case CMP_EQ: any_true = k >= lo; any_false = true; break;
	case CMP_NE: any_true = true; any_false = k >= lo; break;
	case CMP_LT: any_true = lo < k; any_false = true; break;
	case CMP_LE: any_true = lo <= k; any_false = true; break;
	case CMP_GT: any_true = true; any_false = lo <= k; break;
	case CMP_GE: any_true = true; any_false = lo < k; break;
	default: any_true = any_false = true; break;
	}
	return (mset)((any_true ? B_YES : 0) | (any_false ? B_NO : 0));
}

/* An evaluation: of a state (the checker, the simulated target), or of a live target's atoms
 * (env). */
struct eval {
	const struct model *m;
	const struct model_state *s;
	const struct model_bind *b;
	const struct ast_action **cause;   /* NULL: no cause wanted */
	const struct model_env *env;       /* NULL: the state's atoms */
	char *why;                         /* env only */
	size_t len;
	mset blame;                        /* the truth value of an atom whose cause is wanted: B_NO,
					    * B_YES under an odd number of `not`s */
};

/* The nodes a condition's subject names: a role, or inside a declaration its node parameter. */
static bool subject_nodes(const struct model_bind *b, const struct ast_cond *c, nodeset *ns)
{
	if (c->dparam != NULL) {
		if (b->dargs == NULL)
			return false;
		*ns = (nodeset)1 << b->dargs[c->dparam->index];
		return true;
	}
	if (c->role == NULL || c->role->index >= b->n)
		return false;
	*ns = b->nodes[c->role->index];
	return true;
}

/* An atom of a condition, on the state. */
static mset state_atom(const struct eval *ev, const struct ast_cond *c)
{
	const struct model *m = ev->m;
	const struct model_state *s = ev->s;
	const struct model_bind *b = ev->b;
	const struct ast_action **cause = ev->cause;

	switch (c->kind) {
	case C_OR:
	case C_AND:
	case C_NOT:
		return B_ANY;   /* not an atom: eval() takes them */
	case C_SERVICE:
	case C_PROCESS: {
		const struct ast_model_item *svc = c->svc;
		if (svc == NULL)
			return B_ANY;
		nodeset ns = model_cond_nodes(m, s, b, c, svc);
		mset r;
		mset blame = c->positive ? ev->blame : tv_not(ev->blame);
		if (svc->kind == M_CLUSTER_SERVICE)
			r = tv_all_nodes(m, s, ns, m->o_mem, 1, MEM_MEMBER, cause, blame);
		else
			r = tv_all_nodes(m, s, ns, m->o_svc + svc->index, m->nsvc, SVC_RUNNING, cause, blame);
		return c->positive ? r : tv_not(r);
	}
	case C_STORES: {
		/* every selected store in `good`. The variants of one named store (affected or
		 * not) are alternatives: exactly one of them is the real store. */
		mset good = c->positive ? STO_MOUNTED : STO_DISMOUNTED;
		mset r = B_YES;
		for (unsigned k = sel_first(m, &c->stores); k < m->nstores;) {
			unsigned e = k + 1;
			while (e < m->nstores && m->stores[k].name != NULL && m->stores[e].name == m->stores[k].name)
				e++;
			mset alt = 0;
			for (unsigned j = k; j < e; j++) {
				mset sel = selected(m, j, &c->stores);
				unsigned i = m->o_store + j;
				mset t = tv_in(s->v[i], good);
				if ((sel & B_YES) && (t & ev->blame) && cause != NULL && *cause == NULL)
					*cause = s->cause[i];
				alt |= sel == B_NO ? B_YES : sel == B_YES ? t : (mset)(t | B_YES);
			}
			r = tv_and(r, alt);
			while (k < e)   /* the next store selectable, past this one's variants */
				k = sel_next(m, &c->stores, k);
		}
		return r;
	}
	case C_MEMBER:
	case C_DOWN: {
		nodeset rn;
		if (m->kind != PROC_CLUSTER || !subject_nodes(b, c, &rn))
			return B_ANY;
		return tv_all_nodes(m, s, rn, m->o_mem, 1, c->kind == C_MEMBER ? MEM_MEMBER : MEM_DOWN, cause,
				    ev->blame);
	}
	case C_OWNS_GROUP:
	case C_OWNS_NO_GROUPS: {
		nodeset rn;
		if (m->kind != PROC_CLUSTER || !subject_nodes(b, c, &rn))
			return B_ANY;
		mset r = B_YES;
		unsigned g0 = 0, g1 = m->ngroups;
		if (c->kind == C_OWNS_GROUP) {   /* only G */
			bool known = c->grp != NULL && c->grp->index < m->ngroups;
			g0 = known ? c->grp->index : 0;
			g1 = known ? g0 + 1 : 0;
		}
		for (unsigned g = g0; g < g1; g++) {
			nodeset o = s->owner[g];
			mset inside = (mset)(((o & rn) ? B_YES : 0) | ((o & ~rn) ? B_NO : 0));
			if (c->kind == C_OWNS_NO_GROUPS)
				inside = tv_not(inside);
			if ((inside & ev->blame) && cause != NULL && *cause == NULL)
				*cause = s->cause[m->nv + g];   /* the move that put the group there */
			r = tv_and(r, inside);
		}
		return r;
	}
	case C_INSTALLED: {
		if (c->hotfix == NULL)
			return B_ANY;
		nodeset ns = model_cond_nodes(m, s, b, c, NULL);
		return tv_all_nodes(m, s, ns, m->o_hf + c->hotfix->index, m->nhf, HF_PENDING | HF_INSTALLED, cause,
				    ev->blame);
	}
	case C_FILE_VERSION: {
		nodeset ns = model_cond_nodes(m, s, b, c, NULL);
		mset r = B_YES;
		const struct ast_hfile *const *file = c->name.s != NULL ? strmap_gets(&m->file_by_name, c->name.s) : NULL;
		if (file == NULL)
			return B_ANY;
		{   /* the first file of that name with a version */
			unsigned f = (unsigned)(file - m->files);
			bool holds = model_cmp_holds(model_version_cmp(&m->files[f]->version, &c->lit->ver), c->op);
			for (unsigned n = 0; n < m->nnodes; n++) {
				if (!(ns & ((nodeset)1 << n)))
					continue;
				unsigned i = m->o_fv + n * m->nfiles + f;
				mset v = s->v[i];
				mset t = (mset)(((v & FV_OLD) ? B_ANY : 0) | ((v & FV_NEW) ? (holds ? B_YES : B_NO) : 0));
				if ((t & ev->blame) && cause != NULL && *cause == NULL)
					*cause = s->cause[i];
				r = tv_and(r, t);
			}
		}
		return r;
	}
	case C_COUNT:
		if (c->param == NULL || c->lit == NULL)
			return B_ANY;
		return count_cmp(c->param == m->plan->recover ? 1 : 0, c->op, c->lit->num);
	case C_PARAM:
		if (c->param == NULL || c->param->type != TY_BOOL)
			return B_ANY;
		return s->v[m->o_param + c->param->index];
	case C_FACT_CMP:
	case C_FACT_IN:
		return B_ANY;
	case C_DSTATE:
		return model_decl_atom(m, s, b, c, cause);
	}
	return B_ANY;
}

static mset eval(const struct eval *e, const struct ast_cond *c);

/* The right side of `and`/`or` whose left side is `l`. When l is unknown, why keeps the left
 * side's word unless the right side decides the whole. */
static mset eval_rhs(const struct eval *e, const struct ast_cond *c, mset l)
{
	if (l != B_ANY || e->why == NULL)
		return eval(e, c->rhs);
	char keep[1024];
	snprintf(keep, sizeof(keep), "%s", e->why);
	e->why[0] = '\0';   /* what decides the whole, if the right side does, is its word only */
	mset r = eval(e, c->rhs);
	mset whole = c->kind == C_AND ? tv_and(l, r) : tv_or(l, r);
	if (whole == B_ANY)
		snprintf(e->why, e->len, "%s", keep);
	return r;
}

static mset eval(const struct eval *e, const struct ast_cond *c)
{
	if (c == NULL)
		return B_ANY;
	switch (c->kind) {
	case C_NOT: {
		struct eval under = *e;   /* what makes `not A` false makes A true */
		under.blame = tv_not(e->blame);
		return tv_not(eval(&under, c->lhs));
	}
	case C_AND:
	case C_OR: {
		mset l = eval(e, c->lhs);
		/* the value of one side that decides the whole: the other side is not looked at
		 * (not probed), unless a cause is wanted from either */
		if (l == (c->kind == C_AND ? B_NO : B_YES) && e->cause == NULL)
			return l;
		mset r = eval_rhs(e, c, l);
		return c->kind == C_AND ? tv_and(l, r) : tv_or(l, r);
	}
	default:
		if (e->env != NULL)
			return e->env->leaf(e->env->ud, c, e->why, e->len);
		return state_atom(e, c);
	}
}

mset model_eval(const struct model *m, const struct model_state *s, const struct model_bind *b,
		const struct ast_cond *c, const struct ast_action **cause)
{
	struct eval e = { m, s, b, cause, NULL, NULL, 0, B_NO };
	return eval(&e, c);
}

/* NOLINTNEXTLINE(readability-non-const-parameter): why is written through e.why */
mset model_eval_env(const struct model_env *env, const struct ast_cond *c, char *why, size_t len)
{
	struct eval e = { NULL, NULL, NULL, NULL, env, why, len, B_NO };
	return eval(&e, c);
}

mset model_not(mset v)
{
	return tv_not(v);
}

/* Rule r's `when` under every binding of its parameters from p on (dargs[0..p->index) bound). */
static mset rule_each(const struct eval *e, const struct ast_rule_decl *r, const struct ast_dparam *p,
		      unsigned *dargs)
{
	if (p == NULL)
		return eval(e, r->when);
	mset any = B_NO;
	unsigned n = model_decl_count(e->m, p->scope);
	for (unsigned i = 0; i < n && any != B_YES; i++) {
		dargs[p->index] = i;
		any = tv_or(any, rule_each(e, r, p->next, dargs));
	}
	return any;
}

mset model_rule_eval(const struct model *m, const struct model_state *s, const struct model_bind *b,
		     const struct ast_rule_decl *r, const struct ast_action **cause)
{
	unsigned dargs[DECL_MAX_ARGS] = { 0 };
	struct model_bind rb = *b;
	rb.dargs = dargs;
	struct eval e = { m, s, &rb, cause, NULL, NULL, 0, B_YES };   /* a rule that holds is the fault */
	if (r->when == NULL || r->nparams > DECL_MAX_ARGS)
		return B_NO;
	return rule_each(&e, r, r->params, dargs);
}

/* Value i of s becomes nv, a subset of what it was; its cause stays. */
static void narrow(struct model_state *s, unsigned i, mset nv)
{
	if (s->v[i] != nv)
		set_value(s, i, nv, s->cause[i]);
}

/* Narrow every node of `ns` (when there is exactly one, or when want is B_YES: all of them). */
static bool narrow_nodes(const struct model *m, struct model_state *s, nodeset ns, unsigned base,
			 unsigned stride, mset good, mset want)
{
	if (want == B_NO && popcount64(ns) != 1)
		return true;
	for (unsigned n = 0; n < m->nnodes; n++) {
		if (!(ns & ((nodeset)1 << n)))
			continue;
		unsigned i = base + n * stride;
		mset nv = want == B_YES ? (mset)(s->v[i] & good) : (mset)(s->v[i] & ~good);
		if (nv == 0)
			return false;
		narrow(s, i, nv);
	}
	return true;
}

bool model_assume(const struct model *m, struct model_state *s, const struct model_bind *b,
		  const struct ast_cond *c, mset want)
{
	mset v = model_eval(m, s, b, c, NULL);
	if (!(v & want))
		return false;
	if (v == want)
		return true;
	switch (c->kind) {
	case C_NOT:
		return model_assume(m, s, b, c->lhs, tv_not(want));
	case C_AND:
	case C_OR: {
		mset unit = c->kind == C_AND ? B_YES : B_NO;   /* the value both sides must then take */
		if (want == unit)
			return model_assume(m, s, b, c->lhs, want) && model_assume(m, s, b, c->rhs, want);
		mset l = model_eval(m, s, b, c->lhs, NULL), r = model_eval(m, s, b, c->rhs, NULL);
		if (l == unit)
			return model_assume(m, s, b, c->rhs, want);
		if (r == unit)
			return model_assume(m, s, b, c->lhs, want);
		return true;
	}
	case C_PARAM:
		if (c->param != NULL && c->param->type == TY_BOOL)
			narrow(s, m->o_param + c->param->index, (mset)(s->v[m->o_param + c->param->index] & want));
		return true;
	case C_SERVICE:
	case C_PROCESS: {
		const struct ast_model_item *svc = c->svc;
		if (svc == NULL)
			return true;
		nodeset ns = model_cond_nodes(m, s, b, c, svc);
		if (model_is_resource_svc(m, svc) && popcount64(ns) != 1)
			return true;
		mset w = c->positive ? want : tv_not(want);
		if (svc->kind == M_CLUSTER_SERVICE)
			return narrow_nodes(m, s, ns, m->o_mem, 1, MEM_MEMBER, w);
		return narrow_nodes(m, s, ns, m->o_svc + svc->index, m->nsvc, SVC_RUNNING, w);
	}
	case C_MEMBER:
	case C_DOWN: {
		nodeset rn;
		if (m->kind != PROC_CLUSTER || !subject_nodes(b, c, &rn))
			return true;
		return narrow_nodes(m, s, rn, m->o_mem, 1, c->kind == C_MEMBER ? MEM_MEMBER : MEM_DOWN, want);
	}
	case C_DSTATE: {
		unsigned places[MODEL_MAX_NODES];
		unsigned n = c->state != NULL && c->value_index >= 0 ? model_decl_places(m, b, c->state, c->args, places) : 0;
		if (n == 0 || (want == B_NO && n != 1))
			return true;
		mset bit = (mset)(1u << c->value_index);
		bool eq = (c->op == CMP_EQ) == (want == B_YES);
		for (unsigned i = 0; i < n; i++) {
			mset nv = eq ? (mset)(s->v[places[i]] & bit) : (mset)(s->v[places[i]] & ~bit);
			if (nv == 0)
				return false;
			narrow(s, places[i], nv);
		}
		return true;
	}
	case C_STORES: {
		if (want != B_YES)
			return true;
		mset good = c->positive ? STO_MOUNTED : STO_DISMOUNTED;
		for (unsigned k = sel_first(m, &c->stores); k < m->nstores; k = sel_next(m, &c->stores, k)) {
			if (selected(m, k, &c->stores) != B_YES || m->stores[k].exists != B_YES)
				continue;
			mset nv = (mset)(s->v[m->o_store + k] & good);
			if (nv == 0)
				return false;
			narrow(s, m->o_store + k, nv);
		}
		return true;
	}
	default:
		return true;
	}
}

/* ---- degradations -------------------------------------------------------------------- */

/* What counts as degraded, one predicate per kind (SPEC section 4). */
static bool degr_node(const struct model *m, const struct model_state *s, unsigned nd)
{
	return m->kind == PROC_CLUSTER && (s->v[m->o_mem + nd] & (MEM_OUT | MEM_DOWN));
}

static bool degr_service(const struct model *m, const struct model_state *s, unsigned nd, unsigned i)
{
	const struct ast_model_item *svc = m->svcs[i];
	if (svc->kind == M_CLUSTER_SERVICE)
		return false;
	if (model_is_resource_svc(m, svc) && !(s->owner[svc->res->grp->index] & ((nodeset)1 << nd)))
		return false;
	return (s->v[isvc(m, nd, i)] & SVC_STOPPED) != 0;
}

static bool degr_store(const struct model *m, const struct model_state *s, unsigned k)
{
	return (m->stores[k].exists & B_YES) && (s->v[m->o_store + k] & (STO_OFFLINE | STO_DIRTY | STO_DISMOUNTED));
}

static bool degr_restart(const struct model *m, const struct model_state *s, unsigned r)
{
	return (s->v[m->o_restart + r] & B_NO) != 0;
}

static struct model_degr degr_of(const struct model_state *s, enum model_degr_kind k, int node, int index,
				 unsigned vi)
{
	return (struct model_degr){ k, node, index, s->v[vi], s->cause[vi] };
}

unsigned model_degradations(const struct model *m, const struct model_state *s,
			    struct model_degr *out, unsigned max)
{
	unsigned n = 0;
#define DEGR(k, nd, ix, vi)                                    \
	do {                                                   \
		if (n < max)                                   \
			out[n] = degr_of(s, (k), (nd), (ix), (vi)); \
		n++;                                           \
	} while (0)

	for (unsigned nd = 0; nd < m->nnodes; nd++) {
		if (degr_node(m, s, nd))
			DEGR(DEG_NODE, (int)nd, -1, m->o_mem + nd);
		for (unsigned i = 0; i < m->nsvc; i++)
			if (degr_service(m, s, nd, i))
				DEGR(DEG_SERVICE, (int)nd, (int)i, isvc(m, nd, i));
	}
	for (unsigned k = 0; k < m->nstores; k++)
		if (degr_store(m, s, k))
			DEGR(DEG_STORE, -1, (int)k, m->o_store + k);
	for (unsigned r = 0; r < m->nres; r++)
		if (degr_restart(m, s, r))
			DEGR(DEG_RESTART, -1, (int)r, m->o_restart + r);
	for (unsigned p = m->o_decl; p < m->nv; p++)
		if (model_decl_degraded(m, s, p))
			DEGR(DEG_DECL, -1, (int)(p - m->o_decl), p);
#undef DEGR
	return n;
}

/* Keys: per node, the node (nd * (nsvc + 1)) then its services; then the stores; then the
 * resources' restart policies; then the declared values. */
static unsigned degr_nkeys_builtin(const struct model *m)
{
	return m->nnodes * (m->nsvc + 1) + m->nstores + m->nres;
}

unsigned model_degr_nkeys(const struct model *m)
{
	return degr_nkeys_builtin(m) + (m->nv - m->o_decl);
}

bool model_degr_at(const struct model *m, const struct model_state *s, unsigned key, struct model_degr *out)
{
	unsigned per_node = m->nsvc + 1, nodes = m->nnodes * per_node;
	struct model_degr g;
	if (key < nodes) {
		unsigned nd = key / per_node, i = key % per_node;
		if (i == 0 ? !degr_node(m, s, nd) : !degr_service(m, s, nd, i - 1))
			return false;
		g = i == 0 ? degr_of(s, DEG_NODE, (int)nd, -1, m->o_mem + nd)
			   : degr_of(s, DEG_SERVICE, (int)nd, (int)(i - 1), isvc(m, nd, i - 1));
	} else if (key < nodes + m->nstores) {
		unsigned k = key - nodes;
		if (!degr_store(m, s, k))
			return false;
		g = degr_of(s, DEG_STORE, -1, (int)k, m->o_store + k);
	} else if (key < degr_nkeys_builtin(m)) {
		unsigned r = key - nodes - m->nstores;
		if (!degr_restart(m, s, r))
			return false;
		g = degr_of(s, DEG_RESTART, -1, (int)r, m->o_restart + r);
	} else if (key < model_degr_nkeys(m)) {
		unsigned p = m->o_decl + (key - degr_nkeys_builtin(m));
		if (!model_decl_degraded(m, s, p))
			return false;
		g = degr_of(s, DEG_DECL, -1, (int)(p - m->o_decl), p);
	} else {
		return false;
	}
	if (out != NULL)
		*out = g;
	return true;
}

void model_degr_keys(const struct model *m, unsigned place, void (*fn)(void *ud, unsigned key), void *ud)
{
	unsigned per_node = m->nsvc + 1, nodes = m->nnodes * per_node;
	if (place >= m->nv) {   /* an owner: the services of the group's resources, on every node */
		unsigned g = place - m->nv;
		for (unsigned j = g < m->ngroups ? m->grp_svc[g] : 0; g < m->ngroups && j < m->grp_svc[g + 1]; j++)
			for (unsigned nd = 0; nd < m->nnodes; nd++)
				fn(ud, nd * per_node + 1 + m->svc_of_grp[j]);
	} else if (place >= m->o_mem && place < m->o_svc) {
		fn(ud, (place - m->o_mem) * per_node);
	} else if (place >= m->o_svc && place < m->o_hf) {
		unsigned i = place - m->o_svc;
		fn(ud, (i / m->nsvc) * per_node + 1 + i % m->nsvc);
	} else if (place >= m->o_store && place < m->o_risk) {
		fn(ud, nodes + (place - m->o_store));
	} else if (place >= m->o_restart && place < m->o_store) {
		fn(ud, nodes + m->nstores + (place - m->o_restart));
	} else if (place >= m->o_decl) {
		fn(ud, degr_nkeys_builtin(m) + (place - m->o_decl));
	}
}

static const char *say_node(const struct model *m, model_name_fn name, void *ud, int node)
{
	if (name != NULL)
		return name(ud, node);
	return node < 0 ? "a node" : model_node_name(m, (unsigned)node);
}

/* An instance of a declared state's scope, in words. */
static const char *decl_instance(struct arena *a, const struct model *m, enum decl_scope sc, unsigned i,
				 model_name_fn name, void *ud)
{
	switch (sc) {
	case DS_TARGET: return "the target";
	case DS_NODE: return say_node(m, name, ud, (int)i);
	case DS_GROUP: return arena_printf(a, "group \"%s\"", m->groups[i]->name.s);
	case DS_RESOURCE: return arena_printf(a, "resource \"%s\"", m->res[i]->name.s);
	}
	return "?";
}

const char *model_degr_text(struct arena *a, const struct model *m, const struct model_degr *g,
			    model_name_fn name, void *ud)
{
	switch (g->kind) {
	case DEG_SERVICE:
		return arena_printf(a, "service \"%s\" is stopped on %s", m->svcs[g->index]->name.s,
				    say_node(m, name, ud, g->node));
	case DEG_STORE:
		if (!m->concrete)
			return arena_printf(a, "%s is not mounted", m->stores[g->index].label);
		return arena_printf(a, "%s is %s", m->stores[g->index].label,
				    (g->state & STO_DISMOUNTED) ? "dismounted"
				    : (g->state & STO_DIRTY) ? "dirty (soft recovery pending)" : "offline");
	case DEG_RESTART:
		return arena_printf(a, "resource \"%s\" is set to Do not restart", m->res[g->index]->name.s);
	case DEG_DECL: {
		unsigned inst, p = m->o_decl + (unsigned)g->index;
		const struct ast_state_decl *st = m->dstates[model_decl_state_of(m, p, &inst)];
		unsigned c2 = st->pair ? model_decl_count(m, st->scope2) : 1;
		const char *of = decl_instance(a, m, st->scope, inst / c2, name, ud);
		if (st->pair)
			of = arena_printf(a, "%s and %s", of, decl_instance(a, m, st->scope2, inst % c2, name, ud));
		const char *normal = st->values[st->normal_index].s;
		if (!m->concrete || __builtin_popcount(g->state) != 1)
			return arena_printf(a, "%s of %s is not %s", st->name.s, of, normal);
		return arena_printf(a, "%s of %s is %s, not %s", st->name.s, of,
				    st->values[__builtin_ctz(g->state)].s, normal);
	}
	case DEG_NODE:
		return arena_printf(a, "%s is not a cluster member%s", say_node(m, name, ud, g->node),
				    !m->concrete ? ""
				    : (g->state & MEM_DOWN) ? " (restarted, not seen back yet)" : " (its cluster service is stopped)");
	}
	return "?";
}

/* ---- live state read back ------------------------------------------------------------ */

void model_observe_member(const struct model *m, struct model_state *s, unsigned n, bool member)
{
	s->v[m->o_mem + n] = member ? MEM_MEMBER : MEM_OUT;
}

void model_observe_service(const struct model *m, struct model_state *s, unsigned n, unsigned svc, mset running)
{
	const struct ast_model_item *it = m->svcs[svc];
	if (running == B_ANY)
		running = model_is_resource_svc(m, it) && !(s->owner[it->res->grp->index] & ((nodeset)1 << n)) ? B_NO
														 : B_YES;
	s->v[isvc(m, n, svc)] = running == B_YES ? SVC_RUNNING : SVC_STOPPED;
}

bool model_observe_file(const struct model *m, struct model_state *s, unsigned n, unsigned f,
			const struct ast_version *seen)
{
	bool now = model_version_cmp(seen, &m->files[f]->version) == 0;
	s->v[m->o_fv + n * m->nfiles + f] = now ? FV_NEW : FV_OLD;
	return now;
}

void model_observe_hotfix(const struct model *m, struct model_state *s, unsigned n, unsigned h, bool installed,
			  bool files_new)
{
	mset v = HF_ABSENT;
	if (installed)
		v = files_new || m->kind == PROC_STANDALONE ? HF_INSTALLED : HF_PENDING;
	s->v[m->o_hf + n * m->nhf + h] = v;
}

void model_observe_store(const struct model *m, struct model_state *s, unsigned k, unsigned host, bool mounted,
			 mset dismounted)
{
	const struct ast_model_item *ssvc = m->plan->store_svc;
	if (dismounted == B_ANY)
		dismounted = ssvc != NULL && s->v[isvc(m, host, ssvc->index)] == SVC_RUNNING ? B_YES : B_NO;
	s->v[m->o_store + k] = mounted ? STO_MOUNTED : dismounted == B_YES ? STO_DISMOUNTED : STO_OFFLINE;
}

void model_observe_restart(const struct model *m, struct model_state *s, unsigned r, bool enabled)
{
	s->v[m->o_restart + r] = enabled ? B_YES : B_NO;
}
