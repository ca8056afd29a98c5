/* model_decl.c: declared state in the model (model_decl.h): layout, start values, reading.
 * A state of n values takes a byte per instance, bit i for value i: the same encoding as the
 * model's own fields, so the checker's sets of possible values, the paths' diffs, joins and
 * the simulated target's singletons all hold it unchanged. */
#include "model_decl.h"

unsigned model_decl_count(const struct model *m, enum decl_scope sc)
{
	switch (sc) {
	case DS_TARGET: return 1;
	case DS_NODE: return m->nnodes;
	case DS_GROUP: return m->ngroups;
	case DS_RESOURCE: return m->nres;
	}
	return 0;
}

/* The instances of state st: of its scope, or of each pair of its two scopes. */
static unsigned state_count(const struct model *m, const struct ast_state_decl *st)
{
	return model_decl_count(m, st->scope) * (st->pair ? model_decl_count(m, st->scope2) : 1);
}

void model_decl_collect(struct arena *a, struct model *m, const struct ast_plan *plan)
{
	m->ndstates = plan->nstates;
	m->dstates = (const struct ast_state_decl *const *)plan->states;
	m->o_dstate = arena_alloc(a, (m->ndstates + 1) * sizeof(*m->o_dstate));
}

void model_decl_layout(struct model *m, unsigned *o)
{
	m->o_decl = *o;
	for (unsigned k = 0; k < m->ndstates; k++) {
		m->o_dstate[k] = *o;
		*o += state_count(m, m->dstates[k]);
	}
	m->o_dstate[m->ndstates] = *o;
}

static mset all_values(const struct ast_state_decl *st)
{
	return (mset)(st->nvalues >= 8 ? 0xFF : (1u << st->nvalues) - 1);
}

void model_decl_start(const struct model *m, struct model_state *s)
{
	for (unsigned k = 0; k < m->ndstates; k++) {
		const struct ast_state_decl *st = m->dstates[k];
		/* the simulated target's world is healthy: a state of the world starts at the first
		 * value its declaration lists (quorum held, replication in sync) */
		mset v = st->normal_index >= 0 ? (mset)(1u << st->normal_index) : m->concrete ? 1 : all_values(st);
		for (unsigned p = m->o_dstate[k]; p < m->o_dstate[k + 1]; p++)
			s->v[p] = v;
	}
}

unsigned model_decl_state_of(const struct model *m, unsigned place, unsigned *instance)
{
	unsigned k = 0;
	while (k + 1 < m->ndstates && place >= m->o_dstate[k + 1])
		k++;
	if (instance != NULL)
		*instance = place - m->o_dstate[k];
	return k;
}

bool model_decl_degraded(const struct model *m, const struct model_state *s, unsigned place)
{
	if (place < m->o_decl || place >= m->nv)
		return false;
	const struct ast_state_decl *st = m->dstates[model_decl_state_of(m, place, NULL)];
	return st->normal_index >= 0 && (s->v[place] & ~(1u << st->normal_index)) != 0;
}

bool model_decl_arg(const struct model *m, const struct model_bind *b, const struct ast_arg *a, nodeset *nodes,
		    unsigned *index)
{
	*nodes = 0;
	*index = 0;
	if (a == NULL)
		return false;
	if (a->param != NULL) {
		if (b->dargs == NULL)
			return false;
		*index = b->dargs[a->param->index];
		if (*index >= model_decl_count(m, a->param->scope))
			return false;
		if (a->param->scope == DS_NODE)
			*nodes = (nodeset)1 << *index;
		return true;
	}
	if (a->role != NULL) {
		if (a->role->index >= b->n)
			return false;
		*nodes = b->nodes[a->role->index];
		return *nodes != 0;
	}
	if (a->item != NULL) {
		*index = a->item->index;
		return true;
	}
	return false;
}

