/* model_eval.c: the truth of a condition over a state or a live target's atoms, over
 * three-valued sets: comparisons of versions, literals and counts, the atoms, declared rules,
 * and the narrowing of a state where a condition is assumed true or false (model_assume).
 * Calls model_state.c, model.c and model_decl.c only (model_int.h has the layering). */
#include "model.h"

#include "model_decl.h"
#include "model_int.h"

#include <stdio.h>
#include <string.h>

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
		for (unsigned k = model_sel_first(m, &c->stores); k < m->nstores;) {
			unsigned e = k + 1;
			while (e < m->nstores && m->stores[k].name != NULL && m->stores[e].name == m->stores[k].name)
				e++;
			mset alt = 0;
			for (unsigned j = k; j < e; j++) {
				mset sel = model_selected(m, j, &c->stores);
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

/* `R owns group G` (or `R owns no groups`) assumed true or false: where a `verify` or a
 * `wait until` establishes where a group is. The group's owner narrows (its cause stays);
 * its resources' services are not narrowed. */
static bool know_assume_owner(const struct model *m, struct model_state *s, const struct model_bind *b,
			      const struct ast_cond *c, mset want)
{
	nodeset rn;
	if (m->kind != PROC_CLUSTER || !subject_nodes(b, c, &rn) || rn == 0)
		return true;
	/* owns G: G's owner inside rn; owns no groups: every group's outside */
	bool inside = (c->kind == C_OWNS_GROUP) == (want == B_YES);
	if (c->kind == C_OWNS_NO_GROUPS && want != B_YES)
		return true;
	for (unsigned g = 0; g < m->ngroups; g++) {
		if (c->kind == C_OWNS_GROUP && (c->grp == NULL || c->grp->index != g))
			continue;
		nodeset nv = inside ? (s->owner[g] & rn) : (s->owner[g] & ~rn);
		if (nv == 0)
			return false;
		if (nv != s->owner[g]) {
			if (s->log != NULL)
				model_note(s, m->nv + g, s->owner[g], s->cause[m->nv + g]);
			s->owner[g] = nv;
		}
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
	case C_OWNS_GROUP:
	case C_OWNS_NO_GROUPS:
		return know_assume_owner(m, s, b, c, want);
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
		for (unsigned k = model_sel_first(m, &c->stores); k < m->nstores; k = sel_next(m, &c->stores, k)) {
			if (model_selected(m, k, &c->stores) != B_YES || m->stores[k].exists != B_YES)
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
