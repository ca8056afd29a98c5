/* model_state.c: states of the model: making, copying, comparing and joining them, binding
 * a procedure's roles and placing its groups, and the logged primitive updates through which
 * model_apply and model_assume make every change (note, set_owner, violation here; set_value,
 * put and remap inline in model_int.h). Calls model.c and model_decl.c only (model_int.h has
 * the layering). */
#include "model.h"

#include "model_decl.h"
#include "model_int.h"

#include <string.h>

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

nodeset model_state_get(const struct model *m, const struct model_state *s, uint32_t p)
{
	return p < m->nv ? s->v[p] : s->owner[p - m->nv];
}

void model_state_put(const struct model *m, struct model_state *s, uint32_t p, nodeset val,
		     const struct ast_action *cause)
{
	if (s->log != NULL)
		model_note(s, p, model_state_get(m, s, p), s->cause[p]);
	if (p < m->nv)
		s->v[p] = (mset)val;
	else
		s->owner[p - m->nv] = val;
	s->cause[p] = cause;
}

bool model_state_widen(const struct model *m, struct model_state *s, uint32_t p, nodeset val,
		       const struct ast_action *cause)
{
	nodeset old = model_state_get(m, s, p);
	if ((old | val) == old)
		return false;
	model_state_put(m, s, p, old | val, cause);
	return true;
}

/* ---- roles -------------------------------------------------------------------------- */

/* `node "N"`: on a concrete model the target's node of that name (none if it has none: the
 * runtime refuses the run before); on the abstract one a node no earlier role of one node
 * names (the last node if every one is named), so that the checker assumes nothing more
 * than "one node". */
static nodeset know_node_role(const struct model *m, const struct ast_role *r, const struct model_bind *b)
{
	if (m->concrete) {
		for (unsigned n = 0; n < m->nnodes; n++)
			if (r->node.s != NULL && strcmp(m->node_names[n], r->node.s) == 0)
				return (nodeset)1 << n;
		return 0;
	}
	nodeset taken = 0;
	for (unsigned i = 0; i < r->index && i < b->n; i++)
		if (popcount64(b->nodes[i]) == 1)
			taken |= b->nodes[i];
	for (unsigned n = 0; n < m->nnodes; n++)
		if (!(taken & ((nodeset)1 << n)))
			return (nodeset)1 << n;
	return m->nnodes ? (nodeset)1 << (m->nnodes - 1) : 0;
}

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
	case R_NODE:
		return know_node_role(m, r, b);
	}
	return 0;
}

void model_bind_roles(const struct model *m, const struct model_state *s,
		      const struct ast_procedure *proc, struct model_bind *b)
{
	for (const struct ast_role *r = proc->roles; r != NULL; r = r->next)
		if (r->kind != R_LOOPVAR && r->index < b->n)
			b->nodes[r->index] = r->kind == R_NODE ? 0 : bind_role(m, s, r, b, 0);
	/* `node "N"` last: the abstract model gives it a node no other role names */
	for (const struct ast_role *r = proc->roles; r != NULL; r = r->next)
		if (r->kind == R_NODE && r->index < b->n)
			b->nodes[r->index] = bind_role(m, s, r, b, 0);
}

void model_place_groups(const struct model *m, struct model_state *s, const struct ast_procedure *proc,
			struct model_bind *b)
{
	bool placed = false;
	if (m->kind != PROC_CLUSTER)
		return;
	for (unsigned g = 0; g < m->ngroups; g++) {
		const struct ast_model_item *it = m->groups[g];
		if (it->start_any && !m->concrete) {
			s->owner[g] = all_nodes(m);
			for (unsigned j = m->grp_res[g]; j < m->grp_res[g + 1]; j++) {
				const struct ast_model_item *res = m->res[m->res_of_grp[j]];
				for (unsigned n = 0; res->svc != NULL && n < m->nnodes; n++)
					s->v[m->o_svc + n * m->nsvc + res->svc->index] = SVC_RUNNING | SVC_STOPPED;
			}
			placed = true;
		} else if (it->start_role != NULL && it->start_role->index < b->n &&
			   popcount64(b->nodes[it->start_role->index]) == 1) {
			model_state_set_owner(m, s, g, (unsigned)__builtin_ctzll(b->nodes[it->start_role->index]));
			placed = true;
		}
	}
	if (!placed)
		return;
	/* a role `owner of group G` names one node: where G may be on several, its first */
	for (const struct ast_role *r = proc->roles; r != NULL; r = r->next)
		if (r->kind == R_OWNER_OF && r->grp != NULL && r->grp->index < m->ngroups &&
		    popcount64(s->owner[r->grp->index]) > 1)
			model_state_set_owner(m, s, r->grp->index, (unsigned)__builtin_ctzll(s->owner[r->grp->index]));
	model_bind_roles(m, s, proc, b);
}

/* ---- primitive updates -------------------------------------------------------------- */

/* Every change model_apply and model_assume make goes through these two: a state with a log
 * has it noted first. */
void model_note(struct model_state *s, uint32_t place, nodeset val, const struct ast_action *cause)
{
	struct model_log *l = s->log;
	if (l->n == l->cap) {
		unsigned cap = l->cap ? l->cap * 2 : 64;
		l->v = arena_realloc(l->a, l->v, l->cap * sizeof(*l->v), cap * sizeof(*l->v));
		l->cap = cap;
	}
	l->v[l->n++] = (struct model_change){ place, val, cause };
}

void model_set_owner(const struct model *m, struct model_state *s, unsigned g, nodeset owner,
	       const struct ast_action *cause)
{
	if (s->log != NULL)
		model_note(s, m->nv + g, s->owner[g], s->cause[m->nv + g]);
	s->owner[g] = owner;
	s->cause[m->nv + g] = cause;
}

void model_report(struct apply *x, enum rule_id rule, int node, int store, int group, bool certain)
{
	struct model_violation v = { rule, x->act, node, store, group, certain, NULL };
	if (x->report != NULL)
		x->report(x->ud, &v);
}