/* The instances of scope sc that argument a names under b (a role: each of its nodes). */
static unsigned arg_instances(const struct model *m, const struct model_bind *b, const struct ast_arg *a,
			      enum decl_scope sc, unsigned *out)
{
	nodeset ns;
	unsigned idx, k = 0, count = model_decl_count(m, sc);
	if (!model_decl_arg(m, b, a, &ns, &idx))
		return 0;
	if (sc != DS_NODE || ns == 0) {
		if (idx >= count)
			return 0;
		out[0] = idx;
		return 1;
	}
	for (unsigned n = 0; n < m->nnodes && n < count; n++)
		if (ns & ((nodeset)1 << n))
			out[k++] = n;
	return k;
}

unsigned model_decl_places(const struct model *m, const struct model_bind *b, const struct ast_state_decl *st,
			   const struct ast_arg *args, unsigned *out)
{
	if (st->index >= m->ndstates)
		return 0;   /* built-in state (updated, owned_by) has no place of its own */
	unsigned base = m->o_dstate[st->index];
	if (st->scope == DS_TARGET) {
		out[0] = base;
		return 1;
	}
	unsigned first[MODEL_MAX_NODES], n1 = arg_instances(m, b, args, st->scope, first);
	if (!st->pair) {
		for (unsigned i = 0; i < n1; i++)
			out[i] = base + first[i];
		return n1;
	}
	/* a pair: every combination, as many as fit (a role binds at most MODEL_MAX_NODES nodes) */
	unsigned second[MODEL_MAX_NODES], c2 = model_decl_count(m, st->scope2), k = 0;
	unsigned n2 = args != NULL ? arg_instances(m, b, args->next, st->scope2, second) : 0;
	for (unsigned i = 0; i < n1; i++)
		for (unsigned j = 0; j < n2 && k < MODEL_MAX_NODES; j++)
			out[k++] = base + first[i] * c2 + second[j];
	return k;
}

/* Truth t (B_NO, B_YES, B_ANY) of "the value is yes", turned into c's comparison. */
static mset builtin_cmp(const struct ast_cond *c, mset t)
{
	bool flip = (c->value_index == 0) != (c->op == CMP_NE);   /* == no, or != yes */
	return flip && t != B_ANY ? (mset)(t ^ B_ANY) : t;
}

/* The group argument a names under b (a resource: its group), or -1. */
static int arg_group(const struct model *m, const struct model_bind *b, const struct ast_arg *a)
{
	nodeset ns;
	unsigned g;
	if (a == NULL || !model_decl_arg(m, b, a, &ns, &g))
		return -1;
	bool res = a->param != NULL ? a->param->scope == DS_RESOURCE : a->item != NULL && a->item->kind == M_RESOURCE;
	if (res) {
		if (g >= m->nres || m->res[g]->grp == NULL)
			return -1;
		g = m->res[g]->grp->index;
	}
	return g < m->ngroups ? (int)g : -1;
}

/* Is node n updated: every hotfix of the plan installed there (pending counts, as `hotfix H
 * installed` does)? B_NO, B_YES or B_ANY; *place gets a hotfix field that is not (NULL: any). */
static mset node_updated(const struct model *m, const struct model_state *s, unsigned n, unsigned *place)
{
	mset r = B_YES;
	for (unsigned h = 0; h < m->nhf; h++) {
		unsigned p = m->o_hf + n * m->nhf + h;
		mset v = s->v[p];
		mset t = !(v & HF_ABSENT) ? B_YES : v == HF_ABSENT ? B_NO : B_ANY;
		if (t != B_YES && r == B_YES)
			*place = p;
		r = (mset)((((r & B_YES) && (t & B_YES)) ? B_YES : 0) | (((r | t) & B_NO) ? B_NO : 0));
	}
	return r;
}

/* `updated(N)` on each node the argument names; `updated(G)` of a group (a resource: its
 * group's): the update level of the node that owns it, on each node it may be on. */
