/* model_degr.c: what counts as degraded (SPEC section 4), its keys and its text, and the
 * live state the runtime reads back into a state (model_observe_*). The top of the model's
 * files with model_apply.c: calls model_eval.c, model.c and model_decl.c only. */
#include "model.h"

#include "model_decl.h"
#include "model_int.h"

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