static mset builtin_updated(const struct model *m, const struct model_state *s, const struct model_bind *b,
			    const struct ast_cond *c, const struct ast_action **cause)
{
	unsigned nodes[MODEL_MAX_NODES], n = 0;
	const struct ast_dparam *p = c->args != NULL ? c->args->param : NULL;
	const struct ast_action *why = NULL;
	mset r;
	if (p != NULL && p->scope != DS_NODE) {
		int g = arg_group(m, b, c->args);
		if (g < 0)
			return B_ANY;
		mset any = 0;
		for (unsigned k = 0; k < m->nnodes; k++)
			if (s->owner[g] & ((nodeset)1 << k)) {
				unsigned place = UINT32_MAX;
				any |= builtin_cmp(c, node_updated(m, s, k, &place));
				if (why == NULL && place != UINT32_MAX)
					why = s->cause[place];
			}
		if (any == 0)
			return B_ANY;
		if (cause != NULL && *cause == NULL && (any & B_NO))
			*cause = why != NULL ? why : s->cause[m->nv + g];
		return any;
	}
	n = arg_instances(m, b, c->args, DS_NODE, nodes);
	if (n == 0)
		return B_ANY;
	r = B_YES;
	for (unsigned i = 0; i < n; i++) {
		unsigned place = UINT32_MAX;
		mset t = builtin_cmp(c, node_updated(m, s, nodes[i], &place));
		if ((t & B_NO) && cause != NULL && *cause == NULL && place != UINT32_MAX)
			*cause = s->cause[place];
		r = (mset)((((r & B_YES) && (t & B_YES)) ? B_YES : 0) | (((r | t) & B_NO) ? B_NO : 0));
	}
	return r;
}

/* `owned_by(G, N)`: N owns group G (a resource's: its group's), on each node N names. */
static mset builtin_owner(const struct model *m, const struct model_state *s, const struct model_bind *b,
			  const struct ast_cond *c, const struct ast_action **cause)
{
	unsigned nodes[MODEL_MAX_NODES];
	int gi = arg_group(m, b, c->args);
	if (gi < 0)
		return B_ANY;
	unsigned g = (unsigned)gi, n = arg_instances(m, b, c->args->next, DS_NODE, nodes);
	if (n == 0)
		return B_ANY;
	mset r = B_YES;
	nodeset o = s->owner[g];
	for (unsigned i = 0; i < n; i++) {
		nodeset nb = (nodeset)1 << nodes[i];
		mset t = builtin_cmp(c, o == nb ? B_YES : !(o & nb) ? B_NO : B_ANY);
		if ((t & B_NO) && cause != NULL && *cause == NULL)
			*cause = s->cause[m->nv + g];   /* the move that put the group where it is */
		r = (mset)((((r & B_YES) && (t & B_YES)) ? B_YES : 0) | (((r | t) & B_NO) ? B_NO : 0));
	}
	return r;
}

mset model_decl_atom(const struct model *m, const struct model_state *s, const struct model_bind *b,
		     const struct ast_cond *c, const struct ast_action **cause)
{
	unsigned places[MODEL_MAX_NODES];
	if (c->state == NULL || c->value_index < 0)
		return B_ANY;
	if (c->state->index == DECL_STATE_UPDATED)
		return builtin_updated(m, s, b, c, cause);
	if (c->state->index == DECL_STATE_OWNER)
		return builtin_owner(m, s, b, c, cause);
	unsigned n = model_decl_places(m, b, c->state, c->args, places);
	if (n == 0)
		return B_ANY;
	mset bit = (mset)(1u << c->value_index), r = B_YES;
	for (unsigned i = 0; i < n; i++) {
		mset v = s->v[places[i]];
		mset t = v == bit ? B_YES : !(v & bit) ? B_NO : B_ANY;
		if (c->op == CMP_NE)
			t = t == B_ANY ? B_ANY : (mset)(t ^ B_ANY);
		if ((t & B_NO) && cause != NULL && *cause == NULL)
			*cause = s->cause[places[i]];
		r = (mset)((((r & B_YES) && (t & B_YES)) ? B_YES : 0) | (((r | t) & B_NO) ? B_NO : 0));
	}
	return r;
}
